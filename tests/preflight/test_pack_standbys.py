"""The test suite's preflight runs start their policy packs from standby processes (``tests/_zygote.py``): a pack
started that way is the pack ``python -u -m pulumi.policy`` starts, to everything preflight and the pack see.

Each test runs preflight twice on the same input, forked from the same zygote: once with standbys, once with the
packs started as preflight starts them without the test harness (``subprocess.Popen``), and compares.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from preflight.cli import FORMATS
from preflight.phases import PHASES, SEQUENTIAL_ENV
from tests.conftest import FIXTURES, REPO, _spawn, _Zygote, left_running, link_virtualenv, run_preflight

PROGRAMS = FIXTURES / "programs"
PACKS = FIXTURES / "packs"

pytestmark = pytest.mark.skipif(not _Zygote.STANDBYS, reason="PREFLIGHT_TEST_STANDBYS=0: the standbys are off")


def _both(*args: str, extra_env: dict[str, str] | None = None, between: object = None, packs: int | None = None
          ) -> list[object]:
    """The run of ``args`` with standbys, then without: the same ``(exit code, stdout, stderr)``, and the same result
    of ``between()`` (if given), called after each run. With standbys, ``packs`` packs (default: one per phase)
    started from standbys, none with Popen. Returns the output, ``between()``'s result and how the packs started."""
    results = []
    for standbys in (True, False):
        proc = _spawn(args, REPO, 300, {"PYTHONHASHSEED": "0", **(extra_env or {})}, standbys=standbys)
        launched = _Zygote.of("0").last_launched
        results.append(((proc.returncode, proc.stdout, proc.stderr), launched["standby"], launched["popen"],
                        between() if between is not None else None, launched))
    (with_standbys, standby, popen, seen, _), (without, standby_off, popen_off, seen_off, _) = results
    if packs is None:
        packs = len(PHASES[args[args.index("--phase") + 1]]) if "--phase" in args else 2
    assert (standby, popen) == (packs, 0), "every pack of the run started from a standby"
    assert (standby_off, popen_off) == (0, 0), "no standby when they are off: preflight's own Popen"
    assert with_standbys == without
    assert seen == seen_off
    return [with_standbys, seen, results[0][4]]


def _reports(directory: Path) -> dict[str, str]:
    found = {path.name: path.read_text() for path in sorted(directory.iterdir())}
    for path in directory.iterdir():
        path.unlink()
    return found


@pytest.mark.e2e
@pytest.mark.parametrize("program", ["violations", "phased"])
def test_the_reports_are_byte_identical_with_and_without_standbys(tmp_path: Path, program: str) -> None:
    """Both phases, every format (one run writes them all), the exit code, stdout and stderr."""
    args = ("--program", str(PROGRAMS / program), "--format", "json",
            *[f"--report={fmt}:{tmp_path / fmt}" for fmt in FORMATS], "--policy-pack", str(REPO / "policies"))
    (code, stdout, _stderr), reports, launched = _both(*args, between=lambda: _reports(tmp_path))  # type: ignore[misc]
    assert launched["preloaded"] == 2, "this repository's pack: its modules imported once, in the zygote"  # type: ignore[index]
    assert code == 1
    data = json.loads(stdout)
    assert data["violations"] and {p for v in data["violations"] for p in v["phases"]} == {"preview", "up"}
    assert set(reports) == set(FORMATS) and reports["json"] == stdout  # type: ignore[arg-type]


@pytest.mark.e2e
def test_a_standby_pack_runs_in_the_process_python_m_gives_it(tmp_path: Path) -> None:
    """The probe pack writes down its process in each phase (arguments, ``sys.path``, working directory,
    environment, standard streams and their buffering, open descriptors, signal handlers, gc, flags, hash seed,
    threads, process group, the frames from ``runpy._run_module_as_main`` up, the names in ``__main__``): the
    same with and without standbys. Only the modules already imported differ (by design, not compared), and the
    objects frozen with them (``gc.get_freeze_count()``)."""
    args = ("--program", str(PROGRAMS / "minimal"), "--policy-pack", str(PACKS / "probe"), "--format", "json")
    probes = tmp_path / "probes"
    probes.mkdir()
    frozen: list[int] = []

    def probed() -> dict[str, dict[str, object]]:
        facts = {name: json.loads(text) for name, text in _reports(probes).items()}
        frozen.extend(int(fact.pop("frozen")) for fact in facts.values())  # type: ignore[call-overload]
        return facts

    (code, stdout, stderr), facts, launched = _both(*args, extra_env={"PREFLIGHT_PROBE_DIR": str(probes)},  # type: ignore[misc]
                                          between=probed)
    assert code == 1 and "probe-buckets" in stdout
    assert launched["preloaded"] == 0  # type: ignore[index]
    assert set(facts) == {"preview.json", "up.json"}  # type: ignore[arg-type]
    # The one gc fact that differs: a standby's inherited objects (the zygote's) stay frozen, a new interpreter has none.
    assert frozen[:2] != [0, 0] and frozen[2:] == [0, 0], frozen
    up = facts["up.json"]  # type: ignore[index]
    assert up["streams"][1]["write_through"] and up["streams"][2]["write_through"], "-u"
    assert up["descriptors"] == {"0": "/dev/null", "1": "pipe", "2": "pipe"}
    assert up["argv"][1:] == ["<engine>", str(PACKS / "probe")] and up["orig_argv"][1:4] == ["-u", "-m", "pulumi.policy"]
    assert up["path"][1] == up["cwd"] == str(PACKS / "probe") and up["group"]
    assert up["environ"]["PULUMI_DRY_RUN"] == "false" and facts["preview.json"]["environ"][  # type: ignore[index]
        "PULUMI_DRY_RUN"] == "true"


