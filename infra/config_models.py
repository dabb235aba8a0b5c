"""The one model of eks-platform's stack config (pydantic v2: strict, closed and frozen).

:class:`StackSettings` has one field per ``eks-platform:`` key of ``Pulumi.<stack>.yaml``: its type, its default
(as a stack file would write it), its check and the JSON Schema editors use (``tools/schema.py`` generates
``schema/stack-config.schema.json`` from it, ``tools/config_reference.py`` ``docs/CONFIG.md``); the objects the
keys hold (node groups, teams, Fargate profiles, repositories, tags ...) are its nested models; the rules across
keys (:func:`rule`) run in its validation. Validating a stack's values once (:func:`validate`) gives either the
settings ``infra/config.py`` builds the components' config from, or every problem of the stack in one
``ValidationError``: an unknown field, a null, a string where a number or boolean belongs, a number out of range,
two keys that do not go together. :func:`messages` turns it into our lines, each naming the key path
(``eks-platform:nodeGroups.general.minSize``), what is wrong and a value that works; pydantic's own wording never
reaches the user.

Top-level scalars arrive from the CLI as strings and are decoded by their declared type first (as the CLI
accepts ``"3"`` for an integer key); inside objects nothing is coerced. What needs more than the values (the
region's zones, the EKS version lifecycle, the stack's region and secrets) is checked in ``infra/``'s program.
"""

from __future__ import annotations

import difflib
import functools
import ipaddress
import re
from collections.abc import Callable, Iterable
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PlainValidator,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import InitErrorDetails

from components.karpenter import RESERVED_TAGS as KARPENTER_TAGS
from components.storage_efs import TRANSITION_DAYS
from components.storage_fsx import THROUGHPUTS
from components.workload import FARGATE_LABEL

NAMESPACE = "eks-platform"


class Problems(ValueError):
    """Several problems found by one validator, each at its own key below the value validated: ``(path, text)``
    with ``path`` relative (``""``, ``"general.namespaces"``, ``"[0]"``). :func:`messages` gives each its line."""

    def __init__(self, items: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(text for _, text in items))
        self.items = items


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
    """Nodes updated at once, as a percentage of the group; unset: the node group component's default (25%) unless
    maxUnavailable is set."""
    node_repair: StrictBool = True
    """EKS node auto repair (with the eks-node-monitoring-agent add-on); on by default."""
    disk_size_gi_b: Annotated[int_in(20, 16384, 50), Field(alias="diskSizeGiB")] = 50
    labels: Labels = {}
    taints: list[TaintSpec] = []
    metadata_hop_limit: int_in(1, 2, 1) = 1
    detailed_monitoring: StrictBool = False

    @property
    def desired(self) -> int:
        """The desired size: as configured, else the minimum."""
        return self.min_size if self.desired_size is None else self.desired_size

    @model_validator(mode="after")
    def _sizes(self) -> NodeGroupSpec:
        if not self.min_size <= self.desired <= self.max_size:
            raise ValueError(f"sizes must satisfy minSize <= desiredSize <= maxSize, got {self.min_size} <= "
                             f"{self.desired} <= {self.max_size}")
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

    @property
    def desired(self) -> int:
        """The desired size: as configured, else the minimum."""
        return self.min_size if self.desired_size is None else self.desired_size

    @model_validator(mode="after")
    def _sizes(self) -> SelfManagedGroupSpec:
        if not self.min_size <= self.desired <= self.max_size:
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


NodeGroups = Annotated[dict[NameKey, NodeGroupSpec], Field(json_schema_extra={"minProperties": 1})]  # type: ignore[valid-type]
FargateProfiles = dict[NameKey, FargateProfileSpec]  # type: ignore[valid-type]
SelfManagedGroups = dict[NameKey, SelfManagedGroupSpec]  # type: ignore[valid-type]
Workloads = dict[NameKey, WorkloadSpec]  # type: ignore[valid-type]

#: Namespaces Kubernetes runs itself: a team gets its own.
RESERVED_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


def _check_teams(teams: dict[str, TeamSpec]) -> dict[str, TeamSpec]:
    """What a team's level asks of its namespaces (the allowlist of cluster-admins is a rule of the stack)."""
    problems = []
    for team, spec in teams.items():
        if spec.level == "cluster-admin" and spec.namespaces:
            problems.append((f"{team}.namespaces", "cluster-admin is cluster-wide; remove namespaces"))
        elif spec.level != "cluster-admin" and not spec.namespaces:
            problems.append((f"{team}.namespaces", f"{spec.level} needs at least one namespace. Example: [\"{team}\"]"))
        problems += [(f"{team}.namespaces", f"'{ns}' is a system namespace; give the team its own")
                     for ns in spec.namespaces if ns in RESERVED_NAMESPACES]
    if problems:
        raise Problems(problems)
    return teams


Teams = Annotated[dict[NameKey, TeamSpec], AfterValidator(_check_teams)]  # type: ignore[valid-type]


def _check_repositories(repositories: dict[str, RepositorySpec], info: ValidationInfo) -> dict[str, RepositorySpec]:
    """Resource names replace '/' with '-': two repositories must not end up with one name."""
    stack = (info.context or {}).get("stack", "<stack>")
    by_resource: dict[str, list[str]] = {}
    for name in repositories:
        by_resource.setdefault(name.replace("/", "-"), []).append(name)
    clashes = [f"{' and '.join(sorted(names))} would both be resource '{stack}-registry-{resource}'; rename one"
               for resource, names in sorted(by_resource.items()) if len(names) > 1]
    if clashes:
        raise Problems([("", text) for text in clashes])
    return repositories


