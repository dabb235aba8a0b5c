"""Karpenter: Karpenter v1 (``karpenter.sh/v1``, ``karpenter.k8s.aws/v1``) provisioning nodes for pending pods.

Children (named ``{name}-<role>``, parented to the component):

* ``{name}-controller-role`` + ``{name}-controller-role-policy``: the controller's role through EKS Pod
  Identity. The policy names every action; it may launch instances and launch templates only with this
  cluster's ``kubernetes.io/cluster/<cluster>: owned`` and ``karpenter.sh/nodepool`` request tags, tag and
  terminate only instances and launch templates carrying them, pass only the node role, and manage only
  instance profiles it tagged (no ``*`` resource on terminate, delete or pass-role);
* ``{name}-pod-identity``: binds the role to ``kube-system/karpenter``;
* ``{name}-interruption``: an SQS queue (SQS-managed encryption, 5-minute retention) with
  ``{name}-interruption-policy`` (EventBridge and SQS may send; TLS only), and one EventBridge rule plus
  target per event Karpenter acts on: ``{name}-scheduled-change`` (AWS Health), ``{name}-spot-interruption``,
  ``{name}-rebalance`` and ``{name}-instance-state-change``;
* ``{name}-node-role`` (``AmazonEKSWorkerNodePolicy``, ``AmazonEC2ContainerRegistryPullOnly``,
  ``AmazonSSMManagedInstanceCore``) and ``{name}-node-access``, its ``EC2_LINUX`` access entry (no aws-auth);
* ``{name}-sg-discovery``: the ``karpenter.sh/discovery`` tag on the cluster security group (an added tag:
  the group is updated, never replaced); private subnets get the tag from the Network component;
* ``{name}-chart``: the Karpenter Helm chart (version pinned, CRDs included) through
  ``kubernetes:helm.sh/v4:Chart``, two replicas on the controller's node selector;
* ``{name}-class-<key>``: an ``EC2NodeClass`` per node class: subnets and security groups by discovery tag,
  IMDSv2 with hop limit 1, no public IP, a gp3 root volume encrypted with the node-volume key, the AL2023 AMI
  alias of the stack's update channel;
* ``{name}-pool-<key>``: a ``NodePool`` per node pool: requirements, taints, labels, CPU and memory limits,
  disruption (consolidation, budgets) and ``expireAfter``.

Outputs: ``node_role_arn``, ``queue_name``, ``controller_role_arn``, ``node_pools`` (pool names).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from ._iam import pod_identity_role, role_with_policies, service_trust
from ._tags import merged_tags

TYPE_TOKEN = "eks-platform:components:Karpenter"
CHART = "oci://public.ecr.aws/karpenter/karpenter"
NAMESPACE = "kube-system"
SERVICE_ACCOUNT = "karpenter"
DISCOVERY_TAG = "karpenter.sh/discovery"
NODE_POLICIES = ("AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly", "AmazonSSMManagedInstanceCore")
#: The events Karpenter acts on before AWS takes a node away: (rule suffix, source, detail-type).
INTERRUPTION_EVENTS = (
    ("scheduled-change", "aws.health", "AWS Health Event"),
    ("spot-interruption", "aws.ec2", "EC2 Spot Instance Interruption Warning"),
    ("rebalance", "aws.ec2", "EC2 Instance Rebalance Recommendation"),
    ("instance-state-change", "aws.ec2", "EC2 Instance State-change Notification"),
)
_ALIAS = re.compile(r"^al2023@(latest|v\d{8})$")
_RELEASE = re.compile(r"^\d+\.\d+\.\d+-(\d{8})$")
_DURATION = re.compile(r"^(([0-9]+(s|m|h))+|Never)$")


def ami_alias(channel: str, release: str | None) -> str:
    """The EC2NodeClass AMI alias of an update channel: ``al2023@latest`` on ``latest``; on ``pinned`` the
    AL2023 release promoted as ``amiReleaseVersion`` (``1.35.0-20261015`` -> ``al2023@v20261015``: EKS AMI
    releases and Karpenter's alias versions share the date)."""
    if channel == "latest":
        return "al2023@latest"
    m = _RELEASE.match(release or "")
    if not m:
        raise ValueError(f"ami_alias: a pinned channel needs an EKS AMI release such as 1.35.0-20261015, got {release!r}")
    return f"al2023@v{m.group(1)}"


@dataclass(frozen=True)
class KarpenterTaint:
    key: str
    effect: str
    """NoSchedule, PreferNoSchedule or NoExecute."""
    value: str | None = None


@dataclass(frozen=True)
class DisruptionBudget:
    """At most ``nodes`` (count or percentage) disrupted at once; in a window if ``schedule``/``duration``."""

    nodes: str
    schedule: str | None = None
    duration: str | None = None
    reasons: Sequence[str] | None = None


#: Tags Karpenter sets itself on what it launches: a node class may not set them.
RESERVED_TAGS = ("karpenter.sh/nodepool", "karpenter.sh/nodeclaim", "karpenter.k8s.aws/ec2nodeclass",
                 "eks:eks-cluster-name", "Name")


@dataclass(frozen=True)
class NodeClassArgs:
    """One EC2NodeClass; everything else about it is fixed and secure."""

    volume_size_gib: int = 50
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags on the instances, volumes and interfaces Karpenter launches (with the stack's base tags; Karpenter
    adds its own and names each instance after its node)."""

    def __post_init__(self) -> None:
        reserved = sorted(k for k in self.tags if k in RESERVED_TAGS or k.startswith("kubernetes.io/cluster/"))
        if reserved:
            raise ValueError(f"NodeClassArgs.tags: {', '.join(reserved)} set by Karpenter itself; use other keys")


@dataclass(frozen=True)
class NodePoolArgs:
    """One NodePool."""

    cpu_limit: str
    """Most vCPUs the pool may run in total, e.g. "256"."""
    memory_limit: str
    """Most memory the pool may run in total, e.g. "1024Gi"."""
    node_class: str = "default"
    instance_categories: Sequence[str] = ()
    instance_families: Sequence[str] = ()
    capacity_types: Sequence[str] = ("on-demand",)
    architectures: Sequence[str] = ("amd64",)
    consolidation_policy: str = "WhenEmptyOrUnderutilized"
    consolidate_after: str = "1m"
    expire_after: str = "720h"
    """Nodes are replaced at this age, so they run patched AMIs (720h: 30 days)."""
    termination_grace_period: str | None = "24h"
    budgets: Sequence[DisruptionBudget] = (DisruptionBudget(nodes="10%"),)
    taints: Sequence[KarpenterTaint] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    weight: int | None = None

    def __post_init__(self) -> None:
        if bool(self.instance_categories) == bool(self.instance_families):
            raise ValueError("NodePoolArgs: give exactly one of instance_categories and instance_families")
        if not self.cpu_limit or not self.memory_limit:
            raise ValueError("NodePoolArgs: cpu_limit and memory_limit are required (a pool without limits can "
                             "launch without bound)")
        if not self.budgets:
            raise ValueError("NodePoolArgs.budgets: at least one disruption budget, e.g. nodes: 10%")
        for what in ("consolidate_after", "expire_after"):
            if not _DURATION.match(getattr(self, what)):
                raise ValueError(f"NodePoolArgs.{what}: a duration such as 720h, or Never")


@dataclass(frozen=True)
class KarpenterArgs:
    """Inputs of :class:`Karpenter`."""

    cluster_name: str
    """EKS cluster name (plain: it is part of tags and IAM conditions)."""
    cluster: pulumi.Input[str]
    """The cluster's name as the ControlPlane outputs it (orders everything after the cluster)."""
    cluster_endpoint: pulumi.Input[str]
    cluster_security_group_id: pulumi.Input[str]
    """EKS's cluster security group: Karpenter's nodes join it (it gets the discovery tag)."""
    region: str
    kubernetes_provider: pulumi.ProviderResource
    volume_key_arn: pulumi.Input[str]
    """The customer-managed KMS key of node root volumes (the Compute component's)."""
    volume_key_name: str
    """That key's ``Name`` tag: the controller's policy names the key by it, so the policy is known at the
    first preview (the key's ARN is not)."""
    ami_alias: str
    """``al2023@latest`` or ``al2023@vYYYYMMDD`` (see :func:`ami_alias`)."""
    node_pools: Mapping[str, NodePoolArgs]
    node_classes: Mapping[str, NodeClassArgs] = field(default_factory=lambda: {"default": NodeClassArgs()})
    controller_node_selector: Mapping[str, str] = field(default_factory=dict)
    """Where the controller runs: the labels of its managed node group ({} on a Fargate profile)."""
    chart_version: str = "1.8.1"
    """Karpenter Helm chart version (pinned: an `up` never picks up a new controller by itself)."""
    depends_on: Sequence[pulumi.Resource] = ()
    """The compute the controller runs on, and the Pod Identity agent."""
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not _ALIAS.match(self.ami_alias):
            raise ValueError(f"KarpenterArgs.ami_alias: al2023@latest or al2023@vYYYYMMDD, got {self.ami_alias!r}")
        if not self.node_pools:
            raise ValueError("KarpenterArgs.node_pools: at least one node pool")
        missing = sorted({p.node_class for p in self.node_pools.values()} - set(self.node_classes))
        if missing:
            raise ValueError(f"KarpenterArgs.node_pools: node class(es) {', '.join(missing)} not in node_classes")


def controller_policy(partition: str, region: str, account: str, cluster_name: str, queue_arn: str,
                      node_role_arn: str, volume_key_name: str) -> str:
    """The controller's IAM policy: every action named; launches, tags, terminations and instance profiles
    limited to resources carrying this cluster's tags; PassRole only for the node role, only to EC2."""
    ec2 = f"arn:{partition}:ec2:{region}:*"
    owned = {f"aws:ResourceTag/kubernetes.io/cluster/{cluster_name}": "owned"}
    owned_request = {f"aws:RequestTag/kubernetes.io/cluster/{cluster_name}": "owned",
                     "aws:RequestTag/eks:eks-cluster-name": cluster_name}
    nodepool = {"aws:ResourceTag/karpenter.sh/nodepool": "*"}
    nodepool_request = {"aws:RequestTag/karpenter.sh/nodepool": "*"}
    launched = [f"{ec2}:fleet/*", f"{ec2}:instance/*", f"{ec2}:volume/*", f"{ec2}:network-interface/*",
                f"{ec2}:launch-template/*", f"{ec2}:spot-instances-request/*"]
    profiles = f"arn:{partition}:iam::{account}:instance-profile/*"
    nodeclass = {"aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*"}
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "LaunchFromSharedResources", "Effect": "Allow", "Action": ["ec2:RunInstances", "ec2:CreateFleet"],
         "Resource": [f"arn:{partition}:ec2:{region}::image/*", f"arn:{partition}:ec2:{region}::snapshot/*",
                      f"{ec2}:security-group/*", f"{ec2}:subnet/*", f"{ec2}:capacity-reservation/*"]},
        {"Sid": "LaunchFromOwnLaunchTemplates", "Effect": "Allow", "Action": ["ec2:RunInstances", "ec2:CreateFleet"],
         "Resource": f"{ec2}:launch-template/*",
         "Condition": {"StringEquals": owned, "StringLike": nodepool}},
        {"Sid": "CreateOnlyTagged", "Effect": "Allow",
         "Action": ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"], "Resource": launched,
         "Condition": {"StringEquals": owned_request, "StringLike": nodepool_request}},
        {"Sid": "TagOnCreate", "Effect": "Allow", "Action": "ec2:CreateTags", "Resource": launched,
         "Condition": {"StringEquals": {**owned_request,
                                        "ec2:CreateAction": ["RunInstances", "CreateFleet", "CreateLaunchTemplate"]},
                       "StringLike": nodepool_request}},
        {"Sid": "TagOwnInstances", "Effect": "Allow", "Action": "ec2:CreateTags", "Resource": f"{ec2}:instance/*",
         "Condition": {"StringEquals": owned, "StringLike": nodepool,
                       "StringEqualsIfExists": {"aws:RequestTag/eks:eks-cluster-name": cluster_name},
                       "ForAllValues:StringEquals": {"aws:TagKeys": ["eks:eks-cluster-name", "karpenter.sh/nodeclaim",
                                                                     "Name"]}}},
        {"Sid": "TerminateOwnInstances", "Effect": "Allow",
         "Action": ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
         "Resource": [f"{ec2}:instance/*", f"{ec2}:launch-template/*"],
         "Condition": {"StringEquals": owned, "StringLike": nodepool}},
        {"Sid": "ReadInRegion", "Effect": "Allow",
         "Action": ["ec2:DescribeAvailabilityZones", "ec2:DescribeCapacityReservations", "ec2:DescribeImages",
                    "ec2:DescribeInstances", "ec2:DescribeInstanceTypeOfferings", "ec2:DescribeInstanceTypes",
                    "ec2:DescribeLaunchTemplates", "ec2:DescribeSecurityGroups", "ec2:DescribeSpotPriceHistory",
                    "ec2:DescribeSubnets"],
         "Resource": "*", "Condition": {"StringEquals": {"aws:RequestedRegion": region}}},
        {"Sid": "ReadPublicAmiParameters", "Effect": "Allow", "Action": "ssm:GetParameter",
         "Resource": f"arn:{partition}:ssm:{region}::parameter/aws/service/*"},
        {"Sid": "ReadPrices", "Effect": "Allow", "Action": "pricing:GetProducts", "Resource": "*"},
        {"Sid": "InterruptionQueue", "Effect": "Allow",
         "Action": ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"], "Resource": queue_arn},
        {"Sid": "PassNodeRole", "Effect": "Allow", "Action": "iam:PassRole", "Resource": node_role_arn,
         "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}},
        {"Sid": "CreateTaggedInstanceProfiles", "Effect": "Allow", "Action": "iam:CreateInstanceProfile",
         "Resource": profiles,
         "Condition": {"StringEquals": {**owned_request, "aws:RequestTag/topology.kubernetes.io/region": region},
                       "StringLike": {"aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*"}}},
        {"Sid": "TagOwnInstanceProfiles", "Effect": "Allow", "Action": "iam:TagInstanceProfile", "Resource": profiles,
         "Condition": {"StringEquals": {**owned, "aws:ResourceTag/topology.kubernetes.io/region": region,
                                        **owned_request, "aws:RequestTag/topology.kubernetes.io/region": region},
                       "StringLike": {**nodeclass, "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*"}}},
        {"Sid": "ManageOwnInstanceProfiles", "Effect": "Allow",
         "Action": ["iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile"],
         "Resource": profiles,
         "Condition": {"StringEquals": {**owned, "aws:ResourceTag/topology.kubernetes.io/region": region},
                       "StringLike": nodeclass}},
        {"Sid": "ReadInstanceProfiles", "Effect": "Allow", "Action": ["iam:GetInstanceProfile",
                                                                      "iam:ListInstanceProfiles"],
         "Resource": profiles},
        {"Sid": "DiscoverClusterEndpoint", "Effect": "Allow", "Action": "eks:DescribeCluster",
         "Resource": f"arn:{partition}:eks:{region}:{account}:cluster/{cluster_name}"},
        {"Sid": "EncryptNodeVolumes", "Effect": "Allow",
         "Action": ["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKeyWithoutPlaintext",
                    "kms:ReEncryptFrom", "kms:ReEncryptTo"],
         "Resource": f"arn:{partition}:kms:{region}:{account}:key/*",
         "Condition": {"StringEquals": {"kms:ViaService": f"ec2.{region}.amazonaws.com",
                                        "aws:ResourceTag/Name": volume_key_name}}},
    ]})


