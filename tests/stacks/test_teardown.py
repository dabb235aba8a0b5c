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


@pytest.mark.parametrize("stack", ["dev", "staging"])
def test_load_balancers_go_before_the_controller_nodes_and_network(stack: str) -> None:
    resources, edges = _graph(stack)
    by_type: dict[str, list[str]] = {}
    for urn, r in resources.items():
        by_type.setdefault(r["type"], []).append(urn)
    (chart,) = [u for u in by_type["kubernetes:helm.sh/v4:Chart"] if "-lb-controller-chart" in u]
    balanced = [u for u in by_type.get("kubernetes:core/v1:Service", [])
                if resources[u]["inputs"]["spec"].get("type") == "LoadBalancer"]
    balanced += by_type.get("kubernetes:networking.k8s.io/v1:Ingress", [])
    assert balanced, "the sample app is exposed"
    for urn in balanced:
        assert chart in edges[urn], f"{urn} is deleted while the controller still runs"
    after_chart = _reaches(edges, chart)
    for compute in by_type["aws:eks/nodeGroup:NodeGroup"]:
        assert compute in after_chart, "the controller is deleted before the nodes it runs on"
    for subnet in by_type["aws:ec2/subnet:Subnet"]:
        if "-private-" in subnet:
            assert subnet in after_chart, "and the nodes before their subnets"
    for target in by_type.get("aws:efs/mountTarget:MountTarget", []):
        assert {u for u in by_type["aws:ec2/subnet:Subnet"] if "-private-" in u} & edges[target]


def test_prod_refuses_to_destroy_its_data() -> None:
    resources, _ = _graph("prod")
    stateful = ("aws:efs/fileSystem:FileSystem", "aws:fsx/lustreFileSystem:LustreFileSystem", "aws:kms/key:Key",
                "aws:eks/cluster:Cluster", "aws:ecr/repository:Repository", "aws:cloudwatch/logGroup:LogGroup")
    found = [r for r in resources.values() if r["type"] in stateful]
    assert len(found) >= 12 and all(r["protect"] for r in found), "pulumi destroy stops at a protected resource"
