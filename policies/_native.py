"""aws-native resources judged by the rules written for their pulumi-aws equivalents.

pulumi-aws-native resources follow the CloudFormation schemas (``AWS::EKS::Cluster`` and so on), with property
names camelCased: the same settings under other names and shapes. :func:`classic` reads an aws-native resource
into the pulumi-aws shape of the same concept (values are moved, never computed: an unknown value stays unknown
where the rule will read it), and :func:`cover` makes a policy judge the aws-native type with its pulumi-aws
reading. Covered: ``aws-native:eks:Cluster``, ``Nodegroup``, ``FargateProfile``, ``AccessEntry``,
``aws-native:ec2:LaunchTemplate``, ``SecurityGroup`` and ``aws-native:kms:Key``.

Property names are those of the CloudFormation schemas (``resourcesVpcConfig``, ``encryptionConfig[]``,
``logging.clusterLogging.enabledTypes[].type``, ``launchTemplateData``, ``securityGroupIngress[].cidrIp``,
``keyPolicy``...). Unset values keep their CloudFormation defaults, which match pulumi-aws's (public endpoint on,
``CONFIG_MAP`` authentication, key rotation off).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from _known import UNKNOWN, elements, get, mapping
from pulumi_policy import (
    Policy,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.policy import PolicyResource

CLUSTER = "aws-native:eks:Cluster"
NODEGROUP = "aws-native:eks:Nodegroup"
FARGATE_PROFILE = "aws-native:eks:FargateProfile"
ACCESS_ENTRY = "aws-native:eks:AccessEntry"
LAUNCH_TEMPLATE = "aws-native:ec2:LaunchTemplate"
SECURITY_GROUP = "aws-native:ec2:SecurityGroup"
KMS_KEY = "aws-native:kms:Key"


def _set(out: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        out[key] = value


def _cluster(p: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("name", "version", "roleArn", "accessConfig", "upgradePolicy", "tags"):
        _set(out, key, get(p, key))
    _set(out, "vpcConfig", get(p, "resourcesVpcConfig"))
    encryption = get(p, "encryptionConfig")
    if encryption is UNKNOWN:
        out["encryptionConfig"] = UNKNOWN
    elif encryption is not None:
        entries = [mapping(e) for e in elements(encryption)]
        resources: list[Any] = []
        provider: Any = None
        for entry in entries:
            if entry is UNKNOWN:
                out["encryptionConfig"] = UNKNOWN
                break
            mine = [r for r in elements(get(entry, "resources"))]
            resources += mine
            if "secrets" in mine or provider is None:
                provider = get(entry, "provider")
        else:
            out["encryptionConfig"] = {"resources": resources, "provider": provider}
    logging = get(get(p, "logging"), "clusterLogging")
    types = get(logging, "enabledTypes")
    if types is UNKNOWN or logging is UNKNOWN:
        out["enabledClusterLogTypes"] = UNKNOWN
    elif types is not None:
        out["enabledClusterLogTypes"] = [UNKNOWN if t is UNKNOWN else get(t, "type") for t in elements(types)]
    return out


def _nodegroup(p: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("clusterName", "amiType", "instanceTypes", "capacityType", "scalingConfig", "launchTemplate",
                "labels", "releaseVersion", "version", "diskSize", "tags", "nodeRepairConfig", "updateConfig"):
        _set(out, key, get(p, key))
    _set(out, "nodeRoleArn", get(p, "nodeRole"))
    _set(out, "subnetIds", get(p, "subnets"))
    remote = get(p, "remoteAccess")
    if remote is UNKNOWN or remote is None:
        _set(out, "remoteAccess", remote)
    else:
        out["remoteAccess"] = {k: v for k, v in (("ec2SshKey", get(remote, "ec2SshKey")),
                                                  ("sourceSecurityGroupIds", get(remote, "sourceSecurityGroups")))
                               if v is not None}
    return out


def _fargate(p: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("clusterName", "podExecutionRoleArn", "fargateProfileName", "tags"):
        _set(out, key, get(p, key))
    _set(out, "subnetIds", get(p, "subnets"))
    selectors = get(p, "selectors")
    if selectors is UNKNOWN or selectors is None:
        _set(out, "selectors", selectors)
    else:
        out["selectors"] = []
        for s in elements(selectors):
            if s is UNKNOWN:
                out["selectors"].append(UNKNOWN)
                continue
            labels = get(s, "labels")  # CloudFormation: [{key, value}]; pulumi-aws: a map
            if labels is not None and labels is not UNKNOWN:
                labels = {str(get(label, "key")): get(label, "value") for label in elements(labels)
                          if label is not UNKNOWN}
            out["selectors"].append({k: v for k, v in (("namespace", get(s, "namespace")), ("labels", labels))
                                     if v is not None})
    return out


def _access_entry(p: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    # accessPolicies has no place in a pulumi-aws AccessEntry (there, each is an AccessPolicyAssociation); it
    # is kept under its own name for the rules that judge associations (B2).
    for key in ("clusterName", "principalArn", "kubernetesGroups", "type", "username", "tags", "accessPolicies"):
        _set(out, key, get(p, key))
    return out


def _launch_template(p: Any) -> dict[str, Any]:
    data = get(p, "launchTemplateData")
    if data is UNKNOWN:
        return {"metadataOptions": UNKNOWN, "blockDeviceMappings": UNKNOWN, "networkInterfaces": UNKNOWN,
                "userData": UNKNOWN}
    out: dict[str, Any] = {}
    for key in ("metadataOptions", "blockDeviceMappings", "networkInterfaces", "userData", "imageId",
                "instanceType", "keyName", "monitoring", "tagSpecifications"):
        _set(out, key, get(data, key))
    _set(out, "name", get(p, "launchTemplateName"))
    return out


def _sg_rules(rules: Any) -> Any:
    if rules is UNKNOWN or rules is None:
        return rules
    out: list[Any] = []
    for r in elements(rules):
        if r is UNKNOWN:
            out.append(UNKNOWN)
            continue
        rule: dict[str, Any] = {}
        _set(rule, "protocol", get(r, "ipProtocol"))
        for key in ("fromPort", "toPort", "description"):
            _set(rule, key, get(r, key))
        for native, classic_key in (("cidrIp", "cidrBlocks"), ("cidrIpv6", "ipv6CidrBlocks")):
            value = get(r, native)
            if value is not None:
                rule[classic_key] = [value]
        for native, classic_key in (("sourceSecurityGroupId", "securityGroups"),
                                    ("destinationSecurityGroupId", "securityGroups"),
                                    ("sourcePrefixListId", "prefixListIds"), ("destinationPrefixListId", "prefixListIds")):
            value = get(r, native)
            if value is not None:
                rule[classic_key] = [value]
        out.append(rule)
    return out


def _security_group(p: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("vpcId", "tags"):
        _set(out, key, get(p, key))
    _set(out, "name", get(p, "groupName"))
    _set(out, "description", get(p, "groupDescription"))
    _set(out, "ingress", _sg_rules(get(p, "securityGroupIngress")))
    _set(out, "egress", _sg_rules(get(p, "securityGroupEgress")))
    return out


def _kms_key(p: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("description", "enableKeyRotation", "bypassPolicyLockoutSafetyCheck", "keyUsage", "tags",
                "rotationPeriodInDays", "multiRegion"):
        _set(out, key, get(p, key))
    _set(out, "isEnabled", get(p, "enabled"))
    _set(out, "customerMasterKeySpec", get(p, "keySpec"))
    _set(out, "deletionWindowInDays", get(p, "pendingWindowInDays"))
    policy = get(p, "keyPolicy")  # CloudFormation: a JSON object (or its text); pulumi-aws: JSON text
    if policy is not None and policy is not UNKNOWN and not isinstance(policy, str):
        try:
            policy = json.dumps(_plain(policy))
        except (TypeError, ValueError, RecursionError):
            policy = ""
    _set(out, "policy", policy)
    return out


def _plain(value: Any) -> Any:
    """The SDK's proxies as plain JSON data (for a key policy given as an object)."""
    from collections.abc import Mapping, Sequence

    if isinstance(value, Mapping):
        return {str(k): _plain(get(value, k)) for k in value}
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return [_plain(v) for v in elements(value)]
    if value is UNKNOWN:
        return "unknown"
    return value


