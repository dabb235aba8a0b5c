"""E1 aws-ec2-securitygroup-disallow-public-internet-ingress: fires on internet ingress, silent otherwise."""

from __future__ import annotations

import pytest

from aws.ec2.securitygroup.disallow_public_internet_ingress import disallow_public_internet_ingress as policy
from tests.policies.fixtures import GOLDEN, resource_args, run

SG = "aws:ec2/securityGroup:SecurityGroup"
RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
VPC_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"


@pytest.mark.parametrize("token", list(GOLDEN))
def test_compliant_fixture_is_silent(token: str) -> None:
    assert run(policy, resource_args(token)) == []


def test_inline_ingress_from_the_world_fires() -> None:
    def change(p: dict) -> None:  # type: ignore[type-arg]
        p["ingress"][0]["cidrBlocks"] = ["0.0.0.0/0"]
        p["ingress"][0].update(fromPort=22, toPort=22)

    (message, _urn), = run(policy, resource_args(SG, change, name="nodes"))
    assert message == ("ingress[0] of SecurityGroup 'nodes' allows port 22/tcp from 0.0.0.0/0. Restrict the source to "
                       "known CIDRs or security groups, or expose the service through a load balancer; if this port "
                       "must be reachable from the internet, list it in allowedPublicPorts in the policy config.")


def test_ipv6_world_and_all_ports_fire() -> None:
    def change(p: dict) -> None:  # type: ignore[type-arg]
        p["ingress"][0] = {"protocol": "-1", "fromPort": 0, "toPort": 0, "ipv6CidrBlocks": ["::/0"]}

    (message, _), = run(policy, resource_args(SG, change))
    assert "allows all ports from ::/0" in message


def test_egress_to_the_world_is_not_ingress() -> None:
    assert GOLDEN[SG]["egress"][0]["cidrBlocks"] == ["0.0.0.0/0"]
    assert run(policy, resource_args(SG)) == []


def test_allowed_public_port_from_config_is_silent() -> None:
    def change(p: dict) -> None:  # type: ignore[type-arg]
        p["ingress"][0]["cidrBlocks"] = ["0.0.0.0/0"]

    args = resource_args(SG, change, config={"allowedPublicPorts": [443]})
    assert run(policy, args) == []
    assert len(run(policy, resource_args(SG, change, config={"allowedPublicPorts": [80]}))) == 1


def test_allowed_ports_never_cover_all_protocols() -> None:
    def change(p: dict) -> None:  # type: ignore[type-arg]
        p["ingress"][0] = {"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}

    assert len(run(policy, resource_args(SG, change, config={"allowedPublicPorts": [443]}))) == 1


def test_standalone_rule_fires_only_for_ingress() -> None:
    (message, _), = run(policy, resource_args(RULE, lambda p: p.update(cidrBlocks=["0.0.0.0/0"]), name="https"))
    assert message.startswith("the ingress rule of SecurityGroupRule 'https' allows port 443/tcp from 0.0.0.0/0.")
    assert run(policy, resource_args(RULE, lambda p: p.update(type="egress", cidrBlocks=["0.0.0.0/0"]))) == []


def test_vpc_ingress_rule_fires() -> None:
    (message, _), = run(policy, resource_args(VPC_RULE, lambda p: p.update(cidrIpv4="0.0.0.0/0"), name="ssh"))
    assert "SecurityGroupIngressRule 'ssh' allows port 22/tcp from 0.0.0.0/0" in message


def test_default_security_group_with_rules_fires() -> None:
    def change(p: dict) -> None:  # type: ignore[type-arg]
        p["egress"] = [{"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}]

    (message, _), = run(policy, resource_args(DEFAULT_SG, change, name="default"))
    assert message.startswith("default security group 'default' has rules")
