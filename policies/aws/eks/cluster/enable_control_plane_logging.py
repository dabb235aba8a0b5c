"""A5: control-plane logs on for every required type (CIS EKS 2.1.1, CKV_AWS_37)."""

from __future__ import annotations

from _metadata import RuleMetadata
from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from _eks import cluster_view, component_hint

ALL_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"]


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    view = cluster_view(args)
    if view is None:
        return
    required = [str(t) for t in args.get_config().get("requiredLogTypes", ALL_TYPES)]
    missing = [t for t in required if t not in view.log_types]
    if missing:
        report(f"cluster '{args.name}' does not log {', '.join(missing)}. Add them to enabledClusterLogTypes "
               f"(required: {', '.join(required)})."
               + component_hint(args.urn, "enabled_cluster_log_types", repr(sorted(set(view.log_types) | set(missing)))))


METADATA = RuleMetadata(
    id="A5",
    aws_control="EKS control-plane log delivery to CloudWatch Logs (AWS runs the control plane and ships its logs)",
    cis=("2.1.1",),
    bpg=("detective: Enable audit logs",),
    checkov=("CKV_AWS_37",),
)

enable_control_plane_logging = ResourceValidationPolicy(
    name="aws-eks-cluster-enable-control-plane-logging",
    description="EKS clusters must send every required control-plane log type to CloudWatch Logs.",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("eks", "control-plane", "logging"),
    remediation_steps="Set enabledClusterLogTypes to api, audit, authenticator, controllerManager, scheduler.",
    url="https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html",
    config_schema=PolicyConfigSchema(properties={
        "requiredLogTypes": {"type": "array", "items": {"type": "string", "enum": ALL_TYPES}, "default": ALL_TYPES,
                             "minItems": 2, "description": "Log types that must be on (at least audit, authenticator)."}}),
)
