"""A9: log groups expire their events after a set time, at least the configured minimum (CKV_AWS_66, CKV_AWS_338)."""

from __future__ import annotations

from _known import get, known, whole_number
from _metadata import RuleMetadata
from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != LOG_GROUP:
        return
    minimum = int(args.get_config().get("minimumRetentionDays", 1))
    raw = known(get(args.props, "retentionInDays"), "retentionInDays")
    days = whole_number(raw)
    if raw is not None and raw != 0 and days is None:
        report(f"CloudWatch log group '{args.name}' has retentionInDays {str(raw)[:40]!r}, which is not a number of "
               f"days, so CloudWatch Logs refuses it. Set retention_in_days (at least {minimum}) to how long the logs "
               "are needed, e.g. 90, or 365 for audit logs.")
    elif not days:  # unset or 0: CloudWatch Logs keeps the events forever
        state = "0" if days == 0 else "unset"
        report(f"CloudWatch log group '{args.name}' never expires its events (retentionInDays is {state}), so it "
               f"grows and is billed forever. Set retention_in_days (at least {minimum}) to how long the logs are "
               "needed, e.g. 90, or 365 for audit logs.")
    elif days < minimum:
        report(f"CloudWatch log group '{args.name}' keeps its events {days} days, less than the {minimum} this "
               f"stack's policy config requires (minimumRetentionDays). Set retention_in_days to at least {minimum}.")

METADATA = RuleMetadata(
    id="A9",
    aws_control=("CloudWatch Logs retention: AWS stores the control-plane log events and expires them by the group's "
                 "setting"),
    cis=("2.1.2",),
    bpg=("detective",),
    checkov=("CKV_AWS_66", "CKV_AWS_338"),
)

configure_retention = ResourceValidationPolicy(
    name="aws-cloudwatch-loggroup-configure-retention",
    description="CloudWatch log groups must set a retention period of at least the configured number of days.",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("logging"),
    remediation_steps="Set retention_in_days on the aws.cloudwatch.LogGroup to at least minimumRetentionDays.",
    url="https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html",
    config_schema=PolicyConfigSchema(properties={
        "minimumRetentionDays": {"type": "integer", "minimum": 1, "maximum": 3653, "default": 1,
                                 "description": "The shortest retention, in days, a log group may set."}}),
)
