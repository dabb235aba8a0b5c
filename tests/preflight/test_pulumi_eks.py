"""pulumi-eks v4 components judged by the children they create, as in a real preview.

A real ``pulumi preview`` analyzes a pulumi-eks component with empty inputs (its Node.js SDK sends none for
a local component) and then the children its provider registers. preflight registers those children itself
from pulumi-eks' documented defaults (pulumi-eks ``nodejs/eks/cluster/cluster.ts`` and
``nodejs/eks/nodes/nodegroup.ts``, v4), so the same rules fire on the same URNs.
"""

from __future__ import annotations

from typing import Any

import pytest

from preflight._wire import UNKNOWN
from preflight.mockcloud import CloudIdentity
from preflight.pulumi_eks import Model
from tests.conftest import FIXTURES, preflight_json, run_preflight

PROGRAM = FIXTURES / "programs" / "pulumi-eks"
PREFIX = "urn:pulumi:dev::eks-quickstart::"


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    # Its only stack file is dev's, which preflight picks: the run test_real_world_causes.py's determinism test
    # asks for (shared).
    code, data, err = preflight_json("--program", str(PROGRAM))
    assert code == 1, err
    return data


def _findings(report: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(v["policy"], v["urn"].rsplit("::", 1)[1], "+".join(v["phases"])) for v in report["violations"]}


def test_children_carry_the_urns_pulumi_eks_gives_them(report: dict[str, Any]) -> None:
    modelled = {r["urn"].removeprefix(PREFIX) for r in report["resources"] if r.get("modelled")}
    assert modelled == {
        "eks:index:Cluster$aws:eks/cluster:Cluster::quick-eksCluster",
        "eks:index:Cluster$pulumi:providers:kubernetes::quick-eks-k8s",
        "eks:index:Cluster$kubernetes:core/v1:ConfigMap::quick-nodeAccess",
        "eks:index:Cluster$aws:ec2/launchTemplate:LaunchTemplate::quick-launchTemplate",
        "eks:index:Cluster$aws:autoscaling/group:Group::quick",
        "eks:index:NodeGroupV2$aws:ec2/launchTemplate:LaunchTemplate::workers-launchTemplate",
        "eks:index:NodeGroupV2$aws:autoscaling/group:Group::workers",
        "eks:index:NodeGroup$aws:ec2/launchConfiguration:LaunchConfiguration::legacy-nodeLaunchConfiguration",
        "eks:index:Cluster$aws:eks/cluster:Cluster::mapped-eksCluster",
        "eks:index:Cluster$pulumi:providers:kubernetes::mapped-eks-k8s",
        "eks:index:Cluster$kubernetes:core/v1:ConfigMap::mapped-nodeAccess",
        "eks:index:Cluster$aws:eks/cluster:Cluster::hardened-eksCluster",
        "eks:index:ManagedNodeGroup$aws:ec2/launchTemplate:LaunchTemplate::hardened-nodes-launchTemplate",
        "eks:index:ManagedNodeGroup$aws:eks/nodeGroup:NodeGroup::hardened-nodes",
    }


def test_the_components_themselves_reach_the_pack_with_empty_inputs(report: dict[str, Any]) -> None:
    components = [r for r in report["resources"] if r["type"].startswith("eks:index:")]
    assert len(components) == 6 and all(r["inputs"] == {} for r in components)
    assert not [v for v in report["violations"] if v["urn"].split("::")[2].startswith("eks:index:")
                and "$" not in v["urn"].split("::")[2]], "no finding on a component itself"


CLUSTER_DEFAULTS = ("aws-eks-cluster-disallow-api-endpoint-public-access", "aws-eks-cluster-configure-public-access-cidrs",
                    "aws-eks-cluster-enable-secrets-encryption", "aws-eks-cluster-enable-control-plane-logging",
                    "aws-eks-cluster-enforce-access-entry-api", "aws-eks-cluster-disable-creator-admin",
                    "aws-eks-cluster-configure-supported-version", "aws-eks-cluster-configure-standard-support")
