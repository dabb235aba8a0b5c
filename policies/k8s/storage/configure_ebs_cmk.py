"""F2: EBS StorageClasses encrypt with a customer-managed KMS key (BPG data; CKV_AWS_189 is the volume analogue).

Without ``parameters.kmsKeyId`` the EBS CSI driver encrypts with the account's default EBS key (``aws/ebs``),
whose policy and rotation are AWS's. Presence decides: a key this stack creates has an ARN unknown at the first
preview, and is set. Only an allowlist (``allowedKeyIds``) needs the value.
"""

from __future__ import annotations

from _known import is_set, known
from _metadata import RuleMetadata
from _storage import storage_class
from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    view = storage_class(args)
    if view is None or not view.is_ebs or not view.judged("parameters"):
        return
    if not is_set(view.parameters, "kmsKeyId"):
        report(f"{view.describe()} does not name a customer-managed KMS key (parameters.kmsKeyId is unset), so its "
               "volumes use the AWS-managed aws/ebs key. Set parameters.kmsKeyId to the ARN of a customer-managed "
               "key (with parameters.encrypted: \"true\"); parameters are immutable, so create a new class.")
        return
    allowed = [str(k) for k in args.get_config().get("allowedKeyIds", [])]
    if allowed:
        key = known(view.parameter("kmsKeyId"), "parameters.kmsKeyId",
                    "is the ARN of a key this stack creates, so it cannot be compared with allowedKeyIds yet")
        if str(key) not in allowed:
            report(f"{view.describe()} encrypts its volumes with {key}, which is not an approved key "
                   "(allowedKeyIds). Use one of the approved customer-managed keys.")


METADATA = RuleMetadata(
    id="F2",
    aws_control="EBS encryption with a customer-managed KMS key (AWS operates KMS; the key policy is the customer's)",
    bpg=("data",),
    checkov=("CKV_AWS_189 (analogous)",),
    pcp=("aws-ebs-volume-configure-customer-managed-key (analogous)",),
)

configure_ebs_cmk = ResourceValidationPolicy(
    name="kubernetes-storageclass-configure-ebs-cmk",
    description="EBS StorageClasses must encrypt their volumes with a customer-managed KMS key.",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("kubernetes", "storage", "ebs", "encryption", "kms"),
    remediation_steps="Set parameters.kmsKeyId to a customer-managed key ARN (in allowedKeyIds when configured) on "
                      "every EBS StorageClass.",
    url="https://github.com/kubernetes-sigs/aws-ebs-csi-driver/blob/master/docs/parameters.md",
    config_schema=PolicyConfigSchema(properties={
        "allowedKeyIds": {"type": "array", "items": {"type": "string"}, "default": [],
                          "description": "Key ARNs or IDs EBS StorageClasses may use; empty allows any CMK."}}),
)
