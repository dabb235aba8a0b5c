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

import difflib
import ipaddress
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi

from components import FargateSelectorArgs, NodeGroupArgs, RepositoryArgs, TeamAccessArgs
from components.compute import Taint

NAMESPACE = "eks-platform"

#: Kubernetes versions in EKS standard support (14 months from EKS release), as of 2026-11.
#: Update when AWS releases a version or one leaves standard support.
EKS_STANDARD_SUPPORT = ("1.34", "1.35", "1.36", "1.37")

#: Values CloudWatch Logs accepts for retentionInDays.
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
                      2922, 3288, 3653)

CAPACITY_TYPES = ("ON_DEMAND", "SPOT")
AMI_TYPES = ("AL2023_x86_64_STANDARD", "AL2023_ARM_64_STANDARD", "BOTTLEROCKET_x86_64", "BOTTLEROCKET_ARM_64")
TAINT_EFFECTS = ("NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE")

_NODE_GROUP_KEY = re.compile(r"^[a-z][a-z0-9-]{0,30}$")
_INSTANCE_TYPE = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")
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


ACCESS_LEVELS = ("cluster-admin", "namespace-admin", "namespace-viewer")
_ROLE_ARN = re.compile(r"^arn:aws(-cn|-us-gov)?:iam::\d{12}:role/[\w+=,.@/-]+$")
_NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
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

    @property
    def cluster_name(self) -> str:
        """The EKS cluster name; also used in subnet discovery tags."""
        return f"eks-{self.stack}"

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


def resolve_zones(zones: Mapping[str, int], names: list[str], zone_ids: list[str]) -> list[tuple[str, int]]:
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
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(errors))
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


def check_kubernetes_version(value: Any) -> list[str]:
    supported = ", ".join(f'"{v}"' for v in EKS_STANDARD_SUPPORT)
    if not isinstance(value, str) or not re.fullmatch(r"1\.\d+", value):
        return [f"{_key('kubernetesVersion')}: must be a version string such as \"1.35\" (quote it in YAML), "
                f"got {value!r}. In standard support: {supported}"]
    if value not in EKS_STANDARD_SUPPORT:
        return [f"{_key('kubernetesVersion')}: \"{value}\" is not in EKS standard support; use one of {supported}"]
    return []


def check_log_retention(value: Any) -> list[str]:
    if isinstance(value, bool) or value not in LOG_RETENTION_DAYS:
        return [f"{_key('logRetentionDays')}: {value!r} is not a CloudWatch Logs retention; use one of "
                f"{', '.join(map(str, LOG_RETENTION_DAYS))}. Example: 90"]
    return []


_NODE_GROUP_FIELDS = {"instanceTypes", "capacityType", "amiType", "minSize", "desiredSize", "maxSize",
                      "maxUnavailable", "diskSizeGiB", "labels", "taints", "metadataHopLimit", "detailedMonitoring"}
_NODE_GROUP_EXAMPLE = ('Example: {"general": {"instanceTypes": ["m7i.large"], "minSize": 1, "desiredSize": 2, '
                       '"maxSize": 4}}')


def _int_field(where: str, spec: Mapping[str, Any], name: str, default: int | None, low: int, high: int,
               errors: list[str]) -> int:
    value = spec.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        errors.append(f"{where}.{name}: must be a whole number from {low} to {high}, got {value!r}")
        return low
    return value


