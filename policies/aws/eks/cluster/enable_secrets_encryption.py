"""A3: Kubernetes Secrets are envelope-encrypted with KMS (CIS EKS 5.3.1, CKV_AWS_58)."""

from __future__ import annotations

from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

from _eks import cluster_view, component_hint


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    view = cluster_view(args)
    if view is not None and not view.secrets_encrypted:
        report(f"cluster '{args.name}' does not envelope-encrypt Secrets. Set encryptionConfig with "
               "resources=[\"secrets\"] and provider.keyArn of a customer-managed KMS key."
               + component_hint(args.urn, "encryption_config_key_arn", "key.arn"))


METADATA = RuleMetadata(
    id="A3",
    aws_control="EKS envelope encryption of Secrets with KMS (AWS operates KMS and the control plane's etcd)",
    cis=("5.3.1",),
    bpg=("data: Use AWS KMS for envelope encryption of Kubernetes secrets",),
    checkov=("CKV_AWS_58",),
    pcp=("aws-eks-cluster-enable-cluster-encryption-config",),
)

enable_secrets_encryption = ResourceValidationPolicy(
    name="aws-eks-cluster-enable-secrets-encryption",
    description="EKS clusters must envelope-encrypt Kubernetes Secrets with KMS.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("eks", "control-plane", "encryption"),
    remediation_steps="Add encryptionConfig {resources: [secrets], provider: {keyArn: <CMK ARN>}}.",
    url="https://docs.aws.amazon.com/eks/latest/userguide/envelope-encryption.html",
)
