"""EfsStorage: an encrypted, regional EFS file system shared by many pods, with the EFS CSI driver.

Children (parented to the component):

* ``{name}-key`` / ``{name}-key-alias`` (``alias/eks/<cluster>/efs``): the file system's customer-managed
  key (rotation on; protected in prod);
* ``{name}-fs``: the file system: encrypted with the key, regional (Standard storage class, not One
  Zone), elastic or bursting throughput, an Infrequent Access transition from config; protected and kept
  on delete in prod;
* ``{name}-backup``: AWS Backup's daily backups on or off, from config;
* ``{name}-fs-policy``: the file system policy: clients that reach a mount target may mount and write,
  nothing without TLS, and root access (``elasticfilesystem:ClientRootAccess``) is never granted;
* ``{name}-sg``: the mount targets' security group: NFS (TCP 2049) only, only from the node and pod
  security groups given; no egress (NFS replies ride the inbound connection);
* ``{name}-mt-<zone>``: a mount target in every private subnet, named by zone (stable);
* ``{name}-role`` + ``{name}-addon``: the ``aws-efs-csi-driver`` add-on, its controller bound through EKS
  Pod Identity to a role with ``AmazonEFSCSIDriverPolicy`` (it creates and deletes access points);
* ``{name}-class``: StorageClass ``efs``: dynamic provisioning through access points (``efs-ap``), each
  rooted under ``base_path`` and enforcing the POSIX ``uid``/``gid``, mounted with TLS.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from ._addons import pod_identity_addon
from ._iam import pod_identity_role
from ._kms import customer_managed_key, key_policy
from ._tags import merged_tags
from .compute import SubnetRef

TYPE_TOKEN = "eks-platform:components:EfsStorage"
PROVISIONER = "efs.csi.aws.com"
SERVICE_ACCOUNT = "efs-csi-controller-sa"
NFS_PORT = 2049
TRANSITION_DAYS = (1, 7, 14, 30, 60, 90, 180, 270, 365)


@dataclass(frozen=True)
class EfsStorageArgs:
    """Inputs of :class:`EfsStorage`."""

    cluster_name: str
    cluster: pulumi.Input[str]
    """The cluster's name as an output, so the add-on waits for the cluster."""
    kubernetes_version: str
    kubernetes_provider: pulumi.ProviderResource
    vpc_id: pulumi.Input[str]
    subnets: Sequence[SubnetRef]
    """Private subnets, one per zone: each gets a mount target."""
    clients: Mapping[str, pulumi.Input[str]]
    """Security groups allowed to mount, by a stable name: the nodes' and the pods' (EKS's cluster group)."""
    throughput_mode: str = "elastic"
    transition_to_ia_days: int | None = 30
    backup: bool = True
    uid: int = 1000
    gid: int = 1000
    base_path: str = "/dynamic"
    reclaim_policy: str = "Delete"
    addon_version: str | None = None
    depends_on: Sequence[pulumi.Resource] = ()
    """What the add-on needs first (the Pod Identity agent)."""
    protect: bool = True
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        public = [s.zone or str(s.id) for s in self.subnets if s.public]
        if public or not self.subnets:
            raise ValueError("EfsStorageArgs.subnets: pass the private subnets, one per zone"
                             + (f" ({', '.join(public)} are public)" if public else ""))
        zones = [s.zone for s in self.subnets]
        if not all(zones) or len(set(zones)) != len(zones):
            raise ValueError("EfsStorageArgs.subnets: each needs its own zone (mount targets are named by zone)")
        if not self.clients:
            raise ValueError("EfsStorageArgs.clients: name the node and pod security groups that may mount")
        if self.throughput_mode not in ("elastic", "bursting"):
            raise ValueError(f"EfsStorageArgs.throughput_mode: elastic or bursting, got {self.throughput_mode!r}")
        if self.transition_to_ia_days is not None and self.transition_to_ia_days not in TRANSITION_DAYS:
            raise ValueError(f"EfsStorageArgs.transition_to_ia_days: one of {TRANSITION_DAYS}")
        if min(self.uid, self.gid) < 1000:
            raise ValueError("EfsStorageArgs: uid and gid must be 1000 or higher (never root or a system user)")
        if not self.base_path.startswith("/") or self.base_path == "/":
            raise ValueError("EfsStorageArgs.base_path: a directory below /, e.g. /dynamic")
        if self.reclaim_policy not in ("Retain", "Delete"):
            raise ValueError(f"EfsStorageArgs.reclaim_policy: Retain or Delete, got {self.reclaim_policy!r}")


