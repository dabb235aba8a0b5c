"""`pulumi destroy` of a non-prod stack ends cleanly: what the in-cluster controllers create in AWS goes first.

The engine deletes a resource only after everything that depends on it (and every child before its
parent). A load balancer's Service or Ingress must therefore depend on the AWS Load Balancer Controller,
which must depend on the nodes it runs on, which depend on the subnets: then a destroy deletes the Service
while the controller still runs to remove the load balancer and its security groups, before nodes, ENIs and
the VPC go. That ordering is what prevents the DependencyViolation users report when a VPC is deleted under
a load balancer nobody declared.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import preflight_json

pytestmark = pytest.mark.e2e


def _graph(stack: str) -> tuple[dict[str, dict[str, Any]], dict[str, set[str]]]:
    code, data, err = preflight_json("--stack", stack, "--phase", "up", "--no-policy-pack")
    assert code == 0, err
    resources = {r["urn"]: r for r in data["resources"]}
    edges = {urn: {*r["dependencies"], *(u for us in r["propertyDependencies"].values() for u in us),
                   *([r["parent"]] if r["parent"] else [])} for urn, r in resources.items()}
    return resources, edges


def _reaches(edges: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _by_type(resources: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    by_type: dict[str, list[str]] = {}
    for urn, r in resources.items():
        by_type.setdefault(r["type"], []).append(urn)
    return by_type


def _balanced(resources: dict[str, dict[str, Any]], by_type: dict[str, list[str]]) -> list[str]:
    balanced = [u for u in by_type.get("kubernetes:core/v1:Service", [])
                if resources[u]["inputs"]["spec"].get("type") == "LoadBalancer"]
    balanced += by_type.get("kubernetes:networking.k8s.io/v1:Ingress", [])
    assert balanced, "the sample app is exposed"
    return balanced


def test_load_balancers_go_before_the_controller_nodes_and_network() -> None:
    resources, edges = _graph("staging")
    by_type = _by_type(resources)
    (chart,) = [u for u in by_type["kubernetes:helm.sh/v4:Chart"] if "-lb-controller-chart" in u]
    for urn in _balanced(resources, by_type):
        assert chart in edges[urn], f"{urn} is deleted while the controller still runs"
    after_chart = _reaches(edges, chart)
    for compute in by_type["aws:eks/nodeGroup:NodeGroup"]:
        assert compute in after_chart, "the controller is deleted before the nodes it runs on"
    for subnet in by_type["aws:ec2/subnet:Subnet"]:
        if "-private-" in subnet:
            assert subnet in after_chart, "and the nodes before their subnets"
    for target in by_type.get("aws:efs/mountTarget:MountTarget", []):
        assert {u for u in by_type["aws:ec2/subnet:Subnet"] if "-private-" in u} & edges[target]


def test_auto_mode_load_balancers_go_before_the_cluster_and_network() -> None:
    """In Auto Mode EKS itself removes a Service's or Ingress's load balancer: they go while the cluster runs."""
    resources, edges = _graph("dev")
    by_type = _by_type(resources)
    (cluster,) = by_type["aws:eks/cluster:Cluster"]
    private = {u for u in by_type["aws:ec2/subnet:Subnet"] if "-private-" in u}
    for urn in _balanced(resources, by_type):
        assert any("eks-platform:components:AutoMode$" in u for u in edges[urn]), f"{urn} waits for Auto Mode"
        later = _reaches(edges, urn)
        assert cluster in later and private <= later, f"{urn} is deleted before the cluster and its subnets"


def test_karpenter_outlives_what_runs_on_its_nodes() -> None:
    """A destroy deletes the node pools while Karpenter still runs to terminate their nodes, and Karpenter
    before the node group it runs on."""
    resources, edges = _graph("staging")
    by_type: dict[str, list[str]] = {}
    for urn, r in resources.items():
        by_type.setdefault(r["type"], []).append(urn)
    (lb_chart,) = [u for u in by_type["kubernetes:helm.sh/v4:Chart"] if "-lb-controller-chart" in u]
    (karpenter,) = [u for u in by_type["kubernetes:helm.sh/v4:Chart"] if "-karpenter-chart" in u]
    pools = by_type["kubernetes:karpenter.sh/v1:NodePool"]
    assert pools and all(p in _reaches(edges, lb_chart) for p in pools), "add-ons go before the nodes they run on"
    assert all(karpenter in edges[p] for p in pools), "node pools go while Karpenter still terminates their nodes"
    (system,) = by_type["aws:eks/nodeGroup:NodeGroup"]
    assert system in _reaches(edges, karpenter), "Karpenter goes before the node group it runs on"


def test_prod_refuses_to_destroy_its_data() -> None:
    resources, _ = _graph("prod")
    stateful = ("aws:efs/fileSystem:FileSystem", "aws:fsx/lustreFileSystem:LustreFileSystem", "aws:kms/key:Key",
                "aws:eks/cluster:Cluster", "aws:ecr/repository:Repository", "aws:cloudwatch/logGroup:LogGroup")
    found = [r for r in resources.values() if r["type"] in stateful]
    assert len(found) >= 12 and all(r["protect"] for r in found), "pulumi destroy stops at a protected resource"
