"""Compute: where pods run. Managed node groups on hardened launch templates, and Fargate profiles.

Children (named ``{name}-<role>``, parented to the component):

* ``{name}-node-role`` with exactly ``AmazonEKSWorkerNodePolicy``, ``AmazonEC2ContainerRegistryReadOnly`` and
  ``AmazonSSMManagedInstanceCore`` (``AmazonEKS_CNI_Policy`` only when the VPC CNI still uses the node
  role; ours uses Pod Identity), each attachment named by policy;
* ``{name}-node-volume-key``: a KMS key with rotation for node root volumes (protected when ``protect``);
* per node group ``<key>``: ``{name}-<key>-lt``, a launch template with IMDSv2 required, hop limit 1 (2 only
  where configured), an encrypted gp3 root volume with the key, no SSH key, optional detailed monitoring;
  and ``{name}-<key>``, the ``aws.eks.NodeGroup`` in private subnets only, rolling ``max_unavailable_percentage``
  of its nodes (or ``max_unavailable`` nodes) at a time and respecting PodDisruptionBudgets (no forced
  updates), with EKS node auto repair on unless turned off (the ``eks-node-monitoring-agent`` add-on, which
  reports the node conditions repair acts on, is the stack's to install: see :attr:`Compute.repairs_nodes`);
* ``{name}-fargate-role`` (only ``AmazonEKSFargatePodExecutionRolePolicy``, trust limited to this
  cluster's Fargate profiles through ``aws:SourceArn``) and ``{name}-fargate-<key>`` per profile.

Node groups carry the Cluster Autoscaler discovery tags and the ``eks-platform/node-group`` label.

Prerequisite: the volume key's policy names the ``AWSServiceRoleForAutoScaling`` service-linked role
(EKS launches managed nodes through it), and KMS refuses a policy naming a role that does not exist.
Accounts that ever had an autoscaling group have it; in a new account create it once with
``aws iam create-service-linked-role --aws-service-name autoscaling.amazonaws.com``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from ._iam import role_with_policies, service_trust
from ._tags import merged_tags

TYPE_TOKEN = "eks-platform:components:Compute"
NODE_POLICIES = ("AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly", "AmazonSSMManagedInstanceCore")
#: Root device by AMI family: Bottlerocket keeps containers on its second (data) volume.
_ROOT_DEVICE = {"AL2023": "/dev/xvda", "BOTTLEROCKET": "/dev/xvdb"}


@dataclass(frozen=True)
class SubnetRef:
    """A subnet and whether it is public (routes 0.0.0.0/0 to an internet gateway)."""

    id: pulumi.Input[str]
    public: bool
    zone: str = ""


@dataclass(frozen=True)
class Taint:
    key: str
    effect: str
    value: str | None = None


@dataclass(frozen=True)
class NodeGroupArgs:
    """One managed node group."""

    instance_types: Sequence[str]
    min_size: int
    desired_size: int
    max_size: int
    capacity_type: str = "ON_DEMAND"
    ami_type: str = "AL2023_x86_64_STANDARD"
    max_unavailable: int | None = None
    """Nodes updated at once, as a count; None: ``max_unavailable_percentage``."""
    max_unavailable_percentage: int = 25
    """Nodes updated at once, as a percentage of the group (used unless ``max_unavailable`` is set)."""
    node_repair: bool = True
    """EKS node auto repair: unhealthy nodes (as the node monitoring agent reports them) are replaced."""
    disk_size_gib: int = 50
    labels: Mapping[str, str] = field(default_factory=dict)
    taints: Sequence[Taint] = ()
    metadata_hop_limit: int = 1
    detailed_monitoring: bool = False
    release_version: pulumi.Input[str] | None = None
    """This group's AMI release; default: ``ComputeArgs.ami_release_version`` (AL2023 releases)."""

    def __post_init__(self) -> None:
        if not 0 <= self.min_size <= self.desired_size <= self.max_size or self.max_size < 1:
            raise ValueError(f"NodeGroupArgs: need 0 <= min_size <= desired_size <= max_size and max_size >= 1, got "
                             f"{self.min_size}/{self.desired_size}/{self.max_size}")
        if self.metadata_hop_limit not in (1, 2):
            raise ValueError("NodeGroupArgs.metadata_hop_limit: 1, or 2 for pods that need IMDS")
        if not 1 <= self.max_unavailable_percentage <= 100 or (self.max_unavailable is not None
                                                                  and self.max_unavailable < 1):
            raise ValueError("NodeGroupArgs: max_unavailable_percentage is 1 to 100, max_unavailable at least 1")
        if not self.ami_type.startswith(tuple(_ROOT_DEVICE)):
            raise ValueError(f"NodeGroupArgs.ami_type: use an AL2023 or Bottlerocket AMI type, got {self.ami_type}")


