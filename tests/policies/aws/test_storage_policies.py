"""Storage rules on AWS resources: F4 (EBS volumes), F5 F6 F9 (EFS file systems), F8 (EFS access points and
EFS StorageClasses), F11 (FSx file systems and FSx StorageClasses).

Each rule: silent on the golden fixture, firing on one changed field with a message naming the resource, and
deciding at a first preview where the key ARN is unknown (``UNKNOWN_STRING_VALUE`` through the SDK proxy).
"""

from __future__ import annotations

from typing import Any

import pytest
from pulumi_policy import ResourceValidationArgs
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from aws.ebs.volume.enable_encryption import enable_encryption as ebs_encryption
from aws.efs.accesspoint.enforce_posix_identity import enforce_posix_identity
from aws.efs.filesystem.configure_cmk import configure_cmk as efs_cmk
from aws.efs.filesystem.disallow_one_zone import disallow_one_zone
from aws.efs.filesystem.enable_encryption import enable_encryption as efs_encryption
from aws.fsx.filesystem.configure_cmk import configure_cmk as fsx_cmk
from aws.stack.enable_stateful_resource_protection import STATEFUL_TYPES
from tests.policies.fixtures import _opts, resource_args, run, urn_of

VOLUME = "aws:ebs/volume:Volume"
EFS = "aws:efs/fileSystem:FileSystem"
ACCESS_POINT = "aws:efs/accessPoint:AccessPoint"
LUSTRE = "aws:fsx/lustreFileSystem:LustreFileSystem"
ONTAP = "aws:fsx/ontapFileSystem:OntapFileSystem"
OPENZFS = "aws:fsx/openZfsFileSystem:OpenZfsFileSystem"
WINDOWS = "aws:fsx/windowsFileSystem:WindowsFileSystem"
FSX = [LUSTRE, ONTAP, OPENZFS, WINDOWS]
STORAGE_CLASS = "kubernetes:storage.k8s.io/v1:StorageClass"

POLICIES = [ebs_encryption, efs_encryption, efs_cmk, disallow_one_zone, enforce_posix_identity, fsx_cmk]


def messages(policy: Any, args: ResourceValidationArgs) -> list[str]:
    return [message for message, _ in run(policy, args)]


def args_of(token: str, props: dict[str, Any], name: str = "subject") -> ResourceValidationArgs:
    return ResourceValidationArgs(token, unknown_checking_proxy(props), urn_of(token, name), name, _opts(), None, {})


def storage_class(provisioner: str, parameters: dict[str, str], mount_options: list[str] | None = None,
                  name: str = "shared") -> dict[str, Any]:
    props: dict[str, Any] = {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": name},
                             "provisioner": provisioner, "parameters": parameters}
    if mount_options is not None:
        props["mountOptions"] = mount_options
    return props


def unknown_key(p: dict[str, Any]) -> None:
    p["kmsKeyId"] = UNKNOWN_STRING_VALUE


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
@pytest.mark.parametrize("token", [VOLUME, EFS, ACCESS_POINT, *FSX])
def test_golden_storage_is_silent(policy: Any, token: str) -> None:
    assert run(policy, resource_args(token)) == []


@pytest.mark.parametrize(("policy", "token"), [(ebs_encryption, VOLUME), (efs_cmk, EFS), (efs_encryption, EFS),
                                               *((fsx_cmk, t) for t in FSX)])
def test_a_key_unknown_at_preview_is_set_and_the_rule_decides(policy: Any, token: str) -> None:
    assert run(policy, resource_args(token, unknown_key)) == []


# F4 ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("change", "state"), [(lambda p: p.update(encrypted=False), "false"),
                                               (lambda p: p.pop("encrypted"), "unset")])
def test_f4_unencrypted_volume_fires(change: Any, state: str) -> None:
    (message,) = messages(ebs_encryption, resource_args(VOLUME, change, name="scratch"))
    assert message.startswith(f"EBS volume 'scratch' is not encrypted (encrypted is {state}); ")
    assert "Set encrypted=True and kmsKeyId to a customer-managed key" in message


def test_f4_aws_managed_key_fires_and_still_decides_with_an_unknown_size() -> None:
    def change(p: dict[str, Any]) -> None:
        p.pop("kmsKeyId")
        p["size"] = UNKNOWN_STRING_VALUE  # never read: only what decides is read
    (message,) = messages(ebs_encryption, resource_args(VOLUME, change, name="data"))
    assert message.startswith("EBS volume 'data' is encrypted with the AWS-managed aws/ebs key (kmsKeyId is unset)")


