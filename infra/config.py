"""Typed, validated stack configuration for eks-platform.

Where a key configures a component, the parsed value *is* that component's Args class
(``NodeGroupArgs``, ``TeamAccessArgs`` ...): config validates first, with messages that name the key,
then hands the components their own types.

``load_config()`` reads every ``eks-platform:*`` key once, checks it, and returns a frozen
:class:`StackConfig`. Any wrong value raises :class:`ConfigError` (a ``pulumi.RunError``: the CLI and
preflight print its message without a traceback) *before* a single resource is registered. Each line
of the message names the key, says what is wrong and shows a value that would work.

The validators are plain functions over plain values, so tests exercise them without mocks.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import ipaddress
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pydantic import TypeAdapter, ValidationError

from components import FargateSelectorArgs, NodeGroupArgs, RepositoryArgs, TeamAccessArgs
from components.auto_mode import DisruptionBudget as AutoDisruptionBudget
from components.auto_mode import NodeClassArgs as AutoNodeClassArgs
from components.auto_mode import NodePoolArgs as AutoNodePoolArgs
from components.auto_mode import NodePoolTaint as AutoTaint
from components.auto_mode import Requirement as AutoRequirement
from components.compute import Taint
from components.karpenter import DisruptionBudget, KarpenterTaint, NodeClassArgs, NodePoolArgs
from components.workload import FARGATE_LABEL
from infra import config_models as models
from infra import stackfile
from infra.config_models import messages
from preflight import yamlread

NAMESPACE = "eks-platform"

#: EKS upgrade policies (``upgradePolicy.supportType``): STANDARD is upgraded by EKS when standard support ends;
#: EXTENDED stays on its version in paid extended support. Which versions are in which support comes from the
#: EKS lifecycle at preview (``infra/lifecycle.py``), never from a list here.
SUPPORT_TYPES = models.SUPPORT_TYPES

#: Values CloudWatch Logs accepts for retentionInDays.
LOG_RETENTION_DAYS = models.LOG_RETENTION_DAYS

_PRIVATE_NETWORKS = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))


class ConfigError(pulumi.RunError):
    """One or more config values are wrong; the message names each key."""


@dataclass(frozen=True)
class UpdatePolicy:
    """How nodes and add-ons take updates.

    ``latest`` (dev): the newest EKS-optimised AMI release and add-on versions for the cluster version,
    read at each preview. ``pinned`` (staging, prod): exactly the versions in config, promoted from dev.
    """

    channel: str = "pinned"
    ami_release_version: str | None = None
    addon_versions: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SelfManagedSpec:
    """A self-managed node group (pulumi-eks NodeGroupV2), for custom AMIs or bootstrap."""

    instance_type: str
    min_size: int
    desired_size: int
    max_size: int
    ami_id: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    detailed_monitoring: bool = False


_RESERVED_NAMESPACES = {"default", "kube-system", "kube-public", "kube-node-lease"}


@dataclass(frozen=True)
class StackConfig:
    """Everything the stack program needs, validated."""

    stack: str
    vpc_cidr: str
    availability_zones: int | None
    """Legacy zone count: refused by the program with the ``zones`` pinning that keeps today's subnets."""
    kubernetes_version: str
    node_groups: Mapping[str, NodeGroupArgs]
    support_type: str = "STANDARD"
    """EKS upgrade policy: STANDARD (upgraded by EKS when standard support ends) or EXTENDED (paid extended support)."""
    support_warning_days: int = 60
    """Warn at preview this many days before the version's end of (standard or extended) support."""
    highly_available_nat: bool = True
    log_retention_days: int = 90
    tags: Mapping[str, str] = field(default_factory=dict)
    endpoint_public_access: bool = False
    public_access_cidrs: tuple[str, ...] = ()
    cluster_admin_allowlist: tuple[str, ...] = ()
    access: Mapping[str, TeamAccessArgs] = field(default_factory=dict)
    protect_stateful_resources: bool = True
    fargate_profiles: Mapping[str, tuple[FargateSelectorArgs, ...]] = field(default_factory=dict)
    updates: UpdatePolicy = field(default_factory=UpdatePolicy)
    repositories: Mapping[str, RepositoryArgs] = field(default_factory=dict)
    organization_id: str | None = None
    self_managed_node_groups: Mapping[str, SelfManagedSpec] = field(default_factory=dict)
    zones: Mapping[str, int] = field(default_factory=dict)
    """Availability zones (AZ names or zone IDs) pinned to their CIDR slot."""
    repository_prefix: str = ""
    """Prefix of ECR repository names (``<prefix>/<name>``); the stack name unless configured."""
    storage: models.StorageSpec = field(default_factory=models.StorageSpec)
    """Storage drivers (EBS, EFS, FSx for Lustre) and their settings."""
    addons: models.AddonsSpec = field(default_factory=models.AddonsSpec)
    """Load Balancer Controller, metrics-server and VPA switches."""
    workloads: Mapping[str, models.WorkloadSpec] = field(default_factory=dict)
    """Sample apps deployed through the Workload component."""
    pod_security_level: str = "restricted"
    """Pod Security Admission level enforced on team and app namespaces."""
    vpc_endpoints: bool = False
    """Private VPC endpoints for ECR, S3, STS, EC2, CloudWatch Logs and EKS auth."""
    compute_mode: str = "nodegroups"
    """How nodes are provisioned: ``nodegroups`` (Cluster Autoscaler), ``karpenter`` or ``auto`` (EKS Auto Mode)."""
    karpenter: models.KarpenterSpec | None = None
    """Karpenter's controller placement, node classes and node pools (``computeMode: karpenter``)."""
    auto_mode: models.AutoModeSpec | None = None
    """EKS Auto Mode's built-in pools, custom NodeClasses and NodePools (``computeMode: auto``)."""
    retiring_node_groups: tuple[str, ...] = ()
    """Managed node groups kept while workloads move to the new mode's capacity (a compute migration)."""
    advisories: tuple[str, ...] = ()
    """Warnings about values that may be right but cannot be checked (an instance type newer than pulumi-aws)."""
    source: stackfile.StackFile | None = field(default=None, compare=False, repr=False)
    """The stack file the values came from, where the program found it: errors then name its lines."""

    @property
    def migrating(self) -> bool:
        """A compute migration is under way: retiring node groups (and, in Auto Mode, what runs them) stay."""
        return bool(self.retiring_node_groups)

    @property
    def installs_data_plane(self) -> bool:
        """Whether the stack installs the VPC CNI, kube-proxy, CoreDNS, the Pod Identity agent and the EBS CSI
        driver: always but in Auto Mode, where AWS runs them (kept only while node groups retire)."""
        return self.compute_mode != "auto" or self.migrating
    secret_keys: frozenset[str] = frozenset()
    """Keys stored as secrets (``secure:``): read with ``get_secret`` and secret on every resource."""

    def secret(self, key: str, value: Any) -> Any:
        """``value`` as the program should pass it on: the secret Output of ``key`` where it is a secret."""
        if key not in self.secret_keys:
            return value
        cfg = pulumi.Config(NAMESPACE)
        return cfg.get_secret_object(key) if CONFIG_KEYS[key] == "json" else cfg.get_secret(key)

    @property
    def cluster_autoscaler(self) -> bool:
        """Whether the Cluster Autoscaler runs: as configured, else in ``nodegroups`` mode only."""
        configured = self.addons.cluster_autoscaler
        return (self.compute_mode == "nodegroups") if configured is None else configured

    @property
    def load_balancer_controller(self) -> bool:
        """Whether the stack installs the AWS Load Balancer Controller (never in Auto Mode, where EKS runs it)."""
        return self.addons.load_balancer_controller and self.installs_data_plane

    @property
    def cluster_name(self) -> str:
        """The EKS cluster name; also used in subnet discovery tags."""
        return f"eks-{self.stack}"

    def reclaim_policy(self, configured: str | None) -> str:
        """A StorageClass reclaim policy: as configured, else Retain where stateful resources are protected."""
        return configured or ("Retain" if self.protect_stateful_resources else "Delete")

    @property
    def base_tags(self) -> dict[str, str]:
        """Tags on every taggable resource: ownership first, then the configured tags."""
        return {"project": NAMESPACE, "environment": self.stack, "managed-by": "pulumi", **self.tags}


