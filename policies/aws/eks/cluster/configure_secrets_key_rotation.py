"""A4: the Secrets key is a customer-managed key with rotation (stack policy following property dependencies)."""

from __future__ import annotations

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from _eks import CLUSTER

KMS_KEY = "aws:kms/key:Key"


def _validate(args: StackValidationArgs, report: ReportViolation) -> None:
    clusters = [r for r in args.resources if r.resource_type == CLUSTER]
    if not clusters:
        args.not_applicable("the stack has no EKS cluster")
    allowed = {str(a) for a in args.get_config().get("allowedKeyArns", [])}
    for cluster in clusters:
        encryption = cluster.props.get("encryptionConfig") or {}
        key_arn = str((encryption.get("provider") or {}).get("keyArn") or "")
        if not key_arn:
            continue  # A3 reports a cluster without encryption
        if key_arn in allowed:
            continue
        keys = [d for d in cluster.property_dependencies.get("encryptionConfig", []) if d.resource_type == KMS_KEY]
        if not keys:
            report(f"cluster '{cluster.name}' encrypts Secrets with {key_arn}, which is not a KMS key managed in "
                   "this stack, so its rotation cannot be verified. Create the key here (aws.kms.Key with "
                   "enable_key_rotation=True) or list it in allowedKeyArns.", cluster.urn)
            continue
        for key in keys:
            if key.props.get("enableKeyRotation") is not True:
                report(f"KMS key '{key.name}' encrypting the Secrets of cluster '{cluster.name}' does not rotate. "
                       "Set enable_key_rotation=True.", key.urn)


configure_secrets_key_rotation = StackValidationPolicy(
    name="aws-eks-cluster-configure-secrets-key-rotation",
    description="The KMS key encrypting EKS Secrets must be a customer-managed key with rotation enabled.",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=["eks", "encryption", "kms", "cis-eks-5.3.1", "ckv-aws-7"],
    remediation_steps="Use an aws.kms.Key with enable_key_rotation=True for encryptionConfig.provider.keyArn.",
    url="https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html",
    config_schema=PolicyConfigSchema(properties={
        "allowedKeyArns": {"type": "array", "items": {"type": "string"}, "default": [],
                           "description": "Keys managed elsewhere that are known to rotate."}}),
)