# F5 F6 F9 ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("change", "state"), [(lambda p: p.update(encrypted=False), "false"),
                                               (lambda p: p.pop("encrypted"), "unset, which means false")])
def test_f5_unencrypted_file_system_fires(change: Any, state: str) -> None:
    (message,) = messages(efs_encryption, resource_args(EFS, change, name="shared"))
    assert message.startswith(f"EFS file system 'shared' is not encrypted at rest (encrypted is {state}). Set "
                              "encrypted=True with kmsKeyId")


def test_f6_file_system_without_cmk_fires() -> None:
    (message,) = messages(efs_cmk, resource_args(EFS, lambda p: p.pop("kmsKeyId"), name="shared"))
    assert message.startswith("EFS file system 'shared' does not use a customer-managed KMS key (kmsKeyId is unset)")


def test_f9_one_zone_fires_naming_the_zone() -> None:
    (message,) = messages(disallow_one_zone, resource_args(EFS, lambda p: p.update(availabilityZoneName="us-west-2a"),
                                                           name="cache"))
    assert message.startswith("EFS file system 'cache' is One Zone: it stores its data in one Availability Zone "
                              "(us-west-2a)")
    assert "Remove availabilityZoneName" in message


def test_f9_a_zone_unknown_at_preview_is_set() -> None:
    (message,) = messages(disallow_one_zone, resource_args(EFS, lambda p: p.update(
        availabilityZoneName=UNKNOWN_STRING_VALUE), name="cache"))
    assert "stores its data in one Availability Zone, so" in message


# F8 ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("change", "state"), [
    (lambda p: p.pop("rootDirectory"), "unset, which means /"),
    (lambda p: p["rootDirectory"].update(path="/"), "\"/\""),
])
def test_f8_access_point_at_the_file_system_root_fires(change: Any, state: str) -> None:
    (message,) = messages(enforce_posix_identity, resource_args(ACCESS_POINT, change, name="app"))
    assert message.startswith(f"EFS access point 'app' exposes the whole file system (rootDirectory.path is {state})")


@pytest.mark.parametrize(("change", "what"), [
    (lambda p: p.pop("posixUser"), "posixUser is unset"),
    (lambda p: p["posixUser"].pop("gid"), "posixUser has no gid"),
])
def test_f8_access_point_without_posix_identity_fires(change: Any, what: str) -> None:
    (message,) = messages(enforce_posix_identity, resource_args(ACCESS_POINT, change, name="app"))
    assert message.startswith(f"EFS access point 'app' does not enforce a POSIX identity ({what})")


def test_f8_access_point_enforcing_root_fires() -> None:
    (message,) = messages(enforce_posix_identity, resource_args(ACCESS_POINT, lambda p: p["posixUser"].update(uid=0)))
    assert message.startswith("EFS access point 'subject' enforces uid 0 (root)")


def test_f8_access_point_on_a_file_system_unknown_at_preview_decides() -> None:
    assert run(enforce_posix_identity, resource_args(ACCESS_POINT, lambda p: p.update(
        fileSystemId=UNKNOWN_STRING_VALUE))) == []


def test_f8_efs_class_without_access_points_fires() -> None:
    props = storage_class("efs.csi.aws.com", {"fileSystemId": UNKNOWN_STRING_VALUE}, ["tls"], name="efs-static")
    (message,) = messages(enforce_posix_identity, args_of(STORAGE_CLASS, props))
    assert message.startswith("StorageClass 'efs-static' (provisioner efs.csi.aws.com) does not provision volumes "
                              "through access points (parameters.provisioningMode is unset)")


@pytest.mark.parametrize("base_path", [None, "/", "/dynamic"])
def test_f8_efs_class_with_access_points_is_silent_whatever_its_base_path(base_path: str | None) -> None:
    parameters = {"provisioningMode": "efs-ap", "fileSystemId": UNKNOWN_STRING_VALUE, "directoryPerms": "700"}
    if base_path is not None:
        parameters["basePath"] = base_path
    assert run(enforce_posix_identity, args_of(STORAGE_CLASS, storage_class("efs.csi.aws.com", parameters))) == []


