"""E8 aws-ec2-vpc-enable-flow-logs (stack policy): follows the FlowLog's vpcId property dependency."""

from __future__ import annotations

import pytest
from pulumi_policy.policy import _NotApplicableError

from aws.ec2.vpc.enable_flow_logs import enable_flow_logs as policy
from tests.policies.fixtures import run, stack_args, stack_resource

VPC = "aws:ec2/vpc:Vpc"
FLOW = "aws:ec2/flowLog:FlowLog"


def test_vpc_with_flow_log_by_dependency_is_silent() -> None:
    vpc = stack_resource(VPC, "main", {"cidrBlock": "10.0.0.0/16"})
    flow = stack_resource(FLOW, "main-flow", {"vpcId": "vpc-1", "trafficType": "ALL"}, {"vpcId": [vpc]})
    assert run(policy, stack_args([vpc, flow])) == []


def test_vpc_with_flow_log_by_id_is_silent() -> None:
    vpc = stack_resource(VPC, "main", {"id": "vpc-1", "cidrBlock": "10.0.0.0/16"})
    flow = stack_resource(FLOW, "main-flow", {"vpcId": "vpc-1"})
    assert run(policy, stack_args([vpc, flow])) == []


def test_vpc_without_flow_log_fires_on_the_vpc_urn() -> None:
    covered = stack_resource(VPC, "main", {"cidrBlock": "10.0.0.0/16"})
    bare = stack_resource(VPC, "sandbox", {"cidrBlock": "10.1.0.0/16"})
    flow = stack_resource(FLOW, "main-flow", {"vpcId": "vpc-1"}, {"vpcId": [covered]})
    (message, urn), = run(policy, stack_args([covered, bare, flow]))
    assert urn == bare.urn
    assert message.startswith("VPC 'sandbox' has no flow log.")


def test_no_vpc_is_not_applicable() -> None:
    with pytest.raises(_NotApplicableError):
        run(policy, stack_args([stack_resource(FLOW, "orphan", {"vpcId": "vpc-9"})]))
