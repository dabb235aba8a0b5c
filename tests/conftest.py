"""Shared test set-up: import paths, pulumi mocks backed by preflight's mock cloud, and helpers."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pulumi
import pytest

REPO = Path(__file__).resolve().parent.parent
for path in (REPO, REPO / "policies"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from preflight.mockcloud import CloudIdentity, MockCloud  # noqa: E402
from preflight.phases import SEQUENTIAL_ENV  # noqa: E402
from tests._zygote import SHARED_MODULES_ENV  # noqa: E402

#: The day every test previews on (the EKS version lifecycle is judged on it): frozen, so no test changes with
#: the calendar. Subprocesses (preflight, the policy pack) inherit it. Tests of other days set it themselves.
FROZEN_TODAY = "2026-12-06"
os.environ["EKS_PLATFORM_TODAY"] = FROZEN_TODAY

PROJECT = "eks-platform"
FIXTURES = REPO / "tests" / "fixtures"
#: The project's stacks: every ``Pulumi.<stack>.yaml`` (a new stack file is tested with no other edit).
STACKS = tuple(sorted(p.name[len("Pulumi."):-len(".yaml")] for p in REPO.glob("Pulumi.*.yaml")))


class RecordingMocks(MockCloud):
    """preflight's mock cloud, also keeping every resource it was asked to create, by logical name."""

    def __init__(self) -> None:
        super().__init__(CloudIdentity(region="us-west-2"), stack="test", project=PROJECT)
        self.created: dict[str, Any] = {}

    def new_resource(self, args):  # type: ignore[no-untyped-def]
        resource_id, state = super().new_resource(args)
        self.created[args.name] = args
        return resource_id, state


@pytest.fixture
def mocks(monkeypatch: pytest.MonkeyPatch) -> RecordingMocks:
    """Pulumi unit-test mocks for project ``eks-platform`` and stack ``test``."""
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps({"aws:region": "us-west-2"}))
    m = RecordingMocks()
    pulumi.runtime.set_mocks(m, project=PROJECT, stack="test", preview=False)
    return m


def synth(build: Any) -> Any:
    """Run ``build()`` under the pulumi test runtime and wait for every registration; return its result.

    ``pulumi.runtime.test`` awaits all outstanding RPCs before it returns, so after this call the mocks
    have seen every resource the component creates, including ones that wait on other outputs.
    """
    result: dict[str, Any] = {}

    @pulumi.runtime.test
    def run() -> Any:
        result["value"] = build()
        return result["value"].urn

    run()
    return result["value"]


def resolved(output: Any) -> Any:
    """The value of an Output once the test runtime has finished (mocks resolve everything)."""
    box: dict[str, Any] = {}

    @pulumi.runtime.test
    def run() -> Any:
        return pulumi.Output.from_input(output).apply(lambda v: box.setdefault("v", v))

    run()
    return box["v"]


def scratch_program(where: Path, *, copy: bool = False) -> Path:
    """This project's program in ``where``, without stack files: ``infra`` and ``components`` (linked, or copied
    where the test changes them), ``Pulumi.yaml``, and the virtualenv it names (``.venv``) as this interpreter."""
    where.mkdir(parents=True, exist_ok=True)
    for part in ("infra", "components"):
        if copy:
            shutil.copytree(REPO / part, where / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (where / part).symlink_to(REPO / part)
    shutil.copy(REPO / "Pulumi.yaml", where / "Pulumi.yaml")
    link_virtualenv(where)
    return where


def link_virtualenv(where: Path, name: str = ".venv") -> None:
    """The virtualenv a project names (this project's ``Pulumi.yaml``: ``.venv``), in a copy of it: this
    interpreter's."""
    (where / name).symlink_to(sys.prefix)


def program_in_its_own_virtualenv(where: Path) -> Path:
    """The ``real-world-virtualenv`` fixture in ``where``, with the virtualenv its ``Pulumi.yaml`` names
    (``venv``: a real one, over this interpreter's site-packages)."""
    shutil.copytree(FIXTURES / "programs" / "real-world-virtualenv", where)
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(where / "venv")],
                   check=True, timeout=120)
    return where


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie, ended but not yet reaped, does not count); Linux /proc."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def left_running(pids: Iterable[int], within: float) -> list[int]:
    """Those of ``pids`` still running after up to ``within`` seconds (at once, when none is)."""
    deadline = time.monotonic() + within
    while (alive := [pid for pid in pids if process_alive(pid)]) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive


