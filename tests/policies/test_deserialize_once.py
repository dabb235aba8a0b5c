"""The pack converts each resource's properties once per analyzer call, not once per policy."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format, struct_pb2
from pulumi_policy import policy as sdk

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "policies"))
import _deserialize_once  # noqa: E402

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # the engine's unknown value sentinel, as preflight sends it


def _props(**values: Any) -> struct_pb2.Struct:
    props = struct_pb2.Struct()
    props.update(values)
    return props


def test_the_installed_sdk_is_patched_so_a_changed_sdk_is_noticed() -> None:
    # The pack installs it on import; fixtures import the pack in this process too. Installing again is safe.
    _deserialize_once.install()
    assert isinstance(sdk.json_format, _deserialize_once._OncePerCall), \
        "pulumi_policy.policy no longer converts through json_format: the speed-up is off, re-check the SDK"
    assert sdk._PolicyAnalyzerServicer.Analyze.__wrapped__ is not None  # type: ignore[attr-defined]


def test_within_one_call_a_message_is_converted_once_and_equal(monkeypatch: Any) -> None:
    converted: list[object] = []
    real = json_format.MessageToDict
    monkeypatch.setattr(_deserialize_once.json_format, "MessageToDict",
                        lambda m, *a, **k: converted.append(m) or real(m, *a, **k))
    once = _deserialize_once._OncePerCall()
    first, second = _props(name="a", size=3), _props(name="b")

    @_deserialize_once._scoped
    def analyze(_self: object, request: list[struct_pb2.Struct], _context: object) -> list[Any]:
        return [once.MessageToDict(m) for m in request * 3]

    results = analyze(None, [first, second], None)
    assert converted == [first, second], "each message converted once for three policies"
    assert results[0] is results[2] and results[0] == {"name": "a", "size": 3.0}
    assert results[1] == {"name": "b"}

    converted.clear()
    analyze(None, [first], None)
    assert converted == [first], "the memo lives for one call only"
    once.MessageToDict(first)
    once.MessageToDict(first)
    assert len(converted) == 3, "outside an analyzer call nothing is memoized"


def test_within_one_call_a_tree_is_deserialized_once_and_read_only_for_policies() -> None:
    """Policies share one deserialized tree per message and call; each gets proxies over its own containers."""
    from pulumi_policy.deserialize import deserialize_properties
    from pulumi_policy.proxy import unknown_checking_proxy

    calls: list[object] = []
    once = _deserialize_once._deserialize_once(lambda v: calls.append(v) or deserialize_properties(v))

    @_deserialize_once._scoped
    def analyze(_self: object, request: struct_pb2.Struct, _context: object) -> list[Any]:
        shared = _deserialize_once._OncePerCall.MessageToDict(request)
        return [once(shared) for _ in range(3)]

    trees = analyze(None, _props(tags={"a": "1"}, ports=[1, 2]), None)
    assert len(calls) == 1 and trees[0] is trees[2], "one deserialization for three policies"
    view = unknown_checking_proxy(trees[0])  # what a policy gets: proxies over containers of their own
    view["tags"]["a"] = "changed"
    view["extra"] = True
    assert trees[1] == {"tags": {"a": "1"}, "ports": [1.0, 2.0]}, "no policy changes what another sees"
    analyze(None, _props(x=1), None)
    assert len(calls) == 2, "the memo lives for one call only"


def test_no_policy_of_the_pack_writes_into_the_shared_properties() -> None:
    """Shared proxies are safe only while policies treat ``args.props`` as read-only: every pack policy runs on
    every golden resource through ONE proxy tree, which must come out unchanged."""
    import copy

    from pulumi_policy import ResourceValidationArgs, ResourceValidationPolicy
    from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

    from tests.policies.fixtures import GOLDEN, _opts, pack_policies, urn_of

    resource_policies = [p for p in pack_policies().values() if isinstance(p, ResourceValidationPolicy)]
    assert len(resource_policies) > 50
    for token, golden in GOLDEN.items():
        before = copy.deepcopy(golden)
        shared = unknown_checking_proxy(copy.deepcopy(golden))
        for policy in resource_policies:
            args = ResourceValidationArgs(token, shared, urn_of(token, "subject"), "subject", _opts(), None, {})
            try:
                policy.validate(args, lambda *_a, **_k: None)
            except (UnknownValueError, Exception) as exc:  # noqa: BLE001 - not-applicable and unknowns end a run
                if type(exc).__name__ not in ("_NotApplicableError", "UnknownValueError", "Undecided"):
                    raise
        assert _plain(shared) == before, f"a policy changed the shared properties of {token}"


def _plain(value: Any) -> Any:
    """The data behind the SDK's proxies."""
    from collections.abc import Mapping, Sequence

    if isinstance(value, Mapping):
        return {k: _plain(value[k]) for k in value}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_plain(v) for v in value]
    return value


