"""AutoMode: what an EKS Auto Mode cluster needs beyond its control plane settings, from typed config.

The cluster side (``compute_config``, block storage, load balancing, the cluster role's policies, the built-in
pools' node role) is :class:`components.control_plane.ControlPlane` with ``auto_mode``; this component builds
the rest. Children (named ``{name}-<role>``, parented to the component):

* ``{name}-volume-key`` / ``{name}-volume-key-alias`` (``alias/eks/<cluster>/auto-volumes``; unless
  ``volume_key_arn`` brings one): the customer-managed key of the nodes' ephemeral storage and of the
  StorageClass's volumes (rotation on, protected when ``protect`` is set; the key policy leaves use to IAM in
  this account). Auto Mode launches nodes and creates volumes as the cluster role, so
  ``{name}-cluster-role-volume-key`` lets that role use the key, named by its alias, and grant it to the
  volumes it creates (a document known at the first preview);
* with custom NodeClasses: ``{name}-node-role`` (``AmazonEKSWorkerNodeMinimalPolicy`` and
  ``AmazonEC2ContainerRegistryPullOnly`` only, attachments named by policy), ``{name}-node-access``, its
  access entry of type ``EC2``, and ``{name}-node-access-policy``, the ``AmazonEKSAutoNodePolicy``
  association (EKS creates these for the built-in pools' role only, not for a custom NodeClass's);
* ``{name}-network-policy`` (``network_policy_controller``): ConfigMap ``kube-system/amazon-vpc-cni`` turning
  on Auto Mode's enforcement of Kubernetes NetworkPolicies;
* per NodeClass ``<key>``: ``{name}-class-<key>``, an ``eks.amazonaws.com/v1`` ``NodeClass`` named ``<key>``:
  private subnets and security groups by selector terms, ephemeral storage encrypted with the key, the
  network policy default and event logs written out, SNAT policy;
* per NodePool ``<key>``: ``{name}-pool-<key>``, a ``karpenter.sh/v1`` ``NodePool`` named ``<key>``:
  requirements, CPU and memory limits, disruption (consolidation, budgets), ``expireAfter``, taints, labels,
  ``nodeClassRef`` to its NodeClass (or EKS's built-in ``default``);
* ``{name}-storage-class``: StorageClass (``gp3`` by default) of Auto Mode's ``ebs.csi.eks.amazonaws.com``
  provisioner, gp3, encrypted with the key, ``WaitForFirstConsumer``, the cluster default;
* ``{name}-alb-params`` and ``{name}-alb``: ``IngressClassParams`` (``eks.amazonaws.com/v1``) and the
  IngressClass (``alb`` by default) of controller ``eks.amazonaws.com/alb`` that names them.

What AWS runs in Auto Mode is not installed by the stack (:data:`AWS_RUNS_IN_AUTO_MODE`): no VPC CNI,
kube-proxy, CoreDNS, Pod Identity agent or node monitoring agent add-on (node repair is built in), no EBS CSI driver (:class:`components.storage_ebs.EbsStorage`
is not used), no AWS Load Balancer Controller, no Cluster Autoscaler. Workloads expose themselves with
``WorkloadArgs(auto_mode=True)``: NLB Services of class :data:`NLB_LOAD_BALANCER_CLASS`, ALB Ingresses of
this IngressClass.

Outputs: ``node_role_arn``, ``node_role_name`` (None without custom NodeClasses), ``volume_key_arn``,
``node_classes`` / ``node_pools`` (the objects by key, which is their Kubernetes name), ``storage_class_name``, ``ingress_class_name``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from ._iam import role_with_policies, service_trust
from ._kms import customer_managed_key, key_policy, key_user_policy
from ._tags import merged_tags
from .compute import SubnetRef
from .control_plane import AUTO_MODE_NODE_POLICIES
from .workload import AUTO_MODE_NLB_CLASS as NLB_LOAD_BALANCER_CLASS  # Services' loadBalancerClass in Auto Mode

TYPE_TOKEN = "eks-platform:components:AutoMode"
#: What AWS runs itself in an Auto Mode cluster: EKS add-ons and controllers the stack must not install.
AWS_RUNS_IN_AUTO_MODE = ("vpc-cni", "kube-proxy", "coredns", "eks-pod-identity-agent", "aws-ebs-csi-driver",
                         "eks-node-monitoring-agent", "aws-load-balancer-controller", "cluster-autoscaler")
NODE_CLASS_API = "eks.amazonaws.com/v1"
NODE_POOL_API = "karpenter.sh/v1"
STORAGE_PROVISIONER = "ebs.csi.eks.amazonaws.com"
ALB_CONTROLLER = "eks.amazonaws.com/alb"
#: The NodeClass EKS creates for the built-in pools; a custom NodePool may use it too.
BUILT_IN_NODE_CLASS = "default"
AUTO_NODE_ACCESS_POLICY = "AmazonEKSAutoNodePolicy"
DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class"
#: The subnet tag the network component puts on private subnets only (public ones carry ``.../role/elb``).
PRIVATE_SUBNET_TAG = ("kubernetes.io/role/internal-elb", "1")
PUBLIC_SUBNET_TAG = "kubernetes.io/role/elb"

_QUANTITY = re.compile(r"^\d+(\.\d+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$")
_DURATION = re.compile(r"^([0-9]+(s|m|h))+$")
_BUDGET_NODES = re.compile(r"^((100|[0-9]{1,2})%|[0-9]+)$")
_BUDGET_DURATION = re.compile(r"^([0-9]+h)?([0-9]+m)?$")
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt")
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
CONSOLIDATION_POLICIES = ("WhenEmptyOrUnderutilized", "WhenEmpty")
BUDGET_REASONS = ("Underutilized", "Empty", "Drifted")
CAPACITY_TYPES = ("on-demand", "spot", "reserved")
ARCHITECTURES = ("amd64", "arm64")
NETWORK_POLICIES = ("DefaultAllow", "DefaultDeny")
#: Label domains Karpenter and EKS reserve: a NodePool may not set them on its nodes.
_RESERVED_LABEL_DOMAINS = ("karpenter.sh", "karpenter.k8s.aws", "eks.amazonaws.com", "kubernetes.io", "k8s.io")


def _check_name(owner: str, key: str) -> None:
    if not _NAME.match(key):
        raise ValueError(f"{owner}: {key!r} is not a Kubernetes object name (lower-case letters, digits and '-', "
                         "at most 63)")


@dataclass(frozen=True)
class Requirement:
    """One NodePool requirement (a node selector term): ``key`` ``operator`` ``values``."""

    key: str
    operator: str
    values: Sequence[str] = ()
    min_values: int | None = None
    """At least this many distinct values must stay possible (flexibility for Spot)."""

    def __post_init__(self) -> None:
        if self.operator not in OPERATORS:
            raise ValueError(f"Requirement.operator ({self.key}): one of {', '.join(OPERATORS)}, got {self.operator!r}")
        if self.operator in ("In", "NotIn", "Gt", "Lt") and not self.values:
            raise ValueError(f"Requirement.values ({self.key}): {self.operator} needs values")
        if self.operator in ("Exists", "DoesNotExist") and self.values:
            raise ValueError(f"Requirement.values ({self.key}): {self.operator} takes no values")
        if self.min_values is not None and not 1 <= self.min_values <= max(len(self.values), 1):
            raise ValueError(f"Requirement.min_values ({self.key}): between 1 and the number of values")

    def manifest(self) -> dict[str, Any]:
        term: dict[str, Any] = {"key": self.key, "operator": self.operator}
        if self.values:
            term["values"] = list(self.values)
        if self.min_values is not None:
            term["minValues"] = self.min_values
        return term


@dataclass(frozen=True)
class NodePoolTaint:
    """A taint every node of the pool carries (Kubernetes spelling of the effect)."""

    key: str
    effect: str = "NoSchedule"
    value: str | None = None

    def __post_init__(self) -> None:
        if self.effect not in TAINT_EFFECTS:
            raise ValueError(f"NodePoolTaint.effect ({self.key}): one of {', '.join(TAINT_EFFECTS)}, got {self.effect!r}")


@dataclass(frozen=True)
class DisruptionBudget:
    """How many nodes of the pool Auto Mode may disrupt at once (``nodes``: a count or a percentage), optionally
    only in a cron ``schedule`` window of ``duration`` and for some ``reasons``."""

    nodes: str = "10%"
    schedule: str | None = None
    duration: str | None = None
    reasons: Sequence[str] = ()

    def __post_init__(self) -> None:
        if not _BUDGET_NODES.match(self.nodes):
            raise ValueError(f"DisruptionBudget.nodes: a count (\"0\", \"2\") or a percentage (\"10%\"), got {self.nodes!r}")
        if (self.schedule is None) != (self.duration is None):
            raise ValueError("DisruptionBudget.schedule: a schedule needs a duration and a duration a schedule")
        if self.duration is not None and (not self.duration or not _BUDGET_DURATION.match(self.duration)):
            raise ValueError(f"DisruptionBudget.duration: hours and minutes (\"8h\", \"1h30m\"), got {self.duration!r}")
        bad = [r for r in self.reasons if r not in BUDGET_REASONS]
        if bad:
            raise ValueError(f"DisruptionBudget.reasons: {', '.join(bad)} not one of {', '.join(BUDGET_REASONS)}")

    def manifest(self) -> dict[str, Any]:
        budget: dict[str, Any] = {"nodes": self.nodes}
        if self.schedule is not None:
            budget |= {"schedule": self.schedule, "duration": self.duration}
        if self.reasons:
            budget["reasons"] = list(self.reasons)
        return budget


@dataclass(frozen=True)
class NodePoolArgs:
    """A custom Auto Mode NodePool (``karpenter.sh/v1``); its key is the pool's Kubernetes name."""

    cpu_limit: str
    """Most CPU the pool may run in total, e.g. ``"256"`` (required: a pool without limits grows unbounded)."""
    memory_limit: str
    """Most memory the pool may run in total, e.g. ``"1024Gi"``."""
    node_class: str = BUILT_IN_NODE_CLASS
    """Key of a NodeClass of :attr:`AutoModeArgs.node_classes`, or ``default`` (EKS's built-in NodeClass)."""
    instance_categories: Sequence[str] = ("c", "m", "r")
    """``eks.amazonaws.com/instance-category`` values; empty: any."""
    capacity_types: Sequence[str] = ("on-demand",)
    """``karpenter.sh/capacity-type`` values: on-demand, spot, reserved."""
    architectures: Sequence[str] = ("amd64",)
    """``kubernetes.io/arch`` values: amd64, arm64."""
    requirements: Sequence[Requirement] = ()
    """Further requirements (instance families, generations, sizes, zones ...)."""
    consolidation_policy: str = "WhenEmptyOrUnderutilized"
    consolidate_after: str = "1m"
    budgets: Sequence[DisruptionBudget] = (DisruptionBudget(),)
    """At least one: how many nodes may be disrupted at once."""
    expire_after: str = "720h"
    """Replace every node after this long (so nodes get patched); a duration, never ``Never``."""
    termination_grace_period: str | None = "24h"
    """Longest a node drains before it is terminated anyway; None: wait for every pod."""
    taints: Sequence[NodePoolTaint] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    weight: int | None = None
    """Priority among pools a pod fits (higher first), 1 to 100."""

    def __post_init__(self) -> None:
        for name, value in (("cpu_limit", self.cpu_limit), ("memory_limit", self.memory_limit)):
            if not _QUANTITY.match(str(value)):
                raise ValueError(f"NodePoolArgs.{name}: a Kubernetes quantity (\"256\", \"1024Gi\"), got {value!r}")
        for name, values, allowed in (("capacity_types", self.capacity_types, CAPACITY_TYPES),
                                      ("architectures", self.architectures, ARCHITECTURES)):
            if isinstance(values, str) or not values or any(v not in allowed for v in values):
                raise ValueError(f"NodePoolArgs.{name}: a non-empty list of {', '.join(allowed)}, got {values!r}")
        if isinstance(self.instance_categories, str):
            raise ValueError("NodePoolArgs.instance_categories: a list, e.g. [\"c\", \"m\", \"r\"]")
        if self.consolidation_policy not in CONSOLIDATION_POLICIES:
            raise ValueError(f"NodePoolArgs.consolidation_policy: one of {', '.join(CONSOLIDATION_POLICIES)}, "
                             f"got {self.consolidation_policy!r}")
        if not _DURATION.match(self.consolidate_after):
            raise ValueError(f"NodePoolArgs.consolidate_after: a duration (\"30s\", \"1m\"), got {self.consolidate_after!r}")
        if not self.budgets:
            raise ValueError("NodePoolArgs.budgets: at least one disruption budget, e.g. DisruptionBudget(nodes=\"10%\")")
        if not _DURATION.match(self.expire_after):
            raise ValueError(f"NodePoolArgs.expire_after: a duration (\"720h\"), got {self.expire_after!r}; nodes "
                             "that never expire are never patched")
        if self.termination_grace_period is not None and not _DURATION.match(self.termination_grace_period):
            raise ValueError(f"NodePoolArgs.termination_grace_period: a duration (\"24h\"), got "
                             f"{self.termination_grace_period!r}")
        reserved = [k for k in self.labels if k.split("/", 1)[0].endswith(_RESERVED_LABEL_DOMAINS) and "/" in k]
        if reserved:
            raise ValueError(f"NodePoolArgs.labels: {', '.join(reserved)} use a domain Karpenter/EKS reserve; use "
                             "your own prefix")
        if self.weight is not None and not 1 <= self.weight <= 100:
            raise ValueError(f"NodePoolArgs.weight: 1 to 100, got {self.weight}")

    def requirement_terms(self) -> list[dict[str, Any]]:
        terms = [Requirement("karpenter.sh/capacity-type", "In", tuple(self.capacity_types)),
                 Requirement("kubernetes.io/arch", "In", tuple(self.architectures))]
        if self.instance_categories:
            terms.insert(0, Requirement("eks.amazonaws.com/instance-category", "In", tuple(self.instance_categories)))
        return [t.manifest() for t in [*terms, *self.requirements]]


