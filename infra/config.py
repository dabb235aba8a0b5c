"""Typed, validated stack configuration for eks-platform.

Where a key configures a component, the parsed value *is* that component's Args class
(``NodeGroupArgs``, ``TeamAccessArgs`` ...): config validates first, with messages that name the key,
then hands the components their own types.

``load_config()`` reads every ``eks-platform:*`` key once and validates it once, into the one config model
(:class:`infra.config_models.StackSettings`: every key's type, default and checks, its rules across keys, and
the JSON Schema generated from it), then builds the frozen :class:`StackConfig` the components take from the
validated model, with no second round of checks or defaults. Any wrong value raises :class:`ConfigError` (a
``pulumi.RunError``: the CLI and preflight print its message without a traceback) *before* a single resource
is registered, every problem of the stack in one message. Each line names the key (and the stack file's line
where there is one), says what is wrong and shows a value that would work; pydantic's own wording never reaches
the user.

What needs more than the values stays here, as thin functions: keys of the namespaces that nothing reads and
the region (:func:`check_namespaces`), region-bound ARNs against the stack's region, keys stored as secrets,
numbers YAML read from unquoted text (the stack file), and the zones the region offers (:func:`resolve_zones`,
an invoke). The EKS version lifecycle is read at preview in :mod:`infra.lifecycle`.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi

from components import FargateSelectorArgs, NodeGroupArgs, RepositoryArgs, TeamAccessArgs
from components.auto_mode import DisruptionBudget as AutoDisruptionBudget
from components.auto_mode import NodeClassArgs as AutoNodeClassArgs
from components.auto_mode import NodePoolArgs as AutoNodePoolArgs
from components.auto_mode import NodePoolTaint as AutoTaint
from components.auto_mode import Requirement as AutoRequirement
from components.compute import Taint
from components.karpenter import DisruptionBudget, KarpenterTaint, NodeClassArgs, NodePoolArgs
from infra import config_models as models
from infra import stackfile
from preflight import yamlread

NAMESPACE = "eks-platform"


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


_key = models.k


# -- zones the region offers (read with an invoke at preview) --------------------------------------

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


# -- the compute modes' component args --------------------------------------------------------------

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



# -- loading: validated once, then built for the components -----------------------------------------

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
#: :class:`infra.config_models.StackSettings`).
CONFIG_KEYS = models.CONFIG_KEYS
#: Each key's default where it has one, as a stack file would write it (Pulumi.yaml declares the same; a test
#: holds them equal).
DEFAULTS = {key: value for key, value in models.defaults().items() if value is not None}


def invalid(stack: str, errors: list[str], source: stackfile.StackFile | None = None) -> ConfigError:
    """The error for ``errors``: one line each, ``file:line:`` first where the key is in the stack file."""
    return ConfigError(f"invalid configuration for stack '{stack}':\n  " + "\n  ".join(stackfile.locate(errors, source)))


def build_config(stack: str, values: Mapping[str, Any], source: stackfile.StackFile | None = None) -> StackConfig:
    """Validate plain values (keys without namespace) once, into :class:`~infra.config_models.StackSettings`, and
    return what the components take; errors name the lines of ``source``, the stack file the values came from,
    where given. A key not given takes the model's default."""
    settings, errors = models.validate(dict(values), stack)
    if settings is None:
        raise invalid(stack, errors, source)
    return stack_config(stack, settings, source)


