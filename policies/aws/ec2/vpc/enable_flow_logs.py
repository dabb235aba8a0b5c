"""E8: every VPC in the stack has flow logs (CKV2_AWS_11, BPG network "Log network traffic metadata").

A stack policy: it follows the FlowLog's ``vpcId`` property dependency to the VPC resource, and falls
back to comparing IDs when the dependency is not recorded (e.g. an ID passed as a plain string).
"""

from __future__ import annotations

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
        covered_urns.update(dep.urn for dep in r.property_dependencies.get("vpcId", []))
        if r.props.get("vpcId"):
            covered_ids.add(str(r.props["vpcId"]))
    for vpc in vpcs:
        if vpc.urn in covered_urns or str(vpc.props.get("id", "")) in covered_ids:
            continue
        report(f"VPC '{vpc.name}' has no flow log. Add an aws.ec2.FlowLog with vpc_id=<this VPC>.id and "
               "traffic_type=\"ALL\" to a CloudWatch log group or S3 bucket with a retention period.", vpc.urn)


enable_flow_logs = StackValidationPolicy(
    name="aws-ec2-vpc-enable-flow-logs",
    description="Every VPC must have VPC flow logs enabled.",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=["network", "detective", "ckv2-aws-11"],
    remediation_steps="Create an aws.ec2.FlowLog for the VPC (components.Network does this by default).",
    url="https://docs.aws.amazon.com/eks/latest/best-practices/network-security.html",
)
