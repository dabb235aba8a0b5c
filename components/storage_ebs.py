"""EbsStorage: the EBS CSI driver and the cluster's default StorageClass, encrypted with our own key.

Block storage for pods: one instance attaches a volume at a time (``ReadWriteOnce``). Children (parented
to the component):

* ``{name}-key`` / ``{name}-key-alias`` (``alias/eks/<cluster>/ebs``): the customer-managed key every
  dynamically provisioned volume is encrypted with (rotation on; protected in prod);
* ``{name}-role``: the driver's role through EKS Pod Identity, with ``AmazonEBSCSIDriverPolicy`` and
  ``{name}-role-policy``, which lets it use that key (by alias) and grant it to the volumes it creates;
* ``{name}-addon``: the ``aws-ebs-csi-driver`` EKS add-on, its controller bound to the role
  (``kube-system/ebs-csi-controller-sa``);
* ``{name}-gp3``: StorageClass ``gp3``, the cluster default: encrypted with the key,
  ``WaitForFirstConsumer`` (the volume is created in the zone of the node that runs the pod), volume
  expansion on, reclaim policy ``Retain`` in prod and ``Delete`` in dev;
* ``{name}-gp2-not-default`` (only with ``demote_gp2``): clears the default annotation on EKS's own,
  unencrypted ``gp2`` class. EKS stopped marking ``gp2`` as default for clusters created on 1.30 or later,
  so only clusters created earlier need it.

Not for EKS Auto Mode clusters: AWS runs the EBS CSI driver there, and
:class:`components.auto_mode.AutoMode` owns the StorageClass (provisioner ``ebs.csi.eks.amazonaws.com``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from ._addons import pod_identity_addon
from ._iam import pod_identity_role
from ._kms import customer_managed_key, key_policy, key_user_policy

TYPE_TOKEN = "eks-platform:components:EbsStorage"
PROVISIONER = "ebs.csi.aws.com"
SERVICE_ACCOUNT = "ebs-csi-controller-sa"
DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class"
RECLAIM_POLICIES = ("Retain", "Delete")


@dataclass(frozen=True)
class EbsStorageArgs:
    """Inputs of :class:`EbsStorage`."""

    cluster_name: str
    """The EKS cluster's name (plain: it names the key alias)."""
    cluster: pulumi.Input[str]
    """The cluster's name as an output, so the add-on waits for the cluster."""
    kubernetes_version: str
    kubernetes_provider: pulumi.ProviderResource
    reclaim_policy: str = "Delete"
    """``Retain`` (prod: a deleted claim keeps its volume) or ``Delete``."""
    iops: int = 3000
    throughput_mibps: int = 125
    addon_version: str | None = None
    """Pinned add-on version; None: the newest for the cluster version."""
    demote_gp2: bool = False
    """Clear the default annotation on EKS's ``gp2`` class (clusters created before Kubernetes 1.30)."""
    depends_on: Sequence[pulumi.Resource] = ()
    """What the add-on needs first (the Pod Identity agent)."""
    protect: bool = True
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.reclaim_policy not in RECLAIM_POLICIES:
            raise ValueError(f"EbsStorageArgs.reclaim_policy: must be Retain or Delete, got {self.reclaim_policy!r}")
        if not 3000 <= self.iops <= 16000 or not 125 <= self.throughput_mibps <= 1000:
            raise ValueError("EbsStorageArgs: gp3 takes 3000 to 16000 IOPS and 125 to 1000 MiB/s")


class EbsStorage(pulumi.ComponentResource):
    """The EBS CSI driver with a Pod Identity role, and the encrypted default ``gp3`` StorageClass."""

    key_arn: pulumi.Output[str]
    """ARN of the volumes' customer-managed key."""
    storage_class_name: pulumi.Output[str]
    """Name of the default StorageClass (``gp3``)."""

    def __init__(self, name: str, args: EbsStorageArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        partition = aws.get_partition().partition
        region = aws.get_region().region
        account = aws.get_caller_identity().account_id
        alias = f"eks/{args.cluster_name}/ebs"
        key, _ = customer_managed_key(f"{name}-key", f"EBS volumes of {args.cluster_name}", alias,
                                      key_policy(partition, account), args.tags, self, args.protect)
        role, grants = pod_identity_role(
            f"{name}-role", ["service-role/AmazonEBSCSIDriverPolicy"], key_user_policy(partition, region, account, alias),
            partition, args.tags, self, f"EBS CSI driver of {args.cluster_name} through EKS Pod Identity")
        addon = pod_identity_addon(
            f"{name}-addon", "aws-ebs-csi-driver", args.cluster, args.kubernetes_version, args.addon_version, role.arn,
            SERVICE_ACCOUNT, args.tags, self, [*grants, *args.depends_on])
        in_cluster = pulumi.ResourceOptions(parent=self, provider=args.kubernetes_provider)
        storage_class = k8s.storage.v1.StorageClass(
            f"{name}-gp3",
            metadata={"name": "gp3", "annotations": {DEFAULT_CLASS: "true"}},
            provisioner=PROVISIONER,
            parameters={"type": "gp3", "encrypted": "true", "kmsKeyId": key.arn, "iops": str(args.iops),
                        "throughput": str(args.throughput_mibps), "csi.storage.k8s.io/fstype": "ext4"},
            volume_binding_mode="WaitForFirstConsumer", allow_volume_expansion=True,
            reclaim_policy=args.reclaim_policy,
            opts=pulumi.ResourceOptions.merge(in_cluster, pulumi.ResourceOptions(depends_on=[addon])))
        if args.demote_gp2:
            k8s.storage.v1.StorageClassPatch(
                f"{name}-gp2-not-default",
                metadata={"name": "gp2", "annotations": {DEFAULT_CLASS: "false", "pulumi.com/patchForce": "true"}},
                opts=in_cluster)
        self.key_arn = key.arn
        self.storage_class_name = storage_class.metadata.name
        self.register_outputs({"key_arn": self.key_arn, "storage_class_name": self.storage_class_name})
