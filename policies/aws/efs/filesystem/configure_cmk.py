"""F6: EFS file systems use a customer-managed KMS key (CKV_AWS_184, PCP aws-efs-filesystem-configure-customer-managed-key).

Presence decides: a key this stack creates has an ARN unknown at the first preview, and is set.
"""

from __future__ import annotations

from _known import is_set
from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

FILE_SYSTEM = "aws:efs/fileSystem:FileSystem"


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != FILE_SYSTEM:
        return
    if not is_set(args.props, "kmsKeyId"):
        report(f"EFS file system '{args.name}' does not use a customer-managed KMS key (kmsKeyId is unset), so it is "
               "unencrypted or encrypted with the AWS-managed aws/elasticfilesystem key. Set encrypted=True and "
               "kmsKeyId to a customer-managed key; both can only be set at creation.")


METADATA = RuleMetadata(
    id="F6",
    aws_control="EFS encryption with a customer-managed KMS key (AWS operates KMS; the key policy is the customer's)",
    checkov=("CKV_AWS_184",),
    pcp=("aws-efs-filesystem-configure-customer-managed-key",),
)

configure_cmk = ResourceValidationPolicy(
    name="aws-efs-filesystem-configure-cmk",
    description="EFS file systems must be encrypted with a customer-managed KMS key.",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("efs", "storage", "encryption", "kms"),
    remediation_steps="Set kmsKeyId (with encrypted=True) on aws.efs.FileSystem at creation.",
    url="https://docs.aws.amazon.com/efs/latest/ug/encryption-at-rest.html",
)
