"""An EKS Auto Mode cluster built from the components, through preflight with the pack in both phases: the
existing rules find nothing to block (prod's config included), and what AWS runs in Auto Mode is absent."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import FIXTURES, REPO, preflight_json

PROGRAM = FIXTURES / "programs" / "auto-mode"


def _run(*config: str) -> dict[str, Any]:
    code, data, err = preflight_json("--program", str(PROGRAM), "--stack", "dev", "--phase", "both",
                                     "--policy-pack", str(REPO / "policies"), *config)
    assert code == 0, err
    assert data["summary"]["phases"] == ["preview", "up"]
    return data


@pytest.mark.e2e
@pytest.mark.parametrize("config", [(), ("--policy-pack-config", str(REPO / "policies" / "config" / "prod.json"))],
                         ids=["defaults", "prod"])
def test_auto_mode_cluster_passes_the_pack_in_both_phases(config: tuple[str, ...]) -> None:
    data = _run(*config)
    assert data["summary"]["mandatoryViolations"] == 0, data["violations"]
    assert data["violations"] == [] and data["unchecked"] == [], "every rule decides at the first preview"
    assert data["manifestErrors"] == []


@pytest.mark.e2e
def test_auto_mode_program_runs_what_aws_does_not_and_nothing_aws_does() -> None:
    resources = _run()["resources"]
    by_name = {r["name"]: r for r in resources if r["custom"]}
    types = {r["type"] for r in resources}
    cluster = by_name["auto-cluster"]["inputs"]
    assert cluster["computeConfig"]["enabled"] is True
    assert cluster["computeConfig"]["nodePools"] == ["general-purpose", "system"]
    assert cluster["storageConfig"]["blockStorage"]["enabled"] is True
    assert cluster["kubernetesNetworkConfig"]["elasticLoadBalancing"]["enabled"] is True
    assert "aws:eks/addon:Addon" not in types, "no VPC CNI, kube-proxy, CoreDNS, agent or EBS CSI add-on"
    assert not [t for t in types if t.startswith("kubernetes:helm.sh/")], \
        "no Load Balancer Controller or Cluster Autoscaler chart"
    assert not [r for r in resources if r["type"] == "aws:eks/nodeGroup:NodeGroup"]

    pool = by_name["auto-mode-pool-batch"]
    assert pool["type"] == "kubernetes:karpenter.sh/v1:NodePool"
    assert pool["inputs"]["spec"]["template"]["spec"]["nodeClassRef"]["name"] == "private"
    assert any(dep.endswith("::auto-mode-class-private") for dep in pool["dependencies"]), "the pool waits for its class"
    node_class = by_name["auto-mode-class-private"]
    assert any(dep.endswith("::auto-mode-node-access-policy") for dep in node_class["dependencies"]), \
        "nodes of the class may join before it exists"
    assert by_name["auto-mode-node-access"]["inputs"]["type"] == "EC2"

    assert by_name["auto-mode-storage-class"]["inputs"]["provisioner"] == "ebs.csi.eks.amazonaws.com"
    assert by_name["orders-data"]["inputs"]["spec"]["storageClassName"] == "gp3"
    assert by_name["api-nlb"]["inputs"]["spec"]["loadBalancerClass"] == "eks.amazonaws.com/nlb"
    hand_written = by_name["metrics-nlb"]["inputs"]
    assert hand_written["spec"]["loadBalancerClass"] == "eks.amazonaws.com/nlb"
    assert not [a for a in hand_written["metadata"]["annotations"] if a.endswith("-scheme")], \
        "E7 takes Auto Mode's default scheme, internal, as the controller's (the pass above shows it silent)"
    assert by_name["web-ingress"]["inputs"]["spec"]["ingressClassName"] == "alb"
    assert by_name["auto-mode-alb"]["inputs"]["spec"]["controller"] == "eks.amazonaws.com/alb"
