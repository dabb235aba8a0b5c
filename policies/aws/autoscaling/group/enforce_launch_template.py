"""C10: self-managed node groups use launch templates, not launch configurations (CKV_AWS_315)."""

from __future__ import annotations

from _known import is_set
from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

GROUP = "aws:autoscaling/group:Group"
LAUNCH_CONFIGURATION = "aws:ec2/launchConfiguration:LaunchConfiguration"


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type == LAUNCH_CONFIGURATION:
        report(f"LaunchConfiguration '{args.name}' is deprecated and cannot require IMDSv2 tokens per version or use "
               "newer instance types. Use an aws.ec2.LaunchTemplate.")
    elif args.resource_type == GROUP:
        props = args.props
        if not is_set(props, "launchTemplate") and not is_set(props, "mixedInstancesPolicy"):
            report(f"autoscaling Group '{args.name}' has no launch template. Set launchTemplate (or a "
                   "mixedInstancesPolicy) instead of launchConfiguration.")


METADATA = RuleMetadata(
    id="C10",
    aws_control="EC2 Auto Scaling launch templates, where AWS exposes IMDSv2 and EBS encryption settings",
    checkov=("CKV_AWS_315",),
)

enforce_launch_template = ResourceValidationPolicy(
    name="aws-autoscaling-group-enforce-launch-template",
    description="Autoscaling groups must use launch templates, not launch configurations.",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("nodes"),
    remediation_steps="Replace launch configurations with launch templates.",
    url="https://docs.aws.amazon.com/autoscaling/ec2/userguide/launch-templates.html",
)
