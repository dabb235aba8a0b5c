"""F12: no key is disabled in the program: a disabled key silently breaks whatever it encrypts."""

from __future__ import annotations

from _known import get, known
from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

KEY = "aws:kms/key:Key"
_FIX = ("Set is_enabled=True (or leave it unset). To retire a key, move what it encrypts to another key first, then "
        "delete it with a deletion window.")


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != KEY:
        return
    enabled = known(get(args.props, "isEnabled"), "isEnabled")
    if enabled is False or str(enabled).lower() == "false":
        report(f"KMS key '{args.name}' is disabled (isEnabled is false): everything it encrypts (Secrets, volumes, "
               f"logs, images) can no longer be decrypted or written until the key is enabled again. {_FIX}")


METADATA = RuleMetadata(
    id="F12",
    aws_control="KMS key state: AWS refuses every cryptographic operation with a disabled key",
)

disallow_disabled_key = ResourceValidationPolicy(
    name="aws-kms-key-disallow-disabled-key",
    description="KMS keys managed by the stack must be enabled.",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("kms", "availability"),
    remediation_steps=_FIX,
    url="https://docs.aws.amazon.com/kms/latest/developerguide/enabling-keys.html",
)
