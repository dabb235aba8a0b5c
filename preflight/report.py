"""The preflight report: what would be created, what the policy pack said, what could not be seen.

Rendered as text (a resource tree like ``pulumi preview``, violations grouped by enforcement level,
one summary line) or as JSON for machines. Ordering is by tree position and URN, never by timing, so
the same program always gives byte-identical output.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import json_format, struct_pb2

from ._wire import OUTPUT_VALUE_SIG, RESOURCE_SIG, SECRET_SIG, SIG_KEY, UNKNOWN
from .analyzer import PackInfo, Unchecked, Violation
from .k8s import ManifestError
from .locations import Location, Locator
from .monitor import STACK_TYPE, RecordedResource

_LEVEL_ORDER = {"mandatory": 0, "remediate": 1, "advisory": 2, "disabled": 3}


def plain(value: Any, revealed: list[str] | None = None) -> Any:
    """Turn SDK wire values into JSON: secrets -> "[secret]", unknowns -> "[unknown]", refs -> URN; keys sorted, as
    Pulumi writes properties in its state (the order the SDK sends them in varies: a second program run in one
    process sends some in another order than the first).

    With ``revealed`` (a list), secrets keep their values, which are appended to it so that whatever
    prints the result can redact them (manifest checks validate the real value, never show it).
    """
    if isinstance(value, struct_pb2.Struct):
        value = json_format.MessageToDict(value)
    if isinstance(value, dict):
        sig = value.get(SIG_KEY)
        if sig == SECRET_SIG:
            if revealed is None:
                return "[secret]"
            inner = plain(value.get("value"), revealed)
            revealed.extend(_strings(inner))
            return inner
        if sig == RESOURCE_SIG:
            return value.get("urn", "")
        if sig == OUTPUT_VALUE_SIG:
            if value.get("secret") and revealed is None:
                return "[secret]"
            return plain(value.get("value", "[unknown]"), revealed)
        return {k: plain(v, revealed) for k, v in sorted(value.items()) if sig is None or k != SIG_KEY}
    if isinstance(value, list):
        return [plain(v, revealed) for v in value]
    if value == UNKNOWN:
        return "[unknown]"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [str(value)] if isinstance(value, (str, int, float)) and str(value) else []


def redact(text: str, secrets: list[str]) -> str:
    """``text`` with every secret value replaced by "[secret]" (longest first)."""
    for secret in sorted(set(secrets), key=len, reverse=True):
        if len(secret) >= 3:
            text = text.replace(secret, "[secret]")
    return text


@dataclass(frozen=True)
class NotVisible:
    urn: str
    type: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"urn": self.urn, "type": self.type, "reason": self.reason}


@dataclass
class Report:
    project: str
    stack: str
    resources: list[RecordedResource]
    violations: list[Violation] = field(default_factory=list)
    manifest_errors: list[ManifestError] = field(default_factory=list)
    manifests_checked: int = 0
    kubernetes_version: str = ""
    not_visible: list[NotVisible] = field(default_factory=list)
    pack: PackInfo | None = None
    pack_path: str = ""
    messages: list[tuple[str, str, str]] = field(default_factory=list)
    unchecked: list[Unchecked] = field(default_factory=list)
    """Policies that could not run for a resource (a value unknown at preview): no verdict."""
    phases: list[str] = field(default_factory=lambda: ["up"])
    program_dir: str = ""
    """The project directory: finding locations are relative to it."""
    entry: str = "__main__.py"
    """The program's entry file (relative to ``program_dir``): where stack-level findings point."""
    upgrade: Any = None
    """Upgrade readiness (``preflight.upgrade.UpgradeReport``) with ``--upgrade-to`` / ``--from-version``."""

    def __post_init__(self) -> None:
        self.resources = tree_order(self.resources)
        self.violations = sorted(set(self.violations), key=lambda v: (
            _LEVEL_ORDER.get(v.enforcement, 9), v.policy, v.urn, v.message))
        self.unchecked = sorted(set(self.unchecked), key=lambda u: (u.policy, u.urn, u.phase, u.message))
        # Registration order varies with the SDK's threads; the report does not.
        self.not_visible = sorted(set(self.not_visible), key=lambda n: (n.urn, n.type, n.reason))

    def location(self, urn: str) -> Location:
        """``file:line`` in the program of the resource ``urn`` (see :mod:`.locations`)."""
        locator = self.__dict__.get("_locator")
        if locator is None:
            locator = self.__dict__["_locator"] = Locator(self.resources, self.program_dir, self.entry)
        return locator(urn)

    @property
    def only_at_up(self) -> list[Violation]:
        """Mandatory violations a first ``pulumi preview`` would not report: ``pulumi up`` stops on them."""
        if "preview" not in self.phases:
            return []
        return [v for v in self.mandatory if "preview" not in v.phases]

    @property
    def mandatory(self) -> list[Violation]:
        return [v for v in self.violations if v.enforcement in ("mandatory", "remediate")]

    @property
    def advisory(self) -> list[Violation]:
        return [v for v in self.violations if v.enforcement == "advisory"]

    @property
    def passed(self) -> bool:
        return not self.mandatory and not self.manifest_errors and (self.upgrade is None or self.upgrade.ready)

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1

    def summary(self) -> dict[str, Any]:
        return {
            "resources": len(self.resources),
            "customResources": sum(1 for r in self.resources if r.custom),
            "components": sum(1 for r in self.resources if not r.custom),
            "mandatoryViolations": len(self.mandatory),
            "advisoryViolations": len(self.advisory),
            "manifestsChecked": self.manifests_checked,
            "invalidManifests": len({e.urn for e in self.manifest_errors}),
            "notVisible": len(self.not_visible),
            "uncheckedAtPreview": sum(1 for u in self.unchecked if u.phase == "preview"),
            "mandatoryOnlyAtUp": len(self.only_at_up),
            "phases": list(self.phases),
            "kubernetesVersion": self.kubernetes_version,
            "result": "pass" if self.passed else "fail",
        }

    # -- JSON ------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        stack = next((r for r in self.resources if r.type == STACK_TYPE), None)
        return {
            "project": self.project,
            "stack": self.stack,
            "resources": [resource_json(r) for r in self.resources],
            "outputs": plain(stack.outputs) if stack is not None and stack.outputs is not None else {},
            "policyPacks": [] if self.pack is None else [{
                "name": self.pack.name, "version": self.pack.version, "path": self.pack_path,
                "policies": [{"name": p.name, "kind": p.kind,
                              "enforcement": self.pack.config.get(p.name, {}).get("enforcementLevel", p.enforcement)}
                             for p in self.pack.policies]}],
            "violations": [{**v.to_json(), **self._where(v.urn)} for v in self.violations],
            "unchecked": [{**u.to_json(), **self._where(u.urn)} for u in self.unchecked],
            "manifestErrors": [{**e.to_json(), **self._where(e.urn)} for e in self.manifest_errors],
            "notVisible": [n.to_json() for n in self.not_visible],
            "diagnostics": [{"severity": s, "urn": u, "message": m} for s, u, m in self.messages],
            **({"upgrade": self.upgrade.to_json()} if self.upgrade is not None else {}),
            "summary": self.summary(),
        }

    def _where(self, urn: str) -> dict[str, Any]:
        loc = self.location(urn)
        return {"file": loc.file, "line": loc.line}

    # -- text ------------------------------------------------------------------------------
    def to_text(self) -> str:
        lines = [f"Previewing stack '{self.stack}' of project '{self.project}' (preflight: offline, mock cloud; "
                 f"phases: {', '.join(self.phases)})", ""]
        lines += _tree_lines(self.resources)
        if self.messages:
            lines += ["", "Diagnostics:"]
            lines += [f"    {sev}: {msg}" + (f"  ({_short(urn)})" if urn else "") for sev, urn, msg in self.messages]
        lines += ["", "Policies:"]
        if self.pack is None:
            lines.append("    (no policy pack)")
        else:
            mark = "FAIL" if self.mandatory else "ok"
            lines.append(f"    {self.pack.name}@v{self.pack.version} (local: {self.pack_path}): {mark}")
            for level, group in (("mandatory", self.mandatory), ("advisory", self.advisory)):
                if not group:
                    continue
                lines.append(f"      {level} ({len(group)}):")
                for v in group:
                    where = f"  [{', '.join(v.phases)}]" if len(self.phases) > 1 else ""
                    lines.append(f"        - [{v.enforcement}]  {v.policy}  ({_short(v.urn)}){where}  "
                                 f"{self.location(v.urn)}")
                    for text in v.message.splitlines():
                        lines.append(f"            {text}")
            if self.only_at_up:
                lines.append(f"      caught only by `pulumi up` ({len(self.only_at_up)}): a first `pulumi preview` "
                             "on the pull request passes them, and `pulumi up` stops part-way through:")
                lines += [f"        - {v.policy}  ({_short(v.urn)})" for v in self.only_at_up]
            if self.unchecked:
                lines.append(f"      not checked at preview ({len(self.unchecked)}): no verdict, the value is "
                             "unknown until `pulumi up`:")
                for u in self.unchecked:
                    lines.append(f"        - {u.policy}  ({_short(u.urn)})  [{u.phase}]")
                    lines.append(f"            {u.message.split(' during preview: ', 1)[-1]}")
        lines += ["", f"Kubernetes manifests: {self.manifests_checked} checked against the {self.kubernetes_version} "
                      f"OpenAPI schemas, {len({e.urn for e in self.manifest_errors})} invalid"]
        for e in self.manifest_errors:
            lines.append(f"    - {self.location(e.urn)}: {_short(e.urn)} {e.kind}: {e.path}: {e.message}")
        if self.not_visible:
            lines += ["", "Not visible offline:"]
            lines += [f"    - {_short(n.urn)}: {n.reason}" for n in self.not_visible]
        if self.upgrade is not None:
            lines += ["", *self.upgrade.text_lines()]
        s = self.summary()
        lines += ["", f"Summary: {s['resources']} resources ({s['customResources']} custom, {s['components']} components); "
                      f"{s['mandatoryViolations']} mandatory and {s['advisoryViolations']} advisory violations; "
                      f"{len(self.unchecked)} not checked at preview; "
                      f"{s['invalidManifests']} invalid manifests; {s['notVisible']} not visible; "
                      f"result: {s['result'].upper()}"]
        return "\n".join(lines) + "\n"

    def render(self, fmt: str) -> str:
        if fmt == "markdown":
            from .markdown import render_markdown  # it builds on this module

            return render_markdown(self)
        if fmt == "json":
            return json.dumps(self.to_json(), indent=2, sort_keys=False) + "\n"
        return self.to_text()


