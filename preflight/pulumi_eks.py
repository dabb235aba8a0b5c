"""The children pulumi-eks v4 components create, modelled from their inputs and pulumi-eks' defaults.

pulumi-eks' ``Cluster``, ``NodeGroupV2``, ``NodeGroup`` and ``ManagedNodeGroup`` are remote components:
in a real ``pulumi preview`` the pulumi-eks provider constructs them, the component itself reaches the
policy pack with empty inputs (its Node.js SDK never sends a local component's inputs), and the pack
judges the children it registers. Offline there is no provider, so preflight registers the children that
decide the pack's verdicts itself, with the inputs pulumi-eks would give them. The facts come from
pulumi-eks' schema and documentation (v4): a setting the program leaves out is passed to AWS unset (and
AWS's default applies) or takes pulumi-eks' documented default:

* ``Cluster``: ``<name>-eksCluster`` (``aws:eks/cluster:Cluster``) with the endpoint flags, public CIDRs,
  log types, version and upgrade policy as given (unset: a public endpoint open to the internet, no private
  endpoint, no logs); Secrets encryption only with ``encryptionConfigKeyArn``; ``accessConfig`` only with
  ``authenticationMode`` (else aws-auth only, and the creator is cluster admin); the ``<name>-eks-k8s``
  provider and the ``aws-auth`` ConfigMap ``<name>-nodeAccess`` while the mode allows it; access entries
  (and their policy associations) while it allows those; and, unless ``skipDefaultNodeGroup``,
  ``fargate`` or Auto Mode, a default node group like ``NodeGroupV2``'s, named after the cluster.
* ``NodeGroupV2``: ``<name>-launchTemplate`` (public IPs unless ``nodeAssociatePublicIpAddress`` is
  false; no metadata options, so IMDSv1 stays allowed; AL2023 by default, which keeps the AMI's root volume
  unencrypted unless a root-volume setting is given; AL2: an explicit ``gp2`` 20 GiB root volume,
  encrypted only with ``nodeRootVolumeEncrypted``; ``t3.medium``) and the autoscaling group ``<name>``
  (1 to 2 nodes, 2 desired).
* ``NodeGroup``: ``<name>-nodeLaunchConfiguration``, the same defaults on a launch configuration.
* ``ManagedNodeGroup``: ``aws:eks/nodeGroup:NodeGroup`` ``<name>`` (2 desired, 1 to 2), and
  ``<name>-launchTemplate`` only when a setting needs one (``enableIMDSv2``: tokens required or optional,
  hop limit 2; user data, bootstrap or kubelet arguments, an AMI ID, EFA).

Values pulumi-eks computes from resources it creates (role ARNs, security groups, AMI IDs, user data) are
unknown in a first preview, as in a real one; during ``up`` they get deterministic stand-ins. Transforms
on the component or its ancestors apply to these children, as the engine applies them to real ones.
"""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml

from ._wire import RESOURCE_SIG, SECRET_SIG, SIG_KEY, UNKNOWN, is_secret
from .mockcloud import CloudIdentity, stable_hex

CLUSTER = "eks:index:Cluster"
NODE_GROUP_V2 = "eks:index:NodeGroupV2"
NODE_GROUP = "eks:index:NodeGroup"
MANAGED_NODE_GROUP = "eks:index:ManagedNodeGroup"
MODELLED = (CLUSTER, NODE_GROUP_V2, NODE_GROUP, MANAGED_NODE_GROUP)

REASON = "modelled from pulumi-eks v4's defaults and the component's inputs"

DEFAULT_INSTANCE_TYPE = "t3.medium"
_MNG_LAUNCH_TEMPLATE_KEYS = ("kubeletExtraArgs", "bootstrapExtraArgs", "bottlerocketSettings", "nodeadmExtraOptions",
                             "enableIMDSv2", "userData", "amiId", "enableEfaSupport")
_MNG_PASSTHROUGH = ("amiType", "capacityType", "diskSize", "forceUpdateVersion", "instanceTypes", "labels",
                    "nodeGroupName", "nodeGroupNamePrefix", "releaseVersion", "remoteAccess", "tags", "taints",
                    "updateConfig", "version", "nodeRepairConfig")


@dataclass
class Child:
    """One modelled child registration: inputs in wire form (unknowns and secrets keep their markers)."""

    type: str
    name: str
    inputs: dict[str, Any]
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    parent: str = ""
    """Another child's name when that child is the parent; "" for the component itself."""
    custom: bool = True
    provider: str = ""
    """Another child's name when it is this child's provider."""


def is_unknown(value: Any) -> bool:
    return value == UNKNOWN


