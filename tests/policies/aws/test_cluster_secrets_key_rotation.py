"""A4 aws-eks-cluster-configure-secrets-key-rotation (stack): follows encryptionConfig to the KMS key."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi_policy.policy import _NotApplicableError

from aws.eks.cluster.configure_secrets_key_rotation import configure_secrets_key_rotation as policy
from tests.policies.fixtures import GOLDEN, run, stack_args, stack_resource

KEY_ARN = GOLDEN["aws:eks/cluster:Cluster"]["encryptionConfig"]["provider"]["keyArn"]


def _stack(rotation: Any, linked: bool = True) -> tuple[Any, Any, list[Any]]:
    key = stack_resource("aws:kms/key:Key", "secrets-key", {"enableKeyRotation": rotation, "arn": KEY_ARN})
    cluster = stack_resource("aws:eks/cluster:Cluster", "cluster", GOLDEN["aws:eks/cluster:Cluster"],
                             {"encryptionConfig": [key]} if linked else {})
    return key, cluster, [key, cluster]


def test_rotating_key_in_the_stack_is_silent() -> None:
    assert run(policy, stack_args(_stack(True)[2])) == []


@pytest.mark.parametrize("rotation", [False, None])
def test_key_without_rotation_fires_on_the_key(rotation: Any) -> None:
    key, _, resources = _stack(rotation)
    (message, urn), = run(policy, stack_args(resources))
    assert urn == key.urn
    assert message.startswith("KMS key 'secrets-key' encrypting the Secrets of cluster 'cluster' does not rotate")


def test_key_from_outside_the_stack_fires_unless_allowlisted() -> None:
    _, cluster, resources = _stack(True, linked=False)
    (message, urn), = run(policy, stack_args(resources))
    assert urn == cluster.urn and "is not a KMS key managed in this stack" in message
    assert run(policy, stack_args(resources, {"allowedKeyArns": [KEY_ARN]})) == []


def test_no_cluster_is_not_applicable() -> None:
    with pytest.raises(_NotApplicableError):
        run(policy, stack_args([stack_resource("aws:kms/key:Key", "k", {"enableKeyRotation": True})]))