def resource_json(r: RecordedResource) -> dict[str, Any]:
    data: dict[str, Any] = {
        "urn": r.urn, "type": r.type, "name": r.name, "parent": r.parent, "custom": r.custom,
        "remote": r.remote, "id": r.id, "provider": r.provider, "protect": r.protect,
        "retainOnDelete": r.retain_on_delete, "ignoreChanges": r.ignore_changes,
        "deleteBeforeReplace": r.delete_before_replace, "replaceOnChanges": r.replace_on_changes,
        "aliases": r.aliases, "dependencies": r.dependencies, "propertyDependencies": {k: v for k, v in r.property_dependencies.items() if v},
        "inputs": plain(r.inputs),
    }
    if r.modelled:
        data["modelled"] = r.modelled
    if r.outputs is not None:
        data["outputs"] = plain(r.outputs)
    return data


def tree_order(resources: list[RecordedResource]) -> list[RecordedResource]:
    """Depth-first from the stack, siblings by URN; default providers after the stack."""
    children: dict[str, list[RecordedResource]] = {}
    urns = {r.urn for r in resources}
    roots = []
    for r in resources:
        if r.parent and r.parent in urns:
            children.setdefault(r.parent, []).append(r)
        else:
            roots.append(r)
    ordered: list[RecordedResource] = []

    def visit(r: RecordedResource) -> None:
        ordered.append(r)
        for child in sorted(children.get(r.urn, []), key=lambda c: c.urn):
            visit(child)

    for root in sorted(roots, key=lambda r: (r.type != STACK_TYPE, r.urn)):
        visit(root)
    return ordered