# -- validators (pure) -----------------------------------------------------------------------

def _key(name: str) -> str:
    return f"{NAMESPACE}:{name}"


def check_vpc_cidr(value: Any) -> list[str]:
    key = _key("vpcCidr")
    example = "Example: 10.20.0.0/16"
    if not isinstance(value, str):
        return [f"{key}: must be a string CIDR such as 10.20.0.0/16, got {value!r}"]
    try:
        net = ipaddress.ip_network(value, strict=False)
    except ValueError:
        return [f"{key}: '{value}' is not an IPv4 CIDR. {example}"]
    if net.version != 4:
        return [f"{key}: '{value}' is IPv6; the VPC needs an IPv4 CIDR. {example}"]
    if str(net) != value:
        return [f"{key}: '{value}' has host bits set; use the network address '{net}'"]
    if not any(net.subnet_of(p) for p in _PRIVATE_NETWORKS):  # type: ignore[arg-type]
        return [f"{key}: '{value}' is not a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16). {example}"]
    if not 16 <= net.prefixlen <= 22:
        return [f"{key}: '{value}' is a /{net.prefixlen}; use a /16 to /22 so every AZ gets a private and a public "
                f"subnet. {example}"]
    return []


def check_availability_zones(value: Any) -> list[str]:
    if isinstance(value, bool) or not isinstance(value, int) or not 2 <= value <= 6:
        return [f"{_key('availabilityZones')}: must be a whole number from 2 to 6 (EKS needs subnets in at least "
                f"two AZs), got {value!r}. Example: 3"]
    return []


_AZ_NAME = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+[a-z]$")
_ZONE_ID = re.compile(r"^[a-z]{2,5}\d+-az\d+$")
_ZONES_EXAMPLE = 'Example: {"usw2-az1": 0, "usw2-az2": 1, "usw2-az3": 2}'


def parse_zones(value: Any) -> tuple[dict[str, int], list[str]]:
    """``eks-platform:zones``: availability zones (names or zone IDs) pinned to a CIDR slot each."""
    key = _key("zones")
    if value is None:
        return {}, []
    if not isinstance(value, dict) or not 2 <= len(value) <= 6:
        return {}, [f"{key}: must map 2 to 6 availability zones (zone IDs such as usw2-az1, the same in every "
                    f"account, or names such as us-west-2a) to their CIDR slot, 0 to 5. {_ZONES_EXAMPLE}"]
    errors: list[str] = []
    for zone, slot in sorted(value.items()):
        if not (_AZ_NAME.match(str(zone)) or _ZONE_ID.match(str(zone))):
            errors.append(f"{key}.{zone}: not an availability zone name (us-west-2a) or zone ID (usw2-az1)")
        if isinstance(slot, bool) or not isinstance(slot, int) or not 0 <= slot <= 5:
            errors.append(f"{key}.{zone}: the CIDR slot must be a whole number from 0 to 5, got {slot!r}")
    slots = [s for s in value.values() if isinstance(s, int) and not isinstance(s, bool)]
    taken = sorted({s for s in slots if slots.count(s) > 1})
    if taken:
        errors.append(f"{key}: slot(s) {', '.join(map(str, taken))} given to more than one zone; each zone keeps its "
                      "own slot (its subnets' CIDRs) forever")
    return ({str(z): int(s) for z, s in value.items()} if not errors else {}), errors


def resolve_zones(zones: Mapping[str, int], names: list[str], zone_ids: list[str],
                  source: stackfile.StackFile | None = None) -> list[tuple[str, int]]:
    """(AZ name, slot) for each pinned zone, by slot; a zone the region does not offer is a ConfigError."""
    by_id = dict(zip(zone_ids, names, strict=False))
    resolved, errors = [], []
    for zone, slot in sorted(zones.items(), key=lambda item: item[1]):
        name = zone if zone in names else by_id.get(zone)
        if name is None:
            errors.append(f"{_key('zones')}.{zone}: the region does not offer this zone (it offers "
                          f"{', '.join(f'{n} ({i})' for n, i in zip(names, zone_ids, strict=False))}). Nothing is "
                          "moved silently: restore it, or remove it from zones on purpose (its subnets, and "
                          "everything in them, are then deleted)")
        else:
            resolved.append((name, slot))
    if len({n for n, _ in resolved}) != len(resolved):
        errors.append(f"{_key('zones')}: the same zone is given twice (once by name, once by zone ID)")
    if errors:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(stackfile.locate(errors, source)))
    return resolved


def zones_migration(count: int, available: list[str]) -> str:
    """The message that turns a legacy ``availabilityZones`` count into pinned zones, keeping today's subnets."""
    if count > len(available):
        return (f"{_key('availabilityZones')}: {count} requested but the region has only {len(available)} available "
                f"({', '.join(available)}); lower it to {len(available)}")
    pinned = "\n".join(f"      {zone}: {slot}" for slot, zone in enumerate(available[:count]))
    return (f"{_key('availabilityZones')}: a zone count follows the region's live zone list, so a change in that "
            "list would give subnets new CIDRs and replace them with everything in them. Pin the zones instead; "
            "this keeps today's CIDRs and resource names. Replace availabilityZones in the stack file with:\n"
            f"    {_key('zones')}:\n{pinned}")


#: YAML 1.1's boolean words: the Pulumi CLI reads YAML 1.2, where they are strings.
_YAML11_BOOLS = {"y": True, "yes": True, "on": True, "n": False, "no": False, "off": False}


def yaml11_hint(value: Any) -> str:
    """For a boolean key given ``no``/``yes``/``on``/``off``: why it is a string, and what to write."""
    if isinstance(value, str) and value.lower() in _YAML11_BOOLS:
        return (f" (the Pulumi CLI reads YAML 1.2, where {value} is a string, not a boolean): write "
                f"{str(_YAML11_BOOLS[value.lower()]).lower()}")
    return ""


