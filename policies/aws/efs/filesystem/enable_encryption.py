"""F5: EFS file systems are encrypted at rest (CKV_AWS_42, PCP aws-efs-filesystem-disallow-unencrypted-file-system).

pulumi-aws leaves ``encrypted`` false when it is unset, and it cannot be changed after creation.
"""

from __future__ import annotations

from _known import get, known
from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

FILE_SYSTEM = "aws:efs/fileSystem:FileSystem"


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != FILE_SYSTEM:
        return
    encrypted = known(get(args.props, "encrypted"), "encrypted")
    if encrypted is not True:
        state = "unset, which means false" if encrypted is None else str(encrypted).lower()
        report(f"EFS file system '{args.name}' is not encrypted at rest (encrypted is {state}). Set "
               "encrypted=True with kmsKeyId; encryption at rest can only be chosen at creation, so create an "
               "encrypted file system and copy the data (AWS DataSync) before retiring this one.")


METADATA = RuleMetadata(
    id="F5",
    aws_control="EFS encryption at rest with KMS (AWS operates EFS and KMS)",
    bpg=("data",),
    checkov=("CKV_AWS_42",),
    pcp=("aws-efs-filesystem-disallow-unencrypted-file-system",),
    ag=("efs-encrypted",),
)

enable_encryption = ResourceValidationPolicy(
    name="aws-efs-filesystem-enable-encryption",
    description="EFS file systems must be encrypted at rest.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("efs", "storage", "encryption"),
    remediation_steps="Set encrypted=True (with kmsKeyId) on aws.efs.FileSystem; it can only be set at creation.",
    url="https://docs.aws.amazon.com/efs/latest/ug/encryption-at-rest.html",
)
