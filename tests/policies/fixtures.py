"""Golden, compliant policy inputs per resource type; tests change one field and expect one violation.

Props go through the policy SDK's own ``unknown_checking_proxy``, so policies see the same Mapping and
Sequence proxies they get from the analyzer server.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from pulumi_policy import PolicyResourceOptions, ResourceValidationArgs
from pulumi_policy.policy import PolicyCustomTimeouts, PolicyResource, StackValidationArgs
from pulumi_policy.proxy import unknown_checking_proxy

STACK = "urn:pulumi:dev::eks-platform::pulumi:pulumi:Stack::eks-platform-dev"

GOLDEN: dict[str, dict[str, Any]] = {
    "aws:ec2/securityGroup:SecurityGroup": {
        "vpcId": "vpc-0123456789abcdef0",
        "description": "nodes of cluster eks-dev",
        "ingress": [{"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["10.10.0.0/16"],
                     "description": "API server from the VPC"}],
        "egress": [{"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"],
                    "description": "all egress"}],
    },
    "aws:ec2/securityGroupRule:SecurityGroupRule": {
        "type": "ingress", "protocol": "tcp", "fromPort": 443, "toPort": 443,
        "cidrBlocks": ["10.0.0.0/8"], "securityGroupId": "sg-0123", "description": "HTTPS from the VPC",
    },
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": {
        "ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "cidrIpv4": "10.0.0.0/8",
        "securityGroupId": "sg-0123", "description": "SSH from the VPN",
    },
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": {"vpcId": "vpc-0123", "ingress": [], "egress": []},
}


def urn_of(token: str, name: str) -> str:
    return f"urn:pulumi:dev::eks-platform::{token}::{name}"


def _opts() -> PolicyResourceOptions:
    return PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], STACK)


def resource_args(token: str, change: Callable[[dict[str, Any]], None] | None = None, name: str = "subject",
                  config: dict[str, Any] | None = None) -> ResourceValidationArgs:
    """A compliant resource of ``token``, optionally changed by ``change`` (which edits the props dict)."""
    props = copy.deepcopy(GOLDEN[token])
    if change is not None:
        change(props)
    return ResourceValidationArgs(token, unknown_checking_proxy(props), urn_of(token, name), name, _opts(), None,
                                  config or {})


def stack_resource(token: str, name: str, props: dict[str, Any],
                   property_dependencies: dict[str, list[PolicyResource]] | None = None) -> PolicyResource:
    return PolicyResource(token, unknown_checking_proxy(props), urn_of(token, name), name, _opts(), None, None, [],
                          property_dependencies or {})


def stack_args(resources: list[PolicyResource], config: dict[str, Any] | None = None) -> StackValidationArgs:
    return StackValidationArgs(resources, config or {})


def run(policy: Any, args: Any) -> list[tuple[str, str | None]]:
    """Run a policy's validate; return (message, urn) for each violation reported."""
    found: list[tuple[str, str | None]] = []
    policy.validate(args, lambda message, urn=None: found.append((message, urn)))
    return found
