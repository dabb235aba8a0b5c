"""M10: an EKS Auto Mode cluster that runs built-in node pools names their node role
(``computeConfig.nodeRoleArn``).

The built-in ``system`` and ``general-purpose`` pools launch nodes with that role; EKS refuses the pools without
it, and the role cannot change once compute is enabled. Presence decides: a role this stack creates has an ARN
unknown at the first preview, and is set.
"""

from __future__ import annotations

from _known import elements, get, is_set, known
from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

CLUSTER = "aws:eks/cluster:Cluster"


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != CLUSTER:
        return
    compute = get(args.props, "computeConfig")
    if compute is None or known(get(compute, "enabled"), "computeConfig.enabled") is not True:
        return
    pools = [str(known(p, "computeConfig.nodePools[]")) for p in elements(known(get(compute, "nodePools"),
                                                                                 "computeConfig.nodePools"))]
    if pools and not is_set(compute, "nodeRoleArn"):
        report(f"cluster '{args.name}' enables EKS Auto Mode node pools ({', '.join(pools)}) without a node role "
               "(computeConfig.nodeRoleArn is unset). Create the Auto Mode node role "
               "(AmazonEKSWorkerNodeMinimalPolicy, AmazonEC2ContainerRegistryPullOnly) and set "
               "computeConfig.nodeRoleArn to its ARN; it cannot change later.")


METADATA = RuleMetadata(
    id="M10",
    aws_control="EKS Auto Mode, which AWS operates: it launches the built-in pools' nodes with the given node role",
    bpg=("iam: Grant least privileged access to applications",),
)

configure_auto_mode_node_role = ResourceValidationPolicy(
    name="aws-eks-cluster-configure-auto-mode-node-role",
    description="EKS Auto Mode clusters with built-in node pools must name a node role.",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("eks", "auto-mode", "nodes", "iam"),
    remediation_steps="Set computeConfig.nodeRoleArn to the Auto Mode node role when computeConfig.nodePools is set.",
    url="https://docs.aws.amazon.com/eks/latest/userguide/create-auto.html",
)
