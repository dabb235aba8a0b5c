"""C7: no credentials in node user data (CKV_AWS_46)."""

from __future__ import annotations

import re

from _metadata import RuleMetadata
from _nodes import node_view
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

#: Shapes of credentials worth refusing outright in user data. Every pattern is linear in the user data's length
#: (possessive quantifiers, no nested or overlapping repetition): user data and kubelet arguments are program
#: input of any size.
PATTERNS = {
    "an AWS access key id": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "an AWS secret access key": re.compile(r"(?i)aws_secret_access_key\s*+[=:]\s*+\S{20}"),
    "a private key": re.compile(r"-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----"),
}
#: ``name=value`` / ``name: value`` where the value is 8+ characters and not a reference (an ARN, ``${...}``).
#: The name is taken whole (it starts where the previous character is not a name character), so each run of
#: name characters is scanned once.
_ASSIGNMENT = re.compile(r"(?<![A-Za-z0-9_-])([A-Za-z0-9_-]++)\s*+[=:]\s*+['\"]?+(?!arn:)[^\s'\"$]{8}")
#: A name that names a credential (DB_PASSWORD, --token, CLIENT_SECRET, API_KEY): the keyword in the name's
#: trailing run of letters and underscores (``--bootstrap-token-ttl`` is not one).
_CREDENTIAL = re.compile(r"(?i)password|passwd|token|client_secret|secret_key|api_?key")


def _trailing_word(name: str) -> str:
    start = len(name)
    while start > 0 and (name[start - 1] == "_" or "a" <= name[start - 1].lower() <= "z"):
        start -= 1
    return name[start:]


def _assigns_credential(text: str) -> bool:
    for match in _ASSIGNMENT.finditer(text):
        if _CREDENTIAL.search(_trailing_word(match.group(1))):
            return True
    return False


def _findings(user_data: str) -> list[str]:
    found = [what for what, pattern in PATTERNS.items() if pattern.search(user_data)]
    if _assigns_credential(user_data):
        found.append("a password assignment")
    return found


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    view = node_view(args)
    if view is None or not view.user_data:
        return
    for what in _findings(view.user_data):
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
