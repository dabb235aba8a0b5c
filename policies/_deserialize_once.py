"""Prepare each resource's properties once per analyzer call instead of once per policy.

pulumi-policy's analyzer converts a resource's properties from protobuf (``json_format.MessageToDict``),
deserializes them, and wraps them in its unknown-checking proxies inside its per-policy loop: ``Analyze``
does it once for every resource policy, and ``AnalyzeStack`` once per resource for every stack policy,
together with the resource's options and provider. With this pack's 95 rules that preparation was most of
the pack's CPU time (a proxy tree per policy: 42% of ``Analyze``).

:func:`install` makes each of these happen once per message within one ``Analyze`` or ``AnalyzeStack``
call, and shares the result among the call's policies. A policy must therefore treat ``args.props`` as
read-only, as the policy SDK documents (remediations return new properties); no policy of this pack writes
into them, which a test checks for every policy on every golden resource. If the SDK's internals are not
where this expects them, nothing is changed.
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
    def deserialize(value: Any, *rest: Any, **options: Any) -> Any:
        # ``Remediate`` passes ``proxy_secrets=True`` positionally: only the one-argument form is shared.
        memo: dict[int, tuple[Any, Any]] | None = getattr(_calls, "deserialized", None)
        if memo is None or rest or options or not isinstance(value, dict):
            return original(value, *rest, **options)
        hit = memo.get(id(value))
        if hit is not None and hit[0] is value:
            return hit[1]
        result = original(value)
        memo[id(value)] = (value, result)
        return result
    return deserialize


def _per_call(original: Callable[..., Any], slot: str) -> Callable[..., Any]:
    """``original`` memoized on the identity of its first argument within one analyzer call."""
    def once(first: Any, *rest: Any) -> Any:
        memo: dict[tuple[int, ...], tuple[Any, Any]] | None = getattr(_calls, slot, None)
        if memo is None:
            return original(first, *rest)
        key = (id(first), *map(id, rest))
        hit = memo.get(key)
        if hit is not None and hit[0] is first:
            return hit[1]
        result = original(first, *rest)
        memo[key] = (first, result)
        return result
    return once


def _bound_per_call(method: Callable[..., Any]) -> Callable[..., Any]:
    """A servicer method of one request (resource options, provider), computed once per request and call."""
    @functools.wraps(method)
    def once(self: Any, request: Any) -> Any:
        memo: dict[tuple[str, int], tuple[Any, Any]] | None = getattr(_calls, "options", None)
        if memo is None:
            return method(self, request)
        key = (method.__name__, id(request))
        hit = memo.get(key)
        if hit is not None and hit[0] is request:
            return hit[1]
        result = method(self, request)
        memo[key] = (request, result)
        return result
    return once


def _scoped(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def call(self: Any, request: Any, context: Any) -> Any:
        _calls.memo, _calls.deserialized, _calls.proxies, _calls.options = {}, {}, {}, {}
        try:
            return method(self, request, context)
        finally:
            _calls.memo = _calls.deserialized = _calls.proxies = _calls.options = None

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
    if callable(getattr(policy, "unknown_checking_proxy", None)):
        policy.unknown_checking_proxy = _per_call(policy.unknown_checking_proxy, "proxies")
    for name in ("_get_resource_options", "_get_provider_resource"):
        method = getattr(servicer, name, None)
        if callable(method):
            setattr(servicer, name, _bound_per_call(method))
    for name in ("Analyze", "AnalyzeStack"):
        setattr(servicer, name, _scoped(getattr(servicer, name)))
    return True
