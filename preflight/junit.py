"""The report as JUnit XML (``--format junit``): what CI systems show as test results.

One ``<testsuite>`` per policy pack and one for the Kubernetes manifests. Each violation is a
``<testcase>`` named after the policy and the resource, with the program's ``file`` and ``line``:
mandatory (and remediate) ones carry a ``<failure>``; advisory ones pass, their message in
``<system-out>``. A policy with no violation is one passing test case; so is a clean manifest check.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from .report import Report, _short


def _case(suite: ET.Element, classname: str, name: str, report: Report, urn: str | None) -> ET.Element:
    attrs = {"classname": classname, "name": name}
    if urn is not None:
        loc = report.location(urn)
        attrs |= {"file": loc.file, "line": str(loc.line)}
    return ET.SubElement(suite, "testcase", attrs)


def to_junit(report: Report) -> ET.Element:
    root = ET.Element("testsuites", {"name": f"preflight {report.project}/{report.stack}"})
    if report.pack is not None:
        suite = ET.SubElement(root, "testsuite", {"name": f"policy pack {report.pack.name} ({report.stack})"})
        by_policy: dict[str, list] = {}
        for v in report.violations:
            by_policy.setdefault(v.policy, []).append(v)
        names = sorted({p.name for p in report.pack.policies} | set(by_policy))
        for name in names:
            found = by_policy.get(name, [])
            if not found:
                _case(suite, name, name, report, None)
                continue
            for v in found:
                loc = report.location(v.urn)
                case = _case(suite, v.policy, f"{v.policy}: {_short(v.urn)}", report, v.urn)
                text = f"{loc}: {v.message}\nresource: {v.urn}\nphases: {', '.join(v.phases)}"
                if v.enforcement in ("mandatory", "remediate"):
                    failure = ET.SubElement(case, "failure", {"type": v.enforcement,
                                                              "message": v.message.splitlines()[0] if v.message else ""})
                    failure.text = text
                else:
                    ET.SubElement(case, "system-out").text = f"[{v.enforcement}] {text}"
    manifests = ET.SubElement(root, "testsuite", {"name": f"kubernetes manifests ({report.kubernetes_version})"})
    if not report.manifest_errors:
        _case(manifests, "kubernetes-manifest", f"{report.manifests_checked} manifests valid", report, None)
    for e in report.manifest_errors:
        case = _case(manifests, "kubernetes-manifest", f"{e.kind}: {_short(e.urn)}: {e.path}", report, e.urn)
        failure = ET.SubElement(case, "failure", {"type": "invalid", "message": e.message.splitlines()[0]})
        failure.text = f"{report.location(e.urn)}: {e.kind}: {e.path}: {e.message}\nresource: {e.urn}"
    total = failures = 0
    for suite in root.findall("testsuite"):
        cases = suite.findall("testcase")
        failed = sum(1 for c in cases if c.find("failure") is not None)
        suite.set("tests", str(len(cases)))
        suite.set("failures", str(failed))
        suite.set("errors", "0")
        suite.set("skipped", "0")
        total += len(cases)
        failures += failed
    root.set("tests", str(total))
    root.set("failures", str(failures))
    root.set("errors", "0")
    return root


def render_junit(report: Report, program: Path | None = None) -> str:
    root = to_junit(report)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
