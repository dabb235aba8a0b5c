"""No resource policy raises anything on any compliant golden fixture (each rule's silent case, and a
guard against rules firing on resource types they do not own)."""

from __future__ import annotations

import pytest
from pulumi_policy import ResourceValidationPolicy
from pulumi_policy.policy import _NotApplicableError

from tests.policies.fixtures import GOLDEN, GOLDEN_CONFIG, pack_policies, resource_args, run

RESOURCE_POLICIES = sorted((p for p in pack_policies().values() if isinstance(p, ResourceValidationPolicy)),
                           key=lambda p: p.name)


@pytest.mark.parametrize("policy", RESOURCE_POLICIES, ids=lambda p: p.name)
@pytest.mark.parametrize("token", sorted(GOLDEN))
def test_golden_fixture_is_silent(policy: ResourceValidationPolicy, token: str) -> None:
    args = resource_args(token, config=GOLDEN_CONFIG.get(policy.name, {}))
    try:
        assert run(policy, args) == []
    except _NotApplicableError:
        pass
