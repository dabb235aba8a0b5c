"""A process that imports preflight and the SDKs once and forks one child per preflight run.

Most of what a small ``python -m preflight`` run costs is the interpreter starting and importing preflight,
pulumi, pulumi_aws and pulumi_kubernetes (half a second of CPU). The test session makes a few hundred runs;
this process pays that once per worker. Each run is still a process of its own: a child forked before any
program ran, with the run's working directory, environment, ``sys.path[0]`` and output files, that calls
``preflight.cli.main`` and exits with its code. Its virtualenv children start as they would from
``python -m preflight``. A forked child keeps its parent's hash seed, so the tests start one zygote per
``PYTHONHASHSEED`` they ask for (``tests/conftest.py``).

Its policy packs start warm too (:class:`Standbys`). Before ``main`` starts any thread or gRPC server, the run
forks one *standby* per pack it will start: a child of the run (in its process group: ``poll``, ``wait``,
``kill`` and a timed-out run's ``killpg`` reach it) that has pulumi, grpc and pulumi_policy imported and waits.
preflight's ``analyzer.launch_pack`` then hands ``python -u -m pulumi.policy <engine> <pack dir>`` to a standby
instead of starting an interpreter: the standby takes the pipes preflight reads, the working directory, the
environment and the arguments, and runs pulumi.policy's ``__main__`` as ``-m`` does
(``runpy._run_module_as_main`` in a fresh ``__main__``, unbuffered stdio, ``sys.path`` of a new interpreter).
The pack's own ``__main__`` and modules run in it, fresh. Any other launch (a pack's own virtualenv,
``PREFLIGHT_PROFILE``, an environment that would start the interpreter differently, no standby left) is
``subprocess.Popen`` as without this. What differs from a new interpreter: the modules the run had imported are
already in ``sys.modules``, their objects are frozen (``gc.get_freeze_count()`` is not 0; see below), and the frames
below ``_run_module_as_main`` are this module's (``tests/preflight/test_pack_standbys.py`` compares the rest, and
the reports).

For this repository's pack (``policies/``), the modules its ``__main__`` imports are imported once here too
(:func:`_preload_pack`), then taken out of ``sys.modules``, so that no run sees them; a standby for that pack
puts them back before the pack's ``__main__`` runs, unless a file of theirs changed since. They import nothing
that depends on the environment or the order (``_deserialize_once.install()``, which patches pulumi_policy, is
called by ``__main__``, in the standby).

The SDK submodules a run loads (``pulumi_aws.ec2``, ``pulumi_kubernetes.core.v1``: the SDKs load them lazily, on a
program's first use, a few tenths of a second each) are loaded here too once the run has ended
(:func:`_load`), so the next run that uses them finds them loaded, as it finds ``pulumi_aws`` itself; they are added
to the session's list (:data:`SHARED_MODULES_ENV`), which a zygote started later loads before its first run. Before
each fork this process's objects are frozen (``gc.freeze``): a collection in the child (preflight collects between
its phases; a pack runs with the collector on) then scans only the child's own objects, and does not copy every
page of the inherited heap to update their collector headers.

Protocol (one JSON object per line): the test writes ``{"argv", "cwd", "env", "stdout", "stderr"}`` (and
optionally ``"standbys": false``, and ``"launched"``: a file the run writes :attr:`Standbys.launched` to); the
zygote answers ``{"pid": N}`` when the child starts, then ``{"code": N}`` when it ends.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import types
from typing import Any, NoReturn

#: ``sys.path`` as this interpreter started, without its script's directory: what follows the working directory in
#: a ``python -m`` started with the same interpreter and ``PYTHONPATH``.
_BASE_PATH = list(sys.path[1:])
#: The environment this interpreter started with: a pack whose environment would start an interpreter differently
#: (another ``PYTHON*`` variable or locale) is not given a standby.
_BIRTH_ENV = dict(os.environ)
#: Environment variables that change how an interpreter starts: a pack's must be this interpreter's, except
#: ``PYTHONUNBUFFERED`` (``-u`` is given, and emulated) and a missing ``PYTHONHASHSEED`` (a random seed: this one is
#: as good) (:func:`_same_interpreter`).
_STARTUP_PREFIXES = ("PYTHON", "LC_", "LANG")
#: The command a standby runs, before the engine address and the pack directory.
_PACK_COMMAND = [sys.executable, "-u", "-m", "pulumi.policy"]


def _child(request: dict[str, object]) -> None:
    """In the forked child: become ``python -m preflight <argv>`` run in ``cwd`` with ``env``; never returns."""
    code = 2
    standbys = Standbys()
    try:
        os.setpgid(0, 0)  # its own group: a timed-out run is killed with its policy packs
        cwd = str(request["cwd"])
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update({str(k): str(v) for k, v in dict(request["env"]).items()})  # type: ignore[call-overload]
        sys.path[0] = cwd  # what `python -m` puts first
        for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
            target = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(target, fd)
            os.close(target)
        from preflight import analyzer
        from preflight.cli import main

        argv = [str(a) for a in request["argv"]]  # type: ignore[attr-defined]
        if request.get("standbys", True) and not os.environ.get(analyzer.PROFILE_ENV):
            standbys.fork(_packs(argv))
            analyzer.launch_pack = standbys.launch
        gc.disable()  # as preflight/__main__.py does
        code = main(argv)
    except SystemExit as exc:  # argparse's usage errors and --help
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except BaseException:  # noqa: BLE001 - shown as python -m preflight would show it
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001, S110 - the exit code still goes back
                pass
        if request.get("loaded"):
            _write(request["loaded"], "".join(f"{name}\n" for name in _sdk_modules()))
        if request.get("launched"):  # how its packs started, for the tests that check the standbys are used
            _write(request["launched"], json.dumps(standbys.launched))
        os._exit(code)


def _write(path: object, text: str) -> None:
    """Write what a run tells the zygote or the test; the exit code goes back even if it cannot be written."""
    try:
        with open(str(path), "w") as f:
            f.write(text)
    except OSError:
        pass


# -- standby policy pack processes ----------------------------------------------------------------------------

def _same_interpreter(env: dict[str, str]) -> bool:
    """Whether a new interpreter started with ``env`` would start as this one did (same path, flags, locale)."""
    def startup(source: dict[str, str]) -> dict[str, str]:
        return {k: v for k, v in source.items() if k.startswith(_STARTUP_PREFIXES) and k != "PYTHONUNBUFFERED"}

    wanted, born = startup(env), startup(_BIRTH_ENV)
    if "PYTHONHASHSEED" not in wanted:
        born.pop("PYTHONHASHSEED", None)
    return wanted == born


class Standbys:
    """This run's standby pack processes and the ``analyzer.launch_pack`` that uses them (see the module)."""

    def __init__(self) -> None:
        self._free: list[tuple[int, socket.socket]] = []
        self._lock = threading.Lock()
        self.launched: dict[str, Any] = {"standby": 0, "popen": 0, "preloaded": 0, "forked": []}
        """Packs started each way in this run, and the standbys' pids (the tests read it: the standby path must be
        the one used, and no standby may outlive its run)."""

    def fork(self, count: int) -> None:
        """Fork ``count`` standbys; in this process no thread may run yet."""
        for _ in range(count):
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            pid = os.fork()
            if pid == 0:
                ours.close()
                for _pid, other in self._free:
                    other.close()
                _standby(theirs)
            theirs.close()
            self._free.append((pid, ours))
            self.launched["forked"].append(pid)

    def launch(self, args: list[str], cwd: Any, env: dict[str, str]) -> subprocess.Popen[str]:
        """``analyzer.launch_pack``: a standby for the plain ``python -u -m pulumi.policy``, else Popen."""
        from preflight import analyzer

        standby = None
        if list(map(str, args[:4])) == _PACK_COMMAND and len(args) == 6 and _same_interpreter(env):
            with self._lock:
                standby = self._free.pop(0) if self._free else None
        if standby is not None:
            try:
                proc = _StandbyPopen(standby, args, cwd, env)
            except OSError:
                _discard(standby)
            else:
                with self._lock:  # packs start on threads of their own
                    self.launched["standby"] += 1
                    self.launched["preloaded"] += proc.preloaded
                return proc
        with self._lock:
            self.launched["popen"] += 1
        return analyzer.popen_pack(args, cwd, env)


