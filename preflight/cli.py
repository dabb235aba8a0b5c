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
import threading
import time
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import lifecycle, pulumi_eks, upgrade, yamlread
from .analyzer import Analysis, PackInfo, Unchecked, Violation, _tail, load_policy_config, start_pack
from .errors import PreflightError
from .isolated import ChildFailed, ChildRun, interpreter, run_in_virtualenv
from .k8s import ManifestError, is_custom_resource, is_kubernetes_object, supported_versions, validate_object
from .locations import entry_file
from .mockcloud import DEFAULT_ACCOUNT, DEFAULT_REGION, CloudIdentity, MockCloud
from .monitor import RecordedResource, RecordingMonitor
from .pending import PendingAnalysis
from .project import Project, load_project
from .report import NotVisible, Report, plain, redact
from .runner import ProgramRun, run_program

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

#: The phases each ``--phase`` runs, in order.
PHASES = {"preview": ("preview",), "up": ("up",), "both": ("preview", "up")}


class _PackStarter(PendingAnalysis):
    """Boots the policy pack on a background thread so it starts while the program runs.

    Resources that register before the pack is ready are buffered and analyzed once it is.
    """

    def __init__(self, opts: Options, project: Project, policy_config: dict[str, dict[str, Any]],
                 phase: str = "up", child: ChildRun | None = None) -> None:
        super().__init__()
        self.phase = phase
        self.child = child
        """A child process running this phase's program: it streams to the pack itself, told where it listens."""
        self.info: PackInfo | None = None
        self.error: BaseException | None = None
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
            self._pack, self.info = pack, info
            if self.child is not None:
                self.child.send_pack(pack.address, opts.policy_pack, info, opts.timeout)
                return
            self.attach(Analysis(pack, info, self.phase))
        except BaseException as exc:  # noqa: BLE001 - raised on the main thread in wait()
            self.error = exc
            if self.child is not None:
                self.child.send_pack(None)  # it runs its program without a pack; wait() raises the error

    def wait_info(self) -> PackInfo:
        """The pack's description, once it is up (its child streams to it)."""
        self._thread.join()
        if self.error is not None:
            raise self.error
        assert self.info is not None
        return self.info

    def wait(self) -> Analysis:
        self._thread.join()
        if self.error is not None:
            raise self.error
        assert self.analysis is not None
        return self.analysis

    def pack_pid(self) -> int:
        pack = self._pack
        return pack.proc.pid if pack is not None else 0

    def pack_stderr(self) -> str:
        return self._pack.stderr if self._pack is not None else ""

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


@dataclass
class _PhaseRun:
    phase: str
    run: ProgramRun
    starter: _PackStarter | None
    analysis: Analysis | _ChildAnalysis | None = None
    findings: object = None
    """The child's streamed analysis (:meth:`ChildRun.result`), for a phase whose program ran in a child."""


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


#: Set (tests only): ``--phase both`` runs its phases one after the other in this process, as before they
#: ran at once; the reports must be the same (tests/preflight/test_concurrent_phases.py).
SEQUENTIAL_ENV = "PREFLIGHT_SEQUENTIAL"


@dataclass
class _Context:
    """What every phase's program run needs."""

    opts: Options
    project: Project
    policy_config: dict[str, dict[str, Any]]
    identity: CloudIdentity
    region: str
    python: Path | None
    """The interpreter of the virtualenv Pulumi.yaml names (a child process), or None: this process."""
    starters: dict[str, _PackStarter | None] = field(default_factory=dict)


class _RunFailed(Exception):
    """The program failed in a phase (``error``); ``unanswered``: it had read a stack reference by then."""

    def __init__(self, error: PreflightError, unanswered: bool) -> None:
        super().__init__(str(error))
        self.error = error
        self.unanswered = unanswered


def _execute(ctx: _Context, phase: str, as_preview: bool, rerun: bool = True) -> ProgramRun:
    """Run the program for ``phase``, streaming to the phase's pack; ``as_preview``: the SDK is told it is a dry run.

    With ``rerun``, an up phase that fails on a stack reference it met as None runs again as in a preview
    (:func:`_rerun_as_preview`); without, the failure is raised as :class:`_RunFailed` for the caller to decide.
    """
    opts, project = ctx.opts, ctx.project
    preview = phase == "preview"
    starter = ctx.starters[phase]
    if ctx.python is not None:  # the virtualenv Pulumi.yaml names: a child process, its records judged here
        try:
            run = run_in_virtualenv(ctx.python, project, preview=preview, dry_run=as_preview, account=opts.account,
                                    region=ctx.region, timeout=opts.timeout)
        except PreflightError as exc:
            if rerun:
                raise
            raise _RunFailed(exc, False) from None
        for record in run.resources:  # type: ignore[attr-defined]
            if starter is not None:
                starter.submit(record)
    else:
        monitor = RecordingMonitor(MockCloud(ctx.identity, stack=project.stack, project=project.name, preview=preview),
                                   project.config, on_register=starter.submit if starter else None, preview=preview)
        try:
            run = run_program(project, monitor, dry_run=as_preview, timeout=opts.timeout)
        except PreflightError as exc:
            if preview or as_preview or not monitor.unanswered:
                if rerun:
                    raise
                raise _RunFailed(exc, False) from None
            if not rerun:
                raise _RunFailed(exc, True) from None
            # --phase up alone: nothing told us beforehand that a stack reference would leave values unknown,
            # and the SDK made them None. Run the program again as in a preview.
            return _rerun_as_preview(ctx)
    if as_preview and not preview:
        run.messages.append(_AS_PREVIEW)  # type: ignore[attr-defined]
    return run  # type: ignore[return-value]


