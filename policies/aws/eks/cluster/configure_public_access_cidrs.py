"""A2: a public endpoint is limited to known CIDRs (CIS EKS 5.4.1, CKV_AWS_38)."""

from __future__ import annotations

import ipaddress

from _metadata import RuleMetadata
from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from _eks import cluster_view, component_hint
from _helpers import CIDR_PATTERN, WORLD_CIDRS, pattern_item


def _inside(cidr: str, allowed: list[str]) -> bool:
    try:
        net = ipaddress.ip_network(cidr, strict=False)
        return any(net.subnet_of(ipaddress.ip_network(a, strict=False)) for a in allowed)  # type: ignore[arg-type]
    except (ValueError, TypeError):
        return False


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    view = cluster_view(args)
    if view is None or not view.public_endpoint:
        return
    if view.public_cidrs is None or not view.public_cidrs:
        report(f"cluster '{args.name}' has a public endpoint open to 0.0.0.0/0 (publicAccessCidrs unset). "
               "Set publicAccessCidrs to your office/VPN ranges, or make the endpoint private."
               + component_hint(args.urn, "public_access_cidrs", "[\"<office/VPN CIDR>\"]"))
        return
    world = [c for c in view.public_cidrs if c in WORLD_CIDRS]
    if world:
        report(f"cluster '{args.name}' allows {', '.join(world)} to reach its public endpoint. "
               "Replace it with your office/VPN ranges in publicAccessCidrs."
               + component_hint(args.urn, "public_access_cidrs", "[\"<office/VPN CIDR>\"]"))
    allowed = [str(c) for c in args.get_config().get("allowedCidrs", [])]
    if allowed:
        outside = [c for c in view.public_cidrs if c not in WORLD_CIDRS and not _inside(c, allowed)]
        if outside:
            report(f"cluster '{args.name}' allows {', '.join(outside)}, outside the approved ranges "
                   f"({', '.join(allowed)}). Use approved ranges or ask to extend allowedCidrs.")


METADATA = RuleMetadata(
    id="A2",
    aws_control="EKS public endpoint source-CIDR filtering, applied by AWS in front of the API server",
    cis=("5.4.1",),
    bpg=("iam: Make the EKS Cluster Endpoint private",),
    checkov=("CKV_AWS_38",),
    pcp=("aws-eks-cluster-disallow-api-endpoint-public-access",),
)

configure_public_access_cidrs = ResourceValidationPolicy(
    name="aws-eks-cluster-configure-public-access-cidrs",
    description="A public EKS endpoint must be restricted to approved CIDRs, never 0.0.0.0/0.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("eks", "control-plane", "network"),
    remediation_steps="Set vpcConfig.publicAccessCidrs to approved ranges (policy config allowedCidrs).",
    url="https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html",
    config_schema=PolicyConfigSchema(properties={
        "allowedCidrs": {"type": "array", "items": pattern_item(CIDR_PATTERN, "a CIDR block, e.g. 203.0.113.0/24"), "default": [],
                         "description": "CIDRs a public endpoint may allow; empty: any except 0.0.0.0/0."}}),
)
