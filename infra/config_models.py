"""The shapes of eks-platform's stack config, as pydantic v2 models: strict, closed and frozen.

Every object in ``Pulumi.<stack>.yaml`` (node groups, teams, Fargate profiles, repositories, tags ...) is
validated here: an unknown field, a null, a string where a number or boolean belongs, a number out of
range, each gives one message naming the key path (``eks-platform:nodeGroups.general.minSize``), what is
wrong and a value that works. The models also generate the JSON Schema under ``schema/`` that editors use.

Top-level scalars arrive from the CLI as strings and are decoded by their declared type first (as the CLI
accepts ``"3"`` for an integer key); inside objects nothing is coerced.
"""

from __future__ import annotations

import difflib
import functools
import ipaddress
import re
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from pydantic.alias_generators import to_camel

from components.karpenter import RESERVED_TAGS as KARPENTER_TAGS
from components.storage_efs import TRANSITION_DAYS
from components.storage_fsx import THROUGHPUTS

NAMESPACE = "eks-platform"


def int_in(low: int, high: int, example: int) -> Any:
    """A strict whole number from ``low`` to ``high``."""

    def check(value: int) -> int:
        if not low <= value <= high:
            raise ValueError(f"must be a whole number from {low} to {high}, got {value!r}. Example: {example}")
        return value

    return Annotated[StrictInt, AfterValidator(check), Field(ge=low, le=high, examples=[example])]


def _matcher(pattern: str, what: str, example: str) -> Any:
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.match(value):
            raise ValueError(f"{value!r} is not {what}. Example: {example}")
        return value

    return check


def matching(pattern: str, what: str, example: str) -> Any:
    """A strict string matching ``pattern``."""
    return Annotated[StrictStr, AfterValidator(_matcher(pattern, what, example)),
                     Field(pattern=pattern, examples=[example])]


#: Keys of config collections become part of resource names: keep them short, lowercase and stable.
NAME_KEY = r"^[a-z][a-z0-9-]{0,30}$"
_INSTANCE_TYPE = r"^[a-z][a-z0-9-]*\.[a-z0-9]+(-[a-z0-9]+)?$"  # m7i.large, m7i.metal-24xl


@functools.cache
def known_instance_types() -> frozenset[str]:
    """The EC2 instance types of the installed pulumi-aws (``pulumi_aws.ec2.InstanceType``, 1,405 in 7.51)."""
    from pulumi_aws.ec2 import InstanceType as SdkInstanceTypes

    return frozenset(str(t.value) for t in SdkInstanceTypes)


def _sdk() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"pulumi-aws {version('pulumi-aws')}"
    except PackageNotFoundError:  # pragma: no cover - the program needs pulumi-aws
        return "pulumi-aws"


def check_instance_type(value: str) -> str:
    """Refuse a size its family does not have (``m7i.larg``): the SDK lists every size of a family it knows.
    A family the SDK does not know passes here: it may be newer than the SDK (see :func:`instance_type_advisory`)."""
    known = known_instance_types()
    if value in known:
        return value
    family, _, size = value.partition(".")
    sizes = sorted(t.split(".", 1)[1] for t in known if t.split(".", 1)[0] == family)
    if sizes:
        near = difflib.get_close_matches(value, [f"{family}.{s}" for s in sizes], n=1, cutoff=0.6)
        raise ValueError(f"{value!r} is not an EC2 instance type: {family} comes in {', '.join(sizes)} ({_sdk()})"
                         + (f"; did you mean {near[0]}?" if near else ""))
    return value


def instance_type_advisory(value: str) -> str | None:
    """For an instance type of a family the SDK does not know: a warning, not a refusal. AWS adds families
    between SDK releases, and EKS checks the type when it creates the nodes; a typo is named with its nearest
    known type."""
    known = known_instance_types()
    if value in known or value.split(".", 1)[0] in {t.split(".", 1)[0] for t in known}:
        return None
    near = difflib.get_close_matches(value, sorted(known), n=1, cutoff=0.7)
    return (f"{value!r} is not an instance type {_sdk()} knows; if it is newer than the SDK this is fine (EKS "
            "checks it when it creates the nodes), otherwise fix it" + (f": did you mean {near[0]}?" if near else ""))


InstanceType = Annotated[StrictStr, AfterValidator(_matcher(_INSTANCE_TYPE, "an EC2 instance type", "m7i.large")),
                         AfterValidator(check_instance_type), Field(pattern=_INSTANCE_TYPE, examples=["m7i.large"])]
RoleArn = matching(r"^arn:aws(-cn|-us-gov)?:iam::\d{12}:role/[\w+=,.@/-]+$", "an IAM role ARN (never a user)",
                   "arn:aws:iam::123456789012:role/payments-dev")
NamespaceName = matching(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", "a Kubernetes namespace name (DNS-1123 label)",
                         "payments")
Labels = dict[StrictStr, StrictStr]


# -- AWS tags ---------------------------------------------------------------------------------------

#: Tags eks-platform sets itself on every resource; a user tag must not override them.
RESERVED_TAGS = ("project", "environment", "managed-by")
_TAG_CHARS = re.compile(r"^[\w\s.:/=+\-@]*$", re.UNICODE)


