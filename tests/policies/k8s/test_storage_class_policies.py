"""Storage rules on Kubernetes objects: F1 (EBS StorageClass encryption, gp2 not default), F2 (EBS StorageClass
CMK and allowlist), F7 (EFS PersistentVolumes and StorageClasses mount with TLS).

Each rule: silent on the golden fixture, firing on one changed field with a message naming the object, and
deciding at a first preview where key ARNs and file system IDs are unknown (``UNKNOWN_STRING_VALUE``).
"""

from __future__ import annotations

from typing import Any

import pytest
from _known import Undecided
from pulumi_policy import ResourceValidationArgs
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from k8s.storage.configure_ebs_cmk import configure_ebs_cmk
from k8s.storage.enable_ebs_encryption import enable_ebs_encryption
from k8s.storage.enable_efs_in_transit_encryption import enable_efs_in_transit_encryption
from tests.policies.fixtures import GOLDEN, STORAGE_KEY, _opts, resource_args, run, urn_of

CLASS = "kubernetes:storage.k8s.io/v1:StorageClass"
PATCH = "kubernetes:storage.k8s.io/v1:StorageClassPatch"
PV = "kubernetes:core/v1:PersistentVolume"
DEFAULT = "storageclass.kubernetes.io/is-default-class"
POLICIES = [enable_ebs_encryption, configure_ebs_cmk, enable_efs_in_transit_encryption]


def messages(policy: Any, args: ResourceValidationArgs) -> list[str]:
    return [message for message, _ in run(policy, args)]


def args_of(token: str, props: dict[str, Any], name: str = "subject", config: dict[str, Any] | None = None
            ) -> ResourceValidationArgs:
    return ResourceValidationArgs(token, unknown_checking_proxy(props), urn_of(token, name), name, _opts(), None,
                                  config or {})


def ebs_class(name: str, provisioner: str = "ebs.csi.aws.com", default: str | None = None,
              **parameters: str) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if default is not None:
        metadata["annotations"] = {DEFAULT: default}
    return {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": metadata,
            "provisioner": provisioner, "parameters": parameters}


def efs_class(mount_options: list[str] | None) -> dict[str, Any]:
    props: dict[str, Any] = {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "efs"},
                             "provisioner": "efs.csi.aws.com",
                             "parameters": {"provisioningMode": "efs-ap", "fileSystemId": UNKNOWN_STRING_VALUE}}
    if mount_options is not None:
        props["mountOptions"] = mount_options
    return props


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
@pytest.mark.parametrize("token", [CLASS, PATCH, PV])
def test_golden_storage_objects_are_silent(policy: Any, token: str) -> None:
    assert run(policy, resource_args(token)) == []


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_a_key_and_file_system_unknown_at_preview_are_set_and_the_rules_decide(policy: Any) -> None:
    def change(p: dict[str, Any]) -> None:
        p["parameters"]["kmsKeyId"] = UNKNOWN_STRING_VALUE
    assert run(policy, resource_args(CLASS, change)) == []
    assert run(policy, resource_args(PV, lambda p: p["spec"]["csi"].update(volumeHandle=UNKNOWN_STRING_VALUE))) == []


# F1 ----------------------------------------------------------------------------------------------------------


def test_f1_unencrypted_class_fires() -> None:
    (message,) = messages(enable_ebs_encryption, resource_args(CLASS, lambda p: p["parameters"].pop("encrypted")))
    assert message == (
        "StorageClass 'gp3-encrypted' (provisioner ebs.csi.aws.com) provisions unencrypted EBS volumes "
        "(parameters.encrypted is unset; the driver encrypts only for the string \"true\"). It is annotated as the "
        "default class, so every PersistentVolumeClaim that names no storageClassName gets an unencrypted volume. "
        "Set parameters.encrypted: \"true\" and parameters.kmsKeyId to a customer-managed key; StorageClass "
        "parameters are immutable, so create a new class (or replace this one).")