#: aws-native type -> (the pulumi-aws type judged in its place, the reading, top-level renames native -> classic).
NATIVE: dict[str, tuple[str, Callable[[Any], dict[str, Any]], dict[str, str]]] = {
    CLUSTER: ("aws:eks/cluster:Cluster", _cluster, {"resourcesVpcConfig": "vpcConfig"}),
    NODEGROUP: ("aws:eks/nodeGroup:NodeGroup", _nodegroup, {"nodeRole": "nodeRoleArn", "subnets": "subnetIds"}),
    FARGATE_PROFILE: ("aws:eks/fargateProfile:FargateProfile", _fargate, {"subnets": "subnetIds"}),
    ACCESS_ENTRY: ("aws:eks/accessEntry:AccessEntry", _access_entry, {}),
    LAUNCH_TEMPLATE: ("aws:ec2/launchTemplate:LaunchTemplate", _launch_template, {}),
    SECURITY_GROUP: ("aws:ec2/securityGroup:SecurityGroup", _security_group, {"groupDescription": "description"}),
    KMS_KEY: ("aws:kms/key:Key", _kms_key, {"keyPolicy": "policy"}),
}


def classic(token: str, props: Any) -> tuple[str, dict[str, Any]] | None:
    """(pulumi-aws type, props in its shape) for a covered aws-native resource; None for any other type."""
    entry = NATIVE.get(token)
    if entry is None:
        return None
    return entry[0], entry[1](mapping(props) if props is not UNKNOWN else {})


