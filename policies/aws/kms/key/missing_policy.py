"""F12: every key has its own key policy (CKV2_AWS_64).

Presence decides: a policy rendered from outputs the stack creates is still a policy (its content is
``aws-kms-key-disallow-public-policy``'s business). A policy attached by a separate ``aws.kms.KeyPolicy`` of the
stack counts too: a stack policy, it follows the KeyPolicy's ``keyId`` to the key (at a first preview the ID is
unknown and the property dependency names the key; at ``pulumi up`` the ID or ARN matches the key's).
"""

from __future__ import annotations

from typing import Any

from _known import get, is_set
from _metadata import RuleMetadata
from _resolve import referenced
from pulumi_policy import ReportViolation, Severity, StackValidationArgs, StackValidationPolicy

KEY = "aws:kms/key:Key"
KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"
_FIX = ("Set policy= (or attach an aws.kms.KeyPolicy to the key) to a key policy (json.dumps, account id from aws.get_caller_identity() so it is known at "
        "preview) that names the key administrators (kms:Create*, Describe*, Enable*, List*, Put*, Update*, "
        "Revoke*, Disable*, Get*, Delete*, TagResource, UntagResource, ScheduleKeyDeletion, CancelKeyDeletion) "
        "and the roles or AWS services that use the key (kms:Encrypt, Decrypt, ReEncrypt*, GenerateDataKey*, "
        "DescribeKey), with kms:ViaService or encryption-context conditions where they apply.")


def _identities(key: Any) -> set[str]:
    """The key's ID and ARN where known (at ``pulumi up``), which a KeyPolicy's keyId may name."""
    return {str(v) for v in (get(key.props, "keyId"), get(key.props, "arn"), get(key.props, "id"))
            if isinstance(v, str) and v}


def _attached(key: Any, policies: list[Any]) -> bool:
    names = _identities(key)
    for policy in policies:
        if any(dep.urn == key.urn for dep in referenced(policy, "keyId", KEY)):
            return True
        key_id = get(policy.props, "keyId")
        if isinstance(key_id, str) and key_id in names:
            return True
    return False


def _validate(args: StackValidationArgs, report: ReportViolation) -> None:
    keys = [r for r in args.resources if r.resource_type == KEY]
    if not keys:
        args.not_applicable("the stack has no KMS keys")
    policies = [r for r in args.resources if r.resource_type == KEY_POLICY and is_set(r.props, "policy")]
    for key in keys:
        if not is_set(key.props, "policy") and not _attached(key, policies):
            report(f"KMS key '{key.name}' has no key policy, neither its own nor an aws.kms.KeyPolicy of this stack, "
                   "so AWS attaches its default one, which no review of this program sees: who administers and who "
                   "uses the key, and under which conditions, belong in code. " + _FIX, key.urn)


METADATA = RuleMetadata(
    id="F12",
    aws_control="KMS key policies: without one AWS applies the default policy, which delegates the key to IAM",
    checkov=("CKV2_AWS_64",),
)

missing_policy = StackValidationPolicy(
    name="aws-kms-key-missing-policy",
    description="KMS keys must have an explicit key policy instead of the default one that delegates to IAM.",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("kms", "access"),
    remediation_steps=_FIX,
    url="https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html",
)
