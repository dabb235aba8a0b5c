"""aws-ec2-securitygroup-disallow-unrestricted-egress: every protocol to the internet, in each rule shape."""

from __future__ import annotations

from typing import Any

import pytest
from _known import Undecided
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from aws.ec2.securitygroup.disallow_public_internet_ingress import disallow_public_internet_ingress
from aws.ec2.securitygroup.disallow_unrestricted_egress import disallow_unrestricted_egress as policy
from tests.policies.fixtures import GOLDEN, resource_args, run

SG = "aws:ec2/securityGroup:SecurityGroup"
RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
VPC_EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
OPEN = {"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"], "description": "everything out"}


def egress(*entries: dict[str, Any]) -> Any:
    return lambda p: p.update(egress=list(entries))


@pytest.mark.parametrize("token", sorted(GOLDEN))
def test_golden_fixtures_are_silent(token: str) -> None:
    assert run(policy, resource_args(token)) == []


def test_all_protocols_to_the_internet_fires() -> None:
    (message, urn), = run(policy, resource_args(SG, egress(OPEN), name="open-egress"))
    assert message == ("egress[0] of SecurityGroup 'open-egress' allows all protocols and ports to 0.0.0.0/0. Allow "
                       "only the protocols and ports the workload needs (e.g. tcp 443 to 0.0.0.0/0, or all protocols "
                       "to the VPC CIDR) and reach AWS services through VPC endpoints; if this group's component "
                       "needs open egress (nodes, the control plane), list its logical name in allowedResources in "
                       "the policy config.")
    assert urn is None


@pytest.mark.parametrize("entry", [
    {"protocol": "all", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]},
    {"protocol": "-1", "fromPort": 0, "toPort": 0, "ipv6CidrBlocks": ["::/0"]},
    {"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["10.0.0.0/8", "0.0.0.0/0"]},
])
def test_other_spellings_of_everything_fire(entry: dict[str, Any]) -> None:
    assert len(run(policy, resource_args(SG, egress(GOLDEN[SG]["egress"][0], entry)))) == 1


@pytest.mark.parametrize("entry", [
    {"protocol": "tcp", "fromPort": 0, "toPort": 65535, "cidrBlocks": ["0.0.0.0/0"]},
    {"protocol": "udp", "fromPort": 53, "toPort": 53, "cidrBlocks": ["0.0.0.0/0"]},
    {"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["10.80.0.0/16"]},
    {"protocol": "-1", "fromPort": 0, "toPort": 0, "securityGroups": ["sg-0123"]},
    {"protocol": "-1", "fromPort": 0, "toPort": 0, "prefixListIds": ["pl-0123"]},
])
def test_scoped_egress_is_silent(entry: dict[str, Any]) -> None:
    assert run(policy, resource_args(SG, egress(entry))) == []


def test_an_omitted_egress_is_no_egress() -> None:
    """pulumi-aws removes AWS's default allow-all egress rule when ``egress`` is not given."""
    assert run(policy, resource_args(SG, lambda p: p.pop("egress"))) == []


def open_rule(kind: str) -> Any:
    return lambda p: p.update(type=kind, protocol="-1", fromPort=0, toPort=0, cidrBlocks=["0.0.0.0/0"])


def test_a_standalone_rule_fires_only_for_egress() -> None:
    (message, _), = run(policy, resource_args(RULE, open_rule("egress"), name="open-egress-rule"))
    assert message.startswith("the egress rule of SecurityGroupRule 'open-egress-rule' allows all protocols and "
                              "ports to 0.0.0.0/0.")
    assert run(policy, resource_args(RULE, open_rule("ingress"))) == []


def test_a_vpc_egress_rule_fires() -> None:
    (message, _), = run(policy, resource_args(VPC_EGRESS, lambda p: p.update(ipProtocol="-1", cidrIpv6="::/0"),
                                              name="open-egress-vpc-rule"))
    assert message.startswith("the egress rule of SecurityGroupEgressRule 'open-egress-vpc-rule' allows all "
                              "protocols and ports to 0.0.0.0/0, ::/0.")


def test_ingress_rules_are_not_egress() -> None:
    def change(p: dict[str, Any]) -> None:
        p["ingress"] = [{"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}]

    assert run(policy, resource_args(SG, change)) == []
    assert run(policy, resource_args("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                                     lambda p: p.update(ipProtocol="-1", cidrIpv4="0.0.0.0/0"))) == []


@pytest.mark.parametrize("name", ["eks-prod-nodes-sg", "eks-prod-cluster-sg", "platform-custom-sg"])
def test_allowlisted_names_are_not_applicable(name: str) -> None:
    config = {"allowedResources": ["*-cluster-sg", "*-custom-sg", "*-nodes-sg"]}
    with pytest.raises(_NotApplicableError):
        run(policy, resource_args(SG, egress(OPEN), name=name, config=config))


@pytest.mark.parametrize("name", ["eks-prod-nodes-sg-extra", "open-egress", "nodes-sg"])
def test_names_outside_the_patterns_still_fire(name: str) -> None:
    config = {"allowedResources": ["*-cluster-sg", "*-nodes-sg"]}
    assert len(run(policy, resource_args(SG, egress(OPEN), name=name, config=config))) == 1


def test_the_allowlist_is_empty_by_default() -> None:
    assert len(run(policy, resource_args(SG, egress(OPEN), name="eks-prod-nodes-sg"))) == 1


def test_a_destination_a_resource_computes_is_not_the_internet() -> None:
    entry = {**OPEN, "cidrBlocks": [UNKNOWN_STRING_VALUE]}
    assert run(policy, resource_args(SG, egress(entry))) == []
    assert run(policy, resource_args(VPC_EGRESS, lambda p: p.update(ipProtocol="-1", cidrIpv4=UNKNOWN_STRING_VALUE))) \
        == []


def test_an_unknown_protocol_decides_at_up_only_where_the_destination_is_the_internet() -> None:
    assert run(policy, resource_args(SG, egress({**OPEN, "protocol": UNKNOWN_STRING_VALUE,
                                                 "cidrBlocks": ["10.0.0.0/8"]}))) == []
    found: list[str] = []
    with pytest.raises(Undecided, match=r"^\.protocol .*decides it during `pulumi up`"):
        policy.validate(resource_args(SG, egress({**OPEN, "protocol": UNKNOWN_STRING_VALUE}, OPEN)),
                        lambda message, urn=None: found.append(message))
    assert [m.split(" allows")[0] for m in found] == ["egress[1] of SecurityGroup 'subject'"], \
        "the known entry is reported before the rule stops on the unknown one"


def test_an_egress_list_unknown_at_preview_is_decided_at_up() -> None:
    with pytest.raises(Undecided, match=r"^\.egress "):
        run(policy, resource_args(SG, lambda p: p.update(egress=UNKNOWN_STRING_VALUE)))


def test_the_ingress_rule_shares_the_adapter_and_still_ignores_egress() -> None:
    assert run(disallow_public_internet_ingress, resource_args(SG, egress(OPEN))) == []
    assert run(disallow_public_internet_ingress, resource_args(VPC_EGRESS, lambda p: p.update(ipProtocol="-1"))) == []