def _discard(standby: tuple[int, socket.socket]) -> None:
    pid, sock = standby
    sock.close()
    try:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


class _StandbyPopen(subprocess.Popen):  # type: ignore[type-arg]
    """A ``Popen`` whose process is a standby: the same pipes, ``pid``, ``poll``, ``wait``, ``terminate``."""

    def __init__(self, standby: tuple[int, socket.socket], args: list[str], cwd: Any, env: dict[str, str]) -> None:
        self._standby = standby
        super().__init__(args, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)

    def _execute_child(self, args: Any, executable: Any, preexec_fn: Any, close_fds: Any, pass_fds: Any, cwd: Any,
                       env: Any, startupinfo: Any, creationflags: Any, shell: Any, p2cread: int, p2cwrite: int,
                       c2pread: int, c2pwrite: int, errread: int, errwrite: int, *rest: Any) -> None:
        pid, sock = self._standby
        try:
            request = json.dumps({"argv": [os.fsdecode(a) for a in args], "cwd": os.fsdecode(cwd),
                                  "env": dict(env)}).encode()
            sock.settimeout(60)
            socket.send_fds(sock, [request], [p2cread, c2pwrite, errwrite])
            answer = sock.recv(32)
            if not answer.startswith(b"started"):
                raise OSError(f"standby policy pack process {pid} did not start")
            self.preloaded = answer == b"started, preloaded"
            self.pid = pid
            self._child_created = True
        finally:
            sock.close()
            self._close_pipe_fds(p2cread, p2cwrite, c2pread, c2pwrite, errread, errwrite)


