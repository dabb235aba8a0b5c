"""Resource transforms, run the way the engine runs them.

Since Pulumi 3.118 a program's ``transforms`` resource option and ``pulumi.runtime.register_resource_transform``
are not applied by the SDK but by the engine: the SDK sends each transform as a *callback* (a token on its
own gRPC callback server) and the engine calls it for the resource that declared it, for every descendant
of that resource (children registered by a remote component's provider included) and, for stack
transforms, for every resource. The order is the engine's (``pkg/resource/deploy/source_eval.go``,
``RegisterResource``): the resource's own transforms, then its parent's, its grandparent's, ..., then the
stack's, each seeing the previous one's result.

:class:`TransformRunner` keeps that bookkeeping and calls the callbacks over gRPC, exactly as the engine
does, so a program's transforms shape what the policy pack analyzes.
"""

from __future__ import annotations

import re
import threading
from typing import Any

import grpc
from pulumi.runtime.proto import callback_pb2, callback_pb2_grpc, resource_pb2

#: RegisterResourceRequest field -> TransformResourceOptions field, for the options a transform may change.
_REPEATED = {"dependencies": "depends_on", "ignoreChanges": "ignore_changes", "replaceOnChanges": "replace_on_changes",
             "additionalSecretOutputs": "additional_secret_outputs"}
_SCALAR = {"version": "version", "provider": "provider", "deletedWith": "deleted_with",
           "pluginDownloadURL": "plugin_download_url", "importId": "import"}
_PRESENCE = {"protect": "protect", "retainOnDelete": "retain_on_delete"}


_CALLBACK_PREFIX = re.compile(r"^Invoke callback [0-9a-f-]+ error: ")


class TransformError(Exception):
    """A transform callback failed; the message is the program's own error."""


def _options(request: Any) -> resource_pb2.TransformResourceOptions:
    opts = resource_pb2.TransformResourceOptions()
    for req_name, opt_name in _REPEATED.items():
        getattr(opts, opt_name).extend(getattr(request, req_name))
    for req_name, opt_name in _SCALAR.items():
        setattr(opts, opt_name, getattr(request, req_name))
    for req_name, opt_name in _PRESENCE.items():
        if request.HasField(req_name):
            setattr(opts, opt_name, getattr(request, req_name))
    if request.deleteBeforeReplaceDefined:
        opts.delete_before_replace = request.deleteBeforeReplace
    if request.HasField("customTimeouts"):
        opts.custom_timeouts.CopyFrom(request.customTimeouts)
    opts.aliases.extend(request.aliases)
    for key, value in request.providers.items():
        opts.providers[key] = value
    return opts


def _apply_options(request: Any, opts: resource_pb2.TransformResourceOptions) -> None:
    for req_name, opt_name in _REPEATED.items():
        del getattr(request, req_name)[:]
        getattr(request, req_name).extend(getattr(opts, opt_name))
    for req_name, opt_name in _SCALAR.items():
        setattr(request, req_name, getattr(opts, opt_name))
    for req_name, opt_name in _PRESENCE.items():
        if opts.HasField(opt_name):
            setattr(request, req_name, getattr(opts, opt_name))
        else:
            request.ClearField(req_name)
    request.deleteBeforeReplaceDefined = opts.HasField("delete_before_replace")
    request.deleteBeforeReplace = opts.delete_before_replace
    if opts.HasField("custom_timeouts"):
        request.customTimeouts.CopyFrom(opts.custom_timeouts)
    else:
        request.ClearField("customTimeouts")
    del request.aliases[:]
    request.aliases.extend(opts.aliases)
    request.providers.clear()
    for key, value in opts.providers.items():
        request.providers[key] = value


class TransformRunner:
    """Which transforms apply where, and running them on a registration."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stack: list[callback_pb2.Callback] = []
        self._own: dict[str, list[callback_pb2.Callback]] = {}
        self._parents: dict[str, str] = {}

    def register_stack(self, callback: callback_pb2.Callback) -> None:
        with self._lock:
            self._stack.append(callback)

    def settle(self, urn: str, parent: str, own: list[callback_pb2.Callback]) -> None:
        """Remember a registered resource's parent and its own transforms (its descendants inherit them)."""
        with self._lock:
            self._parents[urn] = parent
            if own:
                self._own[urn] = list(own)

    def applicable(self, request: Any) -> list[callback_pb2.Callback]:
        with self._lock:
            found = list(request.transforms)
            current = request.parent
            while current:
                found.extend(self._own.get(current, ()))
                current = self._parents.get(current, "")
            return found + self._stack

    def apply(self, request: Any) -> Any:
        """``request`` after its transforms (a transformed copy; the same object when none apply)."""
        callbacks = self.applicable(request)
        if not callbacks:
            return request
        out = type(request)()
        out.CopyFrom(request)
        channels: dict[str, grpc.Channel] = {}
        try:
            self._run(out, callbacks, channels)
        finally:
            # Closed at once: an idle connection to the SDK's callback server would log its shutdown.
            for channel in channels.values():
                channel.close()
        kept = set(out.object.fields)
        for key in [k for k in out.propertyDependencies if k not in kept]:
            del out.propertyDependencies[key]
        return out

    @staticmethod
    def _run(out: Any, callbacks: list[callback_pb2.Callback], channels: dict[str, grpc.Channel]) -> None:
        for callback in callbacks:
            call = resource_pb2.TransformRequest(type=out.type, name=out.name, custom=out.custom, parent=out.parent,
                                                 properties=out.object, options=_options(out))
            try:
                if callback.target not in channels:
                    channels[callback.target] = grpc.insecure_channel(callback.target)
                raw = callback_pb2_grpc.CallbacksStub(channels[callback.target]).Invoke(callback_pb2.CallbackInvokeRequest(
                    token=callback.token, request=call.SerializeToString()))
            except grpc.RpcError as exc:
                details = _CALLBACK_PREFIX.sub("", exc.details() or "").strip()
                raise TransformError(f"a transform of {out.type} '{out.name}' failed: {details}") from None
            response = resource_pb2.TransformResponse.FromString(raw.response)
            out.object.CopyFrom(response.properties)
            if response.HasField("options"):
                _apply_options(out, response.options)
