"""``--phase both`` runs its two program executions at once (the preview phase in a child process, streaming
to its own pack; the up phase in preflight's process): the reports are byte for byte those of running the
phases one after the other (``PREFLIGHT_SEQUENTIAL``), in every format, under two hash seeds; the first
phase's failure still wins; nothing is left running after an error, a timeout or Ctrl-C.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from preflight.cli import FORMATS
from preflight.phases import BOTH_AT_ONCE_ENV, PHASES, SEQUENTIAL_ENV
from tests.conftest import (
    FIXTURES,
    REPO,
    left_running,
    preflight_reports,
    program_in_its_own_virtualenv,
    run_preflight,
    shared_program,
)
from tests.preflight.test_real_world_causes import usual_options

PROGRAMS = FIXTURES / "programs"

def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PULUMI_") and k not in (SEQUENTIAL_ENV, BOTH_AT_ONCE_ENV, "PREFLIGHT_TIMINGS")}
    return {**env, "PYTHONPATH": str(REPO), **extra}


def _all_formats(program: Path, *args: str, sequential: bool = False, seed: str = "0",
                 budget: str = "") -> tuple[str, str]:
    """One run's report in every format (``--report``), then its exit code, as one text to compare; and its stderr.

    A run of a program only read is shared (tests/conftest.py): one after the other under seed 0 it is the run of
    the program's other tests (test_real_world_causes.py's determinism test asks for every fixture's), and the
    budget test's is this file's first test's."""
    env = {"PYTHONHASHSEED": seed, SEQUENTIAL_ENV: "1" if sequential else "",
           **({BOTH_AT_ONCE_ENV: budget, "PREFLIGHT_TIMINGS": "1"} if budget else {})}
    proc, reports = preflight_reports("--program", str(program), "--policy-pack", str(REPO / "policies"), *args,
                                      extra_env=env)
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    return "".join(f"==== {fmt}\n" + reports[fmt] for fmt in FORMATS) + f"==== exit {proc.returncode}\n", proc.stderr


#: Programs whose concurrent run is also compared under another hash seed. What only the concurrent mode adds to a
#: run is preflight's merge of the two phases' streamed findings (the programs' runs are the same code either way, and
#: test_real_world_causes.py compares every fixture's under two seeds): a program with findings in both phases, and
#: one whose up phase runs again as a preview, exercise all of it.
_SEEDED = ("violations", "real-world-stack-reference")


def _assert_same_reports(program: Path, *args: str) -> str:
    concurrent, _ = _all_formats(program, *args)
    assert [line for line in concurrent.splitlines() if line.startswith("==== ")][:len(FORMATS)] == \
        [f"==== {fmt}" for fmt in FORMATS]
    assert _all_formats(program, *args, sequential=True)[0] == concurrent, "concurrent vs one after the other"
    if program.name in _SEEDED:
        assert _all_formats(program, *args, seed="31337")[0] == concurrent, "another hash seed"
    return concurrent


@pytest.mark.e2e
@pytest.mark.parametrize("name", ["violations", "phased", "hidden-at-preview", "pulumi-eks",
                                  "real-world-stack-reference"])
def test_both_phases_at_once_give_the_reports_of_one_after_the_other(name: str) -> None:
    report = _assert_same_reports(PROGRAMS / name, *usual_options(name))
    assert "==== exit 1" in report or "==== exit 0" in report
    if name == "real-world-stack-reference":  # the up phase ran again, as in a preview, as one after the other
        assert "up phase: the program ran as in a preview (unknown values kept)" in report


@pytest.mark.e2e
@pytest.mark.parametrize("name", ["violations", "pulumi-eks", "real-world-stack-reference"])
def test_past_the_memory_budget_the_preview_phase_runs_here_with_the_same_reports(name: str) -> None:
    """A budget of 1 MiB: the preview phase's child is ended at once and the phase runs after the up phase, here."""
    program, options = PROGRAMS / name, usual_options(name)
    past, stderr = _all_formats(program, *options, budget="1")
    assert "the two programs at once went past 1 MiB: the preview phase runs here" in stderr, stderr
    assert past == _all_formats(program, *options, sequential=True)[0]


@pytest.mark.e2e
def test_both_phases_at_once_in_the_virtualenv_the_project_names() -> None:
    # Built once for the session (only read): its runs are shared with test_real_world_causes.py's of it.
    program = shared_program("real-world-virtualenv", program_in_its_own_virtualenv)
    report = _assert_same_reports(program)
    assert str((program / "venv").resolve()) in report or str(program / "venv") in report


@pytest.mark.e2e
def test_a_failing_program_fails_with_the_first_phases_message() -> None:
    """The preview phase's failure is the one message, as when it ran first; nothing else is printed as an error."""
    # One after the other, this is the run test_real_world_causes.py's determinism test asks for (shared).
    runs = [run_preflight("--program", str(PROGRAMS / "failing"), extra_env={SEQUENTIAL_ENV: flag})
            for flag in ("", "1")]
    for proc in runs:
        assert proc.returncode == 2 and proc.stdout == ""
        errors = [line for line in proc.stderr.splitlines() if line.startswith("preflight: error:")]
        assert errors == ["preflight: error: the program raised ZeroDivisionError: division by zero"], proc.stderr
    assert runs[0].stderr.count("ZeroDivisionError") == runs[1].stderr.count("ZeroDivisionError")


