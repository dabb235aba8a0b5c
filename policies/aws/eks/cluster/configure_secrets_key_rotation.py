"""A4: the Secrets key is a customer-managed key with rotation (stack policy following property dependencies)."""

from __future__ import annotations

from _known import UNKNOWN, get, is_set, known
from _metadata import RuleMetadata
from _resolve import referenced
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
        encryption = known(get(cluster.props, "encryptionConfig") or {}, "encryptionConfig")
        provider = known(get(encryption, "provider") or {}, "encryptionConfig.provider")
        if not is_set(provider, "keyArn"):
            continue  # A3 reports a cluster without encryption
        key_arn = get(provider, "keyArn")
        if key_arn is not UNKNOWN and str(key_arn) in allowed:
            continue
        # The key ARN is unknown until the key exists; the key's own inputs decide (rotation is one).
        keys = referenced(cluster, "encryptionConfig", KMS_KEY)
        if not keys:
            arn = known(key_arn, "encryptionConfig.provider.keyArn",
                        "comes from a resource of this stack that is not an aws.kms.Key, so its rotation cannot be "
                        "read before it exists")
            report(f"cluster '{cluster.name}' encrypts Secrets with {arn}, which is not a KMS key managed in "
                   "this stack, so its rotation cannot be verified. Create the key here (aws.kms.Key with "
                   "enable_key_rotation=True) or list it in allowedKeyArns.", cluster.urn)
            continue
        for key in keys:
            if known(get(key.props, "enableKeyRotation"), "enableKeyRotation") is not True:
                report(f"KMS key '{key.name}' encrypting the Secrets of cluster '{cluster.name}' does not rotate. "
                       "Set enable_key_rotation=True.", key.urn)


METADATA = RuleMetadata(
    id="A4",
    aws_control="KMS automatic rotation of a customer-managed key (AWS rotates the key material)",
    cis=("5.3.1",),
    bpg=("data: Rotate your CMKs periodically",),
    checkov=("CKV_AWS_7",),
)

configure_secrets_key_rotation = StackValidationPolicy(
    name="aws-eks-cluster-configure-secrets-key-rotation",
    description="The KMS key encrypting EKS Secrets must be a customer-managed key with rotation enabled.",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("eks", "encryption", "kms"),
    remediation_steps="Use an aws.kms.Key with enable_key_rotation=True for encryptionConfig.provider.keyArn.",
    url="https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html",
    config_schema=PolicyConfigSchema(properties={
        "allowedKeyArns": {"type": "array", "items": {"type": "string"}, "default": [],
                           "description": "Keys managed elsewhere that are known to rotate."}}),
)
