"""Storage components under pulumi mocks: EBS, EFS and FSx for Lustre CSI drivers and their classes."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from components.compute import SubnetRef
from components.storage_ebs import EbsStorage, EbsStorageArgs
from components.storage_efs import EfsStorage, EfsStorageArgs, file_system_policy
from components.storage_fsx import FsxLustreStorage, FsxLustreStorageArgs, FsxStaticFileSystemArgs, driver_policy
from tests.conftest import synth

PRIVATE = [SubnetRef(id=f"subnet-0{z}", public=False, zone=f"us-west-2{z}") for z in "abc"]
CLIENTS = {"cluster": "sg-0cluster", "custom-nodes": "sg-0custom"}
KEY_ARN = "arn:aws:kms:us-west-2:123456789012:key/"


def _provider() -> pulumi.ProviderResource:
    return pulumi.ProviderResource("kubernetes", "k8s", {"kubeconfig": "{}"})


def _pod_identity(mocks: Any, role: str, addon: str, service_account: str) -> None:
    trust = json.loads(mocks.created[role].inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    assert trust["Statement"][0]["Action"] == ["sts:AssumeRole", "sts:TagSession"]
    (association,) = mocks.created[addon].inputs["podIdentityAssociations"]
    assert association["serviceAccount"] == service_account
    assert association["roleArn"].startswith("arn:aws:iam::123456789012:role/")


def _key(mocks: Any, name: str, alias: str) -> None:
    key = mocks.created[name].inputs
    assert key["enableKeyRotation"] is True and key["deletionWindowInDays"] == 30 and key["description"]
    (admin,) = json.loads(key["policy"])["Statement"]
    assert admin["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    assert admin["Condition"] == {"StringEquals": {"aws:PrincipalAccount": "123456789012"}}
    assert mocks.created[f"{name}-alias"].inputs["name"] == f"alias/{alias}"


# -- EBS -------------------------------------------------------------------------------------

def _ebs(mocks: Any, **kwargs: Any) -> None:
    synth(lambda: EbsStorage("ebs", EbsStorageArgs(cluster_name="eks-test", cluster="eks-test",
                                                  kubernetes_version="1.35", kubernetes_provider=_provider(), **kwargs)))


def test_ebs_default_class_is_encrypted_gp3_waiting_for_its_pod(mocks) -> None:  # type: ignore[no-untyped-def]
    _ebs(mocks, reclaim_policy="Retain")
    storage_class = mocks.created["ebs-gp3"].inputs
    assert storage_class["metadata"] == {"name": "gp3",
                                         "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}}
    assert storage_class["provisioner"] == "ebs.csi.aws.com"
    params = storage_class["parameters"]
    assert (params["type"], params["encrypted"]) == ("gp3", "true")
    assert params["kmsKeyId"].startswith(KEY_ARN), "the customer-managed key, not aws/ebs"
    assert storage_class["volumeBindingMode"] == "WaitForFirstConsumer"
    assert storage_class["allowVolumeExpansion"] is True and storage_class["reclaimPolicy"] == "Retain"
    _key(mocks, "ebs-key", "eks/eks-test/ebs")
    _pod_identity(mocks, "ebs-role", "ebs-addon", "ebs-csi-controller-sa")
    assert mocks.created["ebs-addon"].inputs["addonName"] == "aws-ebs-csi-driver"
    assert mocks.created["ebs-role-AmazonEBSCSIDriverPolicy"].inputs["policyArn"] == \
        "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"
    use_key = json.loads(mocks.created["ebs-role-policy"].inputs["policy"])["Statement"]
    assert {s["Condition"]["ForAnyValue:StringEquals"]["kms:ResourceAliases"] for s in use_key} == \
        {"alias/eks/eks-test/ebs"}, "the driver may use only this key"
    assert "ebs-gp2-not-default" not in mocks.created, "clusters created on 1.30+ have no default gp2"


def test_ebs_can_demote_gp2_on_older_clusters(mocks) -> None:  # type: ignore[no-untyped-def]
    _ebs(mocks, demote_gp2=True)
    patch = mocks.created["ebs-gp2-not-default"]
    assert patch.typ == "kubernetes:storage.k8s.io/v1:StorageClassPatch"
    assert patch.inputs["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"] == "false"
    assert mocks.created["ebs-gp3"].inputs["reclaimPolicy"] == "Delete"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"reclaim_policy": "Recycle"}, "reclaim_policy: must be Retain or Delete"),
    ({"iops": 100}, "3000 to 16000 IOPS"),
])
def test_ebs_args_refuse_bad_values(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        EbsStorageArgs(cluster_name="c", cluster="c", kubernetes_version="1.35",
                       kubernetes_provider=None, **kwargs)  # type: ignore[arg-type]


# -- EFS -------------------------------------------------------------------------------------

def _efs_args(**kwargs: Any) -> EfsStorageArgs:
    return EfsStorageArgs(cluster_name="eks-test", cluster="eks-test", kubernetes_version="1.35",
                          kubernetes_provider=kwargs.pop("provider", None), vpc_id="vpc-0123",  # type: ignore[arg-type]
                          subnets=kwargs.pop("subnets", PRIVATE), clients=kwargs.pop("clients", CLIENTS), **kwargs)


def test_efs_file_system_mount_targets_and_nfs_only_from_nodes(mocks) -> None:  # type: ignore[no-untyped-def]
    synth(lambda: EfsStorage("efs", _efs_args(provider=_provider(), transition_to_ia_days=7, backup=False)))
    fs = mocks.created["efs-fs"].inputs
    assert fs["encrypted"] is True and fs["kmsKeyId"].startswith(KEY_ARN)
    assert "availabilityZoneName" not in fs, "regional, not One Zone"
    assert fs["lifecyclePolicies"] == [{"transitionToIa": "AFTER_7_DAYS"},
                                       {"transitionToPrimaryStorageClass": "AFTER_1_ACCESS"}]
    assert mocks.created["efs-backup"].inputs["backupPolicy"] == {"status": "DISABLED"}
    targets = sorted(n for n in mocks.created if n.startswith("efs-mt-"))
    assert targets == ["efs-mt-us-west-2a", "efs-mt-us-west-2b", "efs-mt-us-west-2c"], "one per private subnet"
    assert [mocks.created[t].inputs["subnetId"] for t in targets] == [s.id for s in PRIVATE]
    sg = mocks.created["efs-sg"].inputs
    (nfs,) = sg["ingress"]
    assert (nfs["protocol"], nfs["fromPort"], nfs["toPort"]) == ("tcp", 2049, 2049)
    assert nfs["securityGroups"] == ["sg-0cluster", "sg-0custom"] and "cidrBlocks" not in nfs
    assert sg["egress"] == [], "no egress: NFS replies ride the inbound connection"
    _key(mocks, "efs-key", "eks/eks-test/efs")
    _pod_identity(mocks, "efs-role", "efs-addon", "efs-csi-controller-sa")


def test_efs_class_provisions_access_points_with_a_posix_identity_over_tls(mocks) -> None:  # type: ignore[no-untyped-def]
    synth(lambda: EfsStorage("efs", _efs_args(provider=_provider(), uid=2001, gid=2001, base_path="/apps")))
    storage_class = mocks.created["efs-class"].inputs
    params = storage_class["parameters"]
    assert storage_class["provisioner"] == "efs.csi.aws.com"
    assert (params["provisioningMode"], params["basePath"], params["uid"], params["gid"]) == \
        ("efs-ap", "/apps", "2001", "2001")
    assert params["fileSystemId"], "the file system this component creates"
    assert storage_class["mountOptions"] == ["tls"]


def test_efs_file_system_policy_requires_tls_and_never_grants_root() -> None:
    allow, deny = json.loads(file_system_policy("arn:aws:elasticfilesystem:us-west-2:1:file-system/fs-1"))["Statement"]
    assert "elasticfilesystem:ClientRootAccess" not in allow["Action"]
    assert allow["Condition"] == {"Bool": {"elasticfilesystem:AccessedViaMountTarget": "true"}}
    assert (deny["Effect"], deny["Condition"]) == ("Deny", {"Bool": {"aws:SecureTransport": "false"}})


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"subnets": [SubnetRef(id="s", public=True, zone="a")]}, "are public"),
    ({"subnets": [SubnetRef(id="s", public=False, zone="a"), SubnetRef(id="t", public=False, zone="a")]},
     "its own zone"),
    ({"clients": {}}, "name the node and pod security groups"),
    ({"uid": 0}, "1000 or higher"),
    ({"base_path": "/"}, "a directory below /"),
    ({"transition_to_ia_days": 3}, "transition_to_ia_days"),
])
def test_efs_args_refuse_bad_values(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _efs_args(**kwargs)


# -- FSx for Lustre --------------------------------------------------------------------------

def _fsx_args(**kwargs: Any) -> FsxLustreStorageArgs:
    return FsxLustreStorageArgs(cluster_name="eks-test", cluster="eks-test",
                                kubernetes_version=kwargs.pop("kubernetes_version", "1.35"),
                                kubernetes_provider=kwargs.pop("provider", None), vpc_id="vpc-0123",  # type: ignore[arg-type]
                                subnet=kwargs.pop("subnet", PRIVATE[0]), clients=kwargs.pop("clients", CLIENTS),
                                **kwargs)


def test_fsx_security_group_opens_lustre_ports_to_nodes_only(mocks) -> None:  # type: ignore[no-untyped-def]
    synth(lambda: FsxLustreStorage("fsx", _fsx_args(provider=_provider())))
    sg = mocks.created["fsx-sg"].inputs
    for direction in ("ingress", "egress"):
        rules = sg[direction]
        assert [(r["protocol"], r["fromPort"], r["toPort"]) for r in rules] == [("tcp", 988, 988), ("tcp", 1018, 1023)]
        assert all(r["self"] is True and r["securityGroups"] == ["sg-0cluster", "sg-0custom"] for r in rules)
        assert not [r for r in rules if r.get("cidrBlocks")]
    _pod_identity(mocks, "fsx-role", "fsx-addon", "fsx-csi-controller-sa")
    assert "fsx-chart" not in mocks.created


def test_fsx_class_is_persistent_cmk_encrypted_and_backed_up(mocks) -> None:  # type: ignore[no-untyped-def]
    synth(lambda: FsxLustreStorage("fsx", _fsx_args(provider=_provider(), per_unit_storage_throughput=250,
                                                    backup_retention_days=14)))
    storage_class = mocks.created["fsx-class"].inputs
    params = storage_class["parameters"]
    assert storage_class["provisioner"] == "fsx.csi.aws.com"
    assert params["subnetId"] == PRIVATE[0].id and params["securityGroupIds"].startswith("sg-")
    assert (params["deploymentType"], params["perUnitStorageThroughput"]) == ("PERSISTENT_2", "250")
    assert params["kmsKeyId"].startswith(KEY_ARN) and params["automaticBackupRetentionDays"] == "14"
    logs = mocks.created["fsx-logs"].inputs
    assert logs["name"] == "/aws/fsx/eks-test" and logs["retentionInDays"] == 90


def test_fsx_static_file_system_with_its_s3_association_and_volume(mocks) -> None:  # type: ignore[no-untyped-def]
    static = FsxStaticFileSystemArgs(storage_capacity_gib=2400, s3_path="s3://acme-datasets/train")
    synth(lambda: FsxLustreStorage("fsx", _fsx_args(provider=_provider(), static_file_system=static)))
    fs = mocks.created["fsx-static"].inputs
    assert (fs["deploymentType"], fs["storageCapacity"]) == ("PERSISTENT_2", 2400)
    assert fs["kmsKeyId"].startswith(KEY_ARN) and fs["automaticBackupRetentionDays"] == 7
    assert fs["logConfiguration"]["level"] == "WARN_ERROR"
    association = mocks.created["fsx-static-s3"].inputs
    assert (association["dataRepositoryPath"], association["fileSystemPath"]) == ("s3://acme-datasets/train", "/datasets")
    volume = mocks.created["fsx-static-pv"].inputs["spec"]
    assert volume["csi"]["driver"] == "fsx.csi.aws.com" and volume["storageClassName"] == ""
    assert volume["capacity"] == {"storage": "2400Gi"}


def test_fsx_uses_the_helm_chart_before_the_add_on_exists(mocks) -> None:  # type: ignore[no-untyped-def]
    synth(lambda: FsxLustreStorage("fsx", _fsx_args(provider=_provider(), kubernetes_version="1.29")))
    assert "fsx-addon" not in mocks.created
    chart = mocks.created["fsx-chart"]
    assert chart.typ == "kubernetes:helm.sh/v4:Chart" and chart.inputs["version"]
    association = mocks.created["fsx-pod-identity"].inputs
    assert (association["namespace"], association["serviceAccount"]) == ("kube-system", "fsx-csi-controller-sa")


def test_fsx_driver_policy_has_no_wildcard_actions() -> None:
    statements = json.loads(driver_policy("aws", "us-west-2", "123456789012", "eks/c/fsx"))["Statement"]
    actions = [a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])]
    assert not [a for a in actions if a == "*" or a.endswith(":*")]
    assert {s["Sid"] for s in statements} >= {"ManageFileSystems", "FsxServiceLinkedRole", "UseKey"}


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"subnet": SubnetRef(id="s", public=True, zone="a")}, "private subnet"),
    ({"per_unit_storage_throughput": 200}, "per_unit_storage_throughput"),
    ({"driver": "operator"}, "driver"),
    ({"clients": {}}, "node security groups"),
])
def test_fsx_args_refuse_bad_values(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _fsx_args(**kwargs)


def test_fsx_static_capacity_follows_persistent_2_steps() -> None:
    with pytest.raises(ValueError, match="1200 or a multiple of 2400"):
        FsxStaticFileSystemArgs(storage_capacity_gib=1800, s3_path="s3://b/p")
