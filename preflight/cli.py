"""``python -m preflight``: an offline ``pulumi preview --policy-pack`` for Pulumi Python programs.

Exit codes: 0 no mandatory violation and no invalid manifest; 1 a mandatory violation or an invalid
Kubernetes manifest; 2 the program, its project files, its config or the policy pack could not run
(one message on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import importlib.util
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import lifecycle, pulumi_eks, upgrade, yamlread
from .analyzer import PackInfo, Unchecked, load_policy_config
from .errors import PreflightError
from .isolated import interpreter
from .k8s import ManifestError, is_custom_resource, is_kubernetes_object, supported_versions, validate_object
from .locations import entry_file
from .mockcloud import DEFAULT_ACCOUNT, DEFAULT_REGION, CloudIdentity
from .monitor import RecordedResource
from .phases import PHASES, Context, Timer, merge_phases, run_phases
from .project import Project, load_project
from .report import NotVisible, Report, plain, redact

REPO_ROOT = Path(__file__).resolve().parent.parent

#: ``--format`` choices: the report's own formats, then the SARIF and JUnit renderings of it.
FORMATS = ("text", "json", "markdown", "sarif", "junit")


def render(report: Report, fmt: str, program: Path) -> str:
    """The report in ``fmt``; file paths in findings relative to ``program`` (the project directory)."""
    if fmt == "sarif":
        from .sarif import render_sarif

        return render_sarif(report, program)
    if fmt == "junit":
        from .junit import render_junit

        return render_junit(report, program)
    return report.render(fmt)


#: Policy packs shipped with preflight (package data): ``--policy-pack <name>`` -> the package holding it.
BUNDLED_PACKS = {"eks-platform": "preflight.packs.eks_platform"}


@dataclass(frozen=True)
class Options:
    program: Path = field(default_factory=Path.cwd)
    stack: str = "dev"
    policy_pack: Path | None = None
    policy_pack_config: Path | None = None
    kubernetes_version: str | None = None
    account: str = DEFAULT_ACCOUNT
    phase: str = "both"
    """``preview`` (a first ``pulumi preview``: unknowns), ``up`` (concrete values) or ``both``."""
    timeout: float = 600.0
    """Seconds the program, and each call to the policy pack, may take."""
    upgrade_to: str | None = None
    """Report the upgrade readiness of the stack to this Kubernetes version (``preflight/upgrade.py``)."""
    from_version: str | None = None
    """The version the stack runs now: with a different ``kubernetesVersion`` in config, report that upgrade."""


#: Resources whose contents a provider renders: offline they are one opaque resource (or render nothing).
RENDERED_BY_PROVIDER = {
    "kubernetes:helm.sh/v3:Chart": "Helm v3 Chart: helm renders its manifests through the provider; offline "
                                   "nothing is rendered, so none of its objects is checked",
    "kubernetes:helm.sh/v3:Release": "Helm Release: one resource whose installed manifests are never Pulumi "
                                     "resources; no policy sees them, online or offline (rule L1)",
    "kubernetes:helm.sh/v4:Chart": "Helm v4 Chart: a provider-side component; its objects are rendered by the "
                                   "provider and are not visible offline",
    "kubernetes:kustomize:Directory": "kustomize Directory (v1): rendered through the provider; offline nothing "
                                      "is rendered",
    "kubernetes:kustomize/v2:Directory": "kustomize Directory (v2): a provider-side component, not visible offline",
    "kubernetes:yaml:ConfigFile": "YAML ConfigFile (v1): decoded through the provider; offline nothing is rendered",
    "kubernetes:yaml:ConfigGroup": "YAML ConfigGroup (v1): decoded through the provider; offline nothing is "
                                   "rendered",
    "kubernetes:yaml/v2:ConfigFile": "YAML ConfigFile (v2): a provider-side component, not visible offline",
    "kubernetes:yaml/v2:ConfigGroup": "YAML ConfigGroup (v2): a provider-side component, not visible offline",
}



def _kubernetes_version(opts: Options, project: Project) -> str:
    """``--kubernetes-version``, else the stack's ``*:kubernetesVersion`` config, else the newest known.

    ``--kubernetes-version`` must have schemas: a manifest checked against another version's schemas
    would be reported under a version it was never checked against. A version from config is the
    program's to judge; without schemas, the manifests are listed as not checked.
    """
    supported = supported_versions()
    where, version = "--kubernetes-version", opts.kubernetes_version
    if not version:
        for key in sorted(project.config):
            if key.endswith(":kubernetesVersion") and str(project.config_value(key) or ""):
                where, version = f"config key {key}", str(project.config_value(key))
                break
    if not version:
        return supported[-1]
    minor = version.removeprefix("v")
    if minor.count(".") == 2:  # 1.35.2: the schemas are per minor version
        minor = minor.rsplit(".", 1)[0]
    if minor not in supported and where == "--kubernetes-version":
        raise PreflightError(f"{where}: no Kubernetes OpenAPI schemas for {version!r}; supported: "
                             f"{', '.join(supported)} (give a minor version such as {supported[-1]})")
    return minor  # from config: the program judges it; manifests are then listed as not checked


def _check_manifests(resources: list[RecordedResource], version: str) -> tuple[int, list[ManifestError], list[NotVisible]]:
    checked, errors, unseen = 0, [], []
    supported = supported_versions()
    known = version in supported
    for r in resources:
        if r.type.startswith("kubernetes:") and r.custom and r.type.endswith("Patch"):
            unseen.append(NotVisible(r.urn, r.type, "server-side patch: validated against the live object only"))
            continue
        if not is_kubernetes_object(r.type, r.custom):
            continue
        if not known:
            unseen.append(NotVisible(r.urn, r.type, f"no OpenAPI schemas for Kubernetes {version} (supported: "
                                                    f"{', '.join(supported)})"))
            continue
        secrets: list[str] = []
        manifest = plain(r.outputs if r.outputs is not None else r.inputs, secrets)  # a Secret's real data
        if isinstance(manifest, dict):
            manifest.pop("status", None)  # the API server's, not the program's (the up phase fills it)
        if _has_unknowns(manifest) and not is_custom_resource(r.type):
            unseen.append(NotVisible(r.urn, r.type, "holds values unknown until `pulumi up`: validated in the up "
                                                    "phase (--phase up or both)"))
            continue
        result = validate_object(r.urn, r.type, manifest, version)
        if result is None:
            unseen.append(NotVisible(r.urn, r.type, f"no OpenAPI schema for this kind in Kubernetes {version} (CRD?)"))
            continue
        checked += 1
        errors.extend(dataclasses.replace(e, message=redact(e.message, secrets)) for e in result)
    return checked, errors, unseen


def _has_unknowns(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_has_unknowns(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_unknowns(v) for v in value)
    return value == "[unknown]"


def _not_visible_reason(resource: RecordedResource, modelled: list[str]) -> str:
    if resource.type in RENDERED_BY_PROVIDER:
        return RENDERED_BY_PROVIDER[resource.type]
    if resource.type in pulumi_eks.MODELLED:
        shown = ", ".join(modelled) if modelled else "none"
        return (f"pulumi-eks remote component: preflight models the children that carry its configuration ({shown}) "
                "from pulumi-eks v4's defaults and the component's inputs, and the pack judges those, as in a real "
                "preview; its other children (IAM roles, security groups, add-ons, the OIDC provider) are not visible "
                "offline")
    return ("remote (multi-language) component: its children are created by its provider and are not visible "
            "offline; policies see it as one resource")


def preflight(opts: Options) -> Report:
    """Run the program and its policy pack in each phase (:func:`preflight.phases.run_phases`), check its
    Kubernetes manifests; return the report (PreflightError: exit 2)."""
    project = load_project(opts.program, opts.stack)
    for warning in project.warnings:
        print(f"preflight: warning: {warning}", file=sys.stderr)
    # Parsed here, before anything runs, so a broken file fails fast; the pack gets the parsed config.
    policy_config = load_policy_config(opts.policy_pack_config) if opts.policy_pack_config is not None else {}
    k8s_version = _kubernetes_version(opts, project)
    region = project.config.get("aws:region") or DEFAULT_REGION
    identity = CloudIdentity(account=opts.account, region=region)
    phases = PHASES[opts.phase]
    python = interpreter(project)  # before anything starts: a missing virtualenv is exit 2 at once

    ctx = Context(opts, project, policy_config, identity, region, python)
    done, (checked, manifest_errors, unseen) = run_phases(
        ctx, phases, Timer(), lambda run: _check_manifests(run.resources, k8s_version))
    last = done[-1]
    modelled: dict[str, list[str]] = {}
    for r in last.run.resources:
        if r.modelled:
            modelled.setdefault(r.parent, []).append(r.name)
    analyses = [p.analysis for p in done if p.analysis is not None]
    pack_info: PackInfo | None = analyses[-1].info if analyses else None
    unchecked: list[Unchecked] = [u for a in analyses for u in a.unchecked]
    remote = [NotVisible(r.urn, r.type, _not_visible_reason(r, modelled.get(r.urn, [])))
              for r in last.run.resources if r.remote or r.type in RENDERED_BY_PROVIDER]
    upgrade_report = _upgrade(opts, project, last.run.resources)
    return Report(upgrade=upgrade_report, project=project.name, stack=project.stack, resources=last.run.resources,
                  violations=merge_phases([a.violations for a in analyses]), unchecked=unchecked, phases=list(phases),
                  manifest_errors=manifest_errors, manifests_checked=checked, kubernetes_version=k8s_version,
                  not_visible=remote + unseen, pack=pack_info,
                  pack_path=str(opts.policy_pack) if opts.policy_pack else "",
                  messages=[m for m in last.run.messages if m[0] != "debug"],
                  program_dir=str(project.root), entry=entry_file(project.main, project.root))


def bundled_pack(name: str) -> Path | None:
    """The directory of the policy pack shipped with preflight as ``name``, else None.

    Installed from a wheel it is package data (``preflight/packs/eks_platform``); in an editable
    install or a checkout it is this repository's ``policies/``, which the wheel is built from.
    """
    module = BUNDLED_PACKS.get(name)
    if module is None:
        return None
    candidates: list[Path] = []
    try:
        spec = importlib.util.find_spec(module)
    except ImportError:  # pragma: no cover - preflight.packs missing entirely
        spec = None
    if spec is not None and spec.submodule_search_locations:
        candidates += [Path(p) for p in spec.submodule_search_locations]
    candidates += [Path(__file__).resolve().parent / "packs" / module.rsplit(".", 1)[-1], REPO_ROOT / "policies"]
    return next((c.resolve() for c in candidates if (c / "PulumiPolicy.yaml").is_file()), None)


def resolve_policy_pack(value: str) -> Path:
    """``--policy-pack``: a pack directory (as ``pulumi preview --policy-pack``), or a bundled pack's name."""
    path = Path(value).expanduser()
    if path.is_dir():
        return path.resolve()
    bundled = bundled_pack(value)
    if bundled is not None:
        return bundled
    raise PreflightError(f"--policy-pack {value}: no such directory, and not a policy pack shipped with preflight "
                         f"(shipped: {', '.join(sorted(BUNDLED_PACKS))}); give a pack directory (holding "
                         "PulumiPolicy.yaml) or one of those names")


