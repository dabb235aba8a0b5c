"""ControlPlane: the EKS cluster and what it needs to be secure and usable.

Children (named ``{name}-<role>``, parented to the component):

* ``{name}-cluster-role`` (+ ``-AmazonEKSClusterPolicy`` attachment): the role EKS assumes;
* ``{name}-cluster-sg``: an extra security group for the control-plane ENIs: no ingress, egress to the VPC
  only (kubelets, webhooks and pods; AWS itself reaches the control plane from its side);
* ``{name}-secrets-key`` / ``{name}-secrets-key-alias``: a customer-managed KMS key with yearly rotation
  and an explicit key policy, for envelope encryption of Kubernetes Secrets (protected when ``protect`` is set);
* ``{name}-logs-key`` / ``{name}-logs-key-alias``: the key of the control-plane logs (CloudWatch Logs may use
  it for that log group only);
* ``{name}-logs``: the ``/aws/eks/<cluster>/cluster`` log group with retention, encrypted with that key,
  created before the cluster so EKS does not create it without one;
* ``{name}-cluster``: the ``aws.eks.Cluster``: all five control-plane log types, access entries only
  (``API``), no permanent creator admin, standard-support upgrade policy, private endpoint (public only
  with an explicit CIDR allowlist), self-managed default add-ons off;
* ``{name}-oidc``: the IAM OIDC provider for IRSA;
* add-ons with versions resolved for the cluster version (or pinned through ``addon_versions``):
  ``{name}-pod-identity-agent``, ``{name}-vpc-cni`` (network policy enforcement on, its own Pod Identity
  role ``{name}-vpc-cni-role`` instead of the node role), ``{name}-kube-proxy``; ``coredns`` needs
  running pods, so :meth:`ControlPlane.add_coredns` creates it once compute exists;
* ``{name}-k8s``: a ``pulumi_kubernetes.Provider`` for in-cluster components.

With ``auto_mode`` (:class:`AutoModeClusterArgs`, EKS Auto Mode) the cluster gets AWS's compute, block
storage and load balancing together (``compute_config``, ``storage_config.block_storage``,
``kubernetes_network_config.elastic_load_balancing``, as AWS requires), the cluster role also gets
``AmazonEKSComputePolicy``, ``AmazonEKSBlockStoragePolicy``, ``AmazonEKSLoadBalancingPolicy`` and
``AmazonEKSNetworkingPolicy`` (one attachment each, named by policy), and:

* ``{name}-auto-node-role`` (only with built-in node pools): the role of the nodes of the built-in
  ``general-purpose``/``system`` pools, with exactly ``AmazonEKSWorkerNodeMinimalPolicy`` and
  ``AmazonEC2ContainerRegistryPullOnly``; created before the cluster, which names it in
  ``compute_config.node_role_arn`` (EKS creates that role's ``EC2`` access entry itself);
* none of the add-ons AWS runs itself in Auto Mode (:data:`AUTO_MODE_MANAGED_ADDONS`: VPC CNI and its
  role, kube-proxy, CoreDNS, the Pod Identity agent); :meth:`ControlPlane.add_coredns` refuses. While a
  cluster migrates from node groups, ``keep_addons`` keeps them (the same resources, so the same URNs).

The rest of Auto Mode (custom NodeClasses and NodePools, the StorageClass, the IngressClass) is
:class:`components.auto_mode.AutoMode`.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from ._addons import eks_addon
from ._iam import POD_IDENTITY_TRUST, role_with_policies, service_trust
from ._kms import customer_managed_key, key_policy, logs_statement
from ._tags import merged_tags

TYPE_TOKEN = "eks-platform:components:ControlPlane"
LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
#: The node pools EKS Auto Mode offers built in.
BUILT_IN_NODE_POOLS = ("general-purpose", "system")
#: AWS managed policies the cluster role needs for Auto Mode's compute, storage, load balancing and networking.
AUTO_MODE_CLUSTER_POLICIES = ("AmazonEKSComputePolicy", "AmazonEKSBlockStoragePolicy",
                              "AmazonEKSLoadBalancingPolicy", "AmazonEKSNetworkingPolicy")
#: AWS managed policies of an Auto Mode node role (nothing else: EKS runs the node's agents).
AUTO_MODE_NODE_POLICIES = ("AmazonEKSWorkerNodeMinimalPolicy", "AmazonEC2ContainerRegistryPullOnly")
#: EKS add-ons Auto Mode runs itself, so the control plane does not install them.
AUTO_MODE_MANAGED_ADDONS = ("vpc-cni", "kube-proxy", "coredns", "eks-pod-identity-agent")


@dataclass(frozen=True)
class AutoModeClusterArgs:
    """EKS Auto Mode on the cluster: compute, block storage and load balancing run by AWS, together."""

    node_pools: Sequence[str] = BUILT_IN_NODE_POOLS
    """Built-in node pools to run: ``general-purpose`` and/or ``system``; empty: custom NodePools only
    (:class:`components.auto_mode.AutoMode`). With any, the control plane creates their node role."""
    keep_addons: bool = False
    """Keep the node-group cluster's add-ons (Pod Identity agent, VPC CNI, kube-proxy, and CoreDNS through
    :meth:`ControlPlane.add_coredns`) while its node groups still run: the first step of a migration to Auto
    Mode (Auto Mode nodes ignore them). Turn it off once the node groups are drained and removed."""

    def __post_init__(self) -> None:
        if isinstance(self.node_pools, str):
            raise ValueError("AutoModeClusterArgs.node_pools: a list of pool names, e.g. "
                             "[\"general-purpose\", \"system\"], not one string")
        unknown = [p for p in self.node_pools if p not in BUILT_IN_NODE_POOLS]
        if unknown:
            raise ValueError(f"AutoModeClusterArgs.node_pools: {', '.join(map(repr, unknown))} "
                             f"{'is' if len(unknown) == 1 else 'are'} not built in; choose from "
                             f"{', '.join(BUILT_IN_NODE_POOLS)} (custom pools are AutoMode NodePools)")
        if len(set(self.node_pools)) != len(self.node_pools):
            raise ValueError("AutoModeClusterArgs.node_pools: each pool once")


@dataclass(frozen=True)
class ControlPlaneArgs:
    """Inputs of :class:`ControlPlane`."""

    cluster_name: str
    """EKS cluster name."""
    kubernetes_version: str
    """EKS version, e.g. "1.35"."""
    vpc_id: pulumi.Input[str]
    """VPC of the cluster."""
    vpc_cidr: str
    """CIDR of the VPC: the control-plane ENIs talk to nodes and pods in it, and to nothing else."""
    subnet_ids: pulumi.Input[Sequence[str]]
    """Private subnets across all AZs for the control-plane ENIs."""
    endpoint_public_access: bool = False
    """Expose the API server publicly (then ``public_access_cidrs`` is required)."""
    public_access_cidrs: pulumi.Input[Sequence[str]] = ()
    """CIDRs allowed to reach a public endpoint; never 0.0.0.0/0 (checked here unless given as an Output,
    e.g. a secret from config, which the stack config validates)."""
    log_retention_days: int = 90
    """Retention of the control-plane log group."""
    addon_versions: Mapping[str, str] = field(default_factory=dict)
    """Pinned add-on versions by add-on name; unpinned ones resolve to the newest for the cluster version."""
    protect: bool = True
    """Protect the cluster, its Secrets key and its log group (kept on delete), and turn on the cluster's
    deletion protection (prod)."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags on every taggable child."""
    auto_mode: AutoModeClusterArgs | None = None
    """EKS Auto Mode (None: off, the add-ons and the node groups of :class:`components.compute.Compute`).
    Turning it on for an existing cluster is an update of the cluster, not a replacement."""

    def __post_init__(self) -> None:
        if self.auto_mode is not None and not isinstance(self.auto_mode, AutoModeClusterArgs):
            raise ValueError("ControlPlaneArgs.auto_mode: pass AutoModeClusterArgs(...) or None")
        if self.endpoint_public_access and not self.public_access_cidrs:
            raise ValueError("ControlPlaneArgs.public_access_cidrs: a public endpoint needs explicit CIDRs")
        if not self.endpoint_public_access and self.public_access_cidrs:
            raise ValueError("ControlPlaneArgs.public_access_cidrs: set only with endpoint_public_access=True")
        for cidr in [] if isinstance(self.public_access_cidrs, pulumi.Output) else self.public_access_cidrs:
            if ipaddress.ip_network(cidr).prefixlen == 0:
                raise ValueError(f"ControlPlaneArgs.public_access_cidrs: {cidr} opens the endpoint to the internet")


