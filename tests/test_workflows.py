"""The GitHub Actions workflows in .github/workflows/: valid against GitHub's workflow schema (checked offline,
with check-jsonschema's vendored copy) and keeping this project's rules: AWS only through OIDC with role ARNs
from variables, least-privilege permissions, preflight on every stack in both phases with that stack's policy
config, the real preview only where credentials exist, deploys dev -> staging -> prod behind environments,
fork pull requests commented on without pull_request_target, and every third-party action pinned."""

from __future__ import annotations

import fnmatch
import json
import re
import runpy
import shutil
import socket
import subprocess
from pathlib import Path
from typing import Any

import check_jsonschema
import pytest
import yaml
from click.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent
GITHUB = REPO / ".github"
WORKFLOWS = GITHUB / "workflows"
FILES = sorted([*WORKFLOWS.glob("*.yml"), *WORKFLOWS.glob("*.yaml")])
#: The stacks, in deploy order, as the workflows' `stacks` jobs list them: every Pulumi.<stack>.yaml.
list_stacks = runpy.run_path(str(GITHUB / "stacks.py"))["stacks"]
STACKS = list_stacks(REPO)
MATRIX = {"stack": "${{ fromJSON(needs.stacks.outputs.stacks) }}"}

CONFIGURE_AWS = "aws-actions/configure-aws-credentials"
PULUMI = "pulumi/actions"


def _load(path: Path) -> dict[str, Any]:
    doc = yaml.safe_load(path.read_text())
    if True in doc:  # YAML 1.1 reads the `on:` key as a boolean
        doc["on"] = doc.pop(True)
    return doc


def _workflow(name: str) -> dict[str, Any]:
    return _load(WORKFLOWS / name)


def _all() -> dict[str, dict[str, Any]]:
    return {path.name: _load(path) for path in FILES}


def _jobs() -> list[tuple[str, str, dict[str, Any]]]:
    return [(name, job_id, job) for name, doc in _all().items() for job_id, job in doc["jobs"].items()]


def _action(step: dict[str, Any]) -> str:
    return step.get("uses", "").split("@", 1)[0]


