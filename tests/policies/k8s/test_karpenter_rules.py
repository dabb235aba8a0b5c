"""Node provisioning rules (M1-M12): Karpenter v1 EC2NodeClass/NodePool, EKS Auto Mode NodeClass and cluster compute,
managed node group repair, the Karpenter controller's IAM policy.

Each rule: silent on the golden fixture (tests/policies/fixtures.py, as the components write the objects), firing
on one changed field with the exact message naming the object and the fix, and deciding at a first preview where
key ARNs, role names and subnet IDs are unknown (``UNKNOWN_STRING_VALUE``). The stack rule (M4) resolves selectors
against the program's subnets.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from _known import Undecided
from pulumi_policy import ResourceValidationArgs
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from aws.eks.cluster.configure_auto_mode_node_role import configure_auto_mode_node_role
from aws.eks.nodegroup.enable_node_repair import enable_node_repair
from aws.iam.policy.disallow_unscoped_node_actions import disallow_unscoped_node_actions
from k8s.karpenter.configure_disruption_budget import configure_disruption_budget
from k8s.karpenter.configure_expire_after import configure_expire_after
from k8s.karpenter.configure_limits import configure_limits
from k8s.karpenter.configure_pinned_ami import configure_pinned_ami
from k8s.karpenter.configure_volume_cmk import configure_volume_cmk
from k8s.karpenter.disallow_do_not_disrupt import disallow_do_not_disrupt
from k8s.karpenter.disallow_public_ip import disallow_public_ip
from k8s.karpenter.disallow_public_subnets import disallow_public_subnets
from k8s.karpenter.enforce_imdsv2 import enforce_imdsv2
from tests.policies.fixtures import GOLDEN, _opts, resource_args, run, stack_args, stack_resource, urn_of

EC2NC = "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass"
NC = "kubernetes:eks.amazonaws.com/v1:NodeClass"
POOL = "kubernetes:karpenter.sh/v1:NodePool"
CLUSTER = "aws:eks/cluster:Cluster"
NG = "aws:eks/nodeGroup:NodeGroup"
POLICY = "aws:iam/policy:Policy"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
SUBNET = "aws:ec2/subnet:Subnet"
PINNED = {"requirePinnedAmiAlias": True}


def spec(**kv: Any) -> Callable[[dict[str, Any]], None]:
    return lambda p: p["spec"].update(kv)


def drop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda p: p["spec"].pop(key)


def template_spec(**kv: Any) -> Callable[[dict[str, Any]], None]:
    return lambda p: p["spec"]["template"]["spec"].update(kv)


def metadata_options(**kv: Any) -> Callable[[dict[str, Any]], None]:
    return lambda p: p["spec"]["metadataOptions"].update(kv)


def root_ebs(change: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    return lambda p: change(p["spec"]["blockDeviceMappings"][0]["ebs"])


def document(*statements: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    return lambda p: p.update(policy=json.dumps({"Version": "2012-10-17", "Statement": list(statements)}))


CLUSTER_TAG = "aws:ResourceTag/kubernetes.io/cluster/eks-dev"
NODE_ROLE = "arn:aws:iam::111111111111:role/eks-dev-karpenter-node"
#: The controller policy as CONTRACT-16 has it: every action named, terminate/delete scoped to the cluster's tag,
#: PassRole naming the node role.
CONTROLLER = [
    {"Sid": "Launch", "Effect": "Allow", "Action": ["ec2:CreateFleet", "ec2:RunInstances", "ec2:CreateLaunchTemplate"],
     "Resource": "*", "Condition": {"StringEquals": {"aws:RequestTag/kubernetes.io/cluster/eks-dev": "owned"}}},
    {"Sid": "Terminate", "Effect": "Allow", "Action": ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
     "Resource": "*", "Condition": {"StringEquals": {CLUSTER_TAG: "owned"},
                                    "StringLike": {"aws:ResourceTag/karpenter.sh/nodepool": "*"}}},
    {"Sid": "PassNodeRole", "Effect": "Allow", "Action": "iam:PassRole", "Resource": NODE_ROLE,
     "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}},
]


def controller(change: Callable[[list[dict[str, Any]]], None]) -> Callable[[dict[str, Any]], None]:
    def apply(p: dict[str, Any]) -> None:
        statements = copy.deepcopy(CONTROLLER)
        change(statements)
        p.update(policy=json.dumps({"Version": "2012-10-17", "Statement": statements}))
    return apply


CASES: list[tuple[Any, str, Callable[[dict[str, Any]], None], dict[str, Any] | None, str]] = [
    # M1
    (enforce_imdsv2, EC2NC, metadata_options(httpTokens="optional"), None,
     "EC2NodeClass 'default' allows IMDSv1 (spec.metadataOptions.httpTokens is optional): any pod that reaches the "
     "node's metadata service can read the node role's credentials without a session token. Set "
     "spec.metadataOptions.httpTokens: required (or omit metadataOptions: Karpenter's default is required)."),
    (enforce_imdsv2, EC2NC, metadata_options(httpPutResponseHopLimit=2), None,
     "EC2NodeClass 'default' sets spec.metadataOptions.httpPutResponseHopLimit to 2, so IMDSv2 tokens reach containers "
     "one hop away from the node and pods can take the node role's credentials. Set "
     "spec.metadataOptions.httpPutResponseHopLimit: 1 (Karpenter's default)."),
    # M2
    (configure_volume_cmk, EC2NC, drop("blockDeviceMappings"), None,
     "EC2NodeClass 'default' sets no spec.blockDeviceMappings, so its nodes get the AMI's default root volume, "
     "encrypted only with the AWS-managed aws/ebs key. Add a root mapping (rootVolume: true) with ebs "
     "{encrypted: true, kmsKeyID: <customer-managed key ARN>}."),
    (configure_volume_cmk, EC2NC, root_ebs(lambda e: e.update(encrypted=False)), None,
     "EC2NodeClass 'default' does not encrypt volume spec.blockDeviceMappings[0] (/dev/xvda) "
     "(spec.blockDeviceMappings[0].ebs.encrypted is not true). Set spec.blockDeviceMappings[0].ebs.encrypted: true "
     "and kmsKeyID to a customer-managed key ARN."),
    (configure_volume_cmk, EC2NC, root_ebs(lambda e: e.pop("kmsKeyID")), None,
     "EC2NodeClass 'default' encrypts volume spec.blockDeviceMappings[0] (/dev/xvda) with the AWS-managed aws/ebs "
     "key (spec.blockDeviceMappings[0].ebs.kmsKeyID is unset or an alias/aws/ key). Set kmsKeyID to a "
     "customer-managed key ARN (the node-volume key)."),
    (configure_volume_cmk, EC2NC, root_ebs(lambda e: e.update(kmsKeyID="alias/aws/ebs")), None,
     "(spec.blockDeviceMappings[0].ebs.kmsKeyID is unset or an alias/aws/ key)"),
    (configure_volume_cmk, NC, lambda p: p["spec"]["ephemeralStorage"].pop("kmsKeyID"), None,
     "NodeClass 'private' leaves spec.ephemeralStorage.kmsKeyID unset (or on an AWS-managed alias), so EKS Auto Mode "
     "encrypts its nodes' "
     "ephemeral storage with an AWS-managed key. Set spec.ephemeralStorage.kmsKeyID to a customer-managed key ARN "
     "(the node-volume key)."),
    (configure_volume_cmk, NC, drop("ephemeralStorage"), None, "NodeClass 'private' leaves spec.ephemeralStorage"),
    # M3
    (disallow_public_ip, EC2NC, spec(associatePublicIPAddress=True), None,
     "EC2NodeClass 'default' gives its nodes public IP addresses (spec.associatePublicIPAddress is true), reachable "
     "from the internet whatever the subnet. Set spec.associatePublicIPAddress: false and reach AWS through NAT or "
     "VPC endpoints."),
    (disallow_public_ip, NC, spec(advancedNetworking={"associatePublicIPAddress": True}), None,
     "NodeClass 'private' gives its nodes public IP addresses (spec.advancedNetworking.associatePublicIPAddress is "
     "true)"),
    # M5
    (configure_pinned_ami, EC2NC, spec(amiSelectorTerms=[{"alias": "al2023@latest"}]), PINNED,
     "EC2NodeClass 'default' takes its AMI from alias 'al2023@latest' (spec.amiSelectorTerms[0].alias), which moves "
     "to every new release, and this stack's policy config requires a pinned AMI (requirePinnedAmiAlias). Pin a "
     "release, e.g. alias: al2023@v20261015 (promoted like the other AMI releases), or an AMI id."),
    (configure_pinned_ami, EC2NC, spec(amiSelectorTerms=[{"tags": {"team": "platform"}}]), PINNED,
     "EC2NodeClass 'default' selects AMIs by tags (spec.amiSelectorTerms[0]), which follows whatever image matches "
     "at launch"),
    # M6
    (configure_limits, POOL, drop("limits"), None,
     "NodePool 'general' can provision without bound (spec.limits is unset): every pending pod adds nodes. Set "
     "spec.limits.cpu and spec.limits.memory to the most this pool may run, e.g. {cpu: \"256\", memory: 1024Gi}."),
    (configure_limits, POOL, spec(limits={"cpu": "64"}), None,
     "NodePool 'general' can provision without bound (spec.limits is without memory): every pending pod adds nodes. "
     "Set spec.limits.memory to the most this pool may run"),
    # M7
    (configure_expire_after, POOL, template_spec(expireAfter="Never"), None,
     "NodePool 'general' never replaces its nodes (spec.template.spec.expireAfter is Never), so they keep unpatched "
     "kernels and AMIs. Set spec.template.spec.expireAfter to at most 720h (30 days, maxExpireAfterDays)."),
    (configure_expire_after, POOL, template_spec(expireAfter="2160h"), None,
     "NodePool 'general' keeps nodes 2160h (spec.template.spec.expireAfter), longer than the 30 days this stack's "
     "policy config allows (maxExpireAfterDays). Set spec.template.spec.expireAfter to at most 720h."),
    (configure_expire_after, POOL, lambda p: None, {"maxExpireAfterDays": 14},
     "NodePool 'general' keeps nodes 720h (spec.template.spec.expireAfter), longer than the 14 days"),
    # M8
    (configure_disruption_budget, POOL, lambda p: p["spec"]["disruption"].update(budgets=[]), None,
     "NodePool 'general' has no disruption budget that always applies (spec.disruption.budgets is empty), so "
     "consolidation, drift and expiry may disrupt all of its nodes at once. Add a budget without schedule, e.g. "
     "{nodes: \"10%\"}, to spec.disruption.budgets."),
    (configure_disruption_budget, POOL,
     lambda p: p["spec"]["disruption"]["budgets"][0].update(nodes="100%"), None,
     "(spec.disruption.budgets is without an always-active budget below 100%)"),
    # M9
    (disallow_do_not_disrupt, POOL,
     lambda p: p["spec"]["template"]["metadata"].update(annotations={"karpenter.sh/do-not-disrupt": "true"}), None,
     "NodePool 'general' annotates every node it launches karpenter.sh/do-not-disrupt: \"true\" "
     "(spec.template.metadata.annotations[karpenter.sh/do-not-disrupt]), so none is ever consolidated, drifted or "
     "expired and the pool stops taking patches. Remove the annotation from the pool's template; annotate the pods "
     "that must not be interrupted instead."),
    # M10
    (configure_auto_mode_node_role, CLUSTER,
     lambda p: p.update(computeConfig={"enabled": True, "nodePools": ["general-purpose", "system"]}), None,
     "cluster 'subject' enables EKS Auto Mode node pools (general-purpose, system) without a node role "
     "(computeConfig.nodeRoleArn is unset). Create the Auto Mode node role (AmazonEKSWorkerNodeMinimalPolicy, "
     "AmazonEC2ContainerRegistryPullOnly) and set computeConfig.nodeRoleArn to its ARN; it cannot change later."),
    # M11
    (enable_node_repair, NG, lambda p: p.pop("nodeRepairConfig"), None,
     "NodeGroup 'subject' does not repair unhealthy nodes (nodeRepairConfig.enabled is unset). Set "
     "node_repair_config={\"enabled\": True} and install the eks-node-monitoring-agent add-on."),
    (enable_node_repair, NG, lambda p: p.update(nodeRepairConfig={"enabled": False}), None,
     "(nodeRepairConfig.enabled is false)"),
    # M12
    (disallow_unscoped_node_actions, POLICY, controller(lambda s: s[1].pop("Condition")), None,
     "Policy 'subject' (a Karpenter controller policy) allows ec2:TerminateInstances, ec2:DeleteLaunchTemplate on "
     "every resource (statement 1, Resource \"*\") without a condition on this cluster's tag. Scope "
     "ec2:TerminateInstances and ec2:DeleteLaunchTemplate with Condition StringEquals "
     "aws:ResourceTag/kubernetes.io/cluster/<cluster>: owned, and name the node role ARN as the Resource of "
     "iam:PassRole (with iam:PassedToService: ec2.amazonaws.com)."),
    (disallow_unscoped_node_actions, ROLE_POLICY, controller(lambda s: s[2].update(Resource="*")), None,
     "RolePolicy 'subject' (a Karpenter controller policy) allows iam:PassRole on every resource (statement 2"),
    (disallow_unscoped_node_actions, POLICY,
     controller(lambda s: s.append({"Effect": "Allow", "Action": "ec2:*", "Resource": "*"})), None,
     "allows ec2:TerminateInstances, ec2:DeleteLaunchTemplate on every resource (statement 3"),
    (disallow_unscoped_node_actions, POLICY,
     controller(lambda s: s[1].update(Condition={"StringEquals": {"aws:ResourceTag/team": "platform"}})), None,
     "(statement 1, Resource \"*\") without a condition on this cluster's tag"),
]


@pytest.mark.parametrize(("policy", "token", "change", "config", "message"), CASES,
                         ids=[f"{c[0].name}-{i}" for i, c in enumerate(CASES)])
def test_fires_with_one_field_changed(policy: Any, token: str, change: Callable[[dict[str, Any]], None],
                                      config: dict[str, Any] | None, message: str) -> None:
    found = [m for m, _ in run(policy, resource_args(token, change, config=config or {}))]
    assert len(found) == 1, found
    assert found[0] == message or message in found[0], found[0]


RESOURCE_RULES = sorted({c[0] for c in CASES}, key=lambda p: p.name)


@pytest.mark.parametrize("policy", RESOURCE_RULES, ids=lambda p: p.name)
@pytest.mark.parametrize("token", [EC2NC, NC, POOL, CLUSTER, NG, POLICY, ROLE_POLICY])
def test_golden_is_silent(policy: Any, token: str) -> None:
    assert run(policy, resource_args(token, config=PINNED)) == []


@pytest.mark.parametrize("token", [POLICY, ROLE_POLICY])
def test_the_contract_s_controller_policy_is_silent(token: str) -> None:
    assert run(disallow_unscoped_node_actions, resource_args(token, controller(lambda s: None))) == []


def test_a_policy_that_is_not_karpenter_s_is_not_judged() -> None:
    """A PassRole-free, fleet-free policy may delete launch templates anywhere: not a controller policy (H5's job)."""
    args = resource_args(POLICY, document({"Effect": "Allow", "Action": "ec2:DeleteLaunchTemplate", "Resource": "*"}))
    assert run(disallow_unscoped_node_actions, args) == []


def test_omitted_metadata_options_are_karpenter_s_secure_default() -> None:
    assert run(enforce_imdsv2, resource_args(EC2NC, drop("metadataOptions"))) == []
    assert run(enforce_imdsv2, resource_args(EC2NC, metadata_options(httpTokens="optional", httpEndpoint="disabled"))
               ) == []


def test_defaults_pass_where_the_api_default_is_safe() -> None:
    """Unset expireAfter is 720h and unset budgets are [{nodes: 10%}] (kubernetes-sigs/karpenter nodepool.go)."""
    assert run(configure_expire_after, resource_args(POOL, lambda p: p["spec"]["template"]["spec"].pop("expireAfter"))
               ) == []
    assert run(configure_disruption_budget, resource_args(POOL, lambda p: p["spec"]["disruption"].pop("budgets"))) == []


def test_latest_is_allowed_unless_the_stack_requires_pinning() -> None:
    latest = spec(amiSelectorTerms=[{"alias": "al2023@latest"}])
    assert run(configure_pinned_ami, resource_args(EC2NC, latest)) == []
    assert run(configure_pinned_ami, resource_args(EC2NC, latest, config={"requirePinnedAmiAlias": False})) == []
    assert run(configure_pinned_ami, resource_args(EC2NC, spec(amiSelectorTerms=[{"id": "ami-0123456789abcdef0"}]),
                                                   config=PINNED)) == []


def test_a_static_pool_is_not_asked_for_cpu_and_memory_limits() -> None:
    static = spec(replicas=3, limits={"nodes": "3"})
    assert run(configure_limits, resource_args(POOL, static)) == []


# Patches judge only what they set ---------------------------------------------------------------------------------

def _args(token: str, props: dict[str, Any], config: dict[str, Any] | None = None) -> ResourceValidationArgs:
    return ResourceValidationArgs(token, unknown_checking_proxy(props), urn_of(token, "patch"), "patch", _opts(), None,
                                  config or {})


def test_a_patch_is_judged_on_what_it_sets() -> None:
    patch = {"metadata": {"name": "default"}, "spec": {"weight": 20}}
    for policy in (configure_limits, configure_expire_after, configure_disruption_budget, disallow_do_not_disrupt):
        assert run(policy, _args(POOL + "Patch", copy.deepcopy(patch))) == [], policy.name
    for policy in (enforce_imdsv2, configure_volume_cmk, configure_pinned_ami):
        assert run(policy, _args(EC2NC + "Patch", {"metadata": {"name": "default"}, "spec": {}}, PINNED)) == []
    (message, _), = run(enforce_imdsv2, _args(EC2NC + "Patch", {"metadata": {"name": "default"}, "spec": {
        "metadataOptions": {"httpTokens": "optional"}}}))
    assert message.startswith("EC2NodeClassPatch 'default' allows IMDSv1")
    (message, _), = run(configure_limits, _args(POOL + "Patch", {"spec": {"limits": {"cpu": "8"}}}))
    assert message.startswith("NodePoolPatch 'patch' can provision without bound (spec.limits is without memory)")


# At the first preview: key ARNs and role names from resources of this stack are unknown --------------------------

def test_presence_decides_at_preview() -> None:
    ec2 = copy.deepcopy(GOLDEN[EC2NC])
    ec2["spec"]["role"] = UNKNOWN_STRING_VALUE
    ec2["spec"]["blockDeviceMappings"][0]["ebs"]["kmsKeyID"] = UNKNOWN_STRING_VALUE
    ec2["spec"]["subnetSelectorTerms"][0]["tags"]["karpenter.sh/discovery"] = UNKNOWN_STRING_VALUE
    auto = copy.deepcopy(GOLDEN[NC])
    auto["spec"]["ephemeralStorage"]["kmsKeyID"] = UNKNOWN_STRING_VALUE
    for policy in (enforce_imdsv2, configure_volume_cmk, disallow_public_ip, configure_pinned_ami):
        assert run(policy, _args(EC2NC, copy.deepcopy(ec2), PINNED)) == [], policy.name
    assert run(configure_volume_cmk, _args(NC, auto)) == []
    cluster = copy.deepcopy(GOLDEN[CLUSTER])
    cluster["computeConfig"] = {"enabled": True, "nodePools": ["system"], "nodeRoleArn": UNKNOWN_STRING_VALUE}
    assert run(configure_auto_mode_node_role, _args(CLUSTER, cluster)) == []


def test_an_unknown_deciding_value_is_undecided_not_guessed() -> None:
    ec2 = copy.deepcopy(GOLDEN[EC2NC])
    ec2["spec"]["metadataOptions"]["httpTokens"] = UNKNOWN_STRING_VALUE
    with pytest.raises(Undecided, match=r"\.spec\.metadataOptions\.httpTokens is computed by the cloud"):
        run(enforce_imdsv2, _args(EC2NC, ec2))


# M4: selectors resolved against the program's subnets -------------------------------------------------------------

def _subnet(name: str, public: bool, tags: dict[str, Any]) -> Any:
    return stack_resource(SUBNET, name, {"vpcId": "vpc-1", "cidrBlock": "10.0.0.0/24", "mapPublicIpOnLaunch": public,
                                         "tags": tags})


def _class(token: str, name: str, terms: list[dict[str, Any]], deps: list[Any] | None = None) -> Any:
    props = copy.deepcopy(GOLDEN[token])
    props["spec"]["subnetSelectorTerms"] = terms
    props["metadata"]["name"] = name
    return stack_resource(token, name, props, {"spec": deps or []})


DISCOVERY = {"karpenter.sh/discovery": "eks-dev"}


def test_tag_selectors_match_only_the_private_subnets_that_carry_the_tag() -> None:
    private = _subnet("private-a", False, {**DISCOVERY, "kubernetes.io/role/internal-elb": "1"})
    public = _subnet("public-a", True, {"kubernetes.io/role/elb": "1"})
    resources = [private, public, _class(EC2NC, "default", [{"tags": DISCOVERY}]),
                 _class(NC, "private", [{"tags": {"kubernetes.io/role/internal-elb": "1"}}])]
    assert run(disallow_public_subnets, stack_args(resources)) == []


def test_a_selector_that_reaches_a_public_subnet_fires() -> None:
    public = _subnet("public-a", True, {**DISCOVERY, "kubernetes.io/role/elb": "1"})
    klass = _class(EC2NC, "default", [{"tags": DISCOVERY}])
    assert run(disallow_public_subnets, stack_args([public, klass])) == [(
        "EC2NodeClass 'default' selects subnet 'public-a' (spec.subnetSelectorTerms[0].tags), which maps public IPs on "
        "launch, so its nodes can be placed there. Select only private subnets: tag them (e.g. karpenter.sh/discovery: "
        "<cluster>) and never the public ones, or name private subnet IDs.", klass.urn)]


def test_wildcards_unknown_values_and_id_terms_are_resolved() -> None:
    public = _subnet("public-a", True, {"karpenter.sh/discovery": UNKNOWN_STRING_VALUE, "tier": "web"})
    wildcard = _class(EC2NC, "wild", [{"tags": {"karpenter.sh/discovery": "*"}}])
    unknown = _class(EC2NC, "unknown", [{"tags": {"karpenter.sh/discovery": UNKNOWN_STRING_VALUE}}])
    by_id = _class(NC, "by-id", [{"id": UNKNOWN_STRING_VALUE}], deps=[public])
    other_tag = _class(EC2NC, "other", [{"tags": {"tier": "app"}}])
    found = run(disallow_public_subnets, stack_args([public, wildcard, unknown, by_id, other_tag]))
    assert [(m.split(" selects")[0], m.split("(")[1].split(")")[0]) for m, _ in found] == [
        ("EC2NodeClass 'wild'", "spec.subnetSelectorTerms[0].tags"),
        ("EC2NodeClass 'unknown'", "spec.subnetSelectorTerms[0].tags"),
        ("NodeClass 'by-id'", "spec.subnetSelectorTerms[0].id")]


def test_a_route_to_an_internet_gateway_makes_a_subnet_public() -> None:
    subnet = _subnet("routed", False, DISCOVERY)
    igw = stack_resource("aws:ec2/internetGateway:InternetGateway", "igw", {"vpcId": "vpc-1"})
    table = stack_resource("aws:ec2/routeTable:RouteTable", "public-rt",
                           {"vpcId": "vpc-1", "routes": [{"cidrBlock": "0.0.0.0/0", "gatewayId": UNKNOWN_STRING_VALUE}]},
                           {"routes": [igw]})
    assoc = stack_resource("aws:ec2/routeTableAssociation:RouteTableAssociation", "assoc",
                           {"subnetId": UNKNOWN_STRING_VALUE, "routeTableId": UNKNOWN_STRING_VALUE},
                           {"subnetId": [subnet], "routeTableId": [table]})
    (message, _), = run(disallow_public_subnets, stack_args([subnet, igw, table, assoc,
                                                             _class(EC2NC, "default", [{"tags": DISCOVERY}])]))
    assert "which routes 0.0.0.0/0 to an internet gateway" in message


def test_without_node_classes_the_stack_rule_is_not_applicable() -> None:
    with pytest.raises(_NotApplicableError):
        run(disallow_public_subnets, stack_args([_subnet("public-a", True, {})]))