def check_kubernetes_version(value: Any) -> list[str]:
    """The shape of a version; whether EKS supports it on the day is read at preview (``infra/lifecycle.py``)."""
    if isinstance(value, float) and re.fullmatch(r"1\.\d", str(value)):
        # "1.30" written unquoted, which YAML reads as the number 1.3 (see also check_numbers_read).
        return [f"{_key('kubernetesVersion')}: YAML read a number ({value}): an unquoted {value}0 is the number "
                f"{value}, not the version. Quote it in the stack file: {_key('kubernetesVersion')}: \"{value}0\""]
    if not isinstance(value, str) or not re.fullmatch(r"1\.\d+", value):
        return [f"{_key('kubernetesVersion')}: must be a minor version string such as \"1.35\" (quote it in YAML), "
                f"got {value!r}"]
    return []


def check_support(support_type: Any, warning_days: Any) -> list[str]:
    errors = []
    if support_type not in SUPPORT_TYPES:
        errors.append(f"{_key('supportType')}: 'STANDARD' (EKS upgrades the control plane when standard support "
                      f"ends) or 'EXTENDED' (stay on the version in paid extended support), got {support_type!r}")
    if isinstance(warning_days, bool) or not isinstance(warning_days, int) or not 0 <= warning_days <= 365:
        errors.append(f"{_key('supportWarningDays')}: a whole number of days from 0 to 365 (warn this long before a "
                      f"version's end of support), got {warning_days!r}. Example: 60")
    return errors


def check_log_retention(value: Any) -> list[str]:
    if isinstance(value, bool) or value not in LOG_RETENTION_DAYS:
        return [f"{_key('logRetentionDays')}: {value!r} is not a CloudWatch Logs retention; use one of "
                f"{', '.join(map(str, LOG_RETENTION_DAYS))}. Example: 90"]
    return []


def check_endpoint(public: Any, cidrs: Any) -> list[str]:
    if not isinstance(public, bool):
        return [f"{_key('endpointPublicAccess')}: must be true or false, got {public!r}{yaml11_hint(public)}"]
    valid, errors = _validated(models.Cidrs, "publicAccessCidrs", cidrs)  # each a CIDR, none twice or overlapping
    if errors:
        return errors
    if public and not valid:
        errors.append(f"{_key('publicAccessCidrs')}: a public endpoint ({_key('endpointPublicAccess')}: true) needs "
                      "the CIDRs allowed to reach it. Example: [\"203.0.113.0/24\"]; or set endpointPublicAccess: false")
    if not public and valid:
        errors.append(f"{_key('publicAccessCidrs')}: set only with {_key('endpointPublicAccess')}: true")
    return errors


def _validated(annotation: Any, key: str, value: Any) -> tuple[Any, list[str]]:
    """``value`` validated as ``annotation`` (a pydantic type), or None and one message per bad key."""
    try:
        return TypeAdapter(annotation).validate_python(value), []
    except ValidationError as exc:
        return None, messages(exc, annotation, key)


_NODE_GROUP_EXAMPLE = ('Example: {"general": {"instanceTypes": ["m7i.large"], "minSize": 1, "desiredSize": 2, '
                       '"maxSize": 4}}')


def parse_node_groups(value: Any) -> tuple[dict[str, NodeGroupArgs], list[str]]:
    if not isinstance(value, dict) or not value:
        return {}, [f"{_key('nodeGroups')}: must be a non-empty object keyed by a stable node group name "
                    f"(never a list: the key is part of resource names). {_NODE_GROUP_EXAMPLE}"]
    specs, errors = _validated(models.NodeGroups, "nodeGroups", value)
    if errors:
        return {}, errors
    return {name: NodeGroupArgs(
        instance_types=tuple(g.instance_types), capacity_type=g.capacity_type, ami_type=g.ami_type,
        min_size=g.min_size, desired_size=g.min_size if g.desired_size is None else g.desired_size,
        max_size=g.max_size, max_unavailable=g.max_unavailable,
        max_unavailable_percentage=25 if g.max_unavailable_percentage is None else g.max_unavailable_percentage,
        node_repair=g.node_repair, disk_size_gib=g.disk_size_gi_b, labels=dict(g.labels),
        taints=tuple(Taint(key=t.key, effect=t.effect, value=t.value) for t in g.taints),
        metadata_hop_limit=g.metadata_hop_limit, detailed_monitoring=g.detailed_monitoring)
        for name, g in sorted(specs.items())}, []


def parse_tags(value: Any) -> tuple[dict[str, str], list[str]]:
    if value is None:
        return {}, []
    tags, errors = _validated(models.Tags, "tags", value)
    return (dict(tags) if tags is not None else {}), errors


def parse_role_list(key: str, value: Any) -> tuple[tuple[str, ...], list[str]]:
    if value is None:
        return (), []
    roles, errors = _validated(list[models.RoleArn], key, value)  # type: ignore[name-defined]
    return (tuple(roles) if roles is not None else ()), errors


def parse_access(value: Any, allowlist: tuple[str, ...]) -> tuple[dict[str, TeamAccessArgs], list[str]]:
    """Validate ``eks-platform:access``: teams keyed by a stable name."""
    if value is None:
        return {}, []
    specs, errors = _validated(models.Teams, "access", value)
    if errors:
        return {}, errors
    teams: dict[str, TeamAccessArgs] = {}
    for team, spec in sorted(specs.items()):
        where = f"{_key('access')}.{team}"
        if spec.level == "cluster-admin":
            if spec.role_arn not in allowlist:
                errors.append(f"{where}: cluster-admin is only for roles in {_key('clusterAdminAllowlist')}; add "
                              f"{spec.role_arn!r} there or use namespace-admin")
            if spec.namespaces:
                errors.append(f"{where}.namespaces: cluster-admin is cluster-wide; remove namespaces")
        elif not spec.namespaces:
            errors.append(f"{where}.namespaces: {spec.level} needs at least one namespace. Example: [\"{team}\"]")
        for ns in spec.namespaces:
            if ns in _RESERVED_NAMESPACES:
                errors.append(f"{where}.namespaces: '{ns}' is a system namespace; give the team its own")
        teams[team] = TeamAccessArgs(role_arn=spec.role_arn, level=spec.level, namespaces=tuple(spec.namespaces))
    return (teams if not errors else {}), errors


def parse_fargate_profiles(value: Any) -> tuple[dict[str, tuple[FargateSelectorArgs, ...]], list[str]]:
    if value is None:
        return {}, []
    specs, errors = _validated(models.FargateProfiles, "fargateProfiles", value)
    if errors:
        return {}, errors
    return {name: tuple(FargateSelectorArgs(namespace=s.namespace, labels=dict(s.labels)) for s in p.selectors)
            for name, p in sorted(specs.items())}, []


def parse_repositories(value: Any, prefix: str) -> tuple[dict[str, RepositoryArgs], list[str]]:
    if value is None:
        return {}, []
    specs, errors = _validated(models.Repositories, "repositories", value)
    if errors:
        return {}, errors
    # Resource names replace '/' with '-': two repositories must not end up with one name.
    by_resource: dict[str, list[str]] = {}
    for name in specs:
        by_resource.setdefault(name.replace("/", "-"), []).append(name)
    for resource, names in sorted(by_resource.items()):
        if len(names) > 1:
            errors.append(f"{_key('repositories')}: {' and '.join(sorted(names))} would both be resource "
                          f"'{prefix}-registry-{resource}'; rename one")
    return ({name: RepositoryArgs(keep_images=r.keep_images, untagged_expiry_days=r.untagged_expiry_days)
             for name, r in sorted(specs.items())} if not errors else {}), errors