Repositories = Annotated[dict[RepositoryName, Annotated[RepositorySpec, BeforeValidator(_none_is_empty)]],  # type: ignore[valid-type]
                         AfterValidator(_check_repositories)]

#: Add-ons the stack installs; pinned environments must name a version for each.
MANAGED_ADDONS = ("coredns", "eks-pod-identity-agent", "kube-proxy", "vpc-cni")
#: Every EKS add-on a stack may run, the core four first.
ADDONS = (*MANAGED_ADDONS, "aws-ebs-csi-driver", "aws-efs-csi-driver", "aws-fsx-csi-driver", "metrics-server",
          "eks-node-monitoring-agent")
#: What EKS Auto Mode runs itself: a stack in ``computeMode: auto`` installs none of these.
AUTO_MODE_RUNS = ("vpc-cni", "kube-proxy", "coredns", "eks-pod-identity-agent", "aws-ebs-csi-driver",
                  "eks-node-monitoring-agent")
#: Oldest kubelet minor EKS supports against a control plane (n-3 from Kubernetes 1.28 on).
KUBELET_SKEW = 3
ADDON_VERSION = r"^v\d+\.(\d+)\.\d+-eksbuild\.\d+$"
AMI_RELEASE = r"^(\d+)\.(\d+)\.\d+-\d{8}$"
KUBERNETES_VERSION = r"^1\.\d+$"


def _check_addon_versions(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise ValueError("must map add-on names to versions such as 'v1.20.5-eksbuild.1'")
    bad = [(name, f"'{version}' is not an EKS add-on version such as 'v1.20.5-eksbuild.1'")
           for name, version in sorted(value.items()) if not re.match(ADDON_VERSION, version)]
    if bad:
        raise Problems(bad)
    return value


AddonVersions = Annotated[dict[str, str], PlainValidator(_check_addon_versions), WithJsonSchema({
    "type": "object", "propertyNames": {"enum": list(ADDONS)},
    "additionalProperties": {"type": "string", "pattern": ADDON_VERSION, "examples": ["v1.20.5-eksbuild.1"]}})]

ZONE_COUNT = (2, 6)
ZONE_SLOTS = (0, 5)
_AZ_NAME = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+[a-z]$")
_ZONE_ID = re.compile(r"^[a-z]{2,5}\d+-az\d+$")
ZONES_EXAMPLE = 'Example: {"usw2-az1": 0, "usw2-az2": 1, "usw2-az3": 2}'


def _check_zones(value: Any) -> dict[str, int] | None:
    """Availability zones (names or zone IDs) pinned to a CIDR slot each."""
    if value is None:
        return None
    if not isinstance(value, dict) or not ZONE_COUNT[0] <= len(value) <= ZONE_COUNT[1]:
        raise ValueError(f"must map {ZONE_COUNT[0]} to {ZONE_COUNT[1]} availability zones (zone IDs such as usw2-az1, "
                         "the same in every account, or names such as us-west-2a) to their CIDR slot, "
                         f"{ZONE_SLOTS[0]} to {ZONE_SLOTS[1]}. {ZONES_EXAMPLE}")
    problems = []
    for zone, slot in sorted(value.items()):
        if not (_AZ_NAME.match(str(zone)) or _ZONE_ID.match(str(zone))):
            problems.append((str(zone), "not an availability zone name (us-west-2a) or zone ID (usw2-az1)"))
        if isinstance(slot, bool) or not isinstance(slot, int) or not ZONE_SLOTS[0] <= slot <= ZONE_SLOTS[1]:
            problems.append((str(zone), f"the CIDR slot must be a whole number from {ZONE_SLOTS[0]} to "
                                        f"{ZONE_SLOTS[1]}, got {slot!r}"))
    slots = [s for s in value.values() if isinstance(s, int) and not isinstance(s, bool)]
    taken = sorted({s for s in slots if slots.count(s) > 1})
    if taken:
        problems.append(("", f"slot(s) {', '.join(map(str, taken))} given to more than one zone; each zone keeps its "
                             "own slot (its subnets' CIDRs) forever"))
    if problems:
        raise Problems(problems)
    return {str(z): int(s) for z, s in value.items()}


Zones = Annotated[dict[str, int] | None, PlainValidator(_check_zones), WithJsonSchema({
    "type": "object", "minProperties": ZONE_COUNT[0], "maxProperties": ZONE_COUNT[1],
    "propertyNames": {"anyOf": [{"pattern": _AZ_NAME.pattern}, {"pattern": _ZONE_ID.pattern}]},
    "additionalProperties": {"type": "integer", "minimum": ZONE_SLOTS[0], "maximum": ZONE_SLOTS[1]},
    "examples": [{"usw2-az1": 0, "usw2-az2": 1}]})]


# -- errors -------------------------------------------------------------------------------------------

_KINDS = {"int_type": "a whole number", "int_parsing": "a whole number", "bool_type": "true or false",
          "bool_parsing": "true or false", "string_type": "a string", "list_type": "a list", "dict_type": "an object",
          "model_type": "an object", "model_attributes_type": "an object", "float_type": "a number"}

#: YAML 1.1's boolean words: the Pulumi CLI reads YAML 1.2, where they are strings.
_YAML11_BOOLS = {"y": True, "yes": True, "on": True, "n": False, "no": False, "off": False}


def yaml11_hint(value: Any) -> str:
    """For a boolean key given ``no``/``yes``/``on``/``off``: why it is a string, and what to write."""
    if isinstance(value, str) and value.lower() in _YAML11_BOOLS:
        return (f" (the Pulumi CLI reads YAML 1.2, where {value} is a string, not a boolean): write "
                f"{str(_YAML11_BOOLS[value.lower()]).lower()}")
    return ""


def unknown_key(key: str, namespace: str, known: Any, what: str) -> str:
    """A key nothing reads, with the nearest known one."""
    near = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.75)
    hint = f"did you mean {namespace}:{near[0]}?" if near else f"{what}"
    return f"{namespace}:{key}: unknown key; {hint} A key nothing reads is a setting that silently does not apply"


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


