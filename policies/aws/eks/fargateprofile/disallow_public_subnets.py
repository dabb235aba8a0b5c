"""D1: Fargate profiles use private subnets only (CIS EKS 5.4.3, derived)."""

from __future__ import annotations

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


disallow_public_subnets = StackValidationPolicy(
    name="aws-eks-fargateprofile-disallow-public-subnets",
    description="Fargate profiles must use private subnets only.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=["fargate", "network", "cis-eks-5.4.3"],
    remediation_steps="Use private subnets (no public IP mapping, no route to an internet gateway).",
    url="https://docs.aws.amazon.com/eks/latest/userguide/fargate-profile.html",
)
