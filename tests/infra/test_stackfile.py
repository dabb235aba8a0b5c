"""Config errors name the stack file and line; the stack file is read as the CLI reads it; what the CLI ignores
without a word (unknown sections, a bare key beside its namespaced twin, a number where a string was meant) is
refused; instance types are checked against pulumi-aws's list."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pulumi
import pytest

from infra import stackfile
from infra.config import ConfigError, build_config, load_config
from infra.config_models import check_instance_type, instance_type_advisory, known_instance_types
from preflight.project import load_project

GOOD = """\
config:
  aws:region: us-west-2
  eks-platform:vpcCidr: 10.20.0.0/16
  eks-platform:zones:
    usw2-az1: 0
    usw2-az2: 1
  eks-platform:updateChannel: latest
  eks-platform:nodeGroups:
    general:
      instanceTypes: [m7i.large]
      minSize: 1
      desiredSize: 2
      maxSize: 4
"""


def _load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> object:
    """load_config for stack ``test`` as the CLI runs it: config from PULUMI_CONFIG (as preflight computes it from
    the stack file), the program in its main directory below the project with the stack file."""
    (tmp_path / "Pulumi.yaml").write_text("name: eks-platform\nruntime: python\nmain: infra/\n")
    (tmp_path / "infra").mkdir(exist_ok=True)
    (tmp_path / "infra" / "__main__.py").write_text("")
    (tmp_path / "Pulumi.test.yaml").write_text(text)
    project = load_project(tmp_path, "test")
    pulumi.runtime.set_all_config(project.config, [])
    monkeypatch.chdir(tmp_path / "infra")
    return load_config()


def _errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, monkeypatch, text)
    return str(caught.value).splitlines()[1:]


def test_a_good_stack_file_loads_and_keeps_its_source(mocks: object, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = _load(tmp_path, monkeypatch, GOOD)
    assert cfg.source is not None and cfg.source.shown == "Pulumi.test.yaml"  # type: ignore[attr-defined]
    assert cfg.advisories == ()  # type: ignore[attr-defined]


@pytest.mark.parametrize(("change", "expected"), [
    (("eks-platform:vpcCidr: 10.20.0.0/16", "eks-platform:vpcCidr: 10.20.0.1/16"),
     "Pulumi.test.yaml:3: eks-platform:vpcCidr: '10.20.0.1/16' has host bits set"),
    (("      minSize: 1", "      minSize: many"),
     "Pulumi.test.yaml:11: eks-platform:nodeGroups.general.minSize: "),
    (("instanceTypes: [m7i.large]", "instanceTypes:\n        - m7i.large\n        - m7i.larg"),
     "Pulumi.test.yaml:12: eks-platform:nodeGroups.general.instanceTypes[1]: 'm7i.larg' is not an EC2 instance "
     "type: m7i comes in"),
    (("    usw2-az2: 1", "    usw2-az2: 9"), "Pulumi.test.yaml:6: eks-platform:zones.usw2-az2: the CIDR slot"),
    (("  eks-platform:updateChannel: latest", "  eks-platform:updateChannel: latest\n  eks-platform:vpcCidrr: x"),
     "Pulumi.test.yaml:8: eks-platform:vpcCidrr: unknown key; did you mean eks-platform:vpcCidr?"),
])
def test_errors_name_file_line_and_key(mocks: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       change: tuple[str, str], expected: str) -> None:
    assert change[0] in GOOD
    errors = _errors(tmp_path, monkeypatch, GOOD.replace(*change))
    assert any(e.strip().startswith(expected) for e in errors), errors


def test_without_a_stack_file_errors_name_the_key_only(mocks: object) -> None:
    with pytest.raises(ConfigError) as caught:
        build_config("test", {"vpcCidr": "10.0.0.1/16", "zones": {"usw2-az1": 0, "usw2-az2": 1},
                              "nodeGroups": {"general": {"instanceTypes": ["m7i.large"], "minSize": 1,
                                                         "desiredSize": 1, "maxSize": 2}}})
    assert "\n  eks-platform:vpcCidr: '10.0.0.1/16' has host bits set" in str(caught.value)


def test_an_unquoted_version_says_yaml_read_a_number(mocks: object, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    text = GOOD + "  eks-platform:kubernetesVersion: 1.30\n"
    errors = _errors(tmp_path, monkeypatch, text)
    assert errors == ['  Pulumi.test.yaml:14: eks-platform:kubernetesVersion: YAML read a number (1.3) from the '
                      'unquoted 1.30, so the program gets "1.3". Quote it in the stack file: '
                      'eks-platform:kubernetesVersion: "1.30"']
    _load(tmp_path, monkeypatch, GOOD + '  eks-platform:kubernetesVersion: "1.35"\n')  # quoted: fine
    # Read without the CLI in between (tools.environments), the number itself is named.
    with pytest.raises(ConfigError, match=re.escape("YAML read a number (1.3): an unquoted 1.30")):
        build_config("test", {"kubernetesVersion": 1.3, "zones": {"usw2-az1": 0, "usw2-az2": 1},
                              "nodeGroups": {"general": {"instanceTypes": ["m7i.large"], "minSize": 1,
                                                         "desiredSize": 1, "maxSize": 2}}})


@pytest.mark.parametrize(("word", "write"), [("no", "false"), ("off", "false"), ("yes", "true"), ("On", "true")])
def test_a_boolean_key_given_a_yaml_1_1_word_is_refused_saying_what_to_write(
        mocks: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, word: str, write: str) -> None:
    errors = _errors(tmp_path, monkeypatch, GOOD + f"  eks-platform:highlyAvailableNat: {word}\n")
    assert errors == [f"  Pulumi.test.yaml:14: eks-platform:highlyAvailableNat: must be true or false, got '{word}' "
                      f"(the Pulumi CLI reads YAML 1.2, where {word} is a string, not a boolean): write {write}"]
    # Inside an object too (pydantic's strict booleans).
    errors = _errors(tmp_path, monkeypatch, GOOD + f"  eks-platform:storage:\n    efs:\n      enabled: {word}\n")
    assert any(e.startswith("  Pulumi.test.yaml:16: eks-platform:storage.efs.enabled: must be true or false, got "
                            f"'{word}' (the Pulumi CLI reads YAML 1.2") and e.endswith(f"write {write}")
               for e in errors), errors


def test_merge_keys_work_in_a_stack_file(mocks: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = GOOD.replace("    general:\n      instanceTypes: [m7i.large]\n      minSize: 1\n      desiredSize: 2\n"
                        "      maxSize: 4\n",
                        "    general: &g\n      instanceTypes: [m7i.large]\n      minSize: 1\n      desiredSize: 2\n"
                        "      maxSize: 4\n    batch:\n      <<: *g\n      maxSize: 8\n")
    cfg = _load(tmp_path, monkeypatch, text)
    assert cfg.node_groups["batch"].max_size == 8 and cfg.node_groups["batch"].min_size == 1  # type: ignore[attr-defined]


def test_unknown_sections_and_bare_keys_beside_their_twin_are_refused(mocks: object, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    errors = _errors(tmp_path, monkeypatch, GOOD + "confg:\n  eks-platform:vpcCidr: 10.30.0.0/16\n")
    assert errors == ["  Pulumi.test.yaml:14: confg: not a section of a stack file, so the CLI ignores everything "
                      "under it; did you mean config:?"]
    errors = _errors(tmp_path, monkeypatch, GOOD + "  vpcCidr: 10.30.0.0/16\n")
    assert errors[0] == ("  Pulumi.test.yaml:14: vpcCidr: given without its namespace beside eks-platform:vpcCidr "
                         "(line 3); the CLI keeps one of the two and drops the other without a word. Keep "
                         "eks-platform:vpcCidr and delete this line")


def test_a_stack_file_that_is_an_alias_bomb_is_one_config_error(mocks: object, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: eks-platform\nruntime: python\n")
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]'] + \
        [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 8)]
    (tmp_path / "Pulumi.test.yaml").write_text(GOOD + "\n".join(lines) + "\n")
    pulumi.runtime.set_all_config({"aws:region": "us-west-2"}, [])
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"Pulumi\.test\.yaml:\d+: the aliases expand this document to more than"):
        load_config()


def test_the_stack_file_is_found_from_the_main_directory_and_in_stack_config_dir(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: p\nruntime: python\nstackConfigDir: stacks\n")
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "Pulumi.qa.yaml").write_text(GOOD)
    assert stackfile.find("qa", [tmp_path]) == tmp_path / "stacks" / "Pulumi.qa.yaml"
    assert stackfile.find("nope", [tmp_path]) is None
    source = stackfile.read(tmp_path / "stacks" / "Pulumi.qa.yaml")
    assert source.shown == "stacks/Pulumi.qa.yaml"
    assert source.line_of("eks-platform:nodeGroups.general.instanceTypes[0]") == 10
    assert source.line_of("eks-platform:nodeGroups.general.nothing.here") == 9  # the deepest part that exists
    assert source.line_of("eks-platform:tags") is None


def test_instance_types_come_from_the_sdk_a_new_family_is_a_warning() -> None:
    assert len(known_instance_types()) > 1000 and "m7i.large" in known_instance_types()
    assert check_instance_type("m7i.metal-24xl") == "m7i.metal-24xl"
    with pytest.raises(ValueError, match=r"did you mean m7i\.2xlarge\?"):
        check_instance_type("m7i.2xlarg")
    assert check_instance_type("m99q.large") == "m99q.large"  # a family the SDK does not know yet
    assert instance_type_advisory("m7i.large") is None
    assert "is not an instance type pulumi-aws" in str(instance_type_advisory("m99q.large"))
    cfg = build_config("test", {"zones": {"usw2-az1": 0, "usw2-az2": 1}, "updateChannel": "latest",
                                "nodeGroups": {"general": {"instanceTypes": ["m7i.large", "m99q.large"], "minSize": 1,
                                                           "desiredSize": 1, "maxSize": 2}}})
    (advice,) = cfg.advisories
    assert advice.startswith("eks-platform:nodeGroups.general.instanceTypes[1]: 'm99q.large' is not an instance type")


def test_preflight_passes_what_the_program_checks(tmp_path: Path) -> None:
    """The config preflight hands the program holds the CLI's strings (a number's text is lost: hence the check)."""
    (tmp_path / "Pulumi.yaml").write_text("name: eks-platform\nruntime: python\n")
    (tmp_path / "__main__.py").write_text("")
    (tmp_path / "Pulumi.test.yaml").write_text(GOOD + "  eks-platform:kubernetesVersion: 1.30\n"
                                                       "  eks-platform:highlyAvailableNat: no\n")
    config = load_project(tmp_path, "test").config
    assert config["eks-platform:kubernetesVersion"] == "1.3"
    assert config["eks-platform:highlyAvailableNat"] == "no"
    assert json.loads(config["eks-platform:zones"]) == {"usw2-az1": 0, "usw2-az2": 1}


def test_every_key_is_stated_once_with_its_default_and_pulumi_yaml_agrees() -> None:
    """StackSettings is the one statement of the keys: their wire kinds, their defaults and their schema."""
    from infra.config import CONFIG_KEYS, DEFAULTS
    from infra.config_models import StackSettings
    from preflight import yamlread
    from tools.schema import stack_file_schema

    aliases = {f.alias for f in StackSettings.model_fields.values()}
    assert set(CONFIG_KEYS) == aliases and len(aliases) == 32
    assert (CONFIG_KEYS["highlyAvailableNat"], CONFIG_KEYS["logRetentionDays"], CONFIG_KEYS["vpcCidr"],
            CONFIG_KEYS["nodeGroups"]) == ("bool", "int", "str", "json")
    declared = yamlread.load(Path(__file__).resolve().parents[2] / "Pulumi.yaml").data["config"]
    for key, decl in declared.items():
        assert decl.get("default") == DEFAULTS.get(key), key
    schema = stack_file_schema()["properties"]["config"]["properties"]
    assert set(schema) >= {f"eks-platform:{k}" for k in aliases}
    cfg = build_config("test", {"zones": {"usw2-az1": 0, "usw2-az2": 1}, "updateChannel": "latest",
                                "nodeGroups": {"general": {"instanceTypes": ["m7i.large"], "minSize": 1,
                                                           "desiredSize": 1, "maxSize": 2}}})
    assert (cfg.vpc_cidr, cfg.kubernetes_version, cfg.log_retention_days, cfg.highly_available_nat) == \
        (DEFAULTS["vpcCidr"], DEFAULTS["kubernetesVersion"], DEFAULTS["logRetentionDays"], True)
