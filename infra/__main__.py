"""eks-platform stack program: read the stack config once, build the components, export outputs.

Runs under the Pulumi CLI (``main: infra/``, so this directory is the working directory and
``sys.path[0]``) and under preflight alike; the repository root is put on ``sys.path`` so that
``components`` imports in both.
"""

import dataclasses
import sys
from pathlib import Path

_REPO_ROOT = str(Path(__file__).resolve().parent.parent)
if _REPO_ROOT not in sys.path:
    sys.path.insert(0, _REPO_ROOT)

import pulumi  # noqa: E402
import pulumi_aws as aws  # noqa: E402

from components import (  # noqa: E402
    Access,
    AccessArgs,
    Compute,
    ComputeArgs,
    ControlPlane,
    ControlPlaneArgs,
    Network,
    NetworkArgs,
    Registry,
    RegistryArgs,
)
from components.auto_mode import AutoIngressClassArgs, AutoMode, AutoModeArgs, AutoStorageClassArgs  # noqa: E402
from components.autoscaling import ClusterAutoscaler, ClusterAutoscalerArgs  # noqa: E402
from components.control_plane import AutoModeClusterArgs  # noqa: E402
from components.karpenter import Karpenter, KarpenterArgs, ami_alias  # noqa: E402
from components.load_balancer_controller import LoadBalancerController, LoadBalancerControllerArgs  # noqa: E402
from components.namespaces import Namespaces, NamespacesArgs  # noqa: E402
from components.pod_autoscaling import PodAutoscaling, PodAutoscalingArgs  # noqa: E402
from components.self_managed import SelfManagedNodeGroup, SelfManagedNodeGroupArgs  # noqa: E402
from components.storage_ebs import EbsStorage, EbsStorageArgs  # noqa: E402
from components.storage_efs import EfsStorage, EfsStorageArgs  # noqa: E402
from components.storage_fsx import FsxLustreStorage, FsxLustreStorageArgs, FsxStaticFileSystemArgs  # noqa: E402
from components.workload import AlbSpec, HpaSpec, NlbSpec, ResourcesSpec, VpaSpec, Workload, WorkloadArgs  # noqa: E402
from infra import stackfile  # noqa: E402
from infra.config import (  # noqa: E402
    ConfigError,
    auto_mode_args,
    compute_plan,
    karpenter_args,
    load_config,
    resolve_zones,
    zones_migration,
)
from infra.lifecycle import enforce as enforce_version_lifecycle  # noqa: E402

cfg = load_config()
for advice in stackfile.locate(cfg.advisories, cfg.source):  # values that may be right but cannot be checked
    pulumi.log.warn(advice)
# The EKS version lifecycle, read now (aws.eks.get_cluster_versions): a version past its end of standard support
# is refused unless the stack chose supportType EXTENDED; one near an end of support gives a warning.
enforce_version_lifecycle(cfg.kubernetes_version, cfg.support_type, cfg.support_warning_days, cfg.source)
#: Auto Mode's StorageClass, named apart from the EBS CSI driver's `gp3`, which a stack moving to Auto Mode keeps
#: until its node groups are retired. Its IngressClass is `alb`, the name the pack's load balancer rules judge.
AUTO_STORAGE_CLASS, AUTO_INGRESS_CLASS = "auto-ebs", "alb"
# What the compute mode runs and leaves out; a pending migration (retiring node groups) is a warning.
plan, migrating = compute_plan(cfg)
(pulumi.log.warn if migrating else pulumi.log.info)(plan)

if cfg.availability_zones is not None:  # a legacy count: refused, with the pinning that keeps today's subnets
    raise ConfigError("\n".join(stackfile.locate([zones_migration(
        cfg.availability_zones, sorted(aws.get_availability_zones(state="available").names))], cfg.source)))
# Every zone the region offers this account, whatever its state today: a pinned zone that is impaired
# for a while keeps its subnets; one the region no longer offers is an error, never a reshuffle.
offered = aws.get_availability_zones()
zones = resolve_zones(cfg.zones, list(offered.names), list(offered.zone_ids), cfg.source)

