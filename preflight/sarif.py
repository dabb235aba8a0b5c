"""The report as SARIF 2.1.0 (``--format sarif``): what code scanning (GitHub and others) reads.

One run, the tool ``preflight`` with one rule per policy of the pack (plus ``kubernetes-manifest`` for
manifests invalid against the Kubernetes OpenAPI schemas); one result per violation and per manifest
error, each located at the program's ``file:line`` (relative to the program directory, the base
``PROGRAMROOT``) and naming the resource's URN as a logical location. Mandatory (and remediate) violations
and invalid manifests are ``error``, advisory ones ``warning``. Policies that could not run at preview
are no verdict and are not results.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from .report import Report

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
MANIFEST_RULE = "kubernetes-manifest"
_LEVEL = {"mandatory": "error", "remediate": "error", "advisory": "warning", "disabled": "none"}


def _text(value: str) -> dict[str, str]:
    return {"text": value or "(no description)"}


def _rules(report: Report) -> list[dict[str, Any]]:
    rules: dict[str, dict[str, Any]] = {}
    if report.pack is not None:
        for p in report.pack.policies:
            level = report.pack.config.get(p.name, {}).get("enforcementLevel") or p.enforcement
            rule: dict[str, Any] = {
                "id": p.name, "name": p.name, "shortDescription": _text(p.description.splitlines()[0] if p.description else ""),
                "fullDescription": _text(p.description),
                "defaultConfiguration": {"level": _LEVEL.get(level, "warning"), "enabled": level != "disabled"},
                "properties": {"enforcementLevel": level, "policyPack": report.pack.name, "kind": p.kind},
            }
            if p.remediation:
                rule["help"] = _text(p.remediation)
            if p.url:
                rule["helpUri"] = p.url
            rules[p.name] = rule
    for v in report.violations:  # a diagnostic from a policy the pack did not describe (a remediation)
        rules.setdefault(v.policy, {"id": v.policy, "name": v.policy, "shortDescription": _text(v.description),
                                    "defaultConfiguration": {"level": _LEVEL.get(v.enforcement, "warning")}})
    rules[MANIFEST_RULE] = {
        "id": MANIFEST_RULE, "name": MANIFEST_RULE,
        "shortDescription": _text(f"Kubernetes object valid against the {report.kubernetes_version} OpenAPI schemas"),
        "defaultConfiguration": {"level": "error"},
    }
    return list(rules.values())


def _location(report: Report, urn: str) -> dict[str, Any]:
    loc = report.location(urn)
    artifact: dict[str, Any] = {"uri": loc.file}
    if not Path(loc.file).is_absolute():
        artifact["uriBaseId"] = "PROGRAMROOT"
    else:
        artifact["uri"] = Path(loc.file).as_uri()
    return {"physicalLocation": {"artifactLocation": artifact, "region": {"startLine": max(loc.line, 1)}},
            "logicalLocations": [{"fullyQualifiedName": urn, "kind": "resource"}]}


def _fingerprint(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def to_sarif(report: Report, program: Path | None = None) -> dict[str, Any]:
    rules = _rules(report)
    index = {r["id"]: i for i, r in enumerate(rules)}
    results: list[dict[str, Any]] = []
    for v in report.violations:
        results.append({
            "ruleId": v.policy, "ruleIndex": index[v.policy], "level": _LEVEL.get(v.enforcement, "warning"),
            "message": _text(v.message), "locations": [_location(report, v.urn)],
            "partialFingerprints": {"preflightFinding/v1": _fingerprint(v.policy, v.urn, v.message)},
            "properties": {"urn": v.urn, "enforcementLevel": v.enforcement, "severity": v.severity,
                           "phases": list(v.phases), "policyPack": v.pack},
        })
    for e in report.manifest_errors:
        results.append({
            "ruleId": MANIFEST_RULE, "ruleIndex": index[MANIFEST_RULE], "level": "error",
            "message": _text(f"{e.kind}: {e.path}: {e.message}"), "locations": [_location(report, e.urn)],
            "partialFingerprints": {"preflightFinding/v1": _fingerprint(MANIFEST_RULE, e.urn, e.path, e.message)},
            "properties": {"urn": e.urn, "kind": e.kind, "path": e.path},
        })
    root = Path(report.program_dir or program or ".").resolve()
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "preflight",
                "fullName": "preflight: an offline pulumi preview --policy-pack",
                "informationUri": "https://www.pulumi.com/docs/iac/using-pulumi/crossguard/",
                "rules": rules,
                "properties": {"policyPack": report.pack.name if report.pack else "",
                               "policyPackVersion": report.pack.version if report.pack else ""},
            }},
            "originalUriBaseIds": {"PROGRAMROOT": {"uri": root.as_uri() + "/"}},
            "automationDetails": {"id": f"preflight/{report.project}/{report.stack}/"},
            "invocations": [{"executionSuccessful": True, "exitCode": report.exit_code}],
            "results": results,
            "properties": {"project": report.project, "stack": report.stack, "summary": report.summary()},
        }],
    }


def render_sarif(report: Report, program: Path | None = None) -> str:
    return json.dumps(to_sarif(report, program), indent=2) + "\n"
