"""C3 (stack part): node groups and autoscaling groups run in private subnets only (CIS EKS 5.4.3)."""

from __future__ import annotations

from _metadata import RuleMetadata
from _subnets import public_subnets, subnet_dependencies
from pulumi_policy import ReportViolation, Severity, StackValidationArgs, StackValidationPolicy

TARGETS = {"aws:eks/nodeGroup:NodeGroup": "subnetIds", "aws:autoscaling/group:Group": "vpcZoneIdentifiers"}


def _validate(args: StackValidationArgs, report: ReportViolation) -> None:
    nodes = [r for r in args.resources if r.resource_type in TARGETS]
    if not nodes:
        args.not_applicable("the stack has no node groups")
    public = public_subnets(args.resources)
    for r in nodes:
        for subnet in subnet_dependencies(r, TARGETS[r.resource_type]):
            if subnet.urn in public:
                report(f"{r.resource_type.split(':')[-1]} '{r.name}' places nodes in subnet '{subnet.name}', which "
                       f"{public[subnet.urn]}. Use the private subnets (egress through NAT).", r.urn)


METADATA = RuleMetadata(
    id="C3",
    aws_control="VPC subnet public-IP mapping and internet-gateway routing, operated by AWS",
    cis=("5.4.3",),
    bpg=("hosts: Deploy workers onto private subnets",),
    checkov=("CKV_AWS_130",),
)

disallow_public_subnets = StackValidationPolicy(
    name="aws-eks-nodegroup-disallow-public-subnets",
    description="Node groups and autoscaling groups must use private subnets only.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("nodes", "network"),
    remediation_steps="Pass only private subnet IDs to the node group.",
    url="https://docs.aws.amazon.com/eks/latest/best-practices/protecting-the-infrastructure.html",
)
