"""F8: EFS access is scoped by access points with their own root directory and POSIX identity.

An ``aws:efs/accessPoint:AccessPoint`` without ``rootDirectory.path`` (or with ``/``) exposes the whole file
system, and one without ``posixUser`` lets every client act as whatever uid/gid it claims, root included
(CKV_AWS_329, CKV_AWS_330; BPG data "Use EFS access points to simplify access to shared datasets"). For
dynamic provisioning, an EFS StorageClass must use ``provisioningMode: efs-ap``: the driver then creates one
access point per volume, rooted at ``<basePath>/<subPathPattern>`` (the PV's name by default) and owned by a
gid of its own. So ``basePath`` is not checked: unset or ``/``, each volume still gets its own directory.
"""

from __future__ import annotations

from _known import get, known
from _metadata import RuleMetadata
from _storage import storage_class
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

ACCESS_POINT = "aws:efs/accessPoint:AccessPoint"


def _access_point(args: ResourceValidationArgs, report: ReportViolation) -> None:
    path = known(get(get(args.props, "rootDirectory"), "path"), "rootDirectory.path")
    if path is None or str(path).strip() in ("", "/"):
        state = "\"/\"" if path is not None and str(path).strip() == "/" else "unset, which means /"
        report(f"EFS access point '{args.name}' exposes the whole file system (rootDirectory.path is {state}). "
               "Set rootDirectory.path to the application's own directory (e.g. /payments), with "
               "rootDirectory.creationInfo so EFS creates it with the right owner and permissions.")
    posix = get(args.props, "posixUser")
    missing = [field for field in ("uid", "gid") if known(get(posix, field), f"posixUser.{field}") is None]
    if missing:
        what = "posixUser is unset" if posix is None else f"posixUser has no {' or '.join(missing)}"
        report(f"EFS access point '{args.name}' does not enforce a POSIX identity ({what}), so every client "
               "acts as the uid/gid it claims, root included. Set posixUser with the application's uid and gid.")
    elif str(known(get(posix, "uid"), "posixUser.uid")) == "0":
        report(f"EFS access point '{args.name}' enforces uid 0 (root) on every client. Set posixUser.uid to the "
               "application's own non-root uid.")


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type == ACCESS_POINT:
        _access_point(args, report)
        return
    view = storage_class(args)
    if view is None or not view.is_efs or not view.judged("parameters"):
        return
    mode = view.known_parameter("provisioningMode")
    if mode != "efs-ap":
        state = "unset" if mode is None else f"\"{mode}\""
        report(f"{view.describe()} does not provision volumes through access points (parameters.provisioningMode "
               f"is {state}), so its volumes share the file system without a root directory or POSIX identity of "
               "their own. Set parameters.provisioningMode: \"efs-ap\" with fileSystemId and directoryPerms "
               "(and gidRangeStart/gidRangeEnd); parameters are immutable, so create a new class.")


METADATA = RuleMetadata(
    id="F8",
    aws_control="EFS access points: AWS enforces the root directory and POSIX identity on every NFS request",
    bpg=("data: Use EFS access points to simplify access to shared datasets",),
    checkov=("CKV_AWS_329", "CKV_AWS_330"),
)

enforce_posix_identity = ResourceValidationPolicy(
    name="aws-efs-accesspoint-enforce-posix-identity",
    description="EFS access points must enforce a root directory and a POSIX identity, and EFS StorageClasses "
                "must provision through access points.",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("efs", "storage", "access-control", "kubernetes"),
    remediation_steps="Set rootDirectory.path (not /) and posixUser {uid, gid} on aws.efs.AccessPoint; set "
                      "parameters.provisioningMode: \"efs-ap\" on EFS StorageClasses.",
    url="https://docs.aws.amazon.com/efs/latest/ug/efs-access-points.html",
)
