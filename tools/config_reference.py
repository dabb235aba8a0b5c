"""The configuration reference, ``docs/CONFIG.md``, generated from the stack files' JSON Schema.

``python -m tools.config_reference`` (``make docs``) renders ``schema/stack-config.schema.json`` (itself
generated from the config models by ``make schema``) as tables: one row per key of a stack file with its type,
default, allowed values and description, then one table per object the keys hold. Where the schema gives no
description or default for a top-level key, the key's declaration in ``Pulumi.yaml`` does. ``--check`` exits 1
when the committed file differs from what would be generated; a test runs it, so the reference cannot go stale.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
SCHEMA = REPO / "schema" / "stack-config.schema.json"
PROJECT = REPO / "Pulumi.yaml"
OUTPUT = REPO / "docs" / "CONFIG.md"
COMMAND = "python -m tools.config_reference"
#: Longer enumerations are summarised (``aws:region`` lists every region the provider knows).
MAX_LISTED = 12
#: Descriptions of keys that neither the schema nor ``Pulumi.yaml`` describes (provider keys).
_FALLBACK = {"aws:region": "The region the stack deploys to; region-bound ARNs in the stack file must be in it."}
_INTEGER_TEXT = re.compile(r"^\^?\[\+-\]\?\[0-9\]\+\$?$")


def _cell(text: str) -> str:
    """One table cell: one line, pipes escaped, ``<`` escaped so it is not read as HTML."""
    return " ".join(text.split()).replace("|", "\\|").replace("<", "&lt;")


def _value(value: Any) -> str:
    """A YAML value as a stack file writes it, in backticks; strings YAML would read as numbers are quoted."""
    if isinstance(value, str):
        try:
            yaml_value = yaml.safe_load(value)
        except yaml.YAMLError:
            yaml_value = value
        return f"`{json.dumps(value)}`" if yaml_value != value or value == "" else f"`{value}`"
    return f"`{json.dumps(value, sort_keys=True)}`"


def _anchor(title: str) -> str:
    return "#" + re.sub(r"[^a-z0-9 -]", "", title.lower()).replace(" ", "-")


class Reference:
    """The schema's models and how to render a schema node's type, values and description."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        self.defs: dict[str, Any] = schema.get("$defs", {})
        #: Object models with named fields, by title: the ``$defs`` and the models inlined under a key.
        self.models: dict[str, dict[str, Any]] = {}
        for name, node in self.defs.items():
            if "properties" in node and name != "secure":
                self.models[name] = node
        for node in self.keys().values():
            for alt in self._alternatives(node):
                if "properties" in alt and "title" in alt:
                    self.models.setdefault(alt["title"], alt)

    def keys(self) -> dict[str, Any]:
        return dict(self.schema["properties"]["config"]["properties"])

    def required(self) -> set[str]:
        return set(self.schema["properties"]["config"].get("required", []))

    def _alternatives(self, node: dict[str, Any]) -> list[dict[str, Any]]:
        """The node's forms, nested ``anyOf`` flattened, without ``null`` and the ``secure:`` form."""
        if "anyOf" not in node:
            return [node]
        out = []
        for alt in node["anyOf"]:
            if alt.get("$ref") == "#/$defs/secure" or alt.get("type") == "null":
                continue
            out.extend(self._alternatives(alt))
        return out

    def nullable(self, node: dict[str, Any]) -> bool:
        return any(alt.get("type") == "null" for alt in node.get("anyOf", []))

    def _ref(self, node: dict[str, Any]) -> str | None:
        ref = node.get("$ref", "")
        return ref.removeprefix("#/$defs/") if ref.startswith("#/$defs/") else None

    def type_of(self, node: dict[str, Any]) -> str:
        """``string``, ``integer``, ``boolean``, ``array of ...``, ``map of name to ...`` or a model's link."""
        names: list[str] = []
        for alt in self._alternatives(node):
            name = self._single_type(alt)
            if name not in names:
                names.append(name)
        # The CLI's text forms of a scalar ("3", "true") are the same type as the scalar.
        if "integer" in names and "string (an integer)" in names:
            names.remove("string (an integer)")
        if "boolean" in names and "string (a boolean)" in names:
            names.remove("string (a boolean)")
        names = ["integer" if n == "string (an integer)" else "boolean" if n == "string (a boolean)" else n
                 for n in names]
        return " or ".join(dict.fromkeys(names)) or "any"

    def _single_type(self, node: dict[str, Any]) -> str:
        ref = self._ref(node)
        if ref is not None:
            return f"[{ref}]({_anchor(ref)})"
        if "enum" in node:
            values = node["enum"]
            if all(isinstance(v, bool) for v in values):
                return "boolean"
            if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
                return "integer"
            if sorted(values) == ["false", "true"]:
                return "string (a boolean)"
            if all(isinstance(v, str) and v.lstrip("+-").isdigit() for v in values):
                return "string (an integer)"
            return "string"
        kind = node.get("type")
        if kind == "string" and _INTEGER_TEXT.match(node.get("pattern", "")):
            return "string (an integer)"
        if kind == "array":
            return f"array of {self.type_of(node.get('items', {}))}"
        if kind == "object":
            if "properties" in node and "title" in node:
                return f"[{node['title']}]({_anchor(node['title'])})"
            extra = node.get("additionalProperties")
            if isinstance(extra, dict):
                return f"map of name to {self.type_of(extra)}"
            return "object"
        return str(kind) if kind else "any"

    def values_of(self, node: dict[str, Any]) -> str:
        """Allowed values and limits: enumerations, patterns, ranges, sizes, examples."""
        parts: list[str] = []
        for alt in self._alternatives(node):
            for part in self._single_values(alt):
                if part not in parts:
                    parts.append(part)
        if "deprecated" not in parts and any(n.get("deprecated") for n in (node, *node.get("anyOf", []))):
            parts.append("deprecated")
        return "; ".join(parts)

    def _single_values(self, node: dict[str, Any], examples: bool = True) -> list[str]:
        parts = []
        if "enum" in node:
            values = node["enum"]
            if all(isinstance(v, str) and v.lstrip("+-").isdigit() for v in values) or sorted(map(str, values)) == [
                    "false", "true"]:
                return []  # the text form of an integer or boolean already listed
            if len(values) > MAX_LISTED:
                parts.append(f"one of {len(values)} values, {', '.join(_value(v) for v in values[:3])} ...")
            else:
                parts.append(("" if examples else "one of ") + ", ".join(_value(v) for v in values))
        if "pattern" in node and not _INTEGER_TEXT.match(node["pattern"]):
            parts.append(f"matches `{node['pattern']}`")
        low = node.get("minimum", node.get("ge", node.get("exclusiveMinimum")))
        high = node.get("maximum", node.get("le", node.get("exclusiveMaximum")))
        if low is not None and high is not None:
            parts.append(f"{low} to {high}")
        elif low is not None:
            parts.append(f"at least {low}")
        elif high is not None:
            parts.append(f"at most {high}")
        for unit, low_key, high_key in (("item", "minItems", "maxItems"), ("entry", "minProperties", "maxProperties"),
                                        ("character", "minLength", "maxLength")):
            lo, hi = node.get(low_key), node.get(high_key)
            plural = {"item": "items", "entry": "entries", "character": "characters"}[unit]
            if lo is not None and hi is not None:
                parts.append(f"{lo} to {hi} {plural}")
            elif lo is not None:
                parts.append(f"at least {lo} {unit if lo == 1 else plural}")
            elif hi is not None:
                parts.append(f"at most {hi} {unit if hi == 1 else plural}")
        # The values of an array's items or a map's entries, where they are limited.
        inner = node.get("items") if node.get("type") == "array" else node.get("additionalProperties") \
            if node.get("type") == "object" else None
        if isinstance(inner, dict) and "$ref" not in inner:
            each = [part for alt in self._alternatives(inner) for part in self._single_values(alt, examples=False)]
            if each:
                parts.append("each " + ", ".join(each) if len(each) == 1 else "each: " + "; ".join(each))
        if node.get("type") == "object" and isinstance(node.get("propertyNames"), dict) \
                and "enum" in node["propertyNames"]:
            parts.append("names: " + ", ".join(f"`{n}`" for n in node["propertyNames"]["enum"]))
        if node.get("uniqueItems"):
            parts.append("no duplicates")
        if node.get("deprecated"):
            parts.append("deprecated")
        if examples and node.get("examples") and "enum" not in node:
            parts.append(f"e.g. {_value(node['examples'][0])}")
        return parts

    def description_of(self, node: dict[str, Any], follow: bool = False) -> str:
        """The node's description; with ``follow``, a referenced model's where the node gives none."""
        for alt in [node, *self._alternatives(node)]:
            if alt.get("description"):
                return str(alt["description"])
            ref = self._ref(alt) if follow else None
            if ref is not None and self.defs.get(ref, {}).get("description"):
                return str(self.defs[ref]["description"])
        return ""

    def default_of(self, node: dict[str, Any]) -> Any:
        """The schema's default (``...`` when it gives none)."""
        if "default" in node:
            return node["default"]
        for alt in self._alternatives(node):
            if "default" in alt:
                return alt["default"]
        return ...