def _join(path: str, sub: str) -> str:
    return path + ("." if path and sub and not sub.startswith("[") else "") + sub


def _explain(error: dict[str, Any]) -> str:
    kind, value = error["type"], error.get("input")
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    if kind == "missing":
        return "required"
    if kind == "bool_type" and yaml11_hint(value):
        return f"must be true or false, got {value!r}{yaml11_hint(value)}"
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
    ctx = error.get("ctx", {})
    for bound, words in (("ge", "at least"), ("gt", "more than"), ("le", "at most"), ("lt", "less than")):
        if bound in ctx:
            return f"must be {words} {ctx[bound]}, got {value!r}"
    if "pattern" in ctx:
        return f"{value!r} does not match {ctx['pattern']}"
    return f"{value!r} is not a value this key takes; see docs/CONFIG.md"  # never pydantic's own wording


def messages(exc: ValidationError, annotation: Any, prefix: str = "") -> list[str]:
    """One ``eks-platform:<key path>: <what is wrong>`` line per bad key, in the order pydantic found them; pydantic's
    own wording never reaches the user.

    ``annotation`` is the type validated; it names the known fields when a field is unknown. Problems a validator
    reports key by key (:class:`Problems`) keep one line each.
    """
    out: list[list[str]] = []
    unknown: dict[tuple[Any, ...], list[str]] = {}
    for error in exc.errors(include_url=False):
        if error["type"] == "extra_forbidden":
            unknown.setdefault(error["loc"][:-1], []).append(str(error["loc"][-1]))
            continue
        found = error.get("ctx", {}).get("error")
        if isinstance(found, Problems):
            out += [[_key(prefix, _join(_path(error["loc"]), sub)), text, ""] for sub, text in found.items]
        else:
            _add(out, _key(prefix, _path(error["loc"])), _explain(error))
    for parent, names in unknown.items():
        known = _fields_at(annotation, tuple(p for p in parent if p != "[key]"))
        if not parent and not prefix and annotation is StackSettings:  # a key of the stack, not a field
            out += [[f"{NAMESPACE}:{name}", unknown_key(name, NAMESPACE, CONFIG_KEYS, "known keys: "
                                                        f"{', '.join(sorted(CONFIG_KEYS))}.").split(": ", 1)[1], ""]
                    for name in names]
            continue
        near = [m for n in names for m in difflib.get_close_matches(n, known, n=1, cutoff=0.6)]
        hint = f" (did you mean {', '.join(near)}?)" if near else ""
        _add(out, _key(prefix, _path(parent)), f"unknown field(s) {', '.join(sorted(names))}{hint}; known: "
                                              f"{', '.join(known)}")
    return [f"{key}: {text}" for key, text, _ in out]


def _add(out: list[list[str]], key: str, text: str) -> None:
    """One line per key: a second problem with the same key joins the first."""
    line = next((line for line in out if line[0] == key and line[2] == "merge"), None)
    if line is None:
        out.append([key, text, "merge"])
    elif text not in line[1]:
        line[1] += f"; {text}"


def _key(prefix: str, path: str) -> str:
    joint = "." if prefix and path and not path.startswith("[") else ""
    return f"{NAMESPACE}:{prefix}{joint}{path}"


# -- the stack's keys: scalars -----------------------------------------------------------------------

#: Scalars as the CLI accepts them at the top level of a stack file: "3" is an integer, "true" a boolean.
_INTEGER: dict[str, Any] = {"anyOf": [{"type": "integer"}, {"type": "string", "pattern": "^[+-]?[0-9]+$"}]}
_BOOLEAN: dict[str, Any] = {"anyOf": [{"type": "boolean"}, {"enum": ["true", "false"]}]}
#: Values CloudWatch Logs accepts for retentionInDays.
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
                      2922, 3288, 3653)
#: EKS upgrade policies (``upgradePolicy.supportType``): STANDARD is upgraded by EKS when standard support ends;
#: EXTENDED stays on its version in paid extended support. Which versions are in which support comes from the
#: EKS lifecycle at preview (``infra/lifecycle.py``), never from a list here.
SUPPORT_TYPES = ("STANDARD", "EXTENDED")
UPDATE_CHANNELS = ("latest", "pinned")
POD_SECURITY_LEVELS = ("restricted", "baseline")
_PRIVATE_NETWORKS = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
_ORGANIZATION_ID = r"^o-[a-z0-9]{10,32}$"
_ECR_NAME_PART = r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$"


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, got {value!r}{yaml11_hint(value)}")
    return value


def _check_vpc_cidr(value: Any) -> str:
    example = "Example: 10.20.0.0/16"
    if not isinstance(value, str):
        raise ValueError(f"must be a string CIDR such as 10.20.0.0/16, got {value!r}")
    try:
        net = ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise ValueError(f"'{value}' is not an IPv4 CIDR. {example}") from None
    if net.version != 4:
        raise ValueError(f"'{value}' is IPv6; the VPC needs an IPv4 CIDR. {example}")
    if str(net) != value:
        raise ValueError(f"'{value}' has host bits set; use the network address '{net}'")
    if not any(net.subnet_of(p) for p in _PRIVATE_NETWORKS):  # type: ignore[arg-type]
        raise ValueError(f"'{value}' is not a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16). {example}")
    if not 16 <= net.prefixlen <= 22:
        raise ValueError(f"'{value}' is a /{net.prefixlen}; use a /16 to /22 so every AZ gets a private and a public "
                         f"subnet. {example}")
    return value