@pytest.mark.e2e
@pytest.mark.parametrize("virtualenv", [False, True], ids=["here", "virtualenv"])
def test_the_preview_phases_failure_wins_over_the_up_phases(tmp_path: Path, virtualenv: bool) -> None:
    """A program that fails differently in each phase: the preview phase's failure is reported, as one after the
    other; also when the program runs in the virtualenv its Pulumi.yaml names (both phases in child processes)."""
    program = tmp_path / "app"
    program.mkdir()
    (program / "Pulumi.yaml").write_text("name: phases\nruntime:\n  name: python\n  options:\n    virtualenv: venv\n"
                                         if virtualenv else "name: phases\nruntime: python\n")
    if virtualenv:
        subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip",
                        str(program / "venv")], check=True, timeout=120)
    failed = program / "up.failed"
    (program / "__main__.py").write_text(
        "import pathlib, time\nimport pulumi\nimport pulumi_aws as aws\n\n"
        "aws.s3.Bucket('b')\n"
        f"failed = pathlib.Path({str(failed)!r})\n"
        "if pulumi.runtime.is_dry_run():\n"
        "    # At once, the up phase fails first in time; the preview phase's message must still win.\n"
        "    deadline = time.monotonic() + 120  # a bound, so a broken up phase fails the test instead of hanging it\n"
        "    while pulumi.Config('phases').get_bool('at-once') and not failed.exists() and time.monotonic() < deadline:\n"
        "        time.sleep(0.05)\n"
        "    raise ValueError('preview phase failure')\n"
        "failed.touch()\n"
        "raise KeyError('up phase failure')\n")
    for env in ({SEQUENTIAL_ENV: ""}, {SEQUENTIAL_ENV: "1"}, {SEQUENTIAL_ENV: "", BOTH_AT_ONCE_ENV: "1"}):
        at_once = not env[SEQUENTIAL_ENV]  # one after the other, the up phase's program does not run
        (program / "Pulumi.dev.yaml").write_text(f"config:\n  aws:region: us-west-2\n  phases:at-once: {at_once}\n")
        failed.unlink(missing_ok=True)
        proc = run_preflight("--program", str(program), extra_env=env)
        errors = [line for line in proc.stderr.splitlines() if line.startswith("preflight: error:")]
        assert proc.returncode == 2 and errors == [
            "preflight: error: the program raised ValueError: preview phase failure"], proc.stderr
        assert failed.exists() == at_once, "at once, the up phase failed before the preview phase"


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, stack = set(), [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.add(child)
            stack.append(child)
    return found


def _hanging_program(where: Path) -> Path:
    """A program that registers a bucket, then says it hangs (a file per phase, ``preview.hangs``, ``up.hangs``, in
    ``where``) and hangs."""
    where.mkdir()
    (where / "Pulumi.yaml").write_text("name: hangs\nruntime: python\n")
    (where / "Pulumi.dev.yaml").write_text("config:\n  aws:region: us-west-2\n")
    (where / "__main__.py").write_text(
        "import pathlib, time\nimport pulumi\nimport pulumi_aws as aws\n\naws.s3.Bucket('b')\n"
        f"phase = 'preview' if pulumi.runtime.is_dry_run() else 'up'\n"
        f"pathlib.Path({str(where)!r}, phase + '.hangs').touch()\n"
        "while True:\n    time.sleep(0.1)\n")
    return where


def _both_hung(program: Path) -> bool:
    """Whether both phases' programs of :func:`_hanging_program` have said they hang."""
    return all((program / f"{phase}.hangs").exists() for phase in PHASES["both"])


def _interruptible() -> None:
    """In the child before it runs preflight: Ctrl-C's default action, as in a terminal. A suite started in the
    background of a non-interactive shell (``make test &``) ignores SIGINT, and the child would inherit that."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _run_watching(program: Path, *args: str, interrupt: bool = False) -> tuple[int, str, set[int]]:
    """Run preflight on ``program`` (:func:`_hanging_program`); return (exit code, stderr, every process it started
    along the way). With ``interrupt``, Ctrl-C once both phases' programs hang."""
    proc = subprocess.Popen([sys.executable, "-m", "preflight", "--program", str(program), "--policy-pack",
                             str(REPO / "policies"), *args], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=_env(), preexec_fn=_interruptible)
    seen: set[int] = set()
    started = time.monotonic()
    while proc.poll() is None and time.monotonic() - started < 240:
        seen |= _descendants(proc.pid)
        if interrupt and len(seen) >= 3 and _both_hung(program):
            proc.send_signal(signal.SIGINT)
            interrupt = False
        time.sleep(0.1)
    _, stderr = proc.communicate(timeout=60)
    return proc.returncode, stderr, seen


@pytest.mark.e2e
def test_nothing_is_left_running_after_a_timeout(tmp_path: Path) -> None:
    # The timer starts with the program, so 1 s is enough on a loaded machine too: its children and packs run before.
    code, stderr, seen = _run_watching(_hanging_program(tmp_path / "app"), "--timeout", "1")
    assert code == 2 and "did not finish within --timeout 1 s" in stderr, stderr
    assert len(seen) >= 3, "the preview phase's child and the two packs ran"
    assert not left_running(seen, within=5), "processes left running"


@pytest.mark.e2e
def test_nothing_is_left_running_after_ctrl_c(tmp_path: Path) -> None:
    code, _stderr, seen = _run_watching(_hanging_program(tmp_path / "app"), interrupt=True)
    assert code != 0
    assert _both_hung(tmp_path / "app"), "interrupted while both hung"
    assert len(seen) >= 3, "the preview phase's child and the two packs ran"
    assert not left_running(seen, within=5), "processes left running"