def _check_tags(tags: dict[str, str]) -> dict[str, str]:
    problems = []
    for key, value in tags.items():
        if not 1 <= len(key) <= 128:
            problems.append(f"tag key {key[:40]!r}... must be 1 to 128 characters")
        if key.lower().startswith("aws:"):
            problems.append(f"tag key {key!r} uses the aws: prefix, which AWS reserves")
        if len(value) > 256:
            problems.append(f"tag {key!r} has a {len(value)}-character value; AWS allows 256")
        if not _TAG_CHARS.match(key) or not _TAG_CHARS.match(value):
            problems.append(f"tag {key!r} uses characters AWS refuses (allowed: letters, digits, spaces, . : / = + - @ _)")
        if key in RESERVED_TAGS:
            problems.append(f"tag {key!r} is set by eks-platform on every resource (project, environment, managed-by); "
                            "use another key")
    if len(tags) > 40:
        problems.append(f"{len(tags)} tags; keep room under AWS's 50 per resource (eks-platform adds its own): 40 at most")
    if problems:
        raise ValueError("; ".join(problems))
    return tags


Tags = Annotated[dict[StrictStr, StrictStr], AfterValidator(_check_tags),
                 Field(examples=[{"cost-center": "platform"}])]


def _check_cidrs(cidrs: list[str]) -> list[str]:
    nets = []
    for c in cidrs:
        try:
            net = ipaddress.ip_network(c)
        except ValueError:
            raise ValueError(f"'{c}' is not a CIDR with its network address. Example: 203.0.113.0/24") from None
        if net.prefixlen == 0:
            raise ValueError(f"'{c}' opens the API server to the whole internet; list your office or VPN ranges instead")
        nets.append(net)
    for i, a in enumerate(nets):
        for b in nets[i + 1:]:
            if a.version == b.version and (a.subnet_of(b) or b.subnet_of(a)):  # type: ignore[arg-type]
                same = "is given twice" if a == b else f"overlaps {b}" if a.subnet_of(b) else f"contains {b}"  # type: ignore[arg-type]
                raise ValueError(f"'{a}' {same}; list each range once")
    return cidrs


Cidrs = Annotated[list[StrictStr], AfterValidator(_check_cidrs), Field(examples=[["203.0.113.0/24"]])]


# -- models -----------------------------------------------------------------------------------------

class Strict(BaseModel):
    """Closed, frozen and strict: nothing is converted, and an unknown field is an error naming it."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, alias_generator=to_camel,
                              populate_by_name=False)


class TaintSpec(Strict):
    key: StrictStr
    effect: Literal["NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE"]
    value: StrictStr | None = None


class NodeGroupSpec(Strict):
    """One managed node group."""

    instance_types: Annotated[list[InstanceType], Field(min_length=1, examples=[["m7i.large", "m6i.large"]])]
    min_size: int_in(0, 1000, 1)
    max_size: int_in(1, 1000, 4)
    desired_size: int_in(0, 1000, 2) | None = None
    capacity_type: Literal["ON_DEMAND", "SPOT"] = "ON_DEMAND"
    ami_type: Literal["AL2023_x86_64_STANDARD", "AL2023_ARM_64_STANDARD", "BOTTLEROCKET_x86_64",
                      "BOTTLEROCKET_ARM_64"] = "AL2023_x86_64_STANDARD"
    max_unavailable: int_in(1, 100, 1) | None = None
    """Nodes updated at once, as a count (instead of maxUnavailablePercentage)."""
    max_unavailable_percentage: int_in(1, 100, 25) | None = None
    """Nodes updated at once, as a percentage of the group; default 25 unless maxUnavailable is set."""
    node_repair: StrictBool = True
    """EKS node auto repair (with the eks-node-monitoring-agent add-on); on by default."""
    disk_size_gi_b: Annotated[int_in(20, 16384, 50), Field(alias="diskSizeGiB")] = 50
    labels: Labels = {}
    taints: list[TaintSpec] = []
    metadata_hop_limit: int_in(1, 2, 1) = 1
    detailed_monitoring: StrictBool = False

    @model_validator(mode="after")
    def _sizes(self) -> NodeGroupSpec:
        desired = self.min_size if self.desired_size is None else self.desired_size
        if not self.min_size <= desired <= self.max_size:
            raise ValueError(f"sizes must satisfy minSize <= desiredSize <= maxSize, got {self.min_size} <= {desired} "
                             f"<= {self.max_size}")
        if self.max_unavailable is not None and self.max_unavailable_percentage is not None:
            raise ValueError("set maxUnavailable (a count) or maxUnavailablePercentage, not both")
        return self


class FargateSelectorSpec(Strict):
    namespace: NamespaceName
    labels: Labels = {}


class FargateProfileSpec(Strict):
    selectors: Annotated[list[FargateSelectorSpec], Field(min_length=1, max_length=5)]


class TeamSpec(Strict):
    role_arn: RoleArn
    level: Literal["cluster-admin", "namespace-admin", "namespace-viewer"]
    namespaces: list[NamespaceName] = []


class RepositorySpec(Strict):
    keep_images: int_in(1, 1000, 50) = 50
    untagged_expiry_days: int_in(1, 365, 7) = 7


class SelfManagedGroupSpec(Strict):
    instance_type: InstanceType
    min_size: int_in(0, 1000, 1)
    max_size: int_in(1, 1000, 3)
    desired_size: int_in(0, 1000, 1) | None = None
    ami_id: matching(r"^ami-[0-9a-f]{8,17}$", "an AMI id", "ami-0123456789abcdef0") | None = None  # type: ignore[valid-type]
    labels: Labels = {}
    detailed_monitoring: StrictBool = False

    @model_validator(mode="after")
    def _sizes(self) -> SelfManagedGroupSpec:
        desired = self.min_size if self.desired_size is None else self.desired_size
        if not self.min_size <= desired <= self.max_size:
            raise ValueError("sizes must satisfy minSize <= desiredSize <= maxSize")
        return self


def _key_type(pattern: str, what: str) -> Any:
    """A mapping key that must match ``pattern`` (it becomes part of resource names)."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.match(value):
            raise ValueError(what)
        return value

    return Annotated[StrictStr, AfterValidator(check)]