@dataclass(frozen=True)
class NodeClassArgs:
    """A custom Auto Mode NodeClass (``eks.amazonaws.com/v1``); its key is the class's Kubernetes name.

    Subnets: ``subnets`` (private ones, by id) or ``subnet_tags``, else the network component's private-subnet
    tags of this cluster. Security groups: ``security_group_ids`` or ``security_group_tags``, else the
    cluster's security group.
    """

    subnets: Sequence[SubnetRef] = ()
    """Private subnets by id (public ones are refused)."""
    subnet_tags: Mapping[str, str] | None = None
    """Tags selecting private subnets only; never the public ``kubernetes.io/role/elb`` tag."""
    security_group_ids: Sequence[pulumi.Input[str]] = ()
    security_group_tags: Mapping[str, str] | None = None
    network_policy: str = "DefaultAllow"
    """Traffic a pod no NetworkPolicy selects gets: ``DefaultAllow`` or ``DefaultDeny`` (written out either way;
    the namespaces component's default-deny policies restrict team namespaces)."""
    network_policy_event_logs: bool = False
    """Log allowed and denied connections on the nodes."""
    ephemeral_storage_size: str = "80Gi"
    ephemeral_storage_iops: int = 3000
    ephemeral_storage_throughput: int = 125
    snat_policy: str = "Random"
    """``Random`` (pods reach the internet through the node's address) or ``Disabled`` (a NAT gateway does)."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags on the instances, volumes and interfaces Auto Mode creates. The Auto Mode managed policies do not
    allow custom tags: the cluster role needs tagging permissions of its own first (AWS docs, "Custom AWS tags
    for EKS Auto resources")."""

    def __post_init__(self) -> None:
        if self.subnets and self.subnet_tags is not None:
            raise ValueError("NodeClassArgs: set subnets or subnet_tags, not both")
        public = [str(s.zone or s.id) for s in self.subnets if s.public]
        if public:
            raise ValueError(f"NodeClassArgs.subnets: {', '.join(public)} {'is' if len(public) == 1 else 'are'} "
                             "public; Auto Mode nodes must run in private subnets")
        if self.subnet_tags is not None:
            if not self.subnet_tags:
                raise ValueError("NodeClassArgs.subnet_tags: give the tags of the private subnets, or leave it None")
            if PUBLIC_SUBNET_TAG in self.subnet_tags:
                raise ValueError(f"NodeClassArgs.subnet_tags: {PUBLIC_SUBNET_TAG} selects public subnets; select "
                                 f"private ones ({PRIVATE_SUBNET_TAG[0]}: \"1\")")
        if self.security_group_ids and self.security_group_tags is not None:
            raise ValueError("NodeClassArgs: set security_group_ids or security_group_tags, not both")
        if self.security_group_tags is not None and not self.security_group_tags:
            raise ValueError("NodeClassArgs.security_group_tags: give the tags, or leave it None")
        if self.network_policy not in NETWORK_POLICIES:
            raise ValueError(f"NodeClassArgs.network_policy: one of {', '.join(NETWORK_POLICIES)}, "
                             f"got {self.network_policy!r}")
        if not _QUANTITY.match(self.ephemeral_storage_size):
            raise ValueError(f"NodeClassArgs.ephemeral_storage_size: a quantity (\"80Gi\"), got "
                             f"{self.ephemeral_storage_size!r}")
        if not 3000 <= self.ephemeral_storage_iops <= 16000 or not 125 <= self.ephemeral_storage_throughput <= 1000:
            raise ValueError("NodeClassArgs: gp3 ephemeral storage takes 3000 to 16000 IOPS (ephemeral_storage_iops) "
                             "and 125 to 1000 MiB/s (ephemeral_storage_throughput)")
        if self.snat_policy not in ("Random", "Disabled"):
            raise ValueError(f"NodeClassArgs.snat_policy: Random or Disabled, got {self.snat_policy!r}")


