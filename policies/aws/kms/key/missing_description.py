"""F12 (low): every key says what it encrypts (PCP aws-kms-key-missing-description)."""

from __future__ import annotations

from _known import is_set
from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

KEY = "aws:kms/key:Key"


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type == KEY and not is_set(args.props, "description"):
        report(f"KMS key '{args.name}' has no description; set description= to say what it encrypts and who owns it, "
               "so it can be audited, rotated and retired safely.")


METADATA = RuleMetadata(
    id="F12",
    aws_control="KMS key inventory: AWS stores the description with the key",
    pcp=("aws-kms-key-missing-description",),
)

missing_description = ResourceValidationPolicy(
    name="aws-kms-key-missing-description",
    description="KMS keys must have a description.",
    validate=_validate,
    severity=Severity.LOW,
    tags=METADATA.tags("kms", "inventory"),
    remediation_steps="Set description= on the aws.kms.Key to say what it encrypts and who owns it.",
    url="https://docs.aws.amazon.com/kms/latest/developerguide/create-keys.html",
)