def _map(value: Any, fn: Callable[[Any], Any]) -> Any:
    """``fn(value)`` through the wire markers: unknown stays unknown, a secret stays secret."""
    if is_unknown(value):
        return UNKNOWN
    if is_secret(value):
        inner = _map(value.get("value"), fn)
        return inner if is_unknown(inner) else {SIG_KEY: SECRET_SIG, "value": inner}
    return fn(value)


def _flag(value: Any, default: bool) -> Any:
    """A launch-template boolean: pulumi-aws takes "true"/"false" strings."""
    return _map(default if value is None else value, lambda v: "true" if v else "false")


def _truthy(value: Any) -> bool:
    """Whether pulumi-eks would take the branch for ``value`` (an unknown value counts as unset)."""
    return bool(value) and not is_unknown(value)


def _prune(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def operating_system(ami_type: Any, os_name: Any) -> str:
    """pulumi-eks' ``getOperatingSystem``: the AMI type decides, else ``operatingSystem``, else AL2023."""
    if isinstance(ami_type, str) and not is_unknown(ami_type):
        upper = ami_type.upper()
        return "Bottlerocket" if upper.startswith("BOTTLEROCKET") else "AL2023" if upper.startswith("AL2023") else "AL2"
    return os_name if os_name in ("AL2", "AL2023", "Bottlerocket") else "AL2023"


class Model:
    """Builds the children of one component registration."""

    def __init__(self, identity: CloudIdentity, stack: str, preview: bool,
                 component_inputs: Callable[[str], dict[str, Any]]) -> None:
        self.identity = identity
        self.stack = stack
        self.preview = preview
        self._component_inputs = component_inputs
        """Inputs of another pulumi-eks component, by URN (a node group's ``cluster``)."""

    # -- values the provider computes -------------------------------------------------------
    def computed(self, value: str) -> str:
        """A value pulumi-eks derives from a resource it creates: unknown in a first preview."""
        return UNKNOWN if self.preview else value

    def _hex(self, *parts: str) -> str:
        return stable_hex(self.stack, *parts, length=16)

    def role_arn(self, name: str) -> str:
        return self.computed(self.identity.arn("iam", f"role/{name}-{self._hex('role', name)[:7]}"))

    def security_group(self, name: str) -> str:
        return self.computed(f"sg-0{self._hex('sg', name)}")

    @staticmethod
    def cluster_name(inputs: dict[str, Any], name: str) -> Any:
        """The EKS cluster's name: ``name`` if given, else the provider's auto-name (known at preview)."""
        return inputs.get("name") or f"{name}-eksCluster-{stable_hex(name, length=7)}"

    # -- entry point -------------------------------------------------------------------------
    def children(self, token: str, name: str, inputs: dict[str, Any],
                 deps: dict[str, list[str]]) -> list[Child]:
        if token == CLUSTER:
            return self._cluster(name, inputs, deps)
        if token == NODE_GROUP_V2:
            return self._node_group_v2(name, inputs, deps, self._cluster_of(inputs)[0])
        if token == NODE_GROUP:
            return [self._launch_configuration(name, inputs, deps)]
        if token == MANAGED_NODE_GROUP:
            return self._managed(name, inputs, deps, *self._cluster_of(inputs))
        return []

    def _cluster_of(self, inputs: dict[str, Any]) -> tuple[dict[str, Any], Any]:
        """The cluster a node group joins (a ``CoreData`` object or a ``Cluster`` component) and its EKS name."""
        cluster = inputs.get("cluster")
        if isinstance(cluster, dict):
            eks_cluster = cluster.get("cluster")  # a resource reference, downgraded to its ID (the name)
            named = isinstance(eks_cluster, str) and eks_cluster and not eks_cluster.startswith("urn:")
            return cluster, eks_cluster if named and not self.preview else UNKNOWN
        if isinstance(cluster, str) and cluster.startswith("urn:pulumi:"):
            found = self._component_inputs(cluster)
            return found, self.cluster_name(found, cluster.rsplit("::", 1)[-1])
        return {}, UNKNOWN

    # -- Cluster -----------------------------------------------------------------------------
    def _cluster(self, name: str, c: dict[str, Any], deps: dict[str, list[str]]) -> list[Child]:
        cluster_name = self.cluster_name(c, name)
        subnets = c.get("subnetIds") or (
            [*(c.get("publicSubnetIds") or []), *(c.get("privateSubnetIds") or [])]
            if c.get("publicSubnetIds") or c.get("privateSubnetIds") else self.computed(
                [f"subnet-0{self._hex('default-subnet', name, z)}" for z in "ab"]))  # the default VPC's
        subnet_keys = ("subnetIds", "publicSubnetIds", "privateSubnetIds")
        auto_mode = _truthy((c.get("autoMode") or {}).get("enabled")) if isinstance(c.get("autoMode"), dict) else False
        vpc_config = _prune({
            "securityGroupIds": None if _truthy(c.get("skipDefaultSecurityGroups")) else
            [self.security_group(f"{name}-eksClusterSecurityGroup")],
            "subnetIds": subnets,
            "endpointPrivateAccess": c.get("endpointPrivateAccess"),
            "endpointPublicAccess": c.get("endpointPublicAccess"),
            "publicAccessCidrs": c.get("publicAccessCidrs"),
        })
        tags = c.get("tags"), c.get("clusterTags")
        cluster = Child("aws:eks/cluster:Cluster", f"{name}-eksCluster", _prune({
            "name": c.get("name"),
            "roleArn": self.role_arn(f"{name}-eksRole"),
            "bootstrapSelfManagedAddons": False if auto_mode else c.get("bootstrapSelfManagedAddons", True),
            "vpcConfig": vpc_config,
            "version": c.get("version"),
            "enabledClusterLogTypes": c.get("enabledClusterLogTypes"),
            "tags": UNKNOWN if any(is_unknown(t) for t in tags) else
            {"Name": f"{name}-eksCluster", **(tags[1] or {}), **(tags[0] or {})},
            "encryptionConfig": {"provider": {"keyArn": c["encryptionConfigKeyArn"]}, "resources": ["secrets"]}
            if c.get("encryptionConfigKeyArn") is not None else None,
            "accessConfig": {"authenticationMode": c["authenticationMode"], "bootstrapClusterCreatorAdminPermissions": True}
            if c.get("authenticationMode") is not None else None,
            "upgradePolicy": c.get("upgradePolicy"),
            "deletionProtection": c.get("deletionProtection"),
        }), _deps_of(deps, {
            "vpcConfig": (*subnet_keys, "endpointPrivateAccess", "endpointPublicAccess", "publicAccessCidrs"),
            "encryptionConfig": ("encryptionConfigKeyArn",), "accessConfig": ("authenticationMode",),
            "version": ("version",), "enabledClusterLogTypes": ("enabledClusterLogTypes",),
            "upgradePolicy": ("upgradePolicy",), "tags": ("tags", "clusterTags"), "name": ("name",),
        }))
        out = [cluster]
        mode = c.get("authenticationMode")
        skip_default = any(_truthy(c.get(k)) for k in ("skipDefaultNodeGroup", "fargate")) or auto_mode
        instance_role = not skip_default and c.get("createInstanceRole") is None or _truthy(c.get("createInstanceRole")) \
            or c.get("instanceRole") is not None or bool(c.get("instanceRoles"))
        if mode is None or mode in ("CONFIG_MAP", "API_AND_CONFIG_MAP") or is_unknown(mode):
            out.append(Child("pulumi:providers:kubernetes", f"{name}-eks-k8s", _prune({
                "kubeconfig": self.computed(f"{{\"clusters\": [{{\"name\": \"{cluster_name}\"}}]}}"),
                "enableConfigMapMutable": c.get("enableConfigMapMutable")})))
            out.append(self._aws_auth(name, c, deps, instance_role))
        if mode in ("API", "API_AND_CONFIG_MAP"):
            out.extend(self._access_entries(name, c, deps, cluster_name, instance_role and not skip_default))
        if not skip_default:
            options = c.get("nodeGroupOptions") if isinstance(c.get("nodeGroupOptions"), dict) else c
            group = {**options, "amiId": options.get("nodeAmiId") or options.get("amiId")}
            out.extend(self._node_group_v2(name, group, deps, c))
        return out

    def _aws_auth(self, name: str, c: dict[str, Any], deps: dict[str, list[str]], instance_role: bool) -> Child:
        nodes = [{"rolearn": self.role_arn(f"{name}-instanceRole"), "username": "system:node:{{EC2PrivateDNSName}}",
                  "groups": ["system:bootstrappers", "system:nodes"]}] if instance_role else []
        data = {"mapRoles": _yaml_rows(c.get("roleMappings") or [], "roleArn", nodes)}
        if c.get("userMappings") is not None:
            data["mapUsers"] = _yaml_rows(c["userMappings"], "userArn", [])
        return Child("kubernetes:core/v1:ConfigMap", f"{name}-nodeAccess", {
            "apiVersion": "v1", "kind": "ConfigMap", "immutable": False,
            "metadata": {"name": "aws-auth", "namespace": "kube-system", "annotations": {"pulumi.com/patchForce": "true"}},
            "data": data,
        }, _deps_of(deps, {"data": ("roleMappings", "userMappings")}), provider=f"{name}-eks-k8s")

    def _access_entries(self, name: str, c: dict[str, Any], deps: dict[str, list[str]], cluster_name: Any,
                        node_entry: bool) -> list[Child]:
        out: list[Child] = []
        if node_entry:
            out.append(Child("aws:eks/accessEntry:AccessEntry", f"{name}-defaultNodeGroupInstanceRole", {
                "principalArn": self.role_arn(f"{name}-instanceRole"), "type": "EC2_LINUX", "clusterName": cluster_name}))
        entries = c.get("accessEntries")
        if not isinstance(entries, dict):
            return out
        entry_deps = _deps_of(deps, {k: ("accessEntries",) for k in ("principalArn", "kubernetesGroups", "userName")})
        for key, entry in sorted(entries.items()):
            if not isinstance(entry, dict):
                continue
            out.append(Child("aws:eks/accessEntry:AccessEntry", f"{name}-{key}", _prune({
                "principalArn": entry.get("principalArn"), "kubernetesGroups": entry.get("kubernetesGroups"),
                "type": entry.get("type"), "userName": entry.get("username"), "tags": entry.get("tags"),
                "clusterName": cluster_name}), entry_deps))
            for assoc, policy in sorted((entry.get("accessPolicies") or {}).items()):
                if isinstance(policy, dict):
                    out.append(Child("aws:eks/accessPolicyAssociation:AccessPolicyAssociation", f"{name}-{key}-{assoc}",
                                     _prune({"accessScope": policy.get("accessScope"),
                                             "principalArn": entry.get("principalArn"),
                                             "policyArn": policy.get("policyArn"), "clusterName": cluster_name}),
                                     entry_deps, parent=f"{name}-{key}"))
        return out

    # -- node groups -------------------------------------------------------------------------
    def _worker_subnets(self, name: str, g: dict[str, Any], cluster: dict[str, Any], deps: dict[str, list[str]]
                        ) -> tuple[Any, list[str]]:
        if g.get("nodeSubnetIds") is not None:
            return g["nodeSubnetIds"], _union(deps, ("nodeSubnetIds",))
        for key in ("privateSubnetIds", "publicSubnetIds", "subnetIds"):
            if cluster.get(key):
                return cluster[key], _union(deps, ("cluster",))
        return self.computed([f"subnet-0{self._hex('default-subnet', name, z)}" for z in "ab"]), _union(deps, ("cluster",))

    def _user_data(self, g: dict[str, Any], *keys: str) -> Any:
        """pulumi-eks' bootstrap script: it embeds the cluster's endpoint, unknown at preview."""
        if self.preview:
            return UNKNOWN
        parts = [g.get(k) for k in keys if g.get(k) is not None]
        secret = any(is_secret(p) for p in parts)
        text = "\n".join(str(p.get("value") if is_secret(p) else p) for p in parts)
        encoded = base64.b64encode(f"#!/bin/bash\n# pulumi-eks node bootstrap\n{text}\n".encode()).decode()
        return {SIG_KEY: SECRET_SIG, "value": encoded} if secret else encoded

    def _node_group_v2(self, name: str, g: dict[str, Any], deps: dict[str, list[str]],
                       cluster: dict[str, Any]) -> list[Child]:
        os_name = operating_system(g.get("amiType"), g.get("operatingSystem"))
        template = Child("aws:ec2/launchTemplate:LaunchTemplate", f"{name}-launchTemplate", _prune({
            "imageId": g.get("amiId") or self.computed(f"ami-0{self._hex('ami', name)}"),
            "instanceType": g.get("instanceType") or DEFAULT_INSTANCE_TYPE,
            "iamInstanceProfile": {"name": self.computed(f"{name}-instanceProfile-{self._hex('profile', name)[:7]}")},
            "keyName": self.computed(f"{name}-keyPair") if g.get("nodePublicKey") is not None else g.get("keyName"),
            "instanceMarketOptions": {"marketType": "spot", "spotOptions": {"maxPrice": g["spotPrice"]}}
            if g.get("spotPrice") is not None else None,
            "blockDeviceMappings": _launch_template_volumes(os_name, g),
            "networkInterfaces": [{"associatePublicIpAddress": _flag(g.get("nodeAssociatePublicIpAddress"), True),
                                   "securityGroups": [self.security_group(f"{name}-nodeSecurityGroup")]}],
            "userData": self._user_data(g, "nodeUserData", "bootstrapExtraArgs", "kubeletExtraArgs"),
            "tagSpecifications": g.get("launchTemplateTagSpecifications"),
            "monitoring": {"enabled": g["enableDetailedMonitoring"]} if g.get("enableDetailedMonitoring") is not None
            else None,
        }), _deps_of(deps, {
            "networkInterfaces": ("nodeAssociatePublicIpAddress", "nodeSecurityGroup", "extraNodeSecurityGroups"),
            "blockDeviceMappings": ("nodeRootVolumeEncrypted", "nodeRootVolumeSize", "nodeRootVolumeType"),
            "imageId": ("amiId", "nodeAmiId"), "userData": ("nodeUserData", "bootstrapExtraArgs", "kubeletExtraArgs"),
            "keyName": ("nodePublicKey", "keyName")}))
        subnets, subnet_deps = self._worker_subnets(name, g, cluster, deps)
        group = Child("aws:autoscaling/group:Group", name, {
            "minSize": g.get("minSize", 1), "maxSize": g.get("maxSize", 2),
            "desiredCapacity": g.get("desiredCapacity", 2),
            "launchTemplate": {"name": f"{name}-launchTemplate-{stable_hex(name, 'lt', length=7)}",
                               "version": self.computed("1")},
            "vpcZoneIdentifiers": subnets,
            "instanceRefresh": {"strategy": "Rolling",
                                "preferences": {"minHealthyPercentage": g.get("minRefreshPercentage", 50)}},
            "tags": self.computed([{"key": "Name", "value": f"{name}-worker", "propagateAtLaunch": True}]),
        }, {"vpcZoneIdentifiers": subnet_deps, "launchTemplate": [f"@{template.name}"]})
        return [template, group]

    def _launch_configuration(self, name: str, g: dict[str, Any], deps: dict[str, list[str]]) -> Child:
        os_name = operating_system(g.get("amiType"), g.get("operatingSystem"))
        if os_name == "AL2":
            root: dict[str, Any] = _prune({
                "encrypted": g.get("nodeRootVolumeEncrypted", False), "volumeSize": g.get("nodeRootVolumeSize", 20),
                "volumeType": g.get("nodeRootVolumeType", "gp2"), "iops": g.get("nodeRootVolumeIops"),
                "throughput": g.get("nodeRootVolumeThroughput"),
                "deleteOnTermination": g.get("nodeRootVolumeDeleteOnTermination", True)})
        else:
            root = _prune({"encrypted": g.get("nodeRootVolumeEncrypted"), "volumeSize": g.get("nodeRootVolumeSize"),
                           "volumeType": g.get("nodeRootVolumeType")})
        return Child("aws:ec2/launchConfiguration:LaunchConfiguration", f"{name}-nodeLaunchConfiguration", _prune({
            "associatePublicIpAddress": g.get("nodeAssociatePublicIpAddress", True),
            "imageId": g.get("amiId") or self.computed(f"ami-0{self._hex('ami', name)}"),
            "instanceType": g.get("instanceType") or DEFAULT_INSTANCE_TYPE,
            "iamInstanceProfile": self.computed(f"{name}-instanceProfile"),
            "keyName": self.computed(f"{name}-keyPair") if g.get("nodePublicKey") is not None else g.get("keyName"),
            "securityGroups": [self.security_group(f"{name}-nodeSecurityGroup")],
            "spotPrice": g.get("spotPrice"),
            "rootBlockDevice": root,
            "ebsBlockDevices": [],
            "userData": g.get("nodeUserDataOverride") or self._user_data(
                g, "nodeUserData", "bootstrapExtraArgs", "kubeletExtraArgs"),
            "enableMonitoring": g.get("enableDetailedMonitoring"),
        }), _deps_of(deps, {"associatePublicIpAddress": ("nodeAssociatePublicIpAddress",),
                            "rootBlockDevice": ("nodeRootVolumeEncrypted",)}))

    def _managed(self, name: str, m: dict[str, Any], deps: dict[str, list[str]],
                 cluster: dict[str, Any], cluster_name: Any) -> list[Child]:
        out: list[Child] = []
        group = {k: m[k] for k in _MNG_PASSTHROUGH if m.get(k) is not None}
        custom_template = any(m.get(k) is not None for k in _MNG_LAUNCH_TEMPLATE_KEYS)
        launch_template = m.get("launchTemplate")
        if custom_template:
            os_name = operating_system(m.get("amiType"), m.get("operatingSystem"))
            custom_user_data = any(m.get(k) is not None for k in ("kubeletExtraArgs", "bootstrapExtraArgs",
                                                                   "bottlerocketSettings", "nodeadmExtraOptions",
                                                                   "userData", "amiId"))
            imds = m.get("enableIMDSv2")
            template = Child("aws:ec2/launchTemplate:LaunchTemplate", f"{name}-launchTemplate", _prune({
                "blockDeviceMappings": [{"deviceName": "/dev/xvdb" if os_name == "Bottlerocket" else "/dev/xvda",
                                         "ebs": {"volumeSize": m["diskSize"]}}] if m.get("diskSize") is not None else None,
                "userData": self._user_data(m, "userData", "bootstrapExtraArgs", "kubeletExtraArgs")
                if custom_user_data else None,
                "metadataOptions": {"httpTokens": _map(imds, lambda v: "required" if v else "optional"),
                                    "httpPutResponseHopLimit": 2, "httpEndpoint": "enabled"} if imds is not None else None,
                "imageId": (m.get("amiId") or self.computed(f"ami-0{self._hex('ami', name)}"))
                if custom_user_data else None,
            }), _deps_of(deps, {"metadataOptions": ("enableIMDSv2",), "userData": ("userData",)}))
            out.append(template)
            group.pop("diskSize", None)
            if custom_user_data:
                for key in ("version", "releaseVersion", "amiType"):
                    group.pop(key, None)
            launch_template = {"id": self.computed(f"lt-0{self._hex('lt', name)}"), "version": self.computed("1")}
        scaling = m.get("scalingConfig") if isinstance(m.get("scalingConfig"), dict) else {}
        subnets = m.get("subnetIds")
        subnet_deps = _union(deps, ("subnetIds",))
        if subnets is None:
            subnets, subnet_deps = self._worker_subnets(name, {}, cluster, deps)
        out.append(Child("aws:eks/nodeGroup:NodeGroup", name, _prune({
            **group,
            "clusterName": m.get("clusterName") or cluster_name,
            "nodeRoleArn": m.get("nodeRoleArn") or self.role_arn(f"{name}-instanceRole"),
            "scalingConfig": {"desiredSize": scaling.get("desiredSize", 2), "minSize": scaling.get("minSize", 1),
                              "maxSize": scaling.get("maxSize", 2)},
            "subnetIds": subnets,
            "launchTemplate": launch_template,
        }), {**_deps_of(deps, {k: (k,) for k in group}), "subnetIds": subnet_deps,
             **({"launchTemplate": [f"@{name}-launchTemplate"]} if custom_template else {})}))
        return out


def _launch_template_volumes(os_name: str, g: dict[str, Any]) -> list[dict[str, Any]]:
    """NodeGroupV2's block devices: AL2 always states its root volume; others only what is given."""
    device = "/dev/xvdb" if os_name == "Bottlerocket" else "/dev/xvda"
    if os_name == "AL2":
        return [{"deviceName": device, "ebs": _prune({
            "encrypted": _flag(g.get("nodeRootVolumeEncrypted"), False), "volumeSize": g.get("nodeRootVolumeSize", 20),
            "volumeType": g.get("nodeRootVolumeType", "gp2"), "iops": g.get("nodeRootVolumeIops"),
            "throughput": g.get("nodeRootVolumeThroughput"),
            "deleteOnTermination": _flag(g.get("nodeRootVolumeDeleteOnTermination"), True)})}]
    ebs = _prune({
        "encrypted": None if g.get("nodeRootVolumeEncrypted") is None else _flag(g["nodeRootVolumeEncrypted"], False),
        "volumeSize": g.get("nodeRootVolumeSize"), "volumeType": g.get("nodeRootVolumeType"),
        "iops": g.get("nodeRootVolumeIops"), "throughput": g.get("nodeRootVolumeThroughput"),
        "deleteOnTermination": None if g.get("nodeRootVolumeDeleteOnTermination") is None
        else _flag(g["nodeRootVolumeDeleteOnTermination"], True)})
    return [{"deviceName": device, "ebs": ebs}] if ebs else []


def _yaml_rows(rows: Any, arn_key: str, extra: list[dict[str, Any]]) -> Any:
    """aws-auth's ``mapRoles``/``mapUsers`` YAML; unknown while any row is (an instance role's ARN at preview)."""
    def dump(items: Any) -> Any:
        listed = [{arn_key.lower(): r.get(arn_key), "username": r.get("username"), "groups": r.get("groups")}
                  for r in items if isinstance(r, dict)] + extra
        return UNKNOWN if _holds_unknown(listed) else yaml.safe_dump(listed, sort_keys=False)
    return _map(rows, dump)


def _holds_unknown(value: Any) -> bool:
    if is_unknown(value):
        return True
    if isinstance(value, dict):
        return any(_holds_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_holds_unknown(v) for v in value)
    return False


def _union(deps: dict[str, list[str]], keys: Iterable[str]) -> list[str]:
    return sorted({urn for key in keys for urn in deps.get(key, ())})


def _deps_of(deps: dict[str, list[str]], mapping: dict[str, tuple[str, ...]]) -> dict[str, list[str]]:
    """Child property dependencies from the component's: each child property depends on the inputs it is made of."""
    return {prop: urns for prop, keys in mapping.items() if (urns := _union(deps, keys))}


# -- the components' outputs, from the modelled children ---------------------------------------

@dataclass
class Built:
    """A registered child, as the component's outputs refer to it."""

    type: str
    name: str
    urn: str
    id: str
    outputs: dict[str, Any]


def reference(urn: str, resource_id: str = "") -> dict[str, Any]:
    """A resource reference in wire form (the SDK turns it into the resource object)."""
    ref: dict[str, Any] = {SIG_KEY: RESOURCE_SIG, "urn": urn}
    if resource_id:
        ref["id"] = resource_id
    return ref


def component_outputs(token: str, name: str, urn: str, inputs: dict[str, Any], children: list[Built],
                      identity: CloudIdentity, stack: str) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The outputs a pulumi-eks component registers in ``pulumi up``, from the children preflight modelled.

    Resource outputs refer to the modelled child of that type where there is one (``eksCluster``,
    ``core.cluster``, ``core.provider``, ``core.eksNodeAccess``, ``autoScalingGroup``, ``nodeGroup``), else to
    the child pulumi-eks would create (``<name>-eksRole``, ...), which ``getResource`` answers from the mock
    cloud. Plain outputs are derived from those children: kubeconfig, endpoint, OIDC issuer and provider ARN,
    security group IDs, the default node group's autoscaling group. Also returns the inputs of the
    resources referred to without a modelled child, by URN (what ``getResource`` answers from).
    """
    referred: dict[str, dict[str, Any]] = {}
    from . import mockcloud, outputs

    cls = outputs.sdk_class(token)
    by_type: dict[str, Built] = {}
    for child in children:
        by_type.setdefault(child.type, child)
    ctx = outputs.Context(token, name, name, identity.account, identity.region, identity.partition,
                          identity.dns_suffix)

    def ref_to(resource_token: str, key: str) -> dict[str, Any]:
        found = by_type.get(resource_token)
        if found is not None:
            return reference(found.urn, found.id)
        child_name = f"{name}-{_CHILD_NAMES.get(key, key)}"
        qualified = urn.split("::")[2]
        child_urn = f"{urn.rsplit('::', 2)[0]}::{qualified}${resource_token}::{child_name}"
        return reference(child_urn, "" if resource_token.startswith("pulumi:providers:") else child_name)

    def build(fields: dict[str, tuple[Any, bool]], path: str, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, (typ, optional) in fields.items():
            token_of = _resource_token(typ) or _REF_TOKENS.get(path + key, "")
            if token_of:
                ref = ref_to(token_of, key)
                if not optional or token_of in by_type:
                    out[key] = ref
            elif not optional:
                if isinstance(typ, type) and depth < 2 and outputs.fields(typ) and _is_output(typ):
                    out[key] = build(outputs.fields(typ), f"{path}{key}.", depth + 1)
                else:
                    value = outputs.value_of(key, typ, ctx, depth + 1)
                    if value is not None:
                        out[key] = value
        return out

    state = build(outputs.fields(cls), "", 0) if cls is not None else {}
    cluster = by_type.get("aws:eks/cluster:Cluster")
    if token == CLUSTER and cluster is not None:
        c = cluster.outputs
        cluster_name = str(c.get("name") or cluster.id)
        endpoint = str(c.get("endpoint") or "")
        ca = str(_dig(c, "certificateAuthority", "data") or "")
        kubeconfig = mockcloud.kubeconfig(cluster_name, endpoint, ca, identity.region)
        vpc = c.get("vpcConfig") if isinstance(c.get("vpcConfig"), dict) else {}
        issuer = str(_dig(c, "identities", 0, "oidcs", 0, "issuer") or "")
        prefix = f"{urn.rsplit('::', 2)[0]}::{urn.split('::')[2]}$"
        role_arn = str(c.get("roleArn") or "")
        referred[f"{prefix}aws:iam/role:Role::{name}-eksRole"] = {"name": role_arn.rsplit("/", 1)[-1]} if role_arn else {}
        hex_ = stable_hex(stack, "node-sg", name, length=16)
        plain = {
            "kubeconfig": kubeconfig,
            "kubeconfigJson": json.dumps(kubeconfig),
            "clusterSecurityGroupId": (vpc.get("securityGroupIds") or [vpc.get("clusterSecurityGroupId", "")])[0],
            "nodeSecurityGroupId": f"sg-0{hex_}",
            "oidcIssuer": issuer.removeprefix("https://"),
            "oidcProviderUrl": issuer.removeprefix("https://"),
            "oidcProviderArn": identity.arn("iam", f"oidc-provider/{issuer.removeprefix('https://')}"),
        }
        group = by_type.get("aws:autoscaling/group:Group")
        if group is not None:
            plain["defaultNodeGroupAsgName"] = str(group.outputs.get("name") or group.id)
        state.update(plain)
        state["eksCluster"] = reference(cluster.urn, cluster.id)
        core = state.setdefault("core", {})
        core["cluster"] = state["eksCluster"]
        core.update({"endpoint": endpoint, "vpcId": vpc.get("vpcId", ""), "subnetIds": list(vpc.get("subnetIds") or []),
                     "kubeconfig": kubeconfig, "tags": c.get("tags") or {}})
        if c.get("encryptionConfig"):
            core["encryptionConfig"] = c["encryptionConfig"]
        if _truthy(inputs.get("createOidcProvider")):
            oidc = f"{prefix}aws:iam/openIdConnectProvider:OpenIdConnectProvider::{name}-oidcProvider"
            core["oidcProvider"] = reference(oidc, plain["oidcProviderArn"])
            referred[oidc] = {"url": issuer, "clientIdLists": ["sts.amazonaws.com"]}
    return state, referred


#: Resource-typed outputs of the components, by path: used where the SDK's annotation names a class in a
#: module the program has not loaded yet.
_REF_TOKENS = {
    "eksCluster": "aws:eks/cluster:Cluster", "core.cluster": "aws:eks/cluster:Cluster",
    "core.clusterIamRole": "aws:iam/role:Role", "core.provider": "pulumi:providers:kubernetes",
    "core.eksNodeAccess": "kubernetes:core/v1:ConfigMap", "awsProvider": "pulumi:providers:aws",
    "core.awsProvider": "pulumi:providers:aws", "autoScalingGroup": "aws:autoscaling/group:Group",
    "nodeGroup": "aws:eks/nodeGroup:NodeGroup",
}

#: Names pulumi-eks gives the children its outputs refer to (``<name>-<suffix>``), by output key.
_CHILD_NAMES = {"clusterIamRole": "eksRole", "oidcProvider": "oidcProvider", "provider": "eks-k8s",
                "eksNodeAccess": "nodeAccess", "clusterSecurityGroup": "eksClusterSecurityGroup",
                "nodeSecurityGroup": "nodeSecurityGroup", "awsProvider": "aws-provider"}


def _dig(value: Any, *path: Any) -> Any:
    """``value[path[0]][path[1]]...``, or None where the shape differs."""
    for step in path:
        if isinstance(step, int) and isinstance(value, list) and len(value) > step:
            value = value[step]
        elif isinstance(step, str) and isinstance(value, dict):
            value = value.get(step)
        else:
            return None
    return value


def _is_output(typ: type) -> bool:
    from pulumi import _types

    return _types.is_output_type(typ)


@functools.cache
def _resource_token(typ: Any) -> str:
    """The type token of a resource class (``pulumi_aws.eks.Cluster`` -> ``aws:eks/cluster:Cluster``), else ""."""
    import pulumi

    if not isinstance(typ, type) or not issubclass(typ, pulumi.Resource):
        return ""
    from pulumi.runtime import rpc

    if issubclass(typ, pulumi.ProviderResource):
        package = typ.__module__.split(".")[0].removeprefix("pulumi_").replace("_", "-")
        return f"pulumi:providers:{package}"
    for modules in list(getattr(rpc, "_RESOURCE_MODULES", {}).values()):
        for module in modules:
            info = getattr(module, "mod_info", None)
            if isinstance(info, dict) and typ.__module__.rsplit(".", 1)[0] == info.get("fqn"):
                for tok, cls_name in (info.get("classes") or {}).items():
                    if cls_name == typ.__name__:
                        return str(tok)
    return ""


def _get_kubeconfig(outputs: dict[str, Any], args: dict[str, Any]) -> str:
    """``Cluster.getKubeconfig``: the cluster's kubeconfig as JSON, assuming ``roleArn`` / ``profileName`` if given."""
    config = json.loads(json.dumps(outputs.get("kubeconfig") or {}))
    for user in config.get("users") or []:
        exec_ = (user.get("user") or {}).get("exec") or {}
        if args.get("roleArn"):
            exec_.setdefault("args", []).extend(["--role-arn", str(args["roleArn"])])
        if args.get("profileName"):
            exec_.setdefault("env", []).append({"name": "AWS_PROFILE", "value": str(args["profileName"])})
    return json.dumps(config)


#: Methods of the modelled components, by ``Call`` token: (component outputs, arguments) -> result.
METHODS: dict[str, Callable[[dict[str, Any], dict[str, Any]], Any]] = {
    "eks:index:Cluster/getKubeconfig": _get_kubeconfig,
}