def parse_self_managed(value: Any) -> tuple[dict[str, SelfManagedSpec], list[str]]:
    if value is None:
        return {}, []
    specs, errors = _validated(models.SelfManagedGroups, "selfManagedNodeGroups", value)
    if errors:
        return {}, errors
    return {name: SelfManagedSpec(instance_type=g.instance_type, min_size=g.min_size,
                                  desired_size=g.min_size if g.desired_size is None else g.desired_size,
                                  max_size=g.max_size, ami_id=g.ami_id, labels=dict(g.labels),
                                  detailed_monitoring=g.detailed_monitoring)
            for name, g in sorted(specs.items())}, []


_RELEASE = re.compile(r"^(\d+)\.(\d+)\.\d+-\d{8}$")
_ADDON_VERSION = re.compile(r"^v\d+\.(\d+)\.\d+-eksbuild\.\d+$")
#: Add-ons the stack installs; pinned environments must name a version for each.
MANAGED_ADDONS = ("coredns", "eks-pod-identity-agent", "kube-proxy", "vpc-cni")
#: Oldest kubelet minor EKS supports against a control plane (n-3 from Kubernetes 1.28 on).
KUBELET_SKEW = 3


def check_node_skew(control_plane: str, release: str) -> list[str]:
    """Refuse node releases newer than the control plane or more than three minors behind it."""
    m = _RELEASE.match(release)
    if not m:
        return [f"{_key('amiReleaseVersion')}: '{release}' is not an EKS AMI release version such as "
                "'1.35.0-20261101' (the release_version output of dev)"]
    node_minor, cp_minor = int(m.group(2)), int(control_plane.split(".")[1])
    if node_minor > cp_minor:
        return [f"{_key('amiReleaseVersion')}: nodes at 1.{node_minor} would be newer than the control plane "
                f"({control_plane}); EKS does not allow that. Upgrade the control plane first "
                f"({_key('kubernetesVersion')}), then the nodes"]
    if cp_minor - node_minor > KUBELET_SKEW:
        return [f"{_key('amiReleaseVersion')}: nodes at 1.{node_minor} are {cp_minor - node_minor} minor versions "
                f"behind the control plane ({control_plane}); EKS supports at most {KUBELET_SKEW}. Roll nodes "
                "forward before upgrading the control plane again"]
    return []


def parse_storage(value: Any) -> tuple[models.StorageSpec, list[str]]:
    """The storage drivers and their settings (EBS always; EFS on and FSx off unless configured)."""
    if value is None:
        return models.StorageSpec(), []
    spec, errors = _validated(models.StorageSpec, "storage", value)
    return (spec if not errors else models.StorageSpec()), errors


def optional_addons(storage: models.StorageSpec, addons: models.AddonsSpec,
                    node_groups: Mapping[str, NodeGroupArgs] | None = None, mode: str = "nodegroups") -> tuple[str, ...]:
    """The EKS add-ons a stack runs beyond the core four (their versions are pinned like the core add-ons'):
    storage drivers, metrics-server, and the node monitoring agent where a node group auto-repairs. In Auto
    Mode EKS runs the EBS CSI driver itself."""
    repair = any(g.node_repair for g in (node_groups or {}).values())
    return (("aws-ebs-csi-driver",) if mode != "auto" else ()) + \
        (("aws-efs-csi-driver",) if storage.efs.enabled else ()) + \
        (("aws-fsx-csi-driver",) if storage.fsx.enabled else ()) + \
        (("metrics-server",) if addons.metrics_server else ()) + (("eks-node-monitoring-agent",) if repair else ())


#: What EKS Auto Mode runs itself: a stack in ``computeMode: auto`` installs none of these.
AUTO_MODE_RUNS = ("vpc-cni", "kube-proxy", "coredns", "eks-pod-identity-agent", "aws-ebs-csi-driver",
                  "eks-node-monitoring-agent")
_MODES_EXAMPLE = "nodegroups (managed node groups and the Cluster Autoscaler), karpenter or auto (EKS Auto Mode)"


def parse_karpenter(value: Any) -> tuple[models.KarpenterSpec | None, list[str]]:
    if value is None:
        return None, []
    return _validated(models.KarpenterSpec, "karpenter", value)


def karpenter_args(spec: models.KarpenterSpec) -> tuple[dict[str, NodeClassArgs], dict[str, NodePoolArgs]]:
    """The Karpenter component's node classes and pools from the validated config."""
    classes = {k: NodeClassArgs(volume_size_gib=c.volume_size_gi_b, tags=dict(c.tags))
               for k, c in sorted(spec.node_classes.items())}
    pools = {k: NodePoolArgs(
        cpu_limit=p.limits.cpu, memory_limit=p.limits.memory, node_class=p.node_class,
        instance_categories=tuple(p.instance_categories or ()), instance_families=tuple(p.instance_families or ()),
        capacity_types=tuple(p.capacity_types), architectures=tuple(p.architectures),
        consolidation_policy=p.consolidation_policy, consolidate_after=p.consolidate_after,
        expire_after=p.expire_after, termination_grace_period=p.termination_grace_period,
        budgets=tuple(DisruptionBudget(nodes=b.nodes, schedule=b.schedule, duration=b.duration,
                                       reasons=tuple(b.reasons) if b.reasons else None) for b in p.budgets),
        taints=tuple(KarpenterTaint(key=t.key, effect=t.effect, value=t.value) for t in p.taints),
        labels=dict(p.labels), weight=p.weight) for k, p in sorted(spec.node_pools.items())}
    return classes, pools


def auto_mode_args(spec: models.AutoModeSpec) -> tuple[dict[str, AutoNodeClassArgs], dict[str, AutoNodePoolArgs]]:
    """The AutoMode component's custom NodeClasses and NodePools from the validated config."""
    classes = {k: AutoNodeClassArgs(network_policy=c.network_policy,
                                    network_policy_event_logs=c.network_policy_event_logs,
                                    ephemeral_storage_size=f"{c.ephemeral_storage_gi_b}Gi", snat_policy=c.snat_policy)
               for k, c in sorted(spec.node_classes.items())}
    pools = {k: AutoNodePoolArgs(
        cpu_limit=p.limits.cpu, memory_limit=p.limits.memory, node_class=p.node_class,
        instance_categories=tuple(p.instance_categories or ()),
        requirements=(AutoRequirement("eks.amazonaws.com/instance-family", "In", tuple(p.instance_families)),)
        if p.instance_families else (),
        capacity_types=tuple(p.capacity_types), architectures=tuple(p.architectures),
        consolidation_policy=p.consolidation_policy,
        consolidate_after=p.consolidate_after,
        budgets=tuple(AutoDisruptionBudget(nodes=b.nodes, schedule=b.schedule, duration=b.duration,
                                           reasons=tuple(b.reasons or ())) for b in p.budgets),
        expire_after=p.expire_after, termination_grace_period=p.termination_grace_period,
        taints=tuple(AutoTaint(key=t.key, effect=t.effect, value=t.value) for t in p.taints),
        labels=dict(p.labels), weight=p.weight) for k, p in sorted(spec.node_pools.items())}
    return classes, pools