def parse_node_group(name: str, spec: Any) -> tuple[NodeGroupArgs | None, list[str]]:
    """Validate one node group spec; return it (or None) and the errors found."""
    where = f"{_key('nodeGroups')}.{name}"
    errors: list[str] = []
    if not _NODE_GROUP_KEY.match(name):
        errors.append(f"{where}: the key becomes part of resource names; use lowercase letters, digits and '-', "
                      f"starting with a letter, at most 31 characters (e.g. 'general')")
    if not isinstance(spec, dict):
        return None, errors + [f"{where}: must be an object with instanceTypes and sizes. {_NODE_GROUP_EXAMPLE}"]
    unknown = sorted(set(spec) - _NODE_GROUP_FIELDS)
    if unknown:
        errors.append(f"{where}: unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(_NODE_GROUP_FIELDS))}")
    types = spec.get("instanceTypes")
    if not isinstance(types, list) or not types or not all(isinstance(t, str) and _INSTANCE_TYPE.match(t) for t in types):
        errors.append(f"{where}.instanceTypes: must be a non-empty list of EC2 instance types, got {types!r}. "
                      f"Example: [\"m7i.large\"]")
        types = []
    capacity = spec.get("capacityType", "ON_DEMAND")
    if capacity not in CAPACITY_TYPES:
        errors.append(f"{where}.capacityType: must be ON_DEMAND or SPOT, got {capacity!r}")
    ami = spec.get("amiType", "AL2023_x86_64_STANDARD")
    if ami not in AMI_TYPES:
        errors.append(f"{where}.amiType: must be one of {', '.join(AMI_TYPES)} (container-optimised), got {ami!r}")
    lo = _int_field(where, spec, "minSize", None, 0, 1000, errors)
    desired = _int_field(where, spec, "desiredSize", lo, 0, 1000, errors)
    hi = _int_field(where, spec, "maxSize", None, 1, 1000, errors)
    if not lo <= desired <= hi:
        errors.append(f"{where}: sizes must satisfy minSize <= desiredSize <= maxSize, got {lo} <= {desired} <= {hi}")
    unavailable = _int_field(where, spec, "maxUnavailable", 1, 1, 100, errors)
    disk = _int_field(where, spec, "diskSizeGiB", 50, 20, 16384, errors)
    labels = spec.get("labels", {})
    if not isinstance(labels, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in labels.items()):
        errors.append(f"{where}.labels: must map label names to string values, got {labels!r}")
        labels = {}
    taints: list[Taint] = []
    for i, t in enumerate(spec.get("taints", []) if isinstance(spec.get("taints", []), list) else [None]):
        if not isinstance(t, dict) or not isinstance(t.get("key"), str) or t.get("effect") not in TAINT_EFFECTS:
            errors.append(f"{where}.taints[{i}]: needs a string 'key' and an 'effect' of {', '.join(TAINT_EFFECTS)}, "
                          f"got {t!r}")
            continue
        value = t.get("value")
        taints.append(Taint(key=t["key"], effect=t["effect"], value=None if value is None else str(value)))
    hop = _int_field(where, spec, "metadataHopLimit", 1, 1, 2, errors)
    monitoring = spec.get("detailedMonitoring", False)
    if not isinstance(monitoring, bool):
        errors.append(f"{where}.detailedMonitoring: must be true or false, got {monitoring!r}")
    if errors:
        return None, errors
    return NodeGroupArgs(instance_types=tuple(types), capacity_type=capacity, ami_type=ami, min_size=lo,
                         desired_size=desired, max_size=hi, max_unavailable=unavailable, disk_size_gib=disk,
                         labels=dict(labels), taints=tuple(taints), metadata_hop_limit=hop,
                         detailed_monitoring=monitoring), []


def parse_node_groups(value: Any) -> tuple[dict[str, NodeGroupArgs], list[str]]:
    if not isinstance(value, dict) or not value:
        return {}, [f"{_key('nodeGroups')}: must be a non-empty object keyed by a stable node group name "
                    f"(never a list: the key is part of resource names). {_NODE_GROUP_EXAMPLE}"]
    groups: dict[str, NodeGroupArgs] = {}
    errors: list[str] = []
    for name in sorted(value):
        spec, errs = parse_node_group(str(name), value[name])
        errors += errs
        if spec is not None:
            groups[str(name)] = spec
    return groups, errors


def parse_tags(value: Any) -> tuple[dict[str, str], list[str]]:
    if value is None:
        return {}, []
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return {}, [f"{_key('tags')}: must map tag keys to string values, got {value!r}. "
                    f"Example: {{\"cost-center\": \"platform\"}}"]
    return dict(value), []


