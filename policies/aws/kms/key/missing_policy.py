"""F12: every key has its own key policy (CKV2_AWS_64).

Presence decides: a policy rendered from outputs the stack creates is still a policy (its content is
``aws-kms-key-disallow-public-policy``'s business). A policy attached by a separate ``aws.kms.KeyPolicy`` is not
visible from the key's own inputs, so such a key is reported too: write the policy on the key.
"""

from __future__ import annotations

from _known import is_set
from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

KEY = "aws:kms/key:Key"
_FIX = ("Set policy= to a key policy (json.dumps, account id from aws.get_caller_identity() so it is known at "
        "preview) that names the key administrators (kms:Create*, Describe*, Enable*, List*, Put*, Update*, "
        "Revoke*, Disable*, Get*, Delete*, TagResource, UntagResource, ScheduleKeyDeletion, CancelKeyDeletion) "
        "and the roles or AWS services that use the key (kms:Encrypt, Decrypt, ReEncrypt*, GenerateDataKey*, "
        "DescribeKey), with kms:ViaService or encryption-context conditions where they apply.")


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != KEY:
        return
    if not is_set(args.props, "policy"):
        report(f"KMS key '{args.name}' has no key policy, so AWS attaches its default one, which no review of this "
               "program sees: who administers and who uses the key, and under which conditions, belong in code. "
               + _FIX)


METADATA = RuleMetadata(
    id="F12",
    aws_control="KMS key policies: without one AWS applies the default policy, which delegates the key to IAM",
    checkov=("CKV2_AWS_64",),
)

missing_policy = ResourceValidationPolicy(
    name="aws-kms-key-missing-policy",
    description="KMS keys must have an explicit key policy instead of the default one that delegates to IAM.",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("kms", "access"),
    remediation_steps=_FIX,
    url="https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html",
)