NODE_DEFAULTS = ("aws-ec2-launchtemplate-disallow-public-ip", "aws-ec2-launchtemplate-enforce-imdsv2",
                 "aws-ec2-launchtemplate-enable-volume-encryption")


def test_a_cluster_and_node_groups_with_every_default_get_the_findings_of_their_children(report: dict[str, Any]) -> None:
    both = "preview+up"
    expected = {(p, f"{c}-eksCluster", both) for p in CLUSTER_DEFAULTS for c in ("quick", "mapped")}
    for template in ("quick-launchTemplate", "workers-launchTemplate", "legacy-nodeLaunchConfiguration"):
        expected |= {(p, template, both) for p in NODE_DEFAULTS}
    expected |= {("aws-autoscaling-group-enforce-launch-template", "legacy-nodeLaunchConfiguration", both),
                 # mapUsers is known at preview although mapRoles (a new role's ARN) is not: both phases.
                 ("aws-eks-accessentry-disallow-iam-users", "mapped-nodeAccess", both),
                 ("aws-eks-accessentry-disallow-system-masters", "mapped-nodeAccess", both)}
    found = {f for f in _findings(report) if not f[1].startswith("hardened")}
    assert found == expected


def test_the_hardened_cluster_keeps_only_what_pulumi_eks_forces(report: dict[str, Any]) -> None:
    # pulumi-eks always sets bootstrapClusterCreatorAdminPermissions=true with an authentication mode.
    assert {f for f in _findings(report) if f[1].startswith("hardened")} == {
        ("aws-eks-cluster-disable-creator-admin", "hardened-eksCluster", "preview+up")}
    template = next(r for r in report["resources"] if r["urn"].endswith("::hardened-nodes-launchTemplate"))
    assert template["inputs"]["metadataOptions"] == {"httpTokens": "required", "httpPutResponseHopLimit": 1,
                                                     "httpEndpoint": "enabled"}, "enableIMDSv2, then the transform"


def test_what_a_real_first_preview_cannot_decide_is_named(report: dict[str, Any]) -> None:
    unchecked = {(u["policy"], u["urn"].rsplit("::", 1)[1]) for u in report["unchecked"]}
    assert unchecked == {
        # pulumi-eks renders user data from the new cluster's endpoint, and mapRoles from the new node role.
        ("aws-ec2-launchtemplate-disallow-secrets-in-user-data", "quick-launchTemplate"),
        ("aws-ec2-launchtemplate-disallow-secrets-in-user-data", "workers-launchTemplate"),
        ("aws-ec2-launchtemplate-disallow-secrets-in-user-data", "legacy-nodeLaunchConfiguration"),
        ("aws-eks-accessentry-disallow-system-masters", "quick-nodeAccess"),
        ("aws-eks-accessentry-disallow-system-masters", "mapped-nodeAccess")}
    hidden = {n["urn"].rsplit("::", 1)[1]: n["reason"] for n in report["notVisible"]}
    assert "quick-eksCluster, quick-eks-k8s, quick-nodeAccess, quick-launchTemplate, quick" in hidden["quick"]


def test_two_runs_print_the_same_bytes() -> None:
    # Two processes, under two hash seeds: the runs of test_real_world_causes.py's determinism test (shared).
    first, second = (run_preflight("--program", str(PROGRAM), extra_env={"PYTHONHASHSEED": seed})
                     for seed in ("0", "31337"))
    assert first.returncode == second.returncode == 1
    assert first.stdout == second.stdout and first.stderr == second.stderr == ""


# -- the model on its own --------------------------------------------------------------------

def _model(preview: bool = True, others: dict[str, dict[str, Any]] | None = None) -> Model:
    return Model(CloudIdentity(region="us-west-2"), "dev", preview, lambda urn: (others or {}).get(urn, {}))


def _by_name(children: list[Any]) -> dict[str, Any]:
    return {c.name: c for c in children}