#: A pack's modules imported once (:func:`_preload_pack`): its directory, the modules, and their files' (mtime, size).
_PRELOADED: dict[str, Any] = {}


def _preload_pack(pack_dir: str) -> None:
    """Import the modules the pack in ``pack_dir`` imports at the top of its ``__main__`` (those statements only,
    with ``sys.path`` as the pack's), keep them aside and take them out of ``sys.modules`` again."""
    import ast
    import importlib

    source = os.path.join(pack_dir, "__main__.py")
    before, path = set(sys.modules), list(sys.path)
    try:
        with open(source, encoding="utf-8") as f:
            tree = ast.parse(f.read(), source)
        imports = ast.Module(body=[node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))
                                   and getattr(node, "level", 0) == 0], type_ignores=[])
        sys.path[:] = [pack_dir, *_BASE_PATH]
        importlib.invalidate_caches()
        exec(compile(imports, source, "exec"), {"__name__": "_preloaded_pack"})  # noqa: S102 - the pack's imports
        modules = {name: module for name, module in sys.modules.items() if name not in before}
    except Exception:  # noqa: BLE001 - then its standbys import them themselves
        modules = {}
    finally:
        sys.path[:] = path
        for name in set(sys.modules) - before:
            del sys.modules[name]
    files = {}
    for module in modules.values():
        file = getattr(module, "__file__", None)
        if file:
            stat = os.stat(file)
            files[file] = (stat.st_mtime_ns, stat.st_size)
    if modules:
        _PRELOADED.update({"dir": os.path.realpath(pack_dir), "modules": modules, "files": files})


def _use_preloaded(pack_dir: str) -> bool:
    """Put the modules preloaded for ``pack_dir`` into ``sys.modules``, if they are for it and still current."""
    if not _PRELOADED or os.path.realpath(pack_dir) != _PRELOADED["dir"]:
        return False
    for file, (mtime, size) in _PRELOADED["files"].items():
        try:
            stat = os.stat(file)
        except OSError:
            return False
        if (stat.st_mtime_ns, stat.st_size) != (mtime, size):
            return False
    sys.modules.update(_PRELOADED["modules"])
    return True


