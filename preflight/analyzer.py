"""Run a policy pack the way the Pulumi CLI does and talk to it over the analyzer gRPC protocol.

The CLI boots a Python policy pack through the ``pulumi-analyzer-policy-python`` shim, which runs
``python -u -m pulumi.policy <engine address> .`` in the pack's directory, with the stack's project,
name and config in the environment. The pack prints the port of its ``Analyzer`` gRPC server on its
first line of output. The CLI then calls ``Handshake``, ``ConfigureStack``, ``GetAnalyzerInfo``,
``Configure`` (policy config reconciled from schema defaults, the pack's initial config and the
``--policy-pack-config`` file), ``Analyze`` once per resource and ``AnalyzeStack`` once at the end.
This module does the same, in that order, with the same messages.
"""

from __future__ import annotations

import collections
import json
import math
import os
import queue
import re
import subprocess
import sys
import threading
from collections.abc import Iterable
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import yaml
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc, engine_pb2, engine_pb2_grpc

from ._wire import engine_properties
from .errors import PreflightError
from .isolated import virtualenv_python
from .monitor import RecordedResource

ENFORCEMENT_LEVELS = ("advisory", "mandatory", "remediate", "disabled")
_LEVEL_TO_PROTO = {
    "advisory": analyzer_pb2.ADVISORY,
    "mandatory": analyzer_pb2.MANDATORY,
    "remediate": analyzer_pb2.REMEDIATE,
    "disabled": analyzer_pb2.DISABLED,
}
_PROTO_TO_LEVEL = {v: k for k, v in _LEVEL_TO_PROTO.items()}
_SEVERITIES = {0: "", 1: "low", 2: "medium", 3: "high", 4: "critical"}
_GRPC_OPTIONS = [("grpc.max_receive_message_length", 400 * 1024 * 1024),
                 ("grpc.max_send_message_length", 400 * 1024 * 1024)]
_STARTUP_TIMEOUT_S = 60.0
#: Analyze calls in flight at once (the CLI also analyzes concurrently).
_ANALYZE_WINDOW = 128

#: A directory: the pack writes its time per policy there (``preflight/_profile.py``).
PROFILE_ENV = "PREFLIGHT_PROFILE"


@dataclass(frozen=True)
class Violation:
    """One policy diagnostic, attributed to a resource URN."""

    policy: str
    enforcement: str
    severity: str
    urn: str
    message: str
    description: str
    pack: str
    pack_version: str
    phases: tuple[str, ...] = ()
    """The preflight phases (``preview``, ``up``) in which the pack reported it."""

    def to_json(self) -> dict[str, Any]:
        return {"policy": self.policy, "enforcement": self.enforcement, "severity": self.severity,
                "urn": self.urn, "message": self.message, "description": self.description,
                "policyPack": self.pack, "policyPackVersion": self.pack_version, "phases": list(self.phases)}


#: How pulumi-policy words a policy that stopped on an unknown value (``policy.py``, ``UnknownValueError``).
_CANT_RUN = "can't run policy "


@dataclass(frozen=True)
class Unchecked:
    """A policy that could not run for a resource in a phase: it read a value unknown at preview.

    The CLI prints these as advisory diagnostics; they are no verdict, so they are never violations.
    """

    policy: str
    pack: str
    urn: str
    phase: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"policy": self.policy, "policyPack": self.pack, "urn": self.urn, "phase": self.phase,
                "message": self.message}


@dataclass
class PolicyInfo:
    name: str
    description: str
    enforcement: str
    schema: dict[str, Any] | None
    kind: str
    remediation: str = ""
    """How to fix a violation, as the pack declares it (``PolicyInfo.remediation_steps``), else ""."""
    url: str = ""
    """Where the policy is documented (``PolicyInfo.url``), else ""."""


