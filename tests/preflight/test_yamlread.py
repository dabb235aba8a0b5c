"""The stack-file reader reads YAML as the Pulumi CLI does (yaml.v3, YAML 1.2 core) and refuses what would hang."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from preflight import yamlread
from preflight.errors import PreflightError
from preflight.project import load_project
from preflight.yamlread import MAX_NODES, YamlError, loads


@pytest.mark.parametrize(("text", "value"), [
    ("no", "no"), ("yes", "yes"), ("on", "on"), ("off", "off"), ("y", "y"), ("NO", "NO"),
    ("true", True), ("False", False), ("TRUE", True),
    ("~", None), ("null", None), ("", None),
    ("1.30", 1.3), ("1.35", 1.35), ("3", 3), ("-4", -4), ("0x1f", 31), ("0o17", 15), ("017", 15), ("1_000", 1000),
    (".inf", math.inf), ("-.Inf", -math.inf),
    ("2001-12-14", "2001-12-14"),  # timestamps stay strings
    ("'1.30'", "1.30"), ('"no"', "no"), ("!!str 12", "12"), ("!!int '12'", 12),
    ("10.0.0.0/16", "10.0.0.0/16"), ("1.2.3", "1.2.3"),
])
def test_scalars_follow_the_yaml_1_2_core_schema(text: str, value: object) -> None:
    assert loads(f"k: {text}\n").data == {"k": value}


def test_merge_keys_merge_with_own_keys_winning() -> None:
    doc = loads("base: &b {a: 1, b: 2}\nother: &o {c: 3, a: 9}\nm:\n  <<: [*b, *o]\n  b: 5\n")
    assert doc.data["m"] == {"a": 1, "b": 5, "c": 3}


def test_positions_name_the_line_of_each_key_and_item() -> None:
    doc = loads("config:\n  aws:region: us-west-2\n  eks-platform:nodeGroups:\n    general:\n"
                "      instanceTypes:\n        - m7i.large\n")
    assert doc.positions[("config", "aws:region")] == 2
    assert doc.positions[("config", "eks-platform:nodeGroups", "general", "instanceTypes", 0)] == 6
    assert doc.line(("config", "eks-platform:nodeGroups", "general", "minSize")) == 4  # nearest ancestor
    assert doc.scalars[("config", "aws:region")] == yamlread.Scalar("us-west-2", True, 2)


def _bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_before_anything_is_built(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[object] = []
    original = yamlread._Builder.build

    def counting(self: yamlread._Builder, node: object, path: tuple[object, ...]) -> object:
        built.append(node)
        return original(self, node, path)  # type: ignore[arg-type]

    monkeypatch.setattr(yamlread._Builder, "build", counting)
    with pytest.raises(YamlError, match="alias bomb") as caught:
        loads(_bomb())  # 9**9 strings once expanded
    assert built == []  # measured, never expanded
    assert f"{MAX_NODES:,}" in str(caught.value)
    # The same aliases at a size a file could mean are read.
    assert len(loads(_bomb(3)).data["a2"]) == 9


@pytest.mark.parametrize("text", ["a: &a [*a]\n", "a: &x\n  b: *x\n", "a: &x {b: [1, {c: *x}]}\n"])
def test_a_recursive_alias_is_one_message_not_a_traceback(text: str) -> None:
    with pytest.raises(YamlError, match=r"recursive alias") as caught:
        loads(text)
    assert caught.value.line == 1


def test_deep_nesting_and_bad_merges_are_refused_with_a_message() -> None:
    with pytest.raises(YamlError, match="too deeply"):
        loads("[" * 20000)
    with pytest.raises(YamlError, match=r"merge key \(<<\) takes a mapping"):
        loads("m:\n  <<: 3\n")


def _project(tmp_path: Path, stack: str) -> Path:
    (tmp_path / "Pulumi.yaml").write_text("name: demo\nruntime: python\n")
    (tmp_path / "__main__.py").write_text("")
    (tmp_path / "Pulumi.dev.yaml").write_text(stack)
    return tmp_path


def test_preflight_passes_no_as_the_string_the_cli_passes(tmp_path: Path) -> None:
    project = load_project(_project(tmp_path, "defaults: &d {demo:flag: no}\nconfig:\n  <<: *d\n  demo:n: 1.30\n"),
                           "dev")
    assert project.config == {"demo:flag": "no", "demo:n": "1.3"}


def test_preflight_refuses_an_alias_bomb_naming_the_file_and_line(tmp_path: Path) -> None:
    with pytest.raises(PreflightError, match=r"Pulumi\.dev\.yaml:\d+: the aliases expand this document"):
        load_project(_project(tmp_path, _bomb()), "dev")
    with pytest.raises(PreflightError, match=r"Pulumi\.dev\.yaml:2: the alias \*x refers to a node that contains it"):
        load_project(_project(tmp_path, "config:\n  demo:x: &x [*x]\n"), "dev")


def test_a_declared_boolean_given_no_is_refused_saying_to_write_false(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: demo\nruntime: python\nconfig:\n  flag: {type: boolean}\n")
    (tmp_path / "__main__.py").write_text("")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  demo:flag: no\n")
    with pytest.raises(PreflightError, match=r"got str 'no' \(the CLI reads YAML 1\.2, where no is a string, not a "
                                             r"boolean\): write false"):
        load_project(tmp_path, "dev")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  demo:flag: false\n")
    assert load_project(tmp_path, "dev").config == {"demo:flag": "false"}