def _check_availability_zones(value: Any) -> int | None:
    if value is not None and (not _whole(value) or not 2 <= value <= 6):
        raise ValueError(f"must be a whole number from 2 to 6 (EKS needs subnets in at least two AZs), got {value!r}. "
                         "Example: 3")
    return value


def _check_kubernetes_version(value: Any) -> str:
    """The shape of a version; whether EKS supports it on the day is read at preview (``infra/lifecycle.py``)."""
    if isinstance(value, float) and re.fullmatch(r"1\.\d", str(value)):
        # "1.30" written unquoted, which YAML reads as the number 1.3 (see also config.check_numbers_read).
        raise ValueError(f"YAML read a number ({value}): an unquoted {value}0 is the number {value}, not the version. "
                         f"Quote it in the stack file: {NAMESPACE}:kubernetesVersion: \"{value}0\"")
    if not isinstance(value, str) or not re.fullmatch(KUBERNETES_VERSION, value):
        raise ValueError(f"must be a minor version string such as \"1.35\" (quote it in YAML), got {value!r}")
    return value


def _one_of(allowed: Iterable[str], expected: str) -> Callable[[Any], str]:
    """A check that a value is one of ``allowed``; else "<expected>, got <value>"."""
    options = tuple(allowed)  # not a set: a value may be unhashable (a mapping where a string was meant)

    def check(value: Any) -> str:
        if value not in options:
            raise ValueError(f"{expected}, got {value!r}")
        return value  # type: ignore[no-any-return]

    return check


_check_support_type = _one_of(SUPPORT_TYPES, "'STANDARD' (EKS upgrades the control plane when standard support ends) "
                                             "or 'EXTENDED' (stay on the version in paid extended support)")


def _check_warning_days(value: Any) -> int:
    if not _whole(value) or not 0 <= value <= 365:
        raise ValueError(f"a whole number of days from 0 to 365 (warn this long before a version's end of support), "
                         f"got {value!r}. Example: 60")
    return value  # type: ignore[no-any-return]


def _check_log_retention(value: Any) -> int:
    if isinstance(value, bool) or value not in LOG_RETENTION_DAYS:
        raise ValueError(f"{value!r} is not a CloudWatch Logs retention; use one of "
                         f"{', '.join(map(str, LOG_RETENTION_DAYS))}. Example: 90")
    return value  # type: ignore[no-any-return]


_check_update_channel = _one_of(UPDATE_CHANNELS, "must be 'latest' (dev: newest AMI and add-ons at each preview) "
                                                 "or 'pinned' (versions promoted in config)")


