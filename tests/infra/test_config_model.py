"""The one config model (``infra.config_models.StackSettings``): each default and check is stated once, in the
model; the JSON Schema, the program (``load_config``) and the tools read it from there, and pydantic's own wording
never reaches the user."""

from __future__ import annotations

import dataclasses
import json
import random
import re
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml
from pydantic import ValidationError

from infra.config import ConfigError, build_config, load_config
from infra.config_models import CONFIG_KEYS, StackSettings, defaults, messages, validate
from tools.schema import stack_file_schema

REPO = Path(__file__).resolve().parents[2]
GROUPS = {"general": {"instanceTypes": ["m7i.large"], "minSize": 1, "maxSize": 2}}
PINS = {"coredns": "v1.12.5-eksbuild.1", "eks-pod-identity-agent": "v1.3.5-eksbuild.1",
        "kube-proxy": "v1.35.5-eksbuild.1", "vpc-cni": "v1.20.5-eksbuild.1",
        "aws-ebs-csi-driver": "v1.50.1-eksbuild.1", "aws-efs-csi-driver": "v2.1.12-eksbuild.1",
        "metrics-server": "v0.8.0-eksbuild.1", "eks-node-monitoring-agent": "v1.4.0-eksbuild.2"}
#: The fewest keys a stack needs: zones and node groups, and the versions of a pinned stack or the latest channel.
LATEST = {"zones": {"usw2-az1": 0, "usw2-az2": 1}, "nodeGroups": GROUPS, "updateChannel": "latest"}
PINNED = {"zones": {"usw2-az1": 0, "usw2-az2": 1}, "nodeGroups": GROUPS, "amiReleaseVersion": "1.35.0-20261101",
          "addonVersions": PINS}
SCHEMA = stack_file_schema()["properties"]["config"]["properties"]
#: What pydantic says in its own words; none of it may reach a user.
PYDANTIC_WORDING = re.compile(r"Input should|Value error|validation errors? for|errors\.pydantic\.dev|Field required|"
                              r"Extra inputs|Assertion failed|Unable to|type=")


def _schema_default(key: str) -> Any:
    node = SCHEMA[f"eks-platform:{key}"]["anyOf"][0]
    return node.get("default", ...)


def _comparable(values: dict[str, Any]) -> dict[str, Any]:
    cfg = build_config("test", values)
    return {f.name: getattr(cfg, f.name) for f in dataclasses.fields(cfg) if f.name != "source"}


@pytest.mark.parametrize("key", sorted(CONFIG_KEYS))
def test_a_key_s_default_is_stated_once_and_is_what_the_stack_gets_without_it(key: str) -> None:
    """The schema's default is the model's, and setting a key to it changes nothing from leaving it out."""
    default = defaults()[key]
    if default is None:
        assert _schema_default(key) is ..., f"{key}: unset means the program decides; the schema states no default"
        return
    assert _schema_default(key) == default, key
    base = {k: v for k, v in (PINNED if key == "updateChannel" else LATEST).items() if k != key}
    assert _comparable({**base, key: default}) == _comparable(base), key


def test_defaults_that_depend_on_another_value_are_stated_once_in_the_model() -> None:
    settings, errors = validate({**LATEST, "computeMode": "auto", "nodeGroups": None}, "qa")
    assert errors == [] and settings is not None
    assert settings.repository_prefix == "qa", "the stack's name"
    assert settings.auto_mode is not None and settings.auto_mode.built_in_node_pools == ["general-purpose", "system"]
    assert build_config("qa", {**LATEST, "repositoryPrefix": "acme"}).repository_prefix == "acme"


def _wire(values: dict[str, Any]) -> dict[str, str]:
    """Values as the CLI hands them to the program: strings, objects as JSON."""
    return {f"eks-platform:{k}": v if isinstance(v, str) else json.dumps(v) for k, v in values.items()}


