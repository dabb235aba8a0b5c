"""Policy config is validated for meaning, not only type: by the pack's own config schemas (which the CLI checks
with gojsonschema and preflight with jsonschema) and by preflight's loader (what the engine cannot carry)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from pulumi_policy import Policy

from preflight.analyzer import PolicyInfo, load_policy_config, reconcile_policy_config
from preflight.errors import PreflightError
from tests.policies.fixtures import pack_policies

POLICIES: list[Policy] = sorted(pack_policies().values(), key=lambda p: p.name)
INFOS = [PolicyInfo(name=p.name, description=p.description, enforcement="advisory",
                    schema=({"properties": dict(p.config_schema.properties),
                             "required": list(p.config_schema.required or [])} if p.config_schema else None),
                    kind="resource") for p in POLICIES]
CIDRS = "aws-eks-cluster-configure-public-access-cidrs"
REGISTRIES = "kubernetes-image-configure-approved-registries"
VERSIONS = "aws-eks-cluster-configure-supported-version"
RETENTION = "aws-cloudwatch-loggroup-configure-retention"
REPLICAS = "kubernetes-workload-configure-replicas-and-pdb"


def _reconcile(given: dict[str, Any]) -> dict[str, dict[str, Any]]:
    parsed = {k: {"enforcementLevel": v.pop("enforcementLevel", ""), "properties": v} for k, v in given.items()}
    return reconcile_policy_config(INFOS, {}, parsed)


@pytest.mark.parametrize(("policy", "props", "error"), [
    (CIDRS, {"allowedCidrs": ["not-a-cidr"]}, 'allowedCidrs.0: "not-a-cidr" is not a CIDR block'),
    (CIDRS, {"allowedCidrs": ["10.0.0.0/33"]}, 'allowedCidrs.0: "10.0.0.0/33" is not a CIDR block'),
    (CIDRS, {"allowedCidrs": ["10.0.0.0"]}, 'allowedCidrs.0: "10.0.0.0" is not a CIDR block'),
    (REGISTRIES, {"allowedRegistries": [""]}, 'allowedRegistries.0: "" is not a non-empty image reference prefix'),
    (REGISTRIES, {"allowedRegistries": ["*"]}, 'allowedRegistries.0: "*" is not a non-empty image reference prefix'),
    (VERSIONS, {"versions": {"latest": {}}}, 'versions: "latest" is not a Kubernetes minor version'),
    (VERSIONS, {"today": "tomorrow"}, 'today: "tomorrow" is not a day as YYYY-MM-DD'),
    (RETENTION, {"minimumRetentionDays": 10**400}, "minimumRetentionDays: "),
    (RETENTION, {"minimumRetentionDays": 0}, "minimumRetentionDays: 0 is less than the minimum of 1"),
    (REPLICAS, {"minimumReplicas": 10**6}, "minimumReplicas: 1000000 is greater than the maximum of 1000"),
])
def test_values_without_meaning_are_refused_naming_policy_and_property(policy: str, props: dict[str, Any],
                                                                       error: str) -> None:
    with pytest.raises(PreflightError) as caught:
        _reconcile({policy: dict(props)})
    assert f"{policy}: {error}" in str(caught.value)


@pytest.mark.parametrize(("policy", "props"), [
    (CIDRS, {"allowedCidrs": ["203.0.113.0/24", "10.0.0.0/8", "2001:db8::/32", "::/0"]}),
    (REGISTRIES, {"allowedRegistries": ["111111111111.dkr.ecr.", "public.ecr.aws/eks-distro/", "docker.io/library/"]}),
    (VERSIONS, {"versions": {"1.35": {"endOfStandardSupport": "2027-03-27"}}, "today": "2026-12-06"}),
    (RETENTION, {"minimumRetentionDays": 3653}),
])
def test_meaningful_values_are_accepted(policy: str, props: dict[str, Any]) -> None:
    assert _reconcile({policy: dict(props)})[policy]["properties"].items() >= props.items()


def test_properties_under_all_are_refused_naming_the_policies_that_read_them() -> None:
    """The engine applies only an enforcement level from "all" (pkg/resource/analyzer/config.go, applyConfig):
    properties there would silently reach no policy."""
    with pytest.raises(PreflightError) as caught:
        _reconcile({"all": {"enforcementLevel": "mandatory", "allowedCidrs": ["10.0.0.0/8"], "bogus": 1}})
    message = str(caught.value)
    assert 'all: properties allowedCidrs, bogus under "all" would reach no policy' in message
    assert f"allowedCidrs: {CIDRS}" in message and "bogus: no policy of this pack" in message
    assert _reconcile({"all": {"enforcementLevel": "mandatory"}})[CIDRS]["enforcementLevel"] == "mandatory"


def _config(policy: str, prop: str, value_json: str) -> str:
    return "{" + json.dumps(policy) + ": {" + json.dumps(prop) + ": " + value_json + "}}"


@pytest.mark.parametrize(("text", "error"), [
    (_config(RETENTION, "minimumRetentionDays", "1" + "0" * 400),
     f"{RETENTION}.minimumRetentionDays is an integer of 401 digits"),
    (_config(CIDRS, "allowedCidrs", "[" * 100_000 + "]" * 100_000), "nests arrays or objects deeper than"),
    (_config(CIDRS, "allowedCidrs", "[" * 40 + "]" * 40), f"{CIDRS}.allowedCidrs" + "[0]" * 30),
    (_config(RETENTION, "minimumRetentionDays", "NaN"), f"{RETENTION}.minimumRetentionDays is not a finite number"),
])
def test_the_loader_refuses_what_the_engine_cannot_carry_in_one_message(tmp_path: Path, text: str,
                                                                        error: str) -> None:
    path = tmp_path / "policy-config.json"
    path.write_text(text)
    with pytest.raises(PreflightError) as caught:
        load_policy_config(path)
    assert error in str(caught.value) and "Traceback" not in str(caught.value)


def test_every_pattern_in_a_config_schema_is_valid_for_both_validators() -> None:
    """gojsonschema (the CLI) compiles patterns with Go's RE2: no lookaround, backreferences or possessives."""
    patterns = []
    for info in INFOS:
        text = json.dumps((info.schema or {}).get("properties") or {})
        patterns += [json.loads(f'"{m}"') for m in re.findall(r'"pattern": "((?:[^"\\]|\\.)*)"', text)]
    assert len(patterns) >= 3
    for pattern in patterns:
        re.compile(pattern)
        assert not re.search(r"\(\?[=!<]|\\[1-9]|[*+?}]\+", pattern), pattern
