"""A rule that raises on one resource yields a violation of that rule naming the resource and the error, at the
rule's enforcement level, and every other verdict still comes: in-process, through a pack's analyzer server, and
in the eks-platform pack's own assembly."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from typing import Any

import _isolation  # noqa: E402  (policies/ is on sys.path)
import pytest
from google.protobuf import struct_pb2
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationPolicy,
)
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

from preflight._wire import UNKNOWN
from preflight.analyzer import start_pack
from tests.conftest import FIXTURES, REPO
from tests.policies.fixtures import resource_args, run, stack_args

SG = "aws:ec2/securityGroup:SecurityGroup"
SG_URN = "urn:pulumi:dev::eks-platform::aws:ec2/securityGroup:SecurityGroup::subject"


def _raising(kind: type[BaseException] = TypeError, message: str = "int() argument must be a string") -> Any:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        report("a finding before the defect")
        raise kind(message)
    return validate


def test_an_exception_becomes_a_violation_naming_rule_resource_and_error() -> None:
    policy = _isolation.isolate(ResourceValidationPolicy(name="r", description="d", validate=_raising()))
    found = run(policy, resource_args(SG))
    assert found[0] == ("a finding before the defect", None), "what the rule reported before failing is kept"
    message, urn = found[1]
    assert urn == SG_URN
    assert message.startswith(f"the rule r failed on {SG_URN} and could not judge it: "
                              "TypeError: int() argument must be a string."), message
    assert "Traceback" not in message and "\n" not in message


def test_long_messages_are_bounded_and_on_one_line() -> None:
    policy = _isolation.isolate(ResourceValidationPolicy(
        name="r", description="d", validate=_raising(ValueError, "line\n" + "x" * 200_000)))
    message = run(policy, resource_args(SG))[1][0]
    assert len(message) < 700 and "\n" not in message and "ValueError: line xxx" in message


@pytest.mark.parametrize("exc", [UnknownValueError(UNKNOWN, "spec.x"), _NotApplicableError("not mine")])
def test_the_sdk_control_flow_passes_through_unchanged(exc: BaseException) -> None:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        raise exc
    policy = _isolation.isolate(ResourceValidationPolicy(name="r", description="d", validate=validate))
    with pytest.raises(type(exc)):
        run(policy, resource_args(SG))


def test_an_unknown_read_through_the_proxy_still_means_cannot_run() -> None:
    policy = _isolation.isolate(ResourceValidationPolicy(
        name="r", description="d", validate=lambda args, report: int(args.props["fromPort"])))
    args = ResourceValidationArgs(SG, unknown_checking_proxy({"fromPort": UNKNOWN}), SG_URN, "subject", None, None, {})
    with pytest.raises(UnknownValueError):
        policy.validate(args, lambda *a: None)


def test_stack_policies_report_on_the_stack_and_keep_earlier_findings() -> None:
    def validate(args: Any, report: ReportViolation) -> None:
        report("first", SG_URN)
        raise RecursionError("maximum recursion depth exceeded")
    policy = _isolation.isolate(StackValidationPolicy(name="s", description="d", validate=validate))
    found = run(policy, stack_args([]))
    assert found[0] == ("first", SG_URN)
    assert found[1][1] is None and "the rule s failed on the stack" in found[1][0]
    assert "RecursionError: maximum recursion depth exceeded" in found[1][0]


def test_async_validations_are_guarded_too() -> None:
    async def validate(args: Any, report: ReportViolation) -> None:
        raise ZeroDivisionError("division by zero")
    policy = _isolation.isolate(ResourceValidationPolicy(name="r", description="d", validate=validate))
    found: list[tuple[str, Any]] = []
    result = policy.validate(resource_args(SG), lambda m, u=None: found.append((m, u)))
    asyncio.run(result)  # type: ignore[arg-type]
    assert len(found) == 1 and "division by zero" in found[0][0], found  # the SDK wraps it in RuntimeError


def test_isolation_keeps_the_policy_as_it_was_and_is_idempotent() -> None:
    policy = ResourceValidationPolicy(name="r", description="d", validate=_raising(),
                                      enforcement_level=EnforcementLevel.MANDATORY)
    assert _isolation.isolate(_isolation.isolate(policy)) is policy
    assert (policy.name, policy.enforcement_level, policy.has_validation()) == ("r", EnforcementLevel.MANDATORY, True)
    assert len(run(policy, resource_args(SG))) == 2, "wrapped once, not twice"


# -- through a pack's analyzer server (as the CLI and preflight start it) -------------------------------------

def _struct(props: dict[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(props)
    return struct


def _analyze(pack: Any, token: str, name: str, props: dict[str, Any]) -> Any:
    urn = f"urn:pulumi:dev::p::{token}::{name}"
    return pack.call("Analyze", analyzer_pb2.AnalyzeRequest(type=token, name=name, urn=urn,
                                                            properties=_struct(props)))


def test_through_the_analyzer_server_a_raising_rule_is_one_violation_among_the_others() -> None:
    pack, _info = start_pack(FIXTURES / "packs" / "raising", "p", "dev", {}, [], {}, dry_run=True, timeout=120)
    try:
        sg = _analyze(pack, SG, "web", {"description": "web", "ingress": [{"cidrBlocks": ["0.0.0.0/0"]}]})
        by_policy = {d.policyName: d for d in sg.diagnostics}
        assert set(by_policy) == {"uid-is-numeric", "no-world-ingress"}, sg
        failed = by_policy["uid-is-numeric"]
        assert failed.enforcementLevel == analyzer_pb2.MANDATORY, "at the rule's own enforcement level"
        assert failed.urn == f"urn:pulumi:dev::p::{SG}::web"
        assert "the rule uid-is-numeric failed on urn:pulumi:dev::p::" in failed.message
        assert "ValueError: invalid literal for int() with base 10: 'web'" in failed.message
        assert by_policy["no-world-ingress"].enforcementLevel == analyzer_pb2.ADVISORY
        vpc = _analyze(pack, "aws:ec2/vpc:Vpc", "net", {"cidrBlock": "10.0.0.0/16"})
        assert [d.message.splitlines()[-1] for d in vpc.diagnostics] == ["vpc 'net' judged"]
        stack = pack.call("AnalyzeStack", analyzer_pb2.AnalyzeStackRequest())
        messages = sorted((d.policyName, d.message.splitlines()[-1]) for d in stack.diagnostics)
        assert messages[0] == ("stack-counts", "0 resources")
        assert messages[1] == ("stack-raises", "found before the defect")
        assert messages[2][0] == "stack-raises" and "KeyError: 'missing-key'" in messages[2][1]
    finally:
        pack.close()


def test_the_eks_platform_pack_isolates_every_policy_it_assembles() -> None:
    """Runs policies/__main__.py with PolicyPack replaced by a recorder: the real assembly, without a server."""
    script = (
        "import json, runpy, sys, pulumi_policy\n"
        "seen = {}\n"
        "class Recorder:\n"
        "    def __init__(self, **kwargs):\n"
        "        seen.update({p.name: bool(getattr(p, '_eks_platform_isolated', False)) for p in kwargs['policies']})\n"
        "pulumi_policy.PolicyPack = Recorder\n"
        f"runpy.run_path({str(REPO / 'policies' / '__main__.py')!r}, run_name='__main__')\n"
        "print(json.dumps(seen))\n")
    proc = subprocess.run([sys.executable, "-c", script], cwd=REPO / "policies", capture_output=True, text=True,
                          timeout=120, check=True)
    seen = json.loads(proc.stdout.splitlines()[-1])
    assert len(seen) > 90
    assert [name for name, isolated in seen.items() if not isolated] == []


def test_remediate_runs_as_the_sdk_defines_it_for_rules_without_a_remediation() -> None:
    """``remediate`` on a validation-only rule: Remediate reports it not applicable, Analyze reports at mandatory
    (pulumi_policy ``Analyze`` downgrades remediate to mandatory). The pack used to crash in Remediate."""
    config = {"all": {"enforcementLevel": "remediate", "properties": {}}}
    pack, _info = start_pack(REPO / "policies", "p", "dev", {}, [], config, dry_run=False, timeout=120)
    try:
        token = "aws:ec2/securityGroup:SecurityGroup"
        props = {"description": "open", "vpcId": "vpc-1",
                 "ingress": [{"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": ["0.0.0.0/0"]}]}
        request = analyzer_pb2.AnalyzeRequest(type=token, name="web", urn=f"urn:pulumi:dev::p::{token}::web",
                                              properties=_struct(props))
        remediated = pack.call("Remediate", request)
        assert not remediated.remediations
        assert "aws-ec2-securitygroup-disallow-public-internet-ingress" in {n.policy_name
                                                                            for n in remediated.not_applicable}
        diagnostics = pack.call("Analyze", request).diagnostics
        levels = {d.policyName: d.enforcementLevel for d in diagnostics}
        assert levels["aws-ec2-securitygroup-disallow-public-internet-ingress"] == analyzer_pb2.MANDATORY
        assert set(levels.values()) == {analyzer_pb2.MANDATORY}, "advisory rules set to remediate become mandatory"
    finally:
        pack.close()
