"""I9: creating PersistentVolumes is minimised (CIS EKS 4.1.9).

A PersistentVolume is cluster-scoped and bypasses StorageClasses: its creator chooses the backing storage
itself, a ``hostPath`` on the node or an existing EBS volume or EFS file system, and any claim can bind it.
"""

from __future__ import annotations

from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

from _rbac import ROLES, Access, describe, grants, kind, object_name

VOLUMES = [Access("", "persistentvolumes", ("create",))]


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in ROLES:
        return
    found = grants(args.props, VOLUMES)
    if found:
        report(f"{kind(args.resource_type)} '{object_name(args.props, args.name)}' grants {describe(found)}: its "
               "holders can point a volume at a node's hostPath or at another team's EBS volume or EFS file "
               "system, bypassing StorageClasses. Let workloads claim storage through PersistentVolumeClaims.")


METADATA = RuleMetadata(
    id="I9",
    aws_control="The EKS-managed API server's RBAC authorizer (AWS runs and patches the control plane)",
    cis=("4.1.9",),
)

disallow_persistent_volume_create = ResourceValidationPolicy(
    name="kubernetes-rbac-disallow-persistent-volume-create",
    description="Roles must not grant create on persistentvolumes.",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("kubernetes", "rbac", "storage"),
    remediation_steps="Remove create on persistentvolumes from the role; provision through StorageClasses and "
                      "PersistentVolumeClaims.",
    url="https://kubernetes.io/docs/concepts/security/rbac-good-practices/#persistent-volume-creation",
)
