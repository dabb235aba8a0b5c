"""Markers the Pulumi wire format uses for special property values (see ``pulumi/runtime/rpc.py``)."""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format, struct_pb2

SIG_KEY = "4dabf18193072939515e22adb298388d"
"""Key that marks a map as a special value; its value says which kind."""
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
OUTPUT_VALUE_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""The string that stands for a value not known until the resource exists."""


_RESOURCE_SIG_BYTES = RESOURCE_SIG.encode()


def is_secret(value: Any) -> bool:
    """Whether ``value`` is a secret in wire form (``{SIG_KEY: SECRET_SIG, "value": ...}``)."""
    return isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG


def _downgrade(value: Any) -> Any:
    if isinstance(value, dict):
        if value.get(SIG_KEY) == RESOURCE_SIG:
            return value.get("id") or value.get("urn", "")
        return {k: _downgrade(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_downgrade(v) for v in value]
    return value


def engine_properties(props: struct_pb2.Struct) -> struct_pb2.Struct:
    """Properties as the engine marshals them for analyzers and for providers without resource refs.

    The engine marshals with ``KeepResources`` off, so a resource reference arrives as the resource's
    ID (custom resources) or URN (components); policy SDKs and mock providers do not accept references.
    Returns ``props`` itself when it holds no reference.
    """
    if _RESOURCE_SIG_BYTES not in props.SerializeToString():
        return props
    out = struct_pb2.Struct()
    out.update(_downgrade(json_format.MessageToDict(props)))
    return out
