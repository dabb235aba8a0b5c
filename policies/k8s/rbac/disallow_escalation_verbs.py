"""I5: no bind, escalate or impersonate (CIS EKS 4.1.8, CKV_K8S_157/158)."""

from __future__ import annotations

from _metadata import RuleMetadata
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
