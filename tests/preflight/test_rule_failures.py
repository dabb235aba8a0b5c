"""preflight shows a rule that raised as a violation of that rule (naming the resource and the error) next to
every other verdict, in text, JSON and markdown, in both phases, and ends with exit 1, not 2."""

from __future__ import annotations

import json

import pytest

from tests.conftest import FIXTURES, run_preflight

ARGS = ("--program", str(FIXTURES / "programs" / "minimal"), "--policy-pack", str(FIXTURES / "packs" / "raising"),
        "--phase", "both")
SG_FAILURE = ("the rule uid-is-numeric failed on urn:pulumi:dev::minimal::aws:ec2/securityGroup:SecurityGroup::web "
              "and could not judge it: ValueError: invalid literal for int() with base 10: 'web'.")
STACK_FAILURE = "the rule stack-raises failed on the stack and could not judge it: KeyError: 'missing-key'."


def test_json_has_the_failure_as_a_violation_and_every_other_verdict() -> None:
    proc = run_preflight(*ARGS, "--format", "json")
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    violations = json.loads(proc.stdout)["violations"]
    found = {(v["policy"], v["urn"].rsplit("::", 1)[-1], v["message"].splitlines()[-1].split(" This is")[0],
              v["enforcement"], tuple(v["phases"])) for v in violations}
    both = ("preview", "up")
    assert found == {
        ("uid-is-numeric", "web", SG_FAILURE, "mandatory", both),
        ("uid-is-numeric", "net", "vpc 'net' judged", "mandatory", both),
        ("no-world-ingress", "web", "security group 'web' allows ingress from 0.0.0.0/0", "advisory", both),
        ("stack-counts", "minimal-dev", "7 resources", "advisory", both),
        ("stack-raises", "minimal-dev", "found before the defect", "advisory", both),
        ("stack-raises", "minimal-dev", STACK_FAILURE, "advisory", both),
    }


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_text_and_markdown_show_the_failure_naming_rule_resource_and_error(fmt: str) -> None:
    proc = run_preflight(*ARGS, "--format", fmt)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert SG_FAILURE in proc.stdout and STACK_FAILURE in proc.stdout
    assert "security group 'web' allows ingress from 0.0.0.0/0" in proc.stdout
