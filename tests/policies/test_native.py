"""aws-native resources (CloudFormation shapes) get the verdicts of the same resources declared with pulumi-aws:
firing on the same flaws, silent when compliant, for resource and stack rules (policies/_native.py)."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import _native
import pytest
from pulumi_policy import ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

from tests.policies import hostile
from tests.policies.fixtures import GOLDEN, GOLDEN_CONFIG, _opts, pack_policies, stack_args, stack_resource, urn_of

POLICIES = _native.cover_all(sorted(pack_policies().values(), key=lambda p: p.name))
RESOURCE = [p for p in POLICIES if isinstance(p, ResourceValidationPolicy)]
STACK = [p for p in POLICIES if isinstance(p, StackValidationPolicy)]
OPEN_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"}]})


def _findings(token: str, props: dict[str, Any], with_stack: bool = False) -> dict[str, list[str]]:
    """policy name -> the messages it reports on one resource of type ``token``."""
    found: dict[str, list[str]] = {}
    for policy in RESOURCE:
        args = ResourceValidationArgs(token, unknown_checking_proxy(copy.deepcopy(props)), urn_of(token, "subject"),
                                      "subject", _opts(), None, GOLDEN_CONFIG.get(policy.name, {}))
        try:
            policy.validate(args, lambda message, urn=None, name=policy.name: found.setdefault(name, []).append(message))
        except (UnknownValueError, _NotApplicableError):
            pass
    for stack_policy in STACK if with_stack else []:  # rules that judge a resource with its neighbours (F12 follows KeyPolicy resources)
        stack = stack_args([stack_resource(token, "subject", copy.deepcopy(props))],
                           GOLDEN_CONFIG.get(stack_policy.name, {}))
        try:
            stack_policy.validate(stack, lambda message, urn=None, name=stack_policy.name:
                                  found.setdefault(name, []).append(message))
        except (UnknownValueError, _NotApplicableError):
            pass
    return found


def _judge(token: str, props: dict[str, Any], with_stack: bool = False) -> set[str]:
    return set(_findings(token, props, with_stack))


def _changed(base: dict[str, Any], change: Any) -> dict[str, Any]:
    props = copy.deepcopy(base)
    change(props)
    return props


# (native type, classic type, change to the native base, the same change to the classic golden fixture)
CASES = [
    ("aws-native:eks:Cluster", "aws:eks/cluster:Cluster",
     lambda p: (p["resourcesVpcConfig"].update(endpointPublicAccess=True, publicAccessCidrs=["0.0.0.0/0"]),
                p.pop("encryptionConfig"), p.pop("logging"),
                p["accessConfig"].update(authenticationMode="CONFIG_MAP", bootstrapClusterCreatorAdminPermissions=True)),
     lambda p: (p["vpcConfig"].update(endpointPublicAccess=True, publicAccessCidrs=["0.0.0.0/0"]),
                p.pop("encryptionConfig"), p.pop("enabledClusterLogTypes"),
                p["accessConfig"].update(authenticationMode="CONFIG_MAP", bootstrapClusterCreatorAdminPermissions=True))),
    ("aws-native:eks:Cluster", "aws:eks/cluster:Cluster",
     lambda p: p["logging"]["clusterLogging"].update(enabledTypes=[{"type": "api"}]),
     lambda p: p.update(enabledClusterLogTypes=["api"])),
    ("aws-native:eks:Nodegroup", "aws:eks/nodeGroup:NodeGroup",
     lambda p: p.update(remoteAccess={"ec2SshKey": "ops"}, amiType="CUSTOM"),
     lambda p: p.update(remoteAccess={"ec2SshKey": "ops"}, amiType="CUSTOM")),
    ("aws-native:eks:AccessEntry", "aws:eks/accessEntry:AccessEntry",
     lambda p: p.update(principalArn="arn:aws:iam::111111111111:user/alice", kubernetesGroups=["system:masters"]),
     lambda p: p.update(principalArn="arn:aws:iam::111111111111:user/alice", kubernetesGroups=["system:masters"])),
    ("aws-native:ec2:LaunchTemplate", "aws:ec2/launchTemplate:LaunchTemplate",
     lambda p: (p["launchTemplateData"]["metadataOptions"].update(httpTokens="optional", httpPutResponseHopLimit=3),
                p["launchTemplateData"]["blockDeviceMappings"][0]["ebs"].update(encrypted=False),
                p["launchTemplateData"].update(userData="DB_PASSWORD=hunter2hunter2",
                                               networkInterfaces=[{"associatePublicIpAddress": True}])),
     lambda p: (p["metadataOptions"].update(httpTokens="optional", httpPutResponseHopLimit=3),
                p["blockDeviceMappings"][0]["ebs"].update(encrypted="false"),
                p.update(userData="DB_PASSWORD=hunter2hunter2", networkInterfaces=[{"associatePublicIpAddress": "true"}]))),
    ("aws-native:ec2:SecurityGroup", "aws:ec2/securityGroup:SecurityGroup",
     lambda p: (p["securityGroupIngress"][0].update(cidrIp="0.0.0.0/0", fromPort=22, toPort=22),
                p["securityGroupIngress"][0].pop("description"),
                p["securityGroupEgress"][0].update(ipProtocol="-1", fromPort=0, toPort=0)),
     lambda p: (p["ingress"][0].update(cidrBlocks=["0.0.0.0/0"], fromPort=22, toPort=22),
                p["ingress"][0].pop("description"),
                p["egress"][0].update(protocol="-1", fromPort=0, toPort=0))),
    ("aws-native:kms:Key", "aws:kms/key:Key",
     lambda p: p.update(enableKeyRotation=False, enabled=False, bypassPolicyLockoutSafetyCheck=True,
                        keyPolicy=json.loads(OPEN_POLICY), description=""),
     lambda p: p.update(enableKeyRotation=False, isEnabled=False, bypassPolicyLockoutSafetyCheck=True,
                        policy=OPEN_POLICY, description="")),
    ("aws-native:kms:Key", "aws:kms/key:Key", lambda p: p.pop("keyPolicy"), lambda p: p.pop("policy")),
]


@pytest.mark.parametrize("token", sorted(hostile.NATIVE))
def test_a_compliant_native_resource_is_silent(token: str) -> None:
    assert _judge(token, hostile.NATIVE[token]) == set()


@pytest.mark.parametrize(("native", "classic", "change_native", "change_classic"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_a_native_resource_fires_the_rules_its_pulumi_aws_twin_fires(native: str, classic: str, change_native: Any,
                                                                     change_classic: Any) -> None:
    expected = _judge(classic, _changed(GOLDEN[classic], change_classic), with_stack=True)
    assert expected, "the classic twin must fire for the comparison to mean anything"
    assert _judge(native, _changed(hostile.NATIVE[native], change_native), with_stack=True) == expected


def test_a_finding_on_a_native_resource_names_the_native_properties() -> None:
    """The fix a finding asks for is one a user of the aws-native type can make: its own property names."""
    translated = 0
    for native, classic, change_native, change_classic in CASES:
        twin = [m for ms in _findings(classic, _changed(GOLDEN[classic], change_classic), True).values() for m in ms]
        mine = [m for ms in _findings(native, _changed(hostile.NATIVE[native], change_native), True).values() for m in ms]
        assert len(mine) == len(twin)
        for classic_word, native_word in _native.WORDS[native]:
            said = [m for m in twin if _native.in_native_words(native, m) != m and classic_word in m]
            translated += len(said)
            for message in mine:
                tail = r"(?!\w)" if classic_word[-1].isalnum() else ""
                assert not re.search(rf"(?<![\w.]){re.escape(classic_word)}{tail}", message), (native, message)
            if said:
                assert any(native_word in m for m in mine), (native, native_word)
    assert translated >= 6, "the cases must exercise the translation"


def test_native_words_are_whole_words_and_leave_other_text_alone() -> None:
    cluster, group = "aws-native:eks:Cluster", "aws-native:ec2:SecurityGroup"
    assert _native.in_native_words(cluster, "Set vpcConfig.publicAccessCidrs") == "Set resourcesVpcConfig.publicAccessCidrs"
    assert _native.in_native_words(cluster, "resourcesVpcConfig and myvpcConfig stay") == \
        "resourcesVpcConfig and myvpcConfig stay"
    assert _native.in_native_words(group, "ingress[0] and egress[1]") == "securityGroupIngress[0] and securityGroupEgress[1]"
    assert _native.in_native_words("aws:eks/cluster:Cluster", "vpcConfig") == "vpcConfig"


def _stack_findings(profile_token: str, profile: dict[str, Any]) -> set[tuple[str, str]]:
    subnet = stack_resource("aws:ec2/subnet:Subnet", "public", {"vpcId": "vpc-1", "mapPublicIpOnLaunch": True})
    key = "subnets" if profile_token.startswith("aws-native") else "subnetIds"
    fargate = stack_resource(profile_token, "pods", profile, property_dependencies={key: [subnet]})
    found: set[tuple[str, str]] = set()
    for policy in STACK:
        try:
            policy.validate(stack_args([subnet, fargate], GOLDEN_CONFIG.get(policy.name, {})),
                            lambda message, urn=None, name=policy.name: found.add((name, str(urn))))
        except (UnknownValueError, _NotApplicableError):
            pass
    return {(name, urn.rsplit("::", 1)[-1]) for name, urn in found}


def test_stack_rules_follow_a_native_profiles_dependencies_like_a_classic_ones() -> None:
    classic = _stack_findings("aws:eks/fargateProfile:FargateProfile", hostile.EXTRA["aws:eks/fargateProfile:FargateProfile"])
    native = _stack_findings("aws-native:eks:FargateProfile", hostile.NATIVE["aws-native:eks:FargateProfile"])
    assert ("aws-eks-fargateprofile-disallow-public-subnets", "pods") in classic
    assert native == classic


def test_the_reading_moves_values_and_keeps_unknowns_unknown() -> None:
    from _known import UNKNOWN
    token, props = _native.classic("aws-native:eks:Cluster", unknown_checking_proxy({
        "resourcesVpcConfig": {"endpointPublicAccess": True}, "encryptionConfig": "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
        "logging": {"clusterLogging": {"enabledTypes": [{"type": "api"}, {"type": "audit"}]}}}))
    assert token == "aws:eks/cluster:Cluster"
    assert props["encryptionConfig"] is UNKNOWN and props["enabledClusterLogTypes"] == ["api", "audit"]
    assert _native.classic("aws:eks/cluster:Cluster", {}) is None


def test_a_native_access_entry_s_inline_admin_policy_is_held_to_the_allowlist() -> None:
    """aws-native puts access policies inside the AccessEntry; B2 judges them as it judges associations."""
    b2 = "aws-eks-accesspolicyassociation-configure-cluster-admin-allowlist"
    admin = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
    entry = hostile.NATIVE["aws-native:eks:AccessEntry"]
    cluster_wide = {**entry, "accessPolicies": [
        {"policyArn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy", "accessScope": {"type": "cluster"}},
        {"policyArn": admin, "accessScope": {"type": "cluster"}}]}
    messages = _findings("aws-native:eks:AccessEntry", cluster_wide)[b2]
    assert len(messages) == 1 and "AmazonEKSClusterAdminPolicy" in messages[0] and "payments" in messages[0]
    namespaced = {**entry, "accessPolicies": [
        {"policyArn": admin, "accessScope": {"type": "namespace", "namespaces": ["payments"]}}]}
    assert b2 not in _findings("aws-native:eks:AccessEntry", namespaced)
    allowlisted = {**cluster_wide, "principalArn": GOLDEN_CONFIG[b2]["allowedPrincipals"][0]}
    assert b2 not in _findings("aws-native:eks:AccessEntry", allowlisted)
    assert b2 not in _findings("aws:eks/accessEntry:AccessEntry", GOLDEN["aws:eks/accessEntry:AccessEntry"])
