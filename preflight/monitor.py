"""A resource monitor that records what the Pulumi engine would see, backed by the mock cloud.

The Python SDK talks to the engine through a *resource monitor*. ``pulumi.runtime.mocks.MockMonitor``
is the SDK's own in-process stand-in; :class:`RecordingMonitor` extends it to keep, for every
registration, exactly what the engine receives in a real run: type, name, URN, parent, custom or
component, remote, provider reference, dependencies, property dependencies, resource options and the
serialized inputs. It also synthesizes the *default providers* the engine would create for custom
resources registered without an explicit provider.
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
import importlib.metadata
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor, MockResourceArgs, Mocks
from pulumi.runtime.proto import provider_pb2, resource_pb2
from pulumi.runtime.settings import get_project, get_stack
from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await

from . import outputs, pulumi_eks
from ._wire import SECRET_SIG, SIG_KEY, UNKNOWN, engine_properties, is_secret
from .mockcloud import UnknownResult, known_at_preview
from .transforms import TransformRunner

STACK_TYPE = "pulumi:pulumi:Stack"
STACK_REFERENCE = "pulumi:pulumi:StackReference"

PLAIN_INVOKE: contextvars.ContextVar[bool] = contextvars.ContextVar("preflight_plain_invoke", default=False)
"""Set while the program makes a plain invoke (``aws.ec2.get_vpc(...)``, not ``get_vpc_output``): the SDK
carries it into the executor thread that calls :meth:`RecordingMonitor.Invoke` (see :mod:`.runner`)."""


@dataclass
class RecordedResource:
    """One resource registration, as the engine would record it."""

    seq: int
    urn: str
    type: str
    name: str
    custom: bool
    parent: str
    inputs: struct_pb2.Struct
    """Serialized inputs, exactly as sent by the SDK (secrets and unknowns keep their signatures)."""
    id: str = ""
    remote: bool = False
    provider: str = ""
    """Provider reference ``<provider urn>::<provider id>`` (default providers included)."""
    dependencies: list[str] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    protect: bool = False
    retain_on_delete: bool = False
    ignore_changes: list[str] = field(default_factory=list)
    delete_before_replace: bool | None = None
    replace_on_changes: list[str] = field(default_factory=list)
    additional_secret_outputs: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    custom_timeouts: dict[str, str] = field(default_factory=dict)
    deleted_with: str = ""
    import_id: str = ""
    version: str = ""
    read: bool = False
    modelled: str = ""
    """Why preflight registered this resource itself (a remote component's child it models), else ""."""
    outputs: struct_pb2.Struct | None = None
    """Serialized outputs: the provider's state for custom resources, registered outputs for components."""
    source_file: str = ""
    """Where the program created it: the file of the SDK's ``sourcePosition`` (absolute), else ""."""
    source_line: int = 0
    """The line of the SDK's ``sourcePosition``, else 0."""

    @property
    def provider_urn(self) -> str:
        return self.provider.rsplit("::", 1)[0] if self.provider else ""

    @property
    def is_provider(self) -> bool:
        return self.type.startswith("pulumi:providers:")


_VERSIONS_LOCK = threading.Lock()


@functools.cache
def _sdk_version(package: str) -> str:
    """The installed SDK's plugin version for ``package`` (what its default provider is keyed by), or "".

    Looked up once per package, one thread at a time: registrations run on the monitor's worker threads. (A test
    once saw pulumi-eks' modelled children keyed to a provider named ``default`` instead of ``default_7_51_1``
    in one run of two; a lookup that failed on a worker thread is the likely cause, not a proven one.)
    """
    with _VERSIONS_LOCK:
        try:
            return importlib.metadata.version(f"pulumi_{package}")
        except importlib.metadata.PackageNotFoundError:
            return ""


def source_position(request: Any) -> tuple[str, int]:
    """(file, line) of the ``sourcePosition`` the SDK sends with a registration (the caller of the resource's
    constructor: the program's line, or a component's line for its children), else ("", 0)."""
    try:
        if not request.HasField("sourcePosition"):
            return "", 0
    except ValueError:  # an older proto without the field
        return "", 0
    pos = request.sourcePosition
    uri = pos.uri
    if not uri.startswith("file://"):
        return "", 0
    return urllib.parse.unquote(urllib.parse.urlparse(uri).path), int(pos.line)


def _optional_bool(request: Any, name: str) -> bool:
    try:
        return bool(request.HasField(name) and getattr(request, name))
    except ValueError:  # not an optional field in this proto version
        return bool(getattr(request, name))


class _NotPlain(Exception):
    """A value the SDK's serializer must handle (an asset, an archive, an output ...)."""


def _plain(value: Any) -> Any:
    """``value`` itself if it is JSON-like data (tuples as lists); raises :class:`_NotPlain` otherwise."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    raise _NotPlain


def _serialize_state(state: dict[str, Any]) -> struct_pb2.Struct:
    """The mock's state as a ``Struct``, without a trip through an event loop where it can be avoided.

    Mock state is almost always plain data; ``rpc.serialize_properties`` would spin this executor
    thread's own event loop for every resource. Anything else still goes through the SDK.
    """
    try:
        # Like the SDK: a top-level property that is None is left out; nested ones stay as nulls.
        plain = {k: _plain(v) for k, v in state.items() if v is not None}
    except _NotPlain:
        return _sync_await(rpc.serialize_properties(state, {}))
    struct = struct_pb2.Struct()
    struct.update(plain)
    return struct


def _unwrap_secrets(value: Any) -> Any:
    """``value`` with every secret wrapper replaced by its plaintext: the mock cloud computes on plain data."""
    if isinstance(value, dict):
        if is_secret(value):
            return _unwrap_secrets(value.get("value"))
        return {k: _unwrap_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unwrap_secrets(v) for v in value]
    return value


_SECRET_SIG_BYTES = SECRET_SIG.encode()


def _secret_properties(props: struct_pb2.Struct) -> set[str]:
    """Top-level properties holding a secret anywhere: the engine keeps their outputs secret too."""
    if _SECRET_SIG_BYTES not in props.SerializeToString():
        return set()
    return {k for k, v in props.fields.items() if _SECRET_SIG_BYTES in v.SerializeToString()}


def _merge_preview(token: str, out: struct_pb2.Struct, state: dict[str, Any], prefix: str = "") -> None:
    """Add to ``out`` (the inputs as sent) what a provider's preview adds: known defaults, else unknowns."""
    for key, value in state.items():
        if value is None:
            continue
        if is_secret(value):
            value = value.get("value")  # secretness comes from the inputs as sent, which win below
        path = prefix + key
        if key in out.fields:
            given = out.fields[key]
            if isinstance(value, dict) and given.WhichOneof("kind") == "struct_value" and \
                    SIG_KEY not in given.struct_value.fields:
                _merge_preview(token, given.struct_value, value, path + ".")
            continue  # the program's value wins, unknowns and secrets included
        if known_at_preview(token, path):
            try:
                out[key] = _plain(value)
                continue
            except _NotPlain:
                pass
        out[key] = UNKNOWN


def preview_state(token: str, inputs: struct_pb2.Struct, state: dict[str, Any]) -> struct_pb2.Struct:
    """What a provider returns for a resource it would create, in a preview.

    The inputs as the program sent them (with their unknowns), plus the outputs the provider knows
    before the resource exists (auto-names, schema defaults); every other output the mock cloud computes
    is unknown, as the engine gives it to the program and to ``AnalyzeStack``.
    """
    out = struct_pb2.Struct()
    out.CopyFrom(inputs)
    _merge_preview(token, out, state)
    return out


def _without(props: struct_pb2.Struct, paths: list[str]) -> struct_pb2.Struct:
    """``props`` without the values at dotted ``paths`` that are unknown (``props`` itself if none)."""
    out: struct_pb2.Struct | None = None
    for path in paths:
        *parents, last = path.split(".")
        node = props
        for part in parents:
            field = node.fields.get(part)
            if field is None or field.WhichOneof("kind") != "struct_value":
                break
            node = field.struct_value
        else:
            field = node.fields.get(last)
            if field is None or field.string_value != UNKNOWN:
                continue
            if out is None:
                out = struct_pb2.Struct()
                out.CopyFrom(props)
            node = out
            for part in parents:
                node = node.fields[part].struct_value
            del node.fields[last]
    return props if out is None else out


def _invoke_id(token: str, args: struct_pb2.Struct) -> str:
    """A stable ID for an invoke's stand-in result, from its token and arguments."""
    digest = hashlib.sha256(token.encode() + engine_properties(args).SerializeToString(deterministic=True))
    prefix = {"getVpc": "vpc", "getVpcs": "vpc", "getSubnet": "subnet", "getSubnets": "subnet", "getSecurityGroup": "sg",
              "getSecurityGroups": "sg", "getZone": "Z"}.get(
        token.rsplit(":", 1)[-1], "")
    if prefix == "Z":
        return "Z" + digest.hexdigest()[:13].upper()
    return f"{prefix}-0{digest.hexdigest()[:16]}" if prefix else digest.hexdigest()[:16]


def _without_references(request: Any, field_name: str) -> Any:
    """``request`` with resource references in ``field_name`` downgraded (see ``RegisterResource``)."""
    value = getattr(request, field_name)
    downgraded = engine_properties(value)
    if downgraded is value:
        return request
    copy = type(request)()
    copy.CopyFrom(request)
    getattr(copy, field_name).CopyFrom(downgraded)
    return copy


class RecordingMonitor(MockMonitor):
    """A :class:`MockMonitor` that records every registration for analysis and reporting.

    ``on_register`` is called once per recorded resource (default providers included), from the
    SDK's executor threads, as soon as the resource is known; preflight uses it to stream ``Analyze``
    calls to the policy pack while the program is still running.
    """

    def __init__(self, mocks: Mocks, config: dict[str, str],
                 on_register: Callable[[RecordedResource], None] | None = None, preview: bool = False) -> None:
        super().__init__(mocks)
        self.config = config
        self.preview = preview
        """A first ``pulumi preview``: new resources have no ID and computed outputs are unknown."""
        self.records: dict[str, RecordedResource] = {}
        self.invokes: list[str] = []
        self._on_register = on_register
        self._lock = threading.Lock()
        self._seq = 0
        self.stand_ins: set[str] = set()
        """Unanswerable invokes whose result was a stand-in of its type (see :func:`.outputs.stand_in_result`)."""
        self.unknown_invokes: dict[str, str] = {}
        """Invokes answered as unknown (token -> why): preflight has no answer without a cloud."""
        self.duplicate_urn = ""
        """The first URN registered twice (the engine refuses the second registration)."""
        self._claimed: set[str] = set()
        self._component_inputs: dict[str, dict[str, Any]] = {}
        self._referred: dict[str, dict[str, Any]] = {}
        """Inputs of the resources a modelled component's outputs refer to without a modelled child, by URN."""
        self.transforms = TransformRunner()
        """The program's resource and stack transforms, run as the engine runs them."""

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """Build a URN exactly as the engine does (``resource.NewURN``).

        Children of the root stack carry no parent type; deeper children carry the parent's full
        qualified type (``a:b:Comp$c:d:Inner$aws:s3/bucket:Bucket``). The SDK's MockMonitor differs on
        both counts, which would make preflight URNs disagree with real ones.
        """
        if parent:
            qualified = parent.split("::")[2]
            if qualified != STACK_TYPE:
                type_ = f"{qualified}${type_}"
        return f"urn:pulumi:{get_stack()}::{get_project()}::{type_}::{name}"

    # -- bookkeeping -----------------------------------------------------------------------
    def _next_seq(self) -> int:
        with self._lock:
            self._seq += 1
            return self._seq

    def _store(self, record: RecordedResource) -> None:
        with self._lock:
            self.records[record.urn] = record
        if self._on_register is not None:
            self._on_register(record)

    def _default_provider(self, package: str, version: str) -> str:
        """Return the reference of the engine's default provider for ``package``, creating it once."""
        suffix = version.replace(".", "_") if version else "default"
        urn = f"urn:pulumi:{get_stack()}::{get_project()}::pulumi:providers:{package}::default_{suffix}"
        with self._lock:
            existing = self.records.get(urn)
        if existing is None:
            props = {k.split(":", 1)[1]: v for k, v in self.config.items() if k.split(":", 1)[0] == package}
            if version:
                props["version"] = version
            inputs = struct_pb2.Struct()
            inputs.update(props)
            _id, state = self.mocks.new_resource(MockResourceArgs(
                typ=f"pulumi:providers:{package}", name=f"default_{suffix}", inputs=dict(props), custom=True))
            record = RecordedResource(
                seq=self._next_seq(), urn=urn, type=f"pulumi:providers:{package}", name=f"default_{suffix}",
                custom=True, parent="", inputs=inputs, id=UNKNOWN if self.preview else str(_id), version=version,
                outputs=inputs)
            with self._lock:
                existing = self.records.setdefault(urn, record)
            if existing is record and self._on_register is not None:
                self._on_register(record)
        return f"{urn}::{self.records[urn].id}"

    def _claim(self, urn: str) -> None:
        """Claim ``urn`` for one registration; the engine refuses a second one with the same URN."""
        with self._lock:  # claimed here, not when stored: two registrations may race on the SDK's threads
            duplicate = urn in self._claimed
            self._claimed.add(urn)
            if duplicate and not self.duplicate_urn:
                self.duplicate_urn = urn
        if duplicate:
            raise Exception(f"Duplicate resource URN '{urn}'; try giving it a unique name")

    # -- monitor RPCs ----------------------------------------------------------------------
    def RegisterResource(self, request: Any) -> resource_pb2.RegisterResourceResponse:
        urn = self.make_urn(request.parent, request.type, request.name)
        self._claim(urn)
        if request.type == STACK_TYPE:
            self._store(RecordedResource(seq=self._next_seq(), urn=urn, type=STACK_TYPE, name=request.name,
                                         custom=False, parent="", inputs=request.object))
            return resource_pb2.RegisterResourceResponse(urn=urn)

        own_transforms = list(request.transforms)
        request = self.transforms.apply(request)
        modelled = request.remote and request.type in pulumi_eks.MODELLED
        # A remote component reaches the engine's analyzers with empty inputs (pulumi-eks' Node.js SDK never
        # sends a local component's inputs); preflight registers the children that carry its configuration.
        response = self._register(urn, request, own_transforms, analyzed=struct_pb2.Struct() if modelled else None)
        if modelled:
            children = self._model_children(urn, request)
            response = self._component_outputs(urn, request, children)
        return response

    def _component_outputs(self, urn: str, request: Any, children: list[str]) -> resource_pb2.RegisterResourceResponse:
        """A modelled component's outputs, from its modelled children: unknown in a first preview."""
        if self.preview:
            cls = outputs.sdk_class(request.type)
            keys = sorted(outputs.fields(cls)) if cls is not None else []
            out = struct_pb2.Struct()
            out.update(dict.fromkeys(keys, UNKNOWN))
            with self._lock:
                record = self.records[urn]
                record.outputs = out
            return resource_pb2.RegisterResourceResponse(urn=urn, id=record.id, object=out)
        built = []
        for child_urn in children:
            child = self.records[child_urn]
            built.append(pulumi_eks.Built(child.type, child.name, child_urn, child.id,
                                          json_format.MessageToDict(child.outputs or struct_pb2.Struct())))
        state, referred = pulumi_eks.component_outputs(request.type, request.name, urn,
                                                       self._component_inputs.get(urn, {}), built,
                                                       self.mocks.identity, get_stack())
        with self._lock:
            self._referred.update(referred)
        out = struct_pb2.Struct()
        out.update(state)
        with self._lock:
            record = self.records[urn]
            record.outputs = out
        return resource_pb2.RegisterResourceResponse(urn=urn, id=record.id, object=out)

    def _register(self, urn: str, request: Any, own_transforms: list[Any], analyzed: struct_pb2.Struct | None = None,
                  modelled: str = "") -> resource_pb2.RegisterResourceResponse:
        """Record one (transformed) registration, with the mock cloud's state, and answer it."""
        _ensure_event_loop()
        # Resource references are downgraded to IDs/URNs first: deserializing one would construct a
        # Resource (a ``getResource`` RPC) on this worker thread's event loop, which the program's
        # loop then awaits at shutdown ("attached to a different loop"). The mock needs no objects.
        secret_keys = _secret_properties(request.object)
        inputs = rpc.deserialize_properties(engine_properties(request.object))
        if secret_keys:
            inputs = _unwrap_secrets(inputs)
        provider = request.provider
        if request.custom and not provider and not request.type.startswith("pulumi:providers:"):
            provider = self._default_provider(request.type.split(":", 1)[0], request.version)

        resource_id, state = self.mocks.new_resource(MockResourceArgs(
            typ=request.type, name=request.name, inputs=inputs, provider=provider,
            resource_id=request.importId, custom=request.custom or False))
        for key in secret_keys:  # a secret input's output stays secret
            if state.get(key) is not None:
                state[key] = {SIG_KEY: SECRET_SIG, "value": state[key]}
        if self.preview and (request.custom or request.remote):
            # The engine's registry gives a new provider the unknown ID; other resources get "" (no ID yet).
            resource_id = UNKNOWN if request.type.startswith("pulumi:providers:") else ""
            obj_proto = preview_state(request.type, engine_properties(request.object), state)
            # The program gets every computed output unknown; the pack's view keeps leaving out those only
            # the SDK's types add (as before they existed), so no rule loses a verdict it had at preview.
            analyzed_outputs = _without(obj_proto, self.mocks.derived.pop((request.type, request.name), []))
        else:
            obj_proto = _serialize_state(state)
            analyzed_outputs = obj_proto

        timeouts = request.customTimeouts
        record = RecordedResource(
            seq=self._next_seq(),
            urn=urn,
            type=request.type,
            name=request.name,
            custom=bool(request.custom),
            parent=request.parent,
            inputs=request.object if analyzed is None else analyzed,
            id=str(resource_id or "") if request.custom or request.remote else "",
            remote=bool(request.remote),
            provider=provider,
            # The SDK builds these from sets: sort them so the same program always reads the same.
            dependencies=sorted(request.dependencies),
            property_dependencies={k: sorted(v.urns) for k, v in sorted(request.propertyDependencies.items())},
            protect=_optional_bool(request, "protect"),
            retain_on_delete=_optional_bool(request, "retainOnDelete"),
            ignore_changes=list(request.ignoreChanges),
            delete_before_replace=request.deleteBeforeReplace if request.deleteBeforeReplaceDefined else None,
            replace_on_changes=list(request.replaceOnChanges),
            additional_secret_outputs=list(request.additionalSecretOutputs),
            aliases=list(request.aliasURNs) + [a.urn for a in request.aliases if a.urn],
            custom_timeouts={k: v for k, v in (("create", timeouts.create), ("update", timeouts.update),
                                               ("delete", timeouts.delete)) if v},
            deleted_with=request.deletedWith,
            import_id=request.importId,
            version=request.version,
            outputs=analyzed_outputs if (request.custom or request.remote) else None,
            modelled=modelled,
        )
        record.source_file, record.source_line = source_position(request)
        self._store(record)
        self.transforms.settle(urn, request.parent, own_transforms)
        # The state is not kept a second time as Python objects: getResource reads the record's outputs.
        self.resources[urn] = MockMonitor.ResourceRegistration(urn, record.id, None)
        return resource_pb2.RegisterResourceResponse(urn=urn, id=record.id, object=obj_proto)

    def _model_children(self, urn: str, request: Any) -> list[str]:
        """Register the children pulumi-eks would create for the component at ``urn`` (see :mod:`.pulumi_eks`)."""
        inputs = json_format.MessageToDict(engine_properties(request.object))
        with self._lock:
            self._component_inputs[urn] = inputs
        deps = {k: list(v.urns) for k, v in request.propertyDependencies.items()}
        model = pulumi_eks.Model(self.mocks.identity, get_stack(), self.preview,
                                 lambda other: self._component_inputs.get(other, {}))
        by_name: dict[str, str] = {}
        for child in model.children(request.type, request.name, inputs, deps):
            parent = by_name.get(child.parent, urn)
            child_urn = self.make_urn(parent, child.type, child.name)
            prop_deps = {k: [by_name.get(u[1:], u) if u.startswith("@") else u for u in v]
                         for k, v in sorted(child.property_dependencies.items())}
            package = child.type.split(":", 1)[0] if not child.type.startswith("pulumi:providers:") else ""
            provider = ""
            if child.provider in by_name:
                provider = f"{by_name[child.provider]}::{self.records[by_name[child.provider]].id}"
            elif package:
                provider = request.providers.get(package, "")
            child_request = resource_pb2.RegisterResourceRequest(
                type=child.type, name=child.name, parent=parent, custom=child.custom, provider=provider,
                version="" if provider else _sdk_version(package),
                dependencies=sorted({u for v in prop_deps.values() for u in v}))
            child_request.object.update(child.inputs)
            for key, urns in prop_deps.items():
                child_request.propertyDependencies[key].urns.extend(urns)
            self._claim(child_urn)
            self._register(child_urn, self.transforms.apply(child_request), [], modelled=pulumi_eks.REASON)
            by_name[child.name] = child_urn
        return list(by_name.values())

    def RegisterStackTransform(self, request: Any) -> empty_pb2.Empty:
        self.transforms.register_stack(request)
        return empty_pb2.Empty()

    def ReadResource(self, request: Any) -> resource_pb2.ReadResourceResponse:
        if request.type == STACK_REFERENCE:
            # Another stack's outputs: no backend to read them offline (the mock cloud answers them unknown);
            # named in the report like an invoke preflight cannot answer.
            with self._lock:
                self.unknown_invokes.setdefault(f"{STACK_REFERENCE} {request.id or request.name}",
                                                "another stack's outputs need its backend")
        response = super().ReadResource(_without_references(request, "properties"))
        provider = request.provider or self._default_provider(request.type.split(":", 1)[0], request.version)
        self._store(RecordedResource(
            seq=self._next_seq(), urn=response.urn, type=request.type, name=request.name, custom=True,
            parent=request.parent, inputs=request.properties, id=request.id, provider=provider,
            dependencies=sorted(request.dependencies), read=True, outputs=response.properties,
            source_file=source_position(request)[0], source_line=source_position(request)[1]))
        return response

    def RegisterResourceOutputs(self, request: Any) -> empty_pb2.Empty:
        with self._lock:
            record = self.records.get(request.urn)
            if record is not None and not record.custom:
                record.outputs = request.outputs
        return empty_pb2.Empty()

    def Invoke(self, request: Any) -> resource_pb2.ResourceInvokeResponse:
        with self._lock:
            self.invokes.append(request.tok)
        if request.tok == "pulumi:pulumi:getResource":
            return self._get_resource(request.args["urn"])
        try:
            return super().Invoke(_without_references(request, "args"))
        except UnknownResult as exc:
            with self._lock:
                self.unknown_invokes.setdefault(request.tok, str(exc))
            token = request.tok
            if not PLAIN_INVOKE.get():  # an Output-form invoke: unknown, as a preview without the cloud has it
                return resource_pb2.ResourceInvokeResponse(unknown=True)
            ctx = self.mocks.context(token, token.rsplit(":", 1)[-1], _invoke_id(token, request.args))
            result = outputs.stand_in_result(token, ctx)
            if result is None:
                return resource_pb2.ResourceInvokeResponse(unknown=True)
            with self._lock:
                self.stand_ins.add(token)
            # A stand-in of the result's type: a plain (non-Output) invoke's caller builds its result object
            # at once, and an unknown there ends the program; the report names the invoke.
            found = struct_pb2.Struct()
            found.update(result)
            return resource_pb2.ResourceInvokeResponse(**{"return": found})

    def Call(self, request: Any) -> provider_pb2.CallResponse:
        """A component method (``cluster.get_kubeconfig()``): answered from the component's recorded outputs.

        Unknown in a first preview, as the provider has not created the component yet; a method preflight
        has no answer for is unknown too, and named in the report like an unanswerable invoke.
        """
        with self._lock:
            self.invokes.append(request.tok)
        args = json_format.MessageToDict(engine_properties(request.args))
        with self._lock:
            record = self.records.get(str(args.get("__self__") or ""))
        method = pulumi_eks.METHODS.get(request.tok)
        result: Any = UNKNOWN
        if method is None:
            with self._lock:
                self.unknown_invokes.setdefault(request.tok, f"{request.tok} is a method its provider answers")
        elif not self.preview and record is not None and record.outputs is not None:
            result = method(json_format.MessageToDict(record.outputs), args)
        out = struct_pb2.Struct()
        out.update({"result": result} if not isinstance(result, dict) else result)
        return provider_pb2.CallResponse(**{"return": out})

    def _get_resource(self, urn: str) -> resource_pb2.ResourceInvokeResponse:
        """``pulumi:pulumi:getResource``: a registered resource's URN, ID and state (resource references)."""
        with self._lock:
            record = self.records.get(urn)
        found = struct_pb2.Struct()
        if record is None:
            # A resource a remote component's outputs refer to that preflight does not model (pulumi-eks'
            # IAM role, OIDC provider...): the mock cloud's state for it, unknown in a first preview.
            parts = urn.split("::")
            if len(parts) != 4:
                raise Exception(f"unknown resource {urn}")  # what the SDK's MockMonitor raises
            token, name = parts[2].rsplit("$", 1)[-1], parts[3]
            with self._lock:
                inputs = dict(self._referred.get(urn, {}))
            resource_id, state = self.mocks.new_resource(MockResourceArgs(typ=token, name=name, inputs=inputs,
                                                                          custom=True))
            found.update({"urn": urn, "id": UNKNOWN if self.preview else str(resource_id)})
            found.get_or_create_struct("state").CopyFrom(
                preview_state(token, struct_pb2.Struct(), state) if self.preview else _serialize_state(state))
            return resource_pb2.ResourceInvokeResponse(**{"return": found})
        found.update({"urn": urn, "id": record.id})
        found.get_or_create_struct("state").CopyFrom(record.outputs or struct_pb2.Struct())
        return resource_pb2.ResourceInvokeResponse(**{"return": found})

    @property
    def unanswered(self) -> bool:
        """Whether the program read a stack reference: its outputs are unknown, which the SDK keeps only in a
        dry run (an unknown invoke result it keeps in any run)."""
        with self._lock:
            return any(key.startswith(STACK_REFERENCE) for key in self.unknown_invokes)

    # -- views -----------------------------------------------------------------------------
    def snapshot(self) -> list[RecordedResource]:
        """All recorded resources in registration order."""
        with self._lock:
            return sorted(self.records.values(), key=lambda r: r.seq)