@dataclass(frozen=True)
class FargateSelectorArgs:
    namespace: str
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ComputeArgs:
    """Inputs of :class:`Compute`."""

    cluster_name: pulumi.Input[str]
    kubernetes_version: pulumi.Input[str]
    subnets: Sequence[SubnetRef]
    """Subnets to place nodes and Fargate pods in: private ones only (refused otherwise)."""
    node_groups: Mapping[str, NodeGroupArgs] = field(default_factory=dict)
    fargate_profiles: Mapping[str, Sequence[FargateSelectorArgs]] = field(default_factory=dict)
    ami_release_version: pulumi.Input[str] | None = None
    """EKS AMI release for every node group (None: the newest for the cluster version at creation)."""
    cni_uses_node_role: bool = False
    """Attach AmazonEKS_CNI_Policy to the node role (only if the VPC CNI has no role of its own)."""
    protect: bool = True
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        public = [str(s.zone or s.id) for s in self.subnets if s.public]
        if public:
            raise ValueError(f"ComputeArgs.subnets: {', '.join(public)} {'is' if len(public) == 1 else 'are'} public; "
                             "nodes and Fargate pods must run in private subnets (pass the network's private subnets)")
        if not self.subnets:
            raise ValueError("ComputeArgs.subnets: pass the private subnets of every AZ")
        if not self.node_groups and not self.fargate_profiles:
            raise ValueError("ComputeArgs: configure at least one node group or Fargate profile")


