"""E8: every VPC in the stack has flow logs (CKV2_AWS_11, BPG network "Log network traffic metadata").

A stack policy: it follows the FlowLog's ``vpcId`` property dependency to the VPC resource (the ID is
unknown at the first preview), and falls back to comparing IDs written in the program as plain strings.
"""

from __future__ import annotations

from _known import UNKNOWN, get
from _metadata import RuleMetadata
from _resolve import referenced
from pulumi_policy import ReportViolation, Severity, StackValidationArgs, StackValidationPolicy

VPC = "aws:ec2/vpc:Vpc"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"


def _validate(args: StackValidationArgs, report: ReportViolation) -> None:
    vpcs = [r for r in args.resources if r.resource_type == VPC]
    if not vpcs:
        args.not_applicable("the stack has no VPC")
    covered_urns: set[str] = set()
    covered_ids: set[str] = set()
    for r in args.resources:
        if r.resource_type != FLOW_LOG:
            continue
        covered_urns.update(dep.urn for dep in referenced(r, "vpcId", VPC))
        vpc_id = get(r.props, "vpcId")
        if vpc_id and vpc_id is not UNKNOWN:  # an ID written in the program (a VPC managed elsewhere)
            covered_ids.add(str(vpc_id))
    for vpc in vpcs:
        if vpc.urn in covered_urns or str(get(vpc.props, "id", "")) in covered_ids:
            continue
        report(f"VPC '{vpc.name}' has no flow log. Add an aws.ec2.FlowLog with vpc_id=<this VPC>.id and "
               "traffic_type=\"ALL\" to a CloudWatch log group or S3 bucket with a retention period.", vpc.urn)


METADATA = RuleMetadata(
    id="E8",
    aws_control="VPC Flow Logs: AWS captures the traffic metadata of every network interface",
    bpg=("network: Log network traffic metadata",),
    checkov=("CKV2_AWS_11",),
)

enable_flow_logs = StackValidationPolicy(
    name="aws-ec2-vpc-enable-flow-logs",
    description="Every VPC must have VPC flow logs enabled.",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("network", "detective"),
    remediation_steps="Create an aws.ec2.FlowLog for the VPC (components.Network does this by default).",
    url="https://docs.aws.amazon.com/eks/latest/best-practices/network-security.html",
)