def _stack_request(keep: Callable[[int], bool], unknown: bool) -> Any:
    """Every golden resource that ``keep`` keeps (by position), linked as a program links them: each one's parent
    is the one before it, it depends on the one two before, a property depends on the first, and every other one
    has a provider. ``unknown`` puts the engine's unknown sentinel into every third resource's first property."""
    from pulumi.runtime.proto import analyzer_pb2

    from tests.policies.fixtures import GOLDEN, urn_of

    request = analyzer_pb2.AnalyzeStackRequest()
    urns = [urn_of(token, "subject") for token in GOLDEN]
    for i, (token, golden) in enumerate(GOLDEN.items()):
        if not keep(i):
            continue
        props = dict(golden)
        if unknown and i % 3 == 0 and props:
            props[next(iter(props))] = UNKNOWN
        resource = analyzer_pb2.AnalyzerResource(type=token, urn=urns[i], name="subject",
                                                 parent=urns[i - 1] if i else "", dependencies=urns[max(0, i - 2):i - 1])
        resource.properties.update(props)
        resource.propertyDependencies["subject"].urns.append(urns[0])
        if i % 2:
            resource.provider.type, resource.provider.urn, resource.provider.name = \
                "pulumi:providers:aws", "urn:pulumi:dev::eks-platform::pulumi:providers:aws::default", "default"
            resource.provider.properties.update({"region": "us-west-2"})
        request.resources.append(resource)
    return request


def _probe(args: Any, report: Any) -> None:
    """A stack policy that reports everything it receives about each resource, so the comparison covers it."""
    from pulumi_policy.proxy import UnknownValueError

    for r in args.resources:
        try:
            props = _plain(r.props)
        except UnknownValueError:  # at preview: the SDK's proxy refuses an unknown value
            props = "unknown"
        seen = {"type": r.resource_type, "urn": r.urn, "name": r.name, "props": props,
                "parent": r.parent.urn if r.parent else None, "dependencies": [d.urn for d in r.dependencies],
                "property_dependencies": {k: [d.urn for d in v] for k, v in r.property_dependencies.items()},
                "provider": [r.provider.resource_type, r.provider.urn, _plain(r.provider.props)] if r.provider else None,
                "options": [r.opts.protect, r.opts.parent, list(r.opts.ignore_changes)]}
        report(repr(seen), r.urn)


@pytest.mark.parametrize("dry_run", [True, False])
def test_analyze_stack_prepared_once_answers_as_the_sdk_does(dry_run: bool, monkeypatch: Any) -> None:
    """The pack's AnalyzeStack builds the stack's resources once for every stack policy; the SDK's own builds them
    per policy. On the same requests (whole and broken-up golden stacks, with unknowns at preview) both give the
    same response, byte for byte, with the pack's policies and a probe that reports all a stack policy receives."""
    from tests.policies.fixtures import GOLDEN_CONFIG, pack_policies

    _deserialize_once.install()
    ours = sdk._PolicyAnalyzerServicer.AnalyzeStack
    assert sdk.VERSION in _deserialize_once.STACK_CHECKED, "a new pulumi-policy: check _stack_once against it"
    theirs = _deserialize_once._scoped(ours.__wrapped__.__wrapped__)  # the SDK's own, with the same memos
    assert ours.__wrapped__ is not theirs.__wrapped__
    monkeypatch.setenv("PULUMI_DRY_RUN", "true" if dry_run else "false")
    probe = sdk.StackValidationPolicy(name="probe", description="what a stack policy receives", validate=_probe)
    policies = [*pack_policies().values(), probe]
    stack_policies = ["probe"] + [p.name for p in policies if isinstance(p, sdk.StackValidationPolicy)][:-1]
    servicer = sdk._PolicyAnalyzerServicer("eks-platform", "0.1.0", policies, sdk.EnforcementLevel.ADVISORY)
    servicer._PolicyAnalyzerServicer__policy_pack_config = dict(GOLDEN_CONFIG)  # type: ignore[attr-defined]
    servicer._PolicyAnalyzerServicer__policy_pack_config_enforcement_level = {  # type: ignore[attr-defined]
        name: sdk.EnforcementLevel.DISABLED if i % 2 else sdk.EnforcementLevel.REMEDIATE
        for i, name in enumerate(stack_policies)}
    fired: set[str] = set()
    for keep in (lambda i: True, lambda i: i % 3 != 1, lambda i: i % 2 == 0):
        request = _stack_request(keep, unknown=dry_run)
        expected, got = theirs(servicer, request, None), ours(servicer, request, None)
        assert got.SerializeToString(deterministic=True) == expected.SerializeToString(deterministic=True)
        fired |= {d.policyName for d in expected.diagnostics if d.enforcementLevel == 1}  # MANDATORY: remediate's
    assert "probe" in fired and len(fired) > 3, "stack policies fire at remediate, so the comparison covers them"