class ControlPlane(pulumi.ComponentResource):
    """An EKS control plane with encryption, logging, access entries, IRSA and the core add-ons."""

    cluster: aws.eks.Cluster
    cluster_role: aws.iam.Role
    cluster_name: pulumi.Output[str]
    """Name of the EKS cluster."""
    endpoint: pulumi.Output[str]
    """API server endpoint."""
    certificate_authority: pulumi.Output[str]
    """Base64 cluster CA certificate."""
    oidc_issuer: pulumi.Output[str]
    """OIDC issuer URL without ``https://``."""
    oidc_provider_arn: pulumi.Output[str]
    """ARN of the IAM OIDC provider (IRSA)."""
    secrets_key_arn: pulumi.Output[str]
    """ARN of the KMS key encrypting Secrets."""
    cluster_security_group_id: pulumi.Output[str]
    """The security group EKS creates for the cluster (nodes join it)."""
    kubeconfig: pulumi.Output[str]
    """Kubeconfig (secret) authenticating with ``aws eks get-token``."""
    provider: k8s.Provider
    """Kubernetes provider for in-cluster resources."""
    auto_mode: bool
    """Whether the cluster runs EKS Auto Mode."""
    auto_mode_node_role: aws.iam.Role | None
    """The built-in node pools' role (Auto Mode with built-in pools), else None."""
    auto_mode_node_role_arn: pulumi.Output[str] | None
    """Its ARN, else None."""

    def __init__(self, name: str, args: ControlPlaneArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        self._name = name
        self._args = args
        self.addons: dict[str, aws.eks.Addon] = {}
        base = dict(args.tags)
        child = pulumi.ResourceOptions(parent=self)
        partition = aws.get_partition().partition
        region = aws.get_region().region

        auto = args.auto_mode
        self.auto_mode = auto is not None
        # Auto Mode's policies are extra attachments; the cluster policy's keeps its name (and URN).
        self.cluster_role, attachments = role_with_policies(
            f"{name}-cluster-role", service_trust("eks.amazonaws.com", ("sts:AssumeRole", "sts:TagSession")),
            ["AmazonEKSClusterPolicy", *(AUTO_MODE_CLUSTER_POLICIES if auto else ())], partition, base, self,
            f"EKS control plane of {args.cluster_name}")
        self.auto_mode_node_role = None
        self.auto_mode_node_role_arn = None
        if auto is not None and auto.node_pools:
            self.auto_mode_node_role, node_attachments = role_with_policies(
                f"{name}-auto-node-role", service_trust("ec2.amazonaws.com"), AUTO_MODE_NODE_POLICIES, partition,
                base, self, f"EKS Auto Mode nodes of the built-in pools of {args.cluster_name}")
            self.auto_mode_node_role_arn = self.auto_mode_node_role.arn
            attachments = [*attachments, *node_attachments]
        sg = aws.ec2.SecurityGroup(
            f"{name}-cluster-sg", vpc_id=args.vpc_id,
            description=f"Additional security group for the {args.cluster_name} control-plane ENIs",
            egress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": [args.vpc_cidr],
                     "description": "control plane to kubelets, webhooks and pods in the VPC"}],
            tags=merged_tags(base, f"{name}-cluster-sg"), opts=child)
        account = aws.get_caller_identity().account_id
        key, _ = customer_managed_key(
            f"{name}-secrets-key", f"Envelope encryption of Kubernetes Secrets in {args.cluster_name}",
            f"eks/{args.cluster_name}/secrets", key_policy(partition, account), base, self, args.protect)
        log_group = f"/aws/eks/{args.cluster_name}/cluster"
        logs_key, _ = customer_managed_key(
            f"{name}-logs-key", f"Control-plane logs of {args.cluster_name}", f"eks/{args.cluster_name}/logs",
            key_policy(partition, account, [logs_statement(partition, region, account, log_group)]), base, self,
            args.protect)
        # Audit history outlives the cluster: protected and kept on delete where stateful resources are.
        logs = aws.cloudwatch.LogGroup(
            f"{name}-logs", name=log_group, retention_in_days=args.log_retention_days, kms_key_id=logs_key.arn,
            tags=merged_tags(base, f"{name}-logs"),
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.protect))

        vpc_config: dict[str, object] = {
            "subnet_ids": args.subnet_ids, "security_group_ids": [sg.id],
            "endpoint_private_access": True, "endpoint_public_access": args.endpoint_public_access,
        }
        if args.endpoint_public_access:
            cidrs = args.public_access_cidrs
            vpc_config["public_access_cidrs"] = cidrs if isinstance(cidrs, pulumi.Output) else list(cidrs)
        auto_settings: dict[str, object] = {}
        if auto is not None:
            # AWS takes compute, block storage and load balancing only together, all on or all off.
            compute: dict[str, object] = {"enabled": True, "node_pools": list(auto.node_pools)}
            if self.auto_mode_node_role_arn is not None:
                compute["node_role_arn"] = self.auto_mode_node_role_arn
            auto_settings = {"compute_config": compute, "storage_config": {"block_storage": {"enabled": True}},
                             "kubernetes_network_config": {"elastic_load_balancing": {"enabled": True}}}
        self.cluster = aws.eks.Cluster(
            f"{name}-cluster", name=args.cluster_name, version=args.kubernetes_version, role_arn=self.cluster_role.arn,
            vpc_config=vpc_config,
            encryption_config={"provider": {"key_arn": key.arn}, "resources": ["secrets"]},
            enabled_cluster_log_types=list(LOG_TYPES),
            access_config={"authentication_mode": "API", "bootstrap_cluster_creator_admin_permissions": False},
            upgrade_policy={"support_type": "STANDARD"},
            bootstrap_self_managed_addons=False,
            deletion_protection=args.protect,
            **auto_settings,
            tags=merged_tags(base, args.cluster_name),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[logs, *attachments], protect=args.protect))
        cluster = self.cluster

        issuer = cluster.identities.apply(lambda ids: ids[0].oidcs[0].issuer)
        oidc = aws.iam.OpenIdConnectProvider(f"{name}-oidc", url=issuer, client_id_lists=["sts.amazonaws.com"],
                                             tags=merged_tags(base, f"{name}-oidc"), opts=child)

        self._installs_addons = auto is None or auto.keep_addons
        if self._installs_addons:  # Auto Mode runs these itself (AUTO_MODE_MANAGED_ADDONS)
            pod_identity = self._addon("eks-pod-identity-agent", "pod-identity-agent")
            cni_role, cni_attachments = role_with_policies(
                f"{name}-vpc-cni-role", POD_IDENTITY_TRUST, ["AmazonEKS_CNI_Policy"], partition, base, self,
                f"VPC CNI (aws-node) of {args.cluster_name} through EKS Pod Identity")
            self._addon("vpc-cni", "vpc-cni",
                        configuration_values=json.dumps({"enableNetworkPolicy": "true"}),
                        pod_identity_associations=[{"role_arn": cni_role.arn, "service_account": "aws-node"}],
                        depends_on=[pod_identity, *cni_attachments])
            self._addon("kube-proxy", "kube-proxy")

        self.cluster_name = cluster.name
        self.endpoint = cluster.endpoint
        self.certificate_authority = cluster.certificate_authority.apply(lambda ca: ca.data)
        self.oidc_issuer = issuer.apply(lambda url: url.removeprefix("https://"))
        self.oidc_provider_arn = oidc.arn
        self.secrets_key_arn = key.arn
        self.cluster_security_group_id = cluster.vpc_config.apply(lambda v: v.cluster_security_group_id)
        self.kubeconfig = pulumi.Output.secret(pulumi.Output.all(cluster.name, cluster.endpoint,
                                                                 self.certificate_authority).apply(
            lambda v: json.dumps(kubeconfig(v[0], v[1], v[2], region))))
        self.provider = k8s.Provider(f"{name}-k8s", kubeconfig=self.kubeconfig,
                                     enable_server_side_apply=True, opts=child)
        self.register_outputs({
            "cluster_name": self.cluster_name, "endpoint": self.endpoint,
            "certificate_authority": self.certificate_authority, "oidc_issuer": self.oidc_issuer,
            "oidc_provider_arn": self.oidc_provider_arn, "secrets_key_arn": self.secrets_key_arn,
            "cluster_security_group_id": self.cluster_security_group_id, "kubeconfig": self.kubeconfig,
            "auto_mode": self.auto_mode, "auto_mode_node_role_arn": self.auto_mode_node_role_arn,
        })

    def _addon(self, addon: str, role: str, depends_on: Sequence[pulumi.Resource] = (),
               **kwargs: object) -> aws.eks.Addon:
        self.addons[addon] = eks_addon(
            f"{self._name}-{role}", addon, self.cluster.name, self.cluster.version,
            self._args.addon_versions.get(addon), self._args.tags, self, depends_on, **kwargs)
        return self.addons[addon]

    @property
    def addon_versions(self) -> pulumi.Output[dict[str, str]]:
        """Installed add-on versions by name: what dev ran, to promote to staging and prod ({} in Auto Mode
        until an add-on is added)."""
        if not self.addons:
            return pulumi.Output.from_input({})
        return pulumi.Output.all(**{name: addon.addon_version for name, addon in sorted(self.addons.items())})

    @property
    def pod_identity_ready(self) -> list[pulumi.Resource]:
        """What a Pod Identity association's workload waits for: the agent add-on, or, in Auto Mode, where
        the agent is built into the nodes, the cluster."""
        agent = self.addons.get("eks-pod-identity-agent")
        return [agent] if agent is not None else [self.cluster]

    def add_coredns(self, compute: Sequence[pulumi.Resource]) -> aws.eks.Addon:
        """Create the coredns add-on once ``compute`` (node groups or Fargate profiles) exists.

        coredns is a Deployment: on a cluster with nowhere to run pods it stays DEGRADED and the
        update hangs, so it must wait for compute.
        """
        if not self._installs_addons:
            raise ValueError("ControlPlane.add_coredns: EKS Auto Mode runs CoreDNS itself; do not add the coredns "
                             "add-on to an Auto Mode cluster (AutoModeClusterArgs.keep_addons keeps it while "
                             "node groups still run)")
        if not compute:
            raise ValueError("ControlPlane.add_coredns: pass the node groups or Fargate profiles coredns will run on")
        return self._addon("coredns", "coredns", depends_on=compute)


def kubeconfig(cluster_name: str, endpoint: str, ca_data: str, region: str) -> dict[str, object]:
    """A kubeconfig that authenticates through ``aws eks get-token`` (no long-lived credentials)."""
    return {
        "apiVersion": "v1", "kind": "Config", "current-context": cluster_name,
        "clusters": [{"name": cluster_name, "cluster": {"server": endpoint, "certificate-authority-data": ca_data}}],
        "contexts": [{"name": cluster_name, "context": {"cluster": cluster_name, "user": cluster_name}}],
        "users": [{"name": cluster_name, "user": {"exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1", "command": "aws",
            "args": ["eks", "get-token", "--cluster-name", cluster_name, "--region", region, "--output", "json"]}}}],
    }
