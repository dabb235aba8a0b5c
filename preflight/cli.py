"""``python -m preflight``: an offline ``pulumi preview --policy-pack`` for Pulumi Python programs.

Exit codes: 0 no mandatory violation and no invalid manifest; 1 a mandatory violation or an invalid
Kubernetes manifest; 2 the program, its project files, its config or the policy pack could not run
(one message on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import os
import sys
import threading
import time
from concurrent import futures
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import pulumi_eks
from .analyzer import Analysis, PackInfo, Unchecked, Violation, load_policy_config, start_pack
from .errors import PreflightError
from .isolated import interpreter, run_in_virtualenv
from .k8s import ManifestError, is_kubernetes_object, supported_versions, validate_object
from .mockcloud import DEFAULT_ACCOUNT, DEFAULT_REGION, CloudIdentity, MockCloud
from .monitor import RecordedResource, RecordingMonitor
from .project import Project, load_project
from .report import NotVisible, Report, plain, redact
from .runner import ProgramRun, run_program

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Options:
    program: Path = REPO_ROOT
    stack: str = "dev"
    policy_pack: Path | None = REPO_ROOT / "policies"
    policy_pack_config: Path | None = None
    kubernetes_version: str | None = None
    account: str = DEFAULT_ACCOUNT
    phase: str = "both"
    """``preview`` (a first ``pulumi preview``: unknowns), ``up`` (concrete values) or ``both``."""
    timeout: float = 600.0
    """Seconds the program, and each call to the policy pack, may take."""


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

#: The phases each ``--phase`` runs, in order.
PHASES = {"preview": ("preview",), "up": ("up",), "both": ("preview", "up")}


class _PackStarter:
    """Boots the policy pack on a background thread so it starts while the program runs.

    Resources that register before the pack is ready are buffered and analyzed once it is.
    """

    def __init__(self, opts: Options, project: Project, policy_config: dict[str, dict[str, Any]],
                 phase: str = "up") -> None:
        self.phase = phase
        self.analysis: Analysis | None = None
        self.error: BaseException | None = None
        self._pending: list[RecordedResource] = []
        self._lock = threading.Lock()
        self._pack = None
        self._thread = threading.Thread(target=self._start, args=(opts, project, policy_config), name="preflight-pack",
                                        daemon=True)
        self._thread.start()

    def _start(self, opts: Options, project: Project, policy_config: dict[str, dict[str, Any]]) -> None:
        try:
            assert opts.policy_pack is not None
            pack, info = start_pack(opts.policy_pack, project.name, project.stack, project.config,
                                    project.secret_keys, policy_config, dry_run=self.phase == "preview",
                                    timeout=opts.timeout, tags=project.tags)
            self._pack = pack
            analysis = Analysis(pack, info, self.phase)
            with self._lock:
                for record in self._pending:
                    analysis.submit(record)
                self._pending.clear()
                self.analysis = analysis
        except BaseException as exc:  # noqa: BLE001 - raised on the main thread in wait()
            self.error = exc

    def submit(self, record: RecordedResource) -> None:
        with self._lock:
            if self.analysis is None:
                self._pending.append(record)
                return
        self.analysis.submit(record)

    def wait(self) -> Analysis:
        self._thread.join()
        if self.error is not None:
            raise self.error
        assert self.analysis is not None
        return self.analysis

    def close(self) -> None:
        self._thread.join()
        if self._pack is not None:
            self._pack.close()
            self._pack = None


class _Timer:
    """Phase timings on stderr when PREFLIGHT_TIMINGS is set (used to find where time goes)."""

    def __init__(self) -> None:
        self.enabled = bool(os.environ.get("PREFLIGHT_TIMINGS"))
        self.last = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        if self.enabled:
            print(f"preflight: timing: {phase}: {now - self.last:.3f}s", file=sys.stderr)
        self.last = now


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
        if _has_unknowns(manifest):
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


@dataclass
class _PhaseRun:
    phase: str
    run: ProgramRun
    starter: _PackStarter | None
    analysis: Analysis | None = None


def _finish_analysis(phase: _PhaseRun, timer: _Timer) -> None:
    """Wait for this phase's streamed ``Analyze`` calls, then run ``AnalyzeStack``."""
    if phase.starter is None:
        return
    analysis = phase.starter.wait()
    analysis.finish(phase.run.resources, phase.run.stack.urn if phase.run.stack else "", timer)
    phase.analysis = analysis
    phase.starter.close()  # the phase is done: free its pack process while the next program runs