def _check_ami_release(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("must be a string such as '1.35.0-20261101'")
    if not re.match(AMI_RELEASE, value):
        raise ValueError(f"'{value}' is not an EKS AMI release version such as '1.35.0-20261101' (the release_version "
                         "output of dev)")
    return value


def _check_organization_id(value: Any) -> str | None:
    if value is not None and not (isinstance(value, str) and re.match(_ORGANIZATION_ID, value)):
        raise ValueError(f"{value!r} is not an AWS Organizations id such as o-a1b2c3d4e5")
    return value


def _check_repository_prefix(value: Any) -> str | None:
    if value is not None and not (isinstance(value, str) and re.match(_ECR_NAME_PART, value)):
        raise ValueError(f"{value!r} is not an ECR name part (lowercase letters, digits and . _ - between them); "
                         "repositories are named <prefix>/<name>. Example: acme-dev")
    return value


_check_pod_security = _one_of(POD_SECURITY_LEVELS, "'restricted' (enforced, prod) or 'baseline' (enforced, with "
                                                   "restricted warned and audited)")


_MODES_EXAMPLE = "nodegroups (managed node groups and the Cluster Autoscaler), karpenter or auto (EKS Auto Mode)"


_check_compute_mode = _one_of(COMPUTE_MODES, f"must be one of {_MODES_EXAMPLE}")


def _scalar(kind: type, schema: dict[str, Any], check: Any) -> Any:
    """A top-level scalar key: its type as the program uses it, its check (with our message), and its schema as a
    stack file may write it."""
    return Annotated[kind | None, PlainValidator(check), WithJsonSchema(schema)]  # type: ignore[operator]


NODE_GROUPS_SHAPE = ("must be a non-empty object keyed by a stable node group name (never a list: the key is part "
                     'of resource names). Example: {"general": {"instanceTypes": ["m7i.large"], "minSize": 1, '
                     '"desiredSize": 2, "maxSize": 4}}')


def _node_groups_shape(value: Any) -> Any:
    if value is not None and (not isinstance(value, dict) or not value):
        raise ValueError(NODE_GROUPS_SHAPE)
    return value


# -- the stack's keys: rules across keys -------------------------------------------------------------

#: (keys, rule): a rule over validated keys, run when every key it reads is valid; returns full messages.
_RULES: list[tuple[frozenset[str], Callable[[StackSettings], list[str]]]] = []


def rule(*keys: str) -> Callable[[Callable[[StackSettings], list[str]]], Callable[[StackSettings], list[str]]]:
    def register(check: Callable[[StackSettings], list[str]]) -> Callable[[StackSettings], list[str]]:
        _RULES.append((frozenset(keys), check))
        return check

    return register


def k(name: str) -> str:
    """A key as messages name it: ``eks-platform:<name>``."""
    return f"{NAMESPACE}:{name}"


class StackSettings(Strict):
    """Every ``eks-platform:`` key of a stack file, once: its type, its default (as a stack file would write it),
    its checks and its JSON Schema. ``validate`` reads a stack's values into it once; ``infra/config.py`` builds
    the components' :class:`~infra.config.StackConfig` from it; ``tools/schema.py`` generates the stack file's
    schema from it. A default of None means "not set" (``repositoryPrefix`` is then the stack name, ``autoMode``
    the built-in pools in ``computeMode: auto``). Checks across keys are the :func:`rule` functions below."""

    model_config = ConfigDict(validate_default=True)

    vpc_cidr: _scalar(str, {"type": "string", "pattern": r"^\d{1,3}(\.\d{1,3}){3}/\d{1,2}$",  # type: ignore[valid-type]
                            "examples": ["10.20.0.0/16"]}, _check_vpc_cidr) = "10.0.0.0/16"
    availability_zones: _scalar(int, {**_INTEGER, "deprecated": True,  # type: ignore[valid-type]
                                      "description": "Legacy zone count: use zones (the program prints the exact "
                                                     "pinning)."}, _check_availability_zones) = None
    zones: Zones = None
    # Which versions EKS supports is read at preview (aws.eks.get_cluster_versions), not listed here.
    kubernetes_version: _scalar(str, {"type": "string", "pattern": KUBERNETES_VERSION,  # type: ignore[valid-type]
                                      "examples": ["1.35"]}, _check_kubernetes_version) = "1.35"
    support_type: _scalar(str, {"enum": list(SUPPORT_TYPES)}, _check_support_type) = "STANDARD"  # type: ignore[valid-type]
    support_warning_days: _scalar(int, {**_INTEGER, "description": "Days before a version's end of support when "  # type: ignore[valid-type]
                                                                 "the preview warns (0 to 365; default 60)."},
                                  _check_warning_days) = 60
    node_groups: Annotated[NodeGroups | None, BeforeValidator(_node_groups_shape)] = None  # type: ignore[valid-type]
    highly_available_nat: _scalar(bool, _BOOLEAN, _check_bool) = True  # type: ignore[valid-type]
    log_retention_days: _scalar(int, {"anyOf": [{"enum": list(LOG_RETENTION_DAYS)},  # type: ignore[valid-type]
                                                {"enum": [str(d) for d in LOG_RETENTION_DAYS]}]},
                                _check_log_retention) = 90
    tags: Tags = {}  # type: ignore[valid-type]
    endpoint_public_access: _scalar(bool, _BOOLEAN, _check_bool) = False  # type: ignore[valid-type]
    public_access_cidrs: Cidrs = []  # type: ignore[valid-type]
    cluster_admin_allowlist: list[RoleArn] = []  # type: ignore[valid-type]
    access: Teams = {}
    protect_stateful_resources: _scalar(bool, _BOOLEAN, _check_bool) = True  # type: ignore[valid-type]
    fargate_profiles: FargateProfiles = {}
    update_channel: _scalar(str, {"enum": list(UPDATE_CHANNELS)}, _check_update_channel) = "pinned"  # type: ignore[valid-type]
    ami_release_version: _scalar(str, {"type": "string", "pattern": AMI_RELEASE,  # type: ignore[valid-type]
                                       "examples": ["1.35.0-20261101"]}, _check_ami_release) = None
    addon_versions: AddonVersions = {}
    repositories: Repositories = {}  # type: ignore[valid-type]
    organization_id: _scalar(str, {"type": "string", "pattern": _ORGANIZATION_ID},  # type: ignore[valid-type]
                             _check_organization_id) = None
    self_managed_node_groups: SelfManagedGroups = {}
    repository_prefix: _scalar(str, {"type": "string", "pattern": _ECR_NAME_PART},  # type: ignore[valid-type]
                               _check_repository_prefix) = None
    storage: StorageSpec = {}  # type: ignore[assignment]
    addons: AddonsSpec = {}  # type: ignore[assignment]
    workloads: Workloads = {}
    pod_security_level: _scalar(str, {"enum": list(POD_SECURITY_LEVELS)}, _check_pod_security) = "restricted"  # type: ignore[valid-type]
    vpc_endpoints: _scalar(bool, _BOOLEAN, _check_bool) = False  # type: ignore[valid-type]
    compute_mode: _scalar(str, {"enum": list(COMPUTE_MODES)}, _check_compute_mode) = "nodegroups"  # type: ignore[valid-type]
    karpenter: KarpenterSpec | None = None
    retiring_node_groups: RetiringNodeGroups = []  # type: ignore[valid-type]
    auto_mode: AutoModeSpec | None = None

    @model_validator(mode="wrap")
    @classmethod
    def _whole_stack(cls, data: Any, handler: ModelWrapValidatorHandler[StackSettings],
                     info: ValidationInfo) -> StackSettings:
        """The defaults that depend on another value (the stack's name, the compute mode), then the keys, then the
        rules across keys: where keys are invalid, the rules that read only valid keys still run, so one error
        names everything wrong with the stack."""
        context = info.context or {}
        if not isinstance(data, dict):
            return handler(data)
        data = dict(data)
        invalid = context.get("invalid", ())  # the second pass over the valid keys leaves the invalid ones unset
        if data.get("repositoryPrefix") is None and context.get("stack") is not None and "repositoryPrefix" not in invalid:
            data["repositoryPrefix"] = context["stack"]
        if data.get("computeMode") == "auto" and data.get("autoMode") is None and "autoMode" not in invalid:
            data["autoMode"] = {}
        if not context.get("rules", True):
            return handler(data)
        try:
            settings, found, failed = handler(data), [], set()
        except ValidationError as exc:
            found = exc.errors()
            failed = {str(e["loc"][0]) for e in found if e["loc"]}
            valid = {key: value for key, value in data.items() if key not in failed}
            try:
                settings = cls.model_validate(valid, context={**context, "rules": False, "invalid": failed})
            except ValidationError:  # pragma: no cover - every key in it validated in the first pass
                raise exc from None
        problems = settings.problems(skip=failed)
        if not found and not problems:
            return settings
        details = [InitErrorDetails(type=e["type"], loc=e["loc"], input=e["input"],  # type: ignore[typeddict-item]
                                    **({"ctx": e["ctx"]} if "ctx" in e else {})) for e in found]
        for line in problems:
            key, text = line.removeprefix(f"{NAMESPACE}:").split(": ", 1)
            top = re.split(r"[.\[]", key, maxsplit=1)[0]
            details.append(InitErrorDetails(type="value_error", loc=(top,), input=data.get(top),
                                            ctx={"error": Problems([(key[len(top):].removeprefix("."), text)])}))
        raise ValidationError.from_exception_data(cls.__name__, details)

    def problems(self, skip: frozenset[str] | set[str] = frozenset()) -> list[str]:
        """What the rules across keys refuse, leaving out the rules that read a key in ``skip`` (invalid keys)."""
        return [line for keys, check in _RULES if not keys & skip for line in check(self)]

    def running_addons(self) -> tuple[str, ...]:
        """The EKS add-ons this stack runs: the core four (unless Auto Mode runs them), the storage drivers,
        metrics-server, and the node monitoring agent where a node group auto-repairs. While node groups retire
        from Auto Mode, the stack keeps its data-plane add-ons for them."""
        auto = self.compute_mode == "auto" and not self.retiring_node_groups
        repair = any(g.node_repair for g in (self.node_groups or {}).values())
        optional = (("aws-ebs-csi-driver",) if not auto else ()) + \
            (("aws-efs-csi-driver",) if self.storage.efs.enabled else ()) + \
            (("aws-fsx-csi-driver",) if self.storage.fsx.enabled else ()) + \
            (("metrics-server",) if self.addons.metrics_server else ()) + \
            (("eks-node-monitoring-agent",) if repair else ())
        return tuple(a for a in MANAGED_ADDONS if not (auto and a in AUTO_MODE_RUNS)) + optional


@rule("zones", "availabilityZones")
def _zones_pinned(s: StackSettings) -> list[str]:
    if s.availability_zones is not None and s.zones is not None:
        return [f"{k('availabilityZones')}: remove it; {k('zones')} pins the zones"]
    if s.availability_zones is None and s.zones is None:
        return [f"{k('zones')}: required: the availability zones to use, each pinned to a CIDR slot. {ZONES_EXAMPLE}"]
    return []


@rule("nodeGroups", "computeMode")
def _node_groups_needed(s: StackSettings) -> list[str]:
    return [f"{k('nodeGroups')}: {NODE_GROUPS_SHAPE}"] if s.node_groups is None and s.compute_mode != "auto" else []


@rule("endpointPublicAccess", "publicAccessCidrs")
def _endpoint(s: StackSettings) -> list[str]:
    if s.endpoint_public_access and not s.public_access_cidrs:
        return [f"{k('publicAccessCidrs')}: a public endpoint ({k('endpointPublicAccess')}: true) needs the CIDRs "
                "allowed to reach it. Example: [\"203.0.113.0/24\"]; or set endpointPublicAccess: false"]
    if not s.endpoint_public_access and s.public_access_cidrs:
        return [f"{k('publicAccessCidrs')}: set only with {k('endpointPublicAccess')}: true"]
    return []


@rule("access", "clusterAdminAllowlist")
def _cluster_admins(s: StackSettings) -> list[str]:
    return [f"{k('access')}.{team}: cluster-admin is only for roles in {k('clusterAdminAllowlist')}; add "
            f"{spec.role_arn!r} there or use namespace-admin" for team, spec in sorted(s.access.items())
            if spec.level == "cluster-admin" and spec.role_arn not in s.cluster_admin_allowlist]


# computeMode with other keys: combinations that would run two of the same thing, or nothing. What matters is what
# the stack file *sets*, not the defaults.

@rule("computeMode", "karpenter", "autoMode")
def _mode_keys(s: StackSettings) -> list[str]:
    errors = []
    if s.karpenter is not None and s.compute_mode != "karpenter":
        errors.append(f"{k('karpenter')}: set only with {k('computeMode')}: karpenter (this stack is "
                      f"{s.compute_mode}); remove it or switch the mode")
    if s.auto_mode is not None and s.compute_mode != "auto":
        errors.append(f"{k('autoMode')}: set only with {k('computeMode')}: auto (this stack is {s.compute_mode}); "
                      "remove it or switch the mode")
    return errors


@rule("computeMode", "retiringNodeGroups", "nodeGroups")
def _retiring(s: StackSettings) -> list[str]:
    if not s.retiring_node_groups:
        return []
    if s.compute_mode == "nodegroups":
        return [f"{k('retiringNodeGroups')}: only during a move to karpenter or auto; remove it"]
    node_groups = s.node_groups or {}
    unknown = [g for g in s.retiring_node_groups if g not in node_groups]
    return [f"{k('retiringNodeGroups')}: {', '.join(unknown)} not in {k('nodeGroups')} (it has "
            f"{', '.join(sorted(node_groups)) or 'none'}); a retired group leaves both lists together"] if unknown else []


@rule("computeMode", "addons")
def _one_autoscaler(s: StackSettings) -> list[str]:
    if s.compute_mode != "nodegroups" and s.addons.cluster_autoscaler is True:
        return [f"{k('addons')}.clusterAutoscaler: {k('computeMode')}: {s.compute_mode} provisions nodes itself; a "
                "Cluster Autoscaler would fight it. Remove the key (the autoscaler is off in this mode)"]
    return []


@rule("computeMode", "karpenter", "nodeGroups", "fargateProfiles", "retiringNodeGroups")
def _karpenter_home(s: StackSettings) -> list[str]:
    """Karpenter cannot run on the nodes it provisions: its controller needs a node group or a Fargate profile."""
    karpenter, retiring, node_groups = s.karpenter, s.retiring_node_groups, s.node_groups or {}
    if s.compute_mode != "karpenter":
        return []
    if karpenter is None:
        return [f"{k('karpenter')}: required with {k('computeMode')}: karpenter: the controller's node group and at "
                "least one node pool. Example: {\"controllerNodeGroup\": \"system\", \"nodePools\": {\"general\": "
                "{\"instanceCategories\": [\"c\", \"m\", \"r\"], \"limits\": {\"cpu\": \"256\", \"memory\": "
                "\"1024Gi\"}}}}"]
    errors = []
    home = karpenter.controller_node_group
    if home is not None and home not in node_groups:
        errors.append(f"{k('karpenter')}.controllerNodeGroup: '{home}' is not in {k('nodeGroups')} (it has "
                      f"{', '.join(sorted(node_groups)) or 'none'}); Karpenter and CoreDNS need a small managed "
                      "node group that Karpenter does not manage")
    elif home is not None and home in retiring:
        errors.append(f"{k('karpenter')}.controllerNodeGroup: '{home}' is listed in {k('retiringNodeGroups')}; the "
                      "controller's group stays")
    profile = karpenter.controller_fargate_profile
    selectors = s.fargate_profiles[profile].selectors if profile in s.fargate_profiles else []
    if profile is not None and not any(sel.namespace == "kube-system" and not sel.labels for sel in selectors):
        errors.append(f"{k('karpenter')}.controllerFargateProfile: '{profile}' must be in {k('fargateProfiles')} "
                      "with a selector for namespace kube-system (no labels), where Karpenter and CoreDNS run")
    extra = sorted(set(node_groups) - {home} - set(retiring))
    if extra:
        errors.append(f"{k('nodeGroups')}: {', '.join(extra)} would be scaled by nothing in computeMode karpenter "
                      f"(only the controller's group, '{home or profile}', stays). Move their capacity to "
                      f"{k('karpenter')}.nodePools; while workloads move, list them in {k('retiringNodeGroups')} "
                      "(docs/MIGRATION-compute.md)")
    return errors


# Auto Mode: EKS runs the data-plane add-ons, block storage and load balancing itself. While node groups retire the
# stack keeps its own (the retiring nodes need them); after that, a second copy would fight AWS's.

@rule("computeMode", "addons", "addonVersions", "retiringNodeGroups")
def _auto_runs_add_ons(s: StackSettings) -> list[str]:
    if s.compute_mode != "auto" or s.retiring_node_groups:
        return []
    set_lbc = "load_balancer_controller" in s.addons.model_fields_set and s.addons.load_balancer_controller
    clashes = [f"{k('addons')}.loadBalancerController"] if set_lbc else []
    clashes += [f"{k('addonVersions')}.{a}" for a in AUTO_MODE_RUNS if a in s.addon_versions]
    return [f"{k('computeMode')}: auto runs the VPC CNI, kube-proxy, CoreDNS, the Pod Identity agent, the EBS CSI "
            f"driver and load balancing itself, so a second copy would fight it: remove {', '.join(clashes)}"] \
        if clashes else []


@rule("computeMode", "autoMode")
def _auto_nodes_expire(s: StackSettings) -> list[str]:
    if s.compute_mode != "auto" or s.auto_mode is None:
        return []
    errors = []
    for pool, spec in sorted(s.auto_mode.node_pools.items()):
        never = [key for key, v in (("expireAfter", spec.expire_after), ("consolidateAfter", spec.consolidate_after))
                 if v == "Never"]
        if never:
            errors.append(f"{k('autoMode')}.nodePools.{pool}.{never[0]}: Auto Mode takes a duration here, not "
                          "Never (nodes that never expire are never patched). Example: 720h")
    return errors


@rule("computeMode", "selfManagedNodeGroups", "nodeGroups", "retiringNodeGroups")
def _auto_nodes(s: StackSettings) -> list[str]:
    if s.compute_mode != "auto":
        return []
    errors = []
    if s.self_managed_node_groups and not s.retiring_node_groups:
        errors.append(f"{k('selfManagedNodeGroups')}: computeMode auto installs no VPC CNI or kube-proxy for "
                      "self-managed nodes; move them to Auto Mode node pools (while they move, list a managed group "
                      f"in {k('retiringNodeGroups')})")
    extra = sorted(set(s.node_groups or {}) - set(s.retiring_node_groups))
    if extra:
        errors.append(f"{k('nodeGroups')}: {', '.join(extra)} in computeMode auto; Auto Mode's node pools "
                      f"provision nodes. While workloads move, list them in {k('retiringNodeGroups')}, then remove "
                      "both (docs/MIGRATION-compute.md)")
    return errors


# Updates: pinned stacks name every version they run; add-on and node versions fit the control plane.

@rule("addonVersions", "updateChannel", "storage", "addons", "nodeGroups", "computeMode", "retiringNodeGroups")
def _pinned_add_ons(s: StackSettings) -> list[str]:
    running = s.running_addons()
    errors = []
    unknown = sorted(set(s.addon_versions) - set(running))
    if unknown:
        errors.append(f"{k('addonVersions')}: add-on(s) {', '.join(unknown)} not run by this stack; "
                      f"it runs: {', '.join(running)}")
    missing = [a for a in running if a not in s.addon_versions]
    if s.update_channel == "pinned" and missing:
        errors.append(f"{k('addonVersions')}: updateChannel 'pinned' needs a version for {', '.join(missing)}; "
                      "promote dev's addon_versions output")
    return errors


@rule("amiReleaseVersion", "updateChannel", "nodeGroups", "karpenter", "selfManagedNodeGroups")
def _pinned_release(s: StackSettings) -> list[str]:
    nodes = bool(s.node_groups) or s.karpenter is not None or bool(s.self_managed_node_groups)
    if s.update_channel == "pinned" and s.ami_release_version is None and nodes:
        return [f"{k('amiReleaseVersion')}: required with updateChannel 'pinned'; promote dev's release_version "
                "output (e.g. '1.35.0-20261101')"]
    return []


@rule("updateChannel", "nodeGroups")
def _pinned_bottlerocket(s: StackSettings) -> list[str]:
    if s.update_channel != "pinned":
        return []
    return [f"{k('nodeGroups')}.{name}.amiType: Bottlerocket releases cannot be pinned yet ({k('amiReleaseVersion')} "
            "is an AL2023 release); use an AL2023 AMI type in pinned stacks, or updateChannel 'latest'"
            for name, group in sorted((s.node_groups or {}).items()) if group.ami_type.startswith("BOTTLEROCKET")]


@rule("kubernetesVersion", "addonVersions", "amiReleaseVersion")
def _versions_fit_control_plane(s: StackSettings) -> list[str]:
    errors = []
    cluster_minor = int(s.kubernetes_version.split(".")[1])
    proxy = s.addon_versions.get("kube-proxy")
    found = re.match(ADDON_VERSION, proxy) if proxy else None
    if found and int(found.group(1)) != cluster_minor:
        errors.append(f"{k('addonVersions')}.kube-proxy: '{proxy}' is for Kubernetes 1.{found.group(1)}, but the "
                      f"cluster runs {s.kubernetes_version}; kube-proxy must match the cluster's minor version")
    release = re.match(AMI_RELEASE, s.ami_release_version or "")
    if release:
        node_minor = int(release.group(2))
        if node_minor > cluster_minor:
            errors.append(f"{k('amiReleaseVersion')}: nodes at 1.{node_minor} would be newer than the control plane "
                          f"({s.kubernetes_version}); EKS does not allow that. Upgrade the control plane first "
                          f"({k('kubernetesVersion')}), then the nodes")
        elif cluster_minor - node_minor > KUBELET_SKEW:
            errors.append(f"{k('amiReleaseVersion')}: nodes at 1.{node_minor} are {cluster_minor - node_minor} minor "
                          f"versions behind the control plane ({s.kubernetes_version}); EKS supports at most "
                          f"{KUBELET_SKEW}. Roll nodes forward before upgrading the control plane again")
    return errors


@rule("workloads", "repositories", "fargateProfiles", "addons", "computeMode")
def _workloads(s: StackSettings) -> list[str]:
    """Sample apps: images from this stack's repositories, Fargate pods selected by a profile, VPAs and
    load balancers only where their controllers run (in Auto Mode, EKS provisions load balancers)."""
    errors: list[str] = []
    for name, w in sorted(s.workloads.items()):
        key = f"{k('workloads')}.{name}"
        if w.image.repository not in s.repositories:
            errors.append(f"{key}.image.repository: '{w.image.repository}' is not one of this stack's repositories "
                          f"({', '.join(sorted(s.repositories)) or 'none'}); add it to {k('repositories')}")
        if w.fargate and not any(sel.namespace == w.namespace and set(sel.labels.items()) <= {(FARGATE_LABEL, "fargate")}
                                 for profile in s.fargate_profiles.values() for sel in profile.selectors):
            errors.append(f"{key}.fargate: no Fargate profile selects namespace '{w.namespace}' with label "
                          f"{FARGATE_LABEL}: fargate; add one to {k('fargateProfiles')}")
        if w.vpa is not None and not s.addons.vertical_pod_autoscaler:
            errors.append(f"{key}.vpa: {k('addons')}.verticalPodAutoscaler is off, so nothing would act on it")
        if w.exposure is not None and not s.addons.load_balancer_controller and s.compute_mode != "auto":
            errors.append(f"{key}.exposure: {k('addons')}.loadBalancerController is off, so no load balancer "
                          "would be made")
        if w.hpa is not None and not s.addons.metrics_server:
            errors.append(f"{key}.hpa: {k('addons')}.metricsServer is off, so the HPA would have no metrics")
    return errors


def validate(values: dict[str, Any], stack: str) -> tuple[StackSettings | None, list[str]]:
    """``values`` (keys without namespace, as a stack file gives them) read into :class:`StackSettings`: the
    settings, or None and every problem, one line each (``eks-platform:<key>: <what is wrong>``)."""
    try:
        return StackSettings.model_validate(values, context={"stack": stack}), []
    except ValidationError as exc:
        return None, messages(exc, StackSettings)


# -- every key -----------------------------------------------------------------------------------

def _base(annotation: Any) -> Any:
    """``annotation`` without ``Annotated`` metadata and without ``| None``."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, UnionType):
        rest = [a for a in get_args(annotation) if a is not type(None)]
        return _base(rest[0]) if len(rest) == 1 else annotation
    return annotation


def wire_kinds() -> dict[str, str]:
    """How each key's wire string decodes: ``int``, ``bool``, ``str`` for scalars, ``json`` for objects."""
    kinds = {bool: "bool", int: "int", str: "str"}
    return {f.alias or name: kinds.get(_base(f.annotation), "json") for name, f in StackSettings.model_fields.items()}


def defaults() -> dict[str, Any]:
    """The default of each key, as a stack file would write it (None: not set)."""
    return {f.alias or name: f.default for name, f in StackSettings.model_fields.items()}


#: Every key of a stack, with how its wire string decodes.
CONFIG_KEYS = wire_kinds()
