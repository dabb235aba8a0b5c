"""ClusterAutoscaler (Pod Identity role scoped to this cluster) and SelfManagedNodeGroup (NodeGroupV2 inputs)."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws
import pytest

from components.autoscaling import ClusterAutoscaler, ClusterAutoscalerArgs, autoscaler_policy
from components.compute import SubnetRef
from components.self_managed import SelfManagedNodeGroup, SelfManagedNodeGroupArgs, launch_template_hardening
from tests.conftest import synth

PRIVATE = [SubnetRef(id="subnet-0aaaaaaaaaaaaaaaa", public=False, zone="us-west-2a")]


def test_autoscaler_policy_scales_only_this_clusters_groups() -> None:
    discover, scale = json.loads(autoscaler_policy("eks-prod"))["Statement"]
    assert all(":Describe" in a or a.startswith(("ec2:Get", "eks:Describe")) for a in discover["Action"])
    assert scale["Action"] == ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"]
    assert scale["Condition"] == {"StringEquals": {"aws:ResourceTag/k8s.io/cluster-autoscaler/eks-prod": "owned"}}
    assert not [a for s in (discover, scale) for a in s["Action"] if a.endswith("*")], "no wildcard actions"


def test_autoscaler_resources(mocks) -> None:  # type: ignore[no-untyped-def]
    def build() -> ClusterAutoscaler:
        provider = pulumi.ProviderResource("kubernetes", "k8s", {"kubeconfig": "{}"})
        nodes = aws.s3.Bucket("stand-in-for-node-group")
        return ClusterAutoscaler("ca", ClusterAutoscalerArgs(
            cluster_name="eks-test", cluster="eks-test", kubernetes_version="1.35", region="us-west-2",
            kubernetes_provider=provider, depends_on=[nodes]))
    synth(build)
    trust = json.loads(mocks.created["ca-role"].inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    association = mocks.created["ca-pod-identity"].inputs
    assert (association["namespace"], association["serviceAccount"]) == ("kube-system", "cluster-autoscaler")
    chart = mocks.created["ca-chart"]
    assert chart.typ == "kubernetes:helm.sh/v4:Chart"
    assert chart.inputs["version"] == "9.46.6", "the chart version is pinned"
    values = chart.inputs["values"]
    assert values["image"]["tag"] == "v1.35.0", "autoscaler minor matches the cluster"
    assert values["autoDiscovery"]["clusterName"] == "eks-test"


def test_autoscaler_needs_compute() -> None:
    with pytest.raises(ValueError, match="pass the node groups it runs on"):
        ClusterAutoscalerArgs(cluster_name="c", cluster="c", kubernetes_version="1.35", region="r",
                              kubernetes_provider=None)  # type: ignore[arg-type]


def test_self_managed_node_group(mocks) -> None:  # type: ignore[no-untyped-def]
    def build() -> SelfManagedNodeGroup:
        role = aws.iam.Role("cluster-role", assume_role_policy="{}")
        node_role = aws.iam.Role("node-role", assume_role_policy="{}")
        cluster = aws.eks.Cluster("cluster", name="eks-test", role_arn=role.arn, vpc_config={"subnet_ids": ["s"]})
        provider = pulumi.ProviderResource("kubernetes", "k8s", {"kubeconfig": "{}"})
        return SelfManagedNodeGroup("custom", SelfManagedNodeGroupArgs(
            cluster=cluster, cluster_role=role, cluster_security_group_id="sg-0cluster",
            kubernetes_provider=provider, vpc_id="vpc-0123", vpc_cidr="10.0.0.0/16", subnets=PRIVATE, node_role=node_role,
            volume_key_arn="arn:aws:kms:us-west-2:123456789012:key/nodes", instance_type="m7i.xlarge", min_size=1, desired_size=1, max_size=3, labels={"workload": "custom"}))
    synth(build)
    group = mocks.created["custom"]
    assert group.typ == "eks:index:NodeGroupV2"
    inputs = group.inputs
    assert inputs["nodeAssociatePublicIpAddress"] is False
    assert inputs["nodeRootVolumeEncrypted"] is True
    assert "keyName" not in inputs and "nodePublicKey" not in inputs
    assert inputs["nodeSubnetIds"] == [PRIVATE[0].id]
    assert inputs["labels"] == {"workload": "custom", "eks-platform/node-group": "custom"}
    rule = mocks.created["custom-cluster-ingress"].inputs
    assert (rule["type"], rule["fromPort"], rule["toPort"]) == ("ingress", 443, 443)
    assert rule["securityGroupId"] == "sg-0cluster" and rule["sourceSecurityGroupId"].startswith("sg-0")
    assert "clusterIngressRule" in inputs, "NodeGroupV2 requires it when given a node security group"
    entry = mocks.created["custom-access"].inputs
    assert entry["type"] == "EC2_LINUX"
    sg = mocks.created["custom-sg"].inputs
    assert not [r for r in sg["ingress"] if "0.0.0.0/0" in r.get("cidrBlocks", [])], "nothing from the internet"
    assert all(r.get("description") for r in sg["ingress"] + sg["egress"])
    assert len(group.transforms) == 1, "the launch template hardening reaches NodeGroupV2's children"


def _transform_args(type_: str, props: dict) -> pulumi.ResourceTransformArgs:
    return pulumi.ResourceTransformArgs(custom=True, type_=type_, name="custom-launchTemplate", props=props,
                                        opts=pulumi.ResourceOptions())


def test_launch_template_hardening_sets_imdsv2_and_the_volume_key() -> None:
    harden = launch_template_hardening("arn:key")
    # pulumi-eks' NodeGroupV2 launch template with nodeRootVolumeEncrypted and gp3: no IMDS options, no key.
    result = harden(_transform_args("aws:ec2/launchTemplate:LaunchTemplate", {
        "blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": "true", "volumeType": "gp3"}}],
        "networkInterfaces": [{"associatePublicIpAddress": "false"}]}))
    assert result is not None
    assert result.props["metadataOptions"] == {"httpEndpoint": "enabled", "httpTokens": "required",
                                               "httpPutResponseHopLimit": 1}
    assert result.props["blockDeviceMappings"] == [{"deviceName": "/dev/xvda", "ebs": {
        "encrypted": "true", "volumeType": "gp3", "kmsKeyId": "arn:key"}}]
    assert result.props["networkInterfaces"] == [{"associatePublicIpAddress": "false"}]
    bare = harden(_transform_args("aws:ec2/launchTemplate:LaunchTemplate", {}))
    assert bare is not None and bare.props["blockDeviceMappings"][0]["ebs"]["kmsKeyId"] == "arn:key"
    assert harden(_transform_args("aws:autoscaling/group:Group", {"minSize": 1})) is None


def test_self_managed_refuses_public_subnets() -> None:
    with pytest.raises(ValueError, match="private subnets only"):
        SelfManagedNodeGroupArgs(cluster=None, cluster_role=None, cluster_security_group_id="sg",  # type: ignore[arg-type]
                                 kubernetes_provider=None, vpc_id="v", vpc_cidr="10.0.0.0/16",  # type: ignore[arg-type]
                                 subnets=[SubnetRef(id="s", public=True, zone="z")], node_role=None,  # type: ignore[arg-type]
                                 volume_key_arn="k",
                                 instance_type="m7i.large", min_size=1, desired_size=1, max_size=1)