def stack_files(program: Path) -> list[str]:
    """Stack names with a ``Pulumi.<stack>.yaml`` (or ``.yml``) in the project's stack config directory
    (``stackConfigDir`` in ``Pulumi.yaml``, else beside it), sorted."""
    config_dir = program
    project_file = next((program / n for n in ("Pulumi.yaml", "Pulumi.yml") if (program / n).is_file()), None)
    if project_file is not None:
        try:
            spec = yamlread.load(project_file).data
        except (OSError, ValueError):  # YamlError and UnicodeDecodeError are ValueErrors
            spec = None  # load_project names what is wrong with it
        if isinstance(spec, dict) and spec.get("stackConfigDir"):
            config_dir = program / str(spec["stackConfigDir"])
    names = {p.name[len("Pulumi."):].rsplit(".", 1)[0] for pattern in ("Pulumi.*.yaml", "Pulumi.*.yml")
             for p in config_dir.glob(pattern)}
    return sorted(names)


def default_stack(program: Path) -> str:
    """No ``--stack``: the only stack file's stack, as ``pulumi preview`` uses the one stack there is."""
    if not any((program / n).is_file() for n in ("Pulumi.yaml", "Pulumi.yml")):
        raise PreflightError(f"no Pulumi.yaml in {program}; pass --program with a Pulumi project directory")
    names = stack_files(program)
    if len(names) == 1:
        return names[0]
    if not names:
        raise PreflightError(f"no --stack given and no Pulumi.<stack>.yaml in {program}: pass --stack <name>")
    raise PreflightError(f"no --stack given and {program} has {len(names)} stack files ({', '.join(names)}): "
                         "pass --stack <name>")


