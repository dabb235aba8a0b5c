"""F12: a key policy does not let everyone use the key (CKV_AWS_33).

The policy is a JSON string. Built from literals and invoke results (the account id from
``aws.get_caller_identity()``, the partition) it is known at the first preview and decided there; rendered in an
``apply`` on outputs of resources this stack creates (a new role's ARN) it is unknown until they exist, and the
rule says so and decides during ``pulumi up``.
"""

from __future__ import annotations

from typing import Any

from _known import get, known
from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

from _iam_docs import principals, statements

KEY = "aws:kms/key:Key"
KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"
_WHAT = {KEY: "KMS key", KEY_POLICY: "KeyPolicy"}
_FIX = ("Name the principals that may use the key (the account root, roles, AWS services) or add a Condition that "
        "scopes \"*\" (aws:PrincipalOrgID, kms:CallerAccount with kms:ViaService).")


def _label(index: int, statement: dict[str, Any]) -> str:
    sid = statement.get("Sid")
    return f"statement {index} ('{sid}')" if sid else f"statement {index}"


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in _WHAT:
        return
    document = known(get(args.props, "policy"), "policy",
                     "is rendered from outputs of resources this stack creates (an apply), so who it lets use the "
                     "key is unknown until they exist; build it from names and invoke results "
                     "(aws.get_caller_identity) to decide at preview")
    for i, st in enumerate(statements(document, "policy")):
        if str(st.get("Effect", "Allow")) != "Allow" or st.get("Condition"):
            continue
        who = principals(st)
        if "*" in who.get("AWS", []) + who.get("*", []):
            report(f"{_WHAT[args.resource_type]} '{args.name}' policy {_label(i, st)} allows Principal \"*\" without "
                   f"a Condition, so principals of any AWS account can use the key. {_FIX}")
        elif st.get("NotPrincipal") is not None:
            report(f"{_WHAT[args.resource_type]} '{args.name}' policy {_label(i, st)} allows everyone but its "
                   f"NotPrincipal, without a Condition. Use Principal instead of NotPrincipal with Allow. {_FIX}")


METADATA = RuleMetadata(
    id="F12",
    aws_control="KMS key policies, which AWS evaluates on every request for the key",
    checkov=("CKV_AWS_33",),
)

disallow_public_policy = ResourceValidationPolicy(
    name="aws-kms-key-disallow-public-policy",
    description="KMS key policies must not allow every principal (\"*\") without a condition.",
    validate=_validate,
    severity=Severity.CRITICAL,
    tags=METADATA.tags("kms", "access"),
    remediation_steps=_FIX,
    url="https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html",
)
