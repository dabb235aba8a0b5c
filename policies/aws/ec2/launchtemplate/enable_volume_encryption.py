"""C4: node volumes are encrypted (CKV_AWS_8, BPG data "Encrypt data at rest")."""

from __future__ import annotations

from _metadata import RuleMetadata
from _nodes import node_view
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

from _eks import component_hint


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    view = node_view(args)
    if view is None:
        return
    for volume in view.volumes:
        if not volume.encrypted:
            report(f"{args.resource_type.split(':')[-1]} '{args.name}' launches volume {volume.device} unencrypted. "
                   "Set ebs.encrypted=\"true\" with a KMS key."
                   + component_hint(args.urn, "node_root_volume_encrypted", "True"))


METADATA = RuleMetadata(
    id="C4",
    aws_control="EBS encryption at rest with KMS (AWS operates EBS, the host encryption and KMS)",
    bpg=("data: Encrypt data at rest",),
    checkov=("CKV_AWS_8", "CKV2_AWS_2"),
    pcp=(
        "aws-ec2-launchtemplate-disallow-unencrypted-block-device",
        "aws-ec2-launchconfiguration-disallow-unencrypted-block-device",
        "aws-ec2-launchconfiguration-disallow-unencrypted-root-block-device",
        "aws-ec2-instance-disallow-unencrypted-block-device",
        "aws-ec2-instance-disallow-unencrypted-root-block-device",
    ),
    ag=("encrypted-volumes",),
)

enable_volume_encryption = ResourceValidationPolicy(
    name="aws-ec2-launchtemplate-enable-volume-encryption",
    description="Worker node EBS volumes must be encrypted.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("nodes", "encryption"),
    remediation_steps="Set blockDeviceMappings[].ebs.encrypted to true.",
    url="https://docs.aws.amazon.com/eks/latest/best-practices/data-encryption-and-secrets-management.html",
)
