"""The docs tell the truth: the README is a short front door whose commands exist; the configuration reference,
the environments table and the policy index are generated and current; every link resolves; figures match."""

from __future__ import annotations

import ast
import copy
import json
import re
from pathlib import Path

import pytest
import yaml

from infra.config import CONFIG_KEYS
from tests.conftest import REPO, declared_resources
from tests.policies.fixtures import pack_policies, policy_modules
from tools import config_reference

README = (REPO / "README.md").read_text()
DOCS = REPO / "docs"
#: The hand-written and generated Markdown a reader meets.
PAGES = [REPO / "README.md", *sorted(DOCS.glob("*.md"))]


def _key_rows(text: str) -> dict[str, tuple[str, str]]:
    """The configuration reference's key table: key -> (type, default)."""
    rows = {}
    for line in text.splitlines():
        m = re.match(r"^\| `((?:eks-platform|aws):[A-Za-z]+)` \| ([^|]+) \| ([^|]*) \|", line)
        if m:
            rows[m.group(1)] = (m.group(2).strip(), m.group(3).strip())
    return rows


def _pulumi_type(doc_type: str) -> str:
    """The Pulumi project config type of a reference type: ``array of string`` is an array, a map or a
    model an object."""
    if doc_type.startswith("array of "):
        return "array"
    if doc_type.startswith(("map of ", "[")):
        return "object"
    return doc_type


def test_every_config_key_is_documented_with_its_type_and_default() -> None:
    reference = (DOCS / "CONFIG.md").read_text()
    rows = _key_rows(reference)
    assert {f"eks-platform:{k}" for k in CONFIG_KEYS} | {"aws:region"} == set(rows), \
        "docs/CONFIG.md has one row per key the program reads"
    declared = yaml.safe_load((REPO / "Pulumi.yaml").read_text())["config"]
    assert set(declared) <= set(CONFIG_KEYS), "Pulumi.yaml declares a key the program does not read"
    for key, decl in declared.items():
        doc_type, doc_default = rows[f"eks-platform:{key}"]
        # The type comes from the JSON Schema, the declaration from Pulumi.yaml: the two must agree.
        assert _pulumi_type(doc_type) == decl["type"], (key, doc_type, decl["type"])
        if "default" in decl:
            assert str(decl["default"]).lower() in doc_default.lower(), (key, doc_default)
        else:
            assert doc_default == "", (key, "documented default but none declared")
    guide = (DOCS / "USER-GUIDE.md").read_text()
    explained = set(re.findall(r"^- `([A-Za-z:]+)`: ", guide, flags=re.MULTILINE))
    assert set(CONFIG_KEYS) | {"aws:region"} <= explained, "the user guide says what every key means"


def test_the_config_reference_is_generated_from_the_schema() -> None:
    assert (DOCS / "CONFIG.md").read_text() == config_reference.generate(), \
        "docs/CONFIG.md is stale: run `make docs`"
    schema = json.loads(config_reference.SCHEMA.read_text())
    changed = copy.deepcopy(schema)
    changed["properties"]["config"]["properties"]["eks-platform:newKey"] = {
        "anyOf": [{"enum": ["a", "b"], "description": "A new key."}, {"$ref": "#/$defs/secure"}]}
    changed["$defs"]["NodeGroupSpec"]["properties"]["newField"] = {"type": "integer", "ge": 2, "le": 9, "default": 3}
    before = config_reference.render(schema, {})
    after = config_reference.render(changed, {})
    assert "eks-platform:newKey" not in before and "newField" not in before
    assert "| `eks-platform:newKey` | string |  | `a`, `b` | A new key. |" in after
    assert "| `newField` | integer | `3` | 2 to 9 |" in after


