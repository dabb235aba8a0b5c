"""Generate ``docs/POLICIES.md`` from the pack's metadata: ``python -m policies.docs`` (from the repo root).

Per policy: its catalogue id and ``RuleMetadata`` (``METADATA`` next to the policy), its severity and
remediation steps, and its enforcement level in each environment, computed as the Pulumi engine computes it:

1. the policy's own ``enforcement_level``, else the pack's (``PolicyPack(enforcement_level=...)``, which the
   SDK defaults to advisory), as ``GetAnalyzerInfo`` reports it;
2. the pack's ``initial_config`` (``MANDATORY_BASELINE`` raised to mandatory); an entry without a level is
   advisory, the protobuf default the engine reads back;
3. the stack's ``--policy-pack-config`` file, ``policies/config/<env>.json``: ``"all"`` first, then each
   policy's entry, a level string or an object with ``enforcementLevel``
   (pulumi ``pkg/resource/analyzer/config.go``, ``ReconcilePolicyPackConfig`` and ``applyConfig``).

The pack's assembly is read from ``policies/__main__.py`` without running it (running it starts the analyzer
and blocks): its imports and list assignments are executed and the arguments of its ``PolicyPack(...)``
call are evaluated, so the levels follow whatever the pack passes.

``--check`` exits 1 when the file on disk differs from what would be generated.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PACK_DIR = Path(__file__).resolve().parent
REPO = PACK_DIR.parent
# The pack's modules import each other by top-level name (``_metadata``, ``aws.eks...``), as when the CLI runs
# the pack from its directory; import them the same way, so there is one ``_metadata`` module.
if str(PACK_DIR) not in sys.path:
    sys.path.insert(0, str(PACK_DIR))

from _metadata import Rule, anchor_id, id_sort_key, registry  # noqa: E402
from pulumi_policy import EnforcementLevel, Policy, StackValidationPolicy  # noqa: E402

OUTPUT = REPO / "docs" / "POLICIES.md"
CONFIG_DIR = PACK_DIR / "config"
#: Columns of the enforcement table, in promotion order; each has ``policies/config/<env>.json``.
ENVIRONMENTS = ("dev", "staging", "prod")
LEVELS = tuple(level.value for level in EnforcementLevel)
SEVERITIES = ("critical", "high", "medium", "low")
COMMAND = "python -m policies.docs"


# -- the pack's assembly ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Assembly:
    """What ``policies/__main__.py`` passes to ``PolicyPack``."""

    policies: tuple[Policy, ...]
    enforcement_level: str
    initial_config: Mapping[str, Any]


def pack_assembly(main: Path = PACK_DIR / "__main__.py") -> Assembly:
    """Evaluate the ``PolicyPack(...)`` call of the pack's ``__main__.py`` without running the module.

    Only its imports and top-level assignments are executed; expression statements (the ``PolicyPack``
    call that serves, ``gc`` tuning, the deserializer patch) are not.
    """
    tree = ast.parse(main.read_text(encoding="utf-8"), filename=str(main))
    namespace: dict[str, Any] = {"__name__": "eks_platform_pack_assembly", "__file__": str(main)}
    call: ast.Call | None = None
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom, ast.Assign, ast.AnnAssign)):
            exec(compile(ast.Module(body=[node], type_ignores=[]), str(main), "exec"), namespace)
        elif (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
              and isinstance(node.value.func, ast.Name) and node.value.func.id == "PolicyPack"):
            call = node.value
    if call is None:
        raise ValueError(f"{main} has no top-level PolicyPack(...) call")

    def argument(name: str, default: Any) -> Any:
        for keyword in call.keywords:
            if keyword.arg == name:
                return eval(compile(ast.Expression(keyword.value), str(main), "eval"), namespace)
        return default

    level = argument("enforcement_level", None) or EnforcementLevel.ADVISORY
    return Assembly(tuple(argument("policies", [])), EnforcementLevel(level).value,
                    dict(argument("initial_config", None) or {}))


# -- enforcement levels, as the engine computes them ------------------------------------------------------------

def _level(value: Any, where: str) -> str:
    text = value.value if isinstance(value, EnforcementLevel) else value
    if not isinstance(text, str) or text not in LEVELS:
        raise ValueError(f"{where}: {value!r} is not a valid enforcement level (use {', '.join(LEVELS)})")
    return text


def initial_levels(initial_config: Mapping[str, Any]) -> dict[str, str]:
    """The pack's ``initial_config`` as the engine receives it: every entry carries a level, advisory when the
    entry is an object without ``enforcementLevel`` (the protobuf enum's zero value)."""
    result = {}
    for name, value in initial_config.items():
        if isinstance(value, Mapping):
            level = value.get("enforcementLevel")
            result[name] = _level(level, f"initial_config[{name!r}]") if level is not None else "advisory"
        else:
            result[name] = _level(value, f"initial_config[{name!r}]")
    return result


def config_levels(config: Mapping[str, Any], source: str = "policy config") -> dict[str, str]:
    """The levels a ``--policy-pack-config`` document sets, by key (``"all"`` included), parsed as the CLI
    parses it: a level string, or an object whose optional ``enforcementLevel`` is a level string."""
    if not isinstance(config, Mapping):
        raise ValueError(f"{source} must be a JSON object keyed by policy name (or \"all\")")
    result = {}
    for name, value in config.items():
        if isinstance(value, str):
            result[name] = _level(value, f"{source}: {name}")
        elif isinstance(value, Mapping):
            if "enforcementLevel" in value:
                result[name] = _level(value["enforcementLevel"], f"{source}: {name}.enforcementLevel")
        else:
            raise ValueError(f"{source}: {name}: {value!r} is not a valid value; must be a string or object")
    return result


def _apply(levels: dict[str, str], given: Mapping[str, str]) -> None:
    """pulumi ``applyConfig``, levels only: ``"all"`` sets every policy, then each policy's own entry."""
    if "all" in given:
        for name in levels:
            levels[name] = given["all"]
    for name, level in given.items():
        if name in levels:
            levels[name] = level


def enforcement_levels(assembly: Assembly, config: Mapping[str, Any] | None = None,
                       source: str = "policy config") -> dict[str, str]:
    """Each policy's enforcement level for a stack run with ``config`` as its policy-pack config."""
    levels = {p.name: (p.enforcement_level or EnforcementLevel(assembly.enforcement_level)).value
              for p in assembly.policies}
    _apply(levels, initial_levels(assembly.initial_config))
    if config:
        _apply(levels, config_levels(config, source))
    return levels


def environment_levels(assembly: Assembly, config_dir: Path = CONFIG_DIR,
                       environments: Sequence[str] = ENVIRONMENTS) -> dict[str, dict[str, str]]:
    """Levels per environment: ``{env: {policy: level}}`` from ``<config_dir>/<env>.json``."""
    result = {}
    for env in environments:
        path = config_dir / f"{env}.json"
        text = path.read_text(encoding="utf-8")
        result[env] = enforcement_levels(assembly, json.loads(text) if text.strip() else {}, str(path))
    return result


# -- rendering --------------------------------------------------------------------------------------------------

def _cell(text: str) -> str:
    """One table cell: one line, pipes escaped, and ``<`` escaped so ``<CMK ARN>`` is not taken for HTML."""
    return " ".join(text.split()).replace("|", "\\|").replace("<", "&lt;")


def _ids(entries: Iterable[str], sep: str = ", ") -> str:
    return sep.join(_cell(e) for e in entries)


def _named(label: str, entry: str) -> str:
    """``PCP `policy-name` (analogous)``: the name as code, its qualifiers after it."""
    name = anchor_id(entry)
    return f"{label} `{name}`{entry[len(name):]}"


def _anchors(rule: Rule) -> str:
    m = rule.metadata
    return _ids([_named("PCP", e) for e in m.pcp] + [_named("AWSGuard", e) for e in m.ag], sep="<br>")


def _kind(rule: Rule) -> str:
    """``stack`` for a policy that judges the whole stack at once (``AnalyzeStack``), else ``resource``."""
    return "stack" if isinstance(rule.policy, StackValidationPolicy) else "resource"


def _config(rule: Rule) -> str:
    """The properties a ``--policy-pack-config`` entry may give the policy, from its config schema."""
    schema = rule.policy.config_schema
    return ", ".join(f"`{name}`" for name in (schema.properties if schema is not None else {}))


def render(rules: Mapping[str, Rule], levels: Mapping[str, Mapping[str, str]]) -> str:
    """The Markdown document: intro, summaries, one row per policy sorted by catalogue id then name."""
    ordered = sorted(rules.values(), key=lambda r: (id_sort_key(r.metadata.id), r.name))
    envs = list(levels)
    out = [
        "# Policies",
        "",
        f"<!-- Generated by `{COMMAND}`; do not edit. -->",
        "",
        f"This file is generated by `{COMMAND}` from the pack itself: each policy's `METADATA` record "
        "(`policies/_metadata.py`, declared next to the policy in its file), its severity and remediation steps, "
        "the pack's assembly in `policies/__main__.py` and the stack policy configs in `policies/config/`. Do not "
        f"edit it by hand: change the policy or its metadata and run `{COMMAND}` from the repository root. "
        "`tests/test_policies_doc.py` fails while it is stale.",
        "",
        "- **Id**: the rule in the policy catalogue (A1 ... M12); rules split over several policies share an id. "
        "`X` ids are rules of this pack that the catalogue does not list.",
        "- **Enforcement**: the level each environment's stack runs the policy at, computed as the Pulumi engine "
        "does: the policy's default (advisory, from the pack), then the pack's initial config "
        "(`MANDATORY_BASELINE` is mandatory), then `policies/config/<env>.json` (`\"all\"` first, then the "
        "policy's own entry). A mandatory violation fails the preview; an advisory one is reported.",
        "- **Kind**: `resource` policies judge each resource as it registers (`Analyze`); `stack` policies judge "
        "the whole stack at once, following references between resources (`AnalyzeStack`). **Config**: the "
        "properties the policy's entry in a `--policy-pack-config` file may set.",
        "- **Side**: the shared-responsibility side the rule enforces. Every rule here is on the customer side, "
        "*security in the cloud*; **Relies on (AWS side)** is the control AWS operates, *security of the cloud*, "
        "that makes the customer's setting effective.",
        "- **CIS**: CIS Amazon EKS Benchmark v1.8.0 sections (older numbering and derived or related mappings "
        "are marked). **EKS Best Practices**: security guide area and section. **checkov**: check ids. "
        "**PSS**: Pod Security Standards controls, by level; the PSS rules judge each pod at the level its "
        "namespace's `pod-security.kubernetes.io/enforce` label names (restricted-only findings in a baseline "
        "namespace go to the advisory `kubernetes-pod-configure-restricted-pod-security`). "
        "**Other anchors**: Pulumi compliance-policies (PCP) and AWSGuard policy names.",
        "- **Claims**: an id without a qualifier claims the rule is equivalent to that check (it flags what the "
        "check flags); *(stricter: ...)* says it flags more, and why; *(partial: ...)* that it flags less; "
        "*(analogous)*, *(derived)* and *(related)* that it is not the same check.",
        "",
        "## Summary",
        "",
        "| Side | " + " | ".join(SEVERITIES) + " | total |",
        "|---|" + "---:|" * (len(SEVERITIES) + 1),
    ]
    by_side = Counter((r.metadata.side, r.severity) for r in ordered)
    for side in sorted({r.metadata.side for r in ordered}):
        counts = [by_side[(side, s)] for s in SEVERITIES]
        out.append(f"| {side} | " + " | ".join(str(c) for c in counts) + f" | {sum(counts)} |")
    out += ["", "| Environment | " + " | ".join(LEVELS) + " |", "|---|" + "---:|" * len(LEVELS)]
    for env in envs:
        counted = Counter(levels[env][r.name] for r in ordered)
        out.append(f"| {env} | " + " | ".join(str(counted[level]) for level in LEVELS) + " |")
    header = ["Id", "Policy", "Kind", "What it checks", "Severity", *envs, "Side", "Relies on (AWS side)", "CIS",
              "EKS Best Practices", "checkov", "PSS", "Other anchors", "Remediation", "Config"]
    out += ["", f"## Rules ({len(ordered)} policies)", "", "| " + " | ".join(header) + " |", "|---" * len(header) + "|"]
    for r in ordered:
        m = r.metadata
        cells = [m.id, f"`{r.name}`", _kind(r), _cell(str(r.policy.description)), r.severity,
                 *(levels[env][r.name] for env in envs), m.side,
                 _cell(m.aws_control), _ids(m.cis), _ids(m.bpg, sep="<br>"), _ids(m.checkov),
                 _ids(m.pss, sep="<br>"), _anchors(r),
                 _cell(r.remediation), _config(r)]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def generate(main: Path = PACK_DIR / "__main__.py", config_dir: Path = CONFIG_DIR) -> str:
    """The document for the pack as it is on disk. Every policy the pack assembles must have metadata."""
    assembly = pack_assembly(main)
    rules = registry()
    assembled = {p.name for p in assembly.policies}
    missing = sorted(assembled - set(rules))
    unassembled = sorted(set(rules) - assembled)
    if missing or unassembled:
        raise ValueError(f"the pack and its metadata disagree: no metadata for {missing}; "
                         f"not assembled in {main.name}: {unassembled}")
    return render(rules, environment_levels(assembly, config_dir))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description="Generate docs/POLICIES.md from the pack's metadata.")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="file to write (default: docs/POLICIES.md)")
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is missing or stale")
    args = parser.parse_args(argv)
    text = generate()
    current = args.output.read_text(encoding="utf-8") if args.output.exists() else None
    if args.check:
        if current != text:
            print(f"{args.output} is stale: run {COMMAND}", file=sys.stderr)
            return 1
        return 0
    if current != text:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
    print(f"{args.output}: {text.count(chr(10))} lines", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
