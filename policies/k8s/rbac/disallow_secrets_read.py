"""I3: reading Secrets is minimised (CIS EKS 4.1.2, CKV2_K8S_5)."""

from __future__ import annotations

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from _rbac import ROLES, kind, object_name, rules

READ = {"get", "list", "watch", "*"}


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in ROLES:
        return
    name = object_name(args.props, args.name)
    if name in {str(r) for r in args.get_config().get("allowedRoles", [])}:
        return
    for i, groups, resources, verbs in rules(args.props):
        if "" not in groups and "*" not in groups:
            continue
        if ("secrets" in resources or "*" in resources) and READ & set(verbs):
            scope = "in every namespace it is bound in" if kind(args.resource_type) == "ClusterRole" else "in its namespace"
            report(f"{kind(args.resource_type)} '{name}' rule {i} can read Secrets ({', '.join(sorted(READ & set(verbs)))}) "
                   f"{scope}. Mount Secrets into the pods that need them instead, or allowlist the role in allowedRoles.")


disallow_secrets_read = ResourceValidationPolicy(
    name="kubernetes-rbac-disallow-secrets-read",
    description="Roles must not grant get, list or watch on Secrets unless allowlisted.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=["kubernetes", "rbac", "secrets", "cis-eks-4.1.2", "ckv2-k8s-5"],
    remediation_steps="Remove get/list/watch on secrets or allowlist the role name in allowedRoles.",
    url="https://kubernetes.io/docs/concepts/security/rbac-good-practices/",
    config_schema=PolicyConfigSchema(properties={
        "allowedRoles": {"type": "array", "items": {"type": "string"}, "default": [],
                         "description": "Role/ClusterRole names (metadata.name) allowed to read Secrets."}}),
)