def compute_plan(cfg: StackConfig) -> tuple[str, bool]:
    """What the stack's compute mode runs and leaves out, for the preview's log: (message, migration pending).

    Pulumi state is not visible to the program, so the message says what *this* config keeps, adds and no
    longer runs: a stack coming from another mode sees the difference in the preview's creates and deletes.
    """
    mode = cfg.compute_mode
    kept = [g for g in sorted(cfg.node_groups) if g not in cfg.retiring_node_groups]
    if mode == "nodegroups":
        return (f"computeMode nodegroups: managed node group(s) {', '.join(kept)}"
                f"{' scaled by the Cluster Autoscaler' if cfg.cluster_autoscaler else ''}."), False
    parts = [f"computeMode {mode}:"]
    if mode == "karpenter" and cfg.karpenter is not None:
        home = cfg.karpenter.controller_node_group or f"Fargate profile {cfg.karpenter.controller_fargate_profile}"
        parts.append(f"Karpenter provisions nodes for node pool(s) {', '.join(sorted(cfg.karpenter.node_pools))}; "
                     f"its controller and CoreDNS run on {home}.")
    else:
        parts.append("EKS Auto Mode provisions nodes and runs the VPC CNI, kube-proxy, CoreDNS, the EBS CSI driver "
                     "and load balancing; the stack installs none of them.")
    parts.append("No Cluster Autoscaler: a stack moving from nodegroups sees it deleted in this preview.")
    if cfg.retiring_node_groups:
        parts.append(f"Retiring node group(s) {', '.join(cfg.retiring_node_groups)} are kept at their current size "
                     "while workloads move: once the new capacity is Ready, cordon and drain them (kubectl drain "
                     "respects PodDisruptionBudgets), then remove them from nodeGroups and retiringNodeGroups; that "
                     "preview deletes them. See docs/MIGRATION-compute.md.")
    return " ".join(parts), bool(cfg.retiring_node_groups)


def check_compute(mode: Any, values: Mapping[str, Any], karpenter: models.KarpenterSpec | None,
                  node_groups: Mapping[str, NodeGroupArgs], fargate: Mapping[str, tuple[FargateSelectorArgs, ...]],
                  retiring: tuple[str, ...], auto_mode: models.AutoModeSpec | None = None) -> list[str]:
    """Combinations of ``computeMode`` with other keys that would run two of the same thing, or nothing.

    ``values`` are the raw config values: what matters is what the stack file *sets*, not the defaults.
    """
    if mode not in models.COMPUTE_MODES:
        return [f"{_key('computeMode')}: must be one of {_MODES_EXAMPLE}, got {mode!r}"]
    errors: list[str] = []
    raw_addons = values.get("addons") if isinstance(values.get("addons"), dict) else {}
    pinned = values.get("addonVersions") if isinstance(values.get("addonVersions"), dict) else {}
    if karpenter is not None and mode != "karpenter":
        errors.append(f"{_key('karpenter')}: set only with {_key('computeMode')}: karpenter (this stack is {mode}); "
                      "remove it or switch the mode")
    if auto_mode is not None and mode != "auto":
        errors.append(f"{_key('autoMode')}: set only with {_key('computeMode')}: auto (this stack is {mode}); "
                      "remove it or switch the mode")
    if mode == "nodegroups":
        if retiring:
            errors.append(f"{_key('retiringNodeGroups')}: only during a move to karpenter or auto; remove it")
        return errors
    if raw_addons.get("clusterAutoscaler") is True:
        errors.append(f"{_key('addons')}.clusterAutoscaler: {_key('computeMode')}: {mode} provisions nodes itself; a "
                      "Cluster Autoscaler would fight it. Remove the key (the autoscaler is off in this mode)")
    unknown = [g for g in retiring if g not in node_groups]
    if unknown:
        errors.append(f"{_key('retiringNodeGroups')}: {', '.join(unknown)} not in {_key('nodeGroups')} (it has "
                      f"{', '.join(sorted(node_groups)) or 'none'}); a retired group leaves both lists together")
    if mode == "karpenter":
        if karpenter is None and values.get("karpenter") is not None:
            return errors  # its own messages name what is wrong in it
        if karpenter is None:
            errors.append(f"{_key('karpenter')}: required with {_key('computeMode')}: karpenter: the controller's "
                          "node group and at least one node pool. Example: {\"controllerNodeGroup\": \"system\", "
                          "\"nodePools\": {\"general\": {\"instanceCategories\": [\"c\", \"m\", \"r\"], "
                          "\"limits\": {\"cpu\": \"256\", \"memory\": \"1024Gi\"}}}}")
            return errors
        home = karpenter.controller_node_group
        if home is not None and home not in node_groups:
            errors.append(f"{_key('karpenter')}.controllerNodeGroup: '{home}' is not in {_key('nodeGroups')} (it has "
                          f"{', '.join(sorted(node_groups)) or 'none'}); Karpenter and CoreDNS need a small managed "
                          "node group that Karpenter does not manage")
        elif home is not None and home in retiring:
            errors.append(f"{_key('karpenter')}.controllerNodeGroup: '{home}' is listed in "
                          f"{_key('retiringNodeGroups')}; the controller's group stays")
        profile = karpenter.controller_fargate_profile
        if profile is not None and not any(s.namespace == "kube-system" and not s.labels
                                           for s in fargate.get(profile, ())):
            errors.append(f"{_key('karpenter')}.controllerFargateProfile: '{profile}' must be in "
                          f"{_key('fargateProfiles')} with a selector for namespace kube-system (no labels), where "
                          "Karpenter and CoreDNS run")
        extra = sorted(set(node_groups) - {home} - set(retiring))
        if extra:
            errors.append(f"{_key('nodeGroups')}: {', '.join(extra)} would be scaled by nothing in computeMode "
                          f"karpenter (only the controller's group, '{home or profile}', stays). Move their capacity "
                          f"to {_key('karpenter')}.nodePools; while workloads move, list them in "
                          f"{_key('retiringNodeGroups')} (docs/MIGRATION-compute.md)")
        return errors
    # auto: EKS runs the data-plane add-ons, block storage and load balancing itself. While node groups retire
    # the stack keeps its own (the retiring nodes need them); after that, a second copy would fight AWS's.
    clashes = [f"{_key('addons')}.loadBalancerController"] if raw_addons.get("loadBalancerController") else []
    clashes += [f"{_key('addonVersions')}.{a}" for a in AUTO_MODE_RUNS if a in pinned]
    if clashes and not retiring:
        errors.append(f"{_key('computeMode')}: auto runs the VPC CNI, kube-proxy, CoreDNS, the Pod Identity agent, the "
                      f"EBS CSI driver and load balancing itself, so a second copy would fight it: remove "
                      f"{', '.join(clashes)}")
    for pool, spec in sorted((auto_mode.node_pools if auto_mode is not None else {}).items()):
        never = [k for k, v in (("expireAfter", spec.expire_after), ("consolidateAfter", spec.consolidate_after))
                 if v == "Never"]
        if never:
            errors.append(f"{_key('autoMode')}.nodePools.{pool}.{never[0]}: Auto Mode takes a duration here, not "
                          "Never (nodes that never expire are never patched). Example: 720h")
    if values.get("selfManagedNodeGroups") and not retiring:
        errors.append(f"{_key('selfManagedNodeGroups')}: computeMode auto installs no VPC CNI or kube-proxy for "
                      "self-managed nodes; move them to Auto Mode node pools (while they move, list a managed group "
                      f"in {_key('retiringNodeGroups')})")
    extra = sorted(set(node_groups) - set(retiring))
    if extra:
        errors.append(f"{_key('nodeGroups')}: {', '.join(extra)} in computeMode auto; Auto Mode's node pools "
                      f"provision nodes. While workloads move, list them in {_key('retiringNodeGroups')}, then remove "
                      "both (docs/MIGRATION-compute.md)")
    return errors