_AS_PREVIEW = ("warning", "", "up phase: the program ran as in a preview (unknown values kept), as the stack "
                             "reference above has no outputs offline")


def _rerun_as_preview(ctx: _Context, here: bool = False) -> ProgramRun:
    """The up phase again, as in a preview, judged by a fresh pack (the first one saw part of the first run).

    In a fresh process (the SDK's state of the failed run stays here), or with ``here`` in this one, as when
    the phases run one after the other and the up phase follows the preview phase's run in this process.
    """
    opts = ctx.opts
    starter = ctx.starters["up"]
    if starter is not None:
        starter.close()
        starter = ctx.starters["up"] = _PackStarter(opts, ctx.project, ctx.policy_config, "up")
    if here and ctx.python is None:
        return _execute(ctx, "up", as_preview=True)
    run: ProgramRun = run_in_virtualenv(ctx.python or Path(sys.executable), ctx.project, preview=False,  # type: ignore[assignment]
                                        dry_run=True, account=opts.account, region=ctx.region, timeout=opts.timeout)
    for record in run.resources:
        if starter is not None:
            starter.submit(record)
    run.messages.append(_AS_PREVIEW)
    return run


#: Tests only: the memory (MiB, the whole process tree) above which the two programs stop running at once.
BOTH_AT_ONCE_ENV = "PREFLIGHT_BOTH_AT_ONCE_MIB"
_BOTH_AT_ONCE_MIB = 1024