def check_endpoint(public: Any, cidrs: Any) -> list[str]:
    errors = []
    if not isinstance(public, bool):
        errors.append(f"{_key('endpointPublicAccess')}: must be true or false, got {public!r}")
        return errors
    if not isinstance(cidrs, list) or not all(isinstance(c, str) for c in cidrs):
        return [f"{_key('publicAccessCidrs')}: must be a list of IPv4 CIDRs, got {cidrs!r}. Example: [\"203.0.113.0/24\"]"]
    for c in cidrs:
        try:
            net = ipaddress.ip_network(c)
        except ValueError:
            errors.append(f"{_key('publicAccessCidrs')}: '{c}' is not a CIDR with its network address. "
                          "Example: 203.0.113.0/24")
            continue
        if net.prefixlen == 0:
            errors.append(f"{_key('publicAccessCidrs')}: '{c}' opens the API server to the whole internet; "
                          "list your office or VPN ranges instead")
    if public and not cidrs:
        errors.append(f"{_key('publicAccessCidrs')}: a public endpoint ({_key('endpointPublicAccess')}: true) needs "
                      "the CIDRs allowed to reach it. Example: [\"203.0.113.0/24\"]; or set endpointPublicAccess: false")
    if not public and cidrs:
        errors.append(f"{_key('publicAccessCidrs')}: set only with {_key('endpointPublicAccess')}: true")
    return errors


def parse_role_list(key: str, value: Any) -> tuple[tuple[str, ...], list[str]]:
    if value is None:
        return (), []
    if not isinstance(value, list) or not all(isinstance(v, str) and _ROLE_ARN.match(v) for v in value):
        return (), [f"{_key(key)}: must be a list of IAM role ARNs, got {value!r}. "
                    "Example: [\"arn:aws:iam::123456789012:role/platform-admin\"]"]
    return tuple(value), []


def parse_access(value: Any, allowlist: tuple[str, ...]) -> tuple[dict[str, TeamAccessArgs], list[str]]:
    """Validate ``eks-platform:access``: teams keyed by a stable name."""
    if value is None:
        return {}, []
    example = ('Example: {"payments": {"roleArn": "arn:aws:iam::123456789012:role/payments-dev", '
               '"level": "namespace-admin", "namespaces": ["payments"]}}')
    if not isinstance(value, dict):
        return {}, [f"{_key('access')}: must be an object keyed by team name. {example}"]
    teams: dict[str, TeamAccessArgs] = {}
    errors: list[str] = []
    for team in sorted(value):
        spec = value[team]
        where = f"{_key('access')}.{team}"
        if not _NODE_GROUP_KEY.match(str(team)):
            errors.append(f"{where}: the key becomes part of resource and group names; use lowercase letters, "
                          "digits and '-' (e.g. 'payments')")
            continue
        if not isinstance(spec, dict):
            errors.append(f"{where}: must be an object with roleArn, level and namespaces. {example}")
            continue
        unknown = sorted(set(spec) - {"roleArn", "level", "namespaces"})
        if unknown:
            errors.append(f"{where}: unknown field(s) {', '.join(unknown)}; known: level, namespaces, roleArn")
        role, level, namespaces = spec.get("roleArn"), spec.get("level"), spec.get("namespaces", [])
        if not isinstance(role, str) or not _ROLE_ARN.match(role):
            hint = " (IAM users are not allowed: use a role)" if isinstance(role, str) and ":user/" in role else ""
            errors.append(f"{where}.roleArn: must be an IAM role ARN{hint}, got {role!r}. "
                          "Example: arn:aws:iam::123456789012:role/payments-dev")
        if level not in ACCESS_LEVELS:
            errors.append(f"{where}.level: must be one of {', '.join(ACCESS_LEVELS)}, got {level!r}")
        if level == "cluster-admin":
            if role not in allowlist:
                errors.append(f"{where}: cluster-admin is only for roles in {_key('clusterAdminAllowlist')}; add "
                              f"{role!r} there or use namespace-admin")
            if namespaces:
                errors.append(f"{where}.namespaces: cluster-admin is cluster-wide; remove namespaces")
        elif level in ACCESS_LEVELS:
            if not isinstance(namespaces, list) or not namespaces:
                errors.append(f"{where}.namespaces: {level} needs at least one namespace. Example: [\"{team}\"]")
                namespaces = []
            for ns in namespaces:
                if not isinstance(ns, str) or not _NAMESPACE.match(ns):
                    errors.append(f"{where}.namespaces: {ns!r} is not a valid namespace name (DNS-1123 label)")
                elif ns in _RESERVED_NAMESPACES:
                    errors.append(f"{where}.namespaces: '{ns}' is a system namespace; give the team its own")
        if not any(e.startswith(where) for e in errors):
            teams[str(team)] = TeamAccessArgs(role_arn=role, level=level, namespaces=tuple(namespaces or ()))
    return teams, errors


