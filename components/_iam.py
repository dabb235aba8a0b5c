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
                       description: str, role_name: str | None = None,
                       ) -> tuple[aws.iam.Role, list[aws.iam.RolePolicyAttachment]]:
    """A role plus one attachment per AWS managed policy, each named ``{name}-<PolicyName>`` (never an index).

    ``role_name``: a fixed IAM name where policies must name the role's ARN before it exists (default:
    auto-named from ``name``)."""
    role = aws.iam.Role(name, name=role_name, assume_role_policy=trust, description=description,
                        tags={**tags, "Name": name}, opts=pulumi.ResourceOptions(parent=parent))
    attachments = [
        aws.iam.RolePolicyAttachment(f"{name}-{policy.rsplit('/', 1)[-1]}", role=role.name, policy_arn=managed_policy_arn(partition, policy),
                                     opts=pulumi.ResourceOptions(parent=parent))
        for policy in policies
    ]
    return role, attachments


#: Trust of roles assumed through EKS Pod Identity (the agent tags the session with the pod's identity).
POD_IDENTITY_TRUST = service_trust("pods.eks.amazonaws.com", ("sts:AssumeRole", "sts:TagSession"))


def pod_identity_role(name: str, policies: Sequence[str], inline: pulumi.Input[str] | None, partition: str,
                      tags: Mapping[str, str], parent: pulumi.Resource,
                      description: str) -> tuple[aws.iam.Role, list[pulumi.Resource]]:
    """A Pod Identity role with AWS managed ``policies`` and an optional ``inline`` policy (``{name}-policy``).

    Returns the role and everything a workload must wait for before it uses the role.
    """
    role, attachments = role_with_policies(name, POD_IDENTITY_TRUST, policies, partition, tags, parent, description)
    grants: list[pulumi.Resource] = list(attachments)
    if inline is not None:
        grants.append(aws.iam.RolePolicy(f"{name}-policy", role=role.id, policy=inline,
                                         opts=pulumi.ResourceOptions(parent=parent)))
    return role, grants
