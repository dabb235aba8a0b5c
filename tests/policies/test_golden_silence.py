"""No resource policy raises anything on any compliant golden fixture (each rule's silent case, and a
guard against rules firing on resource types they do not own).

One test per rule, over every golden fixture: a failure lists every fixture the rule fired on, with its findings.
"""

from __future__ import annotations

import pytest
from pulumi_policy import ResourceValidationArgs, ResourceValidationPolicy
from pulumi_policy.policy import _NotApplicableError

from tests.policies.fixtures import GOLDEN, GOLDEN_CONFIG, pack_policies, resource_args, run

RESOURCE_POLICIES = sorted((p for p in pack_policies().values() if isinstance(p, ResourceValidationPolicy)),
                           key=lambda p: p.name)


def _findings(policy: ResourceValidationPolicy, args: ResourceValidationArgs) -> list[tuple[str, str | None]]:
    try:
        return run(policy, args)
    except _NotApplicableError:
        return []


def _golden(policy: ResourceValidationPolicy, token: str) -> ResourceValidationArgs:
    return resource_args(token, config=GOLDEN_CONFIG.get(policy.name, {}))


@pytest.mark.parametrize("policy", RESOURCE_POLICIES, ids=lambda p: p.name)
def test_every_golden_fixture_is_silent(policy: ResourceValidationPolicy) -> None:
    fired = {token: found for token in sorted(GOLDEN) if (found := _findings(policy, _golden(policy, token)))}
    assert fired == {}, f"{policy.name} fired on golden fixtures: {fired}"


def test_a_finding_is_seen() -> None:
    """The check above is not vacuous: a rule's finding on a changed golden fixture is seen."""
    rule = next(p for p in RESOURCE_POLICIES if p.name == "aws-eks-cluster-disallow-api-endpoint-public-access")
    token = "aws:eks/cluster:Cluster"
    assert _findings(rule, _golden(rule, token)) == []
    public = resource_args(token, lambda p: p["vpcConfig"].update(endpointPublicAccess=True))
    assert _findings(rule, public), "the rule fires on a public API endpoint"
