"""A9 log groups: aws-cloudwatch-loggroup-configure-retention and aws-cloudwatch-loggroup-configure-kms-key."""

from __future__ import annotations

from typing import Any

import pytest
from _known import Undecided
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from aws.cloudwatch.loggroup.configure_kms_key import configure_kms_key as kms_key
from aws.cloudwatch.loggroup.configure_retention import configure_retention as retention
from tests.policies.fixtures import resource_args, run

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


def group(name: str = "logs", config: dict[str, Any] | None = None, **changes: Any) -> Any:
    def change(p: dict[str, Any]) -> None:
        for field, value in changes.items():
            if value is None:
                p.pop(field, None)
            else:
                p[field] = value
    return resource_args(LOG_GROUP, change, name=name, config=config)


# --- aws-cloudwatch-loggroup-configure-retention


def test_the_golden_group_is_silent() -> None:
    assert run(retention, group()) == []
    assert run(retention, group(config={"minimumRetentionDays": 90})) == []


@pytest.mark.parametrize(("days", "state"), [(None, "unset"), (0, "0")])
def test_a_group_that_never_expires_fires(days: Any, state: str) -> None:
    (message, _), = run(retention, group("forever-logs", retentionInDays=days))
    assert message == (f"CloudWatch log group 'forever-logs' never expires its events (retentionInDays is {state}), so "
                       "it grows and is billed forever. Set retention_in_days (at least 1) to how long the logs are "
                       "needed, e.g. 90, or 365 for audit logs.")


def test_the_minimum_comes_from_the_policy_config() -> None:
    (message, _), = run(retention, group("short-logs", config={"minimumRetentionDays": 365}, retentionInDays=90))
    assert message == ("CloudWatch log group 'short-logs' keeps its events 90 days, less than the 365 this stack's "
                       "policy config requires (minimumRetentionDays). Set retention_in_days to at least 365.")
    assert run(retention, group(config={"minimumRetentionDays": 365}, retentionInDays=365)) == []
    assert run(retention, group(retentionInDays=1)) == [], "the default minimum is 1 day"


def test_an_unset_retention_names_the_configured_minimum() -> None:
    (message, _), = run(retention, group(config={"minimumRetentionDays": 30}, retentionInDays=None))
    assert "Set retention_in_days (at least 30)" in message


def test_retention_unknown_at_preview_is_decided_at_up() -> None:
    with pytest.raises(Undecided, match=r"^\.retentionInDays .*decides it during `pulumi up`"):
        run(retention, group(retentionInDays=UNKNOWN_STRING_VALUE))


def test_other_types_are_ignored() -> None:
    assert run(retention, resource_args("aws:kms/key:Key")) == []
    assert run(kms_key, resource_args("aws:kms/key:Key", config={"required": True})) == []


# --- aws-cloudwatch-loggroup-configure-kms-key


@pytest.mark.parametrize("config", [{}, {"required": False}])
def test_not_required_means_not_applicable(config: dict[str, Any]) -> None:
    with pytest.raises(_NotApplicableError):
        run(kms_key, group(config=config, kmsKeyId=None))


def test_required_and_unencrypted_fires() -> None:
    (message, _), = run(kms_key, group("unencrypted-logs", config={"required": True}, kmsKeyId=None))
    assert message.startswith("CloudWatch log group 'unencrypted-logs' is encrypted only with the CloudWatch Logs "
                              "service key (kmsKeyId unset)")
    assert "Set kms_key_id to the ARN of a customer-managed KMS key" in message


def test_required_and_encrypted_is_silent() -> None:
    assert run(kms_key, group(config={"required": True})) == []


def test_a_key_arn_unknown_at_preview_is_present() -> None:
    assert run(kms_key, group(config={"required": True}, kmsKeyId=UNKNOWN_STRING_VALUE)) == []
