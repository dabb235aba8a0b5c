"""FsxLustreStorage: FSx for Lustre for fast, scalable scratch and HPC data, through the FSx CSI driver.

Children (parented to the component):

* ``{name}-key`` / ``{name}-key-alias`` (``alias/eks/<cluster>/fsx``): the file systems' customer-managed
  key (rotation on; protected in prod);
* ``{name}-sg``: the file systems' security group: Lustre (TCP 988 and 1018-1023) from the node security
  groups given and between the file system's own servers; egress only on those ports, to the same groups;
* ``{name}-role``: the driver's role through EKS Pod Identity: create, describe, update, tag and delete
  file systems, the FSx service-linked role, and the key (by alias, with grants for FSx);
* the driver: the ``aws-fsx-csi-driver`` EKS add-on (``{name}-addon``) where the Kubernetes version has
  it, else the ``aws-fsx-csi-driver`` Helm chart through ``kubernetes:helm.sh/v4:Chart`` (``{name}-chart``)
  with ``{name}-pod-identity`` binding its controller's service account to the role;
* ``{name}-logs``: ``/aws/fsx/<cluster>``, where file systems log errors and warnings, encrypted with the
  key (whose policy lets CloudWatch Logs use it for this log group only); retention from config; kept on
  delete in prod;
* ``{name}-class``: StorageClass ``fsx-lustre``: a ``PERSISTENT_2`` file system per claim, in the given
  subnet and security group, the configured throughput per TiB, encrypted with the key, daily backups;
* optionally ``{name}-static`` (a standing file system, protected and kept on delete in prod),
  ``{name}-static-s3`` (its S3 data repository association, importing new, changed and deleted objects)
  and ``{name}-static-pv`` (a PersistentVolume that pods claim with ``storageClassName: ""``).
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
from ._kms import customer_managed_key, key_policy, key_user_policy, logs_statement
from ._tags import merged_tags
from .compute import SubnetRef

TYPE_TOKEN = "eks-platform:components:FsxLustreStorage"
PROVISIONER = "fsx.csi.aws.com"
SERVICE_ACCOUNT = "fsx-csi-controller-sa"
LUSTRE_PORTS = ((988, 988), (1018, 1023))
#: First Kubernetes version for which this component uses the EKS add-on (older clusters get the Helm chart).
ADDON_SINCE = (1, 30)
CHART_REPOSITORY = "https://kubernetes-sigs.github.io/aws-fsx-csi-driver"
CHART_VERSION = "1.13.0"
THROUGHPUTS = (125, 250, 500, 1000)


@dataclass(frozen=True)
class FsxStaticFileSystemArgs:
    """A standing file system, linked to an S3 prefix."""

    storage_capacity_gib: int
    s3_path: str
    file_system_path: str = "/datasets"

    def __post_init__(self) -> None:
        if self.storage_capacity_gib != 1200 and (self.storage_capacity_gib < 2400 or self.storage_capacity_gib % 2400):
            raise ValueError("FsxStaticFileSystemArgs.storage_capacity_gib: 1200 or a multiple of 2400 (PERSISTENT_2)")
        if not self.s3_path.startswith("s3://"):
            raise ValueError(f"FsxStaticFileSystemArgs.s3_path: an s3:// URI, got {self.s3_path!r}")


@dataclass(frozen=True)
class FsxLustreStorageArgs:
    """Inputs of :class:`FsxLustreStorage`."""

    cluster_name: str
    cluster: pulumi.Input[str]
    """The cluster's name as an output, so the driver waits for the cluster."""
    kubernetes_version: str
    kubernetes_provider: pulumi.ProviderResource
    vpc_id: pulumi.Input[str]
    subnet: SubnetRef
    """The private subnet file systems live in (a Lustre file system is in one zone)."""
    clients: Mapping[str, pulumi.Input[str]]
    """Node security groups allowed to mount, by a stable name (Fargate pods cannot mount Lustre)."""
    per_unit_storage_throughput: int = 125
    backup_retention_days: int = 7
    log_retention_days: int = 90
    static_file_system: FsxStaticFileSystemArgs | None = None
    reclaim_policy: str = "Delete"
    addon_version: str | None = None
    driver: str | None = None
    """``addon`` or ``helm``; None: the add-on from Kubernetes 1.30, the chart before."""
    depends_on: Sequence[pulumi.Resource] = ()
    """What the driver needs first (the Pod Identity agent, nodes for the chart's pods)."""
    protect: bool = True
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.subnet.public:
            raise ValueError("FsxLustreStorageArgs.subnet: pass a private subnet")
        if not self.clients:
            raise ValueError("FsxLustreStorageArgs.clients: name the node security groups that may mount")
        if self.per_unit_storage_throughput not in THROUGHPUTS:
            raise ValueError(f"FsxLustreStorageArgs.per_unit_storage_throughput: one of {THROUGHPUTS} (MB/s per TiB)")
        if not 1 <= self.backup_retention_days <= 90:
            raise ValueError("FsxLustreStorageArgs.backup_retention_days: 1 to 90")
        if self.driver not in (None, "addon", "helm"):
            raise ValueError(f"FsxLustreStorageArgs.driver: addon, helm or None, got {self.driver!r}")
        if self.reclaim_policy not in ("Retain", "Delete"):
            raise ValueError(f"FsxLustreStorageArgs.reclaim_policy: Retain or Delete, got {self.reclaim_policy!r}")

    @property
    def uses_addon(self) -> bool:
        if self.driver is not None:
            return self.driver == "addon"
        major, minor = (int(p) for p in self.kubernetes_version.split(".")[:2])
        return (major, minor) >= ADDON_SINCE


