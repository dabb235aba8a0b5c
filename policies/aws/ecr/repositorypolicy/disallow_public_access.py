"""G4: repository policies are not public and stay least-privilege (CKV_AWS_32, CIS EKS 5.1.2)."""

from __future__ import annotations

from _known import get
from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

from _iam_docs import conditions, principals, statements, values

REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
SCOPING_KEYS = ("aws:principalorgid", "aws:principalaccount", "aws:sourceaccount", "aws:principalorgpaths")


def _scoped(statement: dict) -> bool:  # type: ignore[type-arg]
    keys = [k.lower() for block in conditions(statement).values() for k in block]
    return any(k in SCOPING_KEYS for k in keys)


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != REPOSITORY_POLICY:
        return
    for i, st in enumerate(statements(get(args.props, "policy"), "policy")):
        if str(st.get("Effect", "Allow")) != "Allow":
            continue
        who = principals(st)
        everyone = "*" in who.get("*", []) + who.get("AWS", [])
        actions = [a.lower() for a in values(st, "Action")]
        if everyone and not _scoped(st):
            report(f"RepositoryPolicy '{args.name}' statement {i} lets anyone (Principal \"*\") use the repository. "
                   "Limit it to your account or organisation (aws:PrincipalOrgID condition).")
        elif everyone and ("ecr:*" in actions or "*" in actions):
            report(f"RepositoryPolicy '{args.name}' statement {i} grants every ECR action to a whole organisation. "
                   "Grant only the pull actions (ecr:BatchGetImage, ecr:GetDownloadUrlForLayer).")


METADATA = RuleMetadata(
    id="G4",
    aws_control="Amazon ECR repository policies, which AWS evaluates on every pull and push",
    cis=("5.1.2",),
    bpg=("image: Create IAM policies for ECR repositories",),
    checkov=("CKV_AWS_32",),
)

disallow_public_access = ResourceValidationPolicy(
    name="aws-ecr-repositorypolicy-disallow-public-access",
    description="ECR repository policies must not be public and must not grant every action to broad principals.",
    validate=_validate,
    severity=Severity.CRITICAL,
    tags=METADATA.tags("ecr", "access"),
    remediation_steps="Scope Principal \"*\" with aws:PrincipalOrgID and grant pull actions only.",
    url="https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-policies.html",
)
