"""Run a program in the virtualenv its ``Pulumi.yaml`` names, as the Pulumi CLI does.

``runtime.options.virtualenv`` (relative to the project directory) names the virtualenv whose interpreter
runs the program. When that is not preflight's own interpreter, preflight starts it in a child process:
the child imports preflight (the mock cloud and the recording monitor) from this checkout, then takes this
checkout and preflight's own site-packages off ``sys.path`` before it runs the program, so the program
imports what its virtualenv has (its own ``pulumi`` and providers first) and nothing of preflight's. The
recorded run comes back to this process, whose policy pack judges it.

``--phase both`` runs each phase's program in such a child (:class:`ChildRun`, with preflight's interpreter when
no virtualenv is named), streaming to the phase's pack itself (``preflight/phases.py``).
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import subprocess
import sys
import sysconfig
import tempfile
import threading
from pathlib import Path
from typing import Any

from .errors import PreflightError
from .pending import PendingAnalysis
from .project import Project

CHECKOUT = Path(__file__).resolve().parent.parent

#: What the child runs: preflight and preflight's site-packages importable while it loads, then only as
#: fallbacks after the program's own virtualenv (preflight's modules are already imported by then).
_BOOTSTRAP = """
import sys
checkout, site = sys.argv[1], sys.argv[2]
sys.path.insert(0, checkout)
sys.path.append(site)
from preflight.isolated import child_main
sys.path.remove(checkout)
code = child_main(sys.argv[3])
sys.stdout.flush()
sys.stderr.flush()
import os
os._exit(code)  # the result is written: skip freeing the program's objects one by one
"""


#: The GIL switch interval while a thread streams each resource to a policy pack as the program registers it: with
#: the default 5 ms it falls behind the SDK's threads and the pack finishes long after the program
#: (``phases.run_phases``).
STREAMING_SWITCH_INTERVAL = 0.0005


def virtualenv_python(venv: Path) -> Path:
    """The interpreter of the virtualenv ``venv`` (whether or not it exists)."""
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def interpreter(project: Project) -> Path | None:
    """The Python of the project's named virtualenv, or None if it is this interpreter (or none is named).

    Raises :class:`PreflightError` when the named virtualenv does not exist.
    """
    if project.virtualenv is None:
        return None
    venv = project.virtualenv
    python = virtualenv_python(venv)
    if not python.exists():
        raise PreflightError(
            f"Pulumi.yaml names the virtualenv {venv} (runtime.options.virtualenv), which does not exist: create it "
            f"(python -m venv {venv} && {venv}/bin/pip install -r requirements.txt) or remove the option")
    if venv.resolve() == Path(sys.prefix).resolve():
        return None
    return python


def run_in_virtualenv(python: Path, project: Project, *, preview: bool, dry_run: bool, account: str, region: str,
                      timeout: float | None) -> object:
    """Run the program with ``python``; return its :class:`~preflight.runner.ProgramRun`."""
    child = ChildRun(python, project, preview=preview, dry_run=dry_run, account=account, region=region,
                     timeout=timeout)
    try:
        run, _analysis = child.result()
    finally:
        child.kill()
    return run


class ChildFailed(PreflightError):
    """The program failed in the child; ``unanswered``: it had read a stack reference's outputs by then."""

    def __init__(self, message: str, unanswered: bool) -> None:
        super().__init__(message)
        self.unanswered = unanswered


