"""Reading storage objects from policy inputs: Kubernetes StorageClasses and PersistentVolumes by CSI driver.

pulumi-kubernetes sends a StorageClass as its manifest, camelCase at the top level: ``metadata``,
``provisioner``, ``parameters`` (a map of strings: ``encrypted: "true"``, never a boolean),
``mountOptions``, ``reclaimPolicy``. A ``StorageClassPatch`` (server-side apply) may carry only the fields it
changes, often just ``metadata.annotations``. Every read goes through ``_known``, so a value that is unknown at
preview (a key ARN, a file system ID) never stops a rule: presence decides where presence decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from _known import UNKNOWN, elements, get, is_set, known

_STORAGE = "kubernetes:storage.k8s.io/v1:"
STORAGE_CLASS = _STORAGE + "StorageClass"
STORAGE_CLASS_PATCH = _STORAGE + "StorageClassPatch"
STORAGE_CLASSES = {STORAGE_CLASS, STORAGE_CLASS_PATCH}
PERSISTENT_VOLUME = "kubernetes:core/v1:PersistentVolume"

#: The EBS CSI driver, EKS Auto Mode's block storage and the retired in-tree plugin.
EBS_PROVISIONERS = frozenset({"ebs.csi.aws.com", "ebs.csi.eks.amazonaws.com", "kubernetes.io/aws-ebs"})
EFS_PROVISIONER = "efs.csi.aws.com"
FSX_LUSTRE_PROVISIONER = "fsx.csi.aws.com"

DEFAULT_CLASS_ANNOTATIONS = ("storageclass.kubernetes.io/is-default-class",
                             "storageclass.beta.kubernetes.io/is-default-class")
#: The class EKS itself created in clusters before Kubernetes 1.30: in-tree gp2, unencrypted, and the default.
EKS_GP2 = "gp2"


def object_name(props: Any, fallback: str) -> str:
    """``metadata.name``, or the Pulumi resource name when it is unset (auto-named) or unknown."""
    name = get(get(props, "metadata"), "name")
    return fallback if name is UNKNOWN or not name else str(name)


def annotation(props: Any, key: str) -> Any:
    """``metadata.annotations[key]``: None when absent, :data:`UNKNOWN` when unknown at preview."""
    return get(get(get(props, "metadata"), "annotations"), key)


def strings(value: Any, path: str) -> list[str]:
    """A list of string inputs (``mountOptions``); an item unknown at preview has to be known to decide."""
    return [str(known(item, f"{path}[{i}]")) for i, item in enumerate(elements(known(value, path)))]


@dataclass(frozen=True)
class StorageClassView:
    """What the storage rules need of one StorageClass or StorageClassPatch."""

    kind: str
    """``StorageClass`` or ``StorageClassPatch``."""
    name: str
    """``metadata.name`` (the Kubernetes name), else the Pulumi resource name."""
    provisioner: str | None
    """None when a patch leaves it out."""
    parameters: Any
    """The ``parameters`` map as sent (read its values with ``_known.get``); {} when unset."""
    props: Any

    @property
    def is_patch(self) -> bool:
        return self.kind.endswith("Patch")

    @property
    def is_default(self) -> bool:
        """Annotated as the cluster's default class (what a PVC without ``storageClassName`` gets)."""
        return any(str(known(annotation(self.props, key), f"metadata.annotations[{key}]")).lower() == "true"
                   for key in DEFAULT_CLASS_ANNOTATIONS if annotation(self.props, key) is not None)

    @property
    def is_ebs(self) -> bool:
        return self.provisioner in EBS_PROVISIONERS

    @property
    def is_efs(self) -> bool:
        return self.provisioner == EFS_PROVISIONER

    @property
    def is_fsx(self) -> bool:
        return self.provisioner == FSX_LUSTRE_PROVISIONER

    def judged(self, field: str) -> bool:
        """Whether a rule on ``field`` applies: always on a StorageClass; on a patch only when the patch sets it
        (``provisioner``, ``parameters`` and ``mountOptions`` are immutable, so a patch that leaves them out
        keeps what the class has)."""
        return not self.is_patch or is_set(self.props, field)

    def parameter(self, key: str) -> Any:
        """``parameters[key]`` as sent: None when absent, :data:`UNKNOWN` when unknown at preview."""
        return get(self.parameters, key)

    def known_parameter(self, key: str) -> str | None:
        """``parameters[key]`` for a rule whose verdict depends on the value (a literal, known at preview)."""
        value = known(self.parameter(key), f"parameters.{key}")
        return None if value is None else str(value)

    def mount_options(self) -> list[str]:
        return strings(get(self.props, "mountOptions") or [], "mountOptions")

    def describe(self) -> str:
        provisioner = f" (provisioner {self.provisioner})" if self.provisioner else ""
        return f"{self.kind} '{self.name}'{provisioner}"


def storage_class(args: Any) -> StorageClassView | None:
    """The view of a StorageClass or StorageClassPatch; None for any other resource type."""
    if args.resource_type not in STORAGE_CLASSES:
        return None
    props = args.props
    provisioner = known(get(props, "provisioner"), "provisioner")
    return StorageClassView(kind=args.resource_type.rsplit(":", 1)[-1], name=object_name(props, args.name),
                            provisioner=None if provisioner is None else str(provisioner),
                            parameters=get(props, "parameters") or {}, props=props)


def tls_in(options: list[str]) -> bool:
    """Whether NFS mount options ask the EFS mount helper for TLS (``tls``, as in the EFS CSI examples)."""
    return any(option.strip() == "tls" for option in options)
