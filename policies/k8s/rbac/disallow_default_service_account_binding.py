"""I12: the default ServiceAccount is never bound to a role (CKV_K8S_42, CIS EKS 4.1.5)."""

from __future__ import annotations

from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

from _rbac import BINDINGS, kind, object_name, role_ref, subjects


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in BINDINGS:
        return
    for s in subjects(args.props):
        if s.get("kind") == "ServiceAccount" and s.get("name") == "default":
            report(f"{kind(args.resource_type)} '{object_name(args.props, args.name)}' binds "
                   f"{role_ref(args.props).get('name')} to the default ServiceAccount of namespace "
                   f"'{s.get('namespace', '?')}', so every pod without its own account gets it. Create a dedicated "
                   "ServiceAccount and bind that.")


METADATA = RuleMetadata(
    id="I12",
    aws_control="The EKS-managed API server's RBAC authorizer (AWS runs and patches the control plane)",
    cis=("4.1.5",),
    checkov=("CKV_K8S_42",),
)

disallow_default_service_account_binding = ResourceValidationPolicy(
    name="kubernetes-rbac-disallow-default-service-account-binding",
    description="RBAC bindings must not grant roles to a namespace's default ServiceAccount.",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("kubernetes", "rbac"),
    remediation_steps="Bind a dedicated ServiceAccount instead of default.",
    url="https://kubernetes.io/docs/concepts/security/service-accounts/",
)
