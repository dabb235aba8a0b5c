"""F12: a key policy is never written past KMS's lockout safety check (PCP ...-disallow-bypass-policy-lockout-safety-check)."""

from __future__ import annotations

from _known import get, known
from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

KEY = "aws:kms/key:Key"
KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"
_WHAT = {KEY: "KMS key", KEY_POLICY: "KeyPolicy"}
_FIX = ("Remove bypass_policy_lockout_safety_check (or set it False) and keep a key policy statement that lets the "
        "account root or the key administrators manage the key.")


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in _WHAT:
        return
    bypass = known(get(args.props, "bypassPolicyLockoutSafetyCheck"), "bypassPolicyLockoutSafetyCheck")
    if bypass is True or str(bypass).lower() == "true":
        report(f"{_WHAT[args.resource_type]} '{args.name}' sets bypassPolicyLockoutSafetyCheck, so KMS accepts a key "
               "policy that locks every principal, the account root included, out of the key for good, and AWS "
               f"Support cannot undo it. {_FIX}")


METADATA = RuleMetadata(
    id="F12",
    aws_control="KMS key-policy lockout safety check, which AWS runs on every policy change",
    pcp=("aws-kms-key-disallow-bypass-policy-lockout-safety-check",),
)

disallow_bypass_lockout_safety_check = ResourceValidationPolicy(
    name="aws-kms-key-disallow-bypass-lockout-safety-check",
    description="KMS keys and key policies must not bypass the policy lockout safety check.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("kms", "access"),
    remediation_steps=_FIX,
    url="https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html",
)
