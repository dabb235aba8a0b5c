"""One fixture per cause that ended preflight on public programs (issue 18), each run in both phases.

Every fixture runs with ``--phase both`` and exits 0 or 1 (never 2), gives the findings a real preview gives,
and prints the same bytes twice (under two hash seeds, so set and dict ordering cannot leak into the report).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from preflight.cli import FORMATS
from tests.conftest import (
    FIXTURES,
    REPO,
    preflight_reports,
    program_in_its_own_virtualenv,
    run_preflight,
    shared_program,
)
from tests.stacks.test_phases import FIRING_PROGRAMS

PROGRAMS = FIXTURES / "programs"


def _twice(program: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    """Run preflight twice with different hash seeds; assert identical bytes; return (code, JSON, stderr).

    Two processes (each seed is a run of its own), shared with the other tests of the program that ask for the
    same seed: the determinism test below asks for both."""
    first = run_preflight("--program", str(program), "--format", "json", *args, extra_env={"PYTHONHASHSEED": "0"})
    second = run_preflight("--program", str(program), "--format", "json", *args,
                           extra_env={"PYTHONHASHSEED": "31337"})
    assert first.returncode in (0, 1), first.stderr
    assert first.stdout == second.stdout and first.returncode == second.returncode
    return first.returncode, json.loads(first.stdout), first.stderr


def _findings(data: dict[str, Any]) -> set[tuple[str, str, tuple[str, ...]]]:
    return {(v["policy"], v["urn"].split("::")[-1], tuple(v["phases"])) for v in data["violations"]}


def _warnings(data: dict[str, Any]) -> list[str]:
    return [d["message"] for d in data["diagnostics"] if d["severity"] == "warning"]


@pytest.mark.e2e
def test_kubernetes_metadata_and_load_balancer_status_are_filled_in_up() -> None:
    code, data, _ = _twice(PROGRAMS / "real-world-k8s-outputs")
    assert code == 1
    out = data["outputs"]
    assert out["name"].startswith("web-") and len(out["name"]) == len("web-") + 8, "auto-named as pulumi-kubernetes"
    assert out["tier"] == "frontend" and out["namespace"] == "DEFAULT"
    assert len(out["uid"]) == 8
    assert out["url"].startswith("http://a") and out["url"].endswith(".us-west-2.elb.amazonaws.com")
    assert out["clusterIp"].startswith("10.100.")
    findings = _findings(data)
    assert ("kubernetes-loadbalancer-disallow-public-access", "web", ("preview", "up")) in findings
    assert ("kubernetes-pod-configure-resources", "web", ("preview", "up")) in findings
    assert ("kubernetes-workload-disallow-default-namespace", "web", ("preview", "up")) in findings


@pytest.mark.e2e
def test_kubernetes_outputs_stay_unknown_in_preview() -> None:
    proc = run_preflight("--program", str(PROGRAMS / "real-world-k8s-outputs"), "--phase", "preview", "--format",
                         "json")
    assert proc.returncode == 1, proc.stderr
    assert set(json.loads(proc.stdout)["outputs"].values()) == {"[unknown]"}


@pytest.mark.e2e
def test_pulumi_eks_component_outputs_and_get_kubeconfig() -> None:
    code, data, _ = _twice(PROGRAMS / "real-world-eks-component")
    assert code == 1
    out = data["outputs"]
    assert out["clusterName"].startswith("apps-eksCluster-")
    modelled = next(r for r in data["resources"] if r["type"] == "aws:eks/cluster:Cluster")
    assert modelled["outputs"]["name"] == out["clusterName"], "the component's outputs come from the modelled child"
    assert out["endpoint"] == modelled["outputs"]["endpoint"]
    assert out["vpcId"].startswith("vpc-0") and out["roleName"] == "apps"
    assert out["oidcIssuer"] == "oidc.eks.us-west-2.amazonaws.com" and out["kubeconfigUser"] == "aws"
    findings = _findings(data)
    # The IRSA trust policy is built from the OIDC provider's outputs: judged in up only, as in a real run.
    assert ("aws-iam-role-configure-irsa-trust-scope", "reader", ("up",)) in findings
    assert ("aws-eks-cluster-enable-secrets-encryption", "apps-eksCluster", ("preview", "up")) in findings
    assert not [w for w in _warnings(data) if "getKubeconfig" in w], "the method is answered, not unknown"


@pytest.mark.e2e
def test_a_program_imports_its_own_infra_package() -> None:
    code, data, _ = _twice(PROGRAMS / "real-world-own-infra")
    assert code == 1
    assert data["outputs"]["subnetCount"] == 2 and data["outputs"]["vpcId"].startswith("vpc-0")
    assert _findings(data) == {("aws-ec2-vpc-enable-flow-logs", "platform", ("preview", "up"))}


@pytest.mark.e2e
def test_invokes_without_an_offline_answer_are_named_and_never_end_the_run() -> None:
    code, data, _ = _twice(PROGRAMS / "real-world-invokes")
    assert code == 1
    named = _warnings(data)
    for token in ("aws:ec2/getVpc:getVpc", "aws:ec2/getSubnets:getSubnets", "aws:route53/getZone:getZone"):
        assert any(w.startswith(f"invoke {token}: no answer offline") and "stand-in" in w for w in named), token
    assert data["outputs"]["vpcCidr"] == "[unknown]", "the Output form stays unknown"
    record = next(r for r in data["resources"] if r["type"] == "aws:route53/record:Record")
    assert record["inputs"]["name"].startswith("www.")
    findings = _findings(data)
    assert ("aws-ec2-securitygroup-disallow-public-internet-ingress", "web", ("preview", "up")) in findings


@pytest.mark.e2e
def test_stack_reference_outputs_are_unknown_in_both_phases() -> None:
    code, data, _ = _twice(PROGRAMS / "real-world-stack-reference")
    assert code == 0
    assert data["outputs"] == {"vpc": "[unknown]", "firstSubnet": "[unknown]"}
    assert _warnings(data) == [
        "stack reference acme/network/dev: no answer offline (another stack's outputs need its backend); its outputs "
        "were unknown, as in a preview that cannot read them",
        "up phase: the program ran as in a preview (unknown values kept), as the stack reference above has no "
        "outputs offline"]
    assert _findings(data) == {("aws-ec2-securitygroup-missing-description", "db", ("preview", "up"))}


@pytest.mark.e2e
def test_stack_reference_in_the_up_phase_alone_runs_again_as_in_a_preview() -> None:
    """``--phase up``: nothing runs before to say a stack reference is there; the failed run is run again
    as in a preview, in a fresh process, judged by a fresh pack: the same verdicts as ``--phase both``'s up."""
    code, data, _ = _twice(PROGRAMS / "real-world-stack-reference", "--phase", "up")
    assert code == 0
    assert data["outputs"] == {"vpc": "[unknown]", "firstSubnet": "[unknown]"}
    assert "up phase: the program ran as in a preview (unknown values kept), as the stack reference above has no " \
           "outputs offline" in _warnings(data)
    assert _findings(data) == {("aws-ec2-securitygroup-missing-description", "db", ("up",))}


