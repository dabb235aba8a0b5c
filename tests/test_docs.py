"""The README tells the truth: config keys, defaults, commands and policies match the code."""

from __future__ import annotations

import ast
import re

import pytest
import yaml

from infra.config import CONFIG_KEYS
from tests.conftest import REPO
from tests.policies.fixtures import pack_policies, policy_modules

README = (REPO / "README.md").read_text()


def _config_rows() -> dict[str, tuple[str, str]]:
    rows = {}
    for line in README.splitlines():
        m = re.match(r"^\| `([A-Za-z:]+)` \| (\w+) \|([^|]*)\|", line)
        if m:
            rows[m.group(1)] = (m.group(2), m.group(3).strip())
    return rows


def test_every_config_key_is_documented_with_its_type_and_default() -> None:
    rows = _config_rows()
    assert set(CONFIG_KEYS) <= set(rows), set(CONFIG_KEYS) - set(rows)
    declared = yaml.safe_load((REPO / "Pulumi.yaml").read_text())["config"]
    assert set(declared) <= set(CONFIG_KEYS), "Pulumi.yaml declares a key the program does not read"
    for key, decl in declared.items():
        doc_type, doc_default = rows[key]
        assert doc_type == decl["type"], key
        if "default" in decl:
            assert str(decl["default"]).lower() in doc_default.lower(), (key, doc_default)
        else:
            assert doc_default == "", (key, "documented default but none declared")


def test_setup_commands_and_ci() -> None:
    assert "make preview" in README and "make test" in README
    assert "pulumi preview --policy-pack policies" in README and "pulumi up" in README
    assert "make test" in (REPO / ".ci" / "run").read_text()


def test_every_policy_in_the_pack_is_documented() -> None:
    policies = pack_policies()
    assert len(policies) >= 20, "no policies found"
    for policy in policies.values():
        assert f"`{policy.name}`" in README, policy.name
    documented = re.findall(r"^\| `((?:aws|kubernetes)-[a-z0-9-]+)` \|", README, flags=re.MULTILINE)
    assert sorted(documented) == sorted(policies), "the policies table lists each policy once, and only those"
    assert f"full policy pack ({len(policies)} policies)" in README, "the performance section's policy count"
    tree = ast.parse((REPO / "policies" / "__main__.py").read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                and (node.module or "").startswith(("aws.", "k8s."))}
    assert imported == policy_modules(), "every policy module is assembled into the pack"


def test_the_environments_table_matches_the_stack_files() -> None:
    from tools.environments import render

    readme = (REPO / "README.md").read_text()
    assert render(readme) == readme, "the README's environments table is stale: run `make docs`"


@pytest.mark.e2e
def test_the_architecture_diagram_matches_the_prod_stack() -> None:
    from tools.architecture import DOC, diagram, render

    doc = DOC.read_text()
    assert render(doc, diagram()) == doc, "docs/ARCHITECTURE.md's component diagram is stale: run `make docs`"