def parse_addons(value: Any) -> tuple[models.AddonsSpec, list[str]]:
    if value is None:
        return models.AddonsSpec(), []
    spec, errors = _validated(models.AddonsSpec, "addons", value)
    return (spec if not errors else models.AddonsSpec()), errors


def parse_workloads(value: Any, repositories: Mapping[str, Any], fargate: Mapping[str, Any],
                    addons: models.AddonsSpec, auto_mode: bool = False) -> tuple[dict[str, models.WorkloadSpec], list[str]]:
    """Sample apps: images from this stack's repositories, Fargate pods selected by a profile, VPAs and
    load balancers only where their controllers run (in Auto Mode, EKS provisions load balancers)."""
    if value is None:
        return {}, []
    specs, errors = _validated(models.Workloads, "workloads", value)
    if errors:
        return {}, errors
    for name, w in sorted(specs.items()):
        key = f"{_key('workloads')}.{name}"
        if w.image.repository not in repositories:
            errors.append(f"{key}.image.repository: '{w.image.repository}' is not one of this stack's repositories "
                          f"({', '.join(sorted(repositories)) or 'none'}); add it to {_key('repositories')}")
        if w.fargate and not any(s.namespace == w.namespace and set(s.labels.items()) <= {(FARGATE_LABEL, "fargate")}
                                 for selectors in fargate.values() for s in selectors):
            errors.append(f"{key}.fargate: no Fargate profile selects namespace '{w.namespace}' with label "
                          f"{FARGATE_LABEL}: fargate; add one to {_key('fargateProfiles')}")
        if w.vpa is not None and not addons.vertical_pod_autoscaler:
            errors.append(f"{key}.vpa: {_key('addons')}.verticalPodAutoscaler is off, so nothing would act on it")
        if w.exposure is not None and not addons.load_balancer_controller and not auto_mode:
            errors.append(f"{key}.exposure: {_key('addons')}.loadBalancerController is off, so no load balancer "
                          "would be made")
        if w.hpa is not None and not addons.metrics_server:
            errors.append(f"{key}.hpa: {_key('addons')}.metricsServer is off, so the HPA would have no metrics")
    return (specs if not errors else {}), errors


def parse_updates(channel: Any, release: Any, addons: Any, kubernetes_version: str,
                  extra_addons: tuple[str, ...] = (), core: tuple[str, ...] = MANAGED_ADDONS,
                  nodes: bool = True) -> tuple[UpdatePolicy, list[str]]:
    """``nodes``: whether anything runs the AMI release (node groups or Karpenter; not Auto Mode alone)."""
    errors: list[str] = []
    if channel not in ("latest", "pinned"):
        return UpdatePolicy(), [f"{_key('updateChannel')}: must be 'latest' (dev: newest AMI and add-ons at each "
                                f"preview) or 'pinned' (versions promoted in config), got {channel!r}"]
    if addons is None:
        addons = {}
    if not isinstance(addons, dict) or not all(isinstance(v, str) for v in addons.values()):
        return UpdatePolicy(), [f"{_key('addonVersions')}: must map add-on names to versions such as "
                                "'v1.20.5-eksbuild.1'"]
    running = core + extra_addons
    unknown = sorted(set(addons) - set(running))
    if unknown:
        errors.append(f"{_key('addonVersions')}: add-on(s) {', '.join(unknown)} not run by this stack; "
                      f"it runs: {', '.join(running)}")
    for name, version in sorted(addons.items()):
        m = _ADDON_VERSION.match(version)
        if not m:
            errors.append(f"{_key('addonVersions')}.{name}: '{version}' is not an EKS add-on version such as "
                          "'v1.20.5-eksbuild.1'")
        elif name == "kube-proxy" and check_kubernetes_version(kubernetes_version) == [] and \
                int(m.group(1)) != int(kubernetes_version.split(".")[1]):
            errors.append(f"{_key('addonVersions')}.kube-proxy: '{version}' is for Kubernetes 1.{m.group(1)}, but the "
                          f"cluster runs {kubernetes_version}; kube-proxy must match the cluster's minor version")
    if channel == "pinned":
        missing = [a for a in running if a not in addons]
        if release is None and nodes:
            errors.append(f"{_key('amiReleaseVersion')}: required with updateChannel 'pinned'; promote dev's "
                          "release_version output (e.g. '1.35.0-20261101')")
        if missing:
            errors.append(f"{_key('addonVersions')}: updateChannel 'pinned' needs a version for "
                          f"{', '.join(missing)}; promote dev's addon_versions output")
    if release is not None:
        if not isinstance(release, str):
            errors.append(f"{_key('amiReleaseVersion')}: must be a string such as '1.35.0-20261101'")
        elif check_kubernetes_version(kubernetes_version) == []:
            errors += check_node_skew(kubernetes_version, release)
    return UpdatePolicy(channel=channel, ami_release_version=release, addon_versions=dict(addons)), errors


# -- loading ---------------------------------------------------------------------------------

def _decode(kind: str, raw: str) -> Any:
    """Decode a config wire string by the key's kind; leave it raw when it does not decode."""
    if kind == "int":
        try:
            return int(raw)
        except ValueError:
            return raw
    if kind == "bool":
        return {"true": True, "false": False}.get(raw.lower(), raw)
    if kind == "json":
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


#: Every key this stack reads, with how its wire string decodes (from the one statement of the keys,
#: :class:`infra.config_models.StackKeys`).
CONFIG_KEYS = models.wire_kinds()
#: Each key's default where it has one (Pulumi.yaml declares the same; a test holds them equal).
DEFAULTS = {key: value for key, value in models.defaults().items() if value is not None}


def invalid(stack: str, errors: list[str], source: stackfile.StackFile | None = None) -> ConfigError:
    """The error for ``errors``: one line each, ``file:line:`` first where the key is in the stack file."""
    return ConfigError(f"invalid configuration for stack '{stack}':\n  " + "\n  ".join(stackfile.locate(errors, source)))