@pytest.mark.e2e
def test_a_program_runs_in_the_virtualenv_its_project_names() -> None:
    # Built once for the session (only read): its runs are shared with test_concurrent_phases.py's of it.
    program = shared_program("real-world-virtualenv", program_in_its_own_virtualenv)
    code, data, _ = _twice(program)
    assert code in (0, 1)
    assert Path(data["outputs"]["prefix"]).resolve() == (program / "venv").resolve()
    assert data["outputs"]["preflightVisible"] is False and data["outputs"]["componentsVisible"] is False
    assert data["outputs"]["bucket"].startswith("artifacts")


@pytest.mark.e2e
def test_a_missing_virtualenv_is_one_clear_error(tmp_path: Path) -> None:
    program = tmp_path / "app"
    shutil.copytree(PROGRAMS / "real-world-virtualenv", program)
    proc = run_preflight("--program", str(program))
    assert proc.returncode == 2 and proc.stdout == ""
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith(f"preflight: error: Pulumi.yaml names the virtualenv {program / 'venv'} "
                           "(runtime.options.virtualenv), which does not exist")
    assert "python -m venv" in line and "Traceback" not in proc.stderr


ALL = sorted(p.name for p in PROGRAMS.iterdir() if (p / "Pulumi.yaml").is_file() and p.name != "real-world-virtualenv")


PROD = ("--policy-pack-config", str(REPO / "policies" / "config" / "prod.json"))
#: The options the other tests of a fixture run it with, so that a run of it here is theirs (a shared run is keyed
#: by its options): prod's policy config for the programs every rule fires in (tests/stacks/test_phases.py) and for
#: those held to prod's pack (tests/stacks/test_storage_program.py, test_node_provisioning.py); the stack the tests
#: of a program name, or pick among several stack files (test_aws_native.py, test_upgrade.py).
USUAL_OPTIONS: dict[str, tuple[str, ...]] = {
    **{name: PROD for name in FIRING_PROGRAMS}, "storage": PROD, "karpenter-clean": PROD,
    "auto-mode": ("--stack", "dev"), "transforms": ("--stack", "dev"),
    "aws-native": ("--stack", "dev", "--policy-pack-config", str(PROGRAMS / "aws-native" / "policy-config.json")),
    "upgrade-cases": ("--stack", "pdb", "--no-policy-pack", "--phase", "up", "--upgrade-to", "1.36"),
}


def usual_options(fixture: str) -> tuple[str, ...]:
    """The options the other tests of ``fixture`` run it with (:data:`USUAL_OPTIONS`), else none."""
    return USUAL_OPTIONS.get(fixture, ())


@pytest.mark.e2e
@pytest.mark.parametrize("fixture", ALL)
def test_every_fixture_prints_the_same_bytes_under_two_hash_seeds(fixture: str) -> None:
    """Determinism (issue 18 point 6): every format, stack-level findings included, whatever the threads and hash
    seeds do."""
    # A process per seed (a shared run is keyed by its environment too), each writing every format (--report) and
    # shared with the tests of the fixture that ask for the same seed and options, in any format.
    args = ("--program", str(PROGRAMS / fixture), *usual_options(fixture))
    first, reports = preflight_reports(*args, extra_env={"PYTHONHASHSEED": "0"})
    second, again = preflight_reports(*args, extra_env={"PYTHONHASHSEED": "31337"})
    assert first.returncode == second.returncode and first.stdout == second.stdout
    assert sorted(reports) == (sorted(FORMATS) if first.returncode in (0, 1) else []), first.stderr[-3000:]
    for fmt in reports:
        assert again[fmt] == reports[fmt], f"--format {fmt} differs under another hash seed"
    if first.returncode == 2:
        assert first.stderr == second.stderr, "the same error message on every run"