# Where the stack deploys, read once (invokes answered before anything exists, so known at the first preview).
region = aws.get_region().region
partition = aws.get_partition()

network = Network(
    cfg.stack,
    NetworkArgs(
        cidr_block=cfg.vpc_cidr,
        availability_zones=[name for name, _ in zones],
        cidr_slots=[slot for _, slot in zones],
        cluster_name=cfg.cluster_name,
        highly_available_nat=cfg.highly_available_nat,
        vpc_endpoints=cfg.vpc_endpoints,
        karpenter_discovery=cfg.compute_mode == "karpenter",
        flow_log_retention_days=cfg.log_retention_days,
        tags=cfg.base_tags,
        protect=cfg.protect_stateful_resources,
    ),
)

control_plane = ControlPlane(
    cfg.stack,
    ControlPlaneArgs(
        cluster_name=cfg.cluster_name,
        kubernetes_version=cfg.kubernetes_version,
        support_type=cfg.support_type,
        vpc_id=network.vpc_id,
        vpc_cidr=cfg.vpc_cidr,
        subnet_ids=network.private_subnet_ids,
        endpoint_public_access=cfg.endpoint_public_access,
        public_access_cidrs=cfg.secret("publicAccessCidrs", cfg.public_access_cidrs),
        log_retention_days=cfg.log_retention_days,
        addon_versions=cfg.updates.addon_versions,
        protect=cfg.protect_stateful_resources,
        tags=cfg.base_tags,
        # Auto Mode: AWS runs compute, block storage and load balancing; while node groups retire, the cluster
        # keeps its add-ons (the same resources) for them.
        auto_mode=AutoModeClusterArgs(node_pools=tuple(cfg.auto_mode.built_in_node_pools),
                                      keep_addons=cfg.installs_data_plane)
        if cfg.compute_mode == "auto" and cfg.auto_mode is not None else None,
    ),
)

# Node AMI releases: dev follows the newest EKS-optimised AL2023 release for its Kubernetes version
# (SSM public parameter, read at every preview); staging and prod run the release promoted in config.
if cfg.updates.channel == "latest":
    release = aws.ssm.get_parameter_output(
        name=f"/aws/service/eks/optimized-ami/{cfg.kubernetes_version}/amazon-linux-2023/x86_64/standard/"
             "recommended/release_version").value
else:
    release = cfg.updates.ami_release_version



def bottlerocket_release(ami_type: str) -> pulumi.Output[str] | None:
    """Latest Bottlerocket release for the cluster version (pinned stacks refuse Bottlerocket in config)."""
    if cfg.updates.channel != "latest":
        return None
    arch = "arm64" if "ARM" in ami_type else "x86_64"
    return aws.ssm.get_parameter_output(
        name=f"/aws/service/bottlerocket/aws-k8s-{cfg.kubernetes_version}/{arch}/latest/image_version").value


# Managed node groups and Fargate; an Auto Mode stack with neither has no Compute component.
compute = None if not (cfg.node_groups or cfg.fargate_profiles) else Compute(
    cfg.stack,
    ComputeArgs(
        cluster_name=control_plane.cluster_name,
        kubernetes_version=cfg.kubernetes_version,
        subnets=network.private_subnets,
        node_groups={
            key: dataclasses.replace(g, release_version=bottlerocket_release(g.ami_type))
            if g.ami_type.startswith("BOTTLEROCKET") else g
            for key, g in cfg.node_groups.items()
        },
        fargate_profiles=cfg.fargate_profiles,
        ami_release_version=release,
        protect=cfg.protect_stateful_resources,
        tags=cfg.base_tags,
    ),
)
self_managed = [
    SelfManagedNodeGroup(
        f"{cfg.stack}-{key}",
        SelfManagedNodeGroupArgs(
            cluster=control_plane.cluster, cluster_role=control_plane.cluster_role,
            cluster_security_group_id=control_plane.cluster_security_group_id,
            kubernetes_provider=control_plane.provider, vpc_id=network.vpc_id, vpc_cidr=cfg.vpc_cidr,
            subnets=network.private_subnets,
            node_role=compute.node_role, volume_key_arn=compute.volume_key_arn, instance_type=g.instance_type,  # type: ignore[union-attr]
            min_size=g.min_size, desired_size=g.desired_size, max_size=g.max_size, ami_id=g.ami_id, labels=g.labels,
            detailed_monitoring=g.detailed_monitoring, tags=cfg.base_tags),
    )
    for key, g in cfg.self_managed_node_groups.items()
]