def parse_fargate_profiles(value: Any) -> tuple[dict[str, tuple[FargateSelectorArgs, ...]], list[str]]:
    if value is None:
        return {}, []
    example = 'Example: {"batch": {"selectors": [{"namespace": "batch", "labels": {"compute": "fargate"}}]}}'
    if not isinstance(value, dict):
        return {}, [f"{_key('fargateProfiles')}: must be an object keyed by profile name. {example}"]
    profiles: dict[str, tuple[FargateSelectorArgs, ...]] = {}
    errors: list[str] = []
    for name in sorted(value):
        where = f"{_key('fargateProfiles')}.{name}"
        spec = value[name]
        if not _NODE_GROUP_KEY.match(str(name)):
            errors.append(f"{where}: use lowercase letters, digits and '-' (the key is part of resource names)")
            continue
        selectors = spec.get("selectors") if isinstance(spec, dict) else None
        if not isinstance(selectors, list) or not 1 <= len(selectors) <= 5:
            errors.append(f"{where}.selectors: must be a list of 1 to 5 selectors (an EKS limit). {example}")
            continue
        parsed = []
        for i, sel in enumerate(selectors):
            ns = sel.get("namespace") if isinstance(sel, dict) else None
            labels = sel.get("labels", {}) if isinstance(sel, dict) else None
            if not isinstance(ns, str) or not _NAMESPACE.match(ns):
                errors.append(f"{where}.selectors[{i}].namespace: must be a namespace name, got {ns!r}")
            elif not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
                errors.append(f"{where}.selectors[{i}].labels: must map label names to strings, got {labels!r}")
            else:
                parsed.append(FargateSelectorArgs(namespace=ns, labels=dict(labels)))
        if len(parsed) == len(selectors):
            profiles[str(name)] = tuple(parsed)
    return profiles, errors


_ECR_NAME = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$")


def parse_repositories(value: Any) -> tuple[dict[str, RepositoryArgs], list[str]]:
    if value is None:
        return {}, []
    if not isinstance(value, dict):
        return {}, [f"{_key('repositories')}: must be an object keyed by ECR repository name. "
                    'Example: {"payments/api": {"keepImages": 50}}']
    repos: dict[str, RepositoryArgs] = {}
    errors: list[str] = []
    for name in sorted(value):
        where = f"{_key('repositories')}.{name}"
        spec = value[name] if value[name] is not None else {}
        if not _ECR_NAME.match(str(name)):
            errors.append(f"{where}: not a valid ECR repository name (lowercase letters, digits, '.', '_', '-', "
                          "and '/' between parts), e.g. payments/api")
            continue
        if not isinstance(spec, dict) or set(spec) - {"keepImages", "untaggedExpiryDays"}:
            errors.append(f"{where}: may set keepImages and untaggedExpiryDays only, got {spec!r}")
            continue
        keep = _int_field(where, spec, "keepImages", 50, 1, 1000, errors)
        days = _int_field(where, spec, "untaggedExpiryDays", 7, 1, 365, errors)
        repos[str(name)] = RepositoryArgs(keep_images=keep, untagged_expiry_days=days)
    return repos, errors


_SELF_MANAGED_FIELDS = {"instanceType", "minSize", "desiredSize", "maxSize", "amiId", "labels", "detailedMonitoring"}


