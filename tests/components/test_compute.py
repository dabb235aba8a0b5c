"""Compute: node role, launch templates, managed node groups and Fargate profiles (pulumi mocks)."""

from __future__ import annotations

import json

import pytest

from components.compute import Compute, ComputeArgs, FargateSelectorArgs, NodeGroupArgs, SubnetRef, Taint
from tests.conftest import resolved, synth

PRIVATE = [SubnetRef(id="subnet-0aaaaaaaaaaaaaaaa", public=False, zone="us-west-2a"),
           SubnetRef(id="subnet-0bbbbbbbbbbbbbbbb", public=False, zone="us-west-2b")]
GENERAL = NodeGroupArgs(instance_types=["m7i.large"], min_size=1, desired_size=2, max_size=4, capacity_type="SPOT",
                        labels={"tier": "general"}, taints=[Taint(key="dedicated", value="batch", effect="NO_SCHEDULE")])
IMDS = NodeGroupArgs(instance_types=["m7i.large"], min_size=1, desired_size=1, max_size=2, metadata_hop_limit=2,
                     detailed_monitoring=True, ami_type="BOTTLEROCKET_x86_64")


def _build(**overrides: object) -> Compute:
    args = {"cluster_name": "eks-test", "kubernetes_version": "1.35", "subnets": PRIVATE,
            "node_groups": {"general": GENERAL, "imds": IMDS},
            "fargate_profiles": {"batch": [FargateSelectorArgs(namespace="batch", labels={"compute": "fargate"})]},
            "ami_release_version": "1.35.0-20261101", **overrides}
    return synth(lambda: Compute("c", ComputeArgs(**args)))  # type: ignore[arg-type]


def test_launch_template_is_hardened(mocks) -> None:  # type: ignore[no-untyped-def]
    _build()
    lt = mocks.created["c-general-lt"].inputs
    assert lt["metadataOptions"] == {"httpEndpoint": "enabled", "httpTokens": "required",
                                     "httpPutResponseHopLimit": 1, "instanceMetadataTags": "disabled"}
    (device,) = lt["blockDeviceMappings"]
    assert device["deviceName"] == "/dev/xvda"
    assert device["ebs"]["encrypted"] == "true" and device["ebs"]["volumeType"] == "gp3"
    assert device["ebs"]["kmsKeyId"].startswith("arn:aws:kms:us-west-2:")
    assert "keyName" not in lt and "userData" not in lt and "networkInterfaces" not in lt
    assert lt["monitoring"] == {"enabled": False}
    imds = mocks.created["c-imds-lt"].inputs
    assert imds["metadataOptions"]["httpPutResponseHopLimit"] == 2, "2 only where configured"
    assert imds["monitoring"] == {"enabled": True}
    assert imds["blockDeviceMappings"][0]["deviceName"] == "/dev/xvdb", "Bottlerocket data volume"
    assert "releaseVersion" not in mocks.created["c-imds"].inputs, "an AL2023 release never goes to Bottlerocket"


def test_node_group_inputs(mocks) -> None:  # type: ignore[no-untyped-def]
    _build()
    ng = mocks.created["c-general"].inputs
    assert ng["subnetIds"] == [s.id for s in PRIVATE]
    assert ng["capacityType"] == "SPOT" and ng["amiType"] == "AL2023_x86_64_STANDARD"
    assert ng["scalingConfig"] == {"minSize": 1, "desiredSize": 2, "maxSize": 4}
    assert ng["updateConfig"] == {"maxUnavailablePercentage": 25}, "a percentage of the group by default"
    assert ng["nodeRepairConfig"] == {"enabled": True}, "node auto repair on by default"
    assert ng["releaseVersion"] == "1.35.0-20261101" and ng["version"] == "1.35"
    assert ng["forceUpdateVersion"] is False
    assert ng["labels"] == {"tier": "general", "eks-platform/node-group": "general"}
    assert ng["taints"] == [{"key": "dedicated", "value": "batch", "effect": "NO_SCHEDULE"}]
    assert ng["tags"]["k8s.io/cluster-autoscaler/enabled"] == "true"
    assert "remoteAccess" not in ng
    assert ng["launchTemplate"]["id"].startswith("lt-0")