@dataclass(frozen=True)
class AutoStorageClassArgs:
    """The StorageClass of Auto Mode's block storage."""

    name: str = "gp3"
    reclaim_policy: str = "Delete"
    """``Retain`` (prod: a deleted claim keeps its volume) or ``Delete``."""
    iops: int = 3000
    throughput_mibps: int = 125
    default: bool = True
    """The cluster's default class (what a claim without ``storageClassName`` gets)."""

    def __post_init__(self) -> None:
        _check_name("AutoStorageClassArgs.name", self.name)
        if self.reclaim_policy not in ("Retain", "Delete"):
            raise ValueError(f"AutoStorageClassArgs.reclaim_policy: Retain or Delete, got {self.reclaim_policy!r}")
        if not 3000 <= self.iops <= 16000 or not 125 <= self.throughput_mibps <= 1000:
            raise ValueError("AutoStorageClassArgs: gp3 takes 3000 to 16000 IOPS and 125 to 1000 MiB/s")


@dataclass(frozen=True)
class AutoIngressClassArgs:
    """The IngressClass of Auto Mode's ALBs and its ``IngressClassParams``."""

    name: str = "alb"
    """Name of the IngressClass and of its parameters (Ingresses name it in ``ingressClassName``). Keep ``alb``
    unless the AWS Load Balancer Controller's own ``alb`` class still exists (a migration): the pack's load
    balancer rules (E6 TLS, E7 public) judge Ingresses of class ``alb`` only, so Ingresses of another name go
    unjudged."""
    scheme: str | None = None
    """``internal`` or ``internet-facing`` for every ALB of the class (overrides an Ingress's scheme
    annotation); None: each Ingress's ``alb.ingress.kubernetes.io/scheme`` decides (internal by default)."""
    group: str | None = None
    """One ALB shared by every Ingress of the class."""
    default: bool = False
    """The cluster's default IngressClass."""

    def __post_init__(self) -> None:
        _check_name("AutoIngressClassArgs.name", self.name)
        if self.scheme not in (None, "internal", "internet-facing"):
            raise ValueError(f"AutoIngressClassArgs.scheme: internal, internet-facing or None, got {self.scheme!r}")