def _with_default_pack(args: tuple[str, ...]) -> tuple[str, ...]:
    if not any(a in ("--policy-pack", "--no-policy-pack") or a.startswith("--policy-pack=") for a in args) \
            and "--help" not in args:
        args = (*args, "--policy-pack", str(REPO / "policies"))
    return args


def run_preflight(*args: str, cwd: Path = REPO, timeout: int = 300, extra_env: dict[str, str] | None = None,
                  fresh: bool = False) -> subprocess.CompletedProcess[str]:
    """Run ``python -m preflight`` in a process of its own, as a user would (``extra_env`` added to a clean env):
    forked from a zygote that has imported preflight and the SDKs once (:class:`_Zygote`).

    Without ``--policy-pack`` or ``--no-policy-pack`` it runs with this repository's pack (preflight's own
    default, like ``pulumi preview``'s, is no pack).

    A run that only reads files of this checkout (its program, stack files, pack and policy config), writes
    nothing (no ``--output``) and starts from the session's environment is shared: every test in the session
    that asks for the same options, whatever its ``--format``, gets the same run (see :func:`_shared_run`), made
    once under ``PYTHONHASHSEED=0`` unless ``extra_env`` names a seed. ``fresh=True`` always starts a new process:
    for the second run of a test that compares two runs.
    """
    args = _with_default_pack(args)
    shared = None if fresh else _shared_run_of(args, cwd, timeout, extra_env)
    if shared is not None:
        return shared.as_run(args)
    return _spawn(args, cwd, timeout, extra_env)


def _spawn(args: tuple[str, ...], cwd: Path, timeout: int, extra_env: dict[str, str] | None,
           standbys: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    # --phase both runs its phases at once in two processes: on a machine whose cores the other tests keep busy
    # that is only more CPU, so the suite runs them one after the other (the same reports:
    # tests/preflight/test_concurrent_phases.py), unless a test says otherwise.
    env = {**env, "PYTHONPATH": str(REPO), SEQUENTIAL_ENV: "1", **(extra_env or {})}
    if os.name == "posix" and not any(k.startswith("PYTHON") and k != "PYTHONHASHSEED" for k in extra_env or {}):
        return _Zygote.of(env.get("PYTHONHASHSEED", _Zygote.SEED)).run(args, cwd, timeout, env, standbys)
    return subprocess.run([sys.executable, "-m", "preflight", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=env)


class _Zygote:
    """A ``tests/_zygote.py`` process of this worker: preflight runs forked from one interpreter that has imported
    preflight and the SDKs (see that module), each a process of its own. One per hash seed (a forked child keeps
    its parent's): a run without a seed gets :attr:`SEED`. Started at the first run; ended with the session."""

    SEED = "0"
    #: ``PREFLIGHT_TEST_STANDBYS=0``: the runs start their packs as preflight does alone (to compare, or to rule the
    #: standbys out).
    STANDBYS = os.environ.get("PREFLIGHT_TEST_STANDBYS", "1") != "0"
    _running: dict[str, _Zygote] = {}
    #: Policy packs this worker's runs started from a standby and with ``subprocess.Popen`` (tests/_zygote.py).
    launched: dict[str, int] = {"standby": 0, "popen": 0, "preloaded": 0}

    def __init__(self, seed: str) -> None:
        self.last_launched: dict[str, Any] = {}
        """How the last run's packs started: ``standby``, ``popen``, ``preloaded`` (standbys given this repository's
        pack's modules already imported) and ``forked`` (its standbys' pids)."""
        clean = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
        if "dir" in _SHARED:  # what the session's runs loaded so far (tests/_zygote.py)
            clean[SHARED_MODULES_ENV] = str(_SHARED["dir"] / "sdk-modules.txt")
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).with_name("_zygote.py"))], cwd=REPO,
                                     env={**clean, "PYTHONPATH": str(REPO), "PYTHONHASHSEED": seed},
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    @classmethod
    def of(cls, seed: str) -> _Zygote:
        zygote = cls._running.get(seed)
        if zygote is None or zygote.proc.poll() is not None:
            zygote = cls._running[seed] = cls(seed)
        return zygote

    @classmethod
    def close_all(cls) -> None:
        """End every zygote (one ends when its input closes) and wait for it."""
        for zygote in cls._running.values():
            assert zygote.proc.stdin is not None
            zygote.proc.stdin.close()
            zygote.proc.wait(timeout=60)
        cls._running.clear()

    def run(self, args: tuple[str, ...], cwd: Path, timeout: int, env: dict[str, str],
            standbys: bool = True) -> subprocess.CompletedProcess[str]:
        """``python -m preflight *args`` in ``cwd`` with ``env``, as ``subprocess.run`` would give it; its policy packs
        from standby processes unless ``standbys`` is False (then as preflight starts them: ``subprocess.Popen``)."""
        proc = self.proc
        assert proc.stdin is not None and proc.stdout is not None
        with tempfile.TemporaryDirectory(prefix="preflight-run-") as tmp:
            out, err, launched = Path(tmp) / "stdout", Path(tmp) / "stderr", Path(tmp) / "launched"
            proc.stdin.write(json.dumps({"argv": list(args), "cwd": str(Path(cwd).resolve()), "env": env,
                                         "stdout": str(out), "stderr": str(err),
                                         "standbys": standbys and self.STANDBYS,
                                         "launched": str(launched)}) + "\n")
            proc.stdin.flush()
            pid = json.loads(proc.stdout.readline())["pid"]
            expired = threading.Event()

            def expire() -> None:
                expired.set()
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)  # the run and its policy packs

            timer = threading.Timer(timeout, expire)
            timer.start()
            try:
                code = json.loads(proc.stdout.readline())["code"]
            finally:
                timer.cancel()
            if expired.is_set():
                raise subprocess.TimeoutExpired([sys.executable, "-m", "preflight", *args], timeout)
            self.last_launched = json.loads(launched.read_text()) if launched.exists() else {}
            for way in self.launched:
                self.launched[way] += self.last_launched.get(way, 0)
            return subprocess.CompletedProcess([sys.executable, "-m", "preflight", *args], code,
                                               out.read_text(errors="replace"), err.read_text(errors="replace"))


