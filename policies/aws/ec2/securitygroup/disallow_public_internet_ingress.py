"""E1: no ingress from the internet on security groups (CIS EKS 5.4.x, BPG network "Security groups")."""

from __future__ import annotations

from typing import Any

from _known import UNKNOWN, elements, get, known
from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from _helpers import describe_ports, port_range, world_cidrs

SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
VPC_INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"

_FIX = ("Restrict the source to known CIDRs or security groups, or expose the service through a load balancer; "
        "if this port must be reachable from the internet, list it in allowedPublicPorts in the policy config.")


def _allowed(low: int, high: int, protocol: str, allowed: set[int]) -> bool:
    return protocol != "all" and high - low < 1024 and all(p in allowed for p in range(low, high + 1))


def _check_rule(args: ResourceValidationArgs, report: ReportViolation, rule: dict[str, Any], sources: list[str],
                allowed: set[int], what: str) -> None:
    # A source unknown at preview is a range a resource of this stack computes (a VPC's or a subnet's):
    # only a literal 0.0.0.0/0 or ::/0 written in the program opens a port to the internet.
    world = world_cidrs([s for s in sources if s is not UNKNOWN])
    if not world:
        return
    low, high, protocol = port_range(rule)
    if _allowed(low, high, protocol, allowed):
        return
    report(f"{what} of {args.resource_type.split(':')[-1]} '{args.name}' allows {describe_ports(low, high, protocol)} "
           f"from {', '.join(world)}. {_FIX}")


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    allowed = {int(p) for p in args.get_config().get("allowedPublicPorts", [])}
    props = args.props
    if args.resource_type == SECURITY_GROUP:
        for i, rule in enumerate(elements(known(get(props, "ingress"), "ingress"))):
            sources = elements(get(rule, "cidrBlocks")) + elements(get(rule, "ipv6CidrBlocks"))
            _check_rule(args, report, rule, sources, allowed, f"ingress[{i}]")
    elif args.resource_type == SECURITY_GROUP_RULE:
        if known(get(props, "type"), "type") == "ingress":
            sources = elements(get(props, "cidrBlocks")) + elements(get(props, "ipv6CidrBlocks"))
            _check_rule(args, report, props, sources, allowed, "the ingress rule")
    elif args.resource_type == VPC_INGRESS_RULE:
        sources = elements(get(props, "cidrIpv4")) + elements(get(props, "cidrIpv6"))
        _check_rule(args, report, props, sources, allowed, "the ingress rule")
    elif args.resource_type == DEFAULT_SECURITY_GROUP:
        if elements(known(get(props, "ingress"), "ingress")) or elements(known(get(props, "egress"), "egress")):
            report(f"default security group '{args.name}' has rules; the VPC's default security group must allow "
                   "nothing (CIS AWS 5.4). Set ingress=[] and egress=[] and use dedicated security groups.")


disallow_public_internet_ingress = ResourceValidationPolicy(
    name="aws-ec2-securitygroup-disallow-public-internet-ingress",
    description="Security groups must not allow ingress from the internet (0.0.0.0/0 or ::/0).",
    validate=_validate,
    severity=Severity.CRITICAL,
    tags=["network", "cis-eks-5.4", "ckv-aws-24", "ckv-aws-25", "ckv-aws-260"],
    remediation_steps=_FIX,
    url="https://docs.aws.amazon.com/eks/latest/best-practices/network-security.html",
    config_schema=PolicyConfigSchema(properties={
        "allowedPublicPorts": {
            "type": "array",
            "items": {"type": "integer", "minimum": 1, "maximum": 65535},
            "default": [],
            "description": "Ports (e.g. 443) that may be open to the internet. Empty: none.",
        },
    }),
)
