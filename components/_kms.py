"""Customer-managed KMS keys: rotation on, an explicit key policy, an alias, protected where data is."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from ._tags import merged_tags


def key_policy(partition: str, account_id: str, statements: Sequence[Mapping[str, Any]] = ()) -> str:
    """A key policy: this account's administrators manage the key (no other account, no wildcard), plus
    ``statements`` for the AWS services that must use it."""
    root = f"arn:{partition}:iam::{account_id}:root"
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "AccountAdministration", "Effect": "Allow", "Principal": {"AWS": root}, "Action": "kms:*",
         "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalAccount": account_id}}},
        *statements,
    ]})


def logs_statement(partition: str, region: str, account_id: str, log_group: str,
                   like: bool = False) -> dict[str, Any]:
    """A key-policy statement letting CloudWatch Logs encrypt one log group (``log_group``, by name; a pattern
    with ``like``, for an auto-named group) with the key."""
    return {"Sid": "CloudWatchLogs", "Effect": "Allow", "Principal": {"Service": f"logs.{region}.amazonaws.com"},
            "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            "Resource": "*", "Condition": {"ArnLike" if like else "ArnEquals": {
                "kms:EncryptionContext:aws:logs:arn": f"arn:{partition}:logs:{region}:{account_id}:log-group:{log_group}"}}}


def customer_managed_key(name: str, description: str, alias: str, policy: pulumi.Input[str],
                         tags: Mapping[str, str], parent: pulumi.Resource,
                         protect: bool) -> tuple[aws.kms.Key, aws.kms.Alias]:
    """``{name}`` (yearly rotation, 30-day deletion window, ``policy``) and ``{name}-alias`` (``alias/<alias>``).

    The key is protected and kept on delete when ``protect`` is set: what it encrypts (volumes, backups,
    snapshots, logs) is unreadable without it, and may outlive the stack.
    """
    key = aws.kms.Key(name, description=description, enable_key_rotation=True, deletion_window_in_days=30,
                      policy=policy, tags=merged_tags(tags, name),
                      opts=pulumi.ResourceOptions(parent=parent, protect=protect, retain_on_delete=protect))
    named = aws.kms.Alias(f"{name}-alias", name=f"alias/{alias}", target_key_id=key.key_id,
                          opts=pulumi.ResourceOptions(parent=parent))
    return key, named


def key_user_policy(partition: str, region: str, account_id: str, alias: str, grants: bool = True) -> str:
    """An IAM policy letting a role use the key behind ``alias/<alias>`` for data encryption.

    The key is named by its alias (``kms:ResourceAliases``), not its ARN, so the document is plain text
    known before the key exists: the pack decides on it at the first preview. ``grants`` adds the grants an
    AWS service needs to use the key for a resource it creates (EBS volumes, FSx file systems).
    """
    keys = f"arn:{partition}:kms:{region}:{account_id}:key/*"
    by_alias = {"ForAnyValue:StringEquals": {"kms:ResourceAliases": f"alias/{alias}"}}
    statements: list[dict[str, Any]] = [{"Sid": "UseKey", "Effect": "Allow", "Resource": keys, "Condition": by_alias,
                                         "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*",
                                                    "kms:GenerateDataKey*", "kms:DescribeKey"]}]
    if grants:
        statements.append({"Sid": "GrantsForAwsResources", "Effect": "Allow", "Resource": keys,
                           "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
                           "Condition": {**by_alias, "Bool": {"kms:GrantIsForAWSResource": "true"}}})
    return json.dumps({"Version": "2012-10-17", "Statement": statements})
