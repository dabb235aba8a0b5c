"""Adding an environment is its stack file and its policy config, then `make docs` and `make snapshot`
(docs/USER-GUIDE.md, "Adding an environment"): nothing else is edited, and the suite's stack tests cover it."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, link_virtualenv, preflight_json, scratch_program

pytestmark = pytest.mark.e2e

HEADER = "# yaml-language-server: $schema=./schema/stack-config.schema.json\n"
#: What a copy of the checkout leaves out: caches, the virtualenv, build output, git.
SKIP = shutil.ignore_patterns(".venv", ".git", "__pycache__", ".pytest_cache", ".ruff_cache", ".mypy_cache", "build",
                              "dist", "*.egg-info", "out")


def _project(tmp_path: Path, config: dict[str, object]) -> Path:
    """A scratch copy of the program with one new stack file, ``Pulumi.qa.yaml``."""
    scratch_program(tmp_path, copy=True)
    (tmp_path / "Pulumi.qa.yaml").write_text(HEADER + yaml.safe_dump({"config": config}, sort_keys=False))
    return tmp_path


def _from_staging(**changes: object) -> dict[str, object]:
    """Staging's stack file moved to eu-west-1 as the user guide says: region, zones, CIDR, and the certificate of
    the sample app (an ACM certificate is used only in its own region)."""
    config = yaml.safe_load((REPO / "Pulumi.staging.yaml").read_text())["config"]
    config.update({"aws:region": "eu-west-1", "eks-platform:vpcCidr": "10.50.0.0/16",
                   "eks-platform:zones": {"eu-west-1a": 0, "eu-west-1b": 1, "eu-west-1c": 2}})
    exposure = config["eks-platform:workloads"]["web"]["exposure"]  # type: ignore[index]
    exposure["certificateArn"] = exposure["certificateArn"].replace(":us-west-2:", ":eu-west-1:")
    config.update(changes)
    return config


def test_a_new_stack_file_copied_from_staging_is_a_working_environment(tmp_path: Path) -> None:
    program = _project(tmp_path, _from_staging())
    code, data, err = preflight_json("--program", str(program), "--stack", "qa", "--policy-pack",
                                     str(REPO / "policies"), "--policy-pack-config",
                                     str(REPO / "policies" / "config" / "staging.json"), "--phase", "up")
    assert code == 0, err
    assert data["outputs"]["cluster_name"] == "eks-qa"
    subnets = [r for r in data["resources"] if r["type"] == "aws:ec2/subnet:Subnet"]
    assert {s["inputs"]["availabilityZone"] for s in subnets} == {"eu-west-1a", "eu-west-1b", "eu-west-1c"}


def test_a_mistake_in_the_new_stack_file_is_one_message_naming_the_key(tmp_path: Path) -> None:
    program = _project(tmp_path, _from_staging(**{"eks-platform:vpcEndpoint": True}))
    code, _, err = preflight_json("--program", str(program), "--stack", "qa", "--no-policy-pack")
    assert code == 2
    assert "eks-platform:vpcEndpoint: unknown key; did you mean eks-platform:vpcEndpoints?" in err


def test_a_certificate_left_in_another_region_is_one_message_naming_the_key(tmp_path: Path) -> None:
    staging = yaml.safe_load((REPO / "Pulumi.staging.yaml").read_text())["config"]
    arn = staging["eks-platform:workloads"]["web"]["exposure"]["certificateArn"]
    assert ":us-west-2:" in arn
    program = _project(tmp_path, _from_staging(**{"eks-platform:workloads": staging["eks-platform:workloads"]}))
    code, _, err = preflight_json("--program", str(program), "--stack", "qa", "--no-policy-pack", "--phase", "up")
    assert code == 2 and "Traceback" not in err
    assert (f"eks-platform:workloads.web.exposure.certificateArn: an ACM certificate in us-west-2 ({arn}), but the "
            "stack deploys to aws:region eu-west-1") in err
    assert err.count("certificateArn") == 1, err


def test_region_bound_arns_are_checked_at_any_depth() -> None:
    from infra.config import check_region_bound_arns

    key = "arn:aws:kms:eu-west-1:123456789012:key/" + "0" * 8 + "-0000-0000-0000-" + "0" * 12
    cert = "arn:aws:acm:us-east-1:123456789012:certificate/" + "1" * 8 + "-0000-0000-0000-" + "0" * 12
    config = {"aws:region": "us-east-1", "eks-platform:storage": json.dumps({"ebs": {"keys": [key]}}),
              "eks-platform:cert": cert, "eks-platform:role": "arn:aws:iam::123456789012:role/x",
              "other:key": key}
    (error,) = check_region_bound_arns(config)
    assert error.startswith("eks-platform:storage.ebs.keys[0]: a KMS key in eu-west-1 (")
    assert check_region_bound_arns({**config, "aws:region": "eu-west-1"}) == [
        f"eks-platform:cert: an ACM certificate in us-east-1 ({cert}), but the stack deploys to aws:region eu-west-1; "
        "ACM resources are used only in their own region: create or import it in eu-west-1 and use that ARN"]


def _digests(root: Path) -> dict[str, str]:
    out = {}
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if path.is_file() and not {".venv", ".git", "__pycache__", ".pytest_cache", ".ruff_cache", "build", "dist",
                                   "out"} & set(rel.parts) and not any(p.endswith(".egg-info") for p in rel.parts):
            out[rel.as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def test_the_user_guide_steps_make_a_qa_environment_the_suite_tests_with_no_other_edit(tmp_path: Path) -> None:
    copy = tmp_path / "checkout"
    shutil.copytree(REPO, copy, ignore=SKIP)
    link_virtualenv(copy)
    before = _digests(copy)
    # Steps 2 and 3: the stack file (the closest one, changed) and its policy config.
    (copy / "Pulumi.qa.yaml").write_text(HEADER + yaml.safe_dump({"config": _from_staging()}, sort_keys=False))
    shutil.copy(copy / "policies" / "config" / "staging.json", copy / "policies" / "config" / "qa.json")
    # Step 4: `make docs` and `make snapshot`; here only their parts a new stack changes (the environments table,
    # qa's URNs), to keep this test short: the other documents and stacks do not depend on it.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")} | {"PYTHONPATH": str(copy)}
    for command in (["-m", "tools.environments"], ["-m", "tests.snapshots.urns", "qa"]):
        done = subprocess.run([sys.executable, *command], cwd=copy, env=env, capture_output=True, text=True,
                              timeout=900)
        assert done.returncode == 0, done.stderr
    changed = {path for path, digest in _digests(copy).items() if before.get(path) != digest}
    assert changed == {"Pulumi.qa.yaml", "policies/config/qa.json", "tests/snapshots/urns-qa.txt", "docs/USER-GUIDE.md"}
    assert "| `qa` | eu-west-1 | 3 AZs, 3 NAT gateways |" in (copy / "docs" / "USER-GUIDE.md").read_text()

    # The suite's tests of every stack, run in the copy: each has a qa case, and all pass.
    report = tmp_path / "junit.xml"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider", f"--junitxml={report}",
         "tests/stacks/test_stacks.py", "tests/stacks/test_urn_snapshot.py", "tests/infra/test_schema.py",
         "tests/test_docs.py::test_the_environments_table_matches_the_stack_files",
         "tests/test_workflows.py::test_the_stacks_are_the_stack_files_dev_first_and_prod_last",
         "-k", "qa or environments_table or stacks_are_the_stack_files"],
        cwd=copy, env=env, capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    cases = {c.get("name") for c in ET.parse(report).getroot().iter("testcase") if c.find("skipped") is None}
    assert {"test_stack_synthesizes_and_passes_its_pack[qa]", "test_no_resource_is_replaced_or_deleted_without_an_alias[qa]",
            "test_every_stack_file_validates_and_names_the_schema[qa]",
            "test_the_environments_table_matches_the_stack_files",
            "test_the_stacks_are_the_stack_files_dev_first_and_prod_last"} <= cases, cases
