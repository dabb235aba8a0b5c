"""Running a program's phases (``preview``, ``up``) and streaming each to its policy pack.

Each phase runs the program against the mock cloud (:mod:`preflight.runner`) and streams every resource to the
phase's own policy pack process as it registers, as the engine does, then asks for ``AnalyzeStack``. ``--phase
both`` runs the two programs at once in child processes (:mod:`preflight.isolated`) within a memory budget; the
report is byte-identical to running them one after the other.
"""

from __future__ import annotations

import dataclasses
import gc
import os
import sys
import threading
import time
from collections.abc import Callable
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .analyzer import Analysis, PackInfo, Unchecked, Violation, _tail, start_pack
from .errors import PreflightError
from .isolated import STREAMING_SWITCH_INTERVAL, ChildFailed, ChildRun, run_in_virtualenv
from .mockcloud import CloudIdentity, MockCloud
from .monitor import RecordingMonitor
from .pending import PendingAnalysis
from .project import Project
from .runner import ProgramRun, run_program

if TYPE_CHECKING:
    from .cli import Options

T = TypeVar("T")

#: The phases each ``--phase`` runs, in order.
PHASES = {"preview": ("preview",), "up": ("up",), "both": ("preview", "up")}


class PackStarter(PendingAnalysis):
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
        # Taken here, before a program runs in this process: the pack boots on its own thread while the program
        # runs, and the program's environment (PULUMI_CONFIG_SECRET_KEYS, ...) is set and restored meanwhile.
        self._environ = dict(os.environ)
        self._thread = threading.Thread(target=self._start, args=(opts, project, policy_config), name="preflight-pack",
                                        daemon=True)
        self._thread.start()

    def _start(self, opts: Options, project: Project, policy_config: dict[str, dict[str, Any]]) -> None:
        try:
            assert opts.policy_pack is not None
            pack, info = start_pack(opts.policy_pack, project.name, project.stack, project.config,
                                    project.secret_keys, policy_config, dry_run=self.phase == "preview",
                                    timeout=opts.timeout, tags=project.tags, environ=self._environ)
            self._pack, self.info = pack, info
            if self.child is not None:
                self.child.send_pack(pack.address, opts.policy_pack, info, opts.timeout)
                return
            self.attach(Analysis(pack, info, self.phase))
        except BaseException as exc:  # noqa: BLE001 - raised on the main thread in wait()
            self.error = exc
            if self.child is not None:
                self.child.send_pack(None)  # it runs its program without a pack; wait() raises the error

    def _started(self) -> None:
        """Wait until the pack is up (or failed to start: its error is raised here, on the caller's thread)."""
        self._thread.join()
        if self.error is not None:
            raise self.error

    def wait_info(self) -> PackInfo:
        """The pack's description, once it is up (its child streams to it)."""
        self._started()
        assert self.info is not None
        return self.info

    def wait(self) -> Analysis:
        self._started()
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


class Timer:
    """Phase timings on stderr when PREFLIGHT_TIMINGS is set (used to find where time goes)."""

    def __init__(self) -> None:
        self.enabled = bool(os.environ.get("PREFLIGHT_TIMINGS"))
        self.last = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        if self.enabled:
            print(f"preflight: timing: {phase}: {now - self.last:.3f}s", file=sys.stderr)
        self.last = now


@dataclass
class PhaseRun:
    phase: str
    run: ProgramRun
    starter: PackStarter | None
    analysis: Analysis | _ChildAnalysis | None = None
    findings: object = None
    """The child's streamed analysis (:meth:`ChildRun.result`), for a phase whose program ran in a child."""


def _finish_analysis(phase: PhaseRun, timer: Timer) -> None:
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


#: Set (tests only): ``--phase both`` runs its phases one after the other in this process, as before they
#: ran at once; the reports must be the same (tests/preflight/test_concurrent_phases.py).
SEQUENTIAL_ENV = "PREFLIGHT_SEQUENTIAL"


@dataclass
class Context:
    """What every phase's program run needs."""

    opts: Options
    project: Project
    policy_config: dict[str, dict[str, Any]]
    identity: CloudIdentity
    region: str
    python: Path | None
    """The interpreter of the virtualenv Pulumi.yaml names (a child process), or None: this process."""
    starters: dict[str, PackStarter | None] = field(default_factory=dict)


class _RunFailed(Exception):
    """The program failed in a phase (``error``); ``unanswered``: it had read a stack reference by then."""

    def __init__(self, error: PreflightError, unanswered: bool) -> None:
        super().__init__(str(error))
        self.error = error
        self.unanswered = unanswered


def _execute(ctx: Context, phase: str, as_preview: bool, rerun: bool = True) -> ProgramRun:
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


def _rerun_as_preview(ctx: Context, here: bool = False) -> ProgramRun:
    """The up phase again, as in a preview, judged by a fresh pack (the first one saw part of the first run).

    In a fresh process (the SDK's state of the failed run stays here), or with ``here`` in this one, as when
    the phases run one after the other and the up phase follows the preview phase's run in this process.
    """
    opts = ctx.opts
    starter = ctx.starters["up"]
    if starter is not None:
        starter.close()
        starter = ctx.starters["up"] = PackStarter(opts, ctx.project, ctx.policy_config, "up")
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

    def __init__(self, child: ChildRun, others: list[ChildRun], starters: dict[str, PackStarter | None]) -> None:
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