NameKey = _key_type(NAME_KEY, "the key becomes part of resource names; use lowercase letters, digits and '-', "
                              "starting with a letter, at most 31 characters (e.g. 'general')")
RepositoryName = _key_type(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$",
                           "not a valid ECR repository name (lowercase letters, digits, '.', '_', '-', and '/' "
                           "between parts), e.g. payments/api")


def _none_is_empty(value: Any) -> Any:
    """``payments/api:`` with nothing after it is YAML null: a repository with the default settings."""
    return {} if value is None else value


#: EFS lifecycle transitions AWS accepts and FSx for Lustre throughputs: the components' own lists.
EFS_TRANSITION_DAYS = TRANSITION_DAYS
ReclaimPolicy = Literal["Retain", "Delete"]


class EbsStorageSpec(Strict):
    """The EBS CSI driver and the default gp3 StorageClass (always on: every cluster needs block storage)."""

    reclaim_policy: ReclaimPolicy | None = None
    """Default: Retain where stateful resources are protected (prod), Delete elsewhere."""
    iops: int_in(3000, 16000, 3000) = 3000
    throughput_mi_bps: Annotated[int_in(125, 1000, 125), Field(alias="throughputMiBps")] = 125


class EfsStorageSpec(Strict):
    """An encrypted, regional EFS file system with the EFS CSI driver and an access-point StorageClass."""

    enabled: StrictBool = True
    throughput_mode: Literal["elastic", "bursting"] = "elastic"
    transition_to_ia_days: Literal[EFS_TRANSITION_DAYS] | None = 30  # type: ignore[valid-type]
    """Days without access before files move to Infrequent Access; null keeps everything in Standard."""
    backup: StrictBool = True
    """AWS Backup's daily EFS backups (35-day retention)."""
    uid: int_in(1000, 2147483647, 1000) = 1000
    """POSIX user every dynamically provisioned access point enforces (a high, non-root UID)."""
    gid: int_in(1000, 2147483647, 1000) = 1000
    base_path: matching(r"^/[a-z0-9][a-z0-9/_-]*$", "an absolute directory path below /", "/dynamic") = "/dynamic"  # type: ignore[valid-type]
    reclaim_policy: ReclaimPolicy | None = None


class FsxStaticFileSystemSpec(Strict):
    """A standing FSx for Lustre file system linked to an S3 prefix (data repository association)."""

    storage_capacity_gi_b: Annotated[int_in(1200, 1228800, 1200), Field(alias="storageCapacityGiB")]
    s3_path: matching(r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/\S*)?$", "an S3 URI",  # type: ignore[valid-type]
                      "s3://acme-datasets/training")
    file_system_path: matching(r"^/[a-z0-9][a-z0-9/_-]*$", "an absolute directory path below /", "/datasets") = "/datasets"  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _capacity(self) -> FsxStaticFileSystemSpec:
        if self.storage_capacity_gi_b != 1200 and self.storage_capacity_gi_b % 2400:
            raise ValueError(f"storageCapacityGiB: PERSISTENT_2 file systems are 1200 GiB or a multiple of 2400 GiB, "
                             f"got {self.storage_capacity_gi_b}. Example: 2400")
        return self


class FsxStorageSpec(Strict):
    """FSx for Lustre: the CSI driver, a dynamic-provisioning StorageClass and an optional static file system."""

    enabled: StrictBool = False
    per_unit_storage_throughput: Literal[THROUGHPUTS] = 125  # type: ignore[valid-type]
    """MB/s per TiB of PERSISTENT_2 storage."""
    backup_retention_days: int_in(1, 90, 7) = 7
    static_file_system: FsxStaticFileSystemSpec | None = None
    reclaim_policy: ReclaimPolicy | None = None


class StorageSpec(Strict):
    """Which storage drivers a stack runs, and their sizes, throughput and retention."""

    ebs: EbsStorageSpec = EbsStorageSpec()
    efs: EfsStorageSpec = EfsStorageSpec()
    fsx: FsxStorageSpec = FsxStorageSpec()


class AddonsSpec(Strict):
    """Cluster add-ons for traffic and pod autoscaling, each switchable per environment."""

    load_balancer_controller: StrictBool = True
    """The AWS Load Balancer Controller (never in computeMode auto, where EKS runs load balancing)."""
    metrics_server: StrictBool = True
    vertical_pod_autoscaler: StrictBool = True
    cluster_autoscaler: StrictBool | None = None
    """The Cluster Autoscaler over the managed node groups; default: on with computeMode nodegroups only
    (Karpenter and Auto Mode provision nodes themselves, two autoscalers would fight)."""


# -- compute modes: Karpenter ---------------------------------------------------------------------

