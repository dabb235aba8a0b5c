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

import asyncio
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


#: pulumi-policy releases whose ``AnalyzeStack`` :func:`_stack_once` was checked against (a test compares the two
#: on a stack of every golden resource, in both phases); with another release the SDK's own runs.
STACK_CHECKED = ("1.21.0",)


def _stack_resources(servicer: Any, request: Any, sdk: Any) -> list[Any]:
    """The stack's resources, each with its parent, dependencies and property dependencies linked, as
    pulumi-policy's ``AnalyzeStack`` prepares them for a stack policy (a later resource with the same URN wins)."""
    built = []
    for r in request.resources:
        props = sdk.unknown_checking_proxy(sdk.deserialize_properties(sdk.json_format.MessageToDict(r.properties)))
        resource = sdk.PolicyResource(r.type, props, r.urn, r.name, servicer._get_resource_options(r),
                                      servicer._get_provider_resource(r), None, [], {})
        built.append((resource, r))
    by_urn = {resource.urn: resource for resource, _ in built}
    for resource, r in built:
        if r.parent in by_urn:
            resource.parent = by_urn[r.parent]
        resource.dependencies.extend(by_urn[d] for d in r.dependencies if d in by_urn)
        for key, deps in r.propertyDependencies.items():
            resource.property_dependencies[key] = [by_urn[d] for d in deps.urns if d in by_urn]
    return [resource for resource, _ in built]


def _stack_once(sdk: Any) -> Callable[..., Any]:
    """``AnalyzeStack`` that prepares the stack's resources once for all the pack's stack policies.

    pulumi-policy rebuilds every resource (properties, options, provider, parent and dependency links) for each
    stack policy in turn: with this pack's stack policies that loop was most of ``AnalyzeStack``'s time (3 s at
    10,000 resources). Here it runs once; each policy gets its own list of the same resources, which, like
    ``args.props``, policies only read. Everything else is the SDK's: enforcement levels (remediate counts as
    mandatory for a stack), the violation reporter, per-policy config, awaitable policies, and the diagnostic for
    a policy that met an unknown value.
    """
    original = sdk._PolicyAnalyzerServicer.AnalyzeStack

    @functools.wraps(original)
    def AnalyzeStack(self: Any, request: Any, _context: Any) -> Any:  # noqa: N802 - the gRPC method's name
        self._configure_runtime_settings()
        response = sdk.proto.AnalyzeResponse()
        resources: list[Any] | None = None
        for policy in self._PolicyAnalyzerServicer__policies:
            level = self._get_enforcement_level(policy)
            if level == sdk.EnforcementLevel.DISABLED or not isinstance(policy, sdk.StackValidationPolicy):
                continue
            if level == sdk.EnforcementLevel.REMEDIATE:
                level = sdk.EnforcementLevel.MANDATORY
            report = self._create_report_violation(response, policy.name, policy.description, level, policy.severity)
            if resources is None:
                resources = _stack_resources(self, request, sdk)
            args = sdk.StackValidationArgs(list(resources), self._get_policy_config(policy.name),
                                           self._PolicyAnalyzerServicer__stack_tags)
            try:
                result = policy.validate(args, report)
                if sdk.isawaitable(result):
                    loop = asyncio.new_event_loop()
                    loop.run_until_complete(asyncio.Task(result, loop=loop))
                    loop.close()
            except sdk.UnknownValueError as e:
                name = self._PolicyAnalyzerServicer__policy_pack_name
                version = self._PolicyAnalyzerServicer__policy_pack_version
                response.diagnostics.append(sdk.proto.AnalyzeDiagnostic(
                    policyName=policy.name, policyPackName=name, policyPackVersion=version,
                    message=f"can't run policy '{policy.name}' from policy pack '{name}@v{version}' during preview: "
                            f"{e.message}",
                    urn="", description=policy.description,
                    enforcementLevel=self._map_enforcement_level(sdk.EnforcementLevel.ADVISORY)))
            except sdk._NotApplicableError as e:
                response.not_applicable.append(sdk.proto.PolicyNotApplicable(policy_name=policy.name,
                                                                              reason=e.reason or ""))
        return response

    return AnalyzeStack


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
    if getattr(policy, "VERSION", None) in STACK_CHECKED:
        servicer.AnalyzeStack = _stack_once(policy)
    for name in ("Analyze", "AnalyzeStack"):
        setattr(servicer, name, _scoped(getattr(servicer, name)))
    return True
