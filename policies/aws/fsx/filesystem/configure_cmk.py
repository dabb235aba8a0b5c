"""F11: FSx file systems and FSx for Lustre CSI classes use a customer-managed key, and keep backups.

Every FSx type encrypts at rest; ``kmsKeyId`` decides whose key (unset: the AWS-managed ``aws/fsx``) (CKV_AWS_190
Lustre, CKV_AWS_178 ONTAP, CKV_AWS_203 OpenZFS, CKV_AWS_179 Windows). FSx for Lustre also needs a PERSISTENT
deployment type: SCRATCH file systems take no customer-managed key, keep no backups and do not replicate
data, and the API default is SCRATCH_1. Lustre's automatic backups default to 0 days (off), while ONTAP,
OpenZFS and Windows default to on, so only an explicit 0 disables theirs. Lustre logs data-repository errors
to CloudWatch only when ``logConfiguration.level`` says so (default DISABLED). A StorageClass with
``provisioner: fsx.csi.aws.com`` passes ``kmsKeyId`` and ``deploymentType`` to every file system it creates
(BPG data, FSx CSI ``kmsKeyId`` example). Key presence decides; the other values are literals.
"""

from __future__ import annotations

from typing import Any

from _known import get, is_set, known, whole_number
from _metadata import RuleMetadata
from _storage import storage_class
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

LUSTRE = "aws:fsx/lustreFileSystem:LustreFileSystem"
FILE_SYSTEMS = {
    LUSTRE: "FSx for Lustre",
    "aws:fsx/ontapFileSystem:OntapFileSystem": "FSx for NetApp ONTAP",
    "aws:fsx/openZfsFileSystem:OpenZfsFileSystem": "FSx for OpenZFS",
    "aws:fsx/windowsFileSystem:WindowsFileSystem": "FSx for Windows File Server",
}
PERSISTENT = ("PERSISTENT_1", "PERSISTENT_2")
#: What FSx for Lustre (and the FSx CSI driver) uses when deploymentType is unset.
DEFAULT_LUSTRE_DEPLOYMENT = "SCRATCH_1"


def _backup_days(props: Any) -> int | None:
    days = known(get(props, "automaticBackupRetentionDays"), "automaticBackupRetentionDays")
    return whole_number(days)


def _lustre(subject: str, props: Any, report: ReportViolation) -> None:
    deployment = known(get(props, "deploymentType"), "deploymentType")
    if deployment is None or str(deployment) not in PERSISTENT:
        state = f"unset, which means {DEFAULT_LUSTRE_DEPLOYMENT}" if deployment is None else str(deployment)
        report(f"{subject} uses a scratch deployment type (deploymentType is {state}): scratch file systems cannot "
               "be encrypted with a customer-managed key, keep no backups and do not replicate data, so a failed "
               "server loses it. Set deploymentType to PERSISTENT_2 (or PERSISTENT_1); this replaces the file "
               "system.")
    days = _backup_days(props)
    if days is None or days <= 0:
        state = "unset, and Lustre's default is 0" if days is None else str(days)
        report(f"{subject} keeps no automatic backups (automaticBackupRetentionDays is {state}). PERSISTENT_1 and "
               "PERSISTENT_2 file systems take daily, incremental backups when automaticBackupRetentionDays is "
               "1-90; set it (e.g. 7) with dailyAutomaticBackupStartTime.")
    level = known(get(get(props, "logConfiguration"), "level"), "logConfiguration.level")
    if level is None or str(level) == "DISABLED":
        state = "unset, which means DISABLED" if level is None else "DISABLED"
        report(f"{subject} does not log data-repository errors (logConfiguration.level is {state}). Set "
               "logConfiguration.level to WARN_ERROR (or ERROR_ONLY) and, optionally, a destination log group "
               "under /aws/fsx/.")


def _file_system(args: ResourceValidationArgs, report: ReportViolation) -> None:
    subject = f"{FILE_SYSTEMS[args.resource_type]} file system '{args.name}'"
    props = args.props
    if not is_set(props, "kmsKeyId"):
        report(f"{subject} is encrypted with the AWS-managed aws/fsx key (kmsKeyId is unset). Set kmsKeyId to a "
               "customer-managed KMS key so its key policy and rotation are yours; it can only be set at creation.")
    if args.resource_type == LUSTRE:
        _lustre(subject, props, report)
        return
    days = _backup_days(props)
    if days is not None and days <= 0:
        report(f"{subject} disables automatic backups (automaticBackupRetentionDays is {days}). Set it to 1-90 "
               "days (or leave it unset for the FSx default).")


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type in FILE_SYSTEMS:
        _file_system(args, report)
        return
    view = storage_class(args)
    if view is None or not view.is_fsx or not view.judged("parameters"):
        return
    if not is_set(view.parameters, "kmsKeyId"):
        report(f"{view.describe()} creates FSx for Lustre file systems with the AWS-managed aws/fsx key "
               "(parameters.kmsKeyId is unset). Set parameters.kmsKeyId to a customer-managed key (with a "
               "PERSISTENT deploymentType); parameters are immutable, so create a new class.")
    deployment = view.known_parameter("deploymentType")
    if deployment not in PERSISTENT:
        state = f"unset, which means {DEFAULT_LUSTRE_DEPLOYMENT}" if deployment is None else deployment
        report(f"{view.describe()} creates scratch FSx for Lustre file systems (parameters.deploymentType is "
               f"{state}), which take no customer-managed key, keep no backups and lose data when a server fails. "
               "Set parameters.deploymentType: PERSISTENT_2 (or PERSISTENT_1).")


METADATA = RuleMetadata(
    id="F11",
    aws_control="FSx encryption at rest with a customer-managed KMS key, and FSx automatic backups",
    bpg=("data",),
    checkov=("CKV_AWS_190", "CKV_AWS_178", "CKV_AWS_203", "CKV_AWS_179"),
)

configure_cmk = ResourceValidationPolicy(
    name="aws-fsx-filesystem-configure-cmk",
    description="FSx file systems and FSx CSI StorageClasses must use a customer-managed KMS key, persistent "
                "storage and automatic backups.",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("fsx", "storage", "encryption", "kms", "backup", "kubernetes"),
    remediation_steps="Set kmsKeyId on every FSx file system (Lustre: deploymentType PERSISTENT_1/2, "
                      "automaticBackupRetentionDays > 0, logConfiguration.level not DISABLED; others: "
                      "automaticBackupRetentionDays not 0); set parameters.kmsKeyId and a PERSISTENT "
                      "deploymentType on fsx.csi.aws.com StorageClasses.",
    url="https://docs.aws.amazon.com/fsx/latest/LustreGuide/encryption-at-rest.html",
)