def _upgrade(opts: Options, project: Project, resources: list[RecordedResource]) -> upgrade.UpgradeReport | None:
    """Upgrade readiness on demand (``--upgrade-to``) or when the config moves the version (``--from-version``)."""
    pins, stack_file = upgrade.stack_pins(project.config), f"Pulumi.{project.stack}.yaml"
    if opts.upgrade_to:
        return upgrade.analyse(resources, opts.upgrade_to, current=opts.from_version, pinned=pins,
                               stack_file=stack_file)
    configured = upgrade.configured_version(project.config)
    if opts.from_version and configured and configured != opts.from_version:
        return upgrade.analyse(resources, configured, current=opts.from_version, pinned=pins, stack_file=stack_file,
                               trigger=f"kubernetesVersion {opts.from_version} -> {configured} in {stack_file}")
    return None


def _parser(prog: str = "python -m preflight") -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=prog,
        description="Offline `pulumi preview --policy-pack` for Pulumi Python programs: runs the program against "
                    "a mock cloud, its policy pack over the analyzer gRPC protocol, and checks Kubernetes objects "
                    "against the OpenAPI schemas.")
    p.add_argument("--program", type=Path, default=None,
                   help="Pulumi project directory, holding Pulumi.yaml (default: the current directory)")
    p.add_argument("--stack", default=None,
                   help="stack name; reads Pulumi.<stack>.yaml (default: the only stack file in the project)")
    p.add_argument("--policy-pack", default=None, metavar="DIR_OR_NAME",
                   help="policy pack directory, or the name of a pack shipped with preflight "
                        f"({', '.join(sorted(BUNDLED_PACKS))}) (default: none, as `pulumi preview`)")
    p.add_argument("--no-policy-pack", action="store_true", help="run without a policy pack (the default)")
    p.add_argument("--policy-pack-config", type=Path, default=None,
                   help="policy config JSON in Pulumi's format (as `pulumi preview --policy-pack-config`)")
    p.add_argument("--kubernetes-version", default=None,
                   help="Kubernetes version for schema checks (default: the stack's kubernetesVersion config, "
                        "else the newest known)")
    p.add_argument("--account", default=DEFAULT_ACCOUNT, help="mock AWS account id (default: %(default)s)")
    p.add_argument("--phase", choices=tuple(PHASES), default="both",
                   help="preview: what a first `pulumi preview` of a new stack sees (provider-computed outputs "
                        "unknown); up: what each resource's analysis sees during `pulumi up` (concrete values); "
                        "both (default): both, each finding with the phases it appears in")
    p.add_argument("--timeout", type=float, default=600.0, metavar="SECONDS",
                   help="longest the program, and each call to the policy pack, may take (default: %(default)g)")
    p.add_argument("--upgrade-to", default=None, metavar="1.NN",
                   help="also report whether the stack is ready to upgrade its EKS cluster to this Kubernetes version "
                        "(one minor at a time; add-ons, node AMIs and skew, removed APIs, PodDisruptionBudgets, "
                        "apply order); not ready exits 1. See docs/UPGRADES.md")
    p.add_argument("--from-version", default=None, metavar="1.NN",
                   help="the Kubernetes version the stack runs now (e.g. `pulumi stack output kubernetes_version`): "
                        "when the stack's kubernetesVersion config differs, its upgrade readiness is reported")
    p.add_argument("--today", default=None, metavar="YYYY-MM-DD",
                   help=f"the day to judge the EKS version lifecycle on (sets {lifecycle.TODAY_ENV} for the program "
                        "and the policy pack; default: that variable, else today's UTC date)")
    p.add_argument("--format", choices=FORMATS, default="text",
                   help="output format: text, json (for machines), markdown (a pull-request comment), sarif "
                        "(SARIF 2.1.0, for code scanning) or junit (JUnit XML, for CI test reports) "
                        "(default: text)")
    p.add_argument("--output", "-o", type=Path, default=None, metavar="FILE",
                   help="write the report to FILE instead of stdout")
    p.add_argument("--report", type=_extra_report, action="append", default=[], metavar="FORMAT:FILE",
                   help="also write the report in FORMAT to FILE, from the same run (repeatable): e.g. --format "
                        "markdown --output comment.md --report sarif:preflight.sarif --report junit:junit.xml")
    return p


