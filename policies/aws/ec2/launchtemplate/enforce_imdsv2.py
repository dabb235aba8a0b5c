"""C1: instances require IMDSv2 (CKV_AWS_79, BPG iam "use IMDSv2")."""

from __future__ import annotations

from _metadata import RuleMetadata
from _nodes import node_view
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

from _eks import component_hint, component_of


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    view = node_view(args)
    if view is None or view.imds_disabled or view.http_tokens is None:
        return
    if view.http_tokens != "required":
        report(f"{args.resource_type.split(':')[-1]} '{args.name}' allows IMDSv1 (httpTokens is "
               f"{view.http_tokens}): any SSRF in a pod can read the node's credentials. Set "
               "metadataOptions.httpTokens=\"required\"." + _hint(args.urn))


def _hint(urn: str) -> str:
    """ManagedNodeGroup has an argument; the other pulumi-eks components only a transform on the template."""
    component = component_of(urn)
    if component is not None and component[0] == "eks:index:ManagedNodeGroup":
        return component_hint(urn, "enable_imd_sv2", "True")
    return component_hint(urn, None, '"metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 1, '
                                     '"httpEndpoint": "enabled"}')


METADATA = RuleMetadata(
    id="C1",
    aws_control="EC2 Instance Metadata Service v2 session tokens (AWS runs IMDS on the instance host)",
    bpg=("iam: Restrict access to the instance profile assigned to the worker node",),
    checkov=("CKV_AWS_79",),
)

enforce_imdsv2 = ResourceValidationPolicy(
    name="aws-ec2-launchtemplate-enforce-imdsv2",
    description="EC2 nodes must require IMDSv2 session tokens.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("nodes", "imds"),
    remediation_steps="Set metadataOptions.httpTokens to required.",
    url="https://docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html",
)