#: How a stack gets nodes: managed/self-managed groups with the Cluster Autoscaler, Karpenter, or EKS Auto Mode.
ComputeMode = Literal["nodegroups", "karpenter", "auto"]
COMPUTE_MODES: tuple[str, ...] = get_args(ComputeMode)
Duration = matching(r"^([0-9]+(s|m|h))+$", "a duration in hours, minutes or seconds", "720h")
DurationOrNever = Annotated[Duration | Literal["Never"], Field(examples=["720h", "Never"])]  # type: ignore[operator]
LabelKey = matching(r"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$",
                    "a Kubernetes label key", "workload")


class KarpenterTaintSpec(Strict):
    key: LabelKey  # type: ignore[valid-type]
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"]
    value: StrictStr | None = None


class DisruptionBudgetSpec(Strict):
    """At most ``nodes`` (a count or a percentage) disrupted at once; with ``schedule`` and ``duration``
    only in that window (cron, UTC), and only for ``reasons`` if given."""

    nodes: matching(r"^((100|[0-9]{1,2})%|[0-9]+)$", "a node count or percentage", "10%")  # type: ignore[valid-type]
    schedule: matching(r"^(@(annually|yearly|monthly|weekly|daily|midnight|hourly))|((\S+\s){4}\S+)$",  # type: ignore[valid-type]
                       "a cron schedule (five fields, UTC)", "0 9 * * mon-fri") | None = None
    duration: matching(r"^([0-9]+(m|h))+$", "a duration in hours or minutes", "8h") | None = None  # type: ignore[valid-type]
    reasons: Annotated[list[Literal["Underutilized", "Empty", "Drifted"]], Field(min_length=1)] | None = None

    @model_validator(mode="after")
    def _window(self) -> DisruptionBudgetSpec:
        if (self.schedule is None) != (self.duration is None):
            raise ValueError("schedule and duration go together (a window opens at schedule for duration)")
        return self


class NodePoolLimitsSpec(Strict):
    """The most CPU and memory the pool may provision in total (Karpenter stops launching beyond them)."""

    cpu: matching(r"^[0-9]+(m)?$", "a CPU quantity", "256")  # type: ignore[valid-type]
    memory: matching(r"^[0-9]+(Mi|Gi|Ti)$", "a memory quantity", "1024Gi")  # type: ignore[valid-type]


class KarpenterNodePoolSpec(Strict):
    """A Karpenter NodePool (karpenter.sh/v1): what nodes it may launch, how much, and how it disrupts them."""

    node_class: NameKey = "default"  # type: ignore[valid-type]
    """Key of the EC2NodeClass (``karpenter.nodeClasses``) the pool launches from."""
    instance_categories: Annotated[list[matching(r"^[a-z]{1,4}$", "an instance category", "m")],  # type: ignore[misc]
                                   Field(min_length=1, examples=[["c", "m", "r"]])] | None = None
    instance_families: Annotated[list[matching(r"^[a-z][a-z0-9-]*$", "an instance family", "m7i")],  # type: ignore[misc]
                                 Field(min_length=1, examples=[["m7i", "c7i"]])] | None = None
    capacity_types: Annotated[list[Literal["on-demand", "spot", "reserved"]], Field(min_length=1)] = ["on-demand"]
    architectures: Annotated[list[Literal["amd64", "arm64"]], Field(min_length=1)] = ["amd64"]
    limits: NodePoolLimitsSpec
    consolidation_policy: Literal["WhenEmptyOrUnderutilized", "WhenEmpty"] = "WhenEmptyOrUnderutilized"
    consolidate_after: DurationOrNever = "1m"
    expire_after: DurationOrNever = "720h"
    """Nodes older than this are replaced (so they pick up patched AMIs); 720h = 30 days."""
    termination_grace_period: Duration | None = "24h"  # type: ignore[valid-type]
    budgets: Annotated[list[DisruptionBudgetSpec], Field(min_length=1)] = [DisruptionBudgetSpec(nodes="10%")]
    taints: list[KarpenterTaintSpec] = []
    labels: Labels = {}
    weight: int_in(1, 100, 10) | None = None

    @model_validator(mode="after")
    def _requirements(self) -> KarpenterNodePoolSpec:
        if (self.instance_categories is None) == (self.instance_families is None):
            raise ValueError("give exactly one of instanceCategories (e.g. [c, m, r]) and instanceFamilies "
                             "(e.g. [m7i, c7i])")
        return self


class KarpenterNodeClassSpec(Strict):
    """A Karpenter EC2NodeClass (karpenter.k8s.aws/v1). Fixed, not configurable: IMDSv2 with hop limit 1, a
    root volume encrypted with the node-volume key, no public IP, private subnets and the cluster security
    group by discovery tag, the AL2023 AMI alias of the stack's update channel."""

    volume_size_gi_b: Annotated[int_in(20, 16384, 50), Field(alias="volumeSizeGiB")] = 50
    tags: Tags = {}
    """Tags on what Karpenter launches (beside the stack's own); never the keys Karpenter sets itself."""

    @model_validator(mode="after")
    def _tags(self) -> KarpenterNodeClassSpec:
        reserved = sorted(k for k in self.tags if k in KARPENTER_TAGS or k.startswith("kubernetes.io/cluster/"))
        if reserved:
            raise ValueError(f"tags: {', '.join(reserved)} set by Karpenter itself; use other keys")
        return self


