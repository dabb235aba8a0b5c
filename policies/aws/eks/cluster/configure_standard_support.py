"""A6 (lifecycle part): the cluster does not roll into paid extended support unnoticed (CKV_AWS_339).

A cost and lifecycle rule, not a security one, so the pack keeps it advisory: a hardened cluster is never
blocked because ``upgradePolicy.supportType`` is unset. The version check stays mandatory in
``configure_supported_version``.
"""

from __future__ import annotations

from _metadata import RuleMetadata
from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from _eks import CLUSTER, cluster_view
from aws.eks.cluster.configure_supported_version import LIFECYCLE_CONFIG, judging_day, lifecycle_dates


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    view = cluster_view(args)
    if view is None:
        return
    support = view.support_type
    # Unset on aws:eks/cluster:Cluster means EXTENDED; pulumi-eks components leave it to their child.
    if support == "STANDARD" or (support is None and args.resource_type != CLUSTER):
        return
    when = "when its version leaves standard support"
    config = args.get_config()
    dates = lifecycle_dates(config, str(view.version)) if view.version is not None else None
    on = judging_day(config)
    if dates is not None and dates[0] is not None and on is not None:
        end_standard, end_extended = dates
        when = (f"now: Kubernetes {view.version} left standard support on {end_standard}, and extended support is "
                f"billed per cluster hour until {end_extended}" if on >= end_standard else
                f"when Kubernetes {view.version} leaves standard support on {end_standard}")
    report(f"cluster '{args.name}' may roll into paid extended support {when} "
           f"(upgradePolicy.supportType is {support or 'unset, which means EXTENDED'}). Set "
           "upgradePolicy.supportType=STANDARD to be upgraded automatically instead, or keep EXTENDED on purpose "
           "(eks-platform:supportType) and plan the upgrade.")


METADATA = RuleMetadata(
    id="A6",
    aws_control="EKS version lifecycle: AWS moves a cluster past standard support into paid extended support",
    checkov=("CKV_AWS_339",),
)

configure_standard_support = ResourceValidationPolicy(
    name="aws-eks-cluster-configure-standard-support",
    description="EKS clusters should stay in standard support rather than roll into paid extended support.",
    validate=_validate,
    severity=Severity.LOW,
    tags=METADATA.tags("eks", "control-plane", "lifecycle", "cost"),
    remediation_steps="Set upgradePolicy.supportType=STANDARD, and plan upgrades before a version leaves "
                      "standard support.",
    url="https://docs.aws.amazon.com/eks/latest/userguide/view-upgrade-policy.html",
    config_schema=PolicyConfigSchema(properties=dict(LIFECYCLE_CONFIG)),
)
