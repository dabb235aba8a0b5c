"""PREFLIGHT_PROFILE (make bench): the pack's time per call and per policy, written by preflight/_profile.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, run_preflight


@pytest.mark.parametrize("phase", ["preview", "up"])
def test_the_profile_times_every_call_and_policy_of_the_pack_the_run_used(tmp_path: Path, phase: str) -> None:
    """One file per pack, written after its AnalyzeStack: the calls the run made, the stack call's CPU, and the
    policies that ran, stack policies included (the pack replaces AnalyzeStack on import; the profile must time
    the pack's own)."""
    proc = run_preflight("--program", str(FIXTURES / "programs" / "violations"), "--phase", phase,
                         extra_env={"PREFLIGHT_PROFILE": str(tmp_path)}, fresh=True)
    assert proc.returncode == 1, proc.stderr
    [written] = list(tmp_path.glob("pack-*.json"))
    profile = json.loads(written.read_text())
    assert profile["dry_run"] == ("true" if phase == "preview" else "false")
    assert profile["analyze_calls"] >= 6 and profile["analyze_cpu"] > 0 and profile["stack_cpu"] > 0
    assert "aws-ec2-securitygroup-disallow-public-internet-ingress" in profile["policies"]
    assert "aws-ec2-vpc-enable-flow-logs" in profile["policies"], "the stack policies ran under the profile"
