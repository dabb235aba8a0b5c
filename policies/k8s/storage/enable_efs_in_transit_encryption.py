"""F7: EFS volumes are mounted with TLS (BPG data: the EFS PersistentVolume example mounts with ``tls``).

NFS traffic to EFS is plaintext unless the EFS mount helper wraps it in TLS. A statically provisioned
``PersistentVolume`` on the EFS CSI driver asks for it with ``spec.mountOptions: [tls]`` and must not turn it
off with ``spec.csi.volumeAttributes.encryptInTransit: "false"``; an EFS ``StorageClass`` passes its
``mountOptions`` to every volume it provisions. All of these are literals, known at the first preview.
"""

from __future__ import annotations

from _known import get, known
from _metadata import RuleMetadata
from _storage import EFS_PROVISIONER, PERSISTENT_VOLUME, object_name, storage_class, strings, tls_in
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity


def _persistent_volume(args: ResourceValidationArgs, report: ReportViolation) -> None:
    spec = get(args.props, "spec")
    csi = get(spec, "csi")
    if str(known(get(csi, "driver"), "spec.csi.driver")) != EFS_PROVISIONER:
        return
    name = object_name(args.props, args.name)
    if not tls_in(strings(get(spec, "mountOptions") or [], "spec.mountOptions")):
        report(f"PersistentVolume '{name}' mounts EFS without TLS (spec.mountOptions has no \"tls\"), so its NFS "
               "traffic crosses the network in plaintext. Add \"tls\" to spec.mountOptions.")
    attribute = known(get(get(csi, "volumeAttributes"), "encryptInTransit"),
                      "spec.csi.volumeAttributes.encryptInTransit")
    if attribute is not None and str(attribute).lower() == "false":
        report(f"PersistentVolume '{name}' turns EFS encryption in transit off "
               "(spec.csi.volumeAttributes.encryptInTransit is \"false\"). Remove it or set it to \"true\".")


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type == PERSISTENT_VOLUME:
        _persistent_volume(args, report)
        return
    view = storage_class(args)
    if view is None or not view.is_efs or not view.judged("mountOptions"):
        return
    if not tls_in(view.mount_options()):
        report(f"{view.describe()} provisions EFS volumes mounted without TLS (mountOptions has no \"tls\"), so "
               "their NFS traffic crosses the network in plaintext. Add \"tls\" to mountOptions; they are "
               "immutable, so create a new class.")


METADATA = RuleMetadata(
    id="F7",
    aws_control="EFS encryption in transit: AWS terminates the TLS that the efs-utils mount helper opens",
    bpg=("data",),
)

enable_efs_in_transit_encryption = ResourceValidationPolicy(
    name="kubernetes-efs-enable-in-transit-encryption",
    description="EFS PersistentVolumes and StorageClasses must mount with TLS (encryption in transit).",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("kubernetes", "storage", "efs", "encryption", "in-transit"),
    remediation_steps="Add \"tls\" to mountOptions of EFS StorageClasses and to spec.mountOptions of EFS "
                      "PersistentVolumes; never set volumeAttributes.encryptInTransit to \"false\".",
    url="https://docs.aws.amazon.com/eks/latest/best-practices/data-encryption-and-secrets-management.html",
)
