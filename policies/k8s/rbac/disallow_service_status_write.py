"""I11: no writes to ``services/status`` (CKV2_K8S_4, CVE-2020-8554).

Whoever can update a Service's status can set ``status.loadBalancer.ingress[].ip`` and have kube-proxy on
every node send that IP's traffic, cluster-wide, to their Service (CVE-2020-8554): a man in the middle
for any destination.
"""

from __future__ import annotations

from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

from _rbac import ROLES, Access, describe, grants, kind, object_name

STATUS = [Access("", "services/status", ("update", "patch"))]


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in ROLES:
        return
    found = grants(args.props, STATUS)
    if found:
        report(f"{kind(args.resource_type)} '{object_name(args.props, args.name)}' grants {describe(found)}: its "
               "holders can spoof a load balancer IP and redirect that IP's traffic from every node to their "
               "Service (CVE-2020-8554). Remove it; only the load balancer controller writes Service status.")


METADATA = RuleMetadata(
    id="I11",
    aws_control="The EKS-managed API server's RBAC authorizer (AWS runs and patches the control plane)",
    checkov=("CKV2_K8S_4",),
)

disallow_service_status_write = ResourceValidationPolicy(
    name="kubernetes-rbac-disallow-service-status-write",
    description="Roles must not grant update or patch on services/status.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("kubernetes", "rbac", "network", "cve-2020-8554"),
    remediation_steps="Remove update/patch on services/status (and the wildcards that imply it) from the role.",
    url="https://github.com/kubernetes/kubernetes/issues/97076",
)
