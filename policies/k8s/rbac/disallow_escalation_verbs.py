"""I5: no bind, escalate or impersonate (CIS EKS 4.1.8, CKV_K8S_157/158)."""

from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

from _rbac import ROLES, kind, object_name, rules

ESCALATION = {"bind", "escalate", "impersonate"}


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in ROLES:
        return
    for i, _groups, resources, verbs in rules(args.props):
        found = sorted(ESCALATION & set(verbs))
        if found:
            report(f"{kind(args.resource_type)} '{object_name(args.props, args.name)}' rule {i} grants "
                   f"{', '.join(found)} on {', '.join(resources) or 'nothing'}: a holder can grant itself any "
                   "permission or act as another identity. Remove these verbs.")


disallow_escalation_verbs = ResourceValidationPolicy(
    name="kubernetes-rbac-disallow-escalation-verbs",
    description="Roles must not grant the bind, escalate or impersonate verbs.",
    validate=_validate,
    severity=Severity.CRITICAL,
    tags=["kubernetes", "rbac", "cis-eks-4.1.8", "ckv-k8s-157", "ckv-k8s-158"],
    remediation_steps="Remove bind, escalate and impersonate from the role's verbs.",
    url="https://kubernetes.io/docs/concepts/security/rbac-good-practices/",
)