def driver_policy(partition: str, region: str, account_id: str, key_alias: str) -> str:
    """What the FSx CSI controller may do: manage Lustre file systems, and use their key by alias."""
    fsx = json.loads(key_user_policy(partition, region, account_id, key_alias))["Statement"]
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "ManageFileSystems", "Effect": "Allow", "Resource": "*", "Action": [
            "fsx:CreateFileSystem", "fsx:DeleteFileSystem", "fsx:DescribeFileSystems", "fsx:UpdateFileSystem",
            "fsx:TagResource"]},
        {"Sid": "FsxServiceLinkedRole", "Effect": "Allow", "Action": "iam:CreateServiceLinkedRole",
         "Resource": f"arn:{partition}:iam::{account_id}:role/aws-service-role/fsx.amazonaws.com/*",
         "Condition": {"StringEquals": {"iam:AWSServiceName": "fsx.amazonaws.com"}}},
        *fsx,
    ]})


def _lustre_rules(clients: Sequence[pulumi.Input[str]]) -> list[dict[str, object]]:
    return [{"protocol": "tcp", "from_port": low, "to_port": high, "self": True, "security_groups": list(clients),
             "description": f"Lustre {low}" + (f"-{high}" if high != low else "") + " with nodes and between servers"}
            for low, high in LUSTRE_PORTS]


