"""E1: no ingress from the internet on security groups (CKV_AWS_24/25/260/277, CKV2_AWS_12; BPG network "Security groups")."""

from __future__ import annotations

from _known import elements, get, known
from _metadata import RuleMetadata
from _security_groups import DEFAULT_SECURITY_GROUP, Rule, rules
from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from _helpers import describe_ports, port_range

_FIX = ("Restrict the source to known CIDRs or security groups, or expose the service through a load balancer; "
        "if this port must be reachable from the internet, list it in allowedPublicPorts in the policy config.")


def _allowed(low: int, high: int, protocol: str, allowed: set[int]) -> bool:
    return protocol != "all" and high - low < 1024 and all(p in allowed for p in range(low, high + 1))


def _check_rule(args: ResourceValidationArgs, report: ReportViolation, rule: Rule, allowed: set[int]) -> None:
    world = rule.world()  # only a literal 0.0.0.0/0 or ::/0 in the program; computed ranges are the stack's own
    if not world:
        return
    low, high, protocol = port_range(rule.fields)
    if _allowed(low, high, protocol, allowed):
        return
    report(f"{rule.where} of {args.resource_type.split(':')[-1]} '{args.name}' allows "
           f"{describe_ports(low, high, protocol)} from {', '.join(world)}. {_FIX}")


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    allowed = {int(p) for p in args.get_config().get("allowedPublicPorts", [])}
    props = args.props
    for rule in rules(args.resource_type, props, "ingress"):
        _check_rule(args, report, rule, allowed)
    if args.resource_type == DEFAULT_SECURITY_GROUP:
        if elements(known(get(props, "ingress"), "ingress")) or elements(known(get(props, "egress"), "egress")):
            report(f"default security group '{args.name}' has rules; the VPC's default security group must allow "
                   "nothing (CIS AWS 5.4). Set ingress=[] and egress=[] and use dedicated security groups.")


METADATA = RuleMetadata(
    id="E1",
    aws_control="VPC security groups: stateful filtering AWS enforces on every network interface",
    bpg=("network: Security groups",),
    checkov=("CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_260", "CKV_AWS_277", "CKV2_AWS_12"),
    pcp=(
        "aws-ec2-securitygroup-disallow-public-internet-ingress",
        "aws-ec2-securitygroup-disallow-inbound-http-traffic",
    ),
)

disallow_public_internet_ingress = ResourceValidationPolicy(
    name="aws-ec2-securitygroup-disallow-public-internet-ingress",
    description="Security groups must not allow ingress from the internet (0.0.0.0/0 or ::/0).",
    validate=_validate,
    severity=Severity.CRITICAL,
    tags=METADATA.tags("network"),
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
