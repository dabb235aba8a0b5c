"""F1: EBS StorageClasses encrypt the volumes they provision, and EKS's unencrypted gp2 is not the default.

The EBS CSI driver (and Auto Mode's ``ebs.csi.eks.amazonaws.com``, and the in-tree ``kubernetes.io/aws-ebs``)
encrypts a dynamically provisioned volume only when the class says ``parameters.encrypted: "true"``, a string.
EKS created a ``gp2`` class of its own in clusters before Kubernetes 1.30: in-tree, unencrypted, the default,
and immutable, so marking it default (or keeping it so) hands every claim without a class an unencrypted volume.
(BPG data "Encrypt data at rest"; CKV_AWS_3 is the analogous volume check.)
"""

from __future__ import annotations

from _metadata import RuleMetadata
from _storage import EKS_GP2, storage_class
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

_DEFAULT_NOTE = (" It is annotated as the default class, so every PersistentVolumeClaim that names no "
                 "storageClassName gets an unencrypted volume.")


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    view = storage_class(args)
    if view is None:
        return
    if view.is_ebs and view.judged("parameters"):
        encrypted = view.known_parameter("encrypted")
        if encrypted != "true":
            state = "unset" if encrypted is None else f"\"{encrypted}\""
            report(f"{view.describe()} provisions unencrypted EBS volumes (parameters.encrypted is {state}; the "
                   "driver encrypts only for the string \"true\")." + (_DEFAULT_NOTE if view.is_default else "")
                   + " Set parameters.encrypted: \"true\" and parameters.kmsKeyId to a customer-managed key; "
                   "StorageClass parameters are immutable, so create a new class (or replace this one).")
    if view.name == EKS_GP2 and view.is_default:
        report(f"{view.describe()} makes gp2 the default class: gp2 must not be the default class. On EKS, gp2 "
               "is the in-tree class EKS itself created (clusters before 1.30), unencrypted and immutable, so every "
               "PersistentVolumeClaim that names no storageClassName would get an unencrypted volume. Annotate gp2 "
               "with storageclass.kubernetes.io/is-default-class: \"false\" (a StorageClassPatch) and make an "
               "encrypted EBS class of another name (e.g. gp3-encrypted) the default.")


METADATA = RuleMetadata(
    id="F1",
    aws_control="EBS encryption at rest with KMS, which the EBS CSI driver requests from AWS",
    bpg=("data: Encrypt data at rest",),
    checkov=("CKV_AWS_3 (analogous)",),
    pcp=("aws-ebs-volume-disallow-unencrypted-volume (analogous)",),
)

enable_ebs_encryption = ResourceValidationPolicy(
    name="kubernetes-storageclass-enable-ebs-encryption",
    description="EBS StorageClasses must encrypt the volumes they provision, and EKS's unencrypted gp2 class "
                "must not be the default.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("kubernetes", "storage", "ebs", "encryption"),
    remediation_steps="Set parameters.encrypted: \"true\" (and parameters.kmsKeyId) on every StorageClass whose "
                      "provisioner is ebs.csi.aws.com, ebs.csi.eks.amazonaws.com or kubernetes.io/aws-ebs; mark "
                      "gp2 is-default-class \"false\" and make an encrypted class the default.",
    url="https://docs.aws.amazon.com/eks/latest/best-practices/data-encryption-and-secrets-management.html",
)
