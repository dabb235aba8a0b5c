"""preflight as an installable tool: the package's metadata and dependencies, the console script, the
eks-platform pack shipped in the wheel (and working from it, outside this checkout), the reusable GitHub
Action and the pre-commit hook."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import zipfile
from email.parser import Parser
from importlib import metadata
from pathlib import Path
from typing import Any

import check_jsonschema
import pytest
import tomllib
import yaml
from click.testing import CliRunner
from packaging.requirements import Requirement

from tests._scratch import EXPECTED, write_scratch_program
from tests.conftest import run_preflight

REPO = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
PROJECT = PYPROJECT["project"]
SCRIPT = "pulumi-preflight"


def _requirements(path: Path) -> dict[str, Requirement]:
    out = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            req = Requirement(line)
            out[_norm(req.name)] = req
    return out


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


DECLARED = {_norm(Requirement(r).name): Requirement(r) for r in PROJECT["dependencies"]}


# --- metadata ---------------------------------------------------------------------------------------------


def test_dependencies_have_the_ranges_of_the_requirements_files() -> None:
    ranges = {**_requirements(REPO / "requirements-dev.txt"), **_requirements(REPO / "requirements.txt"),
              **_requirements(REPO / "policies" / "requirements.txt")}
    assert DECLARED, "pyproject.toml declares the runtime dependencies"
    for name, req in DECLARED.items():
        assert name in ranges, f"{name} is in pyproject.toml but in no requirements file"
        assert req.specifier == ranges[name].specifier, f"{name}: {req.specifier} vs {ranges[name].specifier}"


def _third_party_imports(root: Path) -> set[str]:
    local = {p.stem for p in root.rglob("*.py")} | {p.name for p in root.rglob("*") if p.is_dir()}
    found = set()
    for path in root.rglob("*.py"):
        if "__pycache__" in path.parts or path.name == "docs.py":  # policies/docs.py: a generator, not the pack
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else []
            found |= {n.split(".")[0] for n in names}
    return {n for n in found - local if n not in sys.stdlib_module_names and n != "preflight"}


def _requires(dist: str, seen: set[str] | None = None) -> set[str]:
    """``dist`` and everything it requires (unconditionally), installed here, by normalized name."""
    seen = set() if seen is None else seen
    name = _norm(dist)
    if name in seen:
        return seen
    seen.add(name)
    for line in metadata.requires(name) or []:
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            _requires(req.name, seen)
    return seen


def test_every_module_preflight_and_the_pack_import_is_installed_by_a_declared_dependency() -> None:
    reachable: set[str] = set()
    for name in DECLARED:
        _requires(name, reachable)
    owners = metadata.packages_distributions()
    imported = _third_party_imports(REPO / "preflight") | _third_party_imports(REPO / "policies")
    assert {"pulumi", "pulumi_policy", "yaml", "grpc", "jsonschema", "kubernetes_validate"} <= imported
    for module in sorted(imported):
        dists = {_norm(d) for d in owners.get(module, [])}
        assert dists & reachable, f"{module} (from {dists or 'nowhere'}) is not installed by pyproject's dependencies"


def test_the_console_script_is_declared_and_installed() -> None:
    assert PROJECT["scripts"] == {SCRIPT: "preflight.cli:console_main"}
    script = Path(sys.executable).parent / SCRIPT
    assert script.is_file(), "make install installs the console script"
    proc = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"usage: {SCRIPT} ") and "--policy-pack DIR_OR_NAME" in proc.stdout


# --- the wheel --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from a copy of what the build reads, offline, with the setuptools installed here."""
    src = tmp_path_factory.mktemp("src")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for part in ("preflight", "policies"):
        shutil.copytree(REPO / part, src / part, ignore=ignore)
    (src / "docs").mkdir()
    shutil.copy(REPO / PROJECT["readme"], src / PROJECT["readme"])
    shutil.copy(REPO / "pyproject.toml", src / "pyproject.toml")
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                           "--disable-pip-version-check", "-q", "-w", str(out), str(src)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    (built,) = out.glob("*.whl")
    return built


