"""I3: reading Secrets is minimised (CIS EKS 4.1.2, CKV2_K8S_5).

A rule that may only ``get`` Secrets it names in ``resourceNames`` is least privilege, not a finding: it
reads exactly the Secrets its workload needs, and can neither enumerate (list) nor follow (watch) the
others. list, watch, ``*`` and any get without resourceNames keep firing.
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

from _rbac import ROLES, kind, object_name, role_rules

READ = ("get", "list", "watch")


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in ROLES:
        return
    name = object_name(args.props, args.name)
    if name in {str(r) for r in args.get_config().get("allowedRoles", [])}:
        return
    for rule in role_rules(args.props):
        verbs = rule.grants("", "secrets", READ)
        if not verbs:
            continue
        if rule.resource_names and verbs == ("get",):
            continue  # get on named Secrets only: least privilege
        scope = "in every namespace it is bound in" if kind(args.resource_type) == "ClusterRole" else "in its namespace"
        which = f"the Secrets {', '.join(rule.resource_names)}" if rule.resource_names else "Secrets"
        report(f"{kind(args.resource_type)} '{name}' rule {rule.index} can read {which} ({', '.join(verbs)}) "
               f"{scope}. Mount Secrets into the pods that need them, or grant only get on the named Secrets "
               "(resourceNames), or allowlist the role in allowedRoles.")


METADATA = RuleMetadata(
    id="I3",
    aws_control="The EKS-managed API server's RBAC authorizer (AWS runs and patches the control plane)",
    cis=("4.1.2",),
    checkov=("CKV2_K8S_5",),
)

disallow_secrets_read = ResourceValidationPolicy(
    name="kubernetes-rbac-disallow-secrets-read",
    description="Roles must not grant get, list or watch on Secrets unless allowlisted; get on Secrets named in "
                "resourceNames is allowed.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("kubernetes", "rbac", "secrets"),
    remediation_steps="Remove get/list/watch on secrets, narrow the rule to get with resourceNames listing the "
                      "Secrets the workload needs, or allowlist the role name in allowedRoles.",
    url="https://kubernetes.io/docs/concepts/security/rbac-good-practices/",
    config_schema=PolicyConfigSchema(properties={
        "allowedRoles": {"type": "array", "items": {"type": "string"}, "default": [],
                         "description": "Role/ClusterRole names (metadata.name) allowed to read Secrets."}}),
)
