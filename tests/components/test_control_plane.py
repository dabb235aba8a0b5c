"""ControlPlane: what the cluster, its key, logs, OIDC provider and add-ons get (pulumi mocks)."""

from __future__ import annotations

import json

import pytest

from components.control_plane import LOG_TYPES, TYPE_TOKEN, ControlPlane, ControlPlaneArgs
from tests.conftest import resolved, synth

SUBNETS = ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"]


def _build(**overrides: object) -> ControlPlane:
    args = {"cluster_name": "eks-test", "kubernetes_version": "1.35", "vpc_id": "vpc-0123456789abcdef0",
            "vpc_cidr": "10.20.0.0/16",
            "subnet_ids": SUBNETS, "log_retention_days": 30, "tags": {"environment": "test"}, **overrides}
    return synth(lambda: ControlPlane("cp", ControlPlaneArgs(**args)))  # type: ignore[arg-type]


def test_prod_like_cluster_is_private_encrypted_logged_and_api_only(mocks) -> None:  # type: ignore[no-untyped-def]
    _build(protect=True)
    cluster = mocks.created["cp-cluster"].inputs
    assert cluster["name"] == "eks-test" and cluster["version"] == "1.35"
    assert cluster["vpcConfig"]["endpointPublicAccess"] is False
    assert cluster["vpcConfig"]["endpointPrivateAccess"] is True
    assert "publicAccessCidrs" not in cluster["vpcConfig"]
    assert cluster["vpcConfig"]["subnetIds"] == SUBNETS
    assert cluster["encryptionConfig"]["resources"] == ["secrets"]
    assert cluster["encryptionConfig"]["provider"]["keyArn"].startswith("arn:aws:kms:us-west-2:")
    assert cluster["enabledClusterLogTypes"] == list(LOG_TYPES)
    assert cluster["accessConfig"] == {"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False}
    assert cluster["upgradePolicy"] == {"supportType": "STANDARD"}
    assert cluster["bootstrapSelfManagedAddons"] is False
    assert cluster["deletionProtection"] is True


def test_dev_public_endpoint_is_limited_to_configured_cidrs(mocks) -> None:  # type: ignore[no-untyped-def]
    _build(endpoint_public_access=True, public_access_cidrs=["203.0.113.0/24"], protect=False)
    vpc = mocks.created["cp-cluster"].inputs["vpcConfig"]
    assert vpc["endpointPublicAccess"] is True and vpc["publicAccessCidrs"] == ["203.0.113.0/24"]
    assert mocks.created["cp-cluster"].inputs["deletionProtection"] is False


@pytest.mark.parametrize(("overrides", "fragment"), [
    ({"endpoint_public_access": True}, "a public endpoint needs explicit CIDRs"),
    ({"public_access_cidrs": ["203.0.113.0/24"]}, "set only with endpoint_public_access=True"),
    ({"endpoint_public_access": True, "public_access_cidrs": ["0.0.0.0/0"]}, "opens the endpoint to the internet"),
])
def test_args_refuse_unsafe_endpoints(overrides: dict[str, object], fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        ControlPlaneArgs(cluster_name="c", kubernetes_version="1.35", vpc_id="v", vpc_cidr="10.0.0.0/16", subnet_ids=[],
                         **overrides)  # type: ignore[arg-type]


def test_secrets_key_rotates_and_log_group_keeps_retention(mocks) -> None:  # type: ignore[no-untyped-def]
    _build()
    key = mocks.created["cp-secrets-key"].inputs
    assert key["enableKeyRotation"] is True and key["deletionWindowInDays"] == 30
    assert [st["Sid"] for st in json.loads(key["policy"])["Statement"]] == ["AccountAdministration"]
    logs = mocks.created["cp-logs"].inputs
    assert logs["name"] == "/aws/eks/eks-test/cluster" and logs["retentionInDays"] == 30
    assert logs["kmsKeyId"].startswith("arn:aws:kms:"), "encrypted with the control plane's logs key"
    admin, cloudwatch = json.loads(mocks.created["cp-logs-key"].inputs["policy"])["Statement"]
    assert cloudwatch["Principal"] == {"Service": "logs.us-west-2.amazonaws.com"}
    assert cloudwatch["Condition"]["ArnEquals"]["kms:EncryptionContext:aws:logs:arn"].endswith(
        ":log-group:/aws/eks/eks-test/cluster"), "CloudWatch Logs may use the key for this log group only"
    role = mocks.created["cp-cluster-role"].inputs
    assert json.loads(role["assumeRolePolicy"])["Statement"][0]["Principal"] == {"Service": "eks.amazonaws.com"}
    attachment = mocks.created["cp-cluster-role-AmazonEKSClusterPolicy"].inputs
    assert attachment["policyArn"] == "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"


def test_oidc_provider_and_addons(mocks) -> None:  # type: ignore[no-untyped-def]
    cp = _build(addon_versions={"kube-proxy": "v1.35.0-eksbuild.2"})
    oidc = mocks.created["cp-oidc"].inputs
    assert oidc["url"].startswith("https://oidc.eks.us-west-2.amazonaws.com/id/")
    assert oidc["clientIdLists"] == ["sts.amazonaws.com"]
    addons = {a.inputs["addonName"]: a.inputs for a in mocks.created.values() if a.typ == "aws:eks/addon:Addon"}
    assert set(addons) == {"eks-pod-identity-agent", "vpc-cni", "kube-proxy"}, "coredns waits for compute"
    assert addons["kube-proxy"]["addonVersion"] == "v1.35.0-eksbuild.2", "pinned versions win"
    assert addons["vpc-cni"]["addonVersion"].endswith("-eksbuild.1"), "others resolve for the cluster version"
    cni = addons["vpc-cni"]
    assert json.loads(cni["configurationValues"]) == {"enableNetworkPolicy": "true"}
    (association,) = cni["podIdentityAssociations"]
    assert association["serviceAccount"] == "aws-node"
    cni_role = mocks.created["cp-vpc-cni-role"].inputs
    assert json.loads(cni_role["assumeRolePolicy"])["Statement"][0]["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    assert ":role/cp-vpc-cni-role-" in association["roleArn"], "vpc-cni uses its own role, not the node role"
    assert resolved(cp.oidc_issuer).startswith("oidc.eks.us-west-2.amazonaws.com/id/")


def test_coredns_waits_for_compute(mocks) -> None:  # type: ignore[no-untyped-def]
    cp = _build()
    with pytest.raises(ValueError, match="pass the node groups or Fargate profiles"):
        cp.add_coredns([])


def test_outputs_kubeconfig_uses_get_token_and_is_secret(mocks) -> None:  # type: ignore[no-untyped-def]
    cp = _build()
    assert TYPE_TOKEN in resolved(cp.urn)
    config = json.loads(resolved(cp.kubeconfig))
    user = config["users"][0]["user"]["exec"]
    assert user["command"] == "aws" and user["args"][:4] == ["eks", "get-token", "--cluster-name", "eks-test"]
    assert config["clusters"][0]["cluster"]["server"] == resolved(cp.endpoint)
    assert resolved(cp.cluster_name) == "eks-test"
    assert mocks.created["cp-k8s"].typ == "pulumi:providers:kubernetes"


def test_extended_support_is_a_choice_passed_to_the_upgrade_policy(mocks) -> None:  # type: ignore[no-untyped-def]
    _build(support_type="EXTENDED")
    assert mocks.created["cp-cluster"].inputs["upgradePolicy"] == {"supportType": "EXTENDED"}


def test_an_unknown_support_type_is_refused() -> None:
    with pytest.raises(ValueError, match="ControlPlaneArgs.support_type: 'STANDARD' or 'EXTENDED', got 'PAID'"):
        ControlPlaneArgs(cluster_name="c", kubernetes_version="1.35", vpc_id="v", vpc_cidr="10.0.0.0/16",
                         subnet_ids=SUBNETS, support_type="PAID")


def test_node_monitoring_agent_is_an_add_on_promoted_like_the_others(mocks) -> None:  # type: ignore[no-untyped-def]
    def build() -> ControlPlane:
        cp = ControlPlane("cp", ControlPlaneArgs(
            cluster_name="eks-test", kubernetes_version="1.35", vpc_id="vpc-0123456789abcdef0", vpc_cidr="10.20.0.0/16",
            subnet_ids=SUBNETS, addon_versions={"eks-node-monitoring-agent": "v1.4.0-eksbuild.2"}))
        cp.add_node_monitoring_agent([cp.cluster])
        return cp
    cp = synth(build)
    agent = mocks.created["cp-node-monitoring-agent"].inputs
    assert agent["addonName"] == "eks-node-monitoring-agent" and agent["addonVersion"] == "v1.4.0-eksbuild.2"
    assert resolved(cp.addon_versions)["eks-node-monitoring-agent"] == "v1.4.0-eksbuild.2"


def test_coredns_beside_karpenter_on_fargate(mocks) -> None:  # type: ignore[no-untyped-def]
    def build() -> ControlPlane:
        cp = ControlPlane("cp", ControlPlaneArgs(
            cluster_name="eks-test", kubernetes_version="1.35", vpc_id="vpc-0123456789abcdef0", vpc_cidr="10.20.0.0/16",
            subnet_ids=SUBNETS))
        cp.add_coredns([cp.cluster], on_fargate=True)
        return cp
    synth(build)
    assert json.loads(mocks.created["cp-coredns"].inputs["configurationValues"]) == {"computeType": "Fargate"}
