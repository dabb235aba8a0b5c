"""I8: minting ServiceAccount tokens is minimised (CIS EKS 4.1.12).

``create`` on ``serviceaccounts/token`` issues a token for any ServiceAccount of the namespace (of every
namespace, for a ClusterRole bound cluster-wide): its holder acts with that account's permissions, and
with its IAM role where the account has one (IRSA, Pod Identity).
"""

from __future__ import annotations

from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

from _rbac import ROLES, Access, describe, grants, kind, object_name

TOKEN = [Access("", "serviceaccounts/token", ("create",))]


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in ROLES:
        return
    found = grants(args.props, TOKEN)
    if found:
        report(f"{kind(args.resource_type)} '{object_name(args.props, args.name)}' grants {describe(found)}: its "
               "holders can mint tokens for ServiceAccounts and act as them (with their IAM roles too). Remove "
               "it; pods get their own token through a projected volume.")


METADATA = RuleMetadata(
    id="I8",
    aws_control="The EKS-managed API server's RBAC authorizer (AWS runs and patches the control plane)",
    cis=("4.1.12",),
)

disallow_service_account_token_create = ResourceValidationPolicy(
    name="kubernetes-rbac-disallow-service-account-token-create",
    description="Roles must not grant create on serviceaccounts/token.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("kubernetes", "rbac"),
    remediation_steps="Remove create on serviceaccounts/token (and the wildcards that imply it) from the role.",
    url="https://kubernetes.io/docs/concepts/security/rbac-good-practices/#token-request",
)