def file_system_policy(file_system_arn: str) -> str:
    """File system policy: clients that reach a mount target (the security group decides which) may mount and
    write; nothing without TLS; root access (``ClientRootAccess``) is never granted, so root is squashed."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "MountThroughMountTargets", "Effect": "Allow", "Principal": {"AWS": "*"},
         "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"], "Resource": file_system_arn,
         "Condition": {"Bool": {"elasticfilesystem:AccessedViaMountTarget": "true"}}},
        {"Sid": "DenyWithoutTls", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "*",
         "Resource": file_system_arn, "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    ]})


class EfsStorage(pulumi.ComponentResource):
    """A regional, CMK-encrypted EFS file system with mount targets, the EFS CSI driver and an access-point class."""

    file_system_id: pulumi.Output[str]
    key_arn: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    storage_class_name: pulumi.Output[str]

    def __init__(self, name: str, args: EfsStorageArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        partition = aws.get_partition().partition
        account = aws.get_caller_identity().account_id
        key, _ = customer_managed_key(f"{name}-key", f"EFS file system of {args.cluster_name}",
                                      f"eks/{args.cluster_name}/efs", key_policy(partition, account), args.tags,
                                      self, args.protect)
        lifecycle = [{"transition_to_primary_storage_class": "AFTER_1_ACCESS"}]
        if args.transition_to_ia_days is not None:
            days = args.transition_to_ia_days
            lifecycle.insert(0, {"transition_to_ia": f"AFTER_{days}_DAY{'S' if days > 1 else ''}"})
        fs = aws.efs.FileSystem(
            f"{name}-fs", encrypted=True, kms_key_id=key.arn, performance_mode="generalPurpose",
            throughput_mode=args.throughput_mode, lifecycle_policies=lifecycle,
            tags=merged_tags(args.tags, f"{name}-fs"),
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.protect))
        aws.efs.BackupPolicy(f"{name}-backup", file_system_id=fs.id,
                             backup_policy={"status": "ENABLED" if args.backup else "DISABLED"}, opts=child)
        aws.efs.FileSystemPolicy(f"{name}-fs-policy", file_system_id=fs.id,
                                 policy=fs.arn.apply(file_system_policy), opts=child)
        sg = aws.ec2.SecurityGroup(
            f"{name}-sg", vpc_id=args.vpc_id, description=f"EFS mount targets of {args.cluster_name}: NFS from pods",
            ingress=[{"protocol": "tcp", "from_port": NFS_PORT, "to_port": NFS_PORT,
                      "security_groups": [args.clients[k] for k in sorted(args.clients)],
                      "description": f"NFS from {', '.join(sorted(args.clients))}"}],
            egress=[], tags=merged_tags(args.tags, f"{name}-sg"), opts=child)
        targets = [aws.efs.MountTarget(f"{name}-mt-{s.zone}", file_system_id=fs.id, subnet_id=s.id,
                                       security_groups=[sg.id], opts=child) for s in args.subnets]
        role, grants = pod_identity_role(
            f"{name}-role", ["service-role/AmazonEFSCSIDriverPolicy"], None, partition, args.tags, self,
            f"EFS CSI driver of {args.cluster_name} through EKS Pod Identity")
        addon = pod_identity_addon(
            f"{name}-addon", "aws-efs-csi-driver", args.cluster, args.kubernetes_version, args.addon_version, role.arn,
            SERVICE_ACCOUNT, args.tags, self, [*grants, *args.depends_on])
        storage_class = k8s.storage.v1.StorageClass(
            f"{name}-class", metadata={"name": "efs"}, provisioner=PROVISIONER,
            parameters={"provisioningMode": "efs-ap", "fileSystemId": fs.id, "directoryPerms": "700",
                        "basePath": args.base_path, "uid": str(args.uid), "gid": str(args.gid),
                        "ensureUniqueDirectory": "true", "reuseAccessPoint": "false"},
            mount_options=["tls"], reclaim_policy=args.reclaim_policy, volume_binding_mode="Immediate",
            opts=pulumi.ResourceOptions(parent=self, provider=args.kubernetes_provider,
                                        depends_on=[addon, *targets]))
        self.file_system_id = fs.id
        self.key_arn = key.arn
        self.security_group_id = sg.id
        self.storage_class_name = storage_class.metadata.name
        self.register_outputs({"file_system_id": self.file_system_id, "key_arn": self.key_arn,
                               "security_group_id": self.security_group_id,
                               "storage_class_name": self.storage_class_name})