class KarpenterSpec(Strict):
    """Karpenter v1 (``computeMode: karpenter``): its controller, node classes and node pools."""

    chart_version: matching(r"^1\.\d+\.\d+$", "a Karpenter v1 chart version", "1.8.1") = "1.8.1"  # type: ignore[valid-type]
    controller_node_group: NameKey | None = None  # type: ignore[valid-type]
    """The managed node group (in nodeGroups) the controller and CoreDNS run on."""
    controller_fargate_profile: NameKey | None = None  # type: ignore[valid-type]
    """Or a Fargate profile (in fargateProfiles) selecting kube-system."""
    node_classes: Annotated[dict[NameKey, KarpenterNodeClassSpec], Field(min_length=1)] = {  # type: ignore[valid-type]
        "default": KarpenterNodeClassSpec()}
    node_pools: Annotated[dict[NameKey, KarpenterNodePoolSpec], Field(min_length=1)]  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _references(self) -> KarpenterSpec:
        if (self.controller_node_group is None) == (self.controller_fargate_profile is None):
            raise ValueError("give exactly one of controllerNodeGroup and controllerFargateProfile: Karpenter cannot "
                             "run on the nodes it provisions, so its controller and CoreDNS need a small managed node "
                             "group or a Fargate profile")
        missing = sorted({p.node_class for p in self.node_pools.values()} - set(self.node_classes))
        if missing:
            raise ValueError(f"nodePools use node class(es) {', '.join(missing)} that nodeClasses does not define "
                             f"(it defines {', '.join(sorted(self.node_classes))})")
        return self


class AutoNodeClassSpec(Strict):
    """A custom EKS Auto Mode NodeClass (eks.amazonaws.com/v1). Fixed: the cluster's private subnets and its
    security group, ephemeral storage encrypted with the stack's Auto Mode key."""

    network_policy: Literal["DefaultAllow", "DefaultDeny"] = "DefaultAllow"
    """What a pod no NetworkPolicy selects gets (team namespaces have default-deny policies either way)."""
    network_policy_event_logs: StrictBool = False
    ephemeral_storage_gi_b: Annotated[int_in(20, 16384, 80), Field(alias="ephemeralStorageGiB")] = 80
    snat_policy: Literal["Random", "Disabled"] = "Random"


#: The node pools EKS Auto Mode offers built in.
AUTO_BUILT_IN_POOLS = ("general-purpose", "system")


class AutoModeSpec(Strict):
    """EKS Auto Mode (``computeMode: auto``): built-in node pools, custom NodeClasses and NodePools.

    A NodePool's ``nodeClass`` is a key of ``nodeClasses`` or ``default``, EKS's built-in NodeClass; its
    ``instanceCategories``/``instanceFamilies`` select ``eks.amazonaws.com/instance-*`` labels."""

    built_in_node_pools: list[Literal[AUTO_BUILT_IN_POOLS]] = list(AUTO_BUILT_IN_POOLS)  # type: ignore[valid-type]
    node_classes: dict[NameKey, AutoNodeClassSpec] = {}  # type: ignore[valid-type]
    node_pools: dict[NameKey, KarpenterNodePoolSpec] = {}  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _references(self) -> AutoModeSpec:
        if len(set(self.built_in_node_pools)) != len(self.built_in_node_pools):
            raise ValueError("builtInNodePools: name each pool once")
        if "default" in self.node_classes:
            raise ValueError("nodeClasses: 'default' is EKS's built-in NodeClass; name yours differently")
        clash = sorted(set(self.node_pools) & set(AUTO_BUILT_IN_POOLS))
        if clash:
            raise ValueError(f"nodePools: {', '.join(clash)} is a built-in pool; list it in builtInNodePools instead")
        missing = sorted({p.node_class for p in self.node_pools.values()} - set(self.node_classes) - {"default"})
        if missing:
            raise ValueError(f"nodePools use node class(es) {', '.join(missing)} that nodeClasses does not define "
                             "(or use default, EKS's built-in class)")
        if not self.built_in_node_pools and not self.node_pools:
            raise ValueError("no node pool: keep builtInNodePools or define nodePools, or nothing can run")
        return self


RetiringNodeGroups = Annotated[list[NameKey], Field(examples=[["general"]])]  # type: ignore[valid-type]


#: Env var names that hold secrets: their values come from a Secret or the pod's role, never config.
SECRET_ENV = re.compile(r"(^|_)(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_KEY|ACCESS_KEY|CREDENTIALS?)($|_)",
                        re.IGNORECASE)
Quantity = matching(r"^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti)?$", "a Kubernetes quantity", "256Mi")


