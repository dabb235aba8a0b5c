"""Switching computeMode is a migration (docs/MIGRATION-compute.md): step 1 adds the new capacity and keeps the
old node groups and what they need with the same URNs, step 2 removes them. Each step passes staging's pack."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO, preflight_json, scratch_program

pytestmark = pytest.mark.e2e

GENERAL = {"instanceTypes": ["m7i.large"], "capacityType": "ON_DEMAND", "minSize": 2, "desiredSize": 3, "maxSize": 6}


def _run(tmp_path: Path, **changes: Any) -> tuple[dict[str, Any], set[str]]:
    """Preflight of staging's config with ``changes`` as stack ``staging`` (so URNs compare with the snapshot)."""
    scratch_program(tmp_path, copy=True)
    config = yaml.safe_load((REPO / "Pulumi.staging.yaml").read_text())["config"]
    for key, value in changes.items():
        if value is None:
            config.pop(f"eks-platform:{key}", None)
        else:
            config[f"eks-platform:{key}"] = value
    (tmp_path / "Pulumi.staging.yaml").write_text(yaml.safe_dump({"config": config}, sort_keys=False))
    code, data, err = preflight_json("--program", str(tmp_path), "--stack", "staging", "--policy-pack",
                                     str(REPO / "policies"), "--policy-pack-config",
                                     str(REPO / "policies" / "config" / "staging.json"))
    assert code == 0, err
    assert data["summary"]["mandatoryViolations"] == 0
    return data, {r["urn"] for r in data["resources"]
            if not (r["type"].startswith("pulumi:providers:") and r["name"].startswith("default"))}


def _names(urns: set[str], token: str) -> set[str]:
    return {u.rsplit("::", 1)[1] for u in urns if f"{token}::" in u}


def test_karpenter_step_one_keeps_the_retiring_group_and_warns(tmp_path: Path) -> None:
    data, urns = _run(tmp_path, nodeGroups={"system": yaml.safe_load((REPO / "Pulumi.staging.yaml").read_text())[
        "config"]["eks-platform:nodeGroups"]["system"], "general": GENERAL}, retiringNodeGroups=["general"])
    assert _names(urns, "aws:eks/nodeGroup:NodeGroup") == {"staging-general", "staging-system"}
    assert "eks-platform:components:ClusterAutoscaler" not in {r["type"] for r in data["resources"]}
    recorded = set((REPO / "tests" / "snapshots" / "urns-staging.txt").read_text().split())
    assert recorded - urns == set(), "step 1 removes nothing the finished move keeps"
    assert {u.rsplit("::", 1)[1] for u in urns - recorded} == {"staging-general", "staging-general-lt"}
    (warning,) = [d["message"] for d in data["diagnostics"] if d["severity"] == "warning"]
    assert "Retiring node group(s) general are kept" in warning and "docs/MIGRATION-compute.md" in warning


def test_auto_mode_step_one_keeps_the_data_plane_then_step_two_removes_it(tmp_path: Path) -> None:
    pins = yaml.safe_load((REPO / "Pulumi.staging.yaml").read_text())["config"]["eks-platform:addonVersions"]
    step1, urns1 = _run(tmp_path / "one", computeMode="auto", karpenter=None, nodeGroups={"general": GENERAL},
                        retiringNodeGroups=["general"], autoMode={"builtInNodePools": ["general-purpose", "system"]})
    kept = {"staging-coredns", "staging-kube-proxy", "staging-vpc-cni", "staging-pod-identity-agent",
            "staging-ebs-addon"}
    assert kept <= _names(urns1, "aws:eks/addon:Addon"), "the retiring nodes keep their add-ons (same URNs)"
    assert "staging-lb-controller" in _names(urns1, "eks-platform:components:LoadBalancerController")
    classes = {r["inputs"]["metadata"]["name"]: r["inputs"]["metadata"].get("annotations", {})
               for r in step1["resources"] if r["type"] == "kubernetes:storage.k8s.io/v1:StorageClass"}
    default = "storageclass.kubernetes.io/is-default-class"
    assert classes["gp3"][default] == "true" and classes["auto-ebs"][default] == "false", "one default class"
    ingress_classes = [r for r in step1["resources"] if r["type"] == "kubernetes:networking.k8s.io/v1:IngressClass"]
    assert not ingress_classes, "the controller's chart owns `alb` until it is gone"
    (cluster,) = [r for r in step1["resources"] if r["type"] == "aws:eks/cluster:Cluster"]
    assert cluster["inputs"]["computeConfig"]["enabled"] is True

    final = {k: v for k, v in pins.items()
             if k not in ("coredns", "kube-proxy", "vpc-cni", "eks-pod-identity-agent", "aws-ebs-csi-driver",
                          "eks-node-monitoring-agent")}
    step2, urns2 = _run(tmp_path / "two", computeMode="auto", karpenter=None, nodeGroups=None, addonVersions=final,
                        autoMode={"builtInNodePools": ["general-purpose", "system"]})
    assert not kept & _names(urns2, "aws:eks/addon:Addon")
    assert not _names(urns2, "aws:eks/nodeGroup:NodeGroup")
    assert "eks-platform:components:LoadBalancerController" not in {r["type"] for r in step2["resources"]}
    assert step2["outputs"]["storage_classes"]["ebs"] == "auto-ebs"
    (ingress_class,) = [r for r in step2["resources"] if r["type"] == "kubernetes:networking.k8s.io/v1:IngressClass"]
    assert ingress_class["inputs"]["metadata"]["name"] == "alb"
    assert not [d for d in step2["diagnostics"] if d["severity"] == "warning"], "no migration pending"