def _declarations(project: Path = PROJECT) -> dict[str, dict[str, Any]]:
    """``Pulumi.yaml``'s declared config, by key without the project namespace."""
    declared = (yaml.safe_load(project.read_text(encoding="utf-8")) or {}).get("config") or {}
    return {key.split(":", 1)[-1]: value for key, value in declared.items() if isinstance(value, dict)}


def _docstring(text: str) -> str:
    """A model's docstring as one paragraph: reST double backticks become Markdown code."""
    return " ".join(text.replace("``", "`").split())


def render(schema: dict[str, Any], declarations: dict[str, dict[str, Any]]) -> str:
    ref = Reference(schema)
    required = ref.required()
    out = [
        "# Configuration reference",
        "",
        f"<!-- Generated by `{COMMAND}`; do not edit. -->",
        "",
        f"Every key a stack file (`Pulumi.<stack>.yaml`) may set, generated by `{COMMAND}` (`make docs`) from "
        "[`schema/stack-config.schema.json`](../schema/stack-config.schema.json), which `make schema` generates "
        "from the config models; descriptions and defaults the schema does not give come from the keys' "
        "declarations in [`Pulumi.yaml`](../Pulumi.yaml). `tests/test_docs.py` fails while this file is stale. "
        "What the keys mean together, with examples: [the user guide](USER-GUIDE.md#configuration).",
        "",
        "Any key may instead hold a secret (`secure: ...`, written by `pulumi config set --secret`); the program "
        "refuses secrets where a value would not stay secret. A key of the `eks-platform:` or `aws:` namespace "
        "not listed here (or among the `aws:` provider's own settings) is refused.",
        "",
        "## Keys",
        "",
        "| Key | Type | Default | Values | Description |",
        "|---|---|---|---|---|",
    ]
    keys = ref.keys()
    for name in sorted(keys, key=lambda k: (not k.startswith("aws:"), k.lower())):
        node = keys[name]
        short = name.split(":", 1)[1] if name.startswith("eks-platform:") else name
        declared = declarations.get(short, {})
        default = ref.default_of(node)
        if default is ...:
            default = declared.get("default", ...)
        shown = "(required)" if name in required else "" if default is ... else _value(default)
        description = ref.description_of(node, follow=True) or str(declared.get("description", "")) or _FALLBACK.get(name, "")
        out.append(f"| `{name}` | {_cell(ref.type_of(node))} | {_cell(shown)} | {_cell(ref.values_of(node))} | "
                   f"{_cell(_docstring(description))} |")
    out += ["", "## Objects", "",
            "The fields of the objects the keys hold. An object refuses fields it does not list; a field without a "
            "default is required where marked, else optional (unset).", ""]
    for title in sorted(ref.models, key=str.lower):
        model = ref.models[title]
        out += [f"### {title}", ""]
        if model.get("description"):
            out += [_docstring(str(model["description"])), ""]
        described = any(ref.description_of(node) for node in model["properties"].values())
        out += ["| Field | Type | Default | Values |" + (" Description |" if described else ""),
                "|---|---|---|---|" + ("---|" if described else "")]
        needed = set(model.get("required", []))
        for field, node in model["properties"].items():
            default = ref.default_of(node)
            shown = "(required)" if field in needed else "" if default is ... or default is None else _value(default)
            kind = ref.type_of(node) + (" or null" if ref.nullable(node) and default is not None else "")
            row = f"| `{field}` | {_cell(kind)} | {_cell(shown)} | {_cell(ref.values_of(node))} |"
            out.append(row + (f" {_cell(_docstring(ref.description_of(node)))} |" if described else ""))
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def generate() -> str:
    return render(json.loads(SCHEMA.read_text(encoding="utf-8")), _declarations())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--check", action="store_true", help="exit 1 when the file is stale, without writing")
    args = parser.parse_args(argv)
    text = generate()
    current = args.output.read_text(encoding="utf-8") if args.output.exists() else None
    if args.check:
        if current != text:
            print(f"{args.output.name} is stale: run {COMMAND} (make docs)", file=sys.stderr)
            return 1
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output.name} ({text.count(chr(10) + '| `')} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
