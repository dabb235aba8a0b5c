"""IAM helpers: trust policies and managed-policy attachments keyed by policy name, partition-aware."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import pulumi
import pulumi_aws as aws


def service_trust(service: str, actions: Sequence[str] = ("sts:AssumeRole",)) -> str:
    """A trust policy that lets one AWS service principal assume the role."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": service}, "Action": list(actions)}]})


def managed_policy_arn(partition: str, policy: str) -> str:
    return f"arn:{partition}:iam::aws:policy/{policy}"


def role_with_policies(name: str, trust: pulumi.Input[str], policies: Sequence[str], partition: str,
                       tags: Mapping[str, str], parent: pulumi.Resource,
                       description: str) -> tuple[aws.iam.Role, list[aws.iam.RolePolicyAttachment]]:
    """A role plus one attachment per AWS managed policy, each named ``{name}-<PolicyName>`` (never an index)."""
    role = aws.iam.Role(name, assume_role_policy=trust, description=description, tags={**tags, "Name": name},
                        opts=pulumi.ResourceOptions(parent=parent))
    attachments = [
        aws.iam.RolePolicyAttachment(f"{name}-{policy}", role=role.name, policy_arn=managed_policy_arn(partition, policy),
                                     opts=pulumi.ResourceOptions(parent=parent))
        for policy in policies
    ]
    return role, attachments