def _resource_args(args: ResourceValidationArgs) -> ResourceValidationArgs:
    found = classic(args.resource_type, args.props)
    if found is None:
        return args
    token, props = found
    return ResourceValidationArgs(token, props, args.urn, args.name, args.opts, args.provider, args.get_config(),
                                  getattr(args, "stack_tags", None))


def _stack_args(args: StackValidationArgs) -> StackValidationArgs:
    if not any(r.resource_type in NATIVE for r in args.resources):
        return args
    by_urn: dict[str, PolicyResource] = {}
    translated: list[PolicyResource] = []
    for r in args.resources:
        found = classic(r.resource_type, r.props)
        if found is None:
            translated.append(r)
            continue
        renames = NATIVE[r.resource_type][2]
        deps = {renames.get(k, k): v for k, v in r.property_dependencies.items()}
        copy = PolicyResource(found[0], found[1], r.urn, r.name, r.opts, r.provider, r.parent, r.dependencies, deps)
        by_urn[r.urn] = copy
        translated.append(copy)
    for r in translated:  # parents, dependencies and property dependencies point at the translated copies
        if r.parent is not None and r.parent.urn in by_urn:
            r.parent = by_urn[r.parent.urn]
        r.dependencies = [by_urn.get(d.urn, d) for d in r.dependencies]
        r.property_dependencies = {k: [by_urn.get(d.urn, d) for d in v] for k, v in r.property_dependencies.items()}
    return StackValidationArgs(translated, args.get_config(), getattr(args, "stack_tags", None))