@dataclass(frozen=True)
class AutoModeArgs:
    """Inputs of :class:`AutoMode`."""

    cluster_name: str
    """The EKS cluster's name (plain: it names the key alias and the default subnet selector)."""
    cluster: pulumi.Input[str]
    """The cluster's name as an output (``ControlPlane.cluster_name``), so access entries wait for the cluster."""
    cluster_role_name: pulumi.Input[str]
    """The cluster role's name (``ControlPlane.cluster_role.name``): Auto Mode launches nodes and creates
    volumes as this role, so it gets the use of the volume key."""
    cluster_security_group_id: pulumi.Input[str]
    """The cluster's security group: NodeClasses' default security group."""
    kubernetes_provider: pulumi.ProviderResource
    node_classes: Mapping[str, NodeClassArgs] = field(default_factory=dict)
    node_pools: Mapping[str, NodePoolArgs] = field(default_factory=dict)
    volume_key_arn: pulumi.Input[str] | None = None
    """Bring your own volume key (it and the cluster role's IAM policies must let the cluster role use it and
    grant it to volumes); None: create one, and the cluster role's use of it."""
    network_policy_controller: bool = True
    """Enforce Kubernetes NetworkPolicies on Auto Mode nodes (ConfigMap ``kube-system/amazon-vpc-cni``). Leave it
    off while the VPC CNI add-on still runs (``AutoModeClusterArgs.keep_addons``): the add-on owns that ConfigMap
    and already turns enforcement on (``enableNetworkPolicy``)."""
    storage_class: AutoStorageClassArgs | None = AutoStorageClassArgs()
    ingress_class: AutoIngressClassArgs | None = AutoIngressClassArgs()
    depends_on: Sequence[pulumi.Resource] = ()
    """What the in-cluster objects need first (the cluster, with Auto Mode on)."""
    protect: bool = True
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.cluster_name:
            raise ValueError("AutoModeArgs.cluster_name: the EKS cluster's name")
        for key in self.node_classes:
            _check_name("AutoModeArgs.node_classes", key)
            if key == BUILT_IN_NODE_CLASS:
                raise ValueError(f"AutoModeArgs.node_classes: {key!r} is EKS's built-in NodeClass; name yours "
                                 "differently")
        for key, pool in self.node_pools.items():
            _check_name("AutoModeArgs.node_pools", key)
            if key in ("general-purpose", "system"):
                raise ValueError(f"AutoModeArgs.node_pools: {key!r} is a built-in pool (ControlPlaneArgs.auto_mode."
                                 "node_pools); name yours differently")
            if pool.node_class != BUILT_IN_NODE_CLASS and pool.node_class not in self.node_classes:
                known = ", ".join(sorted(self.node_classes)) or "none"
                raise ValueError(f"AutoModeArgs.node_pools[{key!r}].node_class: no NodeClass {pool.node_class!r} "
                                 f"(node_classes: {known}; or \"{BUILT_IN_NODE_CLASS}\", EKS's built-in one)")