def test_node_role_has_only_the_node_policies(mocks) -> None:  # type: ignore[no-untyped-def]
    _build()
    attached = sorted(a.inputs["policyArn"].rsplit("/", 1)[-1] for n, a in mocks.created.items()
                      if a.typ == "aws:iam/rolePolicyAttachment:RolePolicyAttachment" and n.startswith("c-node-role"))
    assert attached == ["AmazonEC2ContainerRegistryReadOnly", "AmazonEKSWorkerNodePolicy",
                        "AmazonSSMManagedInstanceCore"], "no CNI policy: the VPC CNI has its own role"
    trust = json.loads(mocks.created["c-node-role"].inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}


def test_fargate_profile_role_and_subnets(mocks) -> None:  # type: ignore[no-untyped-def]
    compute = _build()
    profile = mocks.created["c-fargate-batch"].inputs
    assert profile["subnetIds"] == [s.id for s in PRIVATE]
    assert profile["selectors"] == [{"namespace": "batch", "labels": {"compute": "fargate"}}]
    attached = [a.inputs["policyArn"] for n, a in mocks.created.items() if n.startswith("c-fargate-role-")]
    assert attached == ["arn:aws:iam::aws:policy/AmazonEKSFargatePodExecutionRolePolicy"]
    (statement,) = json.loads(mocks.created["c-fargate-role"].inputs["assumeRolePolicy"])["Statement"]
    assert statement["Principal"] == {"Service": "eks-fargate-pods.amazonaws.com"}
    assert statement["Condition"]["ArnLike"]["aws:SourceArn"] == \
        "arn:aws:eks:us-west-2:123456789012:fargateprofile/eks-test/*"
    assert resolved(compute.fargate_role_arn).startswith("arn:aws:iam::123456789012:role/c-fargate-role")
    assert len(compute.scheduling_resources) == 3


def test_refuses_public_subnets_for_nodes_and_fargate() -> None:
    with pytest.raises(ValueError, match="us-west-2c is public; nodes and Fargate pods must run in private subnets"):
        ComputeArgs(cluster_name="c", kubernetes_version="1.35",
                    subnets=[*PRIVATE, SubnetRef(id="subnet-0pub", public=True, zone="us-west-2c")],
                    fargate_profiles={"batch": [FargateSelectorArgs(namespace="batch")]})


@pytest.mark.parametrize(("kwargs", "fragment"), [
    ({"min_size": 3, "desired_size": 2, "max_size": 4}, "min_size <= desired_size <= max_size"),
    ({"min_size": 1, "desired_size": 1, "max_size": 1, "metadata_hop_limit": 3}, "metadata_hop_limit"),
    ({"min_size": 1, "desired_size": 1, "max_size": 1, "ami_type": "AL2_x86_64"}, "AL2023 or Bottlerocket"),
])
def test_node_group_args_refuse(kwargs: dict[str, object], fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        NodeGroupArgs(instance_types=["m7i.large"], **kwargs)  # type: ignore[arg-type]


def test_promoted_release_is_the_al2023_one(mocks) -> None:  # type: ignore[no-untyped-def]
    """"a-bottlerocket" sorts first; the exported release must still be the AL2023 group's."""
    compute = _build(node_groups={"a-bottlerocket": IMDS, "general": GENERAL}, fargate_profiles={})
    assert resolved(compute.release_version) == "1.35.0-20261101"


def test_update_count_and_repair_off_where_configured(mocks) -> None:  # type: ignore[no-untyped-def]
    counted = NodeGroupArgs(instance_types=["m7i.large"], min_size=1, desired_size=1, max_size=3, max_unavailable=2,
                            node_repair=False)
    compute = _build(node_groups={"counted": counted})
    ng = mocks.created["c-counted"].inputs
    assert ng["updateConfig"] == {"maxUnavailable": 2}
    assert ng["nodeRepairConfig"] == {"enabled": False}
    assert not compute.repairs_nodes, "no group repairs: no monitoring agent needed"
    assert _build().repairs_nodes


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"max_unavailable_percentage": 0}, "max_unavailable_percentage is 1 to 100"),
    ({"max_unavailable": 0}, "max_unavailable at least 1"),
])
def test_node_group_update_config_is_checked(kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        NodeGroupArgs(instance_types=["m7i.large"], min_size=1, desired_size=1, max_size=2, **kwargs)
