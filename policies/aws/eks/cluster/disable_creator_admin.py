"""A8: the cluster creator does not keep cluster-admin (BPG iam "Remove the cluster-admin permissions...")."""

from __future__ import annotations

from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

from _eks import cluster_view


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    view = cluster_view(args)
    if view is None or view.creator_admin is None:
        return
    if view.creator_admin:
        report(f"cluster '{args.name}' gives its creator permanent cluster-admin "
               "(accessConfig.bootstrapClusterCreatorAdminPermissions is true or unset). Set it to false and grant "
               "admin through an access entry for an allowlisted role; it cannot be changed after creation.")


METADATA = RuleMetadata(
    id="A8",
    aws_control="EKS access entries: AWS creates the creator's cluster-admin entry at cluster creation",
    cis=("4.1.1 (derived)",),
    bpg=("iam: Remove the cluster-admin permissions from the cluster creator principal",),
)

disable_creator_admin = ResourceValidationPolicy(
    name="aws-eks-cluster-disable-creator-admin",
    description="EKS clusters must not give the creating principal permanent cluster-admin.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("eks", "access"),
    remediation_steps="Set accessConfig.bootstrapClusterCreatorAdminPermissions=false (only at creation).",
    url="https://docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html",
)