def _standby(sock: socket.socket) -> NoReturn:
    """In a standby: wait for a pack to run, then become ``python -u -m pulumi.policy ...``; never returns."""
    code = 1
    try:
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):  # nothing of the run's output files, while it waits
            os.dup2(null, fd)
        os.close(null)
        message, fds, flags, _ = socket.recv_fds(sock, 1 << 20, 3)
        if not message or len(fds) != 3 or flags & socket.MSG_TRUNC:
            os._exit(0)  # the run ended without needing it
        request = json.loads(message)
        for fd, given in zip((0, 1, 2), fds, strict=True):
            os.dup2(given, fd)
            os.close(given)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sock.send(b"started, preloaded" if _use_preloaded(request["argv"][-1]) else b"started")
        sock.close()
        code = _python_m(request["argv"])
    except BaseException:  # noqa: BLE001, S110 - its exit code tells
        pass
    os._exit(code)


def _stdio(fd: int, write: bool, like: Any) -> Any:
    """``sys.stdin``/``stdout``/``stderr`` as ``python -u`` makes them (CPython ``create_stdio``)."""
    import io

    if write:
        raw = buffer = io.FileIO(fd, "wb", closefd=False)
    else:
        raw = io.FileIO(fd, "rb", closefd=False)
        buffer = io.BufferedReader(raw)
    raw.name = ("<stdin>", "<stdout>", "<stderr>")[fd]  # type: ignore[misc]
    stream = io.TextIOWrapper(buffer, encoding=like.encoding, errors=like.errors, newline="\n",
                              line_buffering=False, write_through=True)
    stream.mode = "w" if write else "r"  # type: ignore[misc]
    return stream


#: The streams a standby replaced: kept, so that collecting them never closes the descriptors they shared.
_REPLACED: list[Any] = []


def _python_m(argv: list[str]) -> int:
    """Run ``argv`` (``python -u -m MODULE ARGS``) here, as that new interpreter would; its exit code."""
    import atexit
    import builtins
    import importlib
    import runpy
    import signal
    import traceback
    import types

    module = argv[3]
    sys.argv = ["-m", *argv[4:]]
    sys.orig_argv = list(argv)
    sys.path[:] = [os.getcwd(), *_BASE_PATH]
    importlib.invalidate_caches()
    _REPLACED.extend((sys.stdin, sys.stdout, sys.stderr, sys.__stdin__, sys.__stdout__, sys.__stderr__))
    sys.stdin = sys.__stdin__ = _stdio(0, False, sys.__stdin__)
    sys.stdout = sys.__stdout__ = _stdio(1, True, sys.__stdout__)
    sys.stderr = sys.__stderr__ = _stdio(2, True, sys.__stderr__)
    main = types.ModuleType("__main__")
    main.__builtins__ = builtins  # type: ignore[attr-defined]
    main.__annotations__ = {}
    _REPLACED.append(sys.modules["__main__"])
    sys.modules["__main__"] = main
    # The collector on, as in a new interpreter. The objects inherited from the zygote stay frozen (serve freezes
    # them before each fork): the pack's collections scan its own objects, as a new interpreter's would (it has none
    # of the SDKs' objects), and do not copy every inherited page to update their headers.
    gc.enable()
    interrupted = False
    try:
        runpy._run_module_as_main(module)  # type: ignore[attr-defined]
        code = 0
    except SystemExit as exc:
        code = _exit_code(exc)
    except BaseException as exc:  # noqa: BLE001 - printed as the interpreter prints it
        interrupted = isinstance(exc, KeyboardInterrupt)
        tb = exc.__traceback__.tb_next if exc.__traceback__ is not None else None  # without this frame
        sys.excepthook(type(exc), exc, tb)
        code = 1
    try:
        threading._shutdown()  # type: ignore[attr-defined] - as the interpreter does at exit
    except BaseException:  # noqa: BLE001
        traceback.print_exc()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001, S110
            pass
    if interrupted:  # the interpreter ends by SIGINT after a KeyboardInterrupt
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    return code


