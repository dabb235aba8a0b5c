"""G3: repositories are encrypted with a customer-managed KMS key (CKV_AWS_136)."""

from __future__ import annotations

from _known import elements, get, is_set, known
from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

REPOSITORY = "aws:ecr/repository:Repository"


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != REPOSITORY:
        return
    configs = elements(known(get(args.props, "encryptionConfigurations"), "encryptionConfigurations"))
    # Presence of the key decides: its ARN is unknown at preview when this stack creates the key.
    kms = [c for i, c in enumerate(configs)
           if str(known(get(c, "encryptionType"), f"encryptionConfigurations[{i}].encryptionType")) == "KMS"
           and is_set(c, "kmsKey")]
    if not kms:
        report(f"ECR repository '{get(args.props, 'name') or args.name}' is not encrypted with a customer-managed key "
               "(default AES256 or the AWS-managed key). Set encryptionConfigurations to "
               "[{encryptionType: KMS, kmsKey: <CMK ARN>}]; it can only be set at creation.")


METADATA = RuleMetadata(
    id="G3",
    aws_control="Amazon ECR encryption at rest with a customer-managed KMS key",
    checkov=("CKV_AWS_136",),
    pcp=("aws-ecr-repository-disallow-unencrypted-repository", "aws-ecr-repository-configure-customer-managed-key"),
)

configure_customer_managed_key = ResourceValidationPolicy(
    name="aws-ecr-repository-configure-customer-managed-key",
    description="ECR repositories must be encrypted with a customer-managed KMS key.",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("ecr", "encryption"),
    remediation_steps="Set encryptionConfigurations with encryptionType KMS and kmsKey.",
    url="https://docs.aws.amazon.com/AmazonECR/latest/userguide/encryption-at-rest.html",
)