class FsxLustreStorage(pulumi.ComponentResource):
    """The FSx for Lustre CSI driver, a CMK-encrypted ``fsx-lustre`` class, and an optional static file system."""

    key_arn: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    storage_class_name: pulumi.Output[str]
    static_file_system_id: pulumi.Output[str] | None

    def __init__(self, name: str, args: FsxLustreStorageArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        partition = aws.get_partition().partition
        region = aws.get_region().region
        account = aws.get_caller_identity().account_id
        alias = f"eks/{args.cluster_name}/fsx"
        log_group = f"/aws/fsx/{args.cluster_name}"
        key, _ = customer_managed_key(
            f"{name}-key", f"FSx for Lustre file systems of {args.cluster_name} and their logs", alias,
            key_policy(partition, account, [logs_statement(partition, region, account, log_group)]), args.tags, self,
            args.protect)
        clients = [args.clients[k] for k in sorted(args.clients)]
        sg = aws.ec2.SecurityGroup(
            f"{name}-sg", vpc_id=args.vpc_id, description=f"FSx for Lustre of {args.cluster_name}: Lustre from nodes",
            ingress=_lustre_rules(clients), egress=_lustre_rules(clients),
            tags=merged_tags(args.tags, f"{name}-sg"), opts=child)
        role, grants = pod_identity_role(
            f"{name}-role", [], driver_policy(partition, region, account, alias), partition, args.tags, self,
            f"FSx for Lustre CSI driver of {args.cluster_name} through EKS Pod Identity")
        after = [*grants, *args.depends_on]
        if args.uses_addon:
            driver: pulumi.Resource = pod_identity_addon(
                f"{name}-addon", "aws-fsx-csi-driver", args.cluster, args.kubernetes_version, args.addon_version, role.arn,
                SERVICE_ACCOUNT, args.tags, self, after)
        else:
            association = aws.eks.PodIdentityAssociation(
                f"{name}-pod-identity", cluster_name=args.cluster, namespace="kube-system",
                service_account=SERVICE_ACCOUNT, role_arn=role.arn, tags=merged_tags(args.tags, f"{name}-pod-identity"),
                opts=child)
            driver = k8s.helm.v4.Chart(
                f"{name}-chart", chart="aws-fsx-csi-driver", version=CHART_VERSION, namespace="kube-system",
                repository_opts=k8s.helm.v4.RepositoryOptsArgs(repo=CHART_REPOSITORY),
                values={"controller": {"serviceAccount": {"create": True, "name": SERVICE_ACCOUNT}}},
                opts=pulumi.ResourceOptions(parent=self, provider=args.kubernetes_provider,
                                            depends_on=[association, *after]))
        logs = aws.cloudwatch.LogGroup(
            f"{name}-logs", name=log_group, retention_in_days=args.log_retention_days, kms_key_id=key.arn,
            tags=merged_tags(args.tags, f"{name}-logs"),
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.protect))
        throughput = str(args.per_unit_storage_throughput)
        storage_class = k8s.storage.v1.StorageClass(
            f"{name}-class", metadata={"name": "fsx-lustre"}, provisioner=PROVISIONER,
            parameters={"subnetId": args.subnet.id, "securityGroupIds": sg.id, "deploymentType": "PERSISTENT_2",
                        "perUnitStorageThroughput": throughput, "kmsKeyId": key.arn,
                        "automaticBackupRetentionDays": str(args.backup_retention_days), "copyTagsToBackups": "true",
                        "dataCompressionType": "LZ4", "fileSystemTypeVersion": "2.15"},
            mount_options=["flock"], reclaim_policy=args.reclaim_policy, volume_binding_mode="Immediate",
            allow_volume_expansion=True,
            opts=pulumi.ResourceOptions(parent=self, provider=args.kubernetes_provider, depends_on=[driver]))
        self.static_file_system_id = None
        if args.static_file_system is not None:
            self.static_file_system_id = self._static(name, args, args.static_file_system, key, sg, logs)
        self.key_arn = key.arn
        self.security_group_id = sg.id
        self.storage_class_name = storage_class.metadata.name
        self.register_outputs({"key_arn": self.key_arn, "security_group_id": self.security_group_id,
                               "storage_class_name": self.storage_class_name,
                               "static_file_system_id": self.static_file_system_id})

    def _static(self, name: str, args: FsxLustreStorageArgs, spec: FsxStaticFileSystemArgs, key: aws.kms.Key,
                sg: aws.ec2.SecurityGroup, logs: aws.cloudwatch.LogGroup) -> pulumi.Output[str]:
        fs = aws.fsx.LustreFileSystem(
            f"{name}-static", storage_capacity=spec.storage_capacity_gib, subnet_ids=args.subnet.id,
            security_group_ids=[sg.id], deployment_type="PERSISTENT_2",
            per_unit_storage_throughput=args.per_unit_storage_throughput, kms_key_id=key.arn,
            automatic_backup_retention_days=args.backup_retention_days, copy_tags_to_backups=True,
            data_compression_type="LZ4", file_system_type_version="2.15",
            log_configuration={"level": "WARN_ERROR", "destination": logs.arn},
            tags=merged_tags(args.tags, f"{name}-static"),
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.protect))
        aws.fsx.DataRepositoryAssociation(
            f"{name}-static-s3", file_system_id=fs.id, data_repository_path=spec.s3_path,
            file_system_path=spec.file_system_path, batch_import_meta_data_on_create=True,
            s3={"auto_import_policy": {"events": ["NEW", "CHANGED", "DELETED"]}},
            tags=merged_tags(args.tags, f"{name}-static-s3"), opts=pulumi.ResourceOptions(parent=self))
        k8s.core.v1.PersistentVolume(
            f"{name}-static-pv",
            metadata={"name": f"{args.cluster_name}-fsx-static"},
            spec={"capacity": {"storage": f"{spec.storage_capacity_gib}Gi"}, "accessModes": ["ReadWriteMany"],
                  "persistentVolumeReclaimPolicy": "Retain", "storageClassName": "", "mountOptions": ["flock"],
                  "csi": {"driver": PROVISIONER, "volumeHandle": fs.id,
                          "volumeAttributes": {"dnsname": fs.dns_name, "mountname": fs.mount_name}}},
            opts=pulumi.ResourceOptions(parent=self, provider=args.kubernetes_provider))
        return fs.id