# coredns is a Deployment: it waits for compute so it never sits DEGRADED on a cluster with no nodes.
# With Karpenter it runs on the controller's node group (it tolerates CriticalAddonsOnly), never on the
# nodes Karpenter provisions. In Auto Mode AWS runs it (the add-on stays only while node groups retire).
scheduling = compute.scheduling_resources if compute is not None else []
if cfg.installs_data_plane:
    control_plane.add_coredns(scheduling, on_fargate=cfg.karpenter is not None
                              and cfg.karpenter.controller_fargate_profile is not None)
if compute is not None and compute.repairs_nodes:
    # Node auto repair acts on the health conditions this agent reports.
    control_plane.add_node_monitoring_agent(scheduling)
pod_identity_agent = control_plane.pod_identity_ready

# Where ordinary add-ons and workloads run: the node groups and Fargate, plus Karpenter's or Auto Mode's
# node pools (Auto Mode's built-in pools exist with the cluster).
workload_compute: list[pulumi.Resource] = list(scheduling)
auto_mode = None
if cfg.compute_mode == "auto" and cfg.auto_mode is not None:
    auto_classes, auto_pools = auto_mode_args(cfg.auto_mode)
    auto_mode = AutoMode(
        f"{cfg.stack}-auto-mode",
        AutoModeArgs(
            cluster_name=cfg.cluster_name, cluster=control_plane.cluster_name,
            cluster_role_name=control_plane.cluster_role.name,
            cluster_security_group_id=control_plane.cluster_security_group_id,
            kubernetes_provider=control_plane.provider, node_classes=auto_classes, node_pools=auto_pools,
            # Named apart from the EBS CSI driver's gp3 class, which stays while node groups retire; the Auto Mode
            # class becomes the default once they are gone.
            storage_class=AutoStorageClassArgs(
                name=AUTO_STORAGE_CLASS, reclaim_policy=cfg.reclaim_policy(cfg.storage.ebs.reclaim_policy),
                iops=cfg.storage.ebs.iops, throughput_mibps=cfg.storage.ebs.throughput_mi_bps,
                default=not cfg.migrating),
            # The Load Balancer Controller's chart owns an IngressClass `alb` while it runs: Auto Mode's comes only
            # after both it and the retiring node groups are gone (docs/MIGRATION-compute.md, step 2).
            ingress_class=AutoIngressClassArgs(name=AUTO_INGRESS_CLASS)
            if not cfg.migrating and not cfg.load_balancer_controller else None,
            # While the VPC CNI add-on runs, it owns kube-system/amazon-vpc-cni and already enforces policies.
            network_policy_controller=not cfg.installs_data_plane,
            depends_on=[control_plane.cluster], protect=cfg.protect_stateful_resources, tags=cfg.base_tags),
    )
    workload_compute += [control_plane.cluster, *auto_mode.scheduling_resources]
karpenter = None
if cfg.compute_mode == "karpenter" and cfg.karpenter is not None:
    node_classes, node_pools = karpenter_args(cfg.karpenter)
    home = cfg.karpenter.controller_node_group
    karpenter = Karpenter(
        f"{cfg.stack}-karpenter",
        KarpenterArgs(
            cluster_name=cfg.cluster_name, cluster=control_plane.cluster_name,
            cluster_endpoint=control_plane.endpoint,
            cluster_security_group_id=control_plane.cluster_security_group_id, region=region,
            kubernetes_provider=control_plane.provider, volume_key_arn=compute.volume_key_arn,  # type: ignore[union-attr]
            volume_key_name=compute.volume_key_name, ami_alias=ami_alias(cfg.updates.channel, cfg.updates.ami_release_version),
            node_classes=node_classes, node_pools=node_pools,
            controller_node_selector={"eks-platform/node-group": home} if home else {},
            chart_version=cfg.karpenter.chart_version,
            depends_on=[*pod_identity_agent, *scheduling],
            tags=cfg.base_tags),
    )
    workload_compute += list(karpenter.node_pools.values())