def parse_self_managed(value: Any) -> tuple[dict[str, SelfManagedSpec], list[str]]:
    if value is None:
        return {}, []
    example = 'Example: {"custom": {"instanceType": "m7i.xlarge", "minSize": 1, "desiredSize": 1, "maxSize": 3}}'
    if not isinstance(value, dict):
        return {}, [f"{_key('selfManagedNodeGroups')}: must be an object keyed by group name. {example}"]
    groups: dict[str, SelfManagedSpec] = {}
    errors: list[str] = []
    for name in sorted(value):
        where = f"{_key('selfManagedNodeGroups')}.{name}"
        spec = value[name]
        if not _NODE_GROUP_KEY.match(str(name)) or not isinstance(spec, dict):
            errors.append(f"{where}: use a lowercase key and an object value. {example}")
            continue
        unknown = sorted(set(spec) - _SELF_MANAGED_FIELDS)
        if unknown:
            errors.append(f"{where}: unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(_SELF_MANAGED_FIELDS))}")
        itype = spec.get("instanceType")
        if not isinstance(itype, str) or not _INSTANCE_TYPE.match(itype):
            errors.append(f"{where}.instanceType: must be an EC2 instance type such as m7i.xlarge, got {itype!r}")
        lo = _int_field(where, spec, "minSize", None, 0, 1000, errors)
        desired = _int_field(where, spec, "desiredSize", lo, 0, 1000, errors)
        hi = _int_field(where, spec, "maxSize", None, 1, 1000, errors)
        if not lo <= desired <= hi:
            errors.append(f"{where}: sizes must satisfy minSize <= desiredSize <= maxSize")
        ami = spec.get("amiId")
        if ami is not None and not (isinstance(ami, str) and re.match(r"^ami-[0-9a-f]{8,17}$", ami)):
            errors.append(f"{where}.amiId: must be an AMI id such as ami-0123456789abcdef0, got {ami!r}")
        labels = spec.get("labels", {})
        if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
            errors.append(f"{where}.labels: must map label names to strings")
        if not any(e.startswith(where) for e in errors):
            groups[str(name)] = SelfManagedSpec(instance_type=itype, min_size=lo, desired_size=desired, max_size=hi,
                                                ami_id=ami, labels=dict(labels),
                                                detailed_monitoring=bool(spec.get("detailedMonitoring", False)))
    return groups, errors


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


def parse_updates(channel: Any, release: Any, addons: Any, kubernetes_version: str) -> tuple[UpdatePolicy, list[str]]:
    errors: list[str] = []
    if channel not in ("latest", "pinned"):
        return UpdatePolicy(), [f"{_key('updateChannel')}: must be 'latest' (dev: newest AMI and add-ons at each "
                                f"preview) or 'pinned' (versions promoted in config), got {channel!r}"]
    if addons is None:
        addons = {}
    if not isinstance(addons, dict) or not all(isinstance(v, str) for v in addons.values()):
        return UpdatePolicy(), [f"{_key('addonVersions')}: must map add-on names to versions such as "
                                "'v1.20.5-eksbuild.1'"]
    unknown = sorted(set(addons) - set(MANAGED_ADDONS))
    if unknown:
        errors.append(f"{_key('addonVersions')}: unknown add-on(s) {', '.join(unknown)}; "
                      f"known: {', '.join(MANAGED_ADDONS)}")
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
        missing = [a for a in MANAGED_ADDONS if a not in addons]
        if release is None:
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


#: Every key this stack reads, with how its wire string decodes.
CONFIG_KEYS = {"vpcCidr": "str", "availabilityZones": "int", "zones": "json", "kubernetesVersion": "str", "nodeGroups": "json",
               "highlyAvailableNat": "bool", "logRetentionDays": "int", "tags": "json",
               "endpointPublicAccess": "bool", "publicAccessCidrs": "json", "clusterAdminAllowlist": "json",
               "access": "json", "protectStatefulResources": "bool", "fargateProfiles": "json",
               "updateChannel": "str", "amiReleaseVersion": "str", "addonVersions": "json",
               "repositories": "json", "organizationId": "str", "selfManagedNodeGroups": "json"}


