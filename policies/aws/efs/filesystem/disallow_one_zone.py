"""F9: EFS file systems are regional, not One Zone (reliability; PCP aws-efs-filesystem-disallow-single-availability-zone).

``availabilityZoneName`` makes a One Zone file system: its data lives in one Availability Zone and is lost
with it, and pods in other zones cannot mount it. Presence decides (a zone taken from another resource's
output is unknown at preview, and set).
"""

from __future__ import annotations

from _known import UNKNOWN, get, is_set
from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

FILE_SYSTEM = "aws:efs/fileSystem:FileSystem"


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != FILE_SYSTEM:
        return
    if is_set(args.props, "availabilityZoneName"):
        zone = get(args.props, "availabilityZoneName")
        where = "one Availability Zone" if zone is UNKNOWN else f"one Availability Zone ({zone})"
        report(f"EFS file system '{args.name}' is One Zone: it stores its data in {where}, so a zone outage "
               "loses access to it (or the data), and nodes in other zones cannot mount it. Remove "
               "availabilityZoneName for a regional (Multi-AZ) file system; this replaces it, so copy the data "
               "first (AWS DataSync or a restored backup).")


METADATA = RuleMetadata(
    id="F9",
    aws_control="EFS Regional storage: AWS stores the data redundantly across Availability Zones",
    pcp=("aws-efs-filesystem-disallow-single-availability-zone",),
)

disallow_one_zone = ResourceValidationPolicy(
    name="aws-efs-filesystem-disallow-one-zone",
    description="EFS file systems must be regional (Multi-AZ), not One Zone.",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("efs", "storage", "reliability"),
    remediation_steps="Leave availabilityZoneName unset on aws.efs.FileSystem (regional storage class).",
    url="https://docs.aws.amazon.com/efs/latest/ug/availability-durability.html",
)
