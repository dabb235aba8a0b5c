"""computeMode (nodegroups | karpenter | auto), the Karpenter config, retiring node groups, node repair and the
combinations the config refuses, each with a message naming the keys (pure: no mocks)."""

from __future__ import annotations

from typing import Any

import pytest

from infra.config import ConfigError, auto_mode_args, build_config, compute_plan, karpenter_args
from tools.environments import load

SYSTEM = {"instanceTypes": ["m7i.large"], "minSize": 2, "maxSize": 3,
          "taints": [{"key": "CriticalAddonsOnly", "value": "true", "effect": "NO_SCHEDULE"}]}
GENERAL = {"instanceTypes": ["m7i.large"], "minSize": 1, "desiredSize": 2, "maxSize": 4}
POOL = {"instanceCategories": ["c", "m", "r"], "limits": {"cpu": "64", "memory": "256Gi"}}
KARPENTER = {"controllerNodeGroup": "system", "nodePools": {"general": POOL}}


def values(**overrides: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"vpcCidr": "10.20.0.0/16", "zones": {"us-west-2a": 0, "us-west-2b": 1},
                           "kubernetesVersion": "1.35", "nodeGroups": {"general": GENERAL}, "updateChannel": "latest"}
    out.update(overrides)
    return {k: v for k, v in out.items() if v is not None}


def refused(**overrides: Any) -> str:
    with pytest.raises(ConfigError) as exc:
        build_config("test", values(**overrides))
    return str(exc.value)


def test_default_mode_is_nodegroups_with_the_cluster_autoscaler() -> None:
    cfg = build_config("test", values())
    assert cfg.compute_mode == "nodegroups" and cfg.cluster_autoscaler and cfg.karpenter is None
    assert cfg.load_balancer_controller


def test_karpenter_mode_builds_typed_pools() -> None:
    cfg = build_config("test", values(computeMode="karpenter", nodeGroups={"system": SYSTEM}, karpenter=KARPENTER))
    assert cfg.compute_mode == "karpenter" and not cfg.cluster_autoscaler
    assert cfg.karpenter is not None
    classes, pools = karpenter_args(cfg.karpenter)
    assert list(classes) == ["default"] and classes["default"].volume_size_gib == 50
    general = pools["general"]
    assert general.instance_categories == ("c", "m", "r") and general.instance_families == ()
    assert (general.cpu_limit, general.memory_limit) == ("64", "256Gi")
    assert general.expire_after == "720h" and general.consolidation_policy == "WhenEmptyOrUnderutilized"
    assert [b.nodes for b in general.budgets] == ["10%"]
    assert general.capacity_types == ("on-demand",) and general.architectures == ("amd64",)


def test_karpenter_pool_settings_reach_the_component_args() -> None:
    pool = {**POOL, "capacityTypes": ["spot"], "architectures": ["arm64"], "expireAfter": "168h",
            "consolidationPolicy": "WhenEmpty", "consolidateAfter": "Never", "weight": 50,
            "taints": [{"key": "dedicated", "value": "ml", "effect": "NoSchedule"}], "labels": {"tier": "ml"},
            "budgets": [{"nodes": "0", "schedule": "0 9 * * mon-fri", "duration": "8h", "reasons": ["Drifted"]}],
            "nodeClass": "big"}
    cfg = build_config("test", values(computeMode="karpenter", nodeGroups={"system": SYSTEM}, karpenter={
        "controllerNodeGroup": "system", "nodeClasses": {"big": {"volumeSizeGiB": 200}}, "nodePools": {"ml": pool}}))
    assert cfg.karpenter is not None
    classes, pools = karpenter_args(cfg.karpenter)
    ml = pools["ml"]
    assert classes["big"].volume_size_gib == 200 and ml.node_class == "big"
    assert ml.capacity_types == ("spot",) and ml.architectures == ("arm64",) and ml.expire_after == "168h"
    assert ml.consolidate_after == "Never" and ml.weight == 50 and ml.labels == {"tier": "ml"}
    assert ml.taints[0].effect == "NoSchedule" and ml.budgets[0].reasons == ("Drifted",)


