"""E2: security groups and their rules say what they are for (CKV_AWS_23)."""

from __future__ import annotations

from _known import elements, get, is_set, known
from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

_DESCRIBED = {
    "aws:ec2/securityGroupRule:SecurityGroupRule",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
}
#: What pulumi-aws puts in ``description`` when none is given.
_PROVIDER_DEFAULT = "Managed by Pulumi"


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = args.props
    if args.resource_type == "aws:ec2/securityGroup:SecurityGroup":
        # A description computed by another resource is set; only a missing or default one is not.
        if not is_set(props, "description") or get(props, "description") == _PROVIDER_DEFAULT:
            report(f"SecurityGroup '{args.name}' has no description; set description= to say what may reach it.")
        for direction in ("ingress", "egress"):
            for i, rule in enumerate(elements(known(get(props, direction), direction))):
                if not is_set(rule, "description"):
                    report(f"{direction}[{i}] of SecurityGroup '{args.name}' has no description; "
                           "describe who the rule lets in or out.")
    elif args.resource_type in _DESCRIBED and not is_set(props, "description"):
        report(f"{args.resource_type.split(':')[-1]} '{args.name}' has no description; set description=.")


METADATA = RuleMetadata(
    id="E2",
    aws_control="VPC security groups: AWS stores the description with each group and rule",
    checkov=("CKV_AWS_23",),
    pcp=(
        "aws-ec2-securitygroup-missing-description",
        "aws-ec2-securitygroup-missing-ingress-rule-description",
        "aws-ec2-securitygroup-missing-egress-rule-description",
    ),
)

missing_description = ResourceValidationPolicy(
    name="aws-ec2-securitygroup-missing-description",
    description="Security groups and security group rules must have a description.",
    validate=_validate,
    severity=Severity.LOW,
    tags=METADATA.tags("network"),
    remediation_steps="Set description= on the security group and on each inline or standalone rule.",
    url="https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html",
)