def stack_config(stack: str, s: models.StackSettings, source: stackfile.StackFile | None = None) -> StackConfig:
    """The validated settings as the components take them (their Args classes), with no check and no default of
    its own: what the stack file leaves unset takes the model's default or, where the model leaves it to the
    component (a node group's maxUnavailablePercentage), the component's."""
    node_groups = {name: NodeGroupArgs(
        instance_types=tuple(g.instance_types), capacity_type=g.capacity_type, ami_type=g.ami_type,
        min_size=g.min_size, desired_size=g.desired, max_size=g.max_size, max_unavailable=g.max_unavailable,
        **({} if g.max_unavailable_percentage is None else {"max_unavailable_percentage": g.max_unavailable_percentage}),
        node_repair=g.node_repair, disk_size_gib=g.disk_size_gi_b, labels=dict(g.labels),
        taints=tuple(Taint(key=t.key, effect=t.effect, value=t.value) for t in g.taints),
        metadata_hop_limit=g.metadata_hop_limit, detailed_monitoring=g.detailed_monitoring)
        for name, g in sorted((s.node_groups or {}).items())}
    self_managed = {name: SelfManagedSpec(instance_type=g.instance_type, min_size=g.min_size, desired_size=g.desired,
                                          max_size=g.max_size, ami_id=g.ami_id, labels=dict(g.labels),
                                          detailed_monitoring=g.detailed_monitoring)
                    for name, g in sorted(s.self_managed_node_groups.items())}
    advisories = [f"{_key('nodeGroups')}.{name}.instanceTypes[{i}]: {advice}" for name, group in node_groups.items()
                  for i, kind in enumerate(group.instance_types) if (advice := models.instance_type_advisory(kind))]
    advisories += [f"{_key('selfManagedNodeGroups')}.{name}.instanceType: {advice}" for name, group in
                   self_managed.items() if (advice := models.instance_type_advisory(group.instance_type))]
    return StackConfig(
        source=source, advisories=tuple(advisories), stack=stack, vpc_cidr=s.vpc_cidr,
        availability_zones=s.availability_zones, kubernetes_version=s.kubernetes_version, node_groups=node_groups,
        support_type=s.support_type, support_warning_days=s.support_warning_days,
        highly_available_nat=s.highly_available_nat, log_retention_days=s.log_retention_days, tags=dict(s.tags),
        endpoint_public_access=s.endpoint_public_access, public_access_cidrs=tuple(s.public_access_cidrs),
        cluster_admin_allowlist=tuple(s.cluster_admin_allowlist),
        access={team: TeamAccessArgs(role_arn=t.role_arn, level=t.level, namespaces=tuple(t.namespaces))
                for team, t in sorted(s.access.items())},
        protect_stateful_resources=s.protect_stateful_resources,
        fargate_profiles={name: tuple(FargateSelectorArgs(namespace=sel.namespace, labels=dict(sel.labels))
                                      for sel in p.selectors) for name, p in sorted(s.fargate_profiles.items())},
        updates=UpdatePolicy(channel=s.update_channel, ami_release_version=s.ami_release_version,
                             addon_versions=dict(s.addon_versions)),
        repositories={name: RepositoryArgs(keep_images=r.keep_images, untagged_expiry_days=r.untagged_expiry_days)
                      for name, r in sorted(s.repositories.items())},
        organization_id=s.organization_id, self_managed_node_groups=self_managed, zones=dict(s.zones or {}),
        repository_prefix=s.repository_prefix or stack, storage=s.storage, addons=s.addons,
        workloads=dict(s.workloads), pod_security_level=s.pod_security_level, vpc_endpoints=s.vpc_endpoints,
        compute_mode=s.compute_mode, karpenter=s.karpenter, retiring_node_groups=tuple(s.retiring_node_groups),
        auto_mode=s.auto_mode)


# -- what needs more than the values: the namespaces, the region, secrets, the stack file's text -------

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


def check_namespaces(config: Mapping[str, str]) -> list[str]:
    """Keys of this project's namespace and of ``aws:`` that nothing reads (typos), and the AWS region."""
    errors: list[str] = []
    aws_keys = _aws_provider_keys()
    for full in sorted(config):
        namespace, _, key = full.partition(":")
        if namespace == NAMESPACE and key not in CONFIG_KEYS:
            errors.append(models.unknown_key(key, NAMESPACE, CONFIG_KEYS, f"known keys: {', '.join(sorted(CONFIG_KEYS))}."))
        elif namespace == "aws" and key not in aws_keys:
            errors.append(models.unknown_key(key, "aws", aws_keys, "pulumi-aws reads no such provider setting."))
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