def _check_env(env: dict[str, str]) -> dict[str, str]:
    secret = sorted(k for k in env if SECRET_ENV.search(k))
    if secret:
        raise ValueError(f"{', '.join(secret)} look(s) like secrets; a literal in config ends up in the pod spec in "
                         "plain text: read it from a Kubernetes Secret or through the pod's IAM role instead")
    bad = sorted(k for k in env if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", k))
    if bad:
        raise ValueError(f"{', '.join(bad)}: not environment variable names (letters, digits, _)")
    return env


class ImageSpec(Strict):
    """An image from one of this stack's ECR repositories, by digest or by (immutable) tag."""

    repository: RepositoryName  # type: ignore[valid-type]
    digest: matching(r"^sha256:[0-9a-f]{64}$", "an image digest", "sha256:" + "0" * 64) | None = None  # type: ignore[valid-type]
    tag: matching(r"^[\w][\w.-]{0,127}$", "an image tag", "1.4.2") | None = None  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _one(self) -> ImageSpec:
        if (self.digest is None) == (self.tag is None):
            raise ValueError("give exactly one of digest and tag (a digest pins the exact image)")
        if self.tag == "latest":
            raise ValueError("tag 'latest' moves; pin a digest or a release tag")
        return self


class ContainerResourcesSpec(Strict):
    cpu_request: Quantity = "100m"  # type: ignore[valid-type]
    memory_request: Quantity = "128Mi"  # type: ignore[valid-type]
    memory_limit: Quantity = "256Mi"  # type: ignore[valid-type]
    cpu_limit: Quantity | None = None  # type: ignore[valid-type]


class HpaConfigSpec(Strict):
    min_replicas: int_in(2, 100, 2) = 2
    max_replicas: int_in(2, 1000, 6) = 6
    cpu_utilization: int_in(10, 100, 70) | None = 70
    memory_utilization: int_in(10, 100, 80) | None = None


class VpaConfigSpec(Strict):
    mode: Literal["Off", "Initial", "Recreate", "Auto"] = "Off"
    resources: Annotated[list[Literal["cpu", "memory"]], Field(min_length=1)] = ["cpu", "memory"]


AcmArn = matching(r"^arn:aws(-cn|-us-gov)?:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]{36}$",
                  "an ACM certificate ARN", "arn:aws:acm:us-east-1:123456789012:certificate/" + "0" * 8 + "-0000-0000-0000-" + "0" * 12)


class ExposureSpec(Strict):
    type: Literal["nlb", "alb"]
    certificate_arn: AcmArn  # type: ignore[valid-type]
    internet_facing: StrictBool = False
    source_ranges: Cidrs = []
    """Client CIDRs (NLB source ranges, ALB inbound CIDRs); required for an internet-facing NLB."""
    host: StrictStr | None = None
    group: NameKey | None = None  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _ranges(self) -> ExposureSpec:
        if self.type == "nlb" and self.internet_facing and not self.source_ranges:
            raise ValueError("an internet-facing NLB needs sourceRanges (the clients' CIDRs)")
        if self.type == "nlb" and (self.host or self.group):
            raise ValueError("host and group are ALB settings")
        return self


class WorkloadSpec(Strict):
    """A sample app deployed through the Workload component."""

    namespace: NamespaceName  # type: ignore[valid-type]
    image: ImageSpec
    port: int_in(1024, 65535, 8080) = 8080
    replicas: int_in(2, 100, 2) = 2
    resources: ContainerResourcesSpec = ContainerResourcesSpec()
    env: Annotated[dict[StrictStr, StrictStr], AfterValidator(_check_env)] = {}
    health_path: matching(r"^/\S*$", "an HTTP path", "/healthz") = "/healthz"  # type: ignore[valid-type]
    fargate: StrictBool = False
    hpa: HpaConfigSpec | None = None
    vpa: VpaConfigSpec | None = None
    exposure: ExposureSpec | None = None

    @model_validator(mode="after")
    def _autoscalers(self) -> WorkloadSpec:
        if self.hpa is not None:
            if self.hpa.min_replicas > self.hpa.max_replicas:
                raise ValueError("hpa: minReplicas must not exceed maxReplicas")
            if self.hpa.cpu_utilization is None and self.hpa.memory_utilization is None:
                raise ValueError("hpa: set cpuUtilization and/or memoryUtilization")
        if self.vpa is not None and self.hpa is not None:
            scaled = {m for m, t in (("cpu", self.hpa.cpu_utilization), ("memory", self.hpa.memory_utilization)) if t}
            if not set(self.vpa.resources) - scaled:
                raise ValueError(f"vpa: it would control only {', '.join(sorted(scaled))}, which the HPA scales on; "
                                 "they would fight over it. Let the VPA control the other resource")
        return self


NodeGroups = Annotated[dict[NameKey, NodeGroupSpec], Field(min_length=1)]  # type: ignore[valid-type]
Teams = dict[NameKey, TeamSpec]  # type: ignore[valid-type]
FargateProfiles = dict[NameKey, FargateProfileSpec]  # type: ignore[valid-type]
SelfManagedGroups = dict[NameKey, SelfManagedGroupSpec]  # type: ignore[valid-type]
Workloads = dict[NameKey, WorkloadSpec]  # type: ignore[valid-type]
Repositories = dict[RepositoryName, Annotated[RepositorySpec, BeforeValidator(_none_is_empty)]]  # type: ignore[valid-type]
AddonVersions = Annotated[dict[Literal["coredns", "eks-pod-identity-agent", "kube-proxy", "vpc-cni",
                                       "aws-ebs-csi-driver", "aws-efs-csi-driver", "aws-fsx-csi-driver",
                                       "metrics-server", "eks-node-monitoring-agent"],
                               matching(r"^v\d+\.\d+\.\d+-eksbuild\.\d+$", "an EKS add-on version",  # type: ignore[valid-type]
                                        "v1.20.5-eksbuild.1")], Field()]
Zones = Annotated[dict[StrictStr, int_in(0, 5, 0)], Field(min_length=2, max_length=6,
                                                           examples=[{"usw2-az1": 0, "usw2-az2": 1}])]


# -- errors -------------------------------------------------------------------------------------------

_KINDS = {"int_type": "a whole number", "int_parsing": "a whole number", "bool_type": "true or false",
          "bool_parsing": "true or false", "string_type": "a string", "list_type": "a list", "dict_type": "an object",
          "model_type": "an object", "model_attributes_type": "an object", "float_type": "a number"}


def _fields_at(annotation: Any, loc: tuple[Any, ...]) -> list[str]:
    """The field names (aliases) of the model that ``loc`` leads to from ``annotation``; [] if none."""
    while True:
        origin, args = get_origin(annotation), get_args(annotation)
        if origin is Annotated:
            annotation = args[0]
        elif origin in (Union, UnionType):
            models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            annotation = models[0] if models else args[0]
        else:
            break
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if not loc:
            return sorted(f.alias or n for n, f in annotation.model_fields.items())
        field = next((f for n, f in annotation.model_fields.items() if (f.alias or n) == loc[0]), None)
        return _fields_at(field.annotation, loc[1:]) if field is not None else []
    if origin in (dict, list) and loc:
        return _fields_at(args[-1], loc[1:])
    return []


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part == "[key]" or str(part).startswith(("function-", "tagged-union", "literal[", "constrained")):
            continue  # pydantic's names for key checks, validators and union branches, not user keys
        else:
            out += f".{part}" if out else str(part)
    return out


def _explain(error: dict[str, Any]) -> str:
    kind, value = error["type"], error.get("input")
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    if kind == "missing":
        return "required"
    if kind == "bool_type" and isinstance(value, str) and value.lower() in ("y", "yes", "on", "n", "no", "off"):
        word = "true" if value.lower() in ("y", "yes", "on") else "false"
        return (f"must be true or false, got {value!r} (the Pulumi CLI reads YAML 1.2, where {value} is a string, "
                f"not a boolean): write {word}")
    if kind in _KINDS:
        if value is None:
            return f"must be {_KINDS[kind]}, got null (remove the line to use the default)"
        return f"must be {_KINDS[kind]}, got {type(value).__name__} {value!r} (inside objects nothing is converted)"
    if kind == "literal_error":
        return f"must be one of {error['ctx']['expected'].replace(chr(39), '')}, got {value!r}"
    if kind in ("too_short", "too_long"):
        ctx = error.get("ctx", {})
        low, high, got = ctx.get("min_length"), ctx.get("max_length"), ctx.get("actual_length")
        if kind == "too_short":
            return f"needs at least {low} entr{'y' if low == 1 else 'ies'}, got {got}"
        return f"takes at most {high} entries, got {got}"
    return str(error["msg"])


def messages(exc: ValidationError, annotation: Any, prefix: str = "") -> list[str]:
    """One ``eks-platform:<key path>: <what is wrong>`` line per bad key, in the order pydantic found them.

    ``annotation`` is the type validated; it names the known fields when a field is unknown.
    """
    out: dict[str, str] = {}
    unknown: dict[tuple[Any, ...], list[str]] = {}
    for error in exc.errors(include_url=False):
        if error["type"] == "extra_forbidden":
            unknown.setdefault(error["loc"][:-1], []).append(str(error["loc"][-1]))
            continue
        _add(out, _key(prefix, _path(error["loc"])), _explain(error))
    for parent, names in unknown.items():
        known = _fields_at(annotation, tuple(p for p in parent if p != "[key]"))
        near = [m for n in names for m in difflib.get_close_matches(n, known, n=1, cutoff=0.6)]
        hint = f" (did you mean {', '.join(near)}?)" if near else ""
        _add(out, _key(prefix, _path(parent)), f"unknown field(s) {', '.join(sorted(names))}{hint}; known: "
                                              f"{', '.join(known)}")
    return [f"{key}: {text}" for key, text in out.items()]


def _add(out: dict[str, str], key: str, text: str) -> None:
    """One line per key: a second problem with the same key joins the first."""
    if key not in out:
        out[key] = text
    elif text not in out[key]:
        out[key] += f"; {text}"


def _key(prefix: str, path: str) -> str:
    joint = "." if prefix and path and not path.startswith("[") else ""
    return f"{NAMESPACE}:{prefix}{joint}{path}"


# -- every key -----------------------------------------------------------------------------------

#: Scalars as the CLI accepts them at the top level of a stack file: "3" is an integer, "true" a boolean.
_INTEGER: dict[str, Any] = {"anyOf": [{"type": "integer"}, {"type": "string", "pattern": "^[+-]?[0-9]+$"}]}
_BOOLEAN: dict[str, Any] = {"anyOf": [{"type": "boolean"}, {"enum": ["true", "false"]}]}
#: Values CloudWatch Logs accepts for retentionInDays.
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
                      2922, 3288, 3653)
