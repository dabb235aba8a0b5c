"""Every policy in the pack carries the metadata the style guide requires."""

from __future__ import annotations

import re

import pytest
from pulumi_policy import Severity

from tests.policies.fixtures import pack_policies

ALL = sorted(pack_policies().values(), key=lambda p: p.name)
NAME = re.compile(r"^(aws-[a-z0-9]+-[a-z0-9]+|kubernetes-[a-z0-9]+)-(missing|disallow|enable|disable|configure|enforce)-[a-z0-9-]+$")


@pytest.mark.parametrize("policy", ALL, ids=lambda p: p.name)
def test_metadata(policy) -> None:  # type: ignore[no-untyped-def]
    assert NAME.match(policy.name), policy.name
    assert policy.description.endswith("."), policy.description
    assert isinstance(policy.severity, Severity)
    assert policy.tags and policy.remediation_steps and policy.url.startswith("https://")
    assert policy.enforcement_level is None, "levels are set by the pack and the stack's policy config"


def test_names_are_unique_and_the_pack_is_complete() -> None:
    assert len({p.name for p in ALL}) == len(ALL) >= 23
