"""preflight end to end: a real program, the policy pack in its own process over gRPC, exit codes, output."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from preflight.phases import SEQUENTIAL_ENV
from tests.conftest import FIXTURES, link_virtualenv, preflight_json, run_preflight

pytestmark = pytest.mark.e2e

MINIMAL = FIXTURES / "programs" / "minimal"
KINDS = FIXTURES / "programs" / "kinds"
PACKS = FIXTURES / "packs"
STACK_URN = "urn:pulumi:dev::minimal::pulumi:pulumi:Stack::minimal-dev"


def _urn(token: str, name: str, project: str = "minimal") -> str:
    return f"urn:pulumi:dev::{project}::{token}::{name}"


@pytest.fixture(scope="module")
def minimal_run() -> tuple[int, dict, str]:  # type: ignore[type-arg]
    return preflight_json("--program", str(MINIMAL), "--policy-pack", str(PACKS / "minimal"))


def test_json_shape_and_mandatory_violation_exit_1(minimal_run) -> None:  # type: ignore[no-untyped-def]
    code, data, _ = minimal_run
    assert code == 1
    assert set(data) >= {"stack", "resources", "violations", "manifestErrors", "summary"}
    assert data["stack"] == "dev" and data["project"] == "minimal"
    (violation,) = [v for v in data["violations"] if v["enforcement"] == "mandatory"]
    assert violation["policy"] == "no-world-ingress"
    assert violation["urn"] == _urn("aws:ec2/securityGroup:SecurityGroup", "web")
    assert violation["message"].endswith("security group 'web' allows ingress from 0.0.0.0/0")
    assert data["summary"]["mandatoryViolations"] == 1 and data["summary"]["result"] == "fail"
    for r in data["resources"]:
        assert set(r) >= {"urn", "type", "name", "parent", "custom", "protect", "inputs"}


def test_records_options_dependencies_and_providers(minimal_run) -> None:  # type: ignore[no-untyped-def]
    _, data, _ = minimal_run
    by_name = {r["name"]: r for r in data["resources"]}
    bucket, sg, vpc = by_name["data"], by_name["web"], by_name["net"]
    assert bucket["protect"] is True and bucket["retainOnDelete"] is True
    assert sg["ignoreChanges"] == ["tags"] and sg["deleteBeforeReplace"] is True
    assert bucket["urn"] in sg["dependencies"] and vpc["urn"] in sg["dependencies"]
    assert sg["propertyDependencies"] == {"vpcId": [vpc["urn"]]}
    assert sg["inputs"]["vpcId"] == vpc["id"] and vpc["id"].startswith("vpc-0")
    assert sg["parent"] == STACK_URN and sg["custom"] is True
    assert sg["provider"].startswith("urn:pulumi:dev::minimal::pulumi:providers:aws::default_")
    provider = by_name[sg["provider"].split("::")[-2]]
    assert provider["inputs"]["region"] == "eu-west-1"
    assert bucket["outputs"]["arn"].startswith("arn:aws:s3:::demo")


def test_stack_outputs_secrets_and_mock_identity(minimal_run) -> None:  # type: ignore[no-untyped-def]
    _, data, stderr = minimal_run
    assert data["outputs"]["account"] == "123456789012"
    assert data["outputs"]["api_key"] == "[secret]"
    assert "hello from the program" in stderr, "program output goes to stderr; stdout is only the report"
    cm = next(r for r in data["resources"] if r["name"] == "settings")
    assert cm["inputs"]["data"]["zones"] == "eu-west-1a,eu-west-1b,eu-west-1c"


def test_text_output_tree_grouped_violations_and_summary() -> None:
    proc = run_preflight("--program", str(MINIMAL), "--policy-pack", str(PACKS / "minimal"))
    assert proc.returncode == 1
    out = proc.stdout
    assert "pulumi:pulumi:Stack" in out and "├─ aws:ec2:SecurityGroup" in out
    assert "aws:s3:Bucket" in out and "protected, retained on delete" in out
    assert "mandatory (1):" in out
    assert "- [mandatory]  no-world-ingress  (aws:ec2:SecurityGroup: web)" in out
    assert out.rstrip().splitlines()[-1].startswith("Summary: 7 resources")
    assert out.rstrip().endswith("result: FAIL")


def test_deterministic_and_clean_exit(minimal_run) -> None:  # type: ignore[no-untyped-def]
    _, first, stderr = minimal_run
    _, second, stderr2 = preflight_json("--program", str(MINIMAL), "--policy-pack", str(PACKS / "minimal"), fresh=True)
    assert first == second
    for text in (stderr, stderr2):
        for noise in ("Traceback", "Exception ignored", "Task was destroyed", "Event loop is closed"):
            assert noise not in text


def test_any_program_dir_outside_this_repo(tmp_path: Path) -> None:
    program = tmp_path / "elsewhere"
    shutil.copytree(MINIMAL, program)
    pack = tmp_path / "pack"
    shutil.copytree(PACKS / "minimal", pack)
    config = tmp_path / "policy.json"
    config.write_text(json.dumps({"no-world-ingress": "advisory"}))
    code, data, _ = preflight_json("--program", str(program), "--policy-pack", str(pack),
                                   "--policy-pack-config", str(config))
    assert code == 0, "the only mandatory violation was lowered to advisory by the policy config"
    assert [v["enforcement"] for v in data["violations"] if v["policy"] == "no-world-ingress"] == ["advisory"]


@pytest.mark.parametrize("phase", ["preview", "up"])
def test_a_pack_that_names_its_virtualenv_runs_in_it(tmp_path: Path, phase: str) -> None:
    """``pulumi policy new`` packs name a virtualenv and a toolchain in PulumiPolicy.yaml. The language host runs
    the pack with that virtualenv's Python and does not pass the options as arguments (pulumi.policy's own
    argument parser refuses them)."""
    pack = tmp_path / "pack"
    shutil.copytree(PACKS / "minimal", pack)
    spec = pack / "PulumiPolicy.yaml"
    spec.write_text(spec.read_text().replace("runtime: python",
                                             "runtime:\n  name: python\n  options:\n    toolchain: pip\n"
                                             "    virtualenv: venv"))
    link_virtualenv(pack, "venv")
    code, data, stderr = preflight_json("--program", str(MINIMAL), "--policy-pack", str(pack), "--phase", phase)
    assert code == 1, stderr
    assert "no-world-ingress" in {v["policy"] for v in data["violations"]}

    (pack / "venv").unlink()  # a fresh clone: the virtualenv is not in the repository
    proc = run_preflight("--program", str(MINIMAL), "--policy-pack", str(pack), "--phase", phase)
    assert proc.returncode == 2
    assert proc.stderr.count("error") == 1, proc.stderr
    assert f"{spec} names the virtualenv venv" in proc.stderr and "python -m venv" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(("phase", "dry_run"), [("preview", "true"), ("up", "false")])
def test_policy_protocol_as_the_cli_drives_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, phase: str,
                                              dry_run: str) -> None:
    log = tmp_path / "calls.jsonl"
    monkeypatch.setenv("PREFLIGHT_RECORDER_LOG", str(log))
    config = tmp_path / "policy.json"
    config.write_text(json.dumps({"record-analyze": {"threshold": 9}}))
    code, data, _ = preflight_json("--program", str(MINIMAL), "--policy-pack", str(PACKS / "recorder"),
                                   "--policy-pack-config", str(config), "--phase", phase)
    assert code == 0
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    analyzed = [c for c in calls if c["call"] == "Analyze"]
    stacked = [c for c in calls if c["call"] == "AnalyzeStack"]
    urns = {r["urn"] for r in data["resources"]}
    assert sorted(c["urn"] for c in analyzed) == sorted(urns), "one Analyze per resource, providers included"
    assert sorted(c["urn"] for c in stacked) == sorted(urns), "AnalyzeStack sees every resource once"
    sg = next(c for c in analyzed if c["name"] == "web")
    assert sg["config"] == {"threshold": 9, "label": "schema-default"}, "schema defaults + policy config file"
    assert sg["parent"] == STACK_URN and sg["ignoreChanges"] == ["tags"] and sg["deleteBeforeReplace"] is True
    assert sg["provider"].startswith("urn:pulumi:dev::minimal::pulumi:providers:aws::")
    assert sg["providerProps"]["region"] == "eu-west-1"
    assert sg["env"] == {"PULUMI_PROJECT": "minimal", "PULUMI_STACK": "dev", "PULUMI_DRY_RUN": dry_run}
    sg_stack = next(c for c in stacked if c["urn"].endswith("::web"))
    assert sg_stack["parent"] == STACK_URN
    assert sg_stack["propertyDependencies"]["vpcId"] == [_urn("aws:ec2/vpc:Vpc", "net")]
    if phase == "up":
        assert sg_stack["props"]["vpcId"].startswith("vpc-0"), "stack policies see outputs"
    else:
        assert sg_stack["props"]["vpcId"] == "<unknown>", "a new VPC's ID is unknown at the first preview"
        assert sg_stack["props"]["description"] == "web", "inputs are known at preview"
    findings = {v["policy"]: v for v in data["violations"]}
    assert findings["record-analyze"]["urn"] == _urn("aws:s3/bucket:Bucket", "data")
    assert findings["record-stack"]["urn"] == STACK_URN, "stack findings without a URN are attributed to the stack"
    assert findings["record-stack"]["policyPackVersion"] == "1.2.3"
    assert data["policyPacks"][0]["policies"] == [
        {"name": "record-analyze", "kind": "resource", "enforcement": "advisory"},
        {"name": "record-stack", "kind": "stack", "enforcement": "advisory"}]


def test_invalid_manifest_exits_1_and_remote_components_are_named() -> None:
    code, data, _ = preflight_json("--program", str(KINDS), "--no-policy-pack")
    assert code == 1
    assert data["summary"]["kubernetesVersion"] == "1.34", "taken from the stack's kubernetesVersion config"
    assert data["summary"]["manifestsChecked"] == 3, "two of the program's, and pulumi-eks' aws-auth ConfigMap"
    bad = _urn("kinds:index:App$kubernetes:apps/v1:Deployment", "shop-bad", "kinds")
    assert bad == "urn:pulumi:dev::kinds::kinds:index:App$kubernetes:apps/v1:Deployment::shop-bad"
    assert {(e["urn"], e["path"]) for e in data["manifestErrors"]} == {
        (bad, "spec.replicas"), (bad, "spec.template.spec.containers.0")}
    assert any("imagePullPolcy" in e["message"] for e in data["manifestErrors"])
    unseen = {n["type"]: n["reason"] for n in data["notVisible"]}
    assert "pulumi-eks remote component: preflight models the children" in unseen["eks:index:Cluster"]
    assert "no OpenAPI schema" in unseen["kubernetes:example.com/v1:Widget"]
    assert "kubernetes:core/v1:ConfigMapPatch" in unseen
    app = next(r for r in data["resources"] if r["type"] == "kinds:index:App")
    assert app["custom"] is False and app["inputs"] == {"replicas": 2} and app["outputs"] == {"name": "shop"}


@pytest.mark.parametrize(("args", "fragment"), [
    (["--program", str(FIXTURES / "programs" / "failing"), "--no-policy-pack"],
     "the program raised ZeroDivisionError: division by zero\n  at __main__.py:6"),
    (["--program", str(MINIMAL), "--policy-pack", str(PACKS / "broken")], "failed to start"),
    (["--program", str(MINIMAL), "--stack", "nope"], "no stack file Pulumi.nope.yaml"),
    (["--program", str(FIXTURES)], "no Pulumi.yaml"),
])
def test_exit_2_with_one_clear_message(args: list[str], fragment: str) -> None:
    proc = run_preflight(*args)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("preflight: error:") == 1
    assert fragment in proc.stderr
    if "broken" not in " ".join(args):
        assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(("content", "fragment"), [
    ("{not json", "is not valid JSON"),
    # Engine parity, pkg/resource/analyzer/config.go (parsePolicyPackConfig, extractEnforcementLevel): levels
    # must be valid strings; "", null and numbers are errors there too.
    ('{"no-world-ingress": "sometimes"}', 'parsing enforcement level for "no-world-ingress": "sometimes" is not a '
                                          'valid enforcement level'),
    ('{"no-world-ingress": ""}', 'parsing enforcement level for "no-world-ingress": "" is not a valid enforcement level'),
    ('{"no-world-ingress": null}', 'parsing "no-world-ingress": null is not a valid value; must be a string or object'),
    ('{"no-world-ingress": 3}', 'parsing "no-world-ingress": 3 is not a valid value; must be a string or object'),
    ('{"no-world-ingress": {"enforcementLevel": null}}', 'null is not a valid enforcement level; must be a string'),
    ('{"no-world-ingress": {"enforcementLevel": 3}}', '3 is not a valid enforcement level; must be a string'),
    ('{"no-world-ingress": {"enforcementLevel": ""}}', '"" is not a valid enforcement level'),
    # Deliberately stricter than the CLI, which passes these on silently: a misspelt name or property is a
    # rule the reviewer believes is configured.
    ('{"no-world-ingres": "mandatory"}', "unknown policy no-world-ingres (the pack has: "),
    ('{"buckets-tagged": {"requiredTag": ["team"]}}', "buckets-tagged: unknown property requiredTag (known: "),
    ('{"buckets-tagged": {"requiredTags": "team"}}', "buckets-tagged: requiredTags: 'team' is not of type 'array'"),
])
def test_bad_policy_config_exits_2(tmp_path: Path, content: str, fragment: str) -> None:
    """Each message names the policy; no traceback."""
    config = tmp_path / "policy.json"
    config.write_text(content)
    proc = run_preflight("--program", str(MINIMAL), "--policy-pack", str(PACKS / "minimal"),
                         "--policy-pack-config", str(config))
    assert proc.returncode == 2, proc.stderr
    assert fragment in proc.stderr and "Traceback" not in proc.stderr


def test_a_policy_config_entry_without_a_level_keeps_the_policy_default(tmp_path: Path) -> None:
    """Engine parity: an object without enforcementLevel only sets properties (config.go, applyConfig)."""
    config = tmp_path / "policy.json"
    config.write_text('{"buckets-tagged": {"requiredTags": ["team"]}}')
    _, data, stderr = preflight_json("--program", str(MINIMAL), "--policy-pack", str(PACKS / "minimal"),
                                     "--policy-pack-config", str(config))
    _, default, _ = preflight_json("--program", str(MINIMAL), "--policy-pack", str(PACKS / "minimal"))
    level = {p["name"]: p["enforcement"] for p in data["policyPacks"][0]["policies"]}
    assert level == {p["name"]: p["enforcement"] for p in default["policyPacks"][0]["policies"]}, stderr


@pytest.mark.parametrize(("pack", "at_once", "interval"), [
    ((), False, 0.0005), (("--no-policy-pack",), False, 0.005), (("--no-policy-pack",), True, 0.005)])
def test_the_interpreter_switches_threads_more_often_only_to_stream_to_a_pack(
        tmp_path: Path, pack: tuple[str, ...], at_once: bool, interval: float) -> None:
    """A 0.5 ms switch interval lets the thread streaming to the pack keep pace with the program; with no pack it
    only slows the program (the SDK's threads hand the interpreter over ten times as often), so it stays 5 ms."""
    (tmp_path / "Pulumi.yaml").write_text("name: switchprobe\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  aws:region: eu-west-1\n")
    (tmp_path / "__main__.py").write_text("import sys\nimport pulumi\npulumi.export('interval', sys.getswitchinterval())\n")
    proc = run_preflight("--program", str(tmp_path), *pack, "--format", "json", "--phase", "both",
                         extra_env={SEQUENTIAL_ENV: ""} if at_once else None)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["outputs"] == {"interval": interval}


def test_the_program_runs_with_the_cyclic_collector_paused_and_it_is_restored(tmp_path: Path) -> None:
    import gc

    from preflight.runner import _collector_paused

    (tmp_path / "Pulumi.yaml").write_text("name: gcprobe\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  aws:region: eu-west-1\n")
    (tmp_path / "__main__.py").write_text("import gc\nimport pulumi\npulumi.export('collecting', gc.isenabled())\n")
    code, data, stderr = preflight_json("--program", str(tmp_path), "--no-policy-pack")
    assert code == 0, stderr
    assert data["outputs"] == {"collecting": False}

    assert gc.isenabled()
    with _collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled(), "restored after the program"
    gc.disable()
    try:
        with _collector_paused():
            pass
        assert not gc.isenabled(), "a caller that had it off keeps it off"
    finally:
        gc.enable()


PARITY_PROGRAM = """
import pulumi
import pulumi_aws as aws

aws.s3.Bucket("timed", opts=pulumi.ResourceOptions(custom_timeouts=pulumi.CustomTimeouts(create="10m", delete="1h30m"),
                                                   aliases=[pulumi.Alias(name="old-name")]))
aws.s3.Bucket("plain")
aws.s3.Bucket.get("existing", "existing-bucket")
"""


def test_engine_parity_of_what_the_pack_receives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """pulumi/pulumi at HEAD: analyzer_plugin.go marshalResourceOptions always sends customTimeouts; the
    step generator sends only an alias that matched an old resource (none on a first preview); read steps
    (.get()) skip the analyzers and are not in AnalyzeStack's list (step_executor.go: reads vs news); stack
    tags reach ConfigureStack (update.go: Tags: target.Tags); project config of another namespace is a
    `value:` (workspace/project.go, Validate)."""
    (tmp_path / "Pulumi.yaml").write_text("name: parity\nruntime: python\ndescription: engine parity\nconfig:\n"
                                          "  pulumi:tags:\n    value:\n      team: platform\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  aws:region: us-west-2\n")
    (tmp_path / "__main__.py").write_text(PARITY_PROGRAM)
    log = tmp_path / "calls.jsonl"
    monkeypatch.setenv("PREFLIGHT_RECORDER_LOG", str(log))
    code, data, stderr = preflight_json("--program", str(tmp_path), "--policy-pack", str(PACKS / "recorder"),
                                        "--phase", "up")
    assert code == 0, stderr
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    analyzed = {c["name"]: c for c in calls if c["call"] == "Analyze"}
    assert analyzed["timed"]["customTimeouts"] == [600.0, 0.0, 5400.0]
    assert analyzed["plain"]["customTimeouts"] == [0.0, 0.0, 0.0]
    assert analyzed["timed"]["aliases"] == [], "no old resource matched on a first preview"
    assert "existing" not in analyzed, "resources read with .get() are not analyzed"
    assert not [c for c in calls if c["call"] == "AnalyzeStack" and c["urn"].endswith("::existing")]
    assert analyzed["plain"]["stackTags"] == {"pulumi:project": "parity", "pulumi:runtime": "python",
                                              "pulumi:description": "engine parity", "team": "platform"}
    assert any(r["name"] == "existing" for r in data["resources"]), "the read is still in the report"


REMEDIATING_PACK = """
from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy


def add_tags(args):
    if args.resource_type == "aws:s3/bucket:Bucket" and not args.props.get("tags"):
        return {**args.props, "tags": {"team": "platform"}}


def check_tags(args, report):
    if args.resource_type == "aws:s3/bucket:Bucket" and not args.props.get("tags"):
        report("bucket has no tags")


PolicyPack(name="remediating", enforcement_level=EnforcementLevel.MANDATORY, policies=[
    ResourceValidationPolicy(name="add-tags", description="Tags buckets.", remediate=add_tags,
                             enforcement_level=EnforcementLevel.REMEDIATE),
    ResourceValidationPolicy(name="check-tags", description="Buckets carry tags.", validate=check_tags),
])
"""


@pytest.mark.parametrize(("level", "fires"), [("remediate", False), ("disabled", True)])
def test_remediate_runs_before_analyze_and_analyze_sees_its_result(tmp_path: Path, level: str, fires: bool) -> None:
    """step_generator.go: remediations run first, sequentially; Analyze gets the remediated inputs."""
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "PulumiPolicy.yaml").write_text("runtime: python\nversion: 0.0.1\n")
    (pack / "__main__.py").write_text(REMEDIATING_PACK)
    (tmp_path / "policy.json").write_text(json.dumps({"add-tags": level}))
    program = tmp_path / "program"
    program.mkdir()
    (program / "Pulumi.yaml").write_text("name: remedy\nruntime: python\n")
    (program / "Pulumi.dev.yaml").write_text("config:\n  aws:region: us-west-2\n")
    (program / "__main__.py").write_text("import pulumi_aws as aws\naws.s3.Bucket('untagged')\n")
    code, data, stderr = preflight_json("--program", str(program), "--policy-pack", str(pack),
                                        "--policy-pack-config", str(tmp_path / "policy.json"))
    assert [v["policy"] for v in data["violations"]] == (["check-tags"] if fires else []), stderr
    assert code == (1 if fires else 0)