if cfg.cluster_autoscaler and compute is not None and compute.node_groups:
    ClusterAutoscaler(
        f"{cfg.stack}-cluster-autoscaler",
        ClusterAutoscalerArgs(
            cluster_name=cfg.cluster_name,
            cluster=control_plane.cluster_name,
            kubernetes_version=cfg.kubernetes_version,
            region=region,
            kubernetes_provider=control_plane.provider,
            depends_on=list(compute.node_groups.values()),
            tags=cfg.base_tags,
        ),
    )

# Storage: EBS always; EFS and FSx for Lustre per environment. Pods reach file systems from the nodes'
# security groups: EKS's cluster group (managed nodes and Fargate pods) and each self-managed group's own.
storage = cfg.storage
storage_classes: dict[str, pulumi.Output[str]] = {}
mounting_groups = {"cluster": control_plane.cluster_security_group_id,
                   **{f"{key}-nodes": group.security_group_id
                      for key, group in zip(cfg.self_managed_node_groups, self_managed, strict=True)}}
ebs = None if not cfg.installs_data_plane else EbsStorage(
    f"{cfg.stack}-ebs",
    EbsStorageArgs(
        cluster_name=cfg.cluster_name, cluster=control_plane.cluster_name, kubernetes_version=cfg.kubernetes_version,
        kubernetes_provider=control_plane.provider, reclaim_policy=cfg.reclaim_policy(storage.ebs.reclaim_policy),
        iops=storage.ebs.iops, throughput_mibps=storage.ebs.throughput_mi_bps,
        addon_version=cfg.updates.addon_versions.get("aws-ebs-csi-driver"), depends_on=pod_identity_agent,
        protect=cfg.protect_stateful_resources, tags=cfg.base_tags),
)
# The default class: the EBS CSI driver's, or in Auto Mode (once node groups are retired) Auto Mode's.
if ebs is not None:
    storage_classes["ebs"] = ebs.storage_class_name
if auto_mode is not None and auto_mode.storage_class_name is not None:
    storage_classes["auto-ebs" if ebs is not None else "ebs"] = auto_mode.storage_class_name
if storage.efs.enabled:
    efs = EfsStorage(
        f"{cfg.stack}-efs",
        EfsStorageArgs(
            cluster_name=cfg.cluster_name, cluster=control_plane.cluster_name,
            kubernetes_version=cfg.kubernetes_version, kubernetes_provider=control_plane.provider,
            vpc_id=network.vpc_id, subnets=network.private_subnets, clients=mounting_groups,
            throughput_mode=storage.efs.throughput_mode, transition_to_ia_days=storage.efs.transition_to_ia_days,
            backup=storage.efs.backup, uid=storage.efs.uid, gid=storage.efs.gid, base_path=storage.efs.base_path,
            reclaim_policy=cfg.reclaim_policy(storage.efs.reclaim_policy),
            addon_version=cfg.updates.addon_versions.get("aws-efs-csi-driver"), depends_on=pod_identity_agent,
            protect=cfg.protect_stateful_resources, tags=cfg.base_tags),
    )
    storage_classes["efs"] = efs.storage_class_name
if storage.fsx.enabled:
    static = storage.fsx.static_file_system
    fsx = FsxLustreStorage(
        f"{cfg.stack}-fsx",
        FsxLustreStorageArgs(
            cluster_name=cfg.cluster_name, cluster=control_plane.cluster_name,
            kubernetes_version=cfg.kubernetes_version, kubernetes_provider=control_plane.provider,
            vpc_id=network.vpc_id, subnet=network.private_subnets[0], clients=mounting_groups,
            per_unit_storage_throughput=storage.fsx.per_unit_storage_throughput,
            backup_retention_days=storage.fsx.backup_retention_days, log_retention_days=cfg.log_retention_days,
            static_file_system=None if static is None else FsxStaticFileSystemArgs(
                storage_capacity_gib=static.storage_capacity_gi_b, s3_path=static.s3_path,
                file_system_path=static.file_system_path),
            reclaim_policy=cfg.reclaim_policy(storage.fsx.reclaim_policy),
            addon_version=cfg.updates.addon_versions.get("aws-fsx-csi-driver"),
            depends_on=[*pod_identity_agent, *workload_compute],
            protect=cfg.protect_stateful_resources, tags=cfg.base_tags),
    )
    storage_classes["fsx"] = fsx.storage_class_name