def _exit_code(exc: SystemExit) -> int:
    """The exit status the interpreter gives a ``SystemExit`` (``handle_system_exit``)."""
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code & 0xFF  # what exit() keeps of it
    try:
        print(exc.code, file=sys.stderr)
    except Exception:  # noqa: BLE001, S110
        pass
    return 1


def _packs(argv: list[str]) -> int:
    """How many policy packs a run with ``argv`` starts in the usual case (one per phase), 0 when unsure."""
    from preflight.cli import _parser
    from preflight.phases import PHASES

    try:
        options = _parser().parse_args(argv)
    except BaseException:  # noqa: BLE001 - argparse exits; main reports it
        return 0
    if getattr(options, "policy_pack", None) is None:
        return 0
    return len(PHASES.get(str(options.phase), ()))


def serve() -> None:
    """Read run requests on stdin until it closes; fork a child for each and report its pid and exit code."""
    import pulumi  # noqa: F401
    import pulumi.policy  # noqa: F401 - and what every policy pack imports (its standbys)
    import pulumi_aws  # noqa: F401
    import pulumi_kubernetes  # noqa: F401
    import pulumi_policy  # noqa: F401

    import preflight.cli  # noqa: F401 - what every run imports, once

    _preload_pack(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "policies"))
    shared = os.environ.get(SHARED_MODULES_ENV)
    if shared:
        _load(_read_names(shared))

    with tempfile.TemporaryDirectory(prefix="preflight-zygote-") as tmp:
        loaded = os.path.join(tmp, "loaded.txt")
        for line in sys.stdin:
            request = {**json.loads(line), "loaded": loaded}
            gc.freeze()
            pid = os.fork()
            if pid == 0:
                _child(request)
            print(json.dumps({"pid": pid}), flush=True)
            _, status = os.waitpid(pid, 0)
            print(json.dumps({"code": os.waitstatus_to_exitcode(status)}), flush=True)
            learned = _load(_read_names(loaded, remove=True))
            if shared and learned:
                _add_names(shared, learned)


#: The environment variable naming the session's list of SDK submodules its runs loaded: a zygote started later in
#: the session (another worker's, another hash seed's) loads them all before its first run.
SHARED_MODULES_ENV = "PREFLIGHT_TEST_SDK_MODULES"
#: The SDKs whose submodules a run's loading is repeated here: the ones this process imports before any run.
_SDKS = ("pulumi", "pulumi_aws", "pulumi_kubernetes")


def _loaded(module: object) -> bool:
    """Whether ``module`` is loaded: a lazily imported module that was never used is still its lazy stand-in."""
    return type(module) is types.ModuleType


def _sdk_modules() -> list[str]:
    """The loaded submodules of :data:`_SDKS` in this process, lazily imported ones that were never used left out."""
    return sorted(name for name, module in list(sys.modules.items())
                  if name.partition(".")[0] in _SDKS and _loaded(module))


def _read_names(path: str, remove: bool = False) -> list[str]:
    """The module names in ``path`` (one per line; none if it is missing), the file then removed if ``remove``."""
    try:
        with open(path) as f:
            names = f.read().split()
        if remove:
            os.unlink(path)
    except OSError:
        return []
    return names


def _add_names(path: str, names: list[str]) -> None:
    """Append ``names`` to the session's list ``path`` (another worker's zygote may write it at the same time)."""
    import fcntl

    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        f.write("".join(f"{name}\n" for name in names))


def _load(names: list[str]) -> list[str]:
    """Load here those of ``names`` (SDK submodules, :func:`_sdk_modules`) not loaded yet; the ones it loaded."""
    done = []
    for name in dict.fromkeys(names):
        if _loaded(sys.modules.get(name)):
            continue
        try:
            getattr(importlib.import_module(name), "__all__", None)  # a lazy module loads on its first attribute
        except Exception:  # noqa: BLE001, S112 - the run loaded it in its own conditions: the next run loads it again
            continue
        done.append(name)
    return done


if __name__ == "__main__":
    serve()
