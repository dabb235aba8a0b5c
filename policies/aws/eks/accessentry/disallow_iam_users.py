"""B3: cluster access goes through IAM roles, never IAM users (BPG iam, CKV_AWS_273)."""

from __future__ import annotations

import re

from _known import get, known
from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

from _aws_auth import EKS_COMPONENT, aws_auth_mappings, component_mappings, is_aws_auth

ACCESS_ENTRY = "aws:eks/accessEntry:AccessEntry"
_ROLE = re.compile(r"^arn:aws[a-z-]*:(iam|sts)::\d{12}:(role|assumed-role)/")
_FIX = "Grant access to an IAM role that people assume (SSO permission set or federated role), not to a user."


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = args.props
    if args.resource_type == ACCESS_ENTRY:
        if str(known(get(props, "type"), "type") or "STANDARD") != "STANDARD":
            return  # EC2_LINUX, FARGATE_LINUX ...: node and pod roles, mapped by EKS itself
        principal = str(known(get(props, "principalArn"), "principalArn",
                              "is the ARN of a principal this stack creates, so whether it is a role or a user "
                              "is unknown until it exists") or "")
        if not _ROLE.match(principal):
            report(f"access entry '{args.name}' grants access to {principal}, which is not an IAM role. {_FIX}")
        return
    if is_aws_auth(args.resource_type, props):
        users = aws_auth_mappings(props, keys=("mapUsers",))["mapUsers"]
    elif args.resource_type == EKS_COMPONENT and props:
        users = component_mappings(props)["mapUsers"]
    else:
        return
    for user in users:
        report(f"{args.resource_type.split(':')[-1]} '{args.name}' maps IAM user "
               f"{user.get('userarn') or user.get('userArn')} into the cluster. {_FIX}")


METADATA = RuleMetadata(
    id="B3",
    aws_control="IAM authentication to EKS: STS issues short-lived role sessions instead of long-lived user keys",
    cis=("5.5.1 (related)",),
    bpg=("iam: Use IAM Roles when multiple users need identical access to the cluster",),
    checkov=("CKV_AWS_273",),
)

disallow_iam_users = ResourceValidationPolicy(
    name="aws-eks-accessentry-disallow-iam-users",
    description="EKS cluster access must be granted to IAM roles, not IAM users.",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("eks", "access"),
    remediation_steps="Use a role ARN as principalArn; remove mapUsers/userMappings.",
    url="https://docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html",
)
