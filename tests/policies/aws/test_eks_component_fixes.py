"""Findings on resources a pulumi-eks component creates speak the component's terms (issue 19 point 5)."""

from __future__ import annotations

import pytest
from pulumi_policy import ResourceValidationArgs
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import unknown_checking_proxy

from _eks import component_hint, component_of
from tests.policies.fixtures import GOLDEN, _opts, pack_policies, run

POLICIES = pack_policies()
CLUSTER = "aws:eks/cluster:Cluster"
CHILD_URN = "urn:pulumi:dev::shop::eks:index:Cluster$aws:eks/cluster:Cluster::prod-eksCluster"
OWN_URN = "urn:pulumi:dev::shop::aws:eks/cluster:Cluster::prod"


def cluster(urn: str, config: dict | None = None, **access: object) -> ResourceValidationArgs:
    props = {**GOLDEN[CLUSTER], "accessConfig": {"authenticationMode": "API", **access}}
    return ResourceValidationArgs(CLUSTER, unknown_checking_proxy(props), urn, urn.rsplit("::", 1)[1], _opts(), None,
                                  config or {})


def test_component_children_are_recognised() -> None:
    assert component_of(CHILD_URN) == ("eks:index:Cluster", "prod")
    assert component_of("urn:pulumi:dev::shop::eks:index:NodeGroupV2$aws:ec2/launchTemplate:LaunchTemplate::"
                        "workers-launchTemplate") == ("eks:index:NodeGroupV2", "workers")
    assert component_of(OWN_URN) is None
    assert component_hint(OWN_URN, "endpoint_public_access", "False") == ""
    assert "set endpoint_public_access=False on eks.Cluster(\"prod\", ...)" in \
        component_hint(CHILD_URN, "endpoint_public_access", "False")
    assert "transforms=[" in component_hint(CHILD_URN, None, "\"x\": 1")


def test_creator_admin_on_a_pulumi_eks_cluster_says_what_to_do() -> None:
    policy = POLICIES["aws-eks-cluster-disable-creator-admin"]
    ((message, _),) = run(policy, cluster(CHILD_URN, bootstrapClusterCreatorAdminPermissions=True))
    assert "pulumi-eks Cluster 'prod' always sets accessConfig.bootstrapClusterCreatorAdminPermissions" in message
    assert '"deployingRoles"' in message
    with pytest.raises(_NotApplicableError):
        run(policy, cluster(CHILD_URN, {"deployingRoles": ["arn:aws:iam::111111111111:role/deployer"]},
                            bootstrapClusterCreatorAdminPermissions=True))
    # a cluster the program declares itself can set the flag: the allowlist does not excuse it
    ((own, _),) = run(policy, cluster(OWN_URN, {"deployingRoles": ["arn:aws:iam::111111111111:role/deployer"]},
                                      bootstrapClusterCreatorAdminPermissions=True))
    assert "Set it to false" in own and "pulumi-eks" not in own


def test_cluster_findings_on_a_component_child_name_its_argument() -> None:
    def public(urn: str) -> ResourceValidationArgs:
        props = {**GOLDEN[CLUSTER], "vpcConfig": {"subnetIds": ["subnet-1"], "endpointPublicAccess": True}}
        return ResourceValidationArgs(CLUSTER, unknown_checking_proxy(props), urn, "c", _opts(), None, {})

    ((child, _),) = run(POLICIES["aws-eks-cluster-disallow-api-endpoint-public-access"], public(CHILD_URN))
    assert child.endswith("set endpoint_public_access=False, endpoint_private_access=True on "
                          "eks.Cluster(\"prod\", ...).")
    ((own, _),) = run(POLICIES["aws-eks-cluster-disallow-api-endpoint-public-access"], public(OWN_URN))
    assert "pulumi-eks" not in own and own.endswith("(VPN, bastion or CI runners in the VPC).")


@pytest.mark.parametrize(("urn", "fragment"), [
    ("urn:pulumi:dev::shop::eks:index:ManagedNodeGroup$aws:ec2/launchTemplate:LaunchTemplate::ng-launchTemplate",
     "set enable_imd_sv2=True on eks.ManagedNodeGroup(\"ng\", ...)."),
    ("urn:pulumi:dev::shop::eks:index:NodeGroupV2$aws:ec2/launchTemplate:LaunchTemplate::ng-launchTemplate",
     "which has no argument for it: set it with a transform"),
    ("urn:pulumi:dev::shop::aws:ec2/launchTemplate:LaunchTemplate::ng", None),
])
def test_imdsv2_findings_on_node_templates_name_the_component_s_way(urn: str, fragment: str | None) -> None:
    token = "aws:ec2/launchTemplate:LaunchTemplate"
    props = {**GOLDEN[token], "metadataOptions": {**GOLDEN[token]["metadataOptions"], "httpTokens": "optional"}}
    args = ResourceValidationArgs(token, unknown_checking_proxy(props), urn, urn.rsplit("::", 1)[1], _opts(), None, {})
    ((message, _),) = run(POLICIES["aws-ec2-launchtemplate-enforce-imdsv2"], args)
    if fragment is None:
        assert "pulumi-eks" not in message and message.endswith("metadataOptions.httpTokens=\"required\".")
    else:
        assert message.endswith(fragment) if fragment.endswith(".") else fragment in message
