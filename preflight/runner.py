"""Run a Pulumi Python program as the language host would, against the recording monitor.

The real language host (``pulumi-language-python-exec``) sets the config, configures the runtime,
changes into the program directory and calls ``run_in_stack(lambda: runpy.run_path(program))`` on a
fresh event loop. This module does the same with a :class:`RecordingMonitor` in place of the engine.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import importlib.abc
import importlib.machinery
import json
import logging
import os
import re
import runpy
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pulumi.runtime
from google.protobuf import empty_pb2
from pulumi.runtime import mocks, settings
from pulumi.runtime.proto import engine_pb2

from .errors import PreflightError
from .monitor import PLAIN_INVOKE, STACK_TYPE, RecordedResource, RecordingMonitor
from .project import Project

_SEVERITY = {engine_pb2.DEBUG: "debug", engine_pb2.INFO: "info", engine_pb2.WARNING: "warning",
             engine_pb2.ERROR: "error"}


@dataclass
class ProgramRun:
    """What running the program produced."""

    resources: list[RecordedResource]
    messages: list[tuple[str, str, str]] = field(default_factory=list)
    """(severity, urn, message) logged by the program through ``pulumi.log``."""
    invokes: list[str] = field(default_factory=list)
    unanswered: bool = False
    """A value stayed unknown for want of an answer offline (a stack reference, an invoke)."""

    @property
    def stack(self) -> RecordedResource | None:
        return next((r for r in self.resources if r.type == STACK_TYPE), None)


class _Engine:
    """The engine's ``Log`` endpoint: keeps what the program logs for the report."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, str, str]] = []

    def Log(self, request: Any) -> empty_pb2.Empty:
        self.messages.append((_SEVERITY.get(request.severity, "info"), request.urn, request.message))
        return empty_pb2.Empty()


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while the program runs; the interpreter's setting is restored after.

    The SDK allocates several container objects (futures, tasks, closures, protobuf wrappers) per
    resource and keeps most of them until the program ends, so every collection rescans a growing heap
    that is almost all alive: with the default thresholds that is half the run time of a large program,
    and still a fifth with thresholds 100 times higher (bench: 10,000 resources 24.7 s collected, 17.7 s
    paused; peak memory 994 MiB vs 1,046 MiB). Reference counting still frees everything acyclic; cycles
    left behind are collected when the program ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextlib.contextmanager
