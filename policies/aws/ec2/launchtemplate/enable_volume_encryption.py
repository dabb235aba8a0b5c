"""C4: node volumes are encrypted (CKV_AWS_8, BPG data "Encrypt data at rest")."""

from __future__ import annotations

from _nodes import node_view
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    view = node_view(args)
    if view is None:
        return
    for volume in view.volumes:
        if not volume.encrypted:
            report(f"{args.resource_type.split(':')[-1]} '{args.name}' launches volume {volume.device} unencrypted. "
                   "Set ebs.encrypted=\"true\" with a KMS key (pulumi-eks: nodeRootVolumeEncrypted=true).")


enable_volume_encryption = ResourceValidationPolicy(
    name="aws-ec2-launchtemplate-enable-volume-encryption",
    description="Worker node EBS volumes must be encrypted.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=["nodes", "encryption", "ckv-aws-8"],
    remediation_steps="Set blockDeviceMappings[].ebs.encrypted to true.",
    url="https://docs.aws.amazon.com/eks/latest/best-practices/data-encryption-and-secrets-management.html",
)