def merge_phases(per_phase: list[list[Violation]]) -> list[Violation]:
    """One violation per finding, with every phase that reported it (in phase order)."""
    phases: dict[Violation, list[str]] = {}
    for violations in per_phase:
        for v in violations:
            key = dataclasses.replace(v, phases=())
            seen = phases.setdefault(key, [])
            seen += [p for p in v.phases if p not in seen]
    return [dataclasses.replace(v, phases=tuple(p)) for v, p in phases.items()]


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
    """Run the program and its policy pack in each phase; return the report (PreflightError: exit 2).

    Phases run one after the other in this process (each program run holds the SDK's whole object graph,
    so two at once would double the peak memory); a phase's policy pack finishes its analysis in its own
    process while the next phase's program runs.
    """
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

    timer = _Timer()
    # Every phase's pack boots now, while the first program runs.
    starters = {p: _PackStarter(opts, project, policy_config, p) if opts.policy_pack is not None else None
                for p in phases}
    # The SDK keeps the interpreter busy on the program's threads; with the default 5 ms GIL switch
    # interval the thread streaming Analyze calls falls behind and the pack finishes long after the
    # program (bench: 0.8 s tail at 2,000 resources). 0.5 ms lets it keep pace (0.2 s tail) without
    # slowing the program.
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(min(switch_interval, 0.0005))
    pool = futures.ThreadPoolExecutor(max_workers=len(phases) + 1, thread_name_prefix="preflight-finish")
    done: list[_PhaseRun] = []
    finishing: list[futures.Future[None]] = []
    try:
        for phase in phases:
            preview = phase == "preview"
            starter = starters[phase]
            monitor = RecordingMonitor(MockCloud(identity, stack=project.stack, project=project.name, preview=preview),
                                       project.config, on_register=starter.submit if starter else None,
                                       preview=preview)
            # Stack references' outputs stay unknown in the up phase too; the SDK keeps a resource's unknown
            # outputs only in a dry run, so a program whose preview phase read one runs its up phase as one.
            # (With --phase up alone there is no earlier phase to tell: the program meets them as None.)
            as_preview = preview or any(p.run.unanswered for p in done)
            if python is None:
                run = run_program(project, monitor, dry_run=as_preview, timeout=opts.timeout)
            else:  # the virtualenv Pulumi.yaml names: a child process; its records are judged here
                run = run_in_virtualenv(python, project, preview=preview, dry_run=as_preview, account=opts.account,
                                        region=region, timeout=opts.timeout)
                for record in run.resources:
                    if starter is not None:
                        starter.submit(record)
            if as_preview and not preview:
                run.messages.append(("warning", "", "up phase: the program ran as in a preview (unknown values kept), "
                                                    "as the stack reference above has no outputs offline"))
            timer.lap(f"program ({phase})")
            done.append(_PhaseRun(phase, run, starter))
            finishing.append(pool.submit(_finish_analysis, done[-1], timer))
            if phase != phases[-1]:
                del monitor, run
                gc.collect()  # the finished run's SDK objects, before the next run allocates its own
                timer.lap("collect")
        # Manifest checks are pure CPU in this process; the packs work in their own. Run them while the
        # packs finish, instead of after. The last phase has the most concrete values.
        manifests = pool.submit(_check_manifests, done[-1].run.resources, k8s_version)
        for f in finishing:
            f.result()
        timer.lap("analysis (remaining)")
        checked, manifest_errors, unseen = manifests.result()
        timer.lap("manifests (remaining)")
    finally:
        pool.shutdown(wait=True)
        sys.setswitchinterval(switch_interval)
        for starter in starters.values():
            if starter is not None:
                starter.close()
        timer.lap("packs closed")

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
    return Report(project=project.name, stack=project.stack, resources=last.run.resources,
                  violations=merge_phases([a.violations for a in analyses]), unchecked=unchecked, phases=list(phases),
                  manifest_errors=manifest_errors, manifests_checked=checked, kubernetes_version=k8s_version,
                  not_visible=remote + unseen, pack=pack_info,
                  pack_path=str(opts.policy_pack) if opts.policy_pack else "",
                  messages=[m for m in last.run.messages if m[0] != "debug"])


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m preflight",
        description="Offline `pulumi preview --policy-pack` for Pulumi Python programs: runs the program against "
                    "a mock cloud, its policy pack over the analyzer gRPC protocol, and checks Kubernetes objects "
                    "against the OpenAPI schemas.")
    p.add_argument("--program", type=Path, default=REPO_ROOT, help="Pulumi project directory (default: this repo)")
    p.add_argument("--stack", default="dev", help="stack name; reads Pulumi.<stack>.yaml (default: dev)")
    p.add_argument("--policy-pack", type=Path, default=REPO_ROOT / "policies",
                   help="policy pack directory (default: policies/ of this repo)")
    p.add_argument("--no-policy-pack", action="store_true", help="run without a policy pack")
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
    p.add_argument("--format", choices=("text", "json", "markdown"), default="text",
                   help="output format: text, json (for machines) or markdown (a pull-request comment) "
                        "(default: text)")
    return p


def main(argv: list[str] | None = None) -> int:
    started = time.perf_counter()
    args = _parser().parse_args(argv)
    opts = Options(program=args.program.resolve(), stack=args.stack,
                   policy_pack=None if args.no_policy_pack else args.policy_pack.resolve(),
                   policy_pack_config=args.policy_pack_config.resolve() if args.policy_pack_config else None, kubernetes_version=args.kubernetes_version,
                   account=args.account, phase=args.phase, timeout=args.timeout)
    real_stdout = sys.stdout
    try:
        # The program may print; keep stdout clean for the report (JSON must be alone on stdout).
        sys.stdout = sys.stderr
        report = preflight(opts)
    except PreflightError as exc:
        sys.stdout = real_stdout
        print(f"preflight: error: {exc}", file=sys.stderr)
        return 2
    finally:
        sys.stdout = real_stdout
    real_stdout.write(report.render(args.format))
    real_stdout.flush()
    if os.environ.get("PREFLIGHT_TIMINGS"):
        print(f"preflight: timing: total with the report: {time.perf_counter() - started:.3f}s", file=sys.stderr)
    return report.exit_code
