"""A7: access is managed with EKS access entries (CIS EKS 4.1.7 "Cluster Access Manager API")."""

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


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    view = cluster_view(args)
    if view is None:
        return
    allowed = ["API"] if args.get_config().get("requireApiOnly", True) else ["API", "API_AND_CONFIG_MAP"]
    if view.authentication_mode not in allowed:
        report(f"cluster '{args.name}' uses authentication mode {view.authentication_mode} (CONFIG_MAP when unset): "
               f"access lives in the aws-auth ConfigMap. Set accessConfig.authenticationMode to {allowed[0]} and "
               "grant access with aws.eks.AccessEntry."
               + component_hint(args.urn, "authentication_mode", f"eks.AuthenticationMode.{allowed[0]}"))


METADATA = RuleMetadata(
    id="A7",
    aws_control="EKS access entries: AWS maps IAM principals to Kubernetes identities in the managed authenticator",
    cis=("4.1.7",),
    bpg=("iam: Cluster Access Manager", "iam: Combine IAM Identity Center with CAM API"),
)

enforce_access_entry_api = ResourceValidationPolicy(
    name="aws-eks-cluster-enforce-access-entry-api",
    description="EKS clusters must manage access through the access-entry API, not the aws-auth ConfigMap.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("eks", "access"),
    remediation_steps="Set accessConfig.authenticationMode=API and use aws.eks.AccessEntry.",
    url="https://docs.aws.amazon.com/eks/latest/userguide/access-entries.html",
    config_schema=PolicyConfigSchema(properties={
        "requireApiOnly": {"type": "boolean", "default": True,
                           "description": "false also accepts API_AND_CONFIG_MAP during a migration."}}),
)
