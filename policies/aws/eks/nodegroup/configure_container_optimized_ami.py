"""C8: nodes run a container-optimised, supported OS (BPG hosts "Use an OS optimized for running containers")."""

from __future__ import annotations

from fnmatch import fnmatch

from _known import get, is_set, known
from _metadata import RuleMetadata
from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
COMPONENTS = {"eks:index:ManagedNodeGroup", "eks:index:NodeGroupV2"}
DEFAULT_ALLOWED = ["AL2023_*", "BOTTLEROCKET_*"]


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in {NODE_GROUP, *COMPONENTS}:
        return
    props = args.props
    if args.resource_type in COMPONENTS and not props:
        args.not_applicable("component inputs are empty (remote component)")
    ami_type = known(get(props, "amiType"), "amiType")
    if ami_type is None:
        if args.resource_type == NODE_GROUP and not is_set(props, "launchTemplate"):
            report(f"NodeGroup '{args.name}' sets no amiType, so EKS picks a default OS. Set amiType to an AL2023 "
                   "or Bottlerocket type.")
        return
    allowed = [str(a) for a in args.get_config().get("allowedAmiTypes", DEFAULT_ALLOWED)]
    if not any(fnmatch(str(ami_type), pattern) for pattern in allowed):
        report(f"{args.resource_type.split(':')[-1]} '{args.name}' uses AMI type {ami_type}; use a container-optimised "
               f"one ({', '.join(allowed)}). AL2 reaches end of support and lacks IMDSv2 and cgroup v2 defaults.")


METADATA = RuleMetadata(
    id="C8",
    aws_control="EKS-optimized AMIs (AL2023, Bottlerocket), which AWS builds, hardens and patches",
    bpg=("hosts: Use an OS optimized for running containers", "hosts: Keep your worker node OS updated"),
)

configure_container_optimized_ami = ResourceValidationPolicy(
    name="aws-eks-nodegroup-configure-container-optimized-ami",
    description="Node groups must use a container-optimised AMI type (AL2023 or Bottlerocket).",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("nodes", "os"),
    remediation_steps="Set amiType to AL2023_* or BOTTLEROCKET_*.",
    url="https://docs.aws.amazon.com/eks/latest/best-practices/protecting-the-infrastructure.html",
    config_schema=PolicyConfigSchema(properties={
        "allowedAmiTypes": {"type": "array", "items": {"type": "string"}, "default": DEFAULT_ALLOWED,
                            "description": "Glob patterns of allowed EKS AMI types."}}),
)