@pytest.mark.parametrize(("overrides", "fragment"), [
    ({"computeMode": "fargate"}, "eks-platform:computeMode: must be one of nodegroups"),
    ({"computeMode": "karpenter"}, "eks-platform:karpenter: required with eks-platform:computeMode: karpenter"),
    ({"karpenter": KARPENTER}, "eks-platform:karpenter: set only with eks-platform:computeMode: karpenter"),
    ({"retiringNodeGroups": ["general"]}, "eks-platform:retiringNodeGroups: only during a move"),
    ({"computeMode": "karpenter", "karpenter": KARPENTER},
     "eks-platform:karpenter.controllerNodeGroup: 'system' is not in eks-platform:nodeGroups"),
    ({"computeMode": "karpenter", "nodeGroups": {"system": SYSTEM, "general": GENERAL}, "karpenter": KARPENTER},
     "eks-platform:nodeGroups: general would be scaled by nothing in computeMode karpenter"),
    ({"computeMode": "karpenter", "nodeGroups": {"system": SYSTEM}, "retiringNodeGroups": ["system"],
      "karpenter": KARPENTER}, "'system' is listed in eks-platform:retiringNodeGroups"),
    ({"computeMode": "karpenter", "nodeGroups": {"system": SYSTEM}, "retiringNodeGroups": ["old"],
      "karpenter": KARPENTER}, "eks-platform:retiringNodeGroups: old not in eks-platform:nodeGroups"),
    ({"computeMode": "karpenter", "nodeGroups": {"system": SYSTEM},
      "karpenter": {"nodePools": {"general": POOL}}},
     "eks-platform:karpenter: give exactly one of controllerNodeGroup and controllerFargateProfile"),
    ({"computeMode": "karpenter", "fargateProfiles": {"sys": {"selectors": [{"namespace": "apps"}]}},
      "karpenter": {"controllerFargateProfile": "sys", "nodePools": {"general": POOL}}},
     "eks-platform:karpenter.controllerFargateProfile: 'sys' must be in eks-platform:fargateProfiles with a selector "
     "for namespace kube-system"),
    ({"computeMode": "karpenter", "nodeGroups": {"system": SYSTEM}, "addons": {"clusterAutoscaler": True},
      "karpenter": KARPENTER}, "eks-platform:addons.clusterAutoscaler: eks-platform:computeMode: karpenter"),
    ({"computeMode": "karpenter", "nodeGroups": {"system": SYSTEM},
      "karpenter": {"controllerNodeGroup": "system", "nodePools": {"general": {"instanceCategories": ["m"]}}}},
     "eks-platform:karpenter.nodePools.general.limits: required"),
    ({"computeMode": "karpenter", "nodeGroups": {"system": SYSTEM},
      "karpenter": {"controllerNodeGroup": "system", "nodePools": {"general": {"limits": POOL["limits"]}}}},
     "eks-platform:karpenter.nodePools.general: give exactly one of instanceCategories"),
    ({"computeMode": "karpenter", "nodeGroups": {"system": SYSTEM},
      "karpenter": {"controllerNodeGroup": "system", "nodePools": {"general": {**POOL, "nodeClass": "gpu"}}}},
     "nodePools use node class(es) gpu that nodeClasses does not define"),
    ({"computeMode": "karpenter", "nodeGroups": {"system": SYSTEM},
      "karpenter": {"controllerNodeGroup": "system", "nodePools": {"general": {**POOL, "expireAfter": "30d"}}}},
     "eks-platform:karpenter.nodePools.general.expireAfter"),
    ({"computeMode": "karpenter", "nodeGroups": {"system": SYSTEM},
      "karpenter": {"controllerNodeGroup": "system", "nodePools": {"general": {
          **POOL, "budgets": [{"nodes": "0", "schedule": "0 9 * * *"}]}}}},
     "schedule and duration go together"),
    ({"computeMode": "karpenter", "nodeGroups": {"system": SYSTEM},
      "karpenter": {"controllerNodeGroup": "system", "nodePools": {"general": {**POOL, "limit": {}}}}},
     "eks-platform:karpenter.nodePools.general: unknown field(s) limit (did you mean limits?)"),
    ({"computeMode": "karpenter", "nodeGroups": {"system": SYSTEM},
      "karpenter": {"controllerNodeGroup": "system", "nodePools": {"general": {**POOL, "capacityTypes": ["SPOT"]}}}},
     "eks-platform:karpenter.nodePools.general.capacityTypes[0]: must be one of on-demand, spot or reserved"),
    ({"computeMode": "karpenter", "nodeGroups": {"system": SYSTEM},
      "karpenter": {**KARPENTER, "nodeClasses": {"default": {"tags": {"karpenter.sh/nodepool": "x"}}}}},
     "eks-platform:karpenter.nodeClasses.default: tags: karpenter.sh/nodepool set by Karpenter itself"),
])
def test_compute_config_refusals_name_the_keys(overrides: dict[str, Any], fragment: str) -> None:
    message = refused(**overrides)
    assert fragment in message
    if isinstance(overrides.get("karpenter"), dict):
        assert "karpenter: required" not in message, "a bad karpenter value is not also reported missing"


