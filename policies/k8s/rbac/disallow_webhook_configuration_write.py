"""I7: writing admission webhook configurations is minimised (CIS EKS 4.1.11, CKV_K8S_155).

A mutating webhook sees, and may rewrite, every object the API server admits (Secrets included); deleting
or changing a validating webhook switches off the guardrails it enforces.
"""

from __future__ import annotations

from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

from _rbac import ROLES, Access, describe, grants, kind, object_name

WRITE = ("create", "update", "patch", "delete", "deletecollection")
WEBHOOKS = [Access("admissionregistration.k8s.io", r, WRITE)
            for r in ("mutatingwebhookconfigurations", "validatingwebhookconfigurations")]


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in ROLES:
        return
    found = grants(args.props, WEBHOOKS)
    if found:
        report(f"{kind(args.resource_type)} '{object_name(args.props, args.name)}' grants {describe(found)}: its "
               "holders can intercept and rewrite every object the API server admits, or switch admission "
               "guardrails off. Keep webhook configurations in the platform's deployment pipeline; grant "
               "get/list/watch only.")


METADATA = RuleMetadata(
    id="I7",
    aws_control="The EKS-managed API server's RBAC authorizer (AWS runs and patches the control plane)",
    cis=("4.1.11",),
    checkov=("CKV_K8S_155",),
)

disallow_webhook_configuration_write = ResourceValidationPolicy(
    name="kubernetes-rbac-disallow-webhook-configuration-write",
    description="Roles must not grant write verbs on mutating or validating webhook configurations.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("kubernetes", "rbac", "admission"),
    remediation_steps="Remove create/update/patch/delete on mutatingwebhookconfigurations and "
                      "validatingwebhookconfigurations (admissionregistration.k8s.io) from the role.",
    url="https://kubernetes.io/docs/concepts/security/rbac-good-practices/#control-admission-webhooks",
)
