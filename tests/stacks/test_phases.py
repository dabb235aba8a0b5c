"""The pull-request gate as it really runs: verdicts at the first preview, in both preflight phases.

``--phase preview`` stands for a first ``pulumi preview`` of a new stack (provider-computed outputs unknown),
``--phase up`` for what each resource's analysis sees during ``pulumi up``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES, REPO, STACKS, preflight_json, run_preflight, scratch_program, shared_program

PROGRAMS = FIXTURES / "programs"


def _mandatory(data: dict[str, Any], phase: str) -> set[tuple[str, str]]:
    return {(v["policy"], v["urn"]) for v in data["violations"]
            if v["enforcement"] == "mandatory" and phase in v["phases"]}


@pytest.mark.e2e
@pytest.mark.parametrize("stack", STACKS)
def test_our_stacks_get_every_verdict_at_the_first_preview(stack: str) -> None:
    code, data, stderr = preflight_json("--stack", stack, "--phase", "both", "--policy-pack-config",
                                        str(REPO / "policies" / "config" / f"{stack}.json"))
    assert code == 0, stderr
    assert data["summary"]["phases"] == ["preview", "up"]
    # No policy stops on an unknown value at preview, but one the real engine cannot decide either: the user
    # data pulumi-eks renders for a self-managed group's launch template embeds the new cluster's endpoint.
    modelled = {r["urn"] for r in data["resources"] if r.get("modelled")}
    assert [(u["policy"], u["urn"] in modelled) for u in data["unchecked"]] == (
        [("aws-ec2-launchtemplate-disallow-secrets-in-user-data", True)] if stack == "prod" else [])
    assert data["summary"]["uncheckedAtPreview"] == len(data["unchecked"])
    assert _mandatory(data, "preview") == _mandatory(data, "up")
    assert all(v["phases"] == ["preview", "up"] for v in data["violations"]), data["violations"]


@pytest.mark.e2e
def test_preview_alone_lists_the_same_mandatory_violations_as_up() -> None:
    config = str(REPO / "policies" / "config" / "prod.json")
    program = str(PROGRAMS / "access-violations")
    _, preview, _ = preflight_json("--program", program, "--phase", "preview", "--policy-pack-config", config)
    _, up, _ = preflight_json("--program", program, "--phase", "up", "--policy-pack-config", config)
    assert preview["unchecked"] == []
    assert _mandatory(preview, "preview") == _mandatory(up, "up")
    assert len(_mandatory(up, "up")) >= 20


@pytest.mark.e2e
def test_a_fault_behind_a_new_resource_is_caught_at_preview() -> None:
    code, data, stderr = preflight_json("--program", str(PROGRAMS / "hidden-at-preview"), "--phase", "preview")
    assert code == 1, stderr
    assert data["unchecked"] == []
    found = {(v["policy"], v["urn"].split("::")[-1]) for v in data["violations"] if v["enforcement"] == "mandatory"}
    # A4 follows the cluster's encryptionConfig to the key; F12 reads the key's own inputs: one fault, two rules.
    assert found == {("aws-eks-cluster-configure-secrets-key-rotation", "still-key"),
                     ("aws-kms-key-enable-key-rotation", "still-key")}, found
    (a4,) = [v for v in data["violations"] if v["policy"] == "aws-eks-cluster-configure-secrets-key-rotation"]
    assert "KMS key 'still-key' encrypting the Secrets of cluster 'new-cluster' does not rotate" in a4["message"]
    assert a4["phases"] == ["preview"]


@pytest.mark.e2e
@pytest.mark.parametrize("program", ["violations", "access-violations", "compute-violations", "hidden-at-preview"])
def test_every_firing_and_silent_fixture_holds_in_both_phases(program: str) -> None:
    code, data, stderr = preflight_json("--program", str(PROGRAMS / program), "--phase", "both",
                                        "--policy-pack-config", str(REPO / "policies" / "config" / "prod.json"))
    assert code == 1, stderr
    assert data["unchecked"] == []
    assert data["summary"]["mandatoryOnlyAtUp"] == 0
    only = [(v["policy"], v["urn"], v["phases"]) for v in data["violations"]
            if v["enforcement"] == "mandatory" and v["phases"] != ["preview", "up"]]
    assert only == [], "each mandatory finding appears in both phases"


PROGRAM_HIDDEN_IN_APPLY = """
import json
import pulumi_aws as aws

