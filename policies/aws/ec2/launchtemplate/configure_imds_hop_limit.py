"""C2: IMDS hop limit 1 so pods cannot reach node credentials (CKV_AWS_341), 2 only where allowed."""

from __future__ import annotations

from _metadata import RuleMetadata
from _nodes import node_view
from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    view = node_view(args)
    if view is None or view.imds_disabled or view.hop_limit is None or view.hop_limit <= 1:
        return
    allowed = {str(n) for n in args.get_config().get("allowHopLimitTwo", [])}
    if view.hop_limit == 2 and args.name in allowed:
        return
    report(f"{args.resource_type.split(':')[-1]} '{args.name}' has IMDS hop limit {view.hop_limit}, so containers can "
           "reach the instance metadata service and the node role. Set httpPutResponseHopLimit=1; if this "
           "group's pods need IMDS, list it in allowHopLimitTwo.")


METADATA = RuleMetadata(
    id="C2",
    aws_control="EC2 IMDS response hop limit, enforced by the instance host on every metadata response",
    bpg=("iam: Restrict access to the instance profile assigned to the worker node",),
    checkov=("CKV_AWS_341",),
)

configure_imds_hop_limit = ResourceValidationPolicy(
    name="aws-ec2-launchtemplate-configure-imds-hop-limit",
    description="EC2 nodes must use an IMDS hop limit of 1 unless allowlisted for 2.",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("nodes", "imds"),
    remediation_steps="Set metadataOptions.httpPutResponseHopLimit to 1.",
    url="https://docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html",
    config_schema=PolicyConfigSchema(properties={
        "allowHopLimitTwo": {"type": "array", "items": {"type": "string"}, "default": [],
                             "description": "Resource names (launch templates) allowed hop limit 2."}}),
)
