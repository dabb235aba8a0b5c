"""E2 aws-ec2-securitygroup-missing-description: fires on undocumented groups and rules."""

from __future__ import annotations

import pytest

from aws.ec2.securitygroup.missing_description import missing_description as policy
from tests.policies.fixtures import GOLDEN, resource_args, run

SG = "aws:ec2/securityGroup:SecurityGroup"


@pytest.mark.parametrize("token", list(GOLDEN))
def test_compliant_fixture_is_silent(token: str) -> None:
    assert run(policy, resource_args(token)) == []


@pytest.mark.parametrize("description", [None, "", "Managed by Pulumi"])
def test_group_without_description_fires(description: object) -> None:
    (message, _), = run(policy, resource_args(SG, lambda p: p.update(description=description), name="nodes"))
    assert message == "SecurityGroup 'nodes' has no description; set description= to say what may reach it."


def test_inline_rule_without_description_fires() -> None:
    (message, _), = run(policy, resource_args(SG, lambda p: p["egress"][0].pop("description"), name="nodes"))
    assert message.startswith("egress[0] of SecurityGroup 'nodes' has no description")


def test_standalone_rule_without_description_fires() -> None:
    token = "aws:ec2/securityGroupRule:SecurityGroupRule"
    (message, _), = run(policy, resource_args(token, lambda p: p.pop("description"), name="https"))
    assert message == "SecurityGroupRule 'https' has no description; set description=."