# Team and app namespaces: Pod Security Admission, default-deny network policies, a quota and default limits.
# Team namespaces used to be created by Access; their earlier URNs are kept as aliases.
team_namespaces = sorted({ns for team in cfg.access.values() for ns in team.namespaces})
namespaces = Namespaces(
    f"{cfg.stack}-namespaces",
    NamespacesArgs(
        namespaces=sorted({*team_namespaces, *(w.namespace for w in cfg.workloads.values())}),
        kubernetes_provider=control_plane.provider, vpc_cidr=cfg.vpc_cidr, pod_security=cfg.pod_security_level,
        moved_from={ns: f"urn:pulumi:{cfg.stack}::{pulumi.get_project()}::eks-platform:components:Access"
                        f"$kubernetes:core/v1:Namespace::{cfg.stack}-access-ns-{ns}" for ns in team_namespaces},
    ),
)

# Traffic and pod autoscaling add-ons, each switchable per environment.
add_on_compute = [*pod_identity_agent, *workload_compute]
load_balancer_controller = None
if cfg.load_balancer_controller:
    load_balancer_controller = LoadBalancerController(
        f"{cfg.stack}-lb-controller",
        LoadBalancerControllerArgs(cluster_name=control_plane.cluster_name, region=region,
                                   vpc_id=network.vpc_id, kubernetes_provider=control_plane.provider,
                                   depends_on=add_on_compute, tags=cfg.base_tags),
    )
pod_autoscaling = None
if cfg.addons.metrics_server or cfg.addons.vertical_pod_autoscaler:
    pod_autoscaling = PodAutoscaling(
        f"{cfg.stack}-pod-autoscaling",
        PodAutoscalingArgs(cluster=control_plane.cluster_name, kubernetes_version=cfg.kubernetes_version,
                           kubernetes_provider=control_plane.provider, metrics_server=cfg.addons.metrics_server,
                           metrics_server_version=cfg.updates.addon_versions.get("metrics-server"),
                           vpa=cfg.addons.vertical_pod_autoscaler, depends_on=workload_compute,
                           tags=cfg.base_tags),
    )

# Sample apps: images by digest or tag from this stack's own repositories (a URI known before anything exists).
identity = aws.get_caller_identity()
registry_host = f"{identity.account_id}.dkr.ecr.{region}.{partition.dns_suffix}"
for app, w in sorted(cfg.workloads.items()):
    reference = f"@{w.image.digest}" if w.image.digest else f":{w.image.tag}"
    exposure: NlbSpec | AlbSpec | None = None
    if w.exposure is not None and w.exposure.type == "nlb":
        exposure = NlbSpec(certificate_arn=w.exposure.certificate_arn, internet_facing=w.exposure.internet_facing,
                           source_ranges=tuple(w.exposure.source_ranges))
    elif w.exposure is not None:
        exposure = AlbSpec(certificate_arn=w.exposure.certificate_arn, internet_facing=w.exposure.internet_facing,
                           host=w.exposure.host, group=w.exposure.group, inbound_cidrs=tuple(w.exposure.source_ranges))
    after: list[pulumi.Resource] = [namespaces.resources[w.namespace]]
    # Auto Mode provisions load balancers where the controller is not (or no longer) installed.
    auto_lb = auto_mode is not None and load_balancer_controller is None
    after += [r for r in ((auto_mode if auto_lb else load_balancer_controller) if exposure else None,
                          pod_autoscaling if (w.hpa or w.vpa) else None) if r is not None]
    Workload(
        app,
        WorkloadArgs(
            namespace=w.namespace, image=f"{registry_host}/{cfg.repository_prefix}/{w.image.repository}{reference}",
            kubernetes_provider=control_plane.provider, cluster_name=control_plane.cluster_name, port=w.port,
            replicas=w.replicas,
            resources=ResourcesSpec(cpu_request=w.resources.cpu_request, memory_request=w.resources.memory_request,
                                    memory_limit=w.resources.memory_limit, cpu_limit=w.resources.cpu_limit),
            env=dict(w.env), health_path=w.health_path, fargate=w.fargate,
            hpa=None if w.hpa is None else HpaSpec(min_replicas=w.hpa.min_replicas, max_replicas=w.hpa.max_replicas,
                                                   cpu_utilization=w.hpa.cpu_utilization,
                                                   memory_utilization=w.hpa.memory_utilization),
            vpa=None if w.vpa is None else VpaSpec(mode=w.vpa.mode, resources=tuple(w.vpa.resources)),
            exposure=exposure, auto_mode=auto_lb, ingress_class=AUTO_INGRESS_CLASS,
            depends_on=after, tags=cfg.base_tags),
    )

