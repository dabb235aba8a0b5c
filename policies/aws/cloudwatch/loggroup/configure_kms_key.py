"""A9: log groups are encrypted with a customer-managed KMS key where the stack requires it (CKV_AWS_158).

Presence decides: a key ARN unknown at preview is one a key of this stack gets, so it is set.
"""

from __future__ import annotations

from _known import is_set
from _metadata import RuleMetadata
from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
_FIX = ("Set kms_key_id to the ARN of a customer-managed KMS key whose policy lets logs.<region>.amazonaws.com use it "
        "(kms:Encrypt*, Decrypt*, ReEncrypt*, GenerateDataKey*, Describe*) under a "
        "kms:EncryptionContext:aws:logs:arn condition.")


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != LOG_GROUP:
        return
    if not args.get_config().get("required", False):
        args.not_applicable("this stack's policy config does not require customer-managed keys (required: false)")
    if not is_set(args.props, "kmsKeyId"):
        report(f"CloudWatch log group '{args.name}' is encrypted only with the CloudWatch Logs service key "
               "(kmsKeyId unset), so reading its events cannot be restricted or revoked through a key. " + _FIX)


METADATA = RuleMetadata(
    id="A9",
    aws_control="CloudWatch Logs encryption with a customer-managed KMS key (AWS operates KMS and the log service)",
    cis=("2.1.2",),
    bpg=("detective",),
    checkov=("CKV_AWS_158",),
)

configure_kms_key = ResourceValidationPolicy(
    name="aws-cloudwatch-loggroup-configure-kms-key",
    description="CloudWatch log groups must be encrypted with a customer-managed KMS key where the stack requires it.",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("logging", "encryption"),
    remediation_steps=_FIX,
    url="https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html",
    config_schema=PolicyConfigSchema(properties={
        "required": {"type": "boolean", "default": False,
                     "description": "Log groups must set kmsKeyId (a customer-managed key)."}}),
)
