"""Run a program in the virtualenv its ``Pulumi.yaml`` names, as the Pulumi CLI does.

``runtime.options.virtualenv`` (relative to the project directory) names the virtualenv whose interpreter
runs the program. When that is not preflight's own interpreter, preflight starts it in a child process:
the child imports preflight (the mock cloud and the recording monitor) from this checkout, then takes this
checkout and preflight's own site-packages off ``sys.path`` before it runs the program, so the program
imports what its virtualenv has (its own ``pulumi`` and providers first) and nothing of preflight's. The
recorded run comes back to this process, whose policy pack judges it.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

from .errors import PreflightError
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
sys.exit(child_main(sys.argv[3]))
"""


def interpreter(project: Project) -> Path | None:
    """The Python of the project's named virtualenv, or None if it is this interpreter (or none is named).

    Raises :class:`PreflightError` when the named virtualenv does not exist.
    """
    if project.virtualenv is None:
        return None
    venv = project.virtualenv
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
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
    with tempfile.TemporaryDirectory(prefix="preflight-") as tmp:
        request, result = Path(tmp) / "request.pickle", Path(tmp) / "result.pickle"
        request.write_bytes(pickle.dumps({"project": project, "preview": preview, "dry_run": dry_run,
                                          "account": account, "region": region, "timeout": timeout,
                                          "result": str(result)}))
        site = sysconfig.get_paths()["purelib"]
        try:
            # PYTHONPATH (which may name this checkout) and PYTHONHOME would reach into the program's world.
            env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
            proc = subprocess.run([str(python), "-c", _BOOTSTRAP, str(CHECKOUT), site, str(request)], env=env,
                                  stdout=sys.stderr, stderr=subprocess.PIPE, text=True,
                                  timeout=(timeout + 60) if timeout else None, check=False)
        except subprocess.TimeoutExpired:
            raise PreflightError(f"the program did not finish within --timeout {timeout:g} s in {python}") from None
        if not result.exists():
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            raise PreflightError(f"the program's virtualenv interpreter {python} could not run preflight's runner "
                                 f"(exit {proc.returncode}: {last}); it needs pulumi, protobuf, grpcio and pyyaml "
                                 "(pip install -r requirements.txt in that virtualenv)")
        sys.stderr.write(proc.stderr)
        outcome = pickle.loads(result.read_bytes())
    if isinstance(outcome, str):
        raise PreflightError(outcome)
    return outcome


def child_main(request_path: str) -> int:
    """In the virtualenv's interpreter: run the program against the recording monitor, pickle the run."""
    from .mockcloud import CloudIdentity, MockCloud
    from .monitor import RecordingMonitor
    from .runner import run_program

    request = pickle.loads(Path(request_path).read_bytes())
    project: Project = request["project"]
    identity = CloudIdentity(account=request["account"], region=request["region"])
    monitor = RecordingMonitor(MockCloud(identity, stack=project.stack, project=project.name,
                                         preview=request["preview"]), project.config, preview=request["preview"])
    outcome: object
    try:
        outcome = run_program(project, monitor, dry_run=request["dry_run"], timeout=request["timeout"])
    except PreflightError as exc:
        outcome = str(exc)
    Path(request["result"]).write_bytes(pickle.dumps(outcome))
    return 0
