"""I2: no wildcards in Roles and ClusterRoles (CIS EKS 4.1.3, CKV_K8S_49)."""

from __future__ import annotations

from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

from _rbac import ROLES, kind, object_name, rules


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in ROLES:
        return
    for i, groups, resources, verbs in rules(args.props):
        fields = [name for name, items in (("apiGroups", groups), ("resources", resources), ("verbs", verbs))
                  if "*" in items]
        if fields:
            report(f"{kind(args.resource_type)} '{object_name(args.props, args.name)}' rule {i} uses \"*\" in "
                   f"{', '.join(fields)}. List the API groups, resources and verbs explicitly; wildcards also grant "
                   "whatever is added to the API later.")


METADATA = RuleMetadata(
    id="I2",
    aws_control="The EKS-managed API server's RBAC authorizer (AWS runs and patches the control plane)",
    cis=("4.1.3",),
    bpg=("iam",),
    checkov=("CKV_K8S_49",),
)

disallow_wildcards = ResourceValidationPolicy(
    name="kubernetes-rbac-disallow-wildcards",
    description="Roles and ClusterRoles must not use wildcards in apiGroups, resources or verbs.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("kubernetes", "rbac"),
    remediation_steps="Replace \"*\" with explicit API groups, resources and verbs.",
    url="https://kubernetes.io/docs/concepts/security/rbac-good-practices/",
)