@pytest.mark.parametrize("bad", [
    {"logRetentionDays": 13},
    {"vpcCidr": "10.0.0.1/16", "highlyAvailableNat": "no"},
    {"nodeGroups": {"general": {**GROUPS["general"], "instanceTypes": ["m7i.larg"], "minSize": 3}}},
    {"zones": {"usw2-az1": 0, "usw2-az2": 0, "mars-1": 7}},
    {"access": {"ops": {"roleArn": "arn:aws:iam::123456789012:role/ops", "level": "cluster-admin"}}},
    {"computeMode": "karpenter", "tags": {"environment": "x"}},
    {"updateChannel": "pinned", "amiReleaseVersion": "1.31.0-20250101", "storage": {"efs": {"uid": 0}}},
    {"kubernetesVersoin": "1.35"},
])
def test_a_bad_value_gives_the_same_message_from_the_cli_path_and_from_the_model(mocks: object,
                                                                                 bad: dict[str, Any]) -> None:
    values = {**LATEST, **bad}
    with pytest.raises(ValidationError) as caught:
        StackSettings.model_validate(values, context={"stack": "test"})
    model = messages(caught.value, StackSettings)
    pulumi.runtime.set_all_config({"aws:region": "us-west-2", **_wire(values)}, [])
    with pytest.raises(ConfigError) as cli:
        load_config()
    assert [line.strip() for line in str(cli.value).splitlines()[1:]] == model
    assert model and all(line.startswith("eks-platform:") for line in model)


def test_rules_across_keys_still_run_beside_an_invalid_key_and_only_on_valid_keys() -> None:
    with pytest.raises(ConfigError) as caught:
        build_config("test", {**LATEST, "vpcCidr": "8.8.0.0/16",
                              "access": {"ops": {"roleArn": "arn:aws:iam::123456789012:role/ops",
                                                 "level": "cluster-admin"}},
                              "computeMode": "karpenter", "karpenter": {"nodePools": {}}})
    lines = str(caught.value).splitlines()[1:]
    assert any(line.startswith("  eks-platform:vpcCidr: '8.8.0.0/16' is not a private range") for line in lines)
    assert any(line.startswith("  eks-platform:access.ops: cluster-admin is only for roles in") for line in lines)
    assert not any("karpenter: required" in line for line in lines), "a rule reading an invalid key does not run"


def _mutate(value: Any, rng: random.Random) -> Any:
    """``value`` with one leaf (or one subtree) replaced by a wrong value."""
    wrong = [None, 3.7, "x", "", [], {}, True, -1, 0, 10**9, ["x"], {"x": 1}, "Never", "no", "a" * 300]
    if isinstance(value, dict) and value and rng.random() < 0.7:
        key = rng.choice(sorted(value, key=str))
        return {**value, key: _mutate(value[key], rng)}
    if isinstance(value, list) and value and rng.random() < 0.7:
        return [_mutate(value[0], rng), *value[1:]]
    return rng.choice(wrong)


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_no_pydantic_wording_reaches_the_user(stack: str) -> None:
    """Hundreds of stack files with one wrong value each: every line names a key, in our words."""
    raw = yaml.safe_load((REPO / f"Pulumi.{stack}.yaml").read_text())["config"]
    values = {k.split(":", 1)[1]: v for k, v in raw.items() if k.startswith("eks-platform:")}
    rng = random.Random(20)
    refused = 0
    for _ in range(300):
        _, errors = validate(_mutate(values, rng), stack)
        refused += bool(errors)
        for line in errors:
            assert line.startswith("eks-platform:") and ": " in line, line
            assert not PYDANTIC_WORDING.search(line), line
    assert refused > 200, "most mutations are refused"


def test_a_stack_name_that_is_no_repository_prefix_is_reported_with_everything_else() -> None:
    """The prefix defaults to the stack's name: an invalid name is one more line, not the only one."""
    _, errors = validate({**LATEST, "vpcCidr": "8.8.0.0/16",
                          "access": {"ops": {"roleArn": "arn:aws:iam::123456789012:role/ops", "level": "cluster-admin"}}},
                         "Prod")
    assert [e.split(": ", 1)[0] for e in errors] == ["eks-platform:vpcCidr", "eks-platform:repositoryPrefix",
                                                     "eks-platform:access.ops"]
    assert "'Prod' is not an ECR name part" in errors[1]