#: EKS upgrade policies (``upgradePolicy.supportType``).
SUPPORT_TYPES = ("STANDARD", "EXTENDED")


def _scalar(kind: type, schema: dict[str, Any]) -> Any:
    """A top-level scalar key: its type as the program uses it, and its schema as a stack file may write it."""
    return Annotated[kind | None, WithJsonSchema(schema)]  # type: ignore[operator]


class StackKeys(Strict):
    """Every ``eks-platform:`` key of a stack file, once: its type, its default and its JSON Schema.

    ``infra/config.py`` takes from here which keys exist, how each arrives on the wire (``CONFIG_KEYS``) and
    the scalars' defaults; the objects are validated by their models above; ``tools/schema.py`` generates the
    stack file's schema from this class. A default of None means "not set" (the program decides, e.g.
    ``repositoryPrefix`` is the stack name)."""

    vpc_cidr: _scalar(str, {"type": "string", "pattern": r"^\d{1,3}(\.\d{1,3}){3}/\d{1,2}$",  # type: ignore[valid-type]
                            "examples": ["10.20.0.0/16"]}) = "10.0.0.0/16"
    availability_zones: _scalar(int, {**_INTEGER, "deprecated": True,  # type: ignore[valid-type]
                                      "description": "Legacy zone count: use zones (the program prints the exact "
                                                     "pinning)."}) = None
    zones: Zones | None = None  # type: ignore[valid-type]
    # Which versions EKS supports is read at preview (aws.eks.get_cluster_versions), not listed here.
    kubernetes_version: _scalar(str, {"type": "string", "pattern": r"^1\.\d+$",  # type: ignore[valid-type]
                                      "examples": ["1.35"]}) = "1.35"
    support_type: _scalar(str, {"enum": list(SUPPORT_TYPES)}) = "STANDARD"  # type: ignore[valid-type]
    support_warning_days: _scalar(int, {**_INTEGER, "description": "Days before a version's end of support when "  # type: ignore[valid-type]
                                                                 "the preview warns (0 to 365; default 60)."}) = 60
    node_groups: NodeGroups | None = None  # type: ignore[valid-type]
    highly_available_nat: _scalar(bool, _BOOLEAN) = True  # type: ignore[valid-type]
    log_retention_days: _scalar(int, {"anyOf": [{"enum": list(LOG_RETENTION_DAYS)},  # type: ignore[valid-type]
                                                {"enum": [str(d) for d in LOG_RETENTION_DAYS]}]}) = 90
    tags: Tags | None = None  # type: ignore[valid-type]
    endpoint_public_access: _scalar(bool, _BOOLEAN) = False  # type: ignore[valid-type]
    public_access_cidrs: Cidrs | None = []  # type: ignore[valid-type]
    cluster_admin_allowlist: list[RoleArn] | None = []  # type: ignore[valid-type]
    access: Teams | None = None
    protect_stateful_resources: _scalar(bool, _BOOLEAN) = True  # type: ignore[valid-type]
    fargate_profiles: FargateProfiles | None = None
    update_channel: _scalar(str, {"enum": ["latest", "pinned"]}) = "pinned"  # type: ignore[valid-type]
    ami_release_version: _scalar(str, {"type": "string", "pattern": r"^\d+\.\d+\.\d+-\d{8}$",  # type: ignore[valid-type]
                                       "examples": ["1.35.0-20261101"]}) = None
    addon_versions: AddonVersions | None = None  # type: ignore[valid-type]
    repositories: Repositories | None = None  # type: ignore[valid-type]
    organization_id: _scalar(str, {"type": "string", "pattern": "^o-[a-z0-9]{10,32}$"}) = None  # type: ignore[valid-type]
    self_managed_node_groups: SelfManagedGroups | None = None
    repository_prefix: _scalar(str, {"type": "string",  # type: ignore[valid-type]
                                     "pattern": r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$"}) = None
    storage: StorageSpec | None = None
    addons: AddonsSpec | None = None
    workloads: Workloads | None = None
    pod_security_level: _scalar(str, {"enum": ["restricted", "baseline"]}) = "restricted"  # type: ignore[valid-type]
    vpc_endpoints: _scalar(bool, _BOOLEAN) = False  # type: ignore[valid-type]
    compute_mode: _scalar(str, {"enum": list(COMPUTE_MODES)}) = "nodegroups"  # type: ignore[valid-type]
    karpenter: KarpenterSpec | None = None
    retiring_node_groups: RetiringNodeGroups | None = []  # type: ignore[valid-type]
    auto_mode: AutoModeSpec | None = None


def _base(annotation: Any) -> Any:
    """``annotation`` without ``Annotated`` metadata and without ``| None``."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, UnionType):
        rest = [a for a in get_args(annotation) if a is not type(None)]
        return _base(rest[0]) if len(rest) == 1 else annotation
    return annotation


def key_annotation(key: str) -> Any:
    """The type of ``key`` (camelCase, without namespace) without ``| None``: what its schema describes."""
    field = next(f for f in StackKeys.model_fields.values() if f.alias == key)
    annotation = field.annotation
    if get_origin(annotation) in (Union, UnionType):
        rest = [a for a in get_args(annotation) if a is not type(None)]
        annotation = rest[0] if len(rest) == 1 else annotation
    return Annotated[(annotation, *field.metadata)] if field.metadata else annotation


def wire_kinds() -> dict[str, str]:
    """How each key's wire string decodes: ``int``, ``bool``, ``str`` for scalars, ``json`` for objects."""
    kinds = {bool: "bool", int: "int", str: "str"}
    return {f.alias or name: kinds.get(_base(f.annotation), "json") for name, f in StackKeys.model_fields.items()}


def defaults() -> dict[str, Any]:
    """The default of each key (None: not set)."""
    return {f.alias or name: f.default for name, f in StackKeys.model_fields.items()}