@pytest.mark.parametrize("provisioner", ["ebs.csi.aws.com", "ebs.csi.eks.amazonaws.com", "kubernetes.io/aws-ebs"])
@pytest.mark.parametrize("encrypted", ["false", "True", "yes"])
def test_f1_anything_but_the_string_true_fires(provisioner: str, encrypted: str) -> None:
    (message,) = messages(enable_ebs_encryption, args_of(CLASS, ebs_class("fast", provisioner, encrypted=encrypted)))
    assert message.startswith(f"StorageClass 'fast' (provisioner {provisioner}) provisions unencrypted EBS volumes "
                              f"(parameters.encrypted is \"{encrypted}\";")
    assert "default class" not in message


def test_f1_a_class_without_a_kubernetes_name_is_named_by_its_resource() -> None:
    props = ebs_class("x")
    props.pop("metadata")
    (message,) = messages(enable_ebs_encryption, args_of(CLASS, props, name="auto-named"))
    assert message.startswith("StorageClass 'auto-named' (provisioner ebs.csi.aws.com)")


def test_f1_eks_gp2_as_default_fires_twice() -> None:
    props = ebs_class("gp2", "kubernetes.io/aws-ebs", default="true", type="gp2", fsType="ext4")
    unencrypted, gp2 = messages(enable_ebs_encryption, args_of(CLASS, props))
    assert "It is annotated as the default class" in unencrypted
    assert gp2.startswith("StorageClass 'gp2' (provisioner kubernetes.io/aws-ebs) makes gp2 the default class: gp2 "
                          "must not be the default class.")


def test_f1_an_encrypted_class_named_gp2_must_not_be_the_default_either() -> None:
    props = ebs_class("gp2", default="true", type="gp3", encrypted="true", kmsKeyId=STORAGE_KEY)
    (message,) = messages(enable_ebs_encryption, args_of(CLASS, props))
    assert "gp2 must not be the default class" in message
    assert "make an encrypted EBS class of another name (e.g. gp3-encrypted) the default" in message


@pytest.mark.parametrize("annotation", [DEFAULT, "storageclass.beta.kubernetes.io/is-default-class"])
def test_f1_patching_gp2_into_the_default_fires(annotation: str) -> None:
    props = {"metadata": {"name": "gp2", "annotations": {annotation: "true"}}}
    (message,) = messages(enable_ebs_encryption, args_of(PATCH, props, name="default-gp2"))
    assert message.startswith("StorageClassPatch 'gp2' makes gp2 the default class: gp2 must not be the default "
                              "class. On EKS, gp2 is the in-tree class EKS itself created (clusters before 1.30), "
                              "unencrypted and immutable")


@pytest.mark.parametrize(("name", "default"), [("gp2", "false"), ("gp3-encrypted", "true"), ("gp2", None)])
def test_f1_other_patches_are_silent(name: str, default: str | None) -> None:
    metadata: dict[str, Any] = {"name": name}
    if default is not None:
        metadata["annotations"] = {DEFAULT: default}
    assert run(enable_ebs_encryption, args_of(PATCH, {"metadata": metadata})) == []


def test_f1_ignores_non_ebs_classes() -> None:
    assert run(enable_ebs_encryption, args_of(CLASS, efs_class(["tls"]))) == []


def test_f1_an_annotation_unknown_at_preview_is_undecided_not_a_crash() -> None:
    props = ebs_class("gp2", default=UNKNOWN_STRING_VALUE, encrypted="true", kmsKeyId=STORAGE_KEY)
    with pytest.raises(Undecided) as caught:
        run(enable_ebs_encryption, args_of(CLASS, props))
    assert "metadata.annotations[storageclass.kubernetes.io/is-default-class]" in caught.value.message


# F2 ----------------------------------------------------------------------------------------------------------


def test_f2_class_without_a_key_fires() -> None:
    (message,) = messages(configure_ebs_cmk, resource_args(CLASS, lambda p: p["parameters"].pop("kmsKeyId")))
    assert message.startswith("StorageClass 'gp3-encrypted' (provisioner ebs.csi.aws.com) does not name a "
                              "customer-managed KMS key (parameters.kmsKeyId is unset), so its volumes use the "
                              "AWS-managed aws/ebs key.")