bucket = aws.s3.Bucket("data")
aws.iam.Policy("too-wide", policy=bucket.arn.apply(lambda arn: json.dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": arn}]})))
"""


def _program_hidden_in_apply(where: Path) -> None:
    where.mkdir()
    (where / "Pulumi.yaml").write_text("name: applied\nruntime: python\n")
    (where / "Pulumi.dev.yaml").write_text("config:\n  aws:region: us-west-2\n")
    (where / "__main__.py").write_text(PROGRAM_HIDDEN_IN_APPLY)


@pytest.mark.e2e
def test_a_document_rendered_in_an_apply_is_unchecked_at_preview_and_decided_at_up() -> None:
    # Built once and only read: its run in JSON and in text is one shared run (tests/conftest.py).
    program = shared_program("hidden-in-apply", _program_hidden_in_apply)
    code, data, stderr = preflight_json("--program", str(program), "--phase", "both")
    assert code == 1, stderr
    # Both policies that read IAM documents (H5, and M12 looking for a Karpenter controller policy) wait for `up`.
    assert sorted(u["policy"] for u in data["unchecked"]) == ["aws-iam-policy-disallow-admin-wildcards",
                                                               "aws-iam-policy-disallow-unscoped-node-actions"]
    unchecked = next(u for u in data["unchecked"] if u["policy"] == "aws-iam-policy-disallow-admin-wildcards")
    assert unchecked["phase"] == "preview"
    assert unchecked["urn"].endswith("aws:iam/policy:Policy::too-wide")
    assert ".policy is rendered from outputs of resources this stack creates" in unchecked["message"]
    assert "decides it during `pulumi up`" in unchecked["message"]
    (violation,) = [v for v in data["violations"] if v["policy"] == unchecked["policy"]]
    assert violation["phases"] == ["up"] and violation["enforcement"] == "mandatory"
    assert data["summary"]["mandatoryOnlyAtUp"] == 1
    proc = run_preflight("--program", str(program), "--phase", "both")
    assert "caught only by `pulumi up` (1)" in proc.stdout
    assert "not checked at preview (2)" in proc.stdout
    code, data, _ = preflight_json("--program", str(program), "--phase", "preview")
    assert code == 0 and data["violations"] == [], "no verdict is never a violation"


FIRING_PROGRAMS = ["violations", "access-violations", "compute-violations", "node-violations", "hidden-at-preview",
                   "hygiene-violations", "storage-violations", "pod-violations", "network-violations",
                   "workload-violations", "pss-violations", "karpenter-violations"]
#: Compliant twins in those programs, by resource name: silent in both phases.
SILENT = {"logged", "internal", "stale-key-cluster", "private-nodes", "private-fargate", "lean-role", "scanned",
          "rotating-key", "twin-cluster", "tight-lt", "al2023-nodes", "templated-asg", "sealed-root", "sealed-repo",
          "org-pull", "node-volumes", "nodes",
          "hygienic-key", "org-shared-key", "signing-key", "kept-logs", "scoped-egress", "scoped-egress-rule",
          "storage-key", "sealed-ebs", "demoted-gp2", "sealed-volume", "sealed-efs", "scoped-access-point",
          "tls-efs-pv", "sealed-efs-class", "sealed-lustre", "sealed-ontap", "sealed-openzfs", "sealed-windows",
          "sealed-fsx-class",
          "hardened-web", "hardened-report", "hardened-agent",
          "sealed-ns", "sealed-ns-default-deny", "tls-nlb", "tls-alb", "named-secret-reader", "discovery-binding",
          "payments-cert",
          "tidy-web", "tidy-web-pdb", "tidy-web-sa", "tidy-report", "tidy-report-sa", "tidy-config", "tidy-ns",
          "tidy-ns-default-deny", "tidy-apps-ns", "tidy-apps-ns-default-deny",
          "hardened-twin", "engine-twin", "probe-host-twin", "userns-twin", "team-restricted"}


@pytest.fixture(scope="module")
def both_phases() -> dict[str, dict[str, Any]]:
    """Every firing fixture program through preflight --phase both with prod's policy config."""
    runs = {}
    for program in FIRING_PROGRAMS:
        _, data, stderr = preflight_json("--program", str(PROGRAMS / program), "--phase", "both",
                                         "--policy-pack-config", str(REPO / "policies" / "config" / "prod.json"))
        assert data, stderr
        runs[program] = data
    return runs


@pytest.mark.e2e
def test_every_rule_fires_in_both_phases_and_twins_stay_silent(both_phases: dict[str, dict[str, Any]]) -> None:
    pack = {p["name"] for p in next(iter(both_phases.values()))["policyPacks"][0]["policies"]}
    fired: dict[str, set[str]] = {}
    for program, data in both_phases.items():
        assert data["unchecked"] == [], (program, data["unchecked"])
        for v in data["violations"]:
            fired.setdefault(v["policy"], set()).update(v["phases"])
            assert v["urn"].split("::")[-1] not in SILENT, (program, v["policy"], v["urn"])
    assert set(fired) == pack, f"rules without a firing fixture: {sorted(pack - set(fired))}"
    assert {p for p, phases in fired.items() if phases != {"preview", "up"}} == set(), \
        "every rule fires at the first preview and at up"


STATEFUL = {"aws:eks/cluster:Cluster", "aws:kms/key:Key", "aws:cloudwatch/logGroup:LogGroup",
            "aws:ecr/repository:Repository"}


@pytest.mark.e2e
def test_prod_protects_every_stateful_resource_and_keeps_its_logs() -> None:
    # The resources of a --phase both report are its up phase's: this is the run of
    # test_our_stacks_get_every_verdict_at_the_first_preview[prod] (shared).
    code, data, stderr = preflight_json("--stack", "prod", "--phase", "both", "--policy-pack-config",
                                        str(REPO / "policies" / "config" / "prod.json"))
    assert code == 0, stderr
    stateful = [r for r in data["resources"] if r["type"] in STATEFUL]
    assert {r["type"] for r in stateful} == STATEFUL
    assert [r["name"] for r in stateful if not r["protect"]] == []
    assert [r["name"] for r in stateful if r["type"].endswith("LogGroup") and not r["retainOnDelete"]] == []


@pytest.mark.e2e
def test_a_production_policy_config_refuses_dev_s_unprotected_state(tmp_path: Path) -> None:
    import json

    config = json.loads((REPO / "policies" / "config" / "dev.json").read_text())
    config["aws-pulumi-stack-enable-stateful-protection"] = {"enforcementLevel": "mandatory", "production": True}
    (tmp_path / "policy.json").write_text(json.dumps(config))
    code, data, _ = preflight_json("--stack", "dev", "--phase", "both", "--policy-pack-config",
                                   str(tmp_path / "policy.json"))
    assert code == 1
    found = {v["urn"].split("::")[-1]: v for v in data["violations"]
             if v["policy"] == "aws-pulumi-stack-enable-stateful-protection"}
    assert {"dev-cluster", "dev-logs", "dev-flow-logs", "dev-secrets-key"} <= set(found)
    assert all(v["phases"] == ["preview", "up"] for v in found.values())
    assert "is not protected in this production stack" in found["dev-cluster"]["message"]


def _secret_stack(tmp_path: Path, secrets: dict[str, str]) -> Path:
    """dev's program and config, with ``secrets`` stored as passphrase-encrypted secure: values."""
    import yaml

    from tests.preflight.test_project import _encrypter

    scratch_program(tmp_path)
    salt, encrypt = _encrypter("pass")
    stack = yaml.safe_load((REPO / "Pulumi.dev.yaml").read_text())
    stack["encryptionsalt"] = salt
    for key, value in secrets.items():
        stack["config"][f"eks-platform:{key}"] = {"secure": encrypt(value)}  # type: ignore[operator]
    (tmp_path / "Pulumi.sec.yaml").write_text(yaml.safe_dump(stack))
    return tmp_path


@pytest.mark.e2e
def test_secret_config_stays_secret_on_every_resource(tmp_path: Path) -> None:
    program = _secret_stack(tmp_path, {"organizationId": "o-abcdefghij", "publicAccessCidrs": '["203.0.113.0/25"]'})
    proc = run_preflight("--program", str(program), "--stack", "sec", "--format", "json", "--policy-pack-config",
                         str(REPO / "policies" / "config" / "dev.json"), extra_env={"PULUMI_CONFIG_PASSPHRASE": "pass"})
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    by_type: dict[str, list[dict[str, Any]]] = {}
    for r in data["resources"]:
        by_type.setdefault(r["type"], []).append(r)
    (cluster,) = by_type["aws:eks/cluster:Cluster"]
    assert cluster["inputs"]["vpcConfig"]["publicAccessCidrs"] == "[secret]"
    assert {r["inputs"]["policy"] for r in by_type["aws:ecr/repositoryPolicy:RepositoryPolicy"]} == {"[secret]"}
    assert "o-abcdefghij" not in proc.stdout and "203.0.113.0/25" not in proc.stdout
    assert data["unchecked"] == [], "policies still decide on secret values at preview"


@pytest.mark.e2e
def test_a_secret_that_would_leak_into_names_is_refused(tmp_path: Path) -> None:
    program = _secret_stack(tmp_path, {"vpcCidr": "10.10.0.0/16"})
    proc = run_preflight("--program", str(program), "--stack", "sec", extra_env={"PULUMI_CONFIG_PASSPHRASE": "pass"})
    assert proc.returncode == 2
    assert "eks-platform:vpcCidr: stored as a secret (secure:), but it shapes resource names" in proc.stderr


@pytest.mark.e2e
def test_without_the_passphrase_preflight_names_the_secrets_it_cannot_read(tmp_path: Path) -> None:
    program = _secret_stack(tmp_path, {"organizationId": "o-abcdefghij"})
    proc = run_preflight("--program", str(program), "--stack", "sec")
    assert proc.returncode == 2
    first = proc.stderr.split("preflight: error: ", 1)[1].splitlines()[0]
    assert first == ("secret config key(s) eks-platform:organizationId cannot be read offline: set "
                     "PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) to decrypt them, as `pulumi "
                     "preview` would. The program ran with placeholders in their place and failed:")


#: Input properties that are a resource's physical name in AWS when the program sets them.
PHYSICAL_NAMES = ("name", "bucket", "nodeGroupName", "fargateProfileName", "roleName", "functionName", "queueName")


@pytest.mark.e2e
def test_no_two_stacks_claim_the_same_physical_name() -> None:
    """dev, staging and prod can share one account and one region: every AWS name they set is their own."""
    claimed: dict[tuple[str, str], str] = {}
    for stack in STACKS:
        code, data, stderr = preflight_json("--stack", stack, "--phase", "up", "--no-policy-pack")
        assert code == 0, stderr
        for r in data["resources"]:
            if not r["custom"] or not r["type"].startswith("aws:"):
                continue  # Kubernetes objects live in each environment's own cluster
            for prop in PHYSICAL_NAMES:
                name = r["inputs"].get(prop)
                if isinstance(name, str):
                    other = claimed.setdefault((r["type"], name), stack)
                    assert other == stack, f"{r['type']} '{name}' is claimed by {other} and {stack}"
    assert ("aws:ecr/repository:Repository", "staging/payments/api") in claimed
    assert ("aws:eks/cluster:Cluster", "eks-prod") in claimed
