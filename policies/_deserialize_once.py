"""Deserialize a resource's properties once per analyzer call instead of once per policy.

pulumi-policy's analyzer converts a resource's properties from protobuf (``json_format.MessageToDict``)
inside its per-policy loop: ``Analyze`` converts each resource once for every resource policy, and
``AnalyzeStack`` converts every resource once for every stack policy. With this pack's 41 rules that
conversion is most of the pack's CPU time (``AnalyzeStack`` at 10,000 resources: 2.7 s).

:func:`install` makes the conversion, and the deserialization that follows it, happen once per message
within one ``Analyze`` or ``AnalyzeStack`` call (95 rules: the per-policy copies were most of the pack's
time). Policies see the shared tree only through the SDK's proxies, which copy its containers for each
policy, so no policy can change what another sees. If the SDK's internals are not where this expects them, nothing
is changed.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from google.protobuf import json_format

_calls = threading.local()


class _OncePerCall:
    """Stands in for ``json_format`` inside ``pulumi_policy.policy``; only ``MessageToDict`` differs."""

    def __getattr__(self, name: str) -> Any:
        return getattr(json_format, name)

    @staticmethod
    def MessageToDict(message: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N802 - the SDK's name
        memo: dict[int, tuple[Any, Any]] | None = getattr(_calls, "memo", None)
        if memo is None or args or kwargs:
            return json_format.MessageToDict(message, *args, **kwargs)
        hit = memo.get(id(message))
        if hit is not None and hit[0] is message:  # the entry holds the message, so its id is not reused
            return hit[1]
        converted = json_format.MessageToDict(message)
        memo[id(message)] = (message, converted)
        return converted


def _deserialize_once(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``deserialize_properties`` memoized per converted message within one call.

    Policies receive the result through pulumi-policy's ``unknown_checking_proxy``, which builds each policy
    containers of its own, so one deserialized tree can be shared by every policy of the call (none can
    change what another sees).
    """
    def deserialize(value: Any) -> Any:
        memo: dict[int, tuple[Any, Any]] | None = getattr(_calls, "deserialized", None)
        if memo is None or not isinstance(value, dict):
            return original(value)
        hit = memo.get(id(value))
        if hit is not None and hit[0] is value:
            return hit[1]
        result = original(value)
        memo[id(value)] = (value, result)
        return result
    return deserialize


def _scoped(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def call(self: Any, request: Any, context: Any) -> Any:
        _calls.memo, _calls.deserialized = {}, {}
        try:
            return method(self, request, context)
        finally:
            _calls.memo = _calls.deserialized = None

    return call


def install() -> bool:
    """Patch the installed pulumi-policy analyzer; return whether it was patched."""
    try:
        from pulumi_policy import policy
    except ImportError:
        return False
    servicer = getattr(policy, "_PolicyAnalyzerServicer", None)
    if servicer is None or getattr(policy, "json_format", None) is not json_format:
        return False
    if not all(callable(getattr(servicer, name, None)) for name in ("Analyze", "AnalyzeStack")):
        return False
    policy.json_format = _OncePerCall()  # type: ignore[assignment]
    if callable(getattr(policy, "deserialize_properties", None)):
        policy.deserialize_properties = _deserialize_once(policy.deserialize_properties)
    for name in ("Analyze", "AnalyzeStack"):
        setattr(servicer, name, _scoped(getattr(servicer, name)))
    return True
