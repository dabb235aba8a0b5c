"""F12: customer-managed KMS keys rotate their key material (CKV_AWS_7, AWSGuard cmk-backing-key-rotation-enabled)."""

from __future__ import annotations

from _known import get, is_set, known
from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

KEY = "aws:kms/key:Key"
#: The only key spec whose material KMS rotates automatically.
_SYMMETRIC = "SYMMETRIC_DEFAULT"


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != KEY:
        return
    props = args.props
    rotation = known(get(props, "enableKeyRotation"), "enableKeyRotation")
    if rotation is True:
        return
    # KMS cannot rotate every key: asymmetric (RSA_*, ECC_*, ML_DSA_*, SM2) and HMAC (HMAC_*) keys have no
    # automatic rotation, so customerMasterKeySpec (or keySpec) other than SYMMETRIC_DEFAULT is
    # exempt; so are keys in a custom key store (CloudHSM or external), whose material KMS does not hold.
    for field in ("customerMasterKeySpec", "keySpec"):
        spec = known(get(props, field), field)
        if spec and str(spec) != _SYMMETRIC:
            args.not_applicable(f"{field} is {spec}: KMS cannot rotate asymmetric or HMAC keys")
    if is_set(props, "customKeyStoreId") or is_set(props, "xksKeyId"):
        args.not_applicable("KMS cannot rotate keys in a custom key store")
    state = "false" if rotation is False else "unset"
    report(f"KMS key '{args.name}' does not rotate its key material (enableKeyRotation is {state}), so one "
           "leaked or broken key version protects everything it ever encrypted. Set enable_key_rotation=True: KMS "
           "then makes new material every year (rotation_period_in_days: 90 to 2560) and keeps the old versions "
           "to decrypt.")


METADATA = RuleMetadata(
    id="F12",
    aws_control="KMS automatic key rotation (AWS generates and keeps the new key material)",
    bpg=("data: Rotate your CMKs periodically",),
    checkov=("CKV_AWS_7",),
    pcp=("aws-kms-key-enable-key-rotation",),
    ag=("cmk-backing-key-rotation-enabled",),
)

enable_key_rotation = ResourceValidationPolicy(
    name="aws-kms-key-enable-key-rotation",
    description="Symmetric customer-managed KMS keys must have automatic key rotation enabled.",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("kms", "encryption"),
    remediation_steps="Set enable_key_rotation=True on the aws.kms.Key (optionally rotation_period_in_days).",
    url="https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html",
)