def test_the_config_reference_check_fails_while_stale_and_write_fixes_it(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "CONFIG.md"
    out.write_text("# Configuration reference\n\nold\n")
    assert config_reference.main(["--output", str(out), "--check"]) == 1
    assert "CONFIG.md is stale: run python -m tools.config_reference" in capsys.readouterr().err
    assert out.read_text() == "# Configuration reference\n\nold\n", "--check writes nothing"
    assert config_reference.main(["--output", str(out)]) == 0
    assert config_reference.main(["--output", str(out), "--check"]) == 0
    assert out.read_text() == config_reference.generate()


def test_the_readme_is_a_front_door_with_the_setup_commands() -> None:
    assert "make preview" in README and "make test" in README
    assert "pulumi preview --policy-pack policies" in README and "pulumi up" in README
    assert "make test" in (REPO / ".ci" / "run").read_text()
    assert len(README.encode()) <= 15 * 1024, "the README is the front door; the manual lives in docs/"
    for page in ("docs/USER-GUIDE.md", "docs/CONFIG.md", "docs/PREFLIGHT.md", "docs/POLICIES.md",
                 "docs/ARCHITECTURE.md"):
        assert f"]({page}" in README, f"the README links {page}"
    # No reference tables in the front door: they live (generated) in docs/.
    assert not re.search(r"^\| `(?:aws|kubernetes)-[a-z0-9-]+` \|", README, flags=re.MULTILINE)
    assert not _key_rows(README) and not re.search(r"^\| `[a-zA-Z]+` \| (?:string|integer|boolean|object)",
                                                   README, flags=re.MULTILINE)


def test_every_policy_in_the_pack_is_documented_once() -> None:
    policies = pack_policies()
    assert len(policies) >= 20, "no policies found"
    index = (DOCS / "POLICIES.md").read_text()
    documented = re.findall(r"^\| [A-Z]+[0-9]+ \| `((?:aws|kubernetes)-[a-z0-9-]+)` \|", index, flags=re.MULTILINE)
    assert sorted(documented) == sorted(policies), "docs/POLICIES.md lists each policy once, and only those"
    assert f"## Rules ({len(policies)} policies)" in index
    for page in PAGES:
        if page.name != "POLICIES.md":
            rows = re.findall(r"^\| `((?:aws|kubernetes)-[a-z0-9-]+)` \|", page.read_text(), flags=re.MULTILINE)
            assert not rows, f"{page.name} repeats the policy table of docs/POLICIES.md"
    tree = ast.parse((REPO / "policies" / "__main__.py").read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                and (node.module or "").startswith(("aws.", "k8s."))}
    assert imported == policy_modules(), "every policy module is assembled into the pack"


def test_policy_counts_in_the_docs_are_the_packs() -> None:
    count = len(pack_policies())
    for page in PAGES:
        for m in re.finditer(r"\b(\d+) (?:policies|rules)\b", page.read_text()):
            assert int(m.group(1)) == count, f"{page.name}: {m.group(0)!r}, the pack has {count} policies"


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"`|\*\*", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = re.sub(r"^```.*?^```", "", page.read_text(), flags=re.MULTILINE | re.DOTALL)
    return {_slug(m.group(1)) for m in re.finditer(r"^#{1,6} (.+)$", text, flags=re.MULTILINE)}


def test_every_relative_link_resolves() -> None:
    broken = []
    for page in PAGES:
        text = re.sub(r"^```.*?^```", "", page.read_text(), flags=re.MULTILINE | re.DOTALL)
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"^[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            dest = (page.parent / path).resolve() if path else page
            if not dest.exists():
                broken.append(f"{page.name}: {target} (no such file)")
            elif anchor and dest.suffix == ".md" and anchor not in _anchors(dest):
                broken.append(f"{page.name}: {target} (no such heading)")
    assert not broken, broken


def test_slugs_follow_github() -> None:
    assert _slug("The stack's components") == "the-stacks-components"
    assert _slug("Updates: nodes and add-ons without surprises") == "updates-nodes-and-add-ons-without-surprises"
    assert _slug("Quick start (offline, two commands)") == "quick-start-offline-two-commands"


def test_the_environments_table_matches_the_stack_files() -> None:
    from tools.environments import README as GUIDE
    from tools.environments import render

    doc = GUIDE.read_text()
    assert render(doc) == doc, f"the environments table of {GUIDE.name} is stale: run `make docs`"


@pytest.mark.e2e
def test_the_architecture_diagram_matches_the_prod_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    from tools import architecture
    from tools.architecture import DOC, diagram, render

    # The prod stack's offline up without a pack, as `make docs` runs it: the run the stack-graph tests share.
    monkeypatch.setattr(architecture, "declared", declared_resources)
    doc = DOC.read_text()
    assert render(doc, diagram()) == doc, "docs/ARCHITECTURE.md's component diagram is stale: run `make docs`"
