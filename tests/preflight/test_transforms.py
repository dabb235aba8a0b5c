"""Transforms run as the engine runs them: a resource's own, its ancestors', then the stack's.

Engine: pulumi/pulumi ``pkg/resource/deploy/source_eval.go`` (``RegisterResource`` collects the request's
transforms, then each parent's saved ones up the chain, then ``stackTransforms``, and calls each callback in
turn). The SDK sends transforms as callbacks and never applies them itself, so a preview that ignored them
would analyze inputs no deployment ever sees.
"""

from __future__ import annotations

import pytest

from tests.conftest import FIXTURES, preflight_json

PROGRAM = FIXTURES / "programs" / "transforms"


@pytest.fixture(scope="module")
def report() -> dict:
    code, data, err = preflight_json("--program", str(PROGRAM), "--stack", "dev")
    assert code == 1, err  # the untransformed launch template still allows IMDSv1
    return data


def _inputs(report: dict, name: str) -> dict:
    return next(r["inputs"] for r in report["resources"] if r["urn"].endswith(f"::{name}"))


def test_a_component_transform_reaches_its_children(report: dict) -> None:
    assert _inputs(report, "hardened-lt")["metadataOptions"] == {"httpTokens": "required", "httpPutResponseHopLimit": 1}
    assert "metadataOptions" not in _inputs(report, "plain-lt")


def test_stack_transforms_run_on_every_resource_after_the_resource_s_own(report: dict) -> None:
    for name in ("logs", "hardened-lt", "plain-lt"):
        assert _inputs(report, name)["tags"] == {"owner": "platform"}


def test_a_transform_may_change_options(report: dict) -> None:
    logs = next(r for r in report["resources"] if r["urn"].endswith("::logs"))
    assert logs["protect"] is True


def test_the_pack_analyzes_the_transformed_inputs_in_both_phases(report: dict) -> None:
    imds = {v["urn"].rsplit("::", 1)[1]: v["phases"] for v in report["violations"]
            if v["policy"] == "aws-ec2-launchtemplate-enforce-imdsv2"}
    assert imds == {"plain-lt": ["preview", "up"]}


def test_a_failing_transform_is_the_program_s_error_without_preflight_s_traceback(tmp_path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: failing\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  aws:region: us-west-2\n")
    (tmp_path / "__main__.py").write_text(
        "import pulumi, pulumi_aws as aws\n"
        "def refuse(args):\n    raise ValueError('tags are set by the platform team')\n"
        "aws.s3.BucketV2('logs', opts=pulumi.ResourceOptions(transforms=[refuse]))\n")
    code, _, err = preflight_json("--program", str(tmp_path), "--stack", "dev", "--phase", "up")
    assert code == 2
    assert "a transform of aws:s3/bucketV2:BucketV2 'logs' failed: tags are set by the platform team" in err
    assert "preflight/" not in err and "Invoke callback" not in err