#: aws-native type -> the pulumi-aws words a finding uses, and the aws-native words a user of that type writes.
#: A finding on an aws-native resource names its own properties (``resourcesVpcConfig``, ``securityGroupIngress[0]``),
#: so the fix it asks for is one the user can make in their program.
WORDS: dict[str, tuple[tuple[str, str], ...]] = {
    CLUSTER: (("vpcConfig", "resourcesVpcConfig"), ("vpc_config", "resources_vpc_config"),
              ("enabledClusterLogTypes", "logging.clusterLogging.enabledTypes"),
              ("enabled_cluster_log_types", "logging.cluster_logging.enabled_types"),
              ("aws.eks.AccessEntry", "aws_native.eks.AccessEntry")),
    NODEGROUP: (("nodeRoleArn", "nodeRole"), ("node_role_arn", "node_role"), ("subnetIds", "subnets"),
                ("subnet_ids", "subnets"), ("NodeGroup", "Nodegroup")),
    FARGATE_PROFILE: (("subnetIds", "subnets"), ("subnet_ids", "subnets")),
    ACCESS_ENTRY: (),
    LAUNCH_TEMPLATE: (("metadataOptions", "launchTemplateData.metadataOptions"),
                      ("blockDeviceMappings", "launchTemplateData.blockDeviceMappings"),
                      ("networkInterfaces", "launchTemplateData.networkInterfaces"),
                      ("userData", "launchTemplateData.userData"),
                      ("ebs.encrypted", "launchTemplateData.blockDeviceMappings[].ebs.encrypted")),
    SECURITY_GROUP: (("ingress[", "securityGroupIngress["), ("egress[", "securityGroupEgress["),
                     ("cidrBlocks", "cidrIp"), ("ipv6CidrBlocks", "cidrIpv6")),
    KMS_KEY: (("isEnabled", "enabled"), ("is_enabled", "enabled"), ("deletionWindowInDays", "pendingWindowInDays"),
              ("deletion_window_in_days", "pending_window_in_days"), ("customerMasterKeySpec", "keySpec")),
}


def _word_pattern(words: tuple[tuple[str, str], ...]) -> re.Pattern[str] | None:
    """The pulumi-aws words as whole words (not inside a longer name or after a dot), longest first."""
    if not words:
        return None
    ordered = sorted((a for a, _ in words), key=len, reverse=True)
    return re.compile(r"(?<![\w.])(?:" + "|".join(re.escape(a) + (r"(?!\w)" if a[-1].isalnum() else "")
                                                 for a in ordered) + ")")


_PATTERNS = {token: (_word_pattern(words), dict(words)) for token, words in WORDS.items()}


def in_native_words(token: str, message: str) -> str:
    """``message`` (written for the pulumi-aws twin) in the words of the aws-native type ``token``."""
    pattern, words = _PATTERNS.get(token, (None, {}))
    if pattern is None or not isinstance(message, str):
        return message
    return pattern.sub(lambda m: words[m.group(0)], message)


def _reporting_natively(report: ReportViolation, types: dict[str, str], default: str | None) -> ReportViolation:
    """``report``, with each message on an aws-native resource put in that type's words."""
    def translated(message: str, urn: str | None = None) -> None:
        token = types.get(urn, default) if urn else default
        report(in_native_words(token, message) if token else message, urn)

    return translated


_MARK = "_eks_platform_native"


def cover(policy: Policy) -> Policy:
    """Make ``policy`` judge the covered aws-native types as their pulumi-aws equivalents (in place; idempotent)."""
    if getattr(policy, _MARK, False) or not isinstance(policy, (ResourceValidationPolicy, StackValidationPolicy)):
        return policy
    original = policy.validate
    stack = isinstance(policy, StackValidationPolicy)

    def validate(args: Any, report_violation: ReportViolation) -> Any:
        if stack:
            natives = {r.urn: r.resource_type for r in args.resources if r.resource_type in NATIVE}
            report = _reporting_natively(report_violation, natives, None) if natives else report_violation
            return original(_stack_args(args), report)
        if args.resource_type in NATIVE:
            return original(_resource_args(args), _reporting_natively(report_violation, {}, args.resource_type))
        return original(args, report_violation)

    policy.validate = validate  # type: ignore[method-assign]
    setattr(policy, _MARK, True)
    return policy


def cover_all(policies: list[Policy]) -> list[Policy]:
    """:func:`cover` every policy of a pack; the same list."""
    for policy in policies:
        cover(policy)
    return policies