class ChildRun:
    """The program running in a child process, started at once; :meth:`result` waits for it.

    With ``stream``, the child streams each resource to its phase's policy pack as it registers (as the
    engine does) and runs ``AnalyzeStack`` itself: :meth:`send_pack` tells it where the pack listens once
    the pack is up (or that there is none). Its recorded resources then stay in the child (``result``'s
    run has none): the preview phase of ``--phase both`` needs only its findings and whether a stack
    reference left values unknown. With ``keep_resources`` they come back too (the up phase's are the
    report's). The child starts no process of its own, so :meth:`kill` leaves nothing behind.
    """

    def __init__(self, python: Path, project: Project, *, preview: bool, dry_run: bool, account: str, region: str,
                 timeout: float | None, stream: bool = False, phase: str = "", keep_resources: bool = False) -> None:
        self.python = python
        self.timeout = timeout
        self._tmp = tempfile.TemporaryDirectory(prefix="preflight-")
        request = Path(self._tmp.name) / "request.pickle"
        self._result = Path(self._tmp.name) / "result.pickle"
        request.write_bytes(pickle.dumps({"project": project, "preview": preview, "dry_run": dry_run,
                                          "account": account, "region": region, "timeout": timeout,
                                          "result": str(self._result), "stream": stream, "phase": phase,
                                          "keep": keep_resources}))
        site = sysconfig.get_paths()["purelib"]
        # PYTHONPATH (which may name this checkout) and PYTHONHOME would reach into the program's world.
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
        self._stderr: list[bytes] = []
        self._sent = not stream
        self.proc = subprocess.Popen([str(python), "-c", _BOOTSTRAP, str(CHECKOUT), site, str(request)], env=env,
                                     stdin=subprocess.PIPE if stream else subprocess.DEVNULL, stdout=sys.stderr,
                                     stderr=subprocess.PIPE)
        self._drain = threading.Thread(target=self._drain_stderr, name="preflight-child-stderr", daemon=True)
        try:
            self._drain.start()
        except BaseException:  # Ctrl-C while the thread starts: the child must not outlive this object
            self.proc.kill()
            self.proc.wait()
            raise

    def _drain_stderr(self) -> None:
        assert self.proc.stderr is not None
        for chunk in iter(lambda: self.proc.stderr.read(65536), b""):  # type: ignore[union-attr]
            self._stderr.append(chunk)

    def send_pack(self, address: str | None, pack_dir: Path | None = None, info: object = None,
                  timeout: float = 0.0) -> None:
        """Where the phase's pack listens (``None``: no pack, or it failed to start: the parent reports that)."""
        if self._sent:
            return
        self._sent = True
        payload = pickle.dumps(None if address is None else (address, pack_dir, info, timeout))
        assert self.proc.stdin is not None
        with contextlib.suppress(OSError, ValueError):  # the child is gone (or ended by kill()): result() says why
            self.proc.stdin.write(payload)
        with contextlib.suppress(OSError, ValueError):
            self.proc.stdin.close()

    def result(self) -> tuple[object, object]:
        """(the :class:`~preflight.runner.ProgramRun`, the streamed analysis: None, an error, or its findings).

        Raises :class:`ChildFailed` when the program failed (its one message), :class:`PreflightError` when the
        child could not run.
        """
        try:
            self.proc.wait(timeout=(self.timeout + 60) if self.timeout else None)
        except subprocess.TimeoutExpired:
            self.kill()
            raise PreflightError(f"the program did not finish within --timeout {self.timeout:g} s in "
                                 f"{self.python}") from None
        self._drain.join()
        stderr = b"".join(self._stderr).decode("utf-8", "replace")
        if not self._result.exists():
            last = (stderr.strip().splitlines() or ["no output"])[-1]
            raise PreflightError(f"the program's virtualenv interpreter {self.python} could not run preflight's "
                                 f"runner (exit {self.proc.returncode}: {last}); it needs pulumi, protobuf, grpcio "
                                 "and pyyaml (pip install -r requirements.txt in that virtualenv)")
        sys.stderr.write(stderr)
        run, analysis, unanswered = pickle.loads(self._result.read_bytes())
        if isinstance(run, str):
            raise ChildFailed(run, unanswered)
        return run, analysis

    def kill(self) -> None:
        """End the child if it still runs (an error elsewhere, a timeout, Ctrl-C) and remove its files."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        self._tmp.cleanup()


class _Streamer(PendingAnalysis):
    """In the child: resources go to the pack as they register, buffered until the parent says where it is."""

    def __init__(self, phase: str) -> None:
        super().__init__()
        self.phase = phase
        self._thread = threading.Thread(target=self._receive, name="preflight-pack-address", daemon=True)
        self._thread.start()

    def _receive(self) -> None:
        from .analyzer import Analysis, PackClient

        payload = pickle.loads(sys.stdin.buffer.read() or pickle.dumps(None))
        if payload is None:
            return
        address, pack_dir, info, timeout = payload
        self.attach(Analysis(PackClient(address, pack_dir, timeout), info, self.phase))
        sys.setswitchinterval(STREAMING_SWITCH_INTERVAL)  # the streaming thread keeps pace with the program

    def finish(self, run: Any) -> object:
        """The phase's findings (``None`` without a pack; a message if the pack failed)."""
        self._thread.join()
        if self.analysis is None:
            return None
        try:
            self.analysis.finish(run.resources, run.stack.urn if run.stack else "")
        except PreflightError as exc:
            return str(exc)
        finally:
            self.analysis.pack.close()
        return {"violations": self.analysis.violations, "unchecked": self.analysis.unchecked,
                "not_applicable": self.analysis.not_applicable, "analyzed": self.analysis.analyzed}


def child_main(request_path: str) -> int:
    """In the child's interpreter: run the program against the recording monitor, pickle the run."""
    from .mockcloud import CloudIdentity, MockCloud
    from .monitor import RecordingMonitor
    from .runner import run_program

    # Ctrl-C in a terminal reaches the whole process group: the parent ends this child (ChildRun.kill).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.disable()  # the process ends after the run: no collection of its heap when the run ends (runner.py)
    request = pickle.loads(Path(request_path).read_bytes())
    project: Project = request["project"]
    identity = CloudIdentity(account=request["account"], region=request["region"])
    streamer = None
    if request.get("stream"):
        from . import analyzer  # noqa: F401 - imported before the program's virtualenv comes first on sys.path

        streamer = _Streamer(request["phase"])
    monitor = RecordingMonitor(MockCloud(identity, stack=project.stack, project=project.name,
                                         preview=request["preview"]), project.config, preview=request["preview"],
                               on_register=streamer.submit if streamer else None)
    run: object
    analysis: object = None
    unanswered = False
    try:
        run = run_program(project, monitor, dry_run=request["dry_run"], timeout=request["timeout"])
    except PreflightError as exc:
        run, unanswered = str(exc), monitor.unanswered
    if streamer is not None and not isinstance(run, str):
        analysis = streamer.finish(run)
        if not request.get("keep"):
            run.resources = []  # type: ignore[attr-defined] # judged here; the parent reports the other phase's
    Path(request["result"]).write_bytes(pickle.dumps((run, analysis, unanswered)))
    return 0
