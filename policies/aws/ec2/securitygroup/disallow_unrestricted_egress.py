"""X1 (outside the catalogue): security groups do not allow every protocol to the whole internet (CKV_AWS_382,
BPG network "Security groups").

Inline ``egress[]`` entries, ``SecurityGroupRule``s of type egress and ``vpc.SecurityGroupEgressRule``s are read
through the shared adapter ``_security_groups``. pulumi-aws removes the allow-all egress rule AWS adds to a new
group when ``egress`` is omitted, so an omitted egress is no egress and stays silent. Groups whose component
needs open egress (nodes pulling images, the control plane reaching nodes and AWS APIs) are listed per stack by
logical name in ``allowedResources``.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

from _known import Deferred
from _metadata import RuleMetadata
from _security_groups import SECURITY_GROUP, SECURITY_GROUP_RULE, VPC_EGRESS_RULE, all_protocols, rules
from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

_TYPES = {SECURITY_GROUP, SECURITY_GROUP_RULE, VPC_EGRESS_RULE}
_FIX = ("Allow only the protocols and ports the workload needs (e.g. tcp 443 to 0.0.0.0/0, or all protocols to the "
        "VPC CIDR) and reach AWS services through VPC endpoints; if this group's component needs open egress (nodes, "
        "the control plane), list its logical name in allowedResources in the policy config.")


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in _TYPES:
        return
    allowed = [str(p) for p in args.get_config().get("allowedResources", [])]
    matched = [p for p in allowed if fnmatchcase(args.name, p)]
    if matched:
        args.not_applicable(f"'{args.name}' matches allowedResources pattern '{matched[0]}'")
    later = Deferred()
    for rule in rules(args.resource_type, args.props, "egress"):
        with later.item():
            world = rule.world()  # read the protocol only where a literal 0.0.0.0/0 or ::/0 makes it decide
            if world and all_protocols(rule):
                report(f"{rule.where} of {args.resource_type.split(':')[-1]} '{args.name}' allows all protocols and "
                       f"ports to {', '.join(world)}. {_FIX}")
    later.done()


METADATA = RuleMetadata(
    id="X1",
    aws_control="VPC security groups (stateful egress filtering) and VPC endpoints for AWS APIs",
    bpg=("network: Security groups",),
    checkov=("CKV_AWS_382",),
)

disallow_unrestricted_egress = ResourceValidationPolicy(
    name="aws-ec2-securitygroup-disallow-unrestricted-egress",
    description="Security groups must not allow all protocols to the internet (0.0.0.0/0 or ::/0) unless allowlisted.",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("network", "egress"),
    remediation_steps=_FIX,
    url="https://docs.aws.amazon.com/eks/latest/best-practices/network-security.html",
    config_schema=PolicyConfigSchema(properties={
        "allowedResources": {
            "type": "array",
            "items": {"type": "string"},
            "default": [],
            "description": "fnmatch patterns on logical names (e.g. \"*-nodes-sg\") of security groups and rules "
                           "whose component needs open egress. Empty: none.",
        },
    }),
)
