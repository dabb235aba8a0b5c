"""Karpenter v1: controller policy, interruption queue and rules, node role and access entry, EC2NodeClass and
NodePool objects (pure tests and pulumi mocks)."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from components.karpenter import (
    INTERRUPTION_EVENTS,
    DisruptionBudget,
    Karpenter,
    KarpenterArgs,
    KarpenterTaint,
    NodeClassArgs,
    NodePoolArgs,
    ami_alias,
    controller_policy,
    node_pool_spec,
    queue_policy,
)
from tests.conftest import synth

GENERAL = NodePoolArgs(cpu_limit="64", memory_limit="256Gi", instance_categories=("c", "m", "r"),
                       capacity_types=("on-demand", "spot"))
BATCH = NodePoolArgs(cpu_limit="32", memory_limit="128Gi", instance_families=("m7i", "c7i"), node_class="big",
                     architectures=("arm64",), taints=(KarpenterTaint(key="dedicated", value="batch",
                                                                      effect="NoSchedule"),),
                     labels={"tier": "batch"}, weight=20, consolidation_policy="WhenEmpty",
                     budgets=(DisruptionBudget(nodes="10%"),
                              DisruptionBudget(nodes="0", schedule="0 9 * * mon-fri", duration="8h",
                                               reasons=("Underutilized",))))


def _policy() -> dict[str, Any]:
    return json.loads(controller_policy("aws", "us-west-2", "123456789012", "eks-prod",
                                        "arn:aws:sqs:us-west-2:123456789012:eks-prod-karpenter",
                                        "arn:aws:iam::123456789012:role/eks-prod-karpenter-node", "prod-node-volume-key"))


def _statements(action: str) -> list[dict[str, Any]]:
    out = []
    for s in _policy()["Statement"]:
        actions = [s["Action"]] if isinstance(s["Action"], str) else s["Action"]
        if action in actions:
            out.append(s)
    return out


def test_policy_names_every_action() -> None:
    for s in _policy()["Statement"]:
        actions = [s["Action"]] if isinstance(s["Action"], str) else s["Action"]
        assert not [a for a in actions if "*" in a], f"{s['Sid']}: wildcard action"
        assert s["Effect"] == "Allow"


@pytest.mark.parametrize("action", ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"])
def test_terminate_and_delete_only_what_this_cluster_owns(action: str) -> None:
    (statement,) = _statements(action)
    assert statement["Resource"] != "*" and "*" not in statement["Resource"]
    assert statement["Condition"]["StringEquals"] == {"aws:ResourceTag/kubernetes.io/cluster/eks-prod": "owned"}
    assert statement["Condition"]["StringLike"] == {"aws:ResourceTag/karpenter.sh/nodepool": "*"}


def test_pass_role_names_the_node_role_and_ec2_only() -> None:
    (statement,) = _statements("iam:PassRole")
    assert statement["Resource"] == "arn:aws:iam::123456789012:role/eks-prod-karpenter-node"
    assert statement["Condition"] == {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}


def test_launches_carry_the_cluster_tags_and_tags_are_scoped() -> None:
    created = [s for s in _statements("ec2:CreateLaunchTemplate")]
    assert len(created) == 1
    assert created[0]["Condition"]["StringEquals"]["aws:RequestTag/kubernetes.io/cluster/eks-prod"] == "owned"
    for s in _statements("ec2:CreateTags"):
        assert s["Resource"] != "*" and "Condition" in s, f"{s['Sid']}: CreateTags unscoped"
    for s in _statements("iam:DeleteInstanceProfile") + _statements("iam:AddRoleToInstanceProfile"):
        assert s["Condition"]["StringEquals"]["aws:ResourceTag/kubernetes.io/cluster/eks-prod"] == "owned"
    (queue,) = _statements("sqs:ReceiveMessage")
    assert queue["Resource"] == "arn:aws:sqs:us-west-2:123456789012:eks-prod-karpenter"
    (kms,) = _statements("kms:CreateGrant")
    assert kms["Condition"]["StringEquals"] == {"kms:ViaService": "ec2.us-west-2.amazonaws.com",
                                                "aws:ResourceTag/Name": "prod-node-volume-key"}


def test_queue_policy_lets_eventbridge_send_and_refuses_plain_http() -> None:
    allow, deny = json.loads(queue_policy("arn:aws:sqs:us-west-2:1:q"))["Statement"]
    assert allow["Principal"] == {"Service": ["events.amazonaws.com", "sqs.amazonaws.com"]}
    assert allow["Action"] == "sqs:SendMessage" and allow["Resource"] == "arn:aws:sqs:us-west-2:1:q"
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


@pytest.mark.parametrize(("channel", "release", "alias"), [
    ("latest", None, "al2023@latest"),
    ("latest", "1.35.0-20261015", "al2023@latest"),
    ("pinned", "1.35.0-20261015", "al2023@v20261015"),
])
def test_ami_alias_follows_the_update_channel(channel: str, release: str | None, alias: str) -> None:
    assert ami_alias(channel, release) == alias


@pytest.mark.parametrize("release", [None, "latest", "1.35.0"])
def test_a_pinned_alias_needs_a_release(release: str | None) -> None:
    with pytest.raises(ValueError, match="a pinned channel needs an EKS AMI release"):
        ami_alias("pinned", release)


def test_node_pool_spec_from_typed_args() -> None:
    spec = node_pool_spec("batch", BATCH)
    template = spec["template"]
    assert template["metadata"] == {"labels": {"tier": "batch", "eks-platform/node-pool": "batch"}}
    assert template["spec"]["nodeClassRef"] == {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": "big"}
    assert template["spec"]["requirements"][:3] == [
        {"key": "karpenter.k8s.aws/instance-family", "operator": "In", "values": ["m7i", "c7i"]},
        {"key": "karpenter.sh/capacity-type", "operator": "In", "values": ["on-demand"]},
        {"key": "kubernetes.io/arch", "operator": "In", "values": ["arm64"]}]
    assert template["spec"]["taints"] == [{"key": "dedicated", "effect": "NoSchedule", "value": "batch"}]
    assert template["spec"]["expireAfter"] == "720h" and template["spec"]["terminationGracePeriod"] == "24h"
    assert spec["disruption"] == {"consolidationPolicy": "WhenEmpty", "consolidateAfter": "1m", "budgets": [
        {"nodes": "10%"},
        {"nodes": "0", "schedule": "0 9 * * mon-fri", "duration": "8h", "reasons": ["Underutilized"]}]}
    assert spec["limits"] == {"cpu": "32", "memory": "128Gi"} and spec["weight"] == 20
    general = node_pool_spec("general", GENERAL)
    assert general["template"]["spec"]["requirements"][0]["key"] == "karpenter.k8s.aws/instance-category"
    assert "taints" not in general["template"]["spec"] and "weight" not in general


@pytest.mark.parametrize(("kwargs", "message"), [
    ({}, "exactly one of instance_categories and instance_families"),
    ({"instance_categories": ("m",), "instance_families": ("m7i",)}, "exactly one of"),
    ({"instance_categories": ("m",), "cpu_limit": ""}, "cpu_limit and memory_limit are required"),
    ({"instance_categories": ("m",), "budgets": ()}, "at least one disruption budget"),
    ({"instance_categories": ("m",), "expire_after": "30d"}, "expire_after: a duration"),
])
def test_node_pool_args_refuse(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        NodePoolArgs(**{"cpu_limit": "8", "memory_limit": "32Gi", **kwargs})


def _build(**overrides: Any) -> Karpenter:
    def build() -> Karpenter:
        provider = pulumi.ProviderResource("kubernetes", "k8s", {"kubeconfig": "{}"})
        args = {"cluster_name": "eks-test", "cluster": "eks-test", "cluster_endpoint": "https://example.eks",
                "cluster_security_group_id": "sg-0123456789abcdef0", "region": "us-west-2",
                "kubernetes_provider": provider,
                "volume_key_arn": "arn:aws:kms:us-west-2:123456789012:key/00000000-0000-0000-0000-000000000000",
                "volume_key_name": "test-node-volume-key", "ami_alias": "al2023@v20261015",
                "node_pools": {"general": GENERAL, "batch": BATCH},
                "node_classes": {"default": NodeClassArgs(), "big": NodeClassArgs(volume_size_gib=200,
                                                                                  tags={"team": "ml"})},
                "controller_node_selector": {"eks-platform/node-group": "system"}, **overrides}
        return Karpenter("k", KarpenterArgs(**args))
    return synth(build)


def test_interruption_queue_is_encrypted_and_fed_by_four_rules(mocks) -> None:  # type: ignore[no-untyped-def]
    _build()
    queue = mocks.created["k-interruption"].inputs
    assert queue["sqsManagedSseEnabled"] is True and queue["name"] == "eks-test-karpenter"
    assert queue["messageRetentionSeconds"] == 300
    for suffix, source, detail_type in INTERRUPTION_EVENTS:
        pattern = json.loads(mocks.created[f"k-{suffix}"].inputs["eventPattern"])
        assert pattern == {"source": [source], "detail-type": [detail_type]}
        assert mocks.created[f"k-{suffix}-target"].typ == "aws:cloudwatch/eventTarget:EventTarget"
    assert {s for s, _, _ in INTERRUPTION_EVENTS} == {"scheduled-change", "spot-interruption", "rebalance",
                                                       "instance-state-change"}
    assert "k-interruption-policy" in mocks.created


def test_node_role_joins_through_an_access_entry(mocks) -> None:  # type: ignore[no-untyped-def]
    _build()
    role = mocks.created["k-node-role"].inputs
    assert role["name"] == "eks-test-karpenter-node"
    assert json.loads(role["assumeRolePolicy"])["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}
    attached = {r.inputs["policyArn"].rsplit("/", 1)[-1] for r in mocks.created.values()
                if r.typ == "aws:iam/rolePolicyAttachment:RolePolicyAttachment" and r.name.startswith("k-node-role")}
    assert attached == {"AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly",
                        "AmazonSSMManagedInstanceCore"}
    assert mocks.created["k-node-access"].inputs["type"] == "EC2_LINUX"
    tag = mocks.created["k-sg-discovery"].inputs
    assert tag == {"resourceId": "sg-0123456789abcdef0", "key": "karpenter.sh/discovery", "value": "eks-test"}


def test_controller_through_pod_identity_and_pinned_chart(mocks) -> None:  # type: ignore[no-untyped-def]
    _build(chart_version="1.8.1")
    association = mocks.created["k-pod-identity"].inputs
    assert (association["namespace"], association["serviceAccount"]) == ("kube-system", "karpenter")
    policy = json.loads(mocks.created["k-controller-role-policy"].inputs["policy"])
    assert any(s["Sid"] == "TerminateOwnInstances" for s in policy["Statement"])
    chart = mocks.created["k-chart"]
    assert chart.typ == "kubernetes:helm.sh/v4:Chart"
    assert chart.inputs["chart"] == "oci://public.ecr.aws/karpenter/karpenter" and chart.inputs["version"] == "1.8.1"
    values = chart.inputs["values"]
    assert values["settings"]["interruptionQueue"] == "eks-test-karpenter"
    assert values["nodeSelector"] == {"kubernetes.io/os": "linux", "eks-platform/node-group": "system"}
    assert values["serviceAccount"] == {"create": True, "name": "karpenter"} and values["replicas"] == 2


def test_node_classes_are_hardened(mocks) -> None:  # type: ignore[no-untyped-def]
    _build()
    for key, size in (("default", "50Gi"), ("big", "200Gi")):
        resource = mocks.created[f"k-class-{key}"]
        assert resource.typ == "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass"
        spec = resource.inputs["spec"]
        assert spec["role"] == "eks-test-karpenter-node"
        assert spec["amiSelectorTerms"] == [{"alias": "al2023@v20261015"}]
        assert spec["subnetSelectorTerms"] == [{"tags": {"karpenter.sh/discovery": "eks-test"}}]
        assert spec["securityGroupSelectorTerms"] == [{"tags": {"karpenter.sh/discovery": "eks-test"}}]
        assert spec["associatePublicIPAddress"] is False
        assert spec["metadataOptions"] == {"httpEndpoint": "enabled", "httpProtocolIPv6": "disabled",
                                           "httpPutResponseHopLimit": 1, "httpTokens": "required"}
        (device,) = spec["blockDeviceMappings"]
        assert device["rootVolume"] is True and device["ebs"]["volumeSize"] == size
        assert device["ebs"]["encrypted"] is True and device["ebs"]["kmsKeyID"].startswith("arn:aws:kms:")
    tags = mocks.created["k-class-big"].inputs["spec"]["tags"]
    assert tags["team"] == "ml" and "Name" not in tags, "Karpenter names each instance after its node"


def test_node_pools_reference_their_class(mocks) -> None:  # type: ignore[no-untyped-def]
    _build()
    pool = mocks.created["k-pool-batch"]
    assert pool.typ == "kubernetes:karpenter.sh/v1:NodePool"
    assert pool.inputs["metadata"] == {"name": "batch"}
    assert pool.inputs["spec"]["template"]["spec"]["nodeClassRef"]["name"] == "big"
    assert pool.inputs["spec"]["limits"] == {"cpu": "32", "memory": "128Gi"}
    assert mocks.created["k-pool-general"].inputs["spec"]["template"]["spec"]["nodeClassRef"]["name"] == "default"


@pytest.mark.parametrize("key", ["Name", "karpenter.sh/nodepool", "kubernetes.io/cluster/eks-test"])
def test_node_class_refuses_tags_karpenter_sets(key: str) -> None:
    with pytest.raises(ValueError, match=f"NodeClassArgs.tags: {key} set by Karpenter itself"):
        NodeClassArgs(tags={key: "x"})


@pytest.mark.parametrize(("overrides", "message"), [
    ({"ami_alias": "al2023@v2026"}, "ami_alias: al2023@latest or al2023@vYYYYMMDD"),
    ({"ami_alias": "bottlerocket@latest"}, "ami_alias"),
    ({"node_pools": {}}, "at least one node pool"),
    ({"node_classes": {"default": NodeClassArgs()}}, r"node class\(es\) big not in node_classes"),
])
def test_args_refuse(overrides: dict[str, Any], message: str) -> None:
    args = {"cluster_name": "eks-test", "cluster": "eks-test", "cluster_endpoint": "e", "cluster_security_group_id": "s",
            "region": "us-west-2", "kubernetes_provider": None, "volume_key_arn": "k", "volume_key_name": "n",
            "ami_alias": "al2023@latest", "node_pools": {"general": GENERAL, "batch": BATCH},
            "node_classes": {"default": NodeClassArgs(), "big": NodeClassArgs()}, **overrides}
    with pytest.raises(ValueError, match=message):
        KarpenterArgs(**args)