def _extra_report(value: str) -> tuple[str, Path]:
    """``--report FORMAT:FILE`` as (format, path); an unknown format or no file is a usage error."""
    fmt, sep, path = value.partition(":")
    if not sep or not path or fmt not in FORMATS:
        raise argparse.ArgumentTypeError(f"{value!r}: give FORMAT:FILE with FORMAT one of {', '.join(FORMATS)} "
                                         "(e.g. sarif:preflight.sarif)")
    return fmt, Path(path)


def console_main() -> None:
    """The ``pulumi-preflight`` console script: ``main`` with the script's name in ``--help``."""
    gc.disable()  # as python -m preflight (preflight/__main__.py)
    code = main(prog=Path(sys.argv[0]).name or "pulumi-preflight")
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # as python -m preflight: skip freeing the program's objects one by one


def _options(args: argparse.Namespace) -> Options:
    program = (args.program or Path.cwd()).resolve()
    pack = None if args.no_policy_pack or not args.policy_pack else resolve_policy_pack(args.policy_pack)
    if pack is None and args.policy_pack_config is not None:
        raise PreflightError("--policy-pack-config is given without a policy pack: add --policy-pack <dir or name> "
                             "(as `pulumi preview`, which applies a policy config to a pack)")
    return Options(program=program, stack=args.stack or default_stack(program), policy_pack=pack,
                   policy_pack_config=args.policy_pack_config.resolve() if args.policy_pack_config else None,
                   kubernetes_version=args.kubernetes_version, account=args.account, phase=args.phase,
                   timeout=args.timeout, upgrade_to=args.upgrade_to, from_version=args.from_version)