access = Access(
    f"{cfg.stack}-access",
    AccessArgs(
        cluster_name=control_plane.cluster_name,
        teams=cfg.access,
        kubernetes_provider=control_plane.provider,
        namespace_resources=namespaces.resources,
        cluster_admin_allowlist=cfg.cluster_admin_allowlist,
        partition=partition.partition,
        tags=cfg.base_tags,
    ),
)

registry = Registry(
    f"{cfg.stack}-registry",
    RegistryArgs(
        repositories=cfg.repositories,
        name_prefix=cfg.repository_prefix,
        organization_id=cfg.secret("organizationId", cfg.organization_id),
        protect=cfg.protect_stateful_resources,
        tags=cfg.base_tags,
    ),
)

pulumi.export("vpc_id", network.vpc_id)
pulumi.export("private_subnet_ids", network.private_subnet_ids)
pulumi.export("public_subnet_ids", network.public_subnet_ids)
pulumi.export("cluster_name", control_plane.cluster_name)
pulumi.export("cluster_endpoint", control_plane.endpoint)
pulumi.export("cluster_certificate_authority_data", control_plane.certificate_authority)
pulumi.export("oidc_issuer", control_plane.oidc_issuer)
pulumi.export("oidc_provider_arn", control_plane.oidc_provider_arn)
pulumi.export("kubeconfig", control_plane.kubeconfig)
pulumi.export("team_namespaces", access.namespaces)
if compute is not None:
    pulumi.export("node_role_arn", compute.node_role_arn)
pulumi.export("repository_urls", registry.repository_urls)
# What this stack runs; dev's values are what staging and prod promote (see README, "Updates").
# Without an AL2023 node group (Auto Mode), the release this stack's channel resolves: dev's is still what staging
# and prod promote (their Karpenter AMI alias is derived from it).
pulumi.export("ami_release_version", compute.release_version if compute is not None and compute.node_groups
              else (release or ""))
pulumi.export("addon_versions", control_plane.addon_versions)
pulumi.export("kubernetes_version", cfg.kubernetes_version)
pulumi.export("compute_mode", cfg.compute_mode)
if karpenter is not None:
    pulumi.export("karpenter", {"node_role_arn": karpenter.node_role_arn, "queue_name": karpenter.queue_name,
                                "node_pools": sorted(karpenter.node_pools)})
if auto_mode is not None:
    pulumi.export("auto_mode", {"node_pools": [*cfg.auto_mode.built_in_node_pools, *sorted(auto_mode.node_pools)],  # type: ignore[union-attr]
                                "ingress_class": auto_mode.ingress_class_name, "nlb_class": auto_mode.load_balancer_class,
                                "node_role_arn": control_plane.auto_mode_node_role_arn})
pulumi.export("storage_classes", storage_classes)
if load_balancer_controller is not None:
    # What workloads name: the IngressClass for ALBs, the Service annotation value for NLBs, and who runs it.
    pulumi.export("load_balancer_controller", {"ingress_class": "alb", "service_type": "external",
                                               "service_account": "kube-system/aws-load-balancer-controller",
                                               "role_arn": load_balancer_controller.role_arn})
