"""I4: creating pods is minimised (CIS EKS 4.1.4).

Whoever can create a pod, directly or through a controller that creates pods for it, can run any image as
any ServiceAccount of the namespace, mount its Secrets and, where admission allows, reach the node. Every
rule of the role counts, wildcards included.
"""

from __future__ import annotations

from _metadata import RuleMetadata
from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from _rbac import ROLES, Access, describe, grants, kind, object_name

#: Pods, and every built-in controller that creates pods from a template.
POD_CREATORS = [
    Access("", "pods", ("create",)),
    Access("", "replicationcontrollers", ("create",)),
    *(Access("apps", r, ("create",)) for r in ("deployments", "statefulsets", "daemonsets", "replicasets")),
    *(Access("batch", r, ("create",)) for r in ("jobs", "cronjobs")),
]


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in ROLES:
        return
    name = object_name(args.props, args.name)
    if name in {str(r) for r in args.get_config().get("allowedRoles", [])}:
        return
    found = grants(args.props, POD_CREATORS)
    if found:
        report(f"{kind(args.resource_type)} '{name}' grants {describe(found)}: its holders can run any image as "
               "any ServiceAccount of the namespace and mount its Secrets. Leave pod creation to a deployment "
               "pipeline's role, or allowlist this role in allowedRoles.")


METADATA = RuleMetadata(
    id="I4",
    aws_control="The EKS-managed API server's RBAC authorizer (AWS runs and patches the control plane)",
    cis=("4.1.4",),
)

disallow_pod_creation = ResourceValidationPolicy(
    name="kubernetes-rbac-disallow-pod-creation",
    description="Roles must not grant create on pods or on workload controllers unless allowlisted.",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("kubernetes", "rbac", "workloads"),
    remediation_steps="Remove create on pods, deployments, statefulsets, daemonsets, replicasets, jobs, cronjobs "
                      "and replicationcontrollers, or allowlist the role name in allowedRoles.",
    url="https://kubernetes.io/docs/concepts/security/rbac-good-practices/#workload-creation",
    config_schema=PolicyConfigSchema(properties={
        "allowedRoles": {"type": "array", "items": {"type": "string"}, "default": [],
                         "description": "Role/ClusterRole names (metadata.name) allowed to create pods."}}),
)