@pytest.mark.e2e
@pytest.mark.parametrize("pack", ["broken", "raising"])
def test_a_failing_pack_fails_the_same_way_from_a_standby(pack: str) -> None:
    """A pack that cannot start (exit 2, its traceback in preflight's message; one phase, so that exactly one pack
    is started before the run ends) and one whose rules raise (both phases): the same output."""
    phase = "up" if pack == "broken" else "both"
    (code, stdout, stderr), _, _ = _both("--program", str(PROGRAMS / "minimal"), "--policy-pack",  # type: ignore[misc]
                                      str(PACKS / pack), "--format", "json", "--phase", phase)
    if pack == "broken":
        assert code == 2 and f"policy pack {PACKS / pack} failed to start" in stderr
        assert "ModuleNotFoundError: No module named 'policies_that_do_not_exist'" in stderr
    else:
        assert code == 1 and "ValueError" in stdout


@pytest.mark.e2e
@pytest.mark.parametrize("phase", ["preview", "up", "both"])
def test_the_suites_runs_start_their_packs_from_standbys(phase: str) -> None:
    """What every test's ``run_preflight`` does: one standby per phase is forked and used, none started otherwise;
    each is gone once its run has ended."""
    before = dict(_Zygote.launched)
    proc = run_preflight("--program", str(PROGRAMS / "minimal"), "--phase", phase, "--format", "json", fresh=True)
    assert proc.returncode == 1, proc.stderr
    assert _Zygote.launched["standby"] - before["standby"] == len(PHASES[phase])
    assert _Zygote.launched["preloaded"] - before["preloaded"] == len(PHASES[phase])
    assert _Zygote.launched["popen"] == before["popen"]
    _assert_gone(_Zygote.of("0").last_launched["forked"])


@pytest.mark.e2e
def test_at_once_the_phases_packs_start_from_standbys_too() -> None:
    """``--phase both`` with the two programs at once (the preview phase's child streams to its pack)."""
    proc = run_preflight("--program", str(PROGRAMS / "minimal"), "--format", "json", fresh=True,
                         extra_env={SEQUENTIAL_ENV: ""})
    launched = _Zygote.of("0").last_launched
    assert proc.returncode == 1, proc.stderr
    assert (launched["standby"], launched["popen"]) == (2, 0)
    assert proc.stdout == run_preflight("--program", str(PROGRAMS / "minimal"), "--format", "json").stdout


@pytest.mark.e2e
def test_unused_standbys_end_with_their_run() -> None:
    """A run that fails before it starts a pack: its standbys end with it."""
    proc = run_preflight("--program", str(PROGRAMS / "minimal"), "--stack", "nosuchstack", fresh=True)
    launched = _Zygote.of("0").last_launched
    assert proc.returncode == 2
    assert len(launched["forked"]) == 2 and launched["standby"] == launched["popen"] == 0
    _assert_gone(launched["forked"])


@pytest.mark.e2e
def test_a_pack_in_its_own_virtualenv_is_started_by_popen(tmp_path: Path) -> None:
    """Not the plain case (another interpreter): preflight's own Popen, with the same report as without standbys."""
    pack = tmp_path / "pack"
    shutil.copytree(PACKS / "minimal", pack)
    spec = pack / "PulumiPolicy.yaml"
    spec.write_text(spec.read_text().replace("runtime: python", "runtime:\n  name: python\n  options:\n"
                                             "    virtualenv: venv"))
    link_virtualenv(pack, "venv")
    args = ("--program", str(PROGRAMS / "minimal"), "--policy-pack", str(pack), "--format", "json")
    runs = [(_spawn(args, REPO, 300, {"PYTHONHASHSEED": "0"}, standbys=on), dict(_Zygote.of("0").last_launched))
            for on in (True, False)]
    assert (runs[0][1]["standby"], runs[0][1]["popen"]) == (0, 2)
    assert runs[0][0].returncode == 1 and runs[0][0].stdout == runs[1][0].stdout


def _assert_gone(pids: list[int]) -> None:
    """Every process in ``pids`` has ended (generous time: a loaded machine)."""
    alive = left_running(pids, within=60)
    assert not alive, f"standbys left running: {alive}"


def test_a_pack_preloaded_is_used_only_for_its_directory_and_files(tmp_path: Path) -> None:
    """The modules imported ahead for a pack go to a standby of that pack, and not once a file of theirs changed."""
    from tests import _zygote

    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "helper_for_preload.py").write_text("VALUE = 1\n")
    (pack / "__main__.py").write_text("import sys\nimport helper_for_preload\n\nprint(helper_for_preload.VALUE)\n")
    saved = dict(_zygote._PRELOADED)
    try:
        _zygote._PRELOADED.clear()
        _zygote._preload_pack(str(pack))
        assert "helper_for_preload" not in sys.modules, "taken out again"
        assert set(_zygote._PRELOADED["modules"]) == {"helper_for_preload"}
        assert not _zygote._use_preloaded(str(tmp_path))
        assert _zygote._use_preloaded(str(pack)) and sys.modules["helper_for_preload"].VALUE == 1
        del sys.modules["helper_for_preload"]
        (pack / "helper_for_preload.py").write_text("VALUE = 22\n")
        assert not _zygote._use_preloaded(str(pack)) and "helper_for_preload" not in sys.modules
    finally:
        sys.modules.pop("helper_for_preload", None)
        _zygote._PRELOADED.clear()
        _zygote._PRELOADED.update(saved)