def main(argv: list[str] | None = None, prog: str = "python -m preflight") -> int:
    started = time.perf_counter()
    args = _parser(prog).parse_args(argv)
    if args.today is not None:
        os.environ[lifecycle.TODAY_ENV] = args.today
    try:
        lifecycle.today()
    except lifecycle.ClockError as exc:
        print(f"preflight: error: {'--today' if args.today is not None else 'environment'}: {exc}", file=sys.stderr)
        return 2
    real_stdout = sys.stdout
    try:
        opts = _options(args)
        # The program may print; keep stdout clean for the report (JSON must be alone on stdout).
        sys.stdout = sys.stderr
        report = preflight(opts)
    except PreflightError as exc:
        sys.stdout = real_stdout
        print(f"preflight: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C: every process preflight started has been ended on the way out
        sys.stdout = real_stdout
        print("preflight: interrupted", file=sys.stderr)
        return 130
    finally:
        sys.stdout = real_stdout
    rendered = render(report, args.format, opts.program)
    if args.output is None:
        real_stdout.write(rendered)
        real_stdout.flush()
    files = ([("--output", args.output, rendered)] if args.output is not None else []) + \
        [("--report", path, render(report, fmt, opts.program)) for fmt, path in args.report]
    for option, path, text in files:
        try:
            path.write_text(text)
        except OSError as exc:
            print(f"preflight: error: {option} {path}: {exc.strerror or exc}", file=sys.stderr)
            return 2
    if os.environ.get("PREFLIGHT_TIMINGS"):
        print(f"preflight: timing: total with the report: {time.perf_counter() - started:.3f}s", file=sys.stderr)
    return report.exit_code