def _rss_mib(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm") as f:
                total += int(f.read().split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return total * os.sysconf("SC_PAGE_SIZE") / 2**20 if hasattr(os, "sysconf") else 0.0


class _MemoryGuard:
    """Ends the preview phase's child when the two programs at once take more than a budget.

    Each program run holds the SDK's whole object graph until it ends (about 100 KiB per resource), so two
    large programs at once would double the peak memory. Past the budget (the whole tree: this process, the
    two children, the packs), the preview phase's child is ended and the preview phase runs in this process
    once the up phase's child has ended and given its memory back: a large program costs the time of the
    phases one after the other, and the peak memory of one program.
    """

    def __init__(self, child: ChildRun, others: list[ChildRun], starters: dict[str, _PackStarter | None]) -> None:
        self.child = child
        self.others = others
        self.starters = starters
        self.limit = float(os.environ.get(BOTH_AT_ONCE_ENV) or _BOTH_AT_ONCE_MIB)
        self.tripped = False
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="preflight-memory", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(0.05):
            if self.child.proc.poll() is not None:
                return
            pids = [os.getpid(), self.child.proc.pid] + [c.proc.pid for c in self.others] + \
                [s.pack_pid() for s in self.starters.values() if s]
            self.peak = max(self.peak, _rss_mib(pids))
            if self.peak > self.limit:
                self.tripped = True
                self.child.proc.kill()
                return

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _both_concurrently(ctx: _Context, preview_child: ChildRun, up_child: ChildRun, timer: _Timer) -> list[_PhaseRun]:
    """--phase both: the two programs at once, each in a child process streaming to its phase's pack; the same
    runs, and the same first error, as running them one after the other.

    The up phase runs in a child too, so that its memory goes back the moment it ends: a preview phase that
    must run after it (below) needs no collection of the up run's objects (4 s at 10,000 resources).

    One after the other, the preview phase's failure ends the run before the up phase starts, and a preview
    that read a stack reference makes the up phase run as in a preview. Here the up phase runs at once as a
    plain up; when the preview then says a stack reference was read, it runs again as in a preview. When the
    two programs need too much memory at once (:class:`_MemoryGuard`), the preview phase runs here after the up
    phase instead.
    """
    guard = _MemoryGuard(preview_child, [up_child], ctx.starters)
    try:
        failed: _RunFailed | None = None
        up: ProgramRun | None = None
        up_findings: object = None
        try:
            up, up_findings = up_child.result()  # type: ignore[assignment]
        except PreflightError as exc:  # in the project's virtualenv a failed up phase runs again only after a preview
            failed = _RunFailed(exc, isinstance(exc, ChildFailed) and exc.unanswered and ctx.python is None)
        timer.lap("program (up, in its child)")
        try:
            preview, findings = preview_child.result()  # the preview phase's failure comes first
            preview_phase = _PhaseRun("preview", preview, None, findings=findings)  # type: ignore[arg-type]
        except PreflightError:
            if not guard.tripped:
                raise
            preview_phase = None
    finally:
        guard.stop()
    timer.lap("program (preview, in its child)")
    if preview_phase is None:
        timer.lap(f"the two programs at once went past {guard.limit:g} MiB: the preview phase runs here")
        starter = ctx.starters["preview"]
        if starter is not None:  # it saw part of the ended run
            starter.close()
            ctx.starters["preview"] = _PackStarter(ctx.opts, ctx.project, ctx.policy_config, "preview")
        preview_phase = _PhaseRun("preview", _execute(ctx, "preview", as_preview=True), ctx.starters["preview"])
        timer.lap("program (preview, here)")
    if preview_phase.run.unanswered or (failed is not None and failed.unanswered):
        del up
        gc.collect()  # the preview run's SDK objects, if it ran here
        # One after the other, a preview that read a stack reference has the up phase run as in a preview in
        # this process; else (--phase up's case) the failed up phase runs again in a fresh one.
        up = _rerun_as_preview(ctx, here=preview_phase.run.unanswered)
        timer.lap("program (up, again as in a preview)")
        return [preview_phase, _PhaseRun("up", up, ctx.starters["up"])]
    if failed is not None:
        raise failed.error
    assert up is not None
    return [preview_phase, _PhaseRun("up", up, None, findings=up_findings)]


@dataclass
class _ChildAnalysis:
    """A phase's findings, analyzed in the child process that ran its program."""

    info: PackInfo
    violations: list[Violation]
    unchecked: list[Unchecked]


def _finish_child_analysis(phase: _PhaseRun, starter: _PackStarter | None, timer: _Timer) -> None:
    """The streamed analysis of a phase whose program ran in a child: its findings, or its error."""
    if starter is None:
        return
    info = starter.wait_info()  # the pack's own failure to start
    if isinstance(phase.findings, str):
        raise PreflightError(phase.findings + _tail(starter.pack_stderr()))
    assert isinstance(phase.findings, dict)
    phase.analysis = _ChildAnalysis(info, phase.findings["violations"], phase.findings["unchecked"])
    starter.close()
    timer.lap(f"analysis ({phase.phase}, in its child)")


def preflight(opts: Options) -> Report:
    """Run the program and its policy pack in each phase; return the report (PreflightError: exit 2).

    ``--phase both`` runs the two programs at once (:func:`_both_concurrently`): the preview phase in a child
    process streaming to its own pack, the up phase here, within a memory budget (:class:`_MemoryGuard`).
    With ``PREFLIGHT_SEQUENTIAL`` (tests), and for one phase, the phases run one after the other in this
    process; a phase's policy pack finishes its analysis in its own process while the next phase's program
    runs. The report is the same either way.
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
    ctx = _Context(opts, project, policy_config, identity, region, python)
    # --phase both: the preview phase's program runs in a child process from the start, on the other core,
    # streaming to its own pack; the up phase runs here. PREFLIGHT_SEQUENTIAL (tests only) runs them one
    # after the other in this process instead: the reports are the same.
    concurrent = phases == ("preview", "up") and not os.environ.get(SEQUENTIAL_ENV)
    children: dict[str, ChildRun] = {}  # started inside the try below, so that every way out ends them
    # Every phase's pack boots now, while the first program runs.
    starters = ctx.starters
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
        if concurrent:
            for phase in phases:
                children[phase] = ChildRun(python or Path(sys.executable), project, preview=phase == "preview",
                                           dry_run=phase == "preview", account=opts.account, region=region,
                                           timeout=opts.timeout, stream=True, phase=phase,
                                           keep_resources=phase == "up")
        for phase in phases:
            starters[phase] = (_PackStarter(opts, project, policy_config, phase, child=children.get(phase))
                               if opts.policy_pack is not None else None)
            if phase in children and starters[phase] is None:
                children[phase].send_pack(None)
        if children:
            done = _both_concurrently(ctx, children["preview"], children["up"], timer)
            for ran in done:
                finishing.append(pool.submit(_finish_child_analysis, ran, starters[ran.phase], timer)
                                 if ran.starter is None else pool.submit(_finish_analysis, ran, timer))
        for phase in phases if not children else ():
            # Stack references' outputs stay unknown in the up phase too; the SDK keeps a resource's unknown
            # outputs only in a dry run, so a program whose preview phase read one runs its up phase as one.
            # (With --phase up alone there is no earlier phase to tell: the program meets them as None.)
            as_preview = phase == "preview" or any(p.run.unanswered for p in done)
            run = _execute(ctx, phase, as_preview)
            timer.lap(f"program ({phase})")
            done.append(_PhaseRun(phase, run, starters[phase]))
            finishing.append(pool.submit(_finish_analysis, done[-1], timer))
            if phase != phases[-1]:
                del run
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
        for child in children.values():
            child.kill()  # an error, a timeout or Ctrl-C here: the children go too
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
