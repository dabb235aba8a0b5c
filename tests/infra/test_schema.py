"""The committed JSON Schema of Pulumi.<stack>.yaml matches the config models and checks real stack files."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.conftest import STACKS
from tools.schema import PATH, render

REPO = Path(__file__).resolve().parent.parent.parent
SCHEMA = json.loads(PATH.read_text())


def _errors(doc: dict) -> list[str]:  # type: ignore[type-arg]
    return [e.message for e in jsonschema.Draft202012Validator(SCHEMA).iter_errors(doc)]


def test_the_committed_schema_is_what_the_models_generate() -> None:
    assert PATH.read_text() == render(), "schema/stack-config.schema.json is stale: run `make schema`"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_file_validates_and_names_the_schema(stack: str) -> None:
    text = (REPO / f"Pulumi.{stack}.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=./schema/stack-config.schema.json\n")
    assert _errors(yaml.safe_load(text)) == []


@pytest.mark.parametrize(("key", "value"), [
    ("eks-platform:kubernetesVersoin", "1.35"),
    ("aws:regoin", "us-west-2"),
    ("aws:region", "mars-north-9"),
    ("eks-platform:nodeGroups", {"general": {"instanceTypes": ["m7i.large"], "minSize": 1, "maxSize": 2,
                                             "detailedMonitoring": "false"}}),
    ("eks-platform:fargateProfiles", {"batch": {"selectors": [{"namespace": "batch"}], "subnetIds": ["x"]}}),
    ("eks-platform:logRetentionDays", 13),
])
def test_editors_flag_what_the_program_refuses(key: str, value: object) -> None:
    doc = yaml.safe_load((REPO / "Pulumi.dev.yaml").read_text())
    doc["config"][key] = value
    assert _errors(doc), f"{key}: {value!r} passed the schema"


def test_quoted_numbers_and_booleans_pass_at_the_top_level_as_in_the_cli() -> None:
    doc = yaml.safe_load((REPO / "Pulumi.dev.yaml").read_text())
    doc["config"].update({"eks-platform:logRetentionDays": "90", "eks-platform:highlyAvailableNat": "true",
                          "other-package:anything": {"x": 1}, "eks-platform:organizationId": {"secure": "v1:a:b"}})
    assert _errors(doc) == []