def display_type(token: str) -> str:
    """``aws:ec2/vpc:Vpc`` -> ``aws:ec2:Vpc`` as pulumi preview prints it."""
    parts = token.split(":")
    if len(parts) == 3 and "/" in parts[1] and parts[0] != "kubernetes":
        parts[1] = parts[1].split("/")[0]
    return ":".join(parts)


def _short(urn: str) -> str:
    parts = urn.split("::")
    if len(parts) < 4:
        return urn
    return f"{display_type(parts[2].split('$')[-1])}: {parts[3]}"


def _tree_lines(resources: list[RecordedResource]) -> list[str]:
    by_urn = {r.urn: r for r in resources}
    rows: list[tuple[str, str, str]] = []
    last_child: dict[str, str] = {}
    for r in resources:
        if r.parent in by_urn:
            last_child[r.parent] = r.urn

    def prefix(r: RecordedResource) -> str:
        chain = []
        cur = r
        while cur.parent in by_urn:
            chain.append(cur)
            cur = by_urn[cur.parent]
        out = ""
        for i, node in enumerate(reversed(chain)):
            is_last = last_child.get(node.parent) == node.urn
            if i == len(chain) - 1:
                out += "└─ " if is_last else "├─ "
            else:
                out += "   " if is_last else "│  "
        return out

    for r in resources:
        notes = [n for n, on in (("remote component", r.remote), ("modelled", bool(r.modelled)), ("protected", r.protect),
                                 ("retained on delete", r.retain_on_delete)) if on]
        rows.append((prefix(r) + display_type(r.type), r.name, ", ".join(notes)))
    width_t = max((len(t) for t, _, _ in rows), default=4) + 2
    width_n = max((len(n) for _, n, _ in rows), default=4) + 2
    lines = [f"     {'Type':<{width_t}}{'Name':<{width_n}}Plan"]
    for t, n, note in rows:
        lines.append(f" +   {t:<{width_t}}{n:<{width_n}}create" + (f"  [{note}]" if note else ""))
    return lines