def _both_concurrently(ctx: Context, preview_child: ChildRun, up_child: ChildRun, timer: Timer) -> list[PhaseRun]:
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
            preview_phase = PhaseRun("preview", preview, None, findings=findings)  # type: ignore[arg-type]
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
            ctx.starters["preview"] = PackStarter(ctx.opts, ctx.project, ctx.policy_config, "preview")
        preview_phase = PhaseRun("preview", _execute(ctx, "preview", as_preview=True), ctx.starters["preview"])
        timer.lap("program (preview, here)")
    if preview_phase.run.unanswered or (failed is not None and failed.unanswered):
        del up
        gc.collect()  # the preview run's SDK objects, if it ran here
        # One after the other, a preview that read a stack reference has the up phase run as in a preview in
        # this process; else (--phase up's case) the failed up phase runs again in a fresh one.
        up = _rerun_as_preview(ctx, here=preview_phase.run.unanswered)
        timer.lap("program (up, again as in a preview)")
        return [preview_phase, PhaseRun("up", up, ctx.starters["up"])]
    if failed is not None:
        raise failed.error
    assert up is not None
    return [preview_phase, PhaseRun("up", up, None, findings=up_findings)]


@dataclass
class _ChildAnalysis:
    """A phase's findings, analyzed in the child process that ran its program."""

    info: PackInfo
    violations: list[Violation]
    unchecked: list[Unchecked]


def _finish_child_analysis(phase: PhaseRun, starter: PackStarter | None, timer: Timer) -> None:
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


def run_phases(ctx: Context, phases: tuple[str, ...], timer: Timer,
               meanwhile: Callable[[ProgramRun], T]) -> tuple[list[PhaseRun], T]:
    """Run the program and its policy pack in each of ``phases``; each phase's analysis is finished when this
    returns. ``meanwhile`` (the manifest checks: pure CPU in this process) runs on the last phase's run while the
    packs finish in their own processes.

    ``--phase both`` runs the two programs at once, each in a child process streaming to its own pack, within a
    memory budget (:func:`_both_concurrently`). With ``PREFLIGHT_SEQUENTIAL`` (tests), and for one phase, the
    phases run one after the other in this process; a phase's policy pack finishes its analysis in its own
    process while the next phase's program runs. The report is the same either way.
    """
    opts, project, policy_config, python, region = ctx.opts, ctx.project, ctx.policy_config, ctx.python, ctx.region
    # --phase both: each phase's program runs in a child process from the start, streaming to its own pack.
    # PREFLIGHT_SEQUENTIAL (tests only) runs them one after the other in this process instead: the reports are
    # the same.
    concurrent = phases == ("preview", "up") and not os.environ.get(SEQUENTIAL_ENV)
    children: dict[str, ChildRun] = {}  # started inside the try below, so that every way out ends them
    # Every phase's pack boots now, while the first program runs.
    starters = ctx.starters
    # The SDK keeps the interpreter busy on the program's threads; with the default 5 ms GIL switch
    # interval the thread streaming Analyze calls falls behind and the pack finishes long after the
    # program (bench: 0.8 s tail at 2,000 resources). 0.5 ms lets it keep pace (0.2 s tail). With no
    # pack there is no such thread, and the shorter interval only hands the interpreter between the
    # SDK's threads more often (--phase up at 10,000 resources: 18.7 s at 5 ms, 20-29 s at 0.5 ms).
    switch_interval = sys.getswitchinterval()
    if opts.policy_pack is not None:
        sys.setswitchinterval(min(switch_interval, STREAMING_SWITCH_INTERVAL))
    pool = futures.ThreadPoolExecutor(max_workers=len(phases) + 1, thread_name_prefix="preflight-finish")
    done: list[PhaseRun] = []
    finishing: list[futures.Future[None]] = []
    try:
        if concurrent:
            for phase in phases:
                children[phase] = ChildRun(python or Path(sys.executable), project, preview=phase == "preview",
                                           dry_run=phase == "preview", account=opts.account, region=region,
                                           timeout=opts.timeout, stream=True, phase=phase,
                                           keep_resources=phase == "up")
        for phase in phases:
            starters[phase] = (PackStarter(opts, project, policy_config, phase, child=children.get(phase))
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
            done.append(PhaseRun(phase, run, starters[phase]))
            finishing.append(pool.submit(_finish_analysis, done[-1], timer))
            if phase != phases[-1]:
                del run
                gc.collect()  # the finished run's SDK objects, before the next run allocates its own
                timer.lap("collect")
        # Manifest checks are pure CPU in this process; the packs work in their own. Run them while the
        # packs finish, instead of after. The last phase has the most concrete values.
        side = pool.submit(meanwhile, done[-1].run)
        for f in finishing:
            f.result()
        timer.lap("analysis (remaining)")
        result = side.result()
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
    return done, result
