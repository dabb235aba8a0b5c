"""I5: no bind, escalate or impersonate (CIS EKS 4.1.8, CKV_K8S_157/158).

The verbs as written, on any resource, and the wildcard verb ``*`` where the rule covers what they act on
(wildcards in API groups and resources counted): ``bind`` and ``escalate`` on ``roles``/``clusterroles`` of
``rbac.authorization.k8s.io``, ``impersonate`` on ``users``, ``groups``, ``serviceaccounts`` and
``authentication.k8s.io`` ``uids``/``userextras``.
"""

from __future__ import annotations

from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

from _rbac import ALL, ROLES, kind, object_name, role_rules

ESCALATION = {"bind", "escalate", "impersonate"}
RBAC_GROUP = "rbac.authorization.k8s.io"
#: What the wildcard verb grants the escalation verbs on: (verb, API group, resource).
WILDCARD_TARGETS = [
    *((verb, RBAC_GROUP, resource) for verb in ("bind", "escalate") for resource in ("roles", "clusterroles")),
    *(("impersonate", "", resource) for resource in ("users", "groups", "serviceaccounts")),
    *(("impersonate", "authentication.k8s.io", resource) for resource in ("uids", "userextras")),
]


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in ROLES:
        return
    for rule in role_rules(args.props):
        explicit = ESCALATION & set(rule.verbs)
        wild = {verb for verb, group, resource in WILDCARD_TARGETS
                if ALL in rule.verbs and rule.matches_group(group) and rule.matches_resource(resource)}
        found = explicit | wild
        if found:
            how = "" if explicit else " through the wildcard verb \"*\""
            report(f"{kind(args.resource_type)} '{object_name(args.props, args.name)}' rule {rule.index} grants "
                   f"{', '.join(sorted(found))}{how} on {', '.join(rule.resources) or 'nothing'}: a holder can grant "
                   "itself any permission or act as another identity. Remove these verbs (list the verbs the role "
                   "needs instead of \"*\").")


METADATA = RuleMetadata(
    id="I5",
    aws_control="The EKS-managed API server's RBAC authorizer (AWS runs and patches the control plane)",
    cis=("4.1.8",),
    checkov=("CKV_K8S_157", "CKV_K8S_158", "CKV2_K8S_3", "CKV2_K8S_1"),
)

disallow_escalation_verbs = ResourceValidationPolicy(
    name="kubernetes-rbac-disallow-escalation-verbs",
    description="Roles must not grant the bind, escalate or impersonate verbs.",
    validate=_validate,
    severity=Severity.CRITICAL,
    tags=METADATA.tags("kubernetes", "rbac"),
    remediation_steps="Remove bind, escalate and impersonate from the role's verbs.",
    url="https://kubernetes.io/docs/concepts/security/rbac-good-practices/",
)