def test_f8_ignores_ebs_classes() -> None:
    assert run(enforce_posix_identity, resource_args(STORAGE_CLASS)) == []


# F11 ---------------------------------------------------------------------------------------------------------


def test_f11_scratch_lustre_reports_one_message_per_problem() -> None:
    def change(p: dict[str, Any]) -> None:
        for key in ("deploymentType", "kmsKeyId", "automaticBackupRetentionDays", "logConfiguration",
                    "perUnitStorageThroughput"):
            p.pop(key)
    found = messages(fsx_cmk, resource_args(LUSTRE, change, name="scratch"))
    subject = "FSx for Lustre file system 'scratch'"
    assert [m.split(" (", 1)[0] for m in found] == [
        f"{subject} is encrypted with the AWS-managed aws/fsx key",
        f"{subject} uses a scratch deployment type",
        f"{subject} keeps no automatic backups",
        f"{subject} does not log data-repository errors",
    ]
    assert "(deploymentType is unset, which means SCRATCH_1)" in found[1]
    assert "(automaticBackupRetentionDays is unset, and Lustre's default is 0)" in found[2]
    assert "PERSISTENT_1 and PERSISTENT_2 file systems take daily, incremental backups" in found[2]
    assert "(logConfiguration.level is unset, which means DISABLED)" in found[3]


@pytest.mark.parametrize(("change", "fragment"), [
    (lambda p: p.update(deploymentType="SCRATCH_2"), "uses a scratch deployment type (deploymentType is SCRATCH_2)"),
    (lambda p: p.update(automaticBackupRetentionDays=0), "keeps no automatic backups (automaticBackupRetentionDays "
                                                         "is 0)"),
    (lambda p: p.update(logConfiguration={"level": "DISABLED"}), "(logConfiguration.level is DISABLED)"),
])
def test_f11_lustre_single_problem_fires_once(change: Any, fragment: str) -> None:
    (message,) = messages(fsx_cmk, resource_args(LUSTRE, change))
    assert fragment in message


@pytest.mark.parametrize(("token", "kind"), [(ONTAP, "FSx for NetApp ONTAP"), (OPENZFS, "FSx for OpenZFS"),
                                             (WINDOWS, "FSx for Windows File Server")])
def test_f11_file_system_without_cmk_fires(token: str, kind: str) -> None:
    (message,) = messages(fsx_cmk, resource_args(token, lambda p: p.pop("kmsKeyId"), name="shares"))
    assert message.startswith(f"{kind} file system 'shares' is encrypted with the AWS-managed aws/fsx key "
                              "(kmsKeyId is unset)")


@pytest.mark.parametrize("token", [ONTAP, OPENZFS, WINDOWS])
def test_f11_backups_off_fires_and_unset_means_the_fsx_default(token: str) -> None:
    (message,) = messages(fsx_cmk, resource_args(token, lambda p: p.update(automaticBackupRetentionDays=0)))
    assert "disables automatic backups (automaticBackupRetentionDays is 0)" in message
    assert run(fsx_cmk, resource_args(token, lambda p: p.pop("automaticBackupRetentionDays"))) == []


def test_f11_fsx_class_without_cmk_on_scratch_fires_twice() -> None:
    props = storage_class("fsx.csi.aws.com", {"subnetId": "subnet-1", "securityGroupIds": "sg-1"}, name="lustre")
    found = messages(fsx_cmk, args_of(STORAGE_CLASS, props))
    assert len(found) == 2, found
    assert found[0].startswith("StorageClass 'lustre' (provisioner fsx.csi.aws.com) creates FSx for Lustre file "
                               "systems with the AWS-managed aws/fsx key (parameters.kmsKeyId is unset)")
    assert "(parameters.deploymentType is unset, which means SCRATCH_1)" in found[1]


def test_f11_persistent_fsx_class_with_a_key_unknown_at_preview_is_silent() -> None:
    props = storage_class("fsx.csi.aws.com", {"subnetId": UNKNOWN_STRING_VALUE, "deploymentType": "PERSISTENT_2",
                                              "kmsKeyId": UNKNOWN_STRING_VALUE, "perUnitStorageThroughput": "125"})
    assert run(fsx_cmk, args_of(STORAGE_CLASS, props)) == []


def test_every_fsx_type_is_stateful() -> None:
    assert set(FSX) | {VOLUME, EFS} <= set(STATEFUL_TYPES)
