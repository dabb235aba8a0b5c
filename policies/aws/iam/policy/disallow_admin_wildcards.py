"""H5: no admin or wildcard IAM permissions on the platform's roles (CKV_AWS_62/63/355/286-290)."""

from __future__ import annotations

from typing import Any

from _known import elements, get, known
from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

from _iam_docs import statements, values

POLICY = "aws:iam/policy:Policy"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
ROLE = "aws:iam/role:Role"
ADMIN_MANAGED = ("/AdministratorAccess", "/IAMFullAccess", "/PowerUserAccess")
#: Actions that let a principal grant itself more permissions.
ESCALATION = {"iam:*", "iam:passrole", "iam:createpolicyversion", "iam:attachrolepolicy", "iam:putrolepolicy",
              "iam:attachuserpolicy", "iam:createaccesskey", "iam:updateassumerolepolicy", "sts:*"}


def _check_document(args: ResourceValidationArgs, report: ReportViolation, document: Any, where: str,
                    path: str = "policy") -> None:
    for i, st in enumerate(statements(document, path)):
        if str(st.get("Effect", "Allow")) != "Allow":
            continue
        actions = [a.lower() for a in values(st, "Action")]
        resources = values(st, "Resource")
        if "*" in actions:
            report(f"{where} statement {i} allows every action (\"*\"). List the actions the role needs.")
        elif any(a.endswith(":*") for a in actions) and "*" in resources:
            wild = [a for a in actions if a.endswith(":*")]
            report(f"{where} statement {i} allows {', '.join(wild)} on every resource. Name the actions and the "
                   "resources (ARNs) they apply to.")
        escalating = sorted(a for a in actions if a in ESCALATION)
        if escalating and "*" in resources:
            report(f"{where} statement {i} allows privilege escalation ({', '.join(escalating)}) on every resource. "
                   "Scope it to specific role/policy ARNs, or remove it.")


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = args.props
    if args.resource_type in (POLICY, ROLE_POLICY):
        _check_document(args, report, get(props, "policy"), f"{args.resource_type.split(':')[-1]} '{args.name}'")
    elif args.resource_type == ATTACHMENT:
        arn = str(known(get(props, "policyArn"), "policyArn") or "")
        if arn.endswith(ADMIN_MANAGED):
            report(f"attachment '{args.name}' gives a role {arn.rsplit('/', 1)[-1]}. Attach least-privilege "
                   "policies for what the role does.")
    elif args.resource_type == ROLE:
        for arn in [str(known(a, "managedPolicyArns[]")) for a in elements(get(props, "managedPolicyArns"))]:
            if arn.endswith(ADMIN_MANAGED):
                report(f"role '{args.name}' has {arn.rsplit('/', 1)[-1]} attached. Use least-privilege policies.")
        for i, inline in enumerate(elements(known(get(props, "inlinePolicies"), "inlinePolicies"))):
            _check_document(args, report, get(inline, "policy"), f"inline policy of role '{args.name}'",
                            f"inlinePolicies[{i}].policy")


METADATA = RuleMetadata(
    id="H5",
    aws_control="IAM policy evaluation: AWS allows only the actions and resources the attached policies name",
    bpg=("iam: Employ least privileged access to AWS Resources", "iam: Grant least privileged access to applications"),
    checkov=(
        "CKV_AWS_62",
        "CKV_AWS_63",
        "CKV_AWS_355",
        "CKV_AWS_274",
        "CKV_AWS_286",
        "CKV_AWS_287",
        "CKV_AWS_288",
        "CKV_AWS_289",
        "CKV_AWS_290",
        "CKV2_AWS_40",
        "CKV2_AWS_56",
    ),
)

disallow_admin_wildcards = ResourceValidationPolicy(
    name="aws-iam-policy-disallow-admin-wildcards",
    description="IAM policies must not grant admin, wildcard or privilege-escalation permissions.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("iam", "least-privilege"),
    remediation_steps="Replace wildcards with the actions and resources the role needs; never attach admin policies.",
    url="https://docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html",
)