def preflight_json(*args: str, fresh: bool = False) -> tuple[int, dict[str, Any], str]:
    proc = run_preflight(*args, "--format", "json", fresh=fresh)
    data = json.loads(proc.stdout) if proc.stdout.strip() else {}
    return proc.returncode, data, proc.stderr


# -- preflight runs shared across the session -------------------------------------------------------------
#
# Most end-to-end tests read a run of one of our stacks or fixture programs, and many read the same run. Each
# run is made once per session and kept as a file in one directory every pytest-xdist worker sees (the
# session's base temporary directory); a lock per run makes the first test that needs it run it while a test
# on the other worker that needs it too waits for it. Nothing here depends on the order tests run in.

#: Environment variables that differ between workers or tests without changing a run.
_VOLATILE_ENV = ("PYTEST_CURRENT_TEST", "PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT",
                 "PYTEST_XDIST_TESTRUNUID")


def _environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in _VOLATILE_ENV}


#: The environment at the start of the session: a test that changed it (monkeypatch.setenv) runs its own.
_SESSION_ENV = _environment()
#: This session's directory of shared runs (set by the ``_shared_runs`` fixture) and this worker's copies.
_SHARED: dict[str, Path] = {}
_MEMO: dict[str, _SharedRun] = {}


@pytest.fixture(scope="session", autouse=True)
def _shared_runs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    base = tmp_path_factory.getbasetemp()
    if hasattr(request.config, "workerinput"):  # a pytest-xdist worker: its base is <session base>/popen-gwN
        base = base.parent
    _SHARED["dir"] = base / "shared-runs"  # no "preflight" in it: see real-world-virtualenv
    _SHARED["dir"].mkdir(exist_ok=True)
    yield
    _Zygote.close_all()


def _read_only(path: Path) -> bool:
    """A file of this checkout (not a scratch copy), or a program built once for the session."""
    path = path.resolve()
    shared = _SHARED.get("dir")
    return path.is_relative_to(REPO) or (shared is not None and path.is_relative_to(shared.resolve()))


