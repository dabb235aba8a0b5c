"""C5: node volumes use a customer-managed KMS key (PCP launch template CMK rule)."""

from __future__ import annotations

from _known import known
from _metadata import RuleMetadata
from _nodes import LAUNCH_TEMPLATE, node_view
from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != LAUNCH_TEMPLATE:
        return
    view = node_view(args)
    if view is None:
        return
    allowed = [str(k) for k in args.get_config().get("allowedKeyIds", [])]
    for volume in view.volumes:
        if volume.encrypted and not volume.has_kms_key:
            report(f"LaunchTemplate '{args.name}' encrypts {volume.device} with the AWS-managed key. Set "
                   "ebs.kmsKeyId to a customer-managed key so access and rotation are yours to control.")
        elif volume.has_kms_key and allowed:
            key = known(volume.kms_key_id, f"blockDeviceMappings.{volume.device}.ebs.kmsKeyId",
                        "is the ARN of a key this stack creates, so it cannot be compared with allowedKeyIds yet")
            if str(key) not in allowed:
                report(f"LaunchTemplate '{args.name}' encrypts {volume.device} with {key}, which is not "
                       "an approved key (allowedKeyIds).")


METADATA = RuleMetadata(
    id="C5",
    aws_control="EBS encryption with a customer-managed KMS key (AWS operates KMS; the key policy is the customer's)",
    pcp=("aws-ec2-launchtemplate-configure-customer-managed-key",),
    ag=("encrypted-volumes",),
)

configure_volume_cmk = ResourceValidationPolicy(
    name="aws-ec2-launchtemplate-configure-volume-cmk",
    description="Worker node EBS volumes must be encrypted with a customer-managed KMS key.",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("nodes", "encryption", "kms"),
    remediation_steps="Set blockDeviceMappings[].ebs.kmsKeyId to a customer-managed key.",
    url="https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption.html",
    config_schema=PolicyConfigSchema(properties={
        "allowedKeyIds": {"type": "array", "items": {"type": "string"}, "default": []}}),
)
