"""aws-native resources are judged by the rules of their pulumi-aws equivalents, in both phases: the issue's
cluster (public endpoint open to the world, no Secrets encryption, no logs, CONFIG_MAP) gets the same findings as
the same cluster declared with pulumi-aws, and the hardened variants of both are silent."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest

from tests.conftest import FIXTURES, run_preflight

PROGRAM = FIXTURES / "programs" / "aws-native"
CLUSTER_FINDINGS = {
    "aws-eks-cluster-disallow-api-endpoint-public-access", "aws-eks-cluster-configure-public-access-cidrs",
    "aws-eks-cluster-enable-secrets-encryption", "aws-eks-cluster-enable-control-plane-logging",
    "aws-eks-cluster-enforce-access-entry-api", "aws-eks-cluster-disable-creator-admin",
}


@cache
def _run(stack: str) -> tuple[int, dict[str, Any], str]:
    proc = run_preflight("--program", str(PROGRAM), "--stack", stack, "--policy-pack", str(FIXTURES.parent.parent /
                         "policies"), "--policy-pack-config", str(PROGRAM / "policy-config.json"), "--phase", "both",
                         "--format", "json")
    return proc.returncode, json.loads(proc.stdout) if proc.stdout.strip() else {}, proc.stderr


def _findings(stack: str, type_token: str | None = None) -> set[tuple[str, str, tuple[str, ...]]]:
    code, data, stderr = _run(stack)
    assert code in (0, 1), stderr
    return {(v["policy"], v["urn"].split("::")[-2], tuple(v["phases"])) for v in data["violations"]
            if type_token is None or v["urn"].split("::")[-2] == type_token}


def test_the_native_cluster_gets_the_findings_of_the_same_pulumi_aws_cluster_in_both_phases() -> None:
    native = {(p, phases) for p, _t, phases in _findings("dev", "aws-native:eks:Cluster")}
    classic = {(p, phases) for p, _t, phases in _findings("classic", "aws:eks/cluster:Cluster")}
    assert native == classic == {(p, ("preview", "up")) for p in CLUSTER_FINDINGS}


def test_every_covered_native_type_is_judged_in_both_phases() -> None:
    both = ("preview", "up")
    assert _findings("dev") - {(p, "aws-native:eks:Cluster", both) for p in CLUSTER_FINDINGS} == {
        ("aws-kms-key-disallow-public-policy", "aws-native:kms:Key", both),
        ("aws-kms-key-enable-key-rotation", "aws-native:kms:Key", both),
        ("aws-kms-key-missing-description", "aws-native:kms:Key", both),
        ("aws-ec2-securitygroup-disallow-public-internet-ingress", "aws-native:ec2:SecurityGroup", both),
        ("aws-ec2-launchtemplate-enforce-imdsv2", "aws-native:ec2:LaunchTemplate", both),
        ("aws-ec2-launchtemplate-enable-volume-encryption", "aws-native:ec2:LaunchTemplate", both),
        ("aws-eks-nodegroup-disallow-ssh", "aws-native:eks:Nodegroup", both),
        ("aws-eks-nodegroup-enable-node-repair", "aws-native:eks:Nodegroup", both),
        ("aws-eks-accessentry-disallow-iam-users", "aws-native:eks:AccessEntry", both),
        ("aws-eks-accessentry-disallow-system-masters", "aws-native:eks:AccessEntry", both),
    }


@pytest.mark.parametrize("stack", ["hardened", "classic-hardened"])
def test_the_hardened_variants_are_silent(stack: str) -> None:
    code, data, stderr = _run(stack)
    assert (code, data["violations"], data["unchecked"]) == (0, [], []), stderr
