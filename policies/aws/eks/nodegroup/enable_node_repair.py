"""M11: EKS managed node groups turn on node auto repair (``nodeRepairConfig.enabled``).

With repair on, EKS replaces nodes the node monitoring agent reports unhealthy (kubelet, container runtime,
storage, network and accelerator faults) instead of leaving them for an operator. Advisory: repair is an
availability practice, not a security control.
"""

from __future__ import annotations

from _known import get, known
from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != NODE_GROUP:
        return
    repair = get(args.props, "nodeRepairConfig")
    if known(get(repair, "enabled"), "nodeRepairConfig.enabled") is not True:
        state = "unset" if repair is None else "false"
        report(f"NodeGroup '{args.name}' does not repair unhealthy nodes (nodeRepairConfig.enabled is {state}). Set "
               "node_repair_config={\"enabled\": True} and install the eks-node-monitoring-agent add-on.")


METADATA = RuleMetadata(
    id="M11",
    aws_control="EKS node auto repair, which AWS operates: it replaces managed nodes reported unhealthy",
)

enable_node_repair = ResourceValidationPolicy(
    name="aws-eks-nodegroup-enable-node-repair",
    description="EKS managed node groups should enable node auto repair.",
    validate=_validate,
    severity=Severity.LOW,
    tags=METADATA.tags("eks", "nodes", "availability"),
    remediation_steps="Set nodeRepairConfig.enabled to true on the node group (with the node monitoring agent).",
    url="https://docs.aws.amazon.com/eks/latest/userguide/node-health.html",
)