def test_auto_mode_refuses_what_aws_runs_in_one_message() -> None:
    message = refused(computeMode="auto", nodeGroups=None, addons={"loadBalancerController": True},
                      addonVersions={"aws-ebs-csi-driver": "v1.50.1-eksbuild.1", "coredns": "v1.12.5-eksbuild.1"})
    (line,) = [m for m in message.splitlines() if "eks-platform:computeMode: auto" in m]
    for key in ("eks-platform:addons.loadBalancerController", "eks-platform:addonVersions.aws-ebs-csi-driver",
                "eks-platform:addonVersions.coredns"):
        assert key in line, f"{key} missing from: {line}"
    assert "eks-platform:addons.clusterAutoscaler: eks-platform:computeMode: auto" in refused(
        computeMode="auto", nodeGroups=None, addons={"clusterAutoscaler": True})


def test_auto_mode_refuses_node_groups_unless_retiring() -> None:
    assert "eks-platform:nodeGroups: general in computeMode auto" in refused(computeMode="auto")
    cfg = build_config("test", values(computeMode="auto", retiringNodeGroups=["general"]))
    assert cfg.retiring_node_groups == ("general",) and not cfg.cluster_autoscaler and cfg.migrating
    assert cfg.load_balancer_controller and cfg.installs_data_plane, "kept while the node groups retire"
    cfg = build_config("test", values(computeMode="auto", nodeGroups=None))
    assert cfg.node_groups == {} and not cfg.migrating and not cfg.installs_data_plane
    assert not cfg.load_balancer_controller, "EKS runs load balancing in Auto Mode"
    assert cfg.auto_mode is not None and cfg.auto_mode.built_in_node_pools == ["general-purpose", "system"]


def test_auto_mode_pins_no_add_on_aws_runs() -> None:
    pins = {"aws-efs-csi-driver": "v2.1.12-eksbuild.1", "metrics-server": "v0.8.0-eksbuild.1"}
    cfg = build_config("test", values(computeMode="auto", nodeGroups=None, updateChannel="pinned", addonVersions=pins))
    assert cfg.updates.ami_release_version is None, "no node group, no Karpenter: nothing runs an AMI release"
    message = refused(computeMode="auto", nodeGroups=None, updateChannel="pinned", addonVersions={})
    assert "needs a version for aws-efs-csi-driver, metrics-server" in message
    # While node groups retire, the stack keeps (and pins) what they need.
    retiring = refused(computeMode="auto", updateChannel="pinned", amiReleaseVersion="1.35.0-20261015",
                       addonVersions=pins, retiringNodeGroups=["general"])
    assert "needs a version for coredns, eks-pod-identity-agent, kube-proxy, vpc-cni, aws-ebs-csi-driver" in retiring


def test_auto_mode_config() -> None:
    spec = {"builtInNodePools": ["system"], "nodeClasses": {"private": {"networkPolicy": "DefaultDeny"}},
            "nodePools": {"batch": {**POOL, "nodeClass": "private"}}}
    cfg = build_config("test", values(computeMode="auto", nodeGroups=None, autoMode=spec))
    assert cfg.auto_mode is not None
    classes, pools = auto_mode_args(cfg.auto_mode)
    assert classes["private"].network_policy == "DefaultDeny" and classes["private"].ephemeral_storage_size == "80Gi"
    assert pools["batch"].node_class == "private" and pools["batch"].cpu_limit == "64"
    families = build_config("test", values(computeMode="auto", nodeGroups=None, autoMode={"nodePools": {"m": {
        "instanceFamilies": ["m7i"], "limits": POOL["limits"]}}}))
    _, pools = auto_mode_args(families.auto_mode)  # type: ignore[arg-type]
    assert pools["m"].requirement_terms()[-1] == {"key": "eks.amazonaws.com/instance-family", "operator": "In",
                                                 "values": ["m7i"]}


@pytest.mark.parametrize(("auto", "fragment"), [
    ({"nodeClasses": {"default": {}}}, "'default' is EKS's built-in NodeClass"),
    ({"nodePools": {"system": POOL}}, "system is a built-in pool"),
    ({"nodePools": {"p": {**POOL, "nodeClass": "gpu"}}}, "node class(es) gpu that nodeClasses does not define"),
    ({"builtInNodePools": []}, "no node pool"),
    ({"nodePools": {"p": {**POOL, "expireAfter": "Never"}}},
     "eks-platform:autoMode.nodePools.p.expireAfter: Auto Mode takes a duration here, not Never"),
    ({"builtInNodePools": ["gpu"]}, "eks-platform:autoMode.builtInNodePools[0]: must be one of"),
])
def test_auto_mode_config_refusals(auto: dict[str, Any], fragment: str) -> None:
    assert fragment in refused(computeMode="auto", nodeGroups=None, autoMode=auto)