def _options_of(args: tuple[str, ...]) -> dict[str, Any] | None:
    """preflight's parsed options for ``args``, or None for a usage error."""
    from preflight.cli import _parser

    try:
        return vars(_parser().parse_args(list(args)))
    except SystemExit:
        return None


def _format_of(args: tuple[str, ...]) -> str:
    options = _options_of(args)
    return "text" if options is None else str(options["format"])


def _shared_key(args: tuple[str, ...], cwd: Path, extra_env: dict[str, str]) -> str | None:
    """The key of a run another test may share, or None when it must run on its own. ``--format`` is not part of
    it: a shared run writes every format (:func:`_shared_run`)."""
    if "dir" not in _SHARED or "--help" in args or _environment() != _SESSION_ENV:
        return None
    options = _options_of(args)
    if options is None:  # a usage error: the test is about it
        return None
    if options["output"] is not None or options.get("report"):
        return None  # it writes files
    base = Path(cwd)
    paths = [base] + [base / str(options[k]) for k in ("program", "policy_pack_config") if options[k] is not None]
    if options["policy_pack"] is not None and (base / options["policy_pack"]).exists():
        paths.append(base / options["policy_pack"])
    if not all(_read_only(p) for p in paths):
        return None
    # The suite's default (one phase after the other, _spawn) said explicitly is the same run.
    env = {SEQUENTIAL_ENV: "1", **extra_env}
    material = {"options": {k: str(v) for k, v in sorted(options.items()) if k != "format"},
                "cwd": str(base.resolve()), "env": sorted(env.items())}
    return hashlib.sha256(json.dumps(material).encode()).hexdigest()[:32]


def _spawn_with_reports(args: tuple[str, ...], cwd: Path, timeout: int, extra_env: dict[str, str] | None,
                        stem: Path) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    """``args`` run with ``--report FORMAT:<stem>.FORMAT`` for every format; the run and the reports it wrote."""
    from preflight.cli import FORMATS

    proc = _spawn((*args, *[f"--report={fmt}:{stem}.{fmt}" for fmt in FORMATS]), cwd, timeout, extra_env)
    reports = {}
    for fmt in FORMATS:
        with contextlib.suppress(FileNotFoundError):
            reports[fmt] = Path(f"{stem}.{fmt}").read_text()
            Path(f"{stem}.{fmt}").unlink()
    fmt = _format_of(args)
    if reports:
        assert proc.stdout == reports.get(fmt), f"--format {fmt} on stdout and --report {fmt}: differ"
    return proc, reports


