"""A1: the EKS API endpoint is private (CIS EKS 5.4.2, CKV_AWS_39, BPG iam "Make the EKS Cluster Endpoint private")."""

from __future__ import annotations

from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

from _eks import cluster_view, component_hint


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    view = cluster_view(args)
    if view is None:
        return
    if view.public_endpoint:
        report(f"cluster '{args.name}' exposes its API endpoint publicly (endpointPublicAccess is true or unset). "
               "Set endpointPublicAccess=false and endpointPrivateAccess=true, and reach the API from the VPC "
               "(VPN, bastion or CI runners in the VPC)."
               + component_hint(args.urn, "endpoint_public_access", "False, endpoint_private_access=True"))
    elif not view.private_endpoint:
        report(f"cluster '{args.name}' has neither a public nor a private endpoint; set endpointPrivateAccess=true."
               + component_hint(args.urn, "endpoint_private_access", "True"))


METADATA = RuleMetadata(
    id="A1",
    aws_control="EKS private endpoint: AWS serves the API server through cross-account ENIs in the cluster VPC",
    cis=("5.4.2",),
    bpg=("iam: Make the EKS Cluster Endpoint private",),
    checkov=("CKV_AWS_39",),
    pcp=("aws-eks-cluster-disallow-api-endpoint-public-access",),
)

disallow_api_endpoint_public_access = ResourceValidationPolicy(
    name="aws-eks-cluster-disallow-api-endpoint-public-access",
    description="EKS cluster API endpoints must be private.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("eks", "control-plane", "network"),
    remediation_steps="Set vpcConfig.endpointPublicAccess=false and endpointPrivateAccess=true.",
    url="https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html",
)