def _steps(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [step for step in job.get("steps", []) if _action(step) == action]


def _triggers(doc: dict[str, Any]) -> set[str]:
    on = doc["on"]
    return {on} if isinstance(on, str) else set(on)


def _environment(job: dict[str, Any]) -> str | None:
    env = job.get("environment")
    return env.get("name") if isinstance(env, dict) else env


def test_there_are_the_four_workflows() -> None:
    assert {path.name for path in FILES} == {"pull-request.yml", "deploy.yml", "deploy-stack.yml",
                                             "preflight-comment.yml"}


def test_the_stacks_are_the_stack_files_dev_first_and_prod_last(tmp_path: Path) -> None:
    assert sorted(STACKS) == sorted(p.name[len("Pulumi."):-len(".yaml")] for p in REPO.glob("Pulumi.*.yaml"))
    assert STACKS[0] == "dev" and STACKS[-1] == "prod"
    for name in ("prod", "qa", "dev", "staging", "eu"):
        (tmp_path / f"Pulumi.{name}.yaml").write_text("config: {}\n")
    (tmp_path / "Pulumi.yaml").write_text("name: x\n")
    assert list_stacks(tmp_path) == ["dev", "eu", "qa", "staging", "prod"]
    done = subprocess.run(["python3", str(GITHUB / "stacks.py")], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert json.loads(done.stdout) == ["dev", "eu", "qa", "staging", "prod"]


def _lists_the_stacks(doc: dict[str, Any]) -> None:
    """The workflow's `stacks` job runs .github/stacks.py and outputs its list, read-only, with nothing installed."""
    job = doc["jobs"]["stacks"]
    assert job["permissions"] == {"contents": "read"}
    assert job["outputs"] == {"stacks": "${{ steps.list.outputs.stacks }}"}
    (listing,) = [step for step in job["steps"] if step.get("id") == "list"]
    assert "$(python3 .github/stacks.py)" in listing["run"] and '>> "$GITHUB_OUTPUT"' in listing["run"]


# --- GitHub's workflow schema, offline --------------------------------------------------------------------


def _check_jsonschema(paths: list[Path], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """check-jsonschema in this process with its vendored schema, every network connection refused."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"check-jsonschema tried the network: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    args = ["--builtin-schema", "vendor.github-workflows", "--color", "never", *map(str, paths)]
    result = CliRunner().invoke(check_jsonschema.main, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def test_the_workflows_are_valid_against_githubs_workflow_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    assert FILES
    code, output = _check_jsonschema(FILES, monkeypatch)
    assert code == 0, output
    assert "validation done" in output


def test_the_schema_check_catches_a_broken_workflow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Proves the schema is really applied: a misspelt key in an otherwise valid workflow fails.
    broken = tmp_path / "broken.yml"
    broken.write_text((WORKFLOWS / "deploy-stack.yml").read_text().replace("    runs-on:", "    run-on:"))
    code, output = _check_jsonschema([broken], monkeypatch)
    assert code == 1, output
    assert "broken.yml" in output and "'runs-on' is a required property" in output


# --- credentials ------------------------------------------------------------------------------------------


def test_no_long_lived_aws_keys_anywhere() -> None:
    keys = re.compile(r"AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|aws-access-key-id|"
                      r"aws-secret-access-key|aws-session-token", re.IGNORECASE)
    for path in sorted(p for p in GITHUB.rglob("*") if p.is_file()):
        found = keys.findall(path.read_text())
        assert not found, f"{path.relative_to(REPO)} names long-lived AWS credentials: {found}"


def test_the_only_secret_is_the_pulumi_access_token() -> None:
    for path in FILES:
        used = set(re.findall(r"secrets\.([A-Za-z0-9_]+)", path.read_text()))
        assert used <= {"PULUMI_ACCESS_TOKEN"}, f"{path.name} uses secrets {sorted(used)}"


def test_every_role_is_assumed_through_oidc_with_its_arn_from_a_variable() -> None:
    assuming = 0
    for name, job_id, job in _jobs():
        configure = _steps(job, CONFIGURE_AWS)
        permissions = job.get("permissions") or {}
        if not configure:
            if "uses" in job:  # a reusable workflow: it may pass the token to a job of its own that uses it
                continue
            assert permissions.get("id-token") != "write", f"{name}: {job_id} gets an OIDC token it never uses"
            continue
        assuming += 1
        assert permissions.get("id-token") == "write", f"{name}: {job_id} assumes a role without id-token: write"
        for step in configure:
            inputs = step.get("with", {})
            assert re.fullmatch(r"\$\{\{ vars\.[A-Z][A-Z0-9_]* \}\}", inputs.get("role-to-assume", "")), \
                f"{name}: {job_id}: role-to-assume must come from vars., not {inputs.get('role-to-assume')!r}"
            assert not {key for key in inputs if "key" in key or "token" in key}, f"{name}: {job_id}: {inputs}"
        # The role is assumed before Pulumi runs.
        steps = [_action(step) for step in job["steps"]]
        if PULUMI in steps:
            assert steps.index(CONFIGURE_AWS) < steps.index(PULUMI), f"{name}: {job_id}"
    assert assuming == 2  # pulumi-preview and deploy-stack.yml's up (called once per environment)


# --- permissions ------------------------------------------------------------------------------------------


def test_nothing_is_granted_by_default_and_each_job_asks_for_its_own() -> None:
    for name, doc in _all().items():
        assert doc.get("permissions") == {}, f"{name}: top-level permissions must be {{}}"
        for job_id, job in doc["jobs"].items():
            permissions = job.get("permissions")
            assert isinstance(permissions, dict), f"{name}: {job_id} must list its permissions"
            assert permissions.get("contents", "none") in ("read", "none"), f"{name}: {job_id}: {permissions}"
            assert set(permissions.values()) <= {"read", "write", "none"}, f"{name}: {job_id}: {permissions}"


def test_only_the_commenting_job_writes_to_pull_requests() -> None:
    writers = [(name, job_id) for name, job_id, job in _jobs()
               if (job.get("permissions") or {}).get("pull-requests") == "write"]
    assert writers == [("preflight-comment.yml", "comment")]
    writes = {(name, job_id, scope) for name, job_id, job in _jobs()
              for scope, level in (job.get("permissions") or {}).items() if level == "write"}
    assert {scope for *_, scope in writes} <= {"id-token", "pull-requests"}, writes


def test_no_pull_request_target() -> None:
    for path in FILES:
        assert "pull_request_target" not in _triggers(_load(path)), path.name
        assert "pull_request_target:" not in path.read_text(), path.name


# --- pull requests ----------------------------------------------------------------------------------------


def test_pull_requests_run_make_test() -> None:
    doc = _workflow("pull-request.yml")
    assert {"pull_request", "workflow_dispatch"} <= _triggers(doc)
    assert "${{ github.event.pull_request.number" in doc["concurrency"]["group"]
    assert doc["concurrency"]["cancel-in-progress"] is True
    assert [step["run"] for step in doc["jobs"]["test"]["steps"] if "run" in step] == ["make test"]


def _preflight_lines(job: dict[str, Any]) -> list[str]:
    return [line.strip() for step in job["steps"] for line in step.get("run", "").splitlines()
            if "-m preflight" in line]


def test_preflight_runs_on_exactly_every_stack_in_both_phases_with_its_policy_config() -> None:
    doc = _workflow("pull-request.yml")
    _lists_the_stacks(doc)
    job = doc["jobs"]["preflight"]
    assert job["needs"] == "stacks" and job["strategy"]["matrix"] == MATRIX
    assert all((REPO / "policies" / "config" / f"{stack}.json").is_file() for stack in STACKS)
    lines = _preflight_lines(job)
    assert len(lines) == 2, lines
    for line in lines:
        assert line.startswith(".venv/bin/python -m preflight --program . --stack ${{ matrix.stack }} "), line
        assert " --phase both " in line, line
        assert " --policy-pack policies --policy-pack-config policies/config/${{ matrix.stack }}.json " in line, line
        assert "--no-policy-pack" not in line, line
    assert [re.search(r"--format (\w+)", line).group(1) for line in lines] == ["markdown", "json"]
    # No secrets and no cloud credentials: it gates fork pull requests too.
    assert "secrets." not in json.dumps(job) and not _steps(job, CONFIGURE_AWS)
    assert job["permissions"] == {"contents": "read"}


def test_preflight_keeps_its_exit_code_and_fails_the_job_on_it_after_uploading() -> None:
    steps = _workflow("pull-request.yml")["jobs"]["preflight"]["steps"]
    run = next(step for step in steps if step.get("id") == "preflight")
    assert "set +e" in run["run"] and "code=$?" in run["run"] and 'echo "code=$code" >> "$GITHUB_OUTPUT"' in run["run"]
    gate = steps[-1]
    assert gate["env"]["CODE"] == "${{ steps.preflight.outputs.code }}"
    assert "1)" in gate["run"] and "exit 1" in gate["run"] and "exit 2" in gate["run"]
    uploads = _steps({"steps": steps}, "actions/upload-artifact")
    assert {step["with"]["name"] for step in uploads} == {"preflight-comment-${{ matrix.stack }}",
                                                          "preflight-report-${{ matrix.stack }}"}
    assert all(steps.index(step) < steps.index(gate) and step["if"] == "${{ !cancelled() }}" for step in uploads)
    report = next(step for step in uploads if step["with"]["name"].startswith("preflight-report-"))
    assert "preflight-out/${{ matrix.stack }}.json" in report["with"]["path"]


def test_the_real_preview_runs_only_with_credentials_with_the_pack_and_the_same_policy_config() -> None:
    job = _workflow("pull-request.yml")["jobs"]["pulumi-preview"]
    assert job["if"] == ("vars.AWS_PREVIEW_ROLE_ARN != '' && "
                         "github.event.pull_request.head.repo.full_name == github.repository")
    assert job["needs"] == "stacks" and job["strategy"]["matrix"] == MATRIX
    [configure] = _steps(job, CONFIGURE_AWS)
    assert configure["with"]["role-to-assume"] == "${{ vars.AWS_PREVIEW_ROLE_ARN }}"
    [pulumi] = _steps(job, PULUMI)
    assert pulumi["with"]["command"] == "preview"
    assert pulumi["with"]["stack-name"] == "${{ matrix.stack }}"
    assert pulumi["with"]["policyPacks"] == "policies"
    assert pulumi["with"]["policyPackConfigs"] == "policies/config/${{ matrix.stack }}.json"
    assert pulumi["env"] == {"PULUMI_ACCESS_TOKEN": "${{ secrets.PULUMI_ACCESS_TOKEN }}"}
    assert "comment-on-pr" not in pulumi["with"]  # no pull-requests: write here


# --- the comment on fork pull requests --------------------------------------------------------------------


def test_comments_are_posted_from_workflow_run_without_pull_request_code() -> None:
    doc = _workflow("preflight-comment.yml")
    assert doc["on"] == {"workflow_run": {"workflows": [_workflow("pull-request.yml")["name"]],
                                          "types": ["completed"]}}
    [job] = doc["jobs"].values()
    assert job["permissions"] == {"actions": "read", "pull-requests": "write"}
    assert "github.event.workflow_run.event == 'pull_request'" in job["if"]
    # Only actions, nothing of the pull request's: no checkout, no shell.
    assert [_action(step) for step in job["steps"]] == ["actions/download-artifact", "actions/github-script"]
    download = job["steps"][0]["with"]
    assert download["run-id"] == "${{ github.event.workflow_run.id }}"
    uploaded = next(step["with"]["name"] for step in _workflow("pull-request.yml")["jobs"]["preflight"]["steps"]
                    if step.get("with", {}).get("name", "").startswith("preflight-comment-"))
    for stack in STACKS:
        assert fnmatch.fnmatch(uploaded.replace("${{ matrix.stack }}", stack), download["pattern"])
    assert "${{" not in job["steps"][1]["with"]["script"]  # artifact data never becomes code


_HARNESS = r"""
const fs = require('fs'), os = require('os'), path = require('path');
const [script, scenario] = [fs.readFileSync(process.argv[2], 'utf8'), JSON.parse(fs.readFileSync(process.argv[3], 'utf8'))];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'preflight-comment-'));
for (const [name, text] of Object.entries(scenario.files)) fs.writeFileSync(path.join(dir, name), text);
process.env.COMMENT_DIR = dir;
const calls = [];
const core = {notice: (m) => calls.push(['notice']), warning: (m) => calls.push(['warning']),
              info: () => {}, setFailed: (m) => calls.push(['failed'])};
const github = {
  paginate: async () => scenario.comments,
  rest: {
    pulls: {get: async ({pull_number}) => ({data: {...scenario.pr, number: pull_number}})},
    issues: {
      listComments: 'listComments',
      updateComment: async ({comment_id, body}) => { calls.push(['update', comment_id, body.split('\n')[0]]); },
      createComment: async ({issue_number, body}) => { calls.push(['create', issue_number, body.split('\n')[0]]); return {data: {}}; },
    },
  },
};
const context = {repo: {owner: 'o', repo: 'r'}, payload: {workflow_run: {id: 7, html_url: 'u', head_sha: 'feedbeef',
                 head_repository: {full_name: 'fork/r'}}}};
const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
new AsyncFunction('require', 'github', 'context', 'core', script)(require, github, context, core)
  .then(() => console.log(JSON.stringify(calls)));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js to run the github-script step")
def test_the_comment_script_updates_its_own_comment_and_trusts_no_artifact(tmp_path: Path) -> None:
    job = _workflow("preflight-comment.yml")["jobs"]["comment"]
    (tmp_path / "script.js").write_text(job["steps"][1]["with"]["script"])
    (tmp_path / "harness.js").write_text(_HARNESS)
    head = {"sha": "feedbeef", "repo": {"full_name": "fork/r"}}
    ours = {"id": 1, "user": {"login": "github-actions[bot]"}, "body": "<!-- preflight:eks-platform/dev -->\nold"}
    theirs = {"id": 2, "user": {"login": "someone"}, "body": "<!-- preflight:eks-platform/prod -->\n"}

    def run(files: dict[str, str], pr_head: dict[str, Any] = head) -> list[list[Any]]:
        (tmp_path / "scenario.json").write_text(json.dumps({"files": files, "pr": {"head": pr_head},
                                                            "comments": [ours, theirs]}))
        done = subprocess.run(["node", str(tmp_path / "harness.js"), str(tmp_path / "script.js"),
                               str(tmp_path / "scenario.json")], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def report(stack: str) -> str:
        return f"<!-- preflight:eks-platform/{stack} -->\n## preflight {stack}\n"

    files = {f"{stack}.md": report(stack) for stack in STACKS} | {f"{stack}.pr": "12\n" for stack in STACKS}
    # Its own dev comment is updated; someone else's comment with the prod marker is left alone.
    assert run(files) == [["update", 1, "<!-- preflight:eks-platform/dev -->"],
                          ["create", 12, "<!-- preflight:eks-platform/prod -->"],
                          ["create", 12, "<!-- preflight:eks-platform/staging -->"]]
    # The pull request has moved on (or the number points elsewhere): nothing is posted.
    assert run(files, {"sha": "0ther", "repo": {"full_name": "fork/r"}}) == [["notice"]]
    assert run(files, {"sha": "feedbeef", "repo": {"full_name": "someone/else"}}) == [["notice"]]
    # Numbers that disagree or are not numbers; a report whose marker names another stack.
    assert run(files | {"prod.pr": "13"}) == [["failed"]]
    assert run({"dev.md": report("dev"), "dev.pr": "12; true"}) == [["failed"]]
    assert run({"dev.md": report("prod"), "dev.pr": "12"}) == [["warning"]]
    assert run({}) == [["notice"]]


# --- deploys ----------------------------------------------------------------------------------------------


def test_merges_to_main_deploy_every_stack_in_turn_through_environments() -> None:
    doc = _workflow("deploy.yml")
    assert doc["on"]["push"] == {"branches": ["main"]} and "workflow_dispatch" in doc["on"]
    _lists_the_stacks(doc)
    assert set(doc["jobs"]) == {"stacks", "deploy"}
    deploy = doc["jobs"]["deploy"]
    assert deploy["needs"] == "stacks" and deploy["strategy"]["matrix"] == MATRIX
    # In the listed order (dev first, prod last), one at a time; a failure cancels the environments after it.
    assert deploy["strategy"]["max-parallel"] == 1 and deploy["strategy"]["fail-fast"] is True
    assert deploy["uses"] == "./.github/workflows/deploy-stack.yml"
    assert deploy["with"] == {"stack": "${{ matrix.stack }}"}
    assert deploy["secrets"] == {"PULUMI_ACCESS_TOKEN": "${{ secrets.PULUMI_ACCESS_TOKEN }}"}
    assert deploy["permissions"] == {"contents": "read", "id-token": "write"}

    called = _workflow("deploy-stack.yml")
    stack_input = called["on"]["workflow_call"]["inputs"]["stack"]
    assert stack_input["required"] is True and stack_input["type"] == "string"
    (job,) = called["jobs"].values()
    assert _environment(job) == "${{ inputs.stack }}"
    assert job["concurrency"] == {"group": "deploy-${{ inputs.stack }}", "cancel-in-progress": False}
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    [configure] = _steps(job, CONFIGURE_AWS)
    assert configure["with"]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"  # environment-scoped
    [pulumi] = _steps(job, PULUMI)
    assert pulumi["with"]["command"] == "up"
    assert pulumi["with"]["stack-name"] == "${{ inputs.stack }}"
    assert pulumi["with"]["policyPacks"] == "policies"
    assert pulumi["with"]["policyPackConfigs"] == "policies/config/${{ inputs.stack }}.json"
    region = next(step["run"] for step in job["steps"] if step.get("id") == "stack")
    assert 'open(f"Pulumi.{sys.argv[1]}.yaml")' in region and '"$STACK"' in region  # the stack's own region


# --- actions and runtimes ---------------------------------------------------------------------------------


def test_third_party_actions_are_pinned_to_commit_shas_with_their_version() -> None:
    uses = re.compile(r"^\s*(?:-\s+)?uses:\s*(\S+?)@(\S+)(.*)$")
    pins: dict[str, set[str]] = {}
    for path in FILES:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            found = uses.match(line)
            if not found:
                local = re.match(r"^\s*(?:-\s+)?uses:\s*\./\.github/workflows/[\w-]+\.yml$", line)
                assert local or not re.match(r"^\s*(?:-\s+)?uses:", line), f"{path.name}:{number}: {line.strip()}"
                continue
            action, ref, comment = found.groups()
            assert re.fullmatch(r"[0-9a-f]{40}", ref), f"{path.name}:{number}: {action} is not pinned to a commit"
            assert re.fullmatch(r"\s+# v\d+(\.\d+){0,2}", comment), f"{path.name}:{number}: no version comment"
            pins.setdefault(action, set()).add(ref + comment)
    assert {action for action, refs in pins.items() if len(refs) > 1} == set(), pins


def test_ci_uses_the_python_the_lock_is_compiled_with() -> None:
    locked = re.search(r"autogenerated by pip-compile with Python (\d+\.\d+)", (REPO / "requirements.lock").read_text())
    assert locked
    versions = {str(step["with"]["python-version"]) for _, _, job in _jobs() for step in _steps(job, "actions/setup-python")}
    assert versions == {locked.group(1)}
    for _, job_id, job in _jobs():
        for step in _steps(job, "actions/checkout"):
            assert step.get("with", {}).get("persist-credentials") is False, job_id