def build_config(stack: str, values: Mapping[str, Any]) -> StackConfig:
    """Validate plain values (keys without namespace) into a :class:`StackConfig`."""
    errors: list[str] = []
    vpc_cidr = values.get("vpcCidr", "10.0.0.0/16")
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
    version = values.get("kubernetesVersion", "1.35")
    errors += check_kubernetes_version(version)
    node_groups, ng_errors = parse_node_groups(values.get("nodeGroups"))
    errors += ng_errors
    ha_nat = values.get("highlyAvailableNat", True)
    if not isinstance(ha_nat, bool):
        errors.append(f"{_key('highlyAvailableNat')}: must be true or false, got {ha_nat!r}")
    retention = values.get("logRetentionDays", 90)
    errors += check_log_retention(retention)
    tags, tag_errors = parse_tags(values.get("tags"))
    errors += tag_errors
    public = values.get("endpointPublicAccess", False)
    cidrs = values.get("publicAccessCidrs", [])
    errors += check_endpoint(public, cidrs)
    allowlist, allow_errors = parse_role_list("clusterAdminAllowlist", values.get("clusterAdminAllowlist"))
    errors += allow_errors
    access, access_errors = parse_access(values.get("access"), allowlist)
    errors += access_errors
    protect = values.get("protectStatefulResources", True)
    if not isinstance(protect, bool):
        errors.append(f"{_key('protectStatefulResources')}: must be true or false, got {protect!r}")
    fargate, fargate_errors = parse_fargate_profiles(values.get("fargateProfiles"))
    errors += fargate_errors
    updates, update_errors = parse_updates(values.get("updateChannel", "pinned"), values.get("amiReleaseVersion"),
                                           values.get("addonVersions"), version if isinstance(version, str) else "")
    errors += update_errors
    repositories, repo_errors = parse_repositories(values.get("repositories"))
    errors += repo_errors
    org = values.get("organizationId")
    if org is not None and not (isinstance(org, str) and re.match(r"^o-[a-z0-9]{10,32}$", org)):
        errors.append(f"{_key('organizationId')}: {org!r} is not an AWS Organizations id such as o-a1b2c3d4e5")
    self_managed, sm_errors = parse_self_managed(values.get("selfManagedNodeGroups"))
    errors += sm_errors
    if updates.channel == "pinned":
        for name, group in node_groups.items():
            if group.ami_type.startswith("BOTTLEROCKET"):
                errors.append(f"{_key('nodeGroups')}.{name}.amiType: Bottlerocket releases cannot be pinned yet "
                              f"({_key('amiReleaseVersion')} is an AL2023 release); use an AL2023 AMI type in "
                              "pinned stacks, or updateChannel 'latest'")
    if errors:
        raise ConfigError(f"invalid configuration for stack '{stack}':\n  " + "\n  ".join(errors))
    return StackConfig(stack=stack, vpc_cidr=vpc_cidr, availability_zones=azs, kubernetes_version=version,
                       node_groups=node_groups, highly_available_nat=ha_nat, log_retention_days=retention,
                       tags=tags, endpoint_public_access=public, public_access_cidrs=tuple(cidrs),
                       cluster_admin_allowlist=allowlist, access=access, protect_stateful_resources=protect,
                       fargate_profiles=fargate, updates=updates, repositories=repositories, organization_id=org,
                       self_managed_node_groups=self_managed, zones=zones)


def _aws_provider_keys() -> frozenset[str]:
    """The config keys pulumi-aws's provider reads (``aws:<key>``), from the installed SDK."""
    import inspect

    from pulumi_aws.config import vars as aws_vars

    return frozenset(re.findall(r"__config__\.get(?:_\w+)?\('(\w+)'", inspect.getsource(aws_vars)))


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


def all_config() -> dict[str, str]:
    """Every config key of the stack, as the language host passes it (environment) and the runtime holds it."""
    from pulumi.runtime import config as runtime_config

    return {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}


def load_config() -> StackConfig:
    """Read and validate this stack's ``eks-platform:*`` config (raises :class:`ConfigError`)."""
    namespace_errors = check_namespaces(all_config())
    if namespace_errors:
        raise ConfigError(f"invalid configuration for stack '{pulumi.get_stack()}':\n  " + "\n  ".join(namespace_errors))
    cfg = pulumi.Config(NAMESPACE)
    values = {}
    for key, kind in CONFIG_KEYS.items():
        raw = cfg.get(key)
        if raw is not None:
            values[key] = _decode(kind, raw)
    return build_config(pulumi.get_stack(), values)