def build_config(stack: str, values: Mapping[str, Any], source: stackfile.StackFile | None = None) -> StackConfig:
    """Validate plain values (keys without namespace) into a :class:`StackConfig`; errors name the lines of
    ``source``, the stack file the values came from, where given. A key not given takes its default."""
    values = {**DEFAULTS, **values}
    errors: list[str] = []
    vpc_cidr = values["vpcCidr"]
    errors += check_vpc_cidr(vpc_cidr)
    azs = values.get("availabilityZones")
    if azs is not None:
        errors += check_availability_zones(azs)
    zones, zone_errors = parse_zones(values.get("zones"))
    errors += zone_errors
    if azs is not None and values.get("zones") is not None:
        errors.append(f"{_key('availabilityZones')}: remove it; {_key('zones')} pins the zones")
    elif azs is None and values.get("zones") is None:
        errors.append(f"{_key('zones')}: required: the availability zones to use, each pinned to a CIDR slot. "
                      f"{_ZONES_EXAMPLE}")
    version = values["kubernetesVersion"]
    errors += check_kubernetes_version(version)
    support_type = values["supportType"]
    warning_days = values["supportWarningDays"]
    errors += check_support(support_type, warning_days)
    mode = values["computeMode"]
    node_groups, ng_errors = ({}, []) if mode == "auto" and values.get("nodeGroups") is None else \
        parse_node_groups(values.get("nodeGroups"))
    errors += ng_errors
    ha_nat = values["highlyAvailableNat"]
    if not isinstance(ha_nat, bool):
        errors.append(f"{_key('highlyAvailableNat')}: must be true or false, got {ha_nat!r}{yaml11_hint(ha_nat)}")
    retention = values["logRetentionDays"]
    errors += check_log_retention(retention)
    tags, tag_errors = parse_tags(values.get("tags"))
    errors += tag_errors
    public = values["endpointPublicAccess"]
    cidrs = values["publicAccessCidrs"]
    errors += check_endpoint(public, cidrs)
    allowlist, allow_errors = parse_role_list("clusterAdminAllowlist", values.get("clusterAdminAllowlist"))
    errors += allow_errors
    access, access_errors = parse_access(values.get("access"), allowlist)
    errors += access_errors
    protect = values["protectStatefulResources"]
    if not isinstance(protect, bool):
        errors.append(f"{_key('protectStatefulResources')}: must be true or false, got {protect!r}{yaml11_hint(protect)}")
    fargate, fargate_errors = parse_fargate_profiles(values.get("fargateProfiles"))
    errors += fargate_errors
    storage, storage_errors = parse_storage(values.get("storage"))
    errors += storage_errors
    addons, addon_errors = parse_addons(values.get("addons"))
    errors += addon_errors
    karpenter, karpenter_errors = parse_karpenter(values.get("karpenter"))
    errors += karpenter_errors
    retiring, retiring_errors = _validated(models.RetiringNodeGroups, "retiringNodeGroups",
                                           values["retiringNodeGroups"])
    errors += retiring_errors
    retiring = tuple(retiring or ())
    self_managed_raw = values.get("selfManagedNodeGroups")
    auto_mode, auto_errors = (None, []) if values.get("autoMode") is None else \
        _validated(models.AutoModeSpec, "autoMode", values["autoMode"])
    errors += auto_errors
    errors += check_compute(mode, values, karpenter, node_groups, fargate, retiring, auto_mode)
    if mode == "auto" and auto_mode is None and not auto_errors:
        auto_mode = models.AutoModeSpec()
    auto = mode == "auto" and not retiring  # while node groups retire, the stack keeps its data-plane add-ons
    updates, update_errors = parse_updates(values["updateChannel"], values.get("amiReleaseVersion"),
                                           values.get("addonVersions"), version if isinstance(version, str) else "",
                                           optional_addons(storage, addons, node_groups,
                                                           "auto" if auto else "nodegroups"),
                                           core=tuple(a for a in MANAGED_ADDONS if not (auto and a in AUTO_MODE_RUNS)),
                                           nodes=bool(node_groups) or karpenter is not None or bool(self_managed_raw))
    errors += update_errors
    repositories, repo_errors = parse_repositories(values.get("repositories"), stack)
    errors += repo_errors
    org = values.get("organizationId")
    if org is not None and not (isinstance(org, str) and re.match(r"^o-[a-z0-9]{10,32}$", org)):
        errors.append(f"{_key('organizationId')}: {org!r} is not an AWS Organizations id such as o-a1b2c3d4e5")
    prefix = values.get("repositoryPrefix", stack)
    if not isinstance(prefix, str) or not re.match(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$", prefix):
        errors.append(f"{_key('repositoryPrefix')}: {prefix!r} is not an ECR name part (lowercase letters, digits "
                      "and . _ - between them); repositories are named <prefix>/<name>. Example: acme-dev")
    self_managed, sm_errors = parse_self_managed(values.get("selfManagedNodeGroups"))
    errors += sm_errors
    workloads, workload_errors = parse_workloads(values.get("workloads"), repositories, fargate, addons,
                                                 auto_mode=mode == "auto")
    errors += workload_errors
    endpoints = values["vpcEndpoints"]
    if not isinstance(endpoints, bool):
        errors.append(f"{_key('vpcEndpoints')}: must be true or false, got {endpoints!r}{yaml11_hint(endpoints)}")
    pod_security = values["podSecurityLevel"]
    if pod_security not in ("restricted", "baseline"):
        errors.append(f"{_key('podSecurityLevel')}: 'restricted' (enforced, prod) or 'baseline' (enforced, with "
                      f"restricted warned and audited), got {pod_security!r}")
    if updates.channel == "pinned":
        for name, group in node_groups.items():
            if group.ami_type.startswith("BOTTLEROCKET"):
                errors.append(f"{_key('nodeGroups')}.{name}.amiType: Bottlerocket releases cannot be pinned yet "
                              f"({_key('amiReleaseVersion')} is an AL2023 release); use an AL2023 AMI type in "
                              "pinned stacks, or updateChannel 'latest'")
    if errors:
        raise invalid(stack, errors, source)
    advisories = [f"{_key('nodeGroups')}.{name}.instanceTypes[{i}]: {advice}" for name, group in node_groups.items()
                  for i, kind in enumerate(group.instance_types) if (advice := models.instance_type_advisory(kind))]
    advisories += [f"{_key('selfManagedNodeGroups')}.{name}.instanceType: {advice}"
                   for name, group in self_managed.items() if (advice := models.instance_type_advisory(group.instance_type))]
    return StackConfig(source=source, advisories=tuple(advisories), stack=stack, vpc_cidr=vpc_cidr, availability_zones=azs, kubernetes_version=version,
                       node_groups=node_groups, support_type=support_type, support_warning_days=warning_days, highly_available_nat=ha_nat, log_retention_days=retention,
                       tags=tags, endpoint_public_access=public, public_access_cidrs=tuple(cidrs),
                       cluster_admin_allowlist=allowlist, access=access, protect_stateful_resources=protect,
                       fargate_profiles=fargate, updates=updates, repositories=repositories, organization_id=org,
                       self_managed_node_groups=self_managed, zones=zones, repository_prefix=prefix,
                       storage=storage, addons=addons, workloads=workloads, pod_security_level=pod_security,
                       vpc_endpoints=endpoints, compute_mode=mode, karpenter=karpenter, retiring_node_groups=retiring,
                       auto_mode=auto_mode)


@functools.cache
def _aws_provider_keys() -> frozenset[str]:
    """The config keys pulumi-aws's provider reads (``aws:<key>``), from the installed SDK."""
    import inspect

    from pulumi_aws.config import vars as aws_vars

    return frozenset(re.findall(r"__config__\.get(?:_\w+)?\('(\w+)'", inspect.getsource(aws_vars)))


@functools.cache
def _aws_regions() -> tuple[str, ...]:
    import pulumi_aws

    return tuple(str(r.value) for r in pulumi_aws.Region)


def _unknown(key: str, namespace: str, known: Any, what: str) -> str:
    near = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.75)
    hint = f"did you mean {namespace}:{near[0]}?" if near else f"{what}"
    return f"{namespace}:{key}: unknown key; {hint} A key nothing reads is a setting that silently does not apply"


