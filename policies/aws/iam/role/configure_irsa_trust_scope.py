"""H1: IRSA trust policies are scoped to namespace, service account and audience (BPG iam)."""

from __future__ import annotations

from typing import Any

from _known import get
from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

from _iam_docs import conditions, principals, statements, values

ROLE = "aws:iam/role:Role"
_WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity"


def _conditions(statement: dict[str, Any]) -> dict[str, dict[str, list[str]]]:
    return conditions(statement)


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != ROLE:
        return
    for i, st in enumerate(statements(get(args.props, "assumeRolePolicy"), "assumeRolePolicy")):
        federated = [p for p in principals(st).get("Federated", []) if "oidc.eks." in p]
        if not federated or _WEB_IDENTITY not in values(st, "Action") and "sts:*" not in values(st, "Action"):
            continue
        equals = _conditions(st).get("StringEquals", {})
        issuer = federated[0].split("oidc-provider/", 1)[-1]
        subjects = equals.get(f"{issuer}:sub", [])
        audiences = equals.get(f"{issuer}:aud", [])
        problems = []
        if not subjects:
            problems.append(f"no StringEquals on {issuer}:sub, so any service account in the cluster can assume it")
        elif any("*" in s or not s.startswith("system:serviceaccount:") or s.count(":") != 3 for s in subjects):
            problems.append(f"{issuer}:sub is not an exact system:serviceaccount:<namespace>:<name> ({subjects})")
        if audiences != ["sts.amazonaws.com"]:
            problems.append(f"{issuer}:aud must be exactly sts.amazonaws.com (got {audiences or 'nothing'})")
        for problem in problems:
            report(f"IRSA trust statement {i} of role '{args.name}': {problem}. Add StringEquals conditions "
                   f"'{issuer}:sub': 'system:serviceaccount:<namespace>:<service account>' and "
                   f"'{issuer}:aud': 'sts.amazonaws.com'.")


METADATA = RuleMetadata(
    id="H1",
    aws_control="IRSA: STS AssumeRoleWithWebIdentity checks the EKS OIDC token's sub and aud against the trust policy",
    bpg=("iam: Scope the IAM Role trust policy for IRSA Roles to the service account name, namespace, and cluster",),
    checkov=("CKV_AWS_60 (general trust scope)", "CKV_AWS_61 (general trust scope)"),
)

configure_irsa_trust_scope = ResourceValidationPolicy(
    name="aws-iam-role-configure-irsa-trust-scope",
    description="IRSA role trust policies must be scoped to one namespace, service account and the STS audience.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("iam", "irsa"),
    remediation_steps="Use StringEquals on <issuer>:sub = system:serviceaccount:<ns>:<sa> and <issuer>:aud.",
    url="https://docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html",
)