def test_al2_nodes_state_an_unencrypted_gp2_root_volume_and_false_stays_false() -> None:
    lt = _by_name(_model().children("eks:index:NodeGroupV2", "ng", {
        "operatingSystem": "AL2", "nodeAssociatePublicIpAddress": False}, {}))["ng-launchTemplate"]
    assert lt.inputs["blockDeviceMappings"] == [{"deviceName": "/dev/xvda", "ebs": {
        "encrypted": "false", "volumeSize": 20, "volumeType": "gp2", "deleteOnTermination": "true"}}]
    assert lt.inputs["networkInterfaces"][0]["associatePublicIpAddress"] == "false"
    assert lt.inputs["instanceType"] == "t3.medium" and "metadataOptions" not in lt.inputs
    assert lt.inputs["userData"] == UNKNOWN, "pulumi-eks renders it from the cluster endpoint"


def test_unknown_inputs_stay_unknown_and_property_dependencies_follow() -> None:
    key = "urn:pulumi:dev::p::aws:kms/key:Key::k"
    cluster = _by_name(_model().children("eks:index:Cluster", "c", {
        "encryptionConfigKeyArn": UNKNOWN, "endpointPublicAccess": UNKNOWN, "skipDefaultNodeGroup": True},
        {"encryptionConfigKeyArn": [key]}))["c-eksCluster"]
    assert cluster.inputs["encryptionConfig"] == {"provider": {"keyArn": UNKNOWN}, "resources": ["secrets"]}
    assert cluster.inputs["vpcConfig"]["endpointPublicAccess"] == UNKNOWN
    assert cluster.property_dependencies["encryptionConfig"] == [key]


def test_authentication_modes_decide_aws_auth_and_access_entries() -> None:
    api = _by_name(_model(preview=False).children("eks:index:Cluster", "c", {
        "authenticationMode": "API", "accessEntries": {"ops": {
            "principalArn": "arn:aws:iam::123456789012:role/ops", "kubernetesGroups": ["ops"],
            "accessPolicies": {"view": {"policyArn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy",
                                        "accessScope": {"type": "cluster"}}}}}}, {}))
    assert "c-nodeAccess" not in api and "c-eks-k8s" not in api
    assert api["c-ops"].inputs["kubernetesGroups"] == ["ops"]
    assert api["c-ops-view"].parent == "c-ops"
    assert api["c-defaultNodeGroupInstanceRole"].inputs["type"] == "EC2_LINUX"
    legacy = _by_name(_model(preview=False).children("eks:index:Cluster", "c", {
        "roleMappings": [{"roleArn": "arn:aws:iam::123456789012:role/ops", "username": "ops", "groups": ["ops"]}]}, {}))
    roles = legacy["c-nodeAccess"].inputs["data"]["mapRoles"]
    assert "rolearn: arn:aws:iam::123456789012:role/ops" in roles and "system:bootstrappers" in roles


def test_fargate_skips_the_default_node_group_and_a_managed_group_needs_a_reason_for_a_template() -> None:
    assert not {c.type for c in _model().children("eks:index:Cluster", "c", {"fargate": True}, {})} & {
        "aws:ec2/launchTemplate:LaunchTemplate", "aws:autoscaling/group:Group"}
    cluster = "urn:pulumi:dev::p::eks:index:Cluster::main"
    plain = _model(others={cluster: {"privateSubnetIds": ["subnet-1"]}}).children(
        "eks:index:ManagedNodeGroup", "ng", {"cluster": cluster, "diskSize": 50}, {})
    assert [c.type for c in plain] == ["aws:eks/nodeGroup:NodeGroup"]
    group = plain[0].inputs
    assert group["subnetIds"] == ["subnet-1"] and group["diskSize"] == 50
    assert group["clusterName"].startswith("main-eksCluster-")
    assert group["scalingConfig"] == {"desiredSize": 2, "minSize": 1, "maxSize": 2}