class _SharedRun:
    """A shared run: its exit code and stderr, and its stdout in each format (its ``--report`` files)."""

    def __init__(self, record: dict[str, Any]) -> None:
        self.returncode, self.stdout, self.stderr = record["returncode"], record["stdout"], record["stderr"]
        self.reports: dict[str, str] = record["reports"]

    def as_run(self, args: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
        """The run as ``args`` gave it: the report in their ``--format`` on stdout (none after an error)."""
        return subprocess.CompletedProcess([sys.executable, "-m", "preflight", *args], self.returncode,
                                           self.reports[_format_of(args)] if self.reports else self.stdout,
                                           self.stderr)


def _shared_run(key: str, args: tuple[str, ...], cwd: Path, timeout: int, extra_env: dict[str, str]) -> _SharedRun:
    """The run of ``key``, made by the first test that asks for it: with a ``--report`` of every format, so a test
    that reads another format reads the same run."""
    if key not in _MEMO:
        where = _SHARED["dir"]
        done = where / f"{key}.json"
        with open(where / f"{key}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            if not done.exists():
                part = where / f"{key}.{os.getpid()}.part"
                proc, reports = _spawn_with_reports(args, cwd, timeout, extra_env, part)
                part.write_text(json.dumps({"returncode": proc.returncode, "stdout": proc.stdout,
                                            "stderr": proc.stderr, "reports": reports}))
                part.replace(done)
            record = json.loads(done.read_text())
        _MEMO[key] = _SharedRun(record)
    return _MEMO[key]


def _shared_run_of(args: tuple[str, ...], cwd: Path, timeout: int,
                   extra_env: dict[str, str] | None) -> _SharedRun | None:
    """The session's shared run of ``args`` (made under ``PYTHONHASHSEED=0`` unless ``extra_env`` names a seed), or
    None when the run must be a process of its own (:func:`_shared_key`)."""
    seeded = {"PYTHONHASHSEED": "0", **(extra_env or {})}
    key = _shared_key(args, cwd, seeded)
    return None if key is None else _shared_run(key, args, cwd, timeout, seeded)


def preflight_reports(*args: str, cwd: Path = REPO, timeout: int = 300, extra_env: dict[str, str] | None = None,
                      fresh: bool = False) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    """One run of ``python -m preflight *args`` (as :func:`run_preflight`, shared as its runs are) and its report in
    every format preflight writes (``--report FORMAT:FILE`` for each, all from that run): ``{}`` when it wrote none
    (an error)."""
    args = _with_default_pack(args)
    shared = None if fresh else _shared_run_of(args, cwd, timeout, extra_env)
    if shared is not None:
        return shared.as_run(args), dict(shared.reports)
    with tempfile.TemporaryDirectory(prefix="preflight-reports-") as tmp:
        proc, reports = _spawn_with_reports(args, cwd, timeout, extra_env, Path(tmp) / "report")
    return proc, reports


def shared_program(name: str, build: Callable[[Path], object]) -> Path:
    """A program only read by tests, built once for the session by ``build(root)``: its runs are shared."""
    root = _SHARED["dir"] / "programs" / name
    root.parent.mkdir(exist_ok=True)
    with open(root.parent / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root.parent / f"{name}.built").exists():
            shutil.rmtree(root, ignore_errors=True)
            build(root)
            (root.parent / f"{name}.built").touch()
    return root


def declared_resources(stack: str) -> list[dict[str, Any]]:
    """What ``tools.architecture.declared`` gives (the stack's resources from an offline up with no pack), from
    the run the other tests of the stack's graph share."""
    proc = run_preflight("--stack", stack, "--phase", "up", "--no-policy-pack", "--format", "json")
    if not proc.stdout.strip():
        raise RuntimeError(f"preflight failed for stack {stack}: {proc.stderr.strip()}")
    resources: list[dict[str, Any]] = json.loads(proc.stdout)["resources"]
    return resources


# -- the longest tests first ------------------------------------------------------------------------------

#: Test files by what they cost (``--durations=0`` summed per file, longest first). pytest-xdist hands tests to
#: its workers in collection order as they free up (see SCHEDULING_CHUNK), so these go first and the many short
#: tests fill in at the end: both workers finish together instead of one running a long stack test alone. Only
#: the order changes; a file missing here merely runs in its usual place. ``make test`` uses work stealing
#: (``--dist worksteal``: each worker starts on its half of this order and takes from the other's queue when it
#: runs out), which balances the end even when a test takes longer than this order assumes.
LONGEST_FIRST = (
    "preflight/test_concurrent_phases.py", "stacks/test_new_environment.py", "stacks/test_phases.py",
    "preflight/test_real_world_causes.py",
    "stacks/test_stacks.py", "preflight/test_upgrade.py", "preflight/test_markdown.py", "preflight/test_cli.py",
    "stacks/test_pss_levels_e2e.py", "stacks/test_compute_migration.py", "policies/test_hostile_shapes.py",
    "preflight/test_robustness.py", "preflight/test_formats.py", "stacks/test_teardown.py",
    "stacks/test_auto_mode_program.py", "stacks/test_urn_snapshot.py", "preflight/test_real_world.py",
    "preflight/test_rule_failures.py", "test_packaging.py", "stacks/test_node_provisioning.py",
    "infra/test_lifecycle.py", "test_docs.py", "preflight/test_pulumi_eks.py", "preflight/test_transforms.py",
    "preflight/test_aws_native.py", "stacks/test_storage_program.py",
)


#: Tests pytest-xdist's load scheduler hands a worker at a time. Unlimited (its default), each worker first gets
#: a quarter of its share as one block in collection order: with the longest files first, one worker would get
#: them all. In blocks of 8 both workers keep taking from the head of the list as they go.
SCHEDULING_CHUNK = 8


def pytest_configure(config: pytest.Config) -> None:
    if config.pluginmanager.hasplugin("xdist") and getattr(config.option, "maxschedchunk", 0) is None:
        config.option.maxschedchunk = SCHEDULING_CHUNK


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {REPO / "tests" / name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path, len(rank)))  # stable: a file's tests keep their order