class AutoMode(pulumi.ComponentResource):
    """Custom NodeClasses and NodePools, their node role, and Auto Mode's StorageClass and IngressClass."""

    node_role: aws.iam.Role | None
    node_role_arn: pulumi.Output[str] | None
    """ARN of the custom NodeClasses' node role (None without custom NodeClasses)."""
    node_role_name: pulumi.Output[str] | None
    """Its name (what a NodeClass's ``spec.role`` holds)."""
    volume_key_arn: pulumi.Output[str]
    """ARN of the key encrypting node ephemeral storage and the StorageClass's volumes."""
    node_classes: dict[str, k8s.apiextensions.CustomResource]
    node_pools: dict[str, k8s.apiextensions.CustomResource]
    storage_class_name: pulumi.Output[str] | None
    """Name of the Auto Mode StorageClass (None without one)."""
    ingress_class_name: pulumi.Output[str] | None
    """Name of the Auto Mode IngressClass (None without one)."""
    load_balancer_class: str = NLB_LOAD_BALANCER_CLASS
    """``spec.loadBalancerClass`` of NLB Services."""

    def __init__(self, name: str, args: AutoModeArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        base = dict(args.tags)
        partition = aws.get_partition().partition
        region = aws.get_region().region
        account = aws.get_caller_identity().account_id
        aws_child = pulumi.ResourceOptions(parent=self)
        # Objects that need more than args.depends_on merge it in: ResourceOptions.merge concatenates depends_on.
        in_cluster = pulumi.ResourceOptions(parent=self, provider=args.kubernetes_provider,
                                            depends_on=list(args.depends_on))

        key_use: list[pulumi.Resource] = []
        if args.volume_key_arn is None:
            alias = f"eks/{args.cluster_name}/auto-volumes"
            key, _ = customer_managed_key(
                f"{name}-volume-key", f"EKS Auto Mode node and volume encryption of {args.cluster_name}", alias,
                key_policy(partition, account), base, self, args.protect)
            self.volume_key_arn = key.arn
            key_use.append(aws.iam.RolePolicy(
                f"{name}-cluster-role-volume-key", role=args.cluster_role_name,
                policy=key_user_policy(partition, region, account, alias), opts=aws_child))
        else:
            self.volume_key_arn = pulumi.Output.from_input(args.volume_key_arn)

        self.node_role = None
        self.node_role_arn = self.node_role_name = None
        joined: list[pulumi.Resource] = []
        if args.node_classes:
            self.node_role, attachments = role_with_policies(
                f"{name}-node-role", service_trust("ec2.amazonaws.com"), AUTO_MODE_NODE_POLICIES, partition, base,
                self, f"EKS Auto Mode nodes of the custom NodeClasses of {args.cluster_name}")
            self.node_role_arn, self.node_role_name = self.node_role.arn, self.node_role.name
            entry = aws.eks.AccessEntry(
                f"{name}-node-access", cluster_name=args.cluster, principal_arn=self.node_role.arn, type="EC2",
                tags=merged_tags(base, f"{name}-node-access"), opts=aws_child)
            association = aws.eks.AccessPolicyAssociation(
                f"{name}-node-access-policy", cluster_name=args.cluster, principal_arn=self.node_role.arn,
                policy_arn=f"arn:{partition}:eks::aws:cluster-access-policy/{AUTO_NODE_ACCESS_POLICY}",
                access_scope={"type": "cluster"}, opts=pulumi.ResourceOptions(parent=self, depends_on=[entry]))
            joined = [*attachments, entry, association]
        joined += key_use

        if args.network_policy_controller:
            k8s.core.v1.ConfigMap(
                f"{name}-network-policy", metadata={"name": "amazon-vpc-cni", "namespace": "kube-system"},
                data={"enable-network-policy-controller": "true"}, opts=in_cluster)

        self.node_classes = {}
        for key in sorted(args.node_classes):
            self.node_classes[key] = k8s.apiextensions.CustomResource(
                f"{name}-class-{key}", api_version=NODE_CLASS_API, kind="NodeClass", metadata={"name": key},
                spec=node_class_spec(args.node_classes[key], args, self.node_role_name, self.volume_key_arn),
                opts=pulumi.ResourceOptions.merge(in_cluster, pulumi.ResourceOptions(
                    depends_on=joined)))
        self.node_pools = {}
        for key in sorted(args.node_pools):
            pool = args.node_pools[key]
            after = [self.node_classes[pool.node_class]] if pool.node_class in self.node_classes else []
            self.node_pools[key] = k8s.apiextensions.CustomResource(
                f"{name}-pool-{key}", api_version=NODE_POOL_API, kind="NodePool", metadata={"name": key},
                spec=node_pool_spec(pool),
                opts=pulumi.ResourceOptions.merge(in_cluster, pulumi.ResourceOptions(
                    depends_on=after)))

        self.storage_class_name = None
        if args.storage_class is not None:
            sc = args.storage_class
            storage_class = k8s.storage.v1.StorageClass(
                f"{name}-storage-class",
                metadata={"name": sc.name, "annotations": {DEFAULT_CLASS: "true" if sc.default else "false"}},
                provisioner=STORAGE_PROVISIONER,
                parameters={"type": "gp3", "encrypted": "true", "kmsKeyId": self.volume_key_arn,
                            "iops": str(sc.iops), "throughput": str(sc.throughput_mibps)},
                volume_binding_mode="WaitForFirstConsumer", allow_volume_expansion=True,
                reclaim_policy=sc.reclaim_policy, opts=pulumi.ResourceOptions.merge(in_cluster, pulumi.ResourceOptions(
                    depends_on=key_use)))
            self.storage_class_name = storage_class.metadata.name

        self.ingress_class_name = None
        if args.ingress_class is not None:
            ic = args.ingress_class
            params_spec: dict[str, Any] = {}
            if ic.scheme is not None:
                params_spec["scheme"] = ic.scheme
            if ic.group is not None:
                params_spec["group"] = {"name": ic.group}
            params = k8s.apiextensions.CustomResource(
                f"{name}-alb-params", api_version=NODE_CLASS_API, kind="IngressClassParams",
                metadata={"name": ic.name}, spec=params_spec, opts=in_cluster)
            ingress_class = k8s.networking.v1.IngressClass(
                f"{name}-alb",
                metadata={"name": ic.name,
                          "annotations": {"ingressclass.kubernetes.io/is-default-class": str(ic.default).lower()}},
                spec={"controller": ALB_CONTROLLER, "parameters": {
                    "apiGroup": NODE_CLASS_API.split("/")[0], "kind": "IngressClassParams", "name": ic.name}},
                opts=pulumi.ResourceOptions.merge(in_cluster, pulumi.ResourceOptions(
                    depends_on=[params])))
            self.ingress_class_name = ingress_class.metadata.name

        self.register_outputs({
            "node_role_arn": self.node_role_arn, "node_role_name": self.node_role_name,
            "volume_key_arn": self.volume_key_arn,
            "node_classes": sorted(self.node_classes), "node_pools": sorted(self.node_pools),
            "storage_class_name": self.storage_class_name, "ingress_class_name": self.ingress_class_name,
        })

    @property
    def scheduling_resources(self) -> list[pulumi.Resource]:
        """What add-ons that need running pods wait for: the custom NodePools (the built-in pools come with the
        cluster itself)."""
        return list(self.node_pools.values())


def node_class_spec(spec: NodeClassArgs, args: AutoModeArgs, role_name: pulumi.Input[str] | None,
                    key_arn: pulumi.Input[str]) -> dict[str, Any]:
    """The NodeClass ``spec`` (pure but for the role and key outputs: tests read it without mocks)."""
    if spec.subnets:
        subnets: list[dict[str, Any]] = [{"id": s.id} for s in spec.subnets]
    else:
        tags = spec.subnet_tags if spec.subnet_tags is not None else {
            PRIVATE_SUBNET_TAG[0]: PRIVATE_SUBNET_TAG[1], f"kubernetes.io/cluster/{args.cluster_name}": "shared"}
        subnets = [{"tags": dict(tags)}]
    if spec.security_group_tags is not None:
        groups: list[dict[str, Any]] = [{"tags": dict(spec.security_group_tags)}]
    else:
        groups = [{"id": g} for g in (spec.security_group_ids or [args.cluster_security_group_id])]
    manifest: dict[str, Any] = {
        "role": role_name,
        "subnetSelectorTerms": subnets,
        "securityGroupSelectorTerms": groups,
        "networkPolicy": spec.network_policy,
        "networkPolicyEventLogs": "Enabled" if spec.network_policy_event_logs else "Disabled",
        "snatPolicy": spec.snat_policy,
        "ephemeralStorage": {"size": spec.ephemeral_storage_size, "iops": spec.ephemeral_storage_iops,
                             "throughput": spec.ephemeral_storage_throughput, "kmsKeyID": key_arn},
    }
    if spec.tags:
        manifest["tags"] = dict(spec.tags)
    return manifest


def node_pool_spec(pool: NodePoolArgs) -> dict[str, Any]:
    """The NodePool ``spec`` (pure: tests read it without mocks)."""
    node_spec: dict[str, Any] = {
        "nodeClassRef": {"group": NODE_CLASS_API.split("/")[0], "kind": "NodeClass", "name": pool.node_class},
        "requirements": pool.requirement_terms(),
        "expireAfter": pool.expire_after,
    }
    if pool.taints:
        node_spec["taints"] = [{"key": t.key, "effect": t.effect, **({"value": t.value} if t.value else {})}
                               for t in pool.taints]
    if pool.termination_grace_period is not None:
        node_spec["terminationGracePeriod"] = pool.termination_grace_period
    template: dict[str, Any] = {"spec": node_spec}
    if pool.labels:
        template["metadata"] = {"labels": dict(pool.labels)}
    manifest: dict[str, Any] = {
        "template": template,
        "disruption": {"consolidationPolicy": pool.consolidation_policy, "consolidateAfter": pool.consolidate_after,
                       "budgets": [b.manifest() for b in pool.budgets]},
        "limits": {"cpu": pool.cpu_limit, "memory": pool.memory_limit},
    }
    if pool.weight is not None:
        manifest["weight"] = pool.weight
    return manifest