def test_auto_mode_key_only_in_auto_mode() -> None:
    assert "eks-platform:autoMode: set only with eks-platform:computeMode: auto" in refused(autoMode={})
    assert "eks-platform:selfManagedNodeGroups: computeMode auto installs no VPC CNI" in refused(
        computeMode="auto", nodeGroups=None,
        selfManagedNodeGroups={"custom": {"instanceType": "m7i.large", "minSize": 1, "maxSize": 2}})


def test_node_repair_and_percentage_updates() -> None:
    cfg = build_config("test", values())
    general = cfg.node_groups["general"]
    assert general.node_repair and general.max_unavailable is None and general.max_unavailable_percentage == 25
    cfg = build_config("test", values(nodeGroups={"general": {**GENERAL, "nodeRepair": False, "maxUnavailable": 2}}))
    assert not cfg.node_groups["general"].node_repair and cfg.node_groups["general"].max_unavailable == 2
    assert "set maxUnavailable (a count) or maxUnavailablePercentage, not both" in refused(
        nodeGroups={"general": {**GENERAL, "maxUnavailable": 2, "maxUnavailablePercentage": 10}})
    assert "eks-platform:nodeGroups.general.maxUnavailablePercentage: must be a whole number from 1 to 100" in refused(
        nodeGroups={"general": {**GENERAL, "maxUnavailablePercentage": 0}})


def test_the_monitoring_agent_is_pinned_only_where_nodes_repair() -> None:
    pins = {"coredns": "v1.12.5-eksbuild.1", "eks-pod-identity-agent": "v1.3.5-eksbuild.1",
            "kube-proxy": "v1.35.5-eksbuild.1", "vpc-cni": "v1.20.5-eksbuild.1",
            "aws-ebs-csi-driver": "v1.50.1-eksbuild.1", "aws-efs-csi-driver": "v2.1.12-eksbuild.1",
            "metrics-server": "v0.8.0-eksbuild.1"}
    pinned = {"updateChannel": "pinned", "amiReleaseVersion": "1.35.0-20261015", "addonVersions": pins}
    assert "needs a version for eks-node-monitoring-agent" in refused(**pinned)
    build_config("test", values(**pinned, nodeGroups={"general": {**GENERAL, "nodeRepair": False}}))


def test_compute_plan_reports_a_pending_migration() -> None:
    cfg = build_config("test", values(computeMode="karpenter", nodeGroups={"system": SYSTEM, "general": GENERAL},
                                      retiringNodeGroups=["general"], karpenter=KARPENTER))
    message, migrating = compute_plan(cfg)
    assert migrating
    assert "Karpenter provisions nodes for node pool(s) general; its controller and CoreDNS run on system" in message
    assert "Retiring node group(s) general" in message and "docs/MIGRATION-compute.md" in message
    assert "No Cluster Autoscaler" in message
    message, migrating = compute_plan(build_config("test", values()))
    assert not migrating and "scaled by the Cluster Autoscaler" in message


@pytest.mark.parametrize(("stack", "mode"), [("staging", "karpenter"), ("prod", "karpenter")])
def test_stacks_compute_modes(stack: str, mode: str) -> None:
    cfg, _ = load(stack)
    assert cfg.compute_mode == mode and cfg.karpenter is not None
    assert cfg.karpenter.controller_node_group == "system"
    assert cfg.node_groups["system"].taints[0].key == "CriticalAddonsOnly"
    assert all(p.limits.cpu and p.limits.memory for p in cfg.karpenter.node_pools.values())


def test_auto_mode_exposes_workloads_without_the_controller() -> None:
    workloads = {"api": {"namespace": "payments", "image": {"repository": "payments/api", "tag": "1.0.0"},
                         "exposure": {"type": "nlb", "certificateArn": "arn:aws:acm:us-west-2:111111111111:certificate/"
                                                                       "6a1c2f0e-8d2b-4d0a-9c1e-2f4b7d9e0a11"}}}
    common = {"repositories": {"payments/api": {}}, "workloads": workloads,
              "addons": {"loadBalancerController": False}}
    cfg = build_config("test", values(computeMode="auto", nodeGroups=None, **common))
    assert cfg.workloads["api"].exposure is not None and not cfg.load_balancer_controller
    assert "eks-platform:addons.loadBalancerController is off, so no load balancer would be made" in refused(**common)
