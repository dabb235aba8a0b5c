"""EKS Auto Mode: the control plane's settings and roles, the AutoMode component's objects, Workloads exposed
through Auto Mode, and that clusters without Auto Mode are unchanged (pulumi mocks, and pure Args checks)."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from components.auto_mode import (
    AWS_RUNS_IN_AUTO_MODE,
    TYPE_TOKEN,
    AutoIngressClassArgs,
    AutoMode,
    AutoModeArgs,
    AutoStorageClassArgs,
    DisruptionBudget,
    NodeClassArgs,
    NodePoolArgs,
    NodePoolTaint,
    Requirement,
    node_pool_spec,
)
from components.compute import SubnetRef
from components.control_plane import (
    AUTO_MODE_CLUSTER_POLICIES,
    AUTO_MODE_MANAGED_ADDONS,
    AutoModeClusterArgs,
    ControlPlane,
    ControlPlaneArgs,
)
from components.workload import AlbSpec, NlbSpec, Workload, WorkloadArgs
from preflight.k8s import validate_object
from tests.conftest import resolved, synth

SUBNETS = ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"]
ROLE = "cp-cluster-role-0123456"
SG = "sg-0cccccccccccccccc"
IMAGE = "123456789012.dkr.ecr.us-west-2.amazonaws.com/dev/payments/api@sha256:" + "ab" * 32
CERT = "arn:aws:acm:us-west-2:123456789012:certificate/6a1c2f0e-8d2b-4d0a-9c1e-2f4b7d9e0a11"


def _control_plane(**overrides: object) -> ControlPlane:
    args = {"cluster_name": "eks-test", "kubernetes_version": "1.35", "vpc_id": "vpc-0123456789abcdef0",
            "vpc_cidr": "10.20.0.0/16", "subnet_ids": SUBNETS, "tags": {"environment": "test"}, **overrides}
    return synth(lambda: ControlPlane("cp", ControlPlaneArgs(**args)))  # type: ignore[arg-type]


def _provider() -> pulumi.ProviderResource:
    return pulumi.ProviderResource("kubernetes", "k8s", {"kubeconfig": "{}"})


def _auto(**overrides: Any) -> AutoModeArgs:
    args: dict[str, Any] = {"cluster_name": "eks-test", "cluster": "eks-test", "cluster_role_name": ROLE,
                            "cluster_security_group_id": SG, "kubernetes_provider": overrides.pop("provider", None),
                            "protect": False, **overrides}
    return AutoModeArgs(**args)


def _pool(**overrides: Any) -> NodePoolArgs:
    return NodePoolArgs(**{"cpu_limit": "256", "memory_limit": "1024Gi", **overrides})


def _by_type(mocks: Any, typ: str) -> dict[str, Any]:
    return {name: r.inputs for name, r in mocks.created.items() if r.typ == typ}


# --- the control plane ------------------------------------------------------------------------------------------


def test_auto_mode_cluster_turns_compute_storage_and_load_balancing_on_together(mocks) -> None:  # type: ignore[no-untyped-def]
    cp = _control_plane(auto_mode=AutoModeClusterArgs())
    cluster = mocks.created["cp-cluster"].inputs
    compute = cluster["computeConfig"]
    assert compute["enabled"] is True and compute["nodePools"] == ["general-purpose", "system"]
    assert ":role/cp-auto-node-role-" in compute["nodeRoleArn"], "the built-in pools run with the control plane's node role"
    assert cluster["storageConfig"] == {"blockStorage": {"enabled": True}}
    assert cluster["kubernetesNetworkConfig"] == {"elasticLoadBalancing": {"enabled": True}}
    assert cluster["bootstrapSelfManagedAddons"] is False
    assert cp.auto_mode is True and resolved(cp.auto_mode_node_role_arn) == compute["nodeRoleArn"]


def test_auto_mode_cluster_role_and_built_in_pools_node_role(mocks) -> None:  # type: ignore[no-untyped-def]
    _control_plane(auto_mode=AutoModeClusterArgs())
    cluster_role = {r["policyArn"].rsplit("/", 1)[-1] for name, r in
                    _by_type(mocks, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").items()
                    if name.startswith("cp-cluster-role-")}
    assert cluster_role == {"AmazonEKSClusterPolicy", *AUTO_MODE_CLUSTER_POLICIES}
    trust = json.loads(mocks.created["cp-cluster-role"].inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "eks.amazonaws.com"}
    assert trust["Action"] == ["sts:AssumeRole", "sts:TagSession"], "Auto Mode tags the sessions it starts"
    node_trust = json.loads(mocks.created["cp-auto-node-role"].inputs["assumeRolePolicy"])["Statement"][0]
    assert node_trust["Principal"] == {"Service": "ec2.amazonaws.com"}
    node_policies = {r["policyArn"] for name, r in
                     _by_type(mocks, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").items()
                     if name.startswith("cp-auto-node-role-")}
    assert node_policies == {"arn:aws:iam::aws:policy/AmazonEKSWorkerNodeMinimalPolicy",
                             "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly"}


def test_auto_mode_installs_none_of_the_add_ons_aws_runs(mocks) -> None:  # type: ignore[no-untyped-def]
    cp = _control_plane(auto_mode=AutoModeClusterArgs())
    assert _by_type(mocks, "aws:eks/addon:Addon") == {}, "AWS runs the VPC CNI, kube-proxy, CoreDNS and the agent"
    assert "cp-vpc-cni-role" not in mocks.created
    assert set(AUTO_MODE_MANAGED_ADDONS) <= set(AWS_RUNS_IN_AUTO_MODE)
    with pytest.raises(ValueError, match="EKS Auto Mode runs CoreDNS itself"):
        cp.add_coredns([cp.cluster])
    assert cp.pod_identity_ready == [cp.cluster]
    assert resolved(cp.addon_versions) == {}


def test_a_cluster_migrating_to_auto_mode_keeps_its_add_ons_until_the_node_groups_are_gone(mocks) -> None:  # type: ignore[no-untyped-def]
    def build() -> ControlPlane:
        cp = ControlPlane("cp", ControlPlaneArgs(
            cluster_name="eks-test", kubernetes_version="1.35", vpc_id="vpc-0123456789abcdef0", vpc_cidr="10.20.0.0/16",
            subnet_ids=SUBNETS, auto_mode=AutoModeClusterArgs(keep_addons=True)))
        cp.add_coredns([cp.cluster])
        return cp

    cp = synth(build)
    assert mocks.created["cp-cluster"].inputs["computeConfig"]["enabled"] is True
    assert set(_by_type(mocks, "aws:eks/addon:Addon")) == {
        "cp-pod-identity-agent", "cp-vpc-cni", "cp-kube-proxy", "cp-coredns"}, \
        "the node groups still running need them; same names, same URNs"
    assert cp.pod_identity_ready == [cp.addons["eks-pod-identity-agent"]]


def test_auto_mode_without_built_in_pools_has_no_node_role(mocks) -> None:  # type: ignore[no-untyped-def]
    cp = _control_plane(auto_mode=AutoModeClusterArgs(node_pools=()))
    compute = mocks.created["cp-cluster"].inputs["computeConfig"]
    assert compute == {"enabled": True, "nodePools": []}, "no pools: no node role for them"
    assert "cp-auto-node-role" not in mocks.created and cp.auto_mode_node_role_arn is None


def test_clusters_without_auto_mode_are_unchanged(mocks) -> None:  # type: ignore[no-untyped-def]
    cp = _control_plane()
    cluster = mocks.created["cp-cluster"].inputs
    assert not {"computeConfig", "storageConfig", "kubernetesNetworkConfig"} & set(cluster)
    assert set(_by_type(mocks, "aws:eks/addon:Addon")) == {"cp-pod-identity-agent", "cp-vpc-cni", "cp-kube-proxy"}
    attachments = [n for n in _by_type(mocks, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
                   if n.startswith("cp-cluster-role-")]
    assert attachments == ["cp-cluster-role-AmazonEKSClusterPolicy"], "same single attachment, same URN"
    assert not any(n.startswith("cp-auto-") for n in mocks.created)
    assert cp.auto_mode is False and cp.pod_identity_ready == [cp.addons["eks-pod-identity-agent"]]


def test_control_plane_args_take_only_auto_mode_cluster_args() -> None:
    with pytest.raises(ValueError, match=r"ControlPlaneArgs.auto_mode: pass AutoModeClusterArgs\(...\) or None"):
        ControlPlaneArgs(cluster_name="c", kubernetes_version="1.35", vpc_id="v", vpc_cidr="10.0.0.0/16",
                         subnet_ids=[], auto_mode=True)  # type: ignore[arg-type]


@pytest.mark.parametrize(("node_pools", "message"), [
    (["general-purpose", "gpu"], "'gpu' is not built in"),
    (["system", "system"], "each pool once"),
    ("system", "a list of pool names"),
])
def test_auto_mode_cluster_args_refuse_unknown_pools(node_pools: Any, message: str) -> None:
    with pytest.raises(ValueError, match=f"AutoModeClusterArgs.node_pools: .*{message}"):
        AutoModeClusterArgs(node_pools=node_pools)


# --- the AutoMode component -------------------------------------------------------------------------------------


def _build(**overrides: Any) -> AutoMode:
    overrides.setdefault("node_classes", {"private": NodeClassArgs()})
    overrides.setdefault("node_pools", {"apps": _pool(node_class="private", capacity_types=("on-demand", "spot"))})
    return synth(lambda: AutoMode("auto", _auto(provider=_provider(), **overrides)))


def test_custom_node_classes_get_their_own_node_role_with_an_ec2_access_entry(mocks) -> None:  # type: ignore[no-untyped-def]
    auto = _build()
    role = mocks.created["auto-node-role"].inputs
    assert json.loads(role["assumeRolePolicy"])["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}
    assert {r["policyArn"].rsplit("/", 1)[-1] for n, r in
            _by_type(mocks, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").items()} == {
        "AmazonEKSWorkerNodeMinimalPolicy", "AmazonEC2ContainerRegistryPullOnly"}
    entry = mocks.created["auto-node-access"].inputs
    assert entry["type"] == "EC2" and entry["clusterName"] == "eks-test"
    assert entry["principalArn"] == resolved(auto.node_role_arn)
    association = mocks.created["auto-node-access-policy"].inputs
    assert association["policyArn"] == "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAutoNodePolicy"
    assert association["accessScope"] == {"type": "cluster"} and association["principalArn"] == entry["principalArn"]
    assert TYPE_TOKEN in resolved(auto.urn)


def test_node_class_is_private_encrypted_and_explicit_about_network_policy(mocks) -> None:  # type: ignore[no-untyped-def]
    auto = _build()
    node_class = mocks.created["auto-class-private"]
    assert node_class.typ == "kubernetes:eks.amazonaws.com/v1:NodeClass"
    inputs = node_class.inputs
    assert inputs["apiVersion"] == "eks.amazonaws.com/v1" and inputs["kind"] == "NodeClass"
    assert inputs["metadata"]["name"] == "private"
    spec = inputs["spec"]
    assert spec["role"] == resolved(auto.node_role_name), "the role's name, not its ARN"
    assert spec["subnetSelectorTerms"] == [{"tags": {"kubernetes.io/role/internal-elb": "1",
                                                     "kubernetes.io/cluster/eks-test": "shared"}}]
    assert spec["securityGroupSelectorTerms"] == [{"id": SG}]
    assert (spec["networkPolicy"], spec["networkPolicyEventLogs"], spec["snatPolicy"]) == (
        "DefaultAllow", "Disabled", "Random")
    storage = spec["ephemeralStorage"]
    assert storage["kmsKeyID"] == resolved(auto.volume_key_arn) and storage["kmsKeyID"].startswith("arn:aws:kms:")
    assert (storage["size"], storage["iops"], storage["throughput"]) == ("80Gi", 3000, 125)
    assert "tags" not in spec, "custom tags need extra cluster-role permissions: only when asked for"
    cm = mocks.created["auto-network-policy"].inputs
    assert cm["metadata"] == {"name": "amazon-vpc-cni", "namespace": "kube-system"}
    assert cm["data"] == {"enable-network-policy-controller": "true"}


def test_node_class_selects_given_subnets_and_security_groups(mocks) -> None:  # type: ignore[no-untyped-def]
    _build(node_classes={"ids": NodeClassArgs(subnets=[SubnetRef(id=SUBNETS[0], public=False)],
                                              security_group_tags={"karpenter.sh/discovery": "eks-test"},
                                              network_policy="DefaultDeny", network_policy_event_logs=True)},
           node_pools={}, network_policy_controller=False)
    spec = mocks.created["auto-class-ids"].inputs["spec"]
    assert spec["subnetSelectorTerms"] == [{"id": SUBNETS[0]}]
    assert spec["securityGroupSelectorTerms"] == [{"tags": {"karpenter.sh/discovery": "eks-test"}}]
    assert (spec["networkPolicy"], spec["networkPolicyEventLogs"]) == ("DefaultDeny", "Enabled")
    assert "auto-network-policy" not in mocks.created


def test_volume_key_is_the_cluster_role_s_to_use_by_alias(mocks) -> None:  # type: ignore[no-untyped-def]
    auto = _build()
    key = mocks.created["auto-volume-key"].inputs
    assert key["enableKeyRotation"] is True
    assert [st["Sid"] for st in json.loads(key["policy"])["Statement"]] == ["AccountAdministration"], \
        "use is granted in IAM, so the key policy is known at the first preview"
    assert mocks.created["auto-volume-key-alias"].inputs["name"] == "alias/eks/eks-test/auto-volumes"
    grant = mocks.created["auto-cluster-role-volume-key"].inputs
    assert grant["role"] == ROLE, "Auto Mode creates node and claim volumes as the cluster role"
    use, grants = json.loads(grant["policy"])["Statement"]
    for statement in (use, grants):
        assert statement["Condition"]["ForAnyValue:StringEquals"] == {
            "kms:ResourceAliases": "alias/eks/eks-test/auto-volumes"}, "this key only, named by its alias"
    assert "kms:GenerateDataKey*" in use["Action"] and grants["Action"] == [
        "kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"]
    assert grants["Condition"]["Bool"] == {"kms:GrantIsForAWSResource": "true"}
    assert resolved(auto.volume_key_arn).startswith("arn:aws:kms:us-west-2:")


def test_a_brought_volume_key_is_used_and_none_created(mocks) -> None:  # type: ignore[no-untyped-def]
    mine = "arn:aws:kms:us-west-2:123456789012:key/11111111-2222-3333-4444-555555555555"
    _build(volume_key_arn=mine)
    assert not {"auto-volume-key", "auto-cluster-role-volume-key"} & set(mocks.created)
    assert mocks.created["auto-class-private"].inputs["spec"]["ephemeralStorage"]["kmsKeyID"] == mine
    assert mocks.created["auto-storage-class"].inputs["parameters"]["kmsKeyId"] == mine


def test_node_pool_shape(mocks) -> None:  # type: ignore[no-untyped-def]
    _build(node_pools={"batch": _pool(
        node_class="private", capacity_types=("spot",), architectures=("arm64",), instance_categories=("c", "m"),
        requirements=[Requirement("eks.amazonaws.com/instance-generation", "Gt", ("5",))],
        budgets=(DisruptionBudget(nodes="20%"), DisruptionBudget(nodes="0", schedule="0 9 * * mon-fri",
                                                                 duration="8h", reasons=("Underutilized",))),
        taints=(NodePoolTaint("workload", value="batch"),), labels={"team": "data"}, weight=10)})
    pool = mocks.created["auto-pool-batch"]
    assert pool.typ == "kubernetes:karpenter.sh/v1:NodePool"
    spec = pool.inputs["spec"]
    template = spec["template"]
    assert template["metadata"] == {"labels": {"team": "data"}}
    assert template["spec"]["nodeClassRef"] == {"group": "eks.amazonaws.com", "kind": "NodeClass", "name": "private"}
    assert template["spec"]["requirements"] == [
        {"key": "eks.amazonaws.com/instance-category", "operator": "In", "values": ["c", "m"]},
        {"key": "karpenter.sh/capacity-type", "operator": "In", "values": ["spot"]},
        {"key": "kubernetes.io/arch", "operator": "In", "values": ["arm64"]},
        {"key": "eks.amazonaws.com/instance-generation", "operator": "Gt", "values": ["5"]}]
    assert template["spec"]["taints"] == [{"key": "workload", "effect": "NoSchedule", "value": "batch"}]
    assert (template["spec"]["expireAfter"], template["spec"]["terminationGracePeriod"]) == ("720h", "24h")
    assert spec["disruption"] == {"consolidationPolicy": "WhenEmptyOrUnderutilized", "consolidateAfter": "1m",
                                  "budgets": [{"nodes": "20%"}, {"nodes": "0", "schedule": "0 9 * * mon-fri",
                                                                 "duration": "8h", "reasons": ["Underutilized"]}]}
    assert spec["limits"] == {"cpu": "256", "memory": "1024Gi"} and spec["weight"] == 10


def test_a_pool_on_the_built_in_class_needs_no_node_role(mocks) -> None:  # type: ignore[no-untyped-def]
    auto = _build(node_classes={}, node_pools={"extra": _pool()})
    assert auto.node_role_arn is None and "auto-node-role" not in mocks.created
    assert auto.scheduling_resources == [auto.node_pools["extra"]]
    assert "auto-node-access" not in mocks.created
    ref = mocks.created["auto-pool-extra"].inputs["spec"]["template"]["spec"]["nodeClassRef"]
    assert ref["name"] == "default"


def test_storage_class_is_auto_modes_encrypted_gp3_default(mocks) -> None:  # type: ignore[no-untyped-def]
    auto = _build(storage_class=AutoStorageClassArgs(reclaim_policy="Retain"))
    storage_class = mocks.created["auto-storage-class"].inputs
    assert storage_class["provisioner"] == "ebs.csi.eks.amazonaws.com"
    assert storage_class["metadata"]["annotations"] == {"storageclass.kubernetes.io/is-default-class": "true"}
    parameters = storage_class["parameters"]
    assert (parameters["type"], parameters["encrypted"]) == ("gp3", "true")
    assert parameters["kmsKeyId"] == resolved(auto.volume_key_arn)
    assert storage_class["volumeBindingMode"] == "WaitForFirstConsumer" and storage_class["reclaimPolicy"] == "Retain"
    assert resolved(auto.storage_class_name) == "gp3"
    errors = validate_object("urn:sc", "kubernetes:storage.k8s.io/v1:StorageClass",
                             json.loads(json.dumps(storage_class)), "1.35")
    assert not errors, [e.message for e in errors or []]


def test_ingress_class_names_its_auto_mode_params(mocks) -> None:  # type: ignore[no-untyped-def]
    auto = _build(ingress_class=AutoIngressClassArgs(scheme="internal", group="shared"))
    params = mocks.created["auto-alb-params"]
    assert params.typ == "kubernetes:eks.amazonaws.com/v1:IngressClassParams"
    assert params.inputs["metadata"] == {"name": "alb"}
    assert params.inputs["spec"] == {"scheme": "internal", "group": {"name": "shared"}}
    ingress_class = mocks.created["auto-alb"].inputs
    assert ingress_class["spec"] == {"controller": "eks.amazonaws.com/alb", "parameters": {
        "apiGroup": "eks.amazonaws.com", "kind": "IngressClassParams", "name": "alb"}}
    assert resolved(auto.ingress_class_name) == "alb"
    errors = validate_object("urn:ic", "kubernetes:networking.k8s.io/v1:IngressClass",
                             json.loads(json.dumps(ingress_class)), "1.35")
    assert not errors, [e.message for e in errors or []]


def test_storage_and_ingress_classes_are_optional(mocks) -> None:  # type: ignore[no-untyped-def]
    auto = _build(storage_class=None, ingress_class=None)
    assert not {"auto-storage-class", "auto-alb", "auto-alb-params"} & set(mocks.created)
    assert auto.storage_class_name is None and auto.ingress_class_name is None


@pytest.mark.parametrize(("build", "message"), [
    (lambda: NodeClassArgs(subnets=[SubnetRef(id="subnet-1", public=True, zone="us-west-2a")]),
     r"NodeClassArgs.subnets: us-west-2a is public"),
    (lambda: NodeClassArgs(subnet_tags={"kubernetes.io/role/elb": "1"}), r"NodeClassArgs.subnet_tags: .*public"),
    (lambda: NodeClassArgs(subnet_tags={}), r"NodeClassArgs.subnet_tags: give the tags"),
    (lambda: NodeClassArgs(subnets=[SubnetRef(id="subnet-1", public=False)], subnet_tags={"a": "b"}),
     r"set subnets or subnet_tags, not both"),
    (lambda: NodeClassArgs(security_group_ids=["sg-1"], security_group_tags={"a": "b"}),
     r"set security_group_ids or security_group_tags"),
    (lambda: NodeClassArgs(network_policy="Allow"), r"NodeClassArgs.network_policy: one of DefaultAllow"),
    (lambda: NodeClassArgs(ephemeral_storage_iops=100), r"ephemeral_storage_iops"),
    (lambda: NodeClassArgs(snat_policy="random"), r"NodeClassArgs.snat_policy"),
    (lambda: _pool(cpu_limit="lots"), r"NodePoolArgs.cpu_limit: a Kubernetes quantity"),
    (lambda: _pool(capacity_types=("preemptible",)), r"NodePoolArgs.capacity_types"),
    (lambda: _pool(architectures="amd64"), r"NodePoolArgs.architectures"),
    (lambda: _pool(expire_after="Never"), r"NodePoolArgs.expire_after: .*never patched"),
    (lambda: _pool(budgets=()), r"NodePoolArgs.budgets: at least one"),
    (lambda: _pool(consolidation_policy="Always"), r"NodePoolArgs.consolidation_policy"),
    (lambda: _pool(labels={"karpenter.sh/nodepool": "x"}), r"NodePoolArgs.labels: karpenter.sh/nodepool"),
    (lambda: _pool(weight=0), r"NodePoolArgs.weight"),
    (lambda: DisruptionBudget(nodes="ten"), r"DisruptionBudget.nodes"),
    (lambda: DisruptionBudget(schedule="@daily"), r"DisruptionBudget.schedule: a schedule needs a duration"),
    (lambda: DisruptionBudget(reasons=("Expired",)), r"DisruptionBudget.reasons: Expired"),
    (lambda: Requirement("k", "Equals", ("v",)), r"Requirement.operator \(k\)"),
    (lambda: Requirement("k", "In"), r"Requirement.values \(k\): In needs values"),
    (lambda: NodePoolTaint("k", effect="NO_SCHEDULE"), r"NodePoolTaint.effect \(k\)"),
    (lambda: AutoStorageClassArgs(reclaim_policy="Recycle"), r"AutoStorageClassArgs.reclaim_policy"),
    (lambda: AutoIngressClassArgs(scheme="public"), r"AutoIngressClassArgs.scheme"),
    (lambda: _auto(node_pools={"apps": _pool(node_class="missing")}),
     r"AutoModeArgs.node_pools\['apps'\].node_class: no NodeClass 'missing' \(node_classes: none"),
    (lambda: _auto(node_classes={"default": NodeClassArgs()}), r"AutoModeArgs.node_classes: 'default' is EKS"),
    (lambda: _auto(node_pools={"system": _pool()}), r"AutoModeArgs.node_pools: 'system' is a built-in pool"),
    (lambda: _auto(node_classes={"Private": NodeClassArgs()}), r"AutoModeArgs.node_classes: 'Private' is not"),
])
def test_args_refuse_what_auto_mode_would_reject_or_run_insecurely(build: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


def test_node_pool_spec_is_pure_and_omits_what_is_unset() -> None:
    spec = node_pool_spec(_pool(instance_categories=(), termination_grace_period=None))
    assert "metadata" not in spec["template"] and "taints" not in spec["template"]["spec"]
    assert "terminationGracePeriod" not in spec["template"]["spec"] and "weight" not in spec
    assert [r["key"] for r in spec["template"]["spec"]["requirements"]] == [
        "karpenter.sh/capacity-type", "kubernetes.io/arch"], "no category requirement: any category"


# --- Workloads exposed through Auto Mode ------------------------------------------------------------------------


def _workload(**kwargs: Any) -> WorkloadArgs:
    return WorkloadArgs(namespace="payments", image=IMAGE, kubernetes_provider=_provider(), cluster_name="eks-test",
                        **kwargs)


def test_auto_mode_nlb_service_uses_auto_modes_load_balancer_class(mocks) -> None:  # type: ignore[no-untyped-def]
    synth(lambda: Workload("api", _workload(auto_mode=True, exposure=NlbSpec(certificate_arn=CERT))))
    service = mocks.created["api-nlb"].inputs
    assert service["spec"]["loadBalancerClass"] == "eks.amazonaws.com/nlb"
    annotations = service["metadata"]["annotations"]
    prefix = "service.beta.kubernetes.io/aws-load-balancer-"
    assert f"{prefix}type" not in annotations, "the controller's selector; Auto Mode selects by class"
    assert (annotations[f"{prefix}scheme"], annotations[f"{prefix}ssl-cert"]) == ("internal", CERT)
    errors = validate_object("urn:svc", "kubernetes:core/v1:Service", json.loads(json.dumps(service)), "1.35")
    assert not errors, [e.message for e in errors or []]


def test_auto_mode_alb_ingress_names_the_auto_mode_ingress_class(mocks) -> None:  # type: ignore[no-untyped-def]
    synth(lambda: Workload("web", _workload(auto_mode=True, ingress_class="auto-alb",
                                            exposure=AlbSpec(certificate_arn=CERT))))
    assert mocks.created["web-ingress"].inputs["spec"]["ingressClassName"] == "auto-alb"


def test_workloads_without_auto_mode_keep_the_controller_s_shapes(mocks) -> None:  # type: ignore[no-untyped-def]
    synth(lambda: Workload("api", _workload(exposure=NlbSpec(certificate_arn=CERT))))
    service = mocks.created["api-nlb"].inputs
    assert "loadBalancerClass" not in service["spec"]
    assert service["metadata"]["annotations"]["service.beta.kubernetes.io/aws-load-balancer-type"] == "external"
    with pytest.raises(ValueError, match="WorkloadArgs.ingress_class: 'ALB!' is not an IngressClass name"):
        _workload(ingress_class="ALB!")
