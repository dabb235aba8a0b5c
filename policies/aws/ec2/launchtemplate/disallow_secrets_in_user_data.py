"""C7: no credentials in node user data (CKV_AWS_46)."""

from __future__ import annotations

import re

from _metadata import RuleMetadata
from _nodes import node_view
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

#: Shapes of credentials worth refusing outright in user data.
PATTERNS = {
    "an AWS access key id": re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),
    "an AWS secret access key": re.compile(r"(?i)aws_secret_access_key\s*[=:]\s*\S{20,}"),
    "a private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    # KEY=value where the key names a credential (DB_PASSWORD, --token, CLIENT_SECRET, API_KEY); values that
    # are ARNs or ${...} references point at a secret store and are fine.
    "a password assignment": re.compile(
        r"(?i)[a-z_-]*(password|passwd|token|client_secret|secret_key|api_?key)[a-z_]*\s*[=:]\s*['\"]?"
        r"(?!arn:)[^\s'\"$]{8,}"),
}


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    view = node_view(args)
    if view is None or not view.user_data:
        return
    for what, pattern in PATTERNS.items():
        if pattern.search(view.user_data):
            report(f"{args.resource_type.split(':')[-1]} '{args.name}' has {what} in its user data, which anyone "
                   "with ec2:DescribeInstanceAttribute (and every pod with IMDS access) can read. Fetch secrets at "
                   "boot from Secrets Manager or SSM Parameter Store with the node role.")


METADATA = RuleMetadata(
    id="C7",
    aws_control=("Secrets Manager and SSM Parameter Store hold the secrets; IMDS serves user data to anything on the "
                 "node"),
    checkov=("CKV_AWS_46",),
)

disallow_secrets_in_user_data = ResourceValidationPolicy(
    name="aws-ec2-launchtemplate-disallow-secrets-in-user-data",
    description="Node user data must not contain credentials.",
    validate=_validate,
    severity=Severity.CRITICAL,
    tags=METADATA.tags("nodes", "secrets"),
    remediation_steps="Remove credentials from user data; read them at boot from Secrets Manager or SSM.",
    url="https://docs.aws.amazon.com/eks/latest/best-practices/data-encryption-and-secrets-management.html",
)