def _program_context(project: Project) -> Iterator[Path]:
    """cwd, sys.path, sys.argv and environment as the language host sets them; restored after."""
    main = project.main
    program_dir = main if main.is_dir() else main.parent
    saved = (os.getcwd(), list(sys.path), list(sys.argv), dict(os.environ))
    os.environ["PULUMI_CONFIG"] = json.dumps(project.config)
    os.environ["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(list(project.secret_keys))
    os.environ["PULUMI_PROJECT"] = project.name
    os.environ["PULUMI_STACK"] = project.stack
    sys.argv = [str(main)]
    os.chdir(program_dir)
    # The language host puts the program's directory first on sys.path; this checkout's own packages
    # (infra, components, policies, tests) must not shadow a program's packages of the same name.
    foreign = project.root.resolve() != _CHECKOUT  # this checkout's own program sees its own packages
    own = {str(_CHECKOUT), str(_CHECKOUT) + os.sep, "", "."} if foreign else set()
    sys.path[:] = [str(program_dir)] + [p for p in saved[1] if p not in own and p != str(program_dir)]
    hidden = {name: sys.modules.pop(name) for name in list(sys.modules)
              if foreign and name.split(".")[0] in _CHECKOUT_PACKAGES and _from_checkout(sys.modules[name])}
    try:
        yield main
    finally:
        if foreign:  # the program's own infra/... goes; this checkout's come back
            # list() first: a Python-level loop over sys.modules races the SDK's threads' imports.
            for name in [n for n in list(sys.modules) if n.split(".")[0] in _CHECKOUT_PACKAGES]:
                sys.modules.pop(name, None)
            sys.modules.update(hidden)
        os.chdir(saved[0])
        sys.path[:] = saved[1]
        sys.argv[:] = saved[2]
        os.environ.clear()
        os.environ.update(saved[3])


_CHECKOUT = Path(__file__).resolve().parent.parent
#: This checkout's top-level packages besides preflight: a program never sees them unless it is this checkout.
_CHECKOUT_PACKAGES = frozenset({"infra", "components", "policies", "tests"})


def _from_checkout(module: Any) -> bool:
    """Whether ``module`` was loaded from this checkout."""
    path = getattr(module, "__file__", None) or next(iter(getattr(module, "__path__", []) or []), None)
    return bool(path) and _CHECKOUT in Path(path).resolve().parents


def _program_location(tb: Any, program_root: Path) -> str:
    """The innermost traceback frame inside the user's project, as ``path:line``."""
    where = ""
    for frame in traceback.extract_tb(tb):
        path = Path(frame.filename)
        if program_root in path.parents and ".venv" not in path.parts:
            where = f"{path.relative_to(program_root)}:{frame.lineno}"
    return where


@contextlib.contextmanager
def _fresh_program_modules(root: Path) -> Iterator[None]:
    """Forget, after the run, the modules the program imported from its own project.

    The language host runs a program once per process; preflight may run it twice (preview, then up).
    A module that registers resources when imported must do so again in the second run.
    """
    before = set(sys.modules)
    try:
        yield
    finally:
        for name in set(sys.modules) - before:
            if name == "preflight" or name.startswith("preflight."):
                continue  # preflight itself, when the program lives in this repository
            path = getattr(sys.modules[name], "__file__", None)
            if path and root in Path(path).parents and not {".venv", "site-packages"} & set(Path(path).parts):
                del sys.modules[name]


class _ProgramExited(BaseException):
    """The program called ``os._exit``: the language host would end with it, before the engine saw the rest."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class _ProgramTimeout(BaseException):
    """The program ran past ``--timeout``."""


#: An SDK class named in pulumi-eks' annotations (``'pulumi_aws.autoscaling.Group'``): its module.
_ANNOTATED_MODULE = re.compile(r"'(pulumi_(?:aws|kubernetes)(?:\.[a-z0-9_]+)+)\.[A-Z]\w*'")


def _load_modelled_sdks() -> None:
    """Load the SDK modules pulumi-eks' classes name in their annotations (outputs, children).

    The outputs of the components and children preflight models for pulumi-eks are completed from SDK
    classes already loaded (``outputs.sdk_class``: loading one from the SDK's threads is not safe). A program
    that only uses pulumi-eks may not have loaded them when its first component registers, while a second
    run in the same process would have: loaded with pulumi-eks, a run's outputs do not depend on an earlier
    run (``--phase both`` runs its phases in two processes, and its report must not change for that).
    """
    package = sys.modules.get("pulumi_eks")
    where = getattr(package, "__file__", None)
    if not where:
        return
    names: set[str] = set()
    for source in sorted(Path(where).parent.glob("*.py")):
        names.update(_ANNOTATED_MODULE.findall(source.read_text(encoding="utf-8", errors="replace")))
    for name in sorted(names):
        try:
            module = importlib.import_module(name)
            getattr(module, "__all__", None)  # a lazily loaded module loads on its first (non-introspection) attribute
        except ImportError:  # the program's virtualenv has no such SDK: nothing to model from it
            continue


class _OnFirstImport(importlib.abc.MetaPathFinder):
    """Loads pulumi-eks' SDK modules right after the program first imports pulumi-eks, on the importing thread."""

    def __init__(self) -> None:
        self.fired = False

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name != "pulumi_eks" or self.fired:
            return None
        self.fired = True
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        loader = getattr(spec, "loader", None)
        if spec is None or loader is None or not hasattr(loader, "exec_module"):
            return None
        run = loader.exec_module

        def exec_module(module: Any) -> None:
            run(module)
            _load_modelled_sdks()

        loader.exec_module = exec_module
        return spec


@contextlib.contextmanager
def _modelled_sdks_loaded() -> Iterator[None]:
    """The SDKs of pulumi-eks' modelled children are loaded whenever pulumi-eks is, before it registers anything."""
    if "pulumi_eks" in sys.modules:
        _load_modelled_sdks()
        yield
        return
    finder = _OnFirstImport()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            sys.meta_path.remove(finder)


@contextlib.contextmanager
def _plain_invokes_marked() -> Iterator[None]:
    """``pulumi.runtime.invoke`` (what a plain, non-Output invoke calls) marks its calls for the monitor.

    A plain invoke's caller builds the result object at once, so an invoke preflight cannot answer gets a
    stand-in of its result type there; an Output-form invoke's stays unknown (see ``RecordingMonitor.Invoke``).
    """
    original = pulumi.runtime.invoke

    def marked(*args: Any, **kwargs: Any) -> Any:
        token = PLAIN_INVOKE.set(True)
        try:
            return original(*args, **kwargs)
        finally:
            PLAIN_INVOKE.reset(token)

    pulumi.runtime.invoke = marked  # type: ignore[assignment]
    try:
        yield
    finally:
        pulumi.runtime.invoke = original  # type: ignore[assignment]


@contextlib.contextmanager
def _guarded(timeout: float | None) -> Iterator[None]:
    """``os._exit`` raises instead of ending preflight; past ``timeout`` seconds the run is interrupted."""
    real_exit = os._exit

    def fake_exit(code: int) -> None:
        raise _ProgramExited(code)

    os._exit = fake_exit  # type: ignore[assignment]
    alarm = bool(timeout) and threading.current_thread() is threading.main_thread()
    if alarm:
        def expire(signum: int, frame: Any) -> None:
            raise _ProgramTimeout

        previous = signal.signal(signal.SIGALRM, expire)
        signal.setitimer(signal.ITIMER_REAL, float(timeout))  # type: ignore[arg-type]
    try:
        yield
    finally:
        os._exit = real_exit
        if alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def run_program(project: Project, monitor: RecordingMonitor, dry_run: bool = True,
                timeout: float | None = None) -> ProgramRun:
    """Run the project's program; raise :class:`PreflightError` if it fails.

    ``dry_run`` is what the SDK is told (``pulumi preview`` or ``pulumi up``); the monitor's mock cloud
    decides which outputs are known.
    """
    engine = _Engine()
    pulumi.runtime.set_all_config(dict(project.config), list(project.secret_keys))
    features = set(monitor.GetDeploymentInfo(empty_pb2.Empty()).supportedFeatures)
    settings.configure(mocks.MockSettings(
        monitor=monitor, monitor_features=features, engine=engine, project=project.name, stack=project.stack,
        dry_run=dry_run, organization="organization", callbacks=None))
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    failure: str | None = None
    abrupt = False  # Ctrl-C or --timeout: the loop stopped with the program's tasks pending
    with _program_context(project) as main, _fresh_program_modules(project.root), _collector_paused(), \
            _plain_invokes_marked(), _modelled_sdks_loaded():
        program: Callable[[], Any] = lambda: runpy.run_path(str(main), run_name="__main__")  # noqa: E731
        try:
            with _guarded(timeout):
                loop.run_until_complete(pulumi.runtime.run_in_stack(program))
        except pulumi.RunError as exc:
            failure = str(exc)
        except SystemExit as exc:
            failure = f"the program called sys.exit({exc.code!r})"
        except _ProgramExited as exc:
            failure = (f"the program called os._exit({exc.code}) and ended before its resources were registered; "
                       "a real `pulumi preview` would stop there too")
        except _ProgramTimeout:
            abrupt = True
            failure = (f"the program did not finish within --timeout {timeout:g} s (it may wait forever: an "
                       "Output that never resolves, a network call, a loop); raise --timeout if it is just slow")
        except KeyboardInterrupt:
            abrupt = True
            raise  # Ctrl-C: preflight stops (cli.main), it is not the program's failure
        except BaseException as exc:  # noqa: BLE001 - any program error becomes one clear message
            where = _program_location(exc.__traceback__, project.root)
            failure = f"the program raised {type(exc).__name__}: {exc}" + (f"\n  at {where}" if where else "")
            if os.environ.get("PREFLIGHT_DEBUG"):
                failure += "\n" + "".join(traceback.format_exception(exc))
        finally:
            if abrupt:  # what was interrupted must not resume (a program stopped before it began would run now)
                for task in asyncio.all_tasks(loop):
                    task.cancel()
            with contextlib.suppress(BaseException):
                loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
            asyncio.set_event_loop(None)
    if monitor.duplicate_urn:
        failure = (f"the program registered two resources with URN {monitor.duplicate_urn}; the engine refuses "
                   "this (Duplicate resource URN): give one of them another name")
    # Sorted: the SDK's threads log in an order that varies between runs, and the message must not.
    errors = sorted(m for sev, _urn, m in engine.messages if sev == "error")
    if failure is None and errors:
        failure = "the program logged an error: " + errors[0]
    if failure is not None:
        if monitor.unknown_invokes:
            failure = (f"the program used invoke(s) preflight cannot answer offline ({', '.join(sorted(monitor.unknown_invokes))}; "
                       "their results were unknown) and failed:\n" + "\n".join(f"  {line}" for line in failure.splitlines()))
        if project.unreadable_secrets:
            failure = (f"secret config key(s) {', '.join(project.unreadable_secrets)} cannot be read offline: "
                       f"{project.unreadable_why}. The program ran with placeholders in their place and failed:\n"
                       + "\n".join(f"  {line}" for line in failure.splitlines()))
        raise PreflightError(failure)
    notes = [("warning", "", _unanswered(tok, why, tok in monitor.stand_ins))
             for tok, why in sorted(monitor.unknown_invokes.items())]
    return ProgramRun(resources=monitor.snapshot(), messages=engine.messages + notes, invokes=list(monitor.invokes),
                      unanswered=monitor.unanswered)


def _unanswered(what: str, why: str, stand_in: bool) -> str:
    """The report entry for an invoke (or stack reference) preflight could not answer offline."""
    if what.startswith("pulumi:pulumi:StackReference "):
        return (f"stack reference {what.split(' ', 1)[1]}: no answer offline ({why}); its outputs were unknown, "
                "as in a preview that cannot read them")
    if stand_in:
        return (f"invoke {what}: no answer offline ({why}); the program ran with stand-in values of its result "
                "type (IDs, names, empty lists), so what depends on them is not the real cloud's")
    return f"invoke {what}: no answer offline ({why}); its result was unknown"