class Compute(pulumi.ComponentResource):
    """Managed node groups and Fargate profiles for an EKS cluster."""

    node_role: aws.iam.Role
    node_role_arn: pulumi.Output[str]
    """ARN of the node role (for access entries and registry pull permissions)."""
    fargate_role_arn: pulumi.Output[str] | None
    """ARN of the Fargate pod execution role, if any profile exists."""
    node_groups: dict[str, aws.eks.NodeGroup]
    fargate_profiles: dict[str, aws.eks.FargateProfile]
    volume_key_arn: pulumi.Output[str]
    """The customer-managed KMS key of the nodes' EBS volumes (self-managed groups use it too)."""
    volume_key_name: str
    """That key's ``Name`` tag (IAM policies may name the key by it before its ARN is known)."""
    release_version: pulumi.Output[str]
    """AL2023 AMI release the node groups run (promote it from dev to staging and prod); "" without one."""

    def __init__(self, name: str, args: ComputeArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        base = dict(args.tags)
        partition = aws.get_partition().partition
        subnet_ids = [s.id for s in args.subnets]

        policies = list(NODE_POLICIES) + (["AmazonEKS_CNI_Policy"] if args.cni_uses_node_role else [])
        self.node_role, _ = role_with_policies(f"{name}-node-role", service_trust("ec2.amazonaws.com"), policies,
                                               partition, base, self, "EKS worker nodes")
        self.node_role_arn = self.node_role.arn
        key = aws.kms.Key(f"{name}-node-volume-key", description="Encryption of EKS node volumes",
                          enable_key_rotation=True, deletion_window_in_days=30,
                          policy=_volume_key_policy(partition),
                          tags=merged_tags(base, f"{name}-node-volume-key"),
                          opts=pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.protect))

        self.volume_key_arn = key.arn
        self.volume_key_name = f"{name}-node-volume-key"
        self._specs = dict(args.node_groups)
        self.node_groups = {}
        for group in sorted(args.node_groups):
            spec = args.node_groups[group]
            template = self._launch_template(f"{name}-{group}-lt", spec, key.arn, base)
            labels = {**spec.labels, "eks-platform/node-group": group}
            self.node_groups[group] = aws.eks.NodeGroup(
                f"{name}-{group}",
                cluster_name=args.cluster_name, node_role_arn=self.node_role.arn, subnet_ids=subnet_ids,
                instance_types=list(spec.instance_types), capacity_type=spec.capacity_type, ami_type=spec.ami_type,
                version=args.kubernetes_version,
                release_version=spec.release_version if spec.release_version is not None else (
                    args.ami_release_version if spec.ami_type.startswith("AL2023") else None),
                scaling_config={"min_size": spec.min_size, "desired_size": spec.desired_size,
                                "max_size": spec.max_size},
                update_config={"max_unavailable": spec.max_unavailable} if spec.max_unavailable is not None
                else {"max_unavailable_percentage": spec.max_unavailable_percentage},
                node_repair_config={"enabled": spec.node_repair},
                # Never force: a rolling update waits for PodDisruptionBudgets instead of evicting through them.
                force_update_version=False,
                launch_template={"id": template.id, "version": template.latest_version.apply(str)},
                labels=labels,
                taints=[{"key": t.key, "value": t.value, "effect": t.effect} for t in spec.taints],
                tags=merged_tags(base, f"{name}-{group}", {
                    "k8s.io/cluster-autoscaler/enabled": "true",
                    "eks-platform/node-group": group,
                }),
                opts=pulumi.ResourceOptions(
                    parent=self,
                    # The autoscaler owns desired size once the group exists; without this every `up` would
                    # reset it to the configured value and scale the group in the middle of the day.
                    ignore_changes=["scalingConfig.desiredSize"]))

        self.fargate_profiles = {}
        self.fargate_role_arn = None
        if args.fargate_profiles:
            region, account = aws.get_region().region, aws.get_caller_identity().account_id
            fargate_trust = pulumi.Output.from_input(args.cluster_name).apply(lambda cluster: json.dumps({
                "Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Principal": {"Service": "eks-fargate-pods.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"ArnLike": {"aws:SourceArn":
                                              f"arn:{partition}:eks:{region}:{account}:fargateprofile/{cluster}/*"}}}]}))
            fargate_role, attachments = role_with_policies(
                f"{name}-fargate-role", fargate_trust, ["AmazonEKSFargatePodExecutionRolePolicy"], partition, base,
                self, "EKS Fargate pod execution")
            self.fargate_role_arn = fargate_role.arn
            for profile in sorted(args.fargate_profiles):
                selectors = [{"namespace": s.namespace, **({"labels": dict(s.labels)} if s.labels else {})}
                             for s in args.fargate_profiles[profile]]
                self.fargate_profiles[profile] = aws.eks.FargateProfile(
                    f"{name}-fargate-{profile}", cluster_name=args.cluster_name,
                    pod_execution_role_arn=fargate_role.arn, subnet_ids=subnet_ids, selectors=selectors,
                    tags=merged_tags(base, f"{name}-fargate-{profile}"),
                    opts=pulumi.ResourceOptions(parent=self, depends_on=attachments))

        # What pinned stacks promote: amiReleaseVersion is an AL2023 release, so never a Bottlerocket group's.
        al2023 = next((self.node_groups[g] for g in sorted(self.node_groups)
                       if args.node_groups[g].ami_type.startswith("AL2023")), None)
        self.release_version = al2023.release_version if al2023 is not None else pulumi.Output.from_input("")
        self.register_outputs({
            "node_role_arn": self.node_role_arn, "release_version": self.release_version,
            "node_groups": {k: v.node_group_name for k, v in self.node_groups.items()},
            "fargate_profiles": {k: v.fargate_profile_name for k, v in self.fargate_profiles.items()},
        })

    def _launch_template(self, name: str, spec: NodeGroupArgs, key_arn: pulumi.Output[str],
                         base: dict[str, str]) -> aws.ec2.LaunchTemplate:
        device = next(d for prefix, d in _ROOT_DEVICE.items() if spec.ami_type.startswith(prefix))
        return aws.ec2.LaunchTemplate(
            name,
            description=f"Hardened nodes of {name.removesuffix('-lt')}",
            metadata_options={"http_endpoint": "enabled", "http_tokens": "required",
                              "http_put_response_hop_limit": spec.metadata_hop_limit,
                              "instance_metadata_tags": "disabled"},
            block_device_mappings=[{"device_name": device, "ebs": {
                "volume_size": spec.disk_size_gib, "volume_type": "gp3", "encrypted": "true",
                "kms_key_id": key_arn, "delete_on_termination": "true"}}],
            monitoring={"enabled": spec.detailed_monitoring},
            update_default_version=True,
            tag_specifications=[{"resource_type": "instance", "tags": merged_tags(base, name.removesuffix("-lt"))}],
            tags=merged_tags(base, name),
            opts=pulumi.ResourceOptions(parent=self))

    @property
    def repairs_nodes(self) -> bool:
        """Whether any node group has auto repair on (then the node monitoring agent add-on is needed)."""
        return any(spec.node_repair for spec in self._specs.values())

    @property
    def scheduling_resources(self) -> list[pulumi.Resource]:
        """What add-ons that need running pods (coredns) must wait for."""
        return [*self.node_groups.values(), *self.fargate_profiles.values()]


def _volume_key_policy(partition: str) -> pulumi.Output[str]:
    """Account admins manage the key; the EC2 Auto Scaling service role may use it for node volumes."""
    account = aws.get_caller_identity().account_id
    root = f"arn:{partition}:iam::{account}:root"
    autoscaling = f"arn:{partition}:iam::{account}:role/aws-service-role/autoscaling.amazonaws.com/" \
                  "AWSServiceRoleForAutoScaling"
    return pulumi.Output.from_input(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "AccountAdministration", "Effect": "Allow", "Principal": {"AWS": root}, "Action": "kms:*",
         "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalAccount": account}}},
        {"Sid": "NodeVolumes", "Effect": "Allow", "Principal": {"AWS": autoscaling},
         "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey",
                    "kms:CreateGrant"], "Resource": "*"},
    ]}))