def check_namespaces(config: Mapping[str, str]) -> list[str]:
    """Keys of this project's namespace and of ``aws:`` that nothing reads (typos), and the AWS region."""
    errors: list[str] = []
    aws_keys = _aws_provider_keys()
    for full in sorted(config):
        namespace, _, key = full.partition(":")
        if namespace == NAMESPACE and key not in CONFIG_KEYS:
            errors.append(_unknown(key, NAMESPACE, CONFIG_KEYS, f"known keys: {', '.join(sorted(CONFIG_KEYS))}."))
        elif namespace == "aws" and key not in aws_keys:
            errors.append(_unknown(key, "aws", aws_keys, "pulumi-aws reads no such provider setting."))
    regions = _aws_regions()
    region = config.get("aws:region")
    if region is None:
        errors.append("aws:region: required; set the region to deploy to, e.g. `pulumi config set aws:region us-west-2`")
    elif region not in regions:
        near = difflib.get_close_matches(str(region), regions, n=1, cutoff=0.8)
        errors.append(f"aws:region: {region!r} is not an AWS region pulumi-aws knows"
                      + (f"; did you mean {near[0]}?" if near else "; e.g. us-west-2"))
    return errors


#: ARNs of resources that live in one region and can only be used there: an ALB takes a certificate from
#: its own region's ACM, a KMS key encrypts only in its own region.
_REGION_BOUND_ARN = re.compile(r"^arn:aws(?:-cn|-us-gov)?:(acm|kms):([a-z0-9-]*):")


def check_region_bound_arns(config: Mapping[str, str]) -> list[str]:
    """Each ACM certificate or KMS key ARN in the stack's config (any key, any depth) that names another region
    than ``aws:region``: one error per value, naming the key (a copied stack file keeps its old ARNs)."""
    region = config.get("aws:region")
    if not region:
        return []  # check_namespaces reports the missing region
    errors: list[str] = []

    def walk(path: str, value: Any) -> None:
        if isinstance(value, Mapping):
            for k, v in value.items():
                walk(f"{path}.{k}", v)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(f"{path}[{i}]", v)
        elif isinstance(value, str):
            found = _REGION_BOUND_ARN.match(value)
            if found and found.group(2) != region:
                service = {"acm": "an ACM certificate", "kms": "a KMS key"}[found.group(1)]
                errors.append(f"{path}: {service} in {found.group(2) or 'no region'} ({value}), but the stack deploys "
                              f"to aws:region {region}; {found.group(1).upper()} resources are used only in their "
                              f"own region: create or import it in {region} and use that ARN")

    for key in sorted(config):
        if key.startswith(f"{NAMESPACE}:"):
            raw = config[key]
            try:
                value = json.loads(raw) if isinstance(raw, str) else raw
            except ValueError:
                value = raw
            walk(key, value)
    return errors


def all_config() -> dict[str, str]:
    """Every config key of the stack, as the language host passes it (environment) and the runtime holds it."""
    from pulumi.runtime import config as runtime_config

    return {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}


#: Keys that may be stored as secrets: their values only ever reach resource inputs, so they stay secret.
#: Every other key shapes names, counts and plain inputs, where a secret would leak or break the program.
SECRET_CAPABLE = ("organizationId", "publicAccessCidrs")


def check_secret_keys(secret_keys: frozenset[str]) -> list[str]:
    return [f"{_key(key)}: stored as a secret (secure:), but it shapes resource names and plain inputs, where it "
            f"would not stay secret; store it as plain config (pulumi config set {key} <value>). Keys that may be "
            f"secrets: {', '.join(SECRET_CAPABLE)}" for key in sorted(secret_keys - set(SECRET_CAPABLE))]


def _secret_keys() -> frozenset[str]:
    from pulumi.runtime import config as runtime_config

    names = set(runtime_config.get_config_secret_keys_env()) | set(runtime_config._SECRET_KEYS.get())
    return frozenset(k.split(":", 1)[1] for k in names if k.startswith(f"{NAMESPACE}:"))


def stack_file(stack: str) -> stackfile.StackFile | None:
    """This stack's file read with positions (see :mod:`infra.stackfile`), or None where there is none."""
    path = stackfile.find(stack)
    if path is None:
        return None
    try:
        return stackfile.read(path)
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path} is not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    except ValueError as exc:  # yamlread.YamlError: names file and line
        raise ConfigError(f"invalid configuration for stack '{stack}':\n  {exc}") from None


def check_numbers_read(source: stackfile.StackFile) -> list[str]:
    """String keys written as unquoted numbers whose text the program never sees: YAML reads ``1.30`` as the
    number 1.3 and the CLI passes "1.3" (likewise ``010``, ``1_000``, ``0x10``)."""
    errors = []
    for key, kind in CONFIG_KEYS.items():
        for name in (_key(key), key):
            scalar = source.doc.scalars.get(("config", name))
            if kind != "str" or scalar is None or not scalar.plain:
                continue
            value = yamlread.core_scalar(scalar.text)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and json.dumps(value) != scalar.text:
                errors.append(f"{_key(key)}: YAML read a number ({json.dumps(value)}) from the unquoted {scalar.text}, "
                              f"so the program gets \"{json.dumps(value)}\". Quote it in the stack file: {name}: "
                              f"\"{scalar.text}\"")
    return errors


def load_config() -> StackConfig:
    """Read and validate this stack's ``eks-platform:*`` config (raises :class:`ConfigError`)."""
    secret_keys = _secret_keys()
    config = all_config()
    stack = pulumi.get_stack()
    source = stack_file(stack)
    file_errors = stackfile.check(source, NAMESPACE) + source.locate(check_numbers_read(source)) if source else []
    namespace_errors = check_namespaces(config) + check_region_bound_arns(config) + check_secret_keys(secret_keys)
    if file_errors or namespace_errors:
        raise ConfigError(f"invalid configuration for stack '{stack}':\n  "
                          + "\n  ".join(file_errors + stackfile.locate(namespace_errors, source)))
    cfg = pulumi.Config(NAMESPACE)
    values = {}
    for key, kind in CONFIG_KEYS.items():
        raw = cfg.get(key)
        if raw is not None:
            values[key] = _decode(kind, raw)
    return dataclasses.replace(build_config(stack, values, source), secret_keys=secret_keys)
