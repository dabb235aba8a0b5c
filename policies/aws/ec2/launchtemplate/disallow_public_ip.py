"""C3 (resource part): nodes get no public IP addresses (CIS EKS 5.4.3, CKV_AWS_88)."""

from __future__ import annotations

from _metadata import RuleMetadata
from _nodes import node_view
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

from _eks import component_hint


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    view = node_view(args)
    if view is not None and view.public_ip:
        report(f"{args.resource_type.split(':')[-1]} '{args.name}' gives nodes public IP addresses. Remove "
               "associatePublicIpAddress and place nodes in private subnets behind NAT."
               + component_hint(args.urn, "node_associate_public_ip_address", "False"))


METADATA = RuleMetadata(
    id="C3",
    aws_control=("EC2 addressing: AWS gives an instance a public IPv4 address only when its network interface asks for"
                 " one"),
    cis=("5.4.3",),
    bpg=("hosts: Deploy workers onto private subnets",),
    checkov=("CKV_AWS_88", "CKV_AWS_389"),
    pcp=(
        "aws-ec2-launchtemplate-disallow-public-ip",
        "aws-ec2-launchconfiguration-disallow-public-ip",
        "aws-ec2-instance-disallow-public-ip",
    ),
    ag=("ec2-instance-no-public-ip",),
)

disallow_public_ip = ResourceValidationPolicy(
    name="aws-ec2-launchtemplate-disallow-public-ip",
    description="Worker nodes must not have public IP addresses.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("nodes", "network"),
    remediation_steps="Set associatePublicIpAddress to false and use private subnets.",
    url="https://docs.aws.amazon.com/eks/latest/best-practices/protecting-the-infrastructure.html",
)
