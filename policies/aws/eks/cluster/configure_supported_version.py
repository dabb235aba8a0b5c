"""A6: the cluster runs a Kubernetes version in EKS standard support (CKV_AWS_339).

Whether the cluster may roll into paid extended support is a cost question, not a security one:
``configure_standard_support`` (advisory) checks ``upgradePolicy.supportType``.
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

from _eks import cluster_view
from _helpers import K8S_VERSION_PATTERN, pattern_item

#: EKS standard support as of 2026-11; organisations override it through supportedVersions.
STANDARD_SUPPORT = ["1.34", "1.35", "1.36", "1.37"]


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    view = cluster_view(args)
    if view is None:
        return
    supported = [str(v) for v in args.get_config().get("supportedVersions", STANDARD_SUPPORT)]
    if view.version is None:
        report(f"cluster '{args.name}' does not pin a Kubernetes version, so AWS picks one. Set version to one of "
               f"{', '.join(supported)}.")
    elif str(view.version) not in supported:
        report(f"cluster '{args.name}' runs Kubernetes {view.version}, outside the supported versions "
               f"({', '.join(supported)}). Upgrade one minor version at a time.")


METADATA = RuleMetadata(
    id="A6",
    aws_control="EKS version support: AWS patches the control plane of versions in standard support",
    checkov=("CKV_AWS_339",),
)

configure_supported_version = ResourceValidationPolicy(
    name="aws-eks-cluster-configure-supported-version",
    description="EKS clusters must run a Kubernetes version in standard support.",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("eks", "control-plane", "lifecycle"),
    remediation_steps="Set version to a supported release; upgrade one minor version at a time.",
    url="https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html",
    config_schema=PolicyConfigSchema(properties={
        "supportedVersions": {"type": "array", "items": pattern_item(K8S_VERSION_PATTERN,
                                                             "a Kubernetes minor version, e.g. 1.33"),
                              "default": STANDARD_SUPPORT}}),
)
