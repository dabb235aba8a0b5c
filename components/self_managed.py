"""SelfManagedNodeGroup: nodes on an autoscaling group we own, for custom AMIs or bootstrap.

Built with pulumi-eks ``NodeGroupV2`` (launch template + ASG, with the EKS bootstrap it maintains), fed
with ``CoreDataArgs`` from our own control plane instead of a pulumi-eks cluster. Children:

* ``{name}-sg``: the nodes' security group: all traffic from the cluster security group and between
  nodes; egress to the VPC, and HTTPS anywhere (AWS APIs, registries); nothing from the internet;
* ``{name}-cluster-ingress``: HTTPS from the nodes to the control plane (the rule NodeGroupV2 requires
  when it is given its security group);
* ``{name}-profile``: an instance profile for the shared node role;
* ``{name}-access``: an ``EC2_LINUX`` access entry so the nodes can join (authentication mode API);
* ``{name}``: the ``eks:index:NodeGroupV2`` remote component: private subnets, no public IPs,
  encrypted root volume, no SSH key, optional detailed monitoring.

``NodeGroupV2`` is a remote component: in a real preview the pack judges its launch template and
autoscaling group (preflight models them from pulumi-eks' defaults). pulumi-eks 4.x offers no metadata
options for NodeGroupV2 from Python, so a resource transform (:func:`launch_template_hardening`, which the
engine applies to the component's children) sets them on its launch template: session tokens required
(IMDSv2) and a hop limit of 1, so pods cannot reach the node role's credentials (pods use Pod Identity),
and the customer-managed volume key on its root volume.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_eks as eks
import pulumi_kubernetes as k8s

from ._tags import merged_tags
from .compute import SubnetRef

TYPE_TOKEN = "eks-platform:components:SelfManagedNodeGroup"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
METADATA_OPTIONS = {"httpEndpoint": "enabled", "httpTokens": "required", "httpPutResponseHopLimit": 1}


def launch_template_hardening(volume_key_arn: pulumi.Input[str]) -> pulumi.ResourceTransform:
    """A resource transform for pulumi-eks launch templates, which leave IMDS and the volume key unset.

    It sets IMDSv2 with a hop limit of 1, and the customer-managed ``volume_key_arn`` on every EBS
    volume (pulumi-eks' root volume included).
    """
    def transform(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult | None:
        if args.type_ != LAUNCH_TEMPLATE:
            return None
        mappings = [{**m, "ebs": {**m["ebs"], "encrypted": "true", "kmsKeyId": volume_key_arn}}
                    for m in args.props.get("blockDeviceMappings") or [] if m.get("ebs")]
        props = {**args.props, "metadataOptions": dict(METADATA_OPTIONS), "blockDeviceMappings": mappings or [
            {"deviceName": "/dev/xvda", "ebs": {"encrypted": "true", "kmsKeyId": volume_key_arn, "volumeType": "gp3"}}]}
        return pulumi.ResourceTransformResult(props=props, opts=args.opts)
    return transform


@dataclass(frozen=True)
class SelfManagedNodeGroupArgs:
    """Inputs of :class:`SelfManagedNodeGroup`."""

    cluster: aws.eks.Cluster
    cluster_role: aws.iam.Role
    cluster_security_group_id: pulumi.Input[str]
    kubernetes_provider: k8s.Provider
    vpc_id: pulumi.Input[str]
    vpc_cidr: str
    """CIDR of the VPC: nodes reach pods, nodes and endpoints in it on any port."""
    subnets: Sequence[SubnetRef]
    node_role: aws.iam.Role
    volume_key_arn: pulumi.Input[str]
    """Customer-managed KMS key for the nodes' EBS volumes (the managed node groups' key)."""
    instance_type: str
    min_size: int
    desired_size: int
    max_size: int
    ami_id: str | None = None
    """A custom AMI (the reason to run self-managed nodes); default: the EKS-optimised AL2023 AMI."""
    labels: Mapping[str, str] = field(default_factory=dict)
    detailed_monitoring: bool = False
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        public = [str(s.zone or s.id) for s in self.subnets if s.public]
        if public or not self.subnets:
            raise ValueError("SelfManagedNodeGroupArgs.subnets: pass private subnets only"
                             + (f" ({', '.join(public)} are public)" if public else ""))
        if not 0 <= self.min_size <= self.desired_size <= self.max_size or self.max_size < 1:
            raise ValueError("SelfManagedNodeGroupArgs: need 0 <= min_size <= desired_size <= max_size, max_size >= 1")


class SelfManagedNodeGroup(pulumi.ComponentResource):
    """A hardened self-managed node group (pulumi-eks NodeGroupV2) joined through an EC2_LINUX access entry."""

    security_group_id: pulumi.Output[str]

    def __init__(self, name: str, args: SelfManagedNodeGroupArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        base = dict(args.tags)
        cluster_name = args.cluster.name
        sg = aws.ec2.SecurityGroup(
            f"{name}-sg", vpc_id=args.vpc_id, description=f"Self-managed nodes {name}",
            ingress=[
                {"protocol": "-1", "from_port": 0, "to_port": 0, "self": True, "description": "node to node"},
                {"protocol": "-1", "from_port": 0, "to_port": 0, "security_groups": [args.cluster_security_group_id],
                 "description": "control plane and managed nodes"},
            ],
            egress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": [args.vpc_cidr],
                     "description": "nodes, pods and VPC endpoints"},
                    {"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"],
                     "description": "HTTPS to AWS APIs and registries (through NAT or VPC endpoints)"}],
            tags=merged_tags(base, f"{name}-sg", {"eks-platform/node-group": name}),
            opts=child)
        ingress = aws.ec2.SecurityGroupRule(
            f"{name}-cluster-ingress", type="ingress", protocol="tcp", from_port=443, to_port=443,
            security_group_id=args.cluster_security_group_id, source_security_group_id=sg.id,
            description=f"kubelets and pods of {name} to the API server", opts=child)
        profile = aws.iam.InstanceProfile(f"{name}-profile", role=args.node_role.name, opts=child)
        access = aws.eks.AccessEntry(f"{name}-access", cluster_name=cluster_name, principal_arn=args.node_role.arn,
                                     type="EC2_LINUX", opts=child)
        core = eks.CoreDataArgs(
            cluster=args.cluster, cluster_iam_role=args.cluster_role, endpoint=args.cluster.endpoint,
            instance_roles=[args.node_role], node_group_options=eks.ClusterNodeGroupOptionsArgs(),
            provider=args.kubernetes_provider, subnet_ids=[s.id for s in args.subnets], vpc_id=args.vpc_id,
            private_subnet_ids=[s.id for s in args.subnets])
        eks.NodeGroupV2(
            name, cluster=core, instance_profile=profile, node_security_group=sg, cluster_ingress_rule=ingress,
            node_subnet_ids=[s.id for s in args.subnets], instance_type=args.instance_type,
            min_size=args.min_size, desired_capacity=args.desired_size, max_size=args.max_size,
            ami_id=args.ami_id, ami_type=None if args.ami_id else "AL2023_x86_64_STANDARD",
            node_associate_public_ip_address=False, node_root_volume_encrypted=True,
            node_root_volume_type="gp3", enable_detailed_monitoring=args.detailed_monitoring,
            labels={**args.labels, "eks-platform/node-group": name},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[access], transforms=[launch_template_hardening(args.volume_key_arn)]))
        self.security_group_id = sg.id
        self.register_outputs({"security_group_id": self.security_group_id})