def test_f2_allowlist_compares_a_known_key() -> None:
    config = {"allowedKeyIds": ["arn:aws:kms:us-west-2:111111111111:key/approved"]}
    (message,) = messages(configure_ebs_cmk, resource_args(CLASS, config=config))
    assert message == (f"StorageClass 'gp3-encrypted' (provisioner ebs.csi.aws.com) encrypts its volumes with "
                       f"{STORAGE_KEY}, which is not an approved key (allowedKeyIds). Use one of the approved "
                       "customer-managed keys.")
    assert run(configure_ebs_cmk, resource_args(CLASS, config={"allowedKeyIds": [STORAGE_KEY]})) == []


def test_f2_allowlist_cannot_compare_a_key_unknown_at_preview_and_says_up_decides() -> None:
    def change(p: dict[str, Any]) -> None:
        p["parameters"]["kmsKeyId"] = UNKNOWN_STRING_VALUE
    with pytest.raises(Undecided) as caught:
        run(configure_ebs_cmk, resource_args(CLASS, change, config={"allowedKeyIds": [STORAGE_KEY]}))
    assert caught.value.message == (".parameters.kmsKeyId is the ARN of a key this stack creates, so it cannot be "
                                    "compared with allowedKeyIds yet; this rule decides it during `pulumi up`")


def test_f2_patches_without_parameters_and_other_provisioners_are_silent() -> None:
    assert run(configure_ebs_cmk, resource_args(PATCH)) == []
    assert run(configure_ebs_cmk, args_of(CLASS, efs_class(["tls"]))) == []


# F7 ----------------------------------------------------------------------------------------------------------


def test_f7_efs_volume_without_tls_fires() -> None:
    (message,) = messages(enable_efs_in_transit_encryption, resource_args(PV, lambda p: p["spec"].pop("mountOptions")))
    assert message == ("PersistentVolume 'shared-data' mounts EFS without TLS (spec.mountOptions has no \"tls\"), so "
                       "its NFS traffic crosses the network in plaintext. Add \"tls\" to spec.mountOptions.")


def test_f7_encrypt_in_transit_off_fires_even_with_tls() -> None:
    def change(p: dict[str, Any]) -> None:
        p["spec"]["csi"]["volumeAttributes"]["encryptInTransit"] = "false"
    (message,) = messages(enable_efs_in_transit_encryption, resource_args(PV, change))
    assert message.startswith("PersistentVolume 'shared-data' turns EFS encryption in transit off")


def test_f7_both_problems_are_two_messages() -> None:
    def change(p: dict[str, Any]) -> None:
        p["spec"]["mountOptions"] = ["iam"]
        p["spec"]["csi"]["volumeAttributes"]["encryptInTransit"] = "false"
    assert len(messages(enable_efs_in_transit_encryption, resource_args(PV, change))) == 2


def test_f7_ignores_volumes_of_other_drivers() -> None:
    def change(p: dict[str, Any]) -> None:
        p["spec"]["csi"] = {"driver": "ebs.csi.aws.com", "volumeHandle": "vol-0123"}
        p["spec"].pop("mountOptions")
    assert run(enable_efs_in_transit_encryption, resource_args(PV, change)) == []
    assert run(enable_efs_in_transit_encryption, resource_args(PV, lambda p: p["spec"].pop("csi"))) == []


@pytest.mark.parametrize("mount_options", [None, [], ["iam"]])
def test_f7_efs_class_without_tls_fires(mount_options: list[str] | None) -> None:
    (message,) = messages(enable_efs_in_transit_encryption, args_of(CLASS, efs_class(mount_options)))
    assert message.startswith("StorageClass 'efs' (provisioner efs.csi.aws.com) provisions EFS volumes mounted "
                              "without TLS (mountOptions has no \"tls\")")


def test_f7_efs_class_with_tls_is_silent() -> None:
    assert run(enable_efs_in_transit_encryption, args_of(CLASS, efs_class(["tls", "iam"]))) == []


def test_golden_class_is_the_encrypted_default() -> None:
    assert GOLDEN[CLASS]["metadata"]["annotations"][DEFAULT] == "true"
