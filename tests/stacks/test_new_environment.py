"""Adding an environment is `pulumi stack init` plus its stack file (README, "Adding an environment")."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, preflight_json

pytestmark = pytest.mark.e2e


def _project(tmp_path: Path, config: dict[str, object]) -> Path:
    """A scratch copy of the project with one new stack file, ``Pulumi.qa.yaml``."""
    for part in ("infra", "components"):
        shutil.copytree(REPO / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    (tmp_path / ".venv").symlink_to(sys.prefix)  # the virtualenv Pulumi.yaml names: this one
    (tmp_path / "Pulumi.qa.yaml").write_text(yaml.safe_dump({"config": config}, sort_keys=False))
    return tmp_path


def _from_staging(**changes: object) -> dict[str, object]:
    config = yaml.safe_load((REPO / "Pulumi.staging.yaml").read_text())["config"]
    config.update({"aws:region": "eu-west-1", "eks-platform:vpcCidr": "10.50.0.0/16",
                   "eks-platform:zones": {"eu-west-1a": 0, "eu-west-1b": 1, "eu-west-1c": 2}})
    for key in [k for k in config if k.startswith("eks-platform:workloads")]:
        del config[key]  # the sample app's certificate is staging's
    config.update(changes)
    return config


def test_a_new_stack_file_copied_from_staging_is_a_working_environment(tmp_path: Path) -> None:
    program = _project(tmp_path, _from_staging())
    code, data, err = preflight_json("--program", str(program), "--stack", "qa", "--policy-pack",
                                     str(REPO / "policies"), "--policy-pack-config",
                                     str(REPO / "policies" / "config" / "staging.json"))
    assert code == 0, err
    assert data["outputs"]["cluster_name"] == "eks-qa"
    subnets = [r for r in data["resources"] if r["type"] == "aws:ec2/subnet:Subnet"]
    assert {s["inputs"]["availabilityZone"] for s in subnets} == {"eu-west-1a", "eu-west-1b", "eu-west-1c"}


def test_a_mistake_in_the_new_stack_file_is_one_message_naming_the_key(tmp_path: Path) -> None:
    program = _project(tmp_path, _from_staging(**{"eks-platform:vpcEndpoint": True}))
    code, _, err = preflight_json("--program", str(program), "--stack", "qa", "--no-policy-pack")
    assert code == 2
    assert "eks-platform:vpcEndpoint: unknown key; did you mean eks-platform:vpcEndpoints?" in err
