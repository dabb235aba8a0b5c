"""M3: Karpenter EC2NodeClasses and EKS Auto Mode NodeClasses never ask for public IPs (CIS EKS 5.4.3;
CKV_AWS_88 on instances, analogous).

``associatePublicIPAddress: true`` gives every node a public address whatever its subnet; unset, the subnet's
own setting decides, which M4 (``kubernetes-nodeclass-disallow-public-subnets``) judges.
"""

from __future__ import annotations

from _karpenter import of
from _known import get, known
from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    view = of(args, "EC2NodeClass", "NodeClass")
    if view is None:
        return
    path = "spec.associatePublicIPAddress"
    holder = view.spec
    if view.kind.startswith("NodeClass"):
        path, holder = "spec.advancedNetworking.associatePublicIPAddress", get(view.spec, "advancedNetworking")
    if known(get(holder, "associatePublicIPAddress"), path) is True:
        report(f"{view.describe()} gives its nodes public IP addresses ({path} is true), reachable from the "
               f"internet whatever the subnet. Set {path}: false and reach AWS through NAT or VPC endpoints.")


METADATA = RuleMetadata(
    id="M3",
    aws_control=("EC2 addressing: AWS gives an instance a public IPv4 address only when its network interface asks for"
                 " one"),
    cis=("5.4.3",),
    bpg=("hosts: Deploy workers onto private subnets",),
    checkov=("CKV_AWS_88 (analogous)",),
)

disallow_public_ip = ResourceValidationPolicy(
    name="kubernetes-nodeclass-disallow-public-ip",
    description="Karpenter EC2NodeClasses and EKS Auto Mode NodeClasses must not assign public IP addresses.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("kubernetes", "karpenter", "auto-mode", "nodes", "network"),
    remediation_steps="Set associatePublicIPAddress: false (EC2NodeClass spec; NodeClass spec.advancedNetworking) "
                      "or leave it unset with private subnets.",
    url="https://karpenter.sh/docs/concepts/nodeclasses/",
)
