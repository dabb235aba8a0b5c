"""H6: role trust policies are not public or open to a whole account without conditions (CKV_AWS_60/61)."""

from __future__ import annotations

import re

from _known import get
from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

from _iam_docs import principals, statements

ROLE = "aws:iam/role:Role"
_ACCOUNT_ROOT = re.compile(r"^(arn:aws[a-z-]*:iam::\d{12}:root|\d{12})$")


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != ROLE:
        return
    for i, st in enumerate(statements(get(args.props, "assumeRolePolicy"), "assumeRolePolicy")):
        if str(st.get("Effect", "Allow")) != "Allow":
            continue
        who = principals(st)
        aws_ids = who.get("AWS", []) + who.get("*", [])
        if "*" in aws_ids:
            report(f"trust statement {i} of role '{args.name}' lets any AWS principal (\"*\") assume it. Name the "
                   "service, role or account that needs it.")
        elif any(_ACCOUNT_ROOT.match(a) for a in aws_ids) and not st.get("Condition"):
            report(f"trust statement {i} of role '{args.name}' trusts a whole account root without conditions. "
                   "Trust specific role ARNs, or add conditions (aws:PrincipalArn, sts:ExternalId).")


METADATA = RuleMetadata(
    id="H6",
    aws_control="IAM role trust policies, which STS evaluates on every AssumeRole",
    checkov=("CKV_AWS_60", "CKV_AWS_61"),
)

disallow_public_trust = ResourceValidationPolicy(
    name="aws-iam-role-disallow-public-trust",
    description="IAM role trust policies must not allow everyone or a whole account without conditions.",
    validate=_validate,
    severity=Severity.CRITICAL,
    tags=METADATA.tags("iam"),
    remediation_steps="Replace Principal \"*\" or bare account roots with specific principals or conditions.",
    url="https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html",
)
