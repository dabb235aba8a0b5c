"""Stack config validation: pure tests of each key, plus load_config through pulumi.Config."""

from __future__ import annotations

import json

import pulumi
import pytest

from infra.config import (
    ConfigError,
    build_config,
    check_namespaces,
    load_config,
    resolve_zones,
    zones_migration,
)
from infra.config_models import validate

GOOD_GROUPS = {"general": {"instanceTypes": ["m7i.large"], "minSize": 1, "desiredSize": 2, "maxSize": 4}}


def good(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {"vpcCidr": "10.20.0.0/16", "availabilityZones": 3, "kubernetesVersion": "1.35",
                                 "nodeGroups": GOOD_GROUPS, "updateChannel": "latest"}
    values.update(overrides)
    return values


def errors_of(key: str, value: object, **others: object) -> list[str]:
    """The lines the config model gives for ``key`` set to ``value`` beside good values (what load_config reports)."""
    values = good(**others)
    values[key] = value
    if key == "zones":
        values.pop("availabilityZones")
    _, errors = validate(values, "dev")
    return [e for e in errors if e.startswith(f"eks-platform:{key}")]


def test_valid_config_builds_typed_object() -> None:
    cfg = build_config("dev", good(tags={"team": "platform"}))
    assert cfg.vpc_cidr == "10.20.0.0/16"
    assert cfg.availability_zones == 3
    assert cfg.node_groups["general"].instance_types == ("m7i.large",)
    assert cfg.node_groups["general"].capacity_type == "ON_DEMAND"
    assert cfg.cluster_name == "eks-dev"
    assert cfg.base_tags == {"project": "eks-platform", "environment": "dev", "managed-by": "pulumi",
                             "team": "platform"}


@pytest.mark.parametrize(("value", "fragment"), [
    ("10.0.0.0/33", "is not an IPv4 CIDR"),
    ("banana", "is not an IPv4 CIDR"),
    ("10.0.0.1/16", "has host bits set; use the network address '10.0.0.0/16'"),
    ("8.8.0.0/16", "is not a private range"),
    ("fd00::/48", "is IPv6"),
    ("10.0.0.0/8", "is a /8; use a /16 to /22"),
    ("10.0.0.0/24", "is a /24; use a /16 to /22"),
    (16, "must be a string CIDR"),
])
def test_vpc_cidr_errors_name_key_and_example(value: object, fragment: str) -> None:
    errors = errors_of("vpcCidr", value)
    assert len(errors) == 1
    assert errors[0].startswith("eks-platform:vpcCidr: ")
    assert fragment in errors[0]


@pytest.mark.parametrize("value", ["10.0.0.0/16", "172.16.0.0/20", "192.168.0.0/22"])
def test_vpc_cidr_accepts_private_ranges(value: str) -> None:
    assert errors_of("vpcCidr", value) == []


@pytest.mark.parametrize("value", [1, 7, 0, -2, "3", True, 2.5])
def test_availability_zones_out_of_range(value: object) -> None:
    (error,) = errors_of("availabilityZones", value)
    assert error.startswith("eks-platform:availabilityZones: must be a whole number from 2 to 6")
    assert "Example: 3" in error


@pytest.mark.parametrize("value", [2, 3, 6])
def test_availability_zones_in_range(value: int) -> None:
    assert errors_of("availabilityZones", value) == []


@pytest.mark.parametrize(("value", "fragment"), [
    ("v1.35", "must be a minor version string such as \"1.35\""),
    ("1.35.2", "must be a minor version string"),
    ("2.0", "must be a minor version string"),
    (1.35, "must be a minor version string"),
])
def test_kubernetes_version_errors(value: object, fragment: str) -> None:
    (error,) = errors_of("kubernetesVersion", value)
    assert error.startswith("eks-platform:kubernetesVersion: ")
    assert fragment in error
    assert '"1.35"' in error


def test_any_minor_version_has_the_right_shape_the_lifecycle_judges_the_rest() -> None:
    """No list of versions in config: whether EKS supports one is read at preview (tests/infra/test_lifecycle.py)."""
    assert all(errors_of("kubernetesVersion", v) == [] for v in ("1.28", "1.3", "1.35", "1.99"))


def test_support_type_and_warning_days() -> None:
    cfg = build_config("dev", good())
    assert (cfg.support_type, cfg.support_warning_days) == ("STANDARD", 60), "defaults"
    cfg = build_config("dev", good(supportType="EXTENDED", supportWarningDays=30))
    assert (cfg.support_type, cfg.support_warning_days) == ("EXTENDED", 30)
    (error,) = errors_of("supportType", "extended")
    assert error.startswith("eks-platform:supportType: 'STANDARD'") and "'extended'" in error
    (error,) = errors_of("supportWarningDays", 400)
    assert error.startswith("eks-platform:supportWarningDays: a whole number of days from 0 to 365")
    with pytest.raises(ConfigError, match="eks-platform:supportType"):
        build_config("dev", good(supportType="PAID"))


@pytest.mark.parametrize(("groups", "fragment"), [
    ([{"instanceTypes": ["m5.large"]}], "must be a non-empty object keyed by a stable node group name"),
    ({}, "must be a non-empty object"),
    ({"General": GOOD_GROUPS["general"]}, "nodeGroups.General: the key becomes part of resource names"),
    ({"g": {"minSize": 1, "maxSize": 2}}, "nodeGroups.g.instanceTypes: required"),
    ({"g": {**GOOD_GROUPS["general"], "minSize": 3}}, "sizes must satisfy minSize <= desiredSize <= maxSize"),
    ({"g": {**GOOD_GROUPS["general"], "capacityType": "spot"}}, "nodeGroups.g.capacityType: must be one of ON_DEMAND or SPOT, got 'spot'"),
    ({"g": {**GOOD_GROUPS["general"], "amiType": "AL2_x86_64"}}, "nodeGroups.g.amiType: must be one of"),
    ({"g": {**GOOD_GROUPS["general"], "instanceType": "m5.large"}}, "unknown field(s) instanceType"),
    ({"g": {**GOOD_GROUPS["general"], "taints": [{"key": "a", "effect": "NoSchedule"}]}}, "nodeGroups.g.taints[0]"),
    ({"g": {**GOOD_GROUPS["general"], "maxSize": 0}}, "nodeGroups.g.maxSize: must be a whole number from 1"),
])
def test_node_group_errors(groups: object, fragment: str) -> None:
    errors = errors_of("nodeGroups", groups)
    assert errors, "expected an error"
    assert all(e.startswith("eks-platform:nodeGroups") for e in errors)
    assert any(fragment in e for e in errors), errors


def test_node_group_taints_and_labels_parse() -> None:
    groups = build_config("dev", good(nodeGroups={"system": {
        **GOOD_GROUPS["general"], "labels": {"workload": "system"},
        "taints": [{"key": "CriticalAddonsOnly", "value": "true", "effect": "NO_SCHEDULE"}]}})).node_groups
    assert groups["system"].labels == {"workload": "system"}
    assert groups["system"].taints[0].value == "true"
    assert groups["system"].taints[0].effect == "NO_SCHEDULE"


def test_all_errors_reported_in_one_message() -> None:
    with pytest.raises(ConfigError) as info:
        build_config("dev", good(vpcCidr="8.8.8.0/24", availabilityZones=1, logRetentionDays=13))
    message = str(info.value)
    assert message.startswith("invalid configuration for stack 'dev':")
    for key in ("eks-platform:vpcCidr", "eks-platform:availabilityZones", "eks-platform:logRetentionDays"):
        assert key in message


def test_config_error_is_a_run_error_so_no_traceback_is_printed() -> None:
    assert issubclass(ConfigError, pulumi.RunError)


def test_load_config_reads_wire_strings(mocks: object) -> None:
    wire = {"eks-platform:vpcCidr": "10.9.0.0/16", "eks-platform:availabilityZones": "2",
            "eks-platform:kubernetesVersion": "1.36", "eks-platform:highlyAvailableNat": "false",
            "eks-platform:logRetentionDays": "30", "eks-platform:nodeGroups": json.dumps(GOOD_GROUPS),
            "eks-platform:updateChannel": "latest"}
    pulumi.runtime.set_all_config(wire, [])
    cfg = load_config()
    assert (cfg.stack, cfg.vpc_cidr, cfg.availability_zones, cfg.kubernetes_version) == ("test", "10.9.0.0/16", 2,
                                                                                          "1.36")
    assert cfg.highly_available_nat is False
    assert cfg.log_retention_days == 30


def test_load_config_reports_undecodable_values(mocks: object) -> None:
    pulumi.runtime.set_all_config({"eks-platform:availabilityZones": "three",
                                   "eks-platform:nodeGroups": "{not json"}, [])
    with pytest.raises(ConfigError) as info:
        load_config()
    assert "eks-platform:availabilityZones: must be a whole number from 2 to 6" in str(info.value)
    assert "got 'three'" in str(info.value)
    assert "eks-platform:nodeGroups: must be a non-empty object" in str(info.value)


ADMIN = "arn:aws:iam::123456789012:role/platform-admin"
TEAMS = {"platform": {"roleArn": ADMIN, "level": "cluster-admin"},
         "payments": {"roleArn": "arn:aws:iam::123456789012:role/payments", "level": "namespace-admin",
                      "namespaces": ["payments"]}}


def test_access_and_endpoint_config_parse() -> None:
    cfg = build_config("dev", good(endpointPublicAccess=True, publicAccessCidrs=["203.0.113.0/24"],
                                   clusterAdminAllowlist=[ADMIN], access=TEAMS, protectStatefulResources=False))
    assert cfg.endpoint_public_access is True and cfg.public_access_cidrs == ("203.0.113.0/24",)
    assert cfg.access["platform"].level == "cluster-admin"
    assert cfg.access["payments"].namespaces == ("payments",)
    assert cfg.protect_stateful_resources is False
    assert build_config("prod", good()).protect_stateful_resources is True, "protected unless a stack opts out"


@pytest.mark.parametrize(("overrides", "fragment"), [
    ({"endpointPublicAccess": True}, "eks-platform:publicAccessCidrs: a public endpoint"),
    ({"endpointPublicAccess": True, "publicAccessCidrs": ["0.0.0.0/0"]}, "opens the API server to the whole internet"),
    ({"publicAccessCidrs": ["203.0.113.0/24"]}, "set only with eks-platform:endpointPublicAccess: true"),
    ({"endpointPublicAccess": True, "publicAccessCidrs": ["203.0.113.7/24"]}, "is not a CIDR with its network"),
    ({"access": TEAMS}, "eks-platform:access.platform: cluster-admin is only for roles in"),
    ({"clusterAdminAllowlist": [ADMIN], "access": {"ops": {"roleArn": "arn:aws:iam::123456789012:user/ops",
                                                           "level": "namespace-viewer", "namespaces": ["a"]}}},
     "eks-platform:access.ops.roleArn: 'arn:aws:iam::123456789012:user/ops' is not an IAM role ARN (never a user)"),
    ({"access": {"ops": {"roleArn": ADMIN, "level": "namespace-admin"}}},
     "eks-platform:access.ops.namespaces: namespace-admin needs at least one namespace"),
    ({"access": {"ops": {"roleArn": ADMIN, "level": "namespace-admin", "namespaces": ["kube-system"]}}},
     "'kube-system' is a system namespace"),
    ({"access": {"ops": {"roleArn": ADMIN, "level": "root", "namespaces": ["a"]}}},
     "eks-platform:access.ops.level: must be one of cluster-admin, namespace-admin or namespace-viewer, got 'root'"),
    ({"clusterAdminAllowlist": ["platform-admin"]}, "eks-platform:clusterAdminAllowlist[0]: 'platform-admin' is not an IAM role ARN"),
])
def test_access_and_endpoint_errors(overrides: dict[str, object], fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        build_config("dev", good(**overrides))
    assert fragment in str(info.value)


PINS = {"coredns": "v1.12.5-eksbuild.1", "eks-pod-identity-agent": "v1.3.5-eksbuild.1",
        "kube-proxy": "v1.35.5-eksbuild.1", "vpc-cni": "v1.20.5-eksbuild.1",
        "aws-ebs-csi-driver": "v1.50.1-eksbuild.1", "aws-efs-csi-driver": "v2.1.12-eksbuild.1",
        "metrics-server": "v0.8.0-eksbuild.1", "eks-node-monitoring-agent": "v1.4.0-eksbuild.2"}


def test_pinned_updates_parse() -> None:
    cfg = build_config("prod", good(updateChannel="pinned", amiReleaseVersion="1.35.0-20261101", addonVersions=PINS))
    assert cfg.updates.channel == "pinned" and cfg.updates.ami_release_version == "1.35.0-20261101"
    assert cfg.updates.addon_versions == PINS


@pytest.mark.parametrize(("overrides", "fragment"), [
    ({"updateChannel": "pinned"}, "eks-platform:amiReleaseVersion: required with updateChannel 'pinned'"),
    ({"updateChannel": "pinned", "amiReleaseVersion": "1.35.0-20261101"},
     "updateChannel 'pinned' needs a version for coredns, eks-pod-identity-agent, kube-proxy, vpc-cni, "
     "aws-ebs-csi-driver, aws-efs-csi-driver, metrics-server, eks-node-monitoring-agent"),
    ({"updateChannel": "pinned", "amiReleaseVersion": "1.35.0-20261101", "addonVersions": PINS,
      "storage": {"fsx": {"enabled": True}}}, "needs a version for aws-fsx-csi-driver"),
    ({"addonVersions": {"aws-fsx-csi-driver": "v1.6.0-eksbuild.1"}},
     "add-on(s) aws-fsx-csi-driver not run by this stack"),
    ({"storage": {"efs": {"uid": 0}}}, "eks-platform:storage.efs.uid: must be a whole number from 1000"),
    ({"storage": {"efs": {"throughput": "elastic"}}}, "eks-platform:storage.efs: unknown field(s) throughput"),
    ({"storage": {"fsx": {"enabled": True, "staticFileSystem": {"storageCapacityGiB": 1800,
                                                                "s3Path": "s3://acme-data/train"}}}},
     "PERSISTENT_2 file systems are 1200 GiB or a multiple of 2400 GiB, got 1800"),
    ({"storage": {"fsx": {"perUnitStorageThroughput": 200}}}, "eks-platform:storage.fsx.perUnitStorageThroughput"),
    ({"storage": {"ebs": {"reclaimPolicy": "Recycle"}}}, "eks-platform:storage.ebs.reclaimPolicy"),
    ({"updateChannel": "nightly"}, "eks-platform:updateChannel: must be 'latest'"),
    ({"amiReleaseVersion": "1.36.0-20261101"}, "nodes at 1.36 would be newer than the control plane (1.35)"),
    ({"amiReleaseVersion": "1.31.4-20250101"}, "are 4 minor versions behind the control plane (1.35)"),
    ({"amiReleaseVersion": "latest"}, "is not an EKS AMI release version"),
    ({"addonVersions": {**PINS, "kube-proxy": "v1.34.1-eksbuild.2"}},
     "kube-proxy: 'v1.34.1-eksbuild.2' is for Kubernetes 1.34, but the cluster runs 1.35"),
    ({"addonVersions": {"metrics-server": "v0.7.0-eksbuild.1"}, "addons": {"metricsServer": False}},
     "add-on(s) metrics-server not run by this stack"),
    ({"fargateProfiles": {"batch": {"selectors": []}}}, "eks-platform:fargateProfiles.batch.selectors"),
    ({"fargateProfiles": {"batch": {"selectors": [{"namespace": "Batch"}]}}}, "fargateProfiles.batch.selectors[0].namespace: 'Batch' is not a Kubernetes namespace name"),
    ({"repositories": {"Payments/API": {}}}, "eks-platform:repositories.Payments/API: not a valid ECR"),
    ({"repositories": {"api": {"keepImages": 0}}}, "eks-platform:repositories.api.keepImages"),
    ({"organizationId": "acme"}, "eks-platform:organizationId: 'acme' is not an AWS Organizations id"),
    ({"selfManagedNodeGroups": {"custom": {"instanceType": "m7i.xlarge", "minSize": 2, "maxSize": 1}}},
     "eks-platform:selfManagedNodeGroups.custom: sizes must satisfy"),
    ({"selfManagedNodeGroups": {"custom": {"instanceType": "m7i.xlarge", "minSize": 1, "maxSize": 1,
                                           "amiId": "ubuntu"}}}, "amiId: 'ubuntu' is not an AMI id. Example: ami-0123456789abcdef0"),
    ({"nodeGroups": {"g": {**GOOD_GROUPS["general"], "metadataHopLimit": 3}}}, "nodeGroups.g.metadataHopLimit"),
    ({"updateChannel": "pinned", "amiReleaseVersion": "1.35.0-20261101", "addonVersions": PINS,
      "nodeGroups": {"g": {**GOOD_GROUPS["general"], "amiType": "BOTTLEROCKET_x86_64"}}},
     "eks-platform:nodeGroups.g.amiType: Bottlerocket releases cannot be pinned yet"),
])
def test_compute_and_update_errors(overrides: dict[str, object], fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        build_config("prod", good(**overrides))
    assert fragment in str(info.value)


def test_one_minor_behind_and_three_behind_are_allowed() -> None:
    for release in ("1.35.2-20261101", "1.34.0-20261001", "1.32.9-20260101"):
        assert build_config("x", good(amiReleaseVersion=release)).updates.ami_release_version == release


@pytest.mark.parametrize(("config", "expected"), [
    ({"aws:region": "us-west-2", "eks-platform:kubernetesVersoin": "1.35"},
     "eks-platform:kubernetesVersoin: unknown key; did you mean eks-platform:kubernetesVersion?"),
    ({"aws:region": "us-west-2", "eks-platform:endpointPublicAcess": "true"},
     "eks-platform:endpointPublicAcess: unknown key; did you mean eks-platform:endpointPublicAccess?"),
    ({"aws:region": "us-west-2", "eks-platform:colour": "blue"}, "eks-platform:colour: unknown key; known keys: "),
    ({"aws:regoin": "us-west-2", "aws:region": "us-west-2"}, "aws:regoin: unknown key; did you mean aws:region?"),
    ({"aws:region": "mars-north-9"}, "aws:region: 'mars-north-9' is not an AWS region pulumi-aws knows; e.g. us-west-2"),
    ({"aws:region": "us-wets-2"}, "aws:region: 'us-wets-2' is not an AWS region pulumi-aws knows; did you mean us-west-2?"),
    ({"aws:region": "42"}, "aws:region: '42' is not an AWS region"),
    ({"aws:region": ""}, "aws:region: '' is not an AWS region"),
    ({"aws:region": '["us-west-2"]'}, "aws:region: '[\"us-west-2\"]' is not an AWS region"),
    ({}, "aws:region: required"),
])
def test_unknown_keys_and_regions_are_refused_naming_the_key(config: dict[str, str], expected: str) -> None:
    (error,) = check_namespaces(config)
    assert error.startswith(expected), error


def test_known_keys_of_both_namespaces_pass() -> None:
    assert check_namespaces({"aws:region": "eu-central-1", "aws:profile": "ops", "aws:defaultTags": "{}",
                             "eks-platform:vpcCidr": "10.0.0.0/16", "other-package:anything": "x"}) == []


@pytest.mark.parametrize(("value", "fragment"), [
    ({"usw2-az1": 0}, "must map 2 to 6 availability zones"),
    (["us-west-2a", "us-west-2b"], "must map 2 to 6 availability zones"),
    ({"usw2-az1": 0, "mars-1": 1}, "eks-platform:zones.mars-1: not an availability zone name"),
    ({"usw2-az1": 0, "usw2-az2": 6}, "eks-platform:zones.usw2-az2: the CIDR slot must be a whole number from 0 to 5"),
    ({"usw2-az1": 0, "usw2-az2": "1"}, "the CIDR slot must be a whole number from 0 to 5, got '1'"),
    ({"usw2-az1": 0, "usw2-az2": True}, "the CIDR slot must be a whole number"),
    ({"usw2-az1": 1, "usw2-az2": 1}, "slot(s) 1 given to more than one zone"),
])
def test_zones_are_refused_naming_the_key(value: object, fragment: str) -> None:
    errors = errors_of("zones", value)
    assert any(fragment in e for e in errors), errors


def test_zones_by_name_or_id_resolve_to_names_by_slot() -> None:
    values = good(zones={"usw2-az3": 2, "us-west-2a": 0})
    del values["availabilityZones"]
    zones = build_config("dev", values).zones
    names, ids = ["us-west-2a", "us-west-2b", "us-west-2c"], ["usw2-az2", "usw2-az1", "usw2-az3"]
    assert resolve_zones(zones, names, ids) == [("us-west-2a", 0), ("us-west-2c", 2)]


def test_a_zone_the_region_no_longer_offers_is_an_error_not_a_reshuffle() -> None:
    with pytest.raises(ConfigError, match=r"eks-platform:zones.usw2-az4: the region does not offer this zone"):
        resolve_zones({"usw2-az1": 0, "usw2-az4": 1}, ["us-west-2a"], ["usw2-az1"])
    with pytest.raises(ConfigError, match="the same zone is given twice"):
        resolve_zones({"usw2-az1": 0, "us-west-2a": 1}, ["us-west-2a"], ["usw2-az1"])


def test_the_migration_pins_today_s_zones_to_today_s_slots() -> None:
    message = zones_migration(2, ["us-west-2a", "us-west-2b", "us-west-2c"])
    assert message.endswith("    eks-platform:zones:\n      us-west-2a: 0\n      us-west-2b: 1")
    assert "requested but the region has only 1" in zones_migration(2, ["us-west-2a"])


FARGATE = {"batch": {"selectors": [{"namespace": "batch"}]}}


@pytest.mark.parametrize(("overrides", "expected"), [
    # unknown fields anywhere in nested objects, with the known ones and a near miss
    ({"fargateProfiles": {"batch": {**FARGATE["batch"], "subnetIds": ["subnet-1"]}}},
     "eks-platform:fargateProfiles.batch: unknown field(s) subnetIds; known: selectors"),
    ({"fargateProfiles": {"batch": {"selectors": [{"namespace": "batch", "label": {"compute": "fargate"}}]}}},
     "eks-platform:fargateProfiles.batch.selectors[0]: unknown field(s) label (did you mean labels?)"),
    # strings where booleans or numbers belong, inside objects: nothing is converted
    ({"nodeGroups": {"general": {**GOOD_GROUPS["general"], "detailedMonitoring": "false"}}},
     "eks-platform:nodeGroups.general.detailedMonitoring: must be true or false, got str 'false'"),
    ({"nodeGroups": {"general": {**GOOD_GROUPS["general"], "maxSize": "4"}}},
     "eks-platform:nodeGroups.general.maxSize: must be a whole number, got str '4'"),
    ({"repositories": {"payments/api": {"keepImages": "90"}}},
     "eks-platform:repositories.payments/api.keepImages: must be a whole number, got str '90'"),
    # nulls inside objects
    ({"nodeGroups": {"general": {**GOOD_GROUPS["general"], "minSize": None}}},
     "eks-platform:nodeGroups.general.minSize: must be a whole number, got null"),
    # AWS tag rules, and tags eks-platform owns
    ({"tags": {"aws:owner": "me"}}, "eks-platform:tags: tag key 'aws:owner' uses the aws: prefix, which AWS reserves"),
    ({"tags": {"note": "x" * 300}}, "tag 'note' has a 300-character value; AWS allows 256"),
    ({"tags": {"environment": "production"}}, "tag 'environment' is set by eks-platform on every resource"),
    # CIDR lists with duplicates or overlaps
    ({"endpointPublicAccess": True, "publicAccessCidrs": ["203.0.113.0/24", "203.0.113.0/24"]},
     "eks-platform:publicAccessCidrs: '203.0.113.0/24' is given twice; list each range once"),
    ({"endpointPublicAccess": True, "publicAccessCidrs": ["203.0.113.0/24", "203.0.113.128/25"]},
     "eks-platform:publicAccessCidrs: '203.0.113.0/24' contains 203.0.113.128/25; list each range once"),
    # physical-name collisions
    ({"repositories": {"payments/api": {}, "payments-api": {}}},
     "eks-platform:repositories: payments-api and payments/api would both be resource 'dev-registry-payments-api'"),
])
def test_what_used_to_be_accepted_silently_is_refused_naming_the_key(overrides: dict[str, object],
                                                                      expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        build_config("dev", good(**overrides))
    assert expected in str(info.value), str(info.value)


def test_a_repository_without_settings_takes_the_defaults() -> None:
    cfg = build_config("dev", good(repositories={"payments/api": None}))
    assert cfg.repositories["payments/api"].keep_images == 50


def test_storage_defaults_and_reclaim_policy_follow_protection() -> None:
    dev = build_config("dev", good(protectStatefulResources=False))
    assert dev.storage.efs.enabled and not dev.storage.fsx.enabled, "EBS and EFS by default; FSx when configured"
    assert dev.reclaim_policy(None) == "Delete" and dev.reclaim_policy("Retain") == "Retain"
    prod = build_config("prod", good(storage={"fsx": {"enabled": True, "staticFileSystem": {
        "storageCapacityGiB": 2400, "s3Path": "s3://acme-data/train"}}}))
    assert prod.reclaim_policy(None) == "Retain"
    static = prod.storage.fsx.static_file_system
    assert static is not None and (static.storage_capacity_gi_b, static.file_system_path) == (2400, "/datasets")


APP = {"namespace": "payments", "image": {"repository": "payments/api", "digest": "sha256:" + "ab" * 32}}


@pytest.mark.parametrize(("overrides", "fragment"), [
    ({"workloads": {"api": {**APP, "image": {"repository": "payments/api", "tag": "latest"}}}},
     "eks-platform:workloads.api.image: tag 'latest' moves"),
    ({"workloads": {"api": {**APP, "image": {"repository": "other/api", "tag": "1.0"}}}},
     "eks-platform:workloads.api.image.repository: 'other/api' is not one of this stack's repositories"),
    ({"workloads": {"api": {**APP, "fargate": True}}},
     "eks-platform:workloads.api.fargate: no Fargate profile selects namespace 'payments' with label "
     "eks-platform/compute: fargate"),
    ({"workloads": {"api": {**APP, "vpa": {}}}, "addons": {"verticalPodAutoscaler": False}},
     "eks-platform:workloads.api.vpa: eks-platform:addons.verticalPodAutoscaler is off"),
    ({"workloads": {"api": {**APP, "env": {"GITHUB_TOKEN": "ghp_x"}}}}, "GITHUB_TOKEN look(s) like secrets"),
    ({"workloads": {"api": {**APP, "exposure": {"type": "nlb", "certificateArn": "arn:aws:acm:us-west-2:1:cert"}}}},
     "certificateArn: 'arn:aws:acm:us-west-2:1:cert' is not an ACM certificate ARN"),
    ({"podSecurityLevel": "privileged"}, "eks-platform:podSecurityLevel: 'restricted' (enforced, prod) or 'baseline'"),
])
def test_workload_config_errors_name_the_key(overrides: dict[str, object], fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        build_config("dev", good(repositories={"payments/api": {}}, **overrides))
    assert fragment in str(info.value)


def test_a_fargate_workload_is_accepted_when_a_profile_selects_it() -> None:
    cfg = build_config("prod", good(repositories={"payments/api": {}}, workloads={"worker": {**APP, "fargate": True}},
                                    fargateProfiles={"workers": {"selectors": [
                                        {"namespace": "payments", "labels": {"eks-platform/compute": "fargate"}}]}}))
    assert cfg.workloads["worker"].fargate and cfg.pod_security_level == "restricted"
