"""F4: static EBS volumes are encrypted with a customer-managed key (CKV_AWS_3, CKV_AWS_189, CKV2_AWS_2).

Instances' root and block devices are C4's (``aws-ec2-launchtemplate-enable-volume-encryption``); this rule
covers ``aws:ebs/volume:Volume``. ``encrypted`` is a literal; the key's presence decides, so a key this stack
creates (its ARN unknown at the first preview) counts as set.
"""

from __future__ import annotations

from _known import get, is_set, known
from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

VOLUME = "aws:ebs/volume:Volume"


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != VOLUME:
        return
    encrypted = known(get(args.props, "encrypted"), "encrypted")
    if encrypted is not True:
        state = "unset" if encrypted is None else str(encrypted).lower()
        report(f"EBS volume '{args.name}' is not encrypted (encrypted is {state}); its data, snapshots and any "
               "volume restored from them are stored in plaintext. Set encrypted=True and kmsKeyId to a "
               "customer-managed key; encryption can only be set at creation, so replace the volume (or restore "
               "an encrypted copy from a snapshot).")
    elif not is_set(args.props, "kmsKeyId"):
        report(f"EBS volume '{args.name}' is encrypted with the AWS-managed aws/ebs key (kmsKeyId is unset). Set "
               "kmsKeyId to a customer-managed key so its key policy and rotation are yours; it can only be set at "
               "creation.")


METADATA = RuleMetadata(
    id="F4",
    aws_control="EBS encryption at rest with a customer-managed KMS key (AWS operates EBS and KMS)",
    checkov=("CKV_AWS_3", "CKV_AWS_189", "CKV2_AWS_2"),
    pcp=("aws-ebs-volume-disallow-unencrypted-volume", "aws-ebs-volume-configure-customer-managed-key"),
)

enable_encryption = ResourceValidationPolicy(
    name="aws-ebs-volume-enable-encryption",
    description="EBS volumes must be encrypted with a customer-managed KMS key.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("ebs", "storage", "encryption", "kms"),
    remediation_steps="Set encrypted=True and kmsKeyId to a customer-managed key on aws.ebs.Volume (at creation).",
    url="https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption.html",
)
