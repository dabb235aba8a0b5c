"""B1: no IAM principal is mapped into ``system:masters`` (CIS EKS v1.5.0 4.1.7)."""

from __future__ import annotations

from _known import UNKNOWN, Deferred, elements, get, known
from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

from _aws_auth import EKS_COMPONENT, aws_auth_mappings, component_mappings, is_aws_auth
from _helpers import as_list

ACCESS_ENTRY = "aws:eks/accessEntry:AccessEntry"
_FIX = ("system:masters bypasses RBAC and cannot be revoked by deleting bindings; grant "
        "AmazonEKSClusterAdminPolicy to an allowlisted role with an access policy association instead.")


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = args.props
    if args.resource_type == ACCESS_ENTRY:
        groups = elements(known(get(props, "kubernetesGroups"), "kubernetesGroups"))
        if "system:masters" in [str(known(g, "kubernetesGroups[]")) for g in groups]:
            principal = get(props, "principalArn")
            who = "a principal this stack creates" if principal is UNKNOWN else principal
            report(f"access entry '{args.name}' maps {who} into system:masters. {_FIX}")
        return
    later = Deferred()
    if is_aws_auth(args.resource_type, props):
        mappings = aws_auth_mappings(props, later=later)
    elif args.resource_type == EKS_COMPONENT and props:
        mappings = component_mappings(props)
    else:
        return
    for key, entries in mappings.items():
        for entry in entries:
            if "system:masters" in [str(g) for g in as_list(entry.get("groups"))]:
                who = entry.get("rolearn") or entry.get("roleArn") or entry.get("userarn") or entry.get("userArn")
                report(f"{args.resource_type.split(':')[-1]} '{args.name}' maps {who} into system:masters ({key}). "
                       f"{_FIX}")
    later.done()  # mapRoles unknown at preview: decided during `pulumi up`, after mapUsers is reported


METADATA = RuleMetadata(
    id="B1",
    aws_control="EKS authenticator (access entries and aws-auth): AWS maps IAM principals to Kubernetes groups",
    cis=("4.1.7 (v1.5.0)",),
    bpg=("iam",),
)

disallow_system_masters = ResourceValidationPolicy(
    name="aws-eks-accessentry-disallow-system-masters",
    description="No IAM principal may be mapped into the system:masters group.",
    validate=_validate,
    severity=Severity.CRITICAL,
    tags=METADATA.tags("eks", "access", "rbac"),
    remediation_steps="Remove system:masters from kubernetesGroups/aws-auth; use access policies or RBAC.",
    url="https://docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html",
)