def queue_policy(queue_arn: str) -> str:
    """EventBridge (and SQS itself) may send to the interruption queue; nobody may use it without TLS."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "EventsToQueue", "Effect": "Allow",
         "Principal": {"Service": ["events.amazonaws.com", "sqs.amazonaws.com"]},
         "Action": "sqs:SendMessage", "Resource": queue_arn},
        {"Sid": "DenyWithoutTls", "Effect": "Deny", "Principal": "*", "Action": "sqs:*", "Resource": queue_arn,
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    ]})


def node_class_spec(cluster_name: str, role_name: str, alias: str, volume_key_arn: pulumi.Input[str],
                    spec: NodeClassArgs, tags: Mapping[str, str]) -> dict[str, object]:
    """The EC2NodeClass spec: discovery-tag selectors, IMDSv2 hop 1, no public IP, encrypted root volume.

    Only the key ARN is an Output, as a leaf: every setting a rule judges is known at the first preview."""
    discovery = [{"tags": {DISCOVERY_TAG: cluster_name}}]
    return {
        "role": role_name,
        "amiSelectorTerms": [{"alias": alias}],
        "subnetSelectorTerms": discovery,
        "securityGroupSelectorTerms": discovery,
        "associatePublicIPAddress": False,
        "metadataOptions": {"httpEndpoint": "enabled", "httpProtocolIPv6": "disabled", "httpPutResponseHopLimit": 1,
                            "httpTokens": "required"},
        "blockDeviceMappings": [{"deviceName": "/dev/xvda", "rootVolume": True, "ebs": {
            "volumeSize": f"{spec.volume_size_gib}Gi", "volumeType": "gp3", "encrypted": True,
            "kmsKeyID": volume_key_arn, "deleteOnTermination": True}}],
        "tags": dict(tags),
    }


def node_pool_spec(key: str, spec: NodePoolArgs) -> dict[str, object]:
    """The NodePool spec built from typed config."""
    if spec.instance_categories:
        shape = {"key": "karpenter.k8s.aws/instance-category", "operator": "In",
                 "values": list(spec.instance_categories)}
    else:
        shape = {"key": "karpenter.k8s.aws/instance-family", "operator": "In", "values": list(spec.instance_families)}
    template_spec: dict[str, object] = {
        "nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": spec.node_class},
        "requirements": [
            shape,
            {"key": "karpenter.sh/capacity-type", "operator": "In", "values": list(spec.capacity_types)},
            {"key": "kubernetes.io/arch", "operator": "In", "values": list(spec.architectures)},
            {"key": "kubernetes.io/os", "operator": "In", "values": ["linux"]},
        ],
        "expireAfter": spec.expire_after,
    }
    if spec.taints:
        template_spec["taints"] = [{"key": t.key, "effect": t.effect, **({"value": t.value} if t.value else {})}
                                   for t in spec.taints]
    if spec.termination_grace_period is not None:
        template_spec["terminationGracePeriod"] = spec.termination_grace_period
    budgets = [{"nodes": b.nodes, **({"schedule": b.schedule, "duration": b.duration} if b.schedule else {}),
                **({"reasons": list(b.reasons)} if b.reasons else {})} for b in spec.budgets]
    out: dict[str, object] = {
        "template": {"metadata": {"labels": {**spec.labels, "eks-platform/node-pool": key}}, "spec": template_spec},
        "disruption": {"consolidationPolicy": spec.consolidation_policy, "consolidateAfter": spec.consolidate_after,
                       "budgets": budgets},
        "limits": {"cpu": spec.cpu_limit, "memory": spec.memory_limit},
    }
    if spec.weight is not None:
        out["weight"] = spec.weight
    return out


class Karpenter(pulumi.ComponentResource):
    """Karpenter v1 with interruption handling, a scoped controller role, its node role, node classes and pools."""

    node_role_arn: pulumi.Output[str]
    """ARN of the role Karpenter's nodes run with."""
    controller_role_arn: pulumi.Output[str]
    queue_name: pulumi.Output[str]
    """The interruption queue."""
    node_pools: dict[str, k8s.apiextensions.CustomResource]
    node_classes: dict[str, k8s.apiextensions.CustomResource]

    def __init__(self, name: str, args: KarpenterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        base = dict(args.tags)
        partition = aws.get_partition().partition
        account = aws.get_caller_identity().account_id

        # Interruption handling: AWS tells the queue before it takes a node away; Karpenter drains it in time.
        # Fixed names: the controller's policy names the queue and the node role before they exist.
        queue_name, node_role_name = f"{args.cluster_name}-karpenter", f"{args.cluster_name}-karpenter-node"
        queue = aws.sqs.Queue(f"{name}-interruption", name=queue_name, message_retention_seconds=300,
                              sqs_managed_sse_enabled=True, tags=merged_tags(base, f"{name}-interruption"), opts=child)
        aws.sqs.QueuePolicy(f"{name}-interruption-policy", queue_url=queue.id, policy=queue.arn.apply(queue_policy),
                            opts=child)
        for suffix, source, detail_type in INTERRUPTION_EVENTS:
            rule = aws.cloudwatch.EventRule(
                f"{name}-{suffix}", description=f"{detail_type} events for Karpenter in {args.cluster_name}",
                event_pattern=json.dumps({"source": [source], "detail-type": [detail_type]}),
                tags=merged_tags(base, f"{name}-{suffix}"), opts=child)
            aws.cloudwatch.EventTarget(f"{name}-{suffix}-target", rule=rule.name, arn=queue.arn, opts=child)

        # The nodes' role, admitted by an EC2_LINUX access entry (authentication mode API; no aws-auth).
        node_role, node_attachments = role_with_policies(
            f"{name}-node-role", service_trust("ec2.amazonaws.com"), NODE_POLICIES, partition, base, self,
            f"Nodes Karpenter launches in {args.cluster_name}", role_name=node_role_name)
        access = aws.eks.AccessEntry(f"{name}-node-access", cluster_name=args.cluster, principal_arn=node_role.arn,
                                     type="EC2_LINUX", tags=merged_tags(base, f"{name}-node-access"), opts=child)
        sg_tag = aws.ec2.Tag(f"{name}-sg-discovery", resource_id=args.cluster_security_group_id, key=DISCOVERY_TAG,
                             value=args.cluster_name, opts=child)

        policy = controller_policy(partition, args.region, account, args.cluster_name,
                                   f"arn:{partition}:sqs:{args.region}:{account}:{queue_name}",
                                   f"arn:{partition}:iam::{account}:role/{node_role_name}", args.volume_key_name)
        role, grants = pod_identity_role(f"{name}-controller-role", [], policy, partition, base, self,
                                         f"Karpenter controller of {args.cluster_name} through EKS Pod Identity")
        association = aws.eks.PodIdentityAssociation(
            f"{name}-pod-identity", cluster_name=args.cluster, namespace=NAMESPACE, service_account=SERVICE_ACCOUNT,
            role_arn=role.arn, tags=merged_tags(base, f"{name}-pod-identity"), opts=child)

        chart = k8s.helm.v4.Chart(
            f"{name}-chart", chart=CHART, version=args.chart_version, namespace=NAMESPACE,
            values={
                "settings": {"clusterName": args.cluster, "clusterEndpoint": args.cluster_endpoint,
                             "interruptionQueue": queue.name},
                "serviceAccount": {"create": True, "name": SERVICE_ACCOUNT},
                "replicas": 2,
                "podDisruptionBudget": {"name": "karpenter", "maxUnavailable": 1},
                "nodeSelector": {"kubernetes.io/os": "linux", **args.controller_node_selector},
                "tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"}],
                "controller": {"resources": {"requests": {"cpu": "500m", "memory": "512Mi"},
                                             "limits": {"memory": "1Gi"}}},
            },
            opts=pulumi.ResourceOptions(parent=self, provider=args.kubernetes_provider,
                                        depends_on=[association, *grants, *args.depends_on]))

        self.node_classes = {}
        for key in sorted(args.node_classes):
            spec = args.node_classes[key]
            self.node_classes[key] = k8s.apiextensions.CustomResource(
                f"{name}-class-{key}", api_version="karpenter.k8s.aws/v1", kind="EC2NodeClass",
                metadata={"name": key},
                spec=node_class_spec(args.cluster_name, node_role_name, args.ami_alias, args.volume_key_arn, spec,
                                     {**base, **spec.tags}),
                opts=pulumi.ResourceOptions(parent=self, provider=args.kubernetes_provider,
                                            depends_on=[chart, access, sg_tag, *node_attachments]))
        self.node_pools = {}
        for key in sorted(args.node_pools):
            spec = args.node_pools[key]
            self.node_pools[key] = k8s.apiextensions.CustomResource(
                f"{name}-pool-{key}", api_version="karpenter.sh/v1", kind="NodePool", metadata={"name": key},
                spec=node_pool_spec(key, spec),
                opts=pulumi.ResourceOptions(parent=self, provider=args.kubernetes_provider,
                                            depends_on=[chart, self.node_classes[spec.node_class]]))

        self.node_role_arn = node_role.arn
        self.controller_role_arn = role.arn
        self.queue_name = queue.name
        self.register_outputs({"node_role_arn": self.node_role_arn, "controller_role_arn": self.controller_role_arn,
                               "queue_name": self.queue_name, "node_pools": sorted(self.node_pools)})