@dataclass
class PackInfo:
    name: str
    version: str
    policies: list[PolicyInfo] = field(default_factory=list)
    config: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Reconciled config sent with ``Configure``: policy name -> {enforcementLevel, properties}."""


class _EngineServicer(engine_pb2_grpc.EngineServicer):
    """The slice of the engine service a plugin may call back into: logging and the root resource."""

    def __init__(self) -> None:
        self.messages: list[tuple[int, str, str]] = []
        self._root = ""

    def Log(self, request: Any, context: Any) -> empty_pb2.Empty:
        self.messages.append((request.severity, request.urn, request.message))
        return empty_pb2.Empty()

    def GetRootResource(self, request: Any, context: Any) -> engine_pb2.GetRootResourceResponse:
        return engine_pb2.GetRootResourceResponse(urn=self._root)

    def SetRootResource(self, request: Any, context: Any) -> engine_pb2.SetRootResourceResponse:
        self._root = request.urn
        return engine_pb2.SetRootResourceResponse()


# -- policy config ---------------------------------------------------------------------------

def load_policy_config(path: Path) -> dict[str, dict[str, Any]]:
    """Parse a ``--policy-pack-config`` file: ``{"all"|policy: level | {enforcementLevel, ...props}}``."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PreflightError(f"cannot read policy config {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise PreflightError(f"policy config {path} is not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    if not text.strip():
        return {}
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise PreflightError(f"policy config {path} is not valid JSON: {exc}") from None
    except RecursionError:
        raise PreflightError(f"policy config {path} nests arrays or objects deeper than {_MAX_CONFIG_DEPTH} levels; "
                             "policy config values are flat lists and objects") from None
    _check_config_values(path, raw)
    if not isinstance(raw, dict):
        raise PreflightError(f"policy config {path} must be a JSON object keyed by policy name (or \"all\")")
    # As the engine parses it (pkg/resource/analyzer/config.go, parsePolicyPackConfig and
    # extractEnforcementLevel): a level must be one of the four names; an object may leave it out.
    parsed: dict[str, dict[str, Any]] = {}
    levels = ", ".join(ENFORCEMENT_LEVELS)
    for name, value in raw.items():
        if isinstance(value, str):
            level, props = value, {}
            if level not in ENFORCEMENT_LEVELS:
                raise PreflightError(f"policy config {path}: parsing enforcement level for {json.dumps(name)}: "
                                     f"{json.dumps(level)} is not a valid enforcement level (use {levels})")
        elif isinstance(value, dict):
            props = dict(value)
            level = props.pop("enforcementLevel", None)
            if level is None and "enforcementLevel" in value or level is not None and not isinstance(level, str):
                raise PreflightError(f"policy config {path}: parsing enforcement level for {json.dumps(name)}: "
                                     f"{json.dumps(level)} is not a valid enforcement level; must be a string")
            if level is not None and level not in ENFORCEMENT_LEVELS:
                raise PreflightError(f"policy config {path}: parsing enforcement level for {json.dumps(name)}: "
                                     f"{json.dumps(level)} is not a valid enforcement level (use {levels})")
            level = level or ""
        else:
            raise PreflightError(f"policy config {path}: parsing {json.dumps(name)}: {json.dumps(value)} is not a "
                                 "valid value; must be a string or object")
        if level or props:
            parsed[name] = {"enforcementLevel": level, "properties": props}
    return parsed


#: Deepest nesting of a policy config value preflight accepts (no policy's schema goes beyond 3).
_MAX_CONFIG_DEPTH = 32
#: Largest integer a config value may hold: the engine hands config to the pack as JSON numbers in a protobuf
#: Struct, that is 64-bit floats, exact up to 2**53.
_MAX_CONFIG_INTEGER = 2**53


def _check_config_values(path: Path, raw: Any) -> None:
    """Refuse what the engine cannot pass to a pack: numbers beyond a float's exact range, non-finite numbers,
    nesting deeper than :data:`_MAX_CONFIG_DEPTH`. One message naming the place, no traceback."""
    stack: list[tuple[Any, str, int]] = [(raw, "", 0)]
    while stack:
        value, where, depth = stack.pop()
        shown = where or "(top level)"
        if depth > _MAX_CONFIG_DEPTH:
            raise PreflightError(f"policy config {path}: {shown} nests deeper than {_MAX_CONFIG_DEPTH} levels; policy "
                                 "config values are flat lists and objects")
        if isinstance(value, bool):
            continue
        if isinstance(value, int) and abs(value) > _MAX_CONFIG_INTEGER:
            digits = len(str(abs(value)))
            raise PreflightError(f"policy config {path}: {shown} is an integer of {digits} digits, beyond what the "
                                 f"engine passes exactly (at most {_MAX_CONFIG_INTEGER}); use a value in the "
                                 "property's range")
        if isinstance(value, float) and not math.isfinite(value):
            raise PreflightError(f"policy config {path}: {shown} is not a finite number")
        if isinstance(value, dict):
            stack.extend((v, f"{where}.{k}" if where else str(k), depth + 1) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, f"{where}[{i}]", depth + 1) for i, v in enumerate(value))


def _apply(result: dict[str, dict[str, Any]], given: dict[str, dict[str, Any]]) -> None:
    everything = given.get("all", {}).get("enforcementLevel")
    if everything:
        for cfg in result.values():
            cfg["enforcementLevel"] = everything
    for name, cfg in given.items():
        current = result.setdefault(name, {"enforcementLevel": "", "properties": {}})
        if cfg.get("enforcementLevel"):
            current["enforcementLevel"] = cfg["enforcementLevel"]
        current["properties"] = {**current.get("properties", {}), **cfg.get("properties", {})}


def reconcile_policy_config(policies: list[PolicyInfo], initial: dict[str, dict[str, Any]],
                            given: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Schema defaults, then the pack's initial config, then the file; validated against each schema.

    Deliberately stricter than the CLI, which passes unknown policy names and unknown properties to the
    pack without a word (pkg/resource/analyzer/config.go): a misspelt name or property is a rule the
    reviewer believes is configured and is not, so preflight refuses it, naming it.
    """
    known = {p.name: p for p in policies}
    unknown_names = sorted(set(given) - set(known) - {"all"})
    problems = [f"unknown polic{'y' if len(unknown_names) == 1 else 'ies'} {', '.join(unknown_names)} (the pack "
                f"has: {', '.join(sorted(known))})"] if unknown_names else []
    for name, cfg in sorted(given.items()):
        policy = known.get(name)
        allowed = set(((policy.schema or {}).get("properties") or {}) if policy else {})
        extra = sorted(set(cfg.get("properties") or {}) - allowed) if policy else []
        if extra:
            problems.append(f"{name}: unknown propert{'y' if len(extra) == 1 else 'ies'} {', '.join(extra)} "
                            f"(known: {', '.join(sorted(allowed)) or 'none'})")
    under_all = sorted((given.get("all") or {}).get("properties") or {})
    if under_all:
        # The engine applies only an enforcement level from "all" (analyzer/config.go, applyConfig): properties
        # there reach no policy. Refused, naming the policies that read each property.
        readers = {prop: sorted(p.name for p in policies if prop in ((p.schema or {}).get("properties") or {}))
                   for prop in under_all}
        problems.append("all: propert" + ("y " if len(under_all) == 1 else "ies ") + ", ".join(under_all) +
                        " under \"all\" would reach no policy (the engine takes only an enforcement level from "
                        "\"all\"); set each under the policy that reads it: " +
                        "; ".join(f"{prop}: {', '.join(names) or 'no policy of this pack'}"
                                  for prop, names in readers.items()))
    if problems:
        raise PreflightError("policy pack configuration is invalid:\n  " + "\n  ".join(problems))
    result: dict[str, dict[str, Any]] = {}
    for policy in policies:
        defaults = {k: v["default"] for k, v in ((policy.schema or {}).get("properties") or {}).items()
                    if isinstance(v, dict) and "default" in v}
        result[policy.name] = {"enforcementLevel": policy.enforcement, "properties": defaults}
    _apply(result, initial)
    _apply(result, given)
    import jsonschema  # here: a program's child process imports this module too, and never validates

    errors = []
    for policy in policies:
        schema = {"type": "object", "properties": dict((policy.schema or {}).get("properties") or {})}
        schema["properties"]["enforcementLevel"] = {"type": "string", "enum": list(ENFORCEMENT_LEVELS)}
        if (policy.schema or {}).get("required"):
            schema["required"] = list(policy.schema["required"])  # type: ignore[index]
        props = result.get(policy.name, {}).get("properties") or {}
        for err in sorted(jsonschema.Draft7Validator(schema).iter_errors(props), key=str):
            where = ".".join(str(p) for p in err.absolute_path)
            message = err.message
            if err.validator == "pattern" and isinstance(err.schema, dict) and err.schema.get("description"):
                message = f"{json.dumps(err.instance)} is not {err.schema['description']}"
            errors.append(f"{policy.name}: {where + ': ' if where else ''}{message}")
    if errors:
        raise PreflightError("policy pack configuration is invalid:\n  " + "\n  ".join(errors))
    return result


# -- the pack process ----------------------------------------------------------------------------

def _pack_python(spec_file: Path, runtime_options: dict[str, Any]) -> str:
    """The interpreter that runs the pack: the virtualenv ``runtime.options.virtualenv`` names (relative to the pack,
    as the Python language host reads it), else this one. A named virtualenv that does not exist is an error, as
    for a program's (``pulumi policy new`` packs name ``venv``, which a fresh clone does not have)."""
    venv = runtime_options.get("virtualenv")
    if not venv:
        return sys.executable
    root = spec_file.parent / str(venv)
    python = virtualenv_python(root)
    if not python.exists():
        raise PreflightError(
            f"{spec_file} names the virtualenv {venv} (runtime.options.virtualenv), which does not exist in "
            f"{spec_file.parent}: create it (python -m venv {root} && {root}/bin/pip install -r requirements.txt) "
            "or remove the option")
    return str(python)


def popen_pack(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    """Start a pack's process: ``args`` in ``cwd`` with ``env``; no stdin, stdout and stderr piped as text."""
    return subprocess.Popen(args, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


#: How :class:`PolicyPackProcess` starts its pack's process (called with the arguments of :func:`popen_pack`):
#: :func:`popen_pack`. The test suite's preflight runs replace it, before anything starts, with one that gives
#: ``[sys.executable, "-u", "-m", "pulumi.policy", ...]`` a process forked from a warm interpreter and runs
#: pulumi.policy's ``__main__`` in it as ``-m`` would (``tests/_zygote.py``); anything else it hands here.
launch_pack = popen_pack


class PolicyPackProcess:
    """A running policy pack and a client for its analyzer server."""

    def __init__(self, pack_dir: Path, project: str, stack: str, config: dict[str, str],
                 secret_keys: Iterable[str], dry_run: bool = True, timeout: float = 600.0,
                 tags: dict[str, str] | None = None, environ: dict[str, str] | None = None) -> None:
        """``environ``: the environment the pack starts from (default: this process's now); a pack started on
        another thread while a program runs here must not see the program's (``runner._program_context``)."""
        self.pack_dir = pack_dir.resolve()
        self.timeout = timeout
        """Seconds each call to the pack may take (``--timeout``)."""
        spec_file = self.pack_dir / "PulumiPolicy.yaml"
        if not spec_file.is_file():
            raise PreflightError(f"no PulumiPolicy.yaml in {self.pack_dir}; pass --policy-pack with a policy pack directory")
        try:
            spec = yaml.safe_load(spec_file.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise PreflightError(f"{spec_file} is not valid YAML: {exc}") from None
        except UnicodeDecodeError as exc:
            raise PreflightError(f"{spec_file} is not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
        if not isinstance(spec, dict):
            raise PreflightError(f"{spec_file}: a policy pack's settings are a mapping (runtime: python), "
                                 f"not a {type(spec).__name__}")
        runtime = spec.get("runtime")
        runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
        if runtime_name != "python":
            raise PreflightError(f"{spec_file}: runtime is {runtime_name!r}; preflight runs Python policy packs")
        options = (runtime.get("options") or {}) if isinstance(runtime, dict) else {}
        if not isinstance(options, dict):
            raise PreflightError(f"{spec_file}: runtime.options is {type(options).__name__}, not a mapping of option "
                                 "names to values (virtualenv: venv)")
        python = _pack_python(spec_file, options)
        self.yaml_version = str(spec.get("version") or "")

        self.engine = _EngineServicer()
        self._engine_server = grpc.server(futures.ThreadPoolExecutor(max_workers=2), options=_GRPC_OPTIONS)
        engine_pb2_grpc.add_EngineServicer_to_server(self.engine, self._engine_server)
        engine_port = self._engine_server.add_insecure_port("127.0.0.1:0")
        self._engine_server.start()
        self.engine_address = f"127.0.0.1:{engine_port}"

        env = dict(os.environ if environ is None else environ)
        env.update({"PULUMI_PROJECT": project, "PULUMI_STACK": stack, "PULUMI_DRY_RUN": "true" if dry_run else "false",
                    "PULUMI_ORGANIZATION": "organization", "PYTHONUNBUFFERED": "1"})
        if config:
            env["PULUMI_CONFIG"] = json.dumps(config)
        run = ["-m", "pulumi.policy"]
        if os.environ.get(PROFILE_ENV):  # the pack's time per policy (preflight/_profile.py; make bench)
            run = ["-c", "import runpy, sys; runpy.run_path(sys.argv.pop(1), run_name='__main__')",
                   str(Path(__file__).with_name("_profile.py"))]
        # As the Python language host runs a pack (RunPlugin, kind analyzer): its runtime options choose the
        # interpreter and are not arguments; the pack's directory comes last and is the working directory.
        args = [python, "-u", *run, self.engine_address, str(self.pack_dir)]
        self._stderr_lines: list[str] = []
        try:
            self.proc = launch_pack(args, self.pack_dir, env)
        except OSError as exc:
            self._engine_server.stop(0)
            raise PreflightError(f"policy pack {self.pack_dir} failed to start: {exc}") from None
        self._stderr_drain = threading.Thread(target=self._drain_stderr, daemon=True)
        self._stderr_drain.start()
        port = self._read_port()
        self.address = f"127.0.0.1:{port}"
        """The pack's analyzer server: another process (the preview phase's program run) may stream to it."""
        self.channel = grpc.insecure_channel(self.address, options=_GRPC_OPTIONS)
        self.stub = analyzer_pb2_grpc.AnalyzerStub(self.channel)
        self._handshake()
        self.call("ConfigureStack", analyzer_pb2.AnalyzerStackConfigureRequest(
            stack=stack, project=project, organization="organization", dry_run=dry_run,
            config=config, config_secret_keys=list(secret_keys), tags=tags or {}))

    def call(self, method: str, request: Any) -> Any:
        """One unary call to the pack, within ``timeout``; a pack that does not answer is an error naming it."""
        try:
            return getattr(self.stub, method)(request, timeout=self.timeout)
        except grpc.RpcError as exc:
            if exc.code() == grpc.StatusCode.DEADLINE_EXCEEDED:  # type: ignore[attr-defined]
                raise PreflightError(f"the policy pack {self.pack_dir} did not answer {method} within --timeout "
                                     f"{self.timeout:g} s" + _tail(self.stderr)) from None
            raise

    def _drain_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self._stderr_lines.append(line.rstrip("\n"))

    def _read_port(self) -> int:
        assert self.proc.stdout is not None
        result: list[str] = []
        reader = threading.Thread(target=lambda: result.append(self.proc.stdout.readline()), daemon=True)  # type: ignore[union-attr]
        reader.start()
        reader.join(_STARTUP_TIMEOUT_S)
        line = result[0].strip() if result else ""
        if not line.isdigit():
            self.proc.kill()
            self.proc.wait()
            self._stderr_drain.join(5)  # what it wrote before it ended (its pipe closes with it)
            detail = "\n".join(self._stderr_lines[-20:]) or line or "(no output)"
            self._engine_server.stop(0)
            raise PreflightError(f"policy pack {self.pack_dir} failed to start:\n{detail}")
        threading.Thread(target=self._drain_stdout, daemon=True).start()
        return int(line)

    def _drain_stdout(self) -> None:
        assert self.proc.stdout is not None
        for _ in self.proc.stdout:
            pass

    def _handshake(self) -> None:
        request = analyzer_pb2.AnalyzerHandshakeRequest(engine_address=self.engine_address,
                                                        root_directory=str(self.pack_dir),
                                                        program_directory=str(self.pack_dir))
        try:
            self.stub.Handshake(request, timeout=_STARTUP_TIMEOUT_S)
        except grpc.RpcError as exc:
            if exc.code() != grpc.StatusCode.UNIMPLEMENTED:  # type: ignore[attr-defined]
                raise PreflightError(f"policy pack handshake failed: {exc.details()}") from None  # type: ignore[attr-defined]

    def describe(self) -> tuple[PackInfo, dict[str, dict[str, Any]]]:
        """``GetPluginInfo`` + ``GetAnalyzerInfo``: the pack, its policies and its initial config."""
        self.call("GetPluginInfo", empty_pb2.Empty())
        info = self.call("GetAnalyzerInfo", empty_pb2.Empty())
        policies = []
        for p in info.policies:
            schema = None
            if info.supportsConfig and (p.configSchema.properties or p.configSchema.required):
                schema = {"properties": json_format.MessageToDict(p.configSchema.properties),
                          "required": list(p.configSchema.required)}
            kind = {analyzer_pb2.POLICY_TYPE_RESOURCE: "resource", analyzer_pb2.POLICY_TYPE_STACK: "stack"}.get(
                p.policy_type, "")
            policies.append(PolicyInfo(p.name, p.description, _PROTO_TO_LEVEL.get(p.enforcementLevel, "advisory"),
                                       schema, kind, remediation=p.remediation_steps, url=p.url))
        policies.sort(key=lambda p: p.name)
        initial = {k: {"enforcementLevel": _PROTO_TO_LEVEL.get(v.enforcementLevel, "") if v.enforcementLevel else "",
                       "properties": json_format.MessageToDict(v.properties)}
                   for k, v in info.initialConfig.items()}
        # The version in PulumiPolicy.yaml wins over the one the pack reports, as in the CLI.
        return PackInfo(info.name, self.yaml_version or info.version, policies), initial

    def configure(self, config: dict[str, dict[str, Any]]) -> None:
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        for name, cfg in config.items():
            level = cfg.get("enforcementLevel") or "advisory"
            entry = request.policyConfig[name]
            entry.enforcementLevel = _LEVEL_TO_PROTO[level]
            entry.properties.update(cfg.get("properties") or {})
        self.call("Configure", request)

    def close(self) -> None:
        try:
            self.channel.close()
        finally:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            self._engine_server.stop(0)

    @property
    def stderr(self) -> str:
        """What the pack wrote to stderr; all of it once the pack has ended."""
        if self.proc.poll() is not None:
            self._stderr_drain.join(5)
        return "\n".join(self._stderr_lines)


class PackClient:
    """A client for a pack another process started and configured (:class:`PolicyPackProcess`).

    A program run in a child process streams its ``Analyze`` calls to its phase's pack through this,
    as the engine does, instead of sending its whole recorded run back first. The pack's stderr stays
    with the process that owns the pack (it adds the tail to errors).
    """

    def __init__(self, address: str, pack_dir: Path, timeout: float) -> None:
        self.address = address
        self.pack_dir = pack_dir
        self.timeout = timeout
        self.channel = grpc.insecure_channel(address, options=_GRPC_OPTIONS)
        self.stub = analyzer_pb2_grpc.AnalyzerStub(self.channel)
        self.stderr = ""

    call = PolicyPackProcess.call

    def close(self) -> None:
        self.channel.close()


# -- requests --------------------------------------------------------------------------------

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def duration_seconds(text: str) -> float:
    """A Go duration (``10m``, ``1h30m``, ``45s``), as custom timeouts are written, in seconds; 0 when empty."""
    return sum(float(n) * _SECONDS[unit] for n, unit in _DURATION.findall(text or ""))


def _options(record: RecordedResource) -> analyzer_pb2.AnalyzerResourceOptions:
    """The options as the engine marshals them for analyzers (analyzer_plugin.go, marshalResourceOptions).

    customTimeouts is always sent (zeros when the program sets none); aliases are empty, since the engine
    sends only an alias that matched an old resource, and preflight previews a new stack.
    """
    timeouts = analyzer_pb2.AnalyzerResourceOptions.CustomTimeouts(
        create=duration_seconds(record.custom_timeouts.get("create", "")),
        update=duration_seconds(record.custom_timeouts.get("update", "")),
        delete=duration_seconds(record.custom_timeouts.get("delete", "")))
    return analyzer_pb2.AnalyzerResourceOptions(
        protect=record.protect,
        ignoreChanges=record.ignore_changes,
        deleteBeforeReplace=bool(record.delete_before_replace),
        deleteBeforeReplaceDefined=record.delete_before_replace is not None,
        additionalSecretOutputs=record.additional_secret_outputs,
        aliases=[],
        customTimeouts=timeouts,
        parent=record.parent,
    )


class Analysis:
    """Streams ``Analyze`` calls for resources as they register, then runs ``AnalyzeStack``."""

    def __init__(self, pack: PolicyPackProcess | PackClient, info: PackInfo, phase: str = "up") -> None:
        self.pack = pack
        self.info = info
        self.phase = phase
        self._remediates = any(c.get("enforcementLevel") == "remediate" for c in info.config.values())
        """Whether ``Remediate`` runs before each ``Analyze`` (the config is fixed before analysis starts)."""
        self.violations: list[Violation] = []
        self.unchecked: list[Unchecked] = []
        self.not_applicable: dict[str, int] = {}
        self.analyzed = 0
        self._providers: dict[str, RecordedResource] = {}
        self._queue: queue.Queue[RecordedResource | None] = queue.Queue()
        self._error: BaseException | None = None
        self._worker = threading.Thread(target=self._run, name="preflight-analyze", daemon=True)
        self._worker.start()

    def submit(self, record: RecordedResource) -> None:
        """Queue ``record`` for ``Analyze`` (called from the SDK's threads as resources register).

        Resources read with ``.get()`` are not analyzed: the engine's read steps skip the analyzers.
        """
        if record.is_provider:
            self._providers[record.urn] = record
        if not record.read:
            self._queue.put(record)

    def _provider_message(self, record: RecordedResource) -> analyzer_pb2.AnalyzerProviderResource | None:
        provider = self._providers.get(record.provider_urn) if record.provider else None
        if provider is None:
            return None
        return analyzer_pb2.AnalyzerProviderResource(type=provider.type, name=provider.name, urn=provider.urn,
                                                     properties=engine_properties(provider.inputs))

    def _run(self) -> None:
        """Send ``Analyze`` for each queued resource, keeping a window of calls in flight.

        The CLI analyzes resources concurrently too; pipelining hides the round trip so the pack
        process (on its own core) stays busy while the program keeps registering resources.
        """
        in_flight: collections.deque[tuple[Any, str]] = collections.deque()
        while True:
            record = self._queue.get()
            if record is None or len(in_flight) >= _ANALYZE_WINDOW:
                while in_flight and (record is None or len(in_flight) >= _ANALYZE_WINDOW):
                    self._settle(*in_flight.popleft())
            if record is None:
                return
            if self._error is not None:
                continue
            try:
                request = analyzer_pb2.AnalyzeRequest(type=record.type, name=record.name, urn=record.urn,
                                                      properties=engine_properties(record.inputs),
                                                      options=_options(record),
                                                      provider=self._provider_message(record))
                if self._remediates:
                    self._remediate(request)
                in_flight.append((self.pack.stub.Analyze.future(request, timeout=self.pack.timeout), record.urn))
            except BaseException as exc:  # noqa: BLE001 - reported after the run
                self._error = exc

    def _remediate(self, request: analyzer_pb2.AnalyzeRequest) -> None:
        """``Remediate`` first; ``Analyze`` then sees the remediated inputs (step_generator.go: "We do two
        passes: first we perform remediations, and *then* we do analysis")."""
        response = self.pack.call("Remediate", request)
        for remediation in response.remediations:
            if remediation.diagnostic:
                self.violations.append(Violation(
                    policy=remediation.policyName, enforcement="advisory", severity="", urn=request.urn,
                    message=remediation.diagnostic, description=remediation.description,
                    pack=remediation.policyPackName or self.info.name, pack_version=self.info.version,
                    phases=(self.phase,)))
            elif remediation.HasField("properties"):
                request.properties.CopyFrom(remediation.properties)

    def _settle(self, call: Any, urn: str) -> None:
        try:
            if call.exception() is not None and call.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
                raise PreflightError(f"the policy pack did not answer Analyze for {urn} within --timeout "
                                     f"{self.pack.timeout:g} s")
            # The engine attaches every Analyze diagnostic to the resource analyzed, whatever URN it names
            # (pkg/resource/deploy/analyze_snapshot.go, analyzeResource).
            self._collect(call.result(), urn, own={urn})
            self.analyzed += 1
        except BaseException as exc:  # noqa: BLE001 - reported after the run
            if self._error is None:
                self._error = exc

    def _collect(self, response: analyzer_pb2.AnalyzeResponse, default_urn: str, own: set[str]) -> None:
        """Keep the response's findings; a URN outside ``own`` is attributed to ``default_urn``, as the engine does."""
        for d in response.diagnostics:
            urn = d.urn if d.urn in own else default_urn
            if d.message.startswith(_CANT_RUN) and d.enforcementLevel == analyzer_pb2.ADVISORY:
                self.unchecked.append(Unchecked(d.policyName, d.policyPackName or self.info.name,
                                                urn, self.phase, d.message))
                continue
            self.violations.append(Violation(
                policy=d.policyName, enforcement=_PROTO_TO_LEVEL.get(d.enforcementLevel, "advisory"),
                severity=_SEVERITIES.get(d.severity, ""), urn=urn, message=d.message,
                description=d.description, pack=d.policyPackName or self.info.name,
                pack_version=self.info.version or d.policyPackVersion, phases=(self.phase,)))
        for na in response.not_applicable:
            self.not_applicable[na.policy_name] = self.not_applicable.get(na.policy_name, 0) + 1

    def finish(self, resources: list[RecordedResource], stack_urn: str, timer: Any = None) -> None:
        """Wait for the streamed ``Analyze`` calls, then send ``AnalyzeStack`` with every resource."""
        self._queue.put(None)
        self._worker.join()
        if timer is not None:
            timer.lap("analyze (remaining after the program)")
        if isinstance(self._error, PreflightError):
            raise PreflightError(str(self._error) + _tail(self.pack.stderr))
        if self._error is not None:
            raise PreflightError(f"the policy pack failed while analyzing resources: {_describe(self._error)}"
                                 + _tail(self.pack.stderr))
        request = analyzer_pb2.AnalyzeStackRequest()
        # In URN order: registration order follows the SDK's threads, and a stack policy that names "the first"
        # resource of a kind must name the same one on every run and in both phases.
        for r in sorted((r for r in resources if not r.read), key=lambda r: r.urn):  # reads: not in the engine's list
            entry = request.resources.add(type=r.type, name=r.name, urn=r.urn, parent=r.parent,
                                          dependencies=r.dependencies, options=_options(r))
            entry.properties.CopyFrom(engine_properties(r.outputs) if r.outputs is not None else struct_pb2.Struct())
            provider = self._provider_message(r)
            if provider is not None:
                entry.provider.CopyFrom(provider)
            for key, urns in r.property_dependencies.items():
                if urns:
                    entry.propertyDependencies[key].urns.extend(urns)
        if timer is not None:
            timer.lap("analyze stack (request built)")
        try:
            # A stack finding naming no resource of the stack goes to the root stack
            # (analyze_snapshot.go, resolveStackPolicyViolationURN).
            self._collect(self.pack.call("AnalyzeStack", request), stack_urn, own={r.urn for r in resources})
            if timer is not None:
                timer.lap("analyze stack")
        except grpc.RpcError as exc:
            if exc.code() != grpc.StatusCode.UNIMPLEMENTED:  # type: ignore[attr-defined]
                raise PreflightError(f"the policy pack failed in AnalyzeStack: {_describe(exc)}"
                                     + _tail(self.pack.stderr)) from None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, grpc.RpcError):
        return str(exc.details())  # type: ignore[attr-defined]
    return f"{type(exc).__name__}: {exc}"


def _tail(text: str, lines: int = 20) -> str:
    text = text.strip()
    return ("\n" + "\n".join(text.splitlines()[-lines:])) if text else ""


def start_pack(pack_dir: Path, project: str, stack: str, config: dict[str, str], secret_keys: Iterable[str],
               given: dict[str, dict[str, Any]], dry_run: bool = True, timeout: float = 600.0,
               tags: dict[str, str] | None = None,
               environ: dict[str, str] | None = None) -> tuple[PolicyPackProcess, PackInfo]:
    """Boot the pack, reconcile ``given`` (a parsed policy config file) and send the configuration."""
    pack = PolicyPackProcess(pack_dir, project, stack, config, secret_keys, dry_run=dry_run, timeout=timeout,
                             tags=tags, environ=environ)
    try:
        info, initial = pack.describe()
        from .lifecycle import with_lifecycle_config  # rule A6 judges from preflight's EKS lifecycle table

        given = with_lifecycle_config(given, {p.name for p in info.policies})
        info.config = reconcile_policy_config(info.policies, initial, given)
        pack.configure(info.config)
    except BaseException:
        pack.close()
        raise
    return pack, info
