"""I1: cluster-admin is bound only to allowlisted subjects (CIS EKS 4.1.1)."""

from __future__ import annotations

from _metadata import RuleMetadata
from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from _rbac import BINDINGS, kind, object_name, role_ref, subjects


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in BINDINGS:
        return
    config = args.get_config()
    admin_roles = [str(r) for r in config.get("adminRoles", ["cluster-admin"])]
    ref = role_ref(args.props)
    if ref.get("name") not in admin_roles:
        return
    allowed = {str(s) for s in config.get("allowedSubjects", [])}
    for s in subjects(args.props):
        label = f"{s.get('kind')}/{s.get('name')}"
        if s.get("name") not in allowed and label not in allowed:
            report(f"{kind(args.resource_type)} '{object_name(args.props, args.name)}' binds {ref.get('name')} to "
                   f"{label}, which is not allowlisted. Grant a narrower role, or add the subject to allowedSubjects.")


METADATA = RuleMetadata(
    id="I1",
    aws_control="The EKS-managed API server's RBAC authorizer (AWS runs and patches the control plane)",
    cis=("4.1.1",),
    bpg=("iam: Employ least privileged access when creating RoleBindings and ClusterRoleBindings",),
)

configure_cluster_admin_binding_allowlist = ResourceValidationPolicy(
    name="kubernetes-rbac-configure-cluster-admin-binding-allowlist",
    description="cluster-admin (and other configured admin roles) may only be bound to allowlisted subjects.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("kubernetes", "rbac"),
    remediation_steps="Bind a least-privilege Role instead, or allowlist the subject in the policy config.",
    url="https://kubernetes.io/docs/concepts/security/rbac-good-practices/",
    config_schema=PolicyConfigSchema(properties={
        "adminRoles": {"type": "array", "items": {"type": "string"}, "default": ["cluster-admin"]},
        "allowedSubjects": {"type": "array", "items": {"type": "string"}, "default": [],
                            "description": "Subject names, or Kind/name, that may hold the admin roles."}}),
)