def test_the_wheel_ships_preflight_the_pack_and_the_entry_point(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as whl:
        names = set(whl.namelist())
        info = next(n for n in names if n.endswith(".dist-info/METADATA"))
        meta = Parser().parsestr(whl.read(info).decode())
        entry_points = whl.read(info.replace("METADATA", "entry_points.txt")).decode()
    assert meta["Name"] == PROJECT["name"] and meta["Version"] == PROJECT["version"]
    assert {_norm(Requirement(r).name): Requirement(r).specifier for r in meta.get_all("Requires-Dist")} == \
        {n: r.specifier for n, r in DECLARED.items()}
    assert f"{SCRIPT} = preflight.cli:console_main" in entry_points
    assert {f"preflight/{p.name}" for p in (REPO / "preflight").glob("*.py")} <= names
    pack = "preflight/packs/eks_platform/"
    shipped = {p.relative_to(REPO / "policies").as_posix() for p in (REPO / "policies").rglob("*")
               if p.is_file() and "__pycache__" not in p.parts}
    assert shipped == {n[len(pack):] for n in names if n.startswith(pack)}, "the whole pack, nothing else"
    assert {"PulumiPolicy.yaml", "__main__.py", "requirements.txt", "config/prod.json"} <= shipped
    assert not [n for n in names if n.startswith(("infra/", "components/", "tests/", "policies/"))]


@pytest.mark.e2e
def test_installed_from_the_wheel_it_runs_outside_the_checkout_with_the_same_findings(wheel: Path,
                                                                                      tmp_path: Path) -> None:
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as whl:
        whl.extractall(site)
    program = write_scratch_program(tmp_path / "elsewhere")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "PYTHON"))}

    # The installed console script, in a new interpreter that sees only the wheel's files.
    code = "import sys; from preflight.cli import console_main; sys.argv[0] = 'pulumi-preflight'; console_main()"
    proc = subprocess.run([sys.executable, "-c", code, "--policy-pack", "eks-platform", "--format", "json"],
                          cwd=program, capture_output=True, text=True, timeout=600,
                          env={**env, "PYTHONPATH": str(site)})
    assert proc.returncode == 1, proc.stderr
    installed = json.loads(proc.stdout)
    assert installed["policyPacks"][0]["path"] == str((site / "preflight" / "packs" / "eks_platform").resolve())
    # The checkout's own run, as every other test runs preflight (forked from the suite's zygote).
    ran = run_preflight("--program", str(program), "--stack", "ci", "--policy-pack", str(REPO / "policies"),
                        "--format", "json", cwd=program)
    assert ran.returncode == 1, ran.stderr
    inside = json.loads(ran.stdout)

    def findings(data: dict[str, Any]) -> list[tuple[str, str, str, str, int, tuple[str, ...]]]:
        return sorted((v["policy"], v["enforcement"], v["urn"], v["file"], v["line"], tuple(v["phases"]))
                      for v in data["violations"])

    assert findings(installed) == findings(inside)
    assert {(p, u.rsplit("::", 1)[-1]): (f, n) for p, _, u, f, n, _ in findings(installed)} == EXPECTED


# --- the GitHub Action ------------------------------------------------------------------------------------

ACTION = REPO / "action.yml"


