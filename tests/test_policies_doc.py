"""docs/POLICIES.md is generated from the pack's metadata and kept in sync; enforcement is computed as the engine does."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from _metadata import registry
from pulumi_policy import EnforcementLevel, ResourceValidationPolicy

from policies import docs
from preflight.analyzer import PolicyInfo, load_policy_config, reconcile_policy_config
from tests.conftest import REPO

STALE = "docs/POLICIES.md is stale: run python -m policies.docs"
ASSEMBLY = docs.pack_assembly()
LEVELS = docs.environment_levels(ASSEMBLY)


def test_committed_doc_is_in_sync() -> None:
    committed = (REPO / "docs" / "POLICIES.md").read_text(encoding="utf-8") \
        if (REPO / "docs" / "POLICIES.md").exists() else ""
    assert committed == docs.generate(), STALE


def test_generation_is_deterministic() -> None:
    rules = registry()
    shuffled = list(rules.items())
    random.Random(7).shuffle(shuffled)
    assert docs.render(dict(shuffled), LEVELS) == docs.render(rules, LEVELS) == docs.generate()


def test_one_row_per_policy_in_natural_id_order() -> None:
    text = docs.generate()
    rows = re.findall(r"^\| ([A-MX][0-9]+) \| `([a-z0-9-]+)` \|", text, flags=re.MULTILINE)
    assert sorted(name for _, name in rows) == sorted(p.name for p in ASSEMBLY.policies)
    ids = [rule_id for rule_id, _ in rows]
    assert ids == sorted(ids, key=docs.id_sort_key)
    assert ids.index("C10") > ids.index("C8") and ids.index("I10") > ids.index("I9"), "A1, A2, ..., A10"
    severities = [r.severity for r in registry().values()]
    counts = " | ".join(str(severities.count(s)) for s in docs.SEVERITIES)
    assert f"\n| customer | {counts} | {len(severities)} |\n" in text


def test_the_assembly_is_read_from_main_without_running_it() -> None:
    assert len(ASSEMBLY.policies) == len({p.name for p in ASSEMBLY.policies}) == len(registry())
    assert ASSEMBLY.enforcement_level == "advisory"
    assert ASSEMBLY.initial_config["aws-eks-cluster-enable-secrets-encryption"] == EnforcementLevel.MANDATORY
    assert "kubernetes-helm-disallow-release" not in ASSEMBLY.initial_config, "ADVISORY is not raised"


# Enforcement in the committed stack configs ---------------------------------------------------------------------

def test_dev_relaxes_what_dev_json_names() -> None:
    name = "aws-eks-cluster-disallow-api-endpoint-public-access"  # MANDATORY_BASELINE; dev.json: "advisory"
    assert [LEVELS[env][name] for env in docs.ENVIRONMENTS] == ["advisory", "mandatory", "mandatory"]


def test_prod_all_mandatory_raises_the_advisory_list() -> None:
    name = "kubernetes-helm-disallow-release"  # ADVISORY in the pack; named nowhere in the configs
    assert [LEVELS[env][name] for env in docs.ENVIRONMENTS] == ["advisory", "mandatory", "mandatory"]
    assert LEVELS["prod"]["aws-kms-key-missing-description"] == "advisory", "a policy's own entry beats \"all\""


def test_a_policy_object_with_enforcement_level_raises_it() -> None:
    name = "aws-eks-accesspolicyassociation-configure-cluster-admin-allowlist"  # ADVISORY in the pack
    assert json.loads((docs.CONFIG_DIR / "dev.json").read_text())[name]["enforcementLevel"] == "mandatory"
    assert LEVELS["dev"][name] == "mandatory"


def test_levels_agree_with_preflights_reconciliation() -> None:
    """preflight reconciles the config the engine way from what the running pack reports; same answer."""
    infos = []
    for p in ASSEMBLY.policies:
        schema = None
        if p.config_schema is not None:
            schema = {"properties": dict(p.config_schema.properties), "required": list(p.config_schema.required or [])}
        infos.append(PolicyInfo(name=p.name, description=p.description, enforcement=ASSEMBLY.enforcement_level,
                                schema=schema, kind="resource"))
    initial = {k: {"enforcementLevel": v, "properties": {}}
               for k, v in docs.initial_levels(ASSEMBLY.initial_config).items()}
    for env in docs.ENVIRONMENTS:
        given = load_policy_config(docs.CONFIG_DIR / f"{env}.json")
        reconciled = reconcile_policy_config(infos, initial, given)
        assert {k: v["enforcementLevel"] for k, v in reconciled.items() if k != "all"} == LEVELS[env], env


# Enforcement rules, on a synthetic pack ------------------------------------------------------------------------

def _policy(name: str, level: EnforcementLevel | None = None) -> ResourceValidationPolicy:
    return ResourceValidationPolicy(name=name, description="A test policy.", validate=lambda args, report: None,
                                    enforcement_level=level)


PACK = docs.Assembly(
    policies=(_policy("p-default"), _policy("p-baseline"), _policy("p-own", EnforcementLevel.DISABLED),
              _policy("p-props")),
    enforcement_level="advisory",
    initial_config={"p-baseline": EnforcementLevel.MANDATORY, "p-props": {"limit": 3}},
)


@pytest.mark.parametrize(("config", "expected"), [
    (None, {"p-default": "advisory", "p-baseline": "mandatory", "p-own": "disabled", "p-props": "advisory"}),
    ({"all": "mandatory"}, dict.fromkeys(("p-default", "p-baseline", "p-own", "p-props"), "mandatory")),
    ({"all": "mandatory", "p-default": "advisory"},
     {"p-default": "advisory", "p-baseline": "mandatory", "p-own": "mandatory", "p-props": "mandatory"}),
    ({"p-baseline": {"enforcementLevel": "disabled", "x": 1}, "p-default": {"x": 1}},
     {"p-default": "advisory", "p-baseline": "disabled", "p-own": "disabled", "p-props": "advisory"}),
    ({"p-default": "remediate", "unknown-policy": "mandatory"},
     {"p-default": "remediate", "p-baseline": "mandatory", "p-own": "disabled", "p-props": "advisory"}),
])
def test_enforcement_levels(config: dict[str, Any] | None, expected: dict[str, str]) -> None:
    assert docs.enforcement_levels(PACK, config) == expected


def test_pack_default_and_initial_objects() -> None:
    pack = docs.Assembly((_policy("a"), _policy("b")), "mandatory",
                         {"b": {"enforcementLevel": EnforcementLevel.DISABLED}})
    assert docs.enforcement_levels(pack) == {"a": "mandatory", "b": "disabled"}
    # An initial entry without a level reaches the engine as the protobuf default, advisory.
    assert docs.initial_levels({"a": {"limit": 1}}) == {"a": "advisory"}


@pytest.mark.parametrize(("config", "error"), [
    ({"p-default": "strict"}, "'strict' is not a valid enforcement level"),
    ({"p-default": {"enforcementLevel": 1}}, "1 is not a valid enforcement level"),
    ({"p-default": 3}, "must be a string or object"),
    (["p-default"], "must be a JSON object"),
])
def test_invalid_config_is_refused(config: Any, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        docs.enforcement_levels(PACK, config)


def test_disabled_policies_say_disabled_in_the_doc() -> None:
    levels = dict(LEVELS)
    levels["dev"] = {**levels["dev"], "kubernetes-helm-disallow-release": "disabled"}
    row = next(line for line in docs.render(registry(), levels).splitlines()
               if "`kubernetes-helm-disallow-release`" in line)
    assert row.split(" | ")[5:8] == ["disabled", "mandatory", "mandatory"]


# The command ----------------------------------------------------------------------------------------------------

def test_check_fails_on_a_stale_file_and_write_fixes_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "docs" / "POLICIES.md"
    assert docs.main(["--output", str(out), "--check"]) == 1
    assert "stale: run python -m policies.docs" in capsys.readouterr().err
    assert docs.main(["--output", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == docs.generate()
    assert docs.main(["--output", str(out), "--check"]) == 0


def test_the_module_runs_from_the_repo_root_in_a_fresh_process() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",) and not k.startswith("PULUMI_")}
    proc = subprocess.run([sys.executable, "-m", "policies.docs", "--check"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr or STALE


def test_rows_name_the_kind_and_the_config_properties() -> None:
    rows = {cells[1].strip("`"): cells for cells in (line.split(" | ") for line in docs.generate().splitlines())
            if len(cells) > 2 and cells[1].startswith("`")}
    header = next(line for line in docs.generate().splitlines() if line.startswith("| Id |")).split(" | ")
    kind, config = header.index("Kind"), header.index("Config |")
    assert rows["aws-ec2-vpc-enable-flow-logs"][kind] == "stack", "E8 follows vpcId to the flow logs of the stack"
    assert rows["aws-ec2-securitygroup-disallow-public-internet-ingress"][kind] == "resource"
    assert rows["aws-ec2-securitygroup-disallow-public-internet-ingress"][config].strip(" |") == "`allowedPublicPorts`"
    assert rows["aws-eks-cluster-enable-secrets-encryption"][config].strip(" |") == "", "a policy without config"
    assert {p.name for p in ASSEMBLY.policies} == set(rows)
