"""D1: Fargate profiles use private subnets only (CIS EKS 5.4.3, derived)."""

from __future__ import annotations

from _metadata import RuleMetadata
from _subnets import public_subnets, subnet_dependencies
from pulumi_policy import ReportViolation, Severity, StackValidationArgs, StackValidationPolicy

FARGATE = "aws:eks/fargateProfile:FargateProfile"


def _validate(args: StackValidationArgs, report: ReportViolation) -> None:
    profiles = [r for r in args.resources if r.resource_type == FARGATE]
    if not profiles:
        args.not_applicable("the stack has no Fargate profiles")
    public = public_subnets(args.resources)
    for r in profiles:
        for subnet in subnet_dependencies(r, "subnetIds"):
            if subnet.urn in public:
                report(f"FargateProfile '{r.name}' uses subnet '{subnet.name}', which {public[subnet.urn]}. "
                       "Fargate pods belong in private subnets; pass the private subnets only.", r.urn)


METADATA = RuleMetadata(
    id="D1",
    aws_control="EKS Fargate: AWS runs each pod in its own micro-VM with an ENI in the profile's subnets",
    cis=("5.4.3 (derived)",),
    bpg=("hosts: Deploy workers onto private subnets (derived)",),
)

disallow_public_subnets = StackValidationPolicy(
    name="aws-eks-fargateprofile-disallow-public-subnets",
    description="Fargate profiles must use private subnets only.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("fargate", "network"),
    remediation_steps="Use private subnets (no public IP mapping, no route to an internet gateway).",
    url="https://docs.aws.amazon.com/eks/latest/userguide/fargate-profile.html",
)