def test_the_action_is_valid_against_githubs_action_schema(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    code, output = _check_jsonschema_action([ACTION], monkeypatch)
    assert code == 0, output
    broken = tmp_path / "action.yml"
    broken.write_text(ACTION.read_text().replace("  using: composite", "  using: compost"))
    code, output = _check_jsonschema_action([broken], monkeypatch)
    assert code == 1, output


def _check_jsonschema_action(paths: list[Path], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """check-jsonschema in this process with its vendored action schema, every network connection refused."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"check-jsonschema tried the network: {args}")

    for name in ("connect", "connect_ex"):
        monkeypatch.setattr(socket.socket, name, refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    args = ["--builtin-schema", "vendor.github-actions", "--color", "never", *map(str, paths)]
    result = CliRunner().invoke(check_jsonschema.main, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def _action() -> dict[str, Any]:
    return yaml.safe_load(ACTION.read_text())


def test_the_action_installs_runs_comments_uploads_sarif_and_fails_on_the_exit_code() -> None:
    action = _action()
    runs = action["runs"]
    assert runs["using"] == "composite"
    steps = runs["steps"]
    install = next(s for s in steps if "pip install" in s.get("run", ""))
    assert '"$GITHUB_ACTION_PATH"' in install["run"], "installs this repository, as pip install <checkout>"
    run = next(s for s in steps if s.get("id") == "run")
    assert run["run"].count(f"{SCRIPT} ") == 1, "one run gives the comment and the SARIF"
    assert "--format markdown --output" in run["run"] and '--report "sarif:$out/report.sarif"' in run["run"]
    assert "set +e" in run["run"] and 'echo "code=$code" >> "$GITHUB_OUTPUT"' in run["run"]
    comment = next(s for s in steps if s.get("uses", "").startswith("actions/github-script@"))
    assert "github.event_name == 'pull_request'" in comment["if"] and "${{" not in comment["with"]["script"]
    assert "updateComment" in comment["with"]["script"] and "<!-- preflight:" in comment["with"]["script"]
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert upload["with"]["sarif_file"] == "${{ steps.run.outputs.sarif }}"
    gate = steps[-1]
    assert gate["env"]["CODE"] == "${{ steps.run.outputs.code }}" and "exit 2" in gate["run"]
    # Every input is used, every ${{ inputs.x }} is declared.
    text = ACTION.read_text()
    used = set(re.findall(r"inputs\.([a-z-]+)", text))
    assert used == set(action["inputs"]), (used, set(action["inputs"]))
    assert action["inputs"]["policy-pack"]["default"] == "eks-platform"


def test_the_actions_third_party_actions_are_pinned_like_the_workflows() -> None:
    uses = re.compile(r"^\s*(?:-\s+)?uses:\s*(\S+?)@(\S+)(.*)$")
    pins = {}
    for path in [ACTION, *sorted((REPO / ".github" / "workflows").glob("*.yml"))]:
        for line in path.read_text().splitlines():
            found = uses.match(line)
            if found:
                action, ref, comment = found.groups()
                assert re.fullmatch(r"[0-9a-f]{40}", ref) and re.fullmatch(r"\s+# v\d+(\.\d+){0,2}", comment), line
                pins.setdefault(action, set()).add(ref)
    assert "github/codeql-action/upload-sarif" in pins
    assert {a for a, refs in pins.items() if len(refs) > 1} == set(), "one version of each action"


def test_the_sarif_rewrite_in_the_action_makes_paths_repository_relative(tmp_path: Path) -> None:
    run = next(s for s in _action()["runs"]["steps"] if s.get("id") == "run")["run"]
    script = run.split("<<'PY'\n", 1)[1].split("\nPY\n", 1)[0]
    sarif = tmp_path / "r.sarif"
    sarif.write_text(json.dumps({"version": "2.1.0", "runs": [{
        "originalUriBaseIds": {"PROGRAMROOT": {"uri": "file:///w/infra/"}},
        "results": [{"locations": [{"physicalLocation": {"artifactLocation": {"uri": "net/a.py",
                                                                               "uriBaseId": "PROGRAMROOT"}}}]},
                    {"locations": [{"physicalLocation": {"artifactLocation": {"uri": "file:///abs/x.py"}}}]}]}]}))
    for program, expected in (("infra", "infra/net/a.py"), (".", "net/a.py")):
        data = sarif.read_text()
        proc = subprocess.run([sys.executable, "-", str(sarif), program], input=script, text=True,
                              capture_output=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        doc = json.loads(sarif.read_text())
        sarif.write_text(data)
        locations = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in doc["runs"][0]["results"]]
        assert locations == [{"uri": expected}, {"uri": "file:///abs/x.py"}]
        assert "originalUriBaseIds" not in doc["runs"][0]


# --- the pre-commit hook ----------------------------------------------------------------------------------


def test_the_pre_commit_hook_runs_the_console_script_on_program_changes() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert isinstance(hooks, list) and len(hooks) == 1
    (hook,) = hooks
    # pre-commit's required keys and the types it checks (pre_commit/clientlib.py MANIFEST_HOOK_DICT).
    assert {"id", "name", "entry", "language"} <= set(hook)
    assert set(hook) <= {"id", "name", "entry", "language", "alias", "files", "exclude", "types", "types_or",
                         "exclude_types", "additional_dependencies", "args", "always_run", "fail_fast",
                         "pass_filenames", "description", "language_version", "log_file", "minimum_pre_commit_version",
                         "require_serial", "stages", "verbose"}
    assert hook["language"] == "python", "pre-commit pip-installs this repository, with its dependencies"
    assert hook["entry"].split()[0] in PROJECT["scripts"]
    assert hook["pass_filenames"] is False, "preflight runs the whole program, not files"
    files = re.compile(hook["files"])
    for path in ("__main__.py", "infra/net.py", "Pulumi.yaml", "Pulumi.dev.yaml"):
        assert files.search(path), path
    for path in ("README.md", "docs/Pulumi.md", "Pulumi.yaml.bak"):
        assert not files.search(path), path
