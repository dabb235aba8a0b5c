"""Read YAML the way the Pulumi CLI does, with the line of every key, and safely.

The CLI reads ``Pulumi.yaml`` and ``Pulumi.<stack>.yaml`` with Go's ``yaml.v3``: the YAML 1.2 core schema,
where only ``true``/``false`` (any case shown in the spec) are booleans, so ``no``, ``yes``, ``on`` and
``off`` stay strings; ``1.30`` is a number (1.3); ``0o17``, ``0x1f`` and ``1_000`` are integers; merge keys
(``<<: *defaults``) work; a key given twice in one mapping is refused; timestamps stay strings. PyYAML's own
loaders read YAML 1.1 (``no`` becomes false, ``<<`` only partly) and build every alias expansion, so a small
file of nested aliases (a "billion laughs") takes unbounded memory and time, and an alias inside its own
anchor recurses until Python gives up.

Here PyYAML only parses and composes (a node graph in which an alias is a second reference to its anchor's
node, never a copy); :func:`load` then measures what the aliases would expand to, refuses a recursive alias
or an expansion beyond :data:`MAX_NODES` before building anything, and builds plain Python values with the
YAML 1.2 core schema. :class:`Document` keeps the line of each key and item (``positions``) and how each
scalar was written (``scalars``), so callers can name ``file:line`` and say "YAML read a number".

The module imports nothing of preflight: the stack program (``infra/``) imports it too.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

#: The most nodes a document may expand to through its aliases (a stack file has a few hundred). yaml.v3
#: refuses "excessive aliasing" by a ratio; a fixed bound far above any real file is simpler to state.
MAX_NODES = 100_000

Path_ = tuple[Any, ...]
"""A position in a document: mapping keys and sequence indexes from the top, e.g. ``("config", "aws:region")``."""


class YamlError(ValueError):
    """The text is not YAML the CLI would read; ``line`` (1-based) where known."""

    def __init__(self, message: str, line: int | None = None, checked: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.checked = checked
        """False for a syntax error PyYAML found; True for what this reader refuses (aliases, duplicates)."""

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass(frozen=True)
class Scalar:
    """How a scalar was written: its text, whether unquoted (``plain``), and its line."""

    text: str
    plain: bool
    line: int


@dataclass(frozen=True)
class Document:
    """A YAML document's value, with the line of each key and sequence item."""

    data: Any
    positions: dict[Path_, int] = field(default_factory=dict)
    """1-based line of each key (for a mapping entry) or item (for a sequence entry), by path."""
    scalars: dict[Path_, Scalar] = field(default_factory=dict)
    """How each scalar value was written, by path."""
    source: str = ""
    """The file read (as given), or empty for text."""

    def line(self, path: Path_) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        for end in range(len(path), 0, -1):
            if path[:end] in self.positions:
                return self.positions[path[:end]]
        return None


_PLAIN = "!preflight/plain"
_STR, _INT, _FLOAT, _BOOL, _NULL, _MERGE = (f"tag:yaml.org,2002:{t}" for t in
                                            ("str", "int", "float", "bool", "null", "merge"))
_NULLS = {"", "~", "null", "Null", "NULL"}
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_SPECIAL_FLOATS = {f"{sign}.{word}": math.copysign(math.inf, -1 if sign == "-" else 1)
                   for sign in ("", "+", "-") for word in ("inf", "Inf", "INF")}
_NANS = {".nan", ".NaN", ".NAN"}
_FLOAT_RE = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_INT_RE = re.compile(r"^[-+]?(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|[0-9]+)$")
_GO_OCTAL_RE = re.compile(r"^[-+]?0[0-7]+$")


class _PlainResolver(BaseResolver):
    """Tags every untagged plain scalar ``_PLAIN``; :func:`core_scalar` resolves it (YAML 1.2 core)."""

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        if kind is ScalarNode and implicit[0]:
            return _PLAIN
        return super().resolve(kind, value, implicit)  # type: ignore[no-any-return]


class _Composer(Reader, Scanner, Parser, Composer, _PlainResolver):  # type: ignore[misc]
    """PyYAML's parser and composer only: no constructor, so nothing is built or expanded here."""

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        _PlainResolver.__init__(self)
        self.anchor_of: dict[int, str] = {}

    def compose_document(self) -> Node:
        self.get_event()
        node = self.compose_node(None, None)
        self.get_event()
        self.anchor_of = {id(n): a for a, n in self.anchors.items()}
        self.anchors = {}
        return node  # type: ignore[no-any-return]

    def compose_node(self, parent: Any, index: Any) -> Node:
        # yaml.v3 lets an anchor be defined again (the alias takes the latest); PyYAML refuses it.
        if self.check_event(yaml.events.ScalarEvent, yaml.events.SequenceStartEvent,
                            yaml.events.MappingStartEvent):
            anchor = self.peek_event().anchor
            if anchor is not None:
                self.anchors.pop(anchor, None)
        return super().compose_node(parent, index)  # type: ignore[no-any-return]


def core_scalar(text: str) -> Any:
    """An unquoted scalar as yaml.v3 resolves it: null, bool, int, float, else the string itself."""
    if text in _NULLS:
        return None
    if text in _BOOLS:
        return _BOOLS[text]
    if text in _SPECIAL_FLOATS:
        return _SPECIAL_FLOATS[text]
    if text in _NANS:
        return math.nan
    plain = text.replace("_", "")
    if _INT_RE.match(plain):
        return int(plain, 0) if not _GO_OCTAL_RE.match(plain) else int(plain, 8)
    if _FLOAT_RE.match(plain):
        return float(plain)
    return text


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _expanded_size(root: Node, anchor_of: dict[int, str]) -> None:
    """Count the nodes the document expands to, without expanding it; refuse a recursive alias or a size
    beyond :data:`MAX_NODES`. Each distinct node is measured once (memoised), so this is linear in the text."""
    size: dict[int, int] = {}
    inside: set[int] = set()

    def measure(node: Node) -> int:
        key = id(node)
        if key in size:
            return size[key]
        if key in inside:
            name = anchor_of.get(key)
            raise YamlError(f"the alias *{name} refers to a node that contains it (a recursive alias); YAML "
                            "cannot expand it: write the value out" if name else
                            "a recursive alias; YAML cannot expand it: write the value out", _line(node))
        inside.add(key)
        total = 1
        if isinstance(node, SequenceNode):
            children = node.value
        elif isinstance(node, MappingNode):
            children = [n for pair in node.value for n in pair]
        else:
            children = []
        stack_ok = True
        for child in children:
            total += measure(child)
            if total > MAX_NODES:
                stack_ok = False
                break
        inside.discard(key)
        if not stack_ok:
            raise YamlError(f"the aliases expand this document to more than {MAX_NODES:,} values (an \"alias "
                            "bomb\"); a configuration file has no need for that: write the values out",
                            _line(node))
        size[key] = total
        return total

    measure(root)


class _Builder:
    """Builds plain values from a measured node graph, recording positions."""

    def __init__(self) -> None:
        self.positions: dict[Path_, int] = {}
        self.scalars: dict[Path_, Scalar] = {}

    def build(self, node: Node, path: Path_) -> Any:
        if isinstance(node, ScalarNode):
            return self.scalar(node, path)
        if isinstance(node, SequenceNode):
            items = []
            for index, child in enumerate(node.value):
                self.positions.setdefault((*path, index), _line(child))
                items.append(self.build(child, (*path, index)))
            return items
        if isinstance(node, MappingNode):
            return self.mapping(node, path)
        raise YamlError(f"unexpected YAML node {type(node).__name__}", _line(node))  # pragma: no cover

    def scalar(self, node: ScalarNode, path: Path_) -> Any:
        plain = node.tag == _PLAIN
        self.scalars[path] = Scalar(text=node.value, plain=plain, line=_line(node))
        if plain:
            return core_scalar(node.value)
        if node.tag == _NULL:
            return None
        if node.tag in (_INT, _FLOAT, _BOOL):
            value = core_scalar(node.value)
            wanted = {_INT: int, _FLOAT: (int, float), _BOOL: bool}[node.tag]
            if not isinstance(value, wanted) or (node.tag == _INT and isinstance(value, bool)):
                raise YamlError(f"{node.value!r} is not a {node.tag.rsplit(':', 1)[1]}", _line(node))
            return float(value) if node.tag == _FLOAT else value
        return node.value  # !!str, quoted, block, and tags the CLI reads as their text

    def key(self, node: Node) -> Any:
        if not isinstance(node, ScalarNode):
            raise YamlError("a mapping key must be a plain value, not a list or a mapping", _line(node))
        return core_scalar(node.value) if node.tag == _PLAIN else node.value

    def mapping(self, node: MappingNode, path: Path_) -> dict[Any, Any]:
        merged: dict[Any, Any] = {}
        own: dict[Any, Any] = {}
        first_line: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.tag == _PLAIN and key_node.value == "<<" \
                    or key_node.tag == _MERGE:
                sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                for source in sources:  # the first source wins over later ones, own keys over all
                    if not isinstance(source, MappingNode):
                        raise YamlError("a merge key (<<) takes a mapping or a list of mappings, e.g. <<: *defaults",
                                        _line(source))
                    for k, v in self.mapping(source, path).items():
                        merged.setdefault(k, v)
                        first_line.setdefault(k, self.positions[(*path, k)])
                continue
            key = self.key(key_node)
            try:
                hash(key)
            except TypeError:  # pragma: no cover - key() returns scalars only
                raise YamlError("unhashable mapping key", _line(key_node)) from None
            if key in own:  # (a key also merged in is overridden, as YAML means)
                raise YamlError(f"key {key!r} is given twice in the same mapping (first on line {first_line[key]}); "
                                "keep one", _line(key_node))
            first_line[key] = _line(key_node)
            self.positions[(*path, key)] = _line(key_node)
            own[key] = self.build(value_node, (*path, key))
        return {**merged, **own}


def loads(text: str, source: str = "") -> Document:
    """Read one YAML document from ``text`` (empty text is ``None``); raises :class:`YamlError`."""
    composer = _Composer(text)
    try:
        root = composer.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(p for p in (exc.context, exc.problem) if p)
        raise YamlError(problem or "not valid YAML", mark.line + 1 if mark else None, checked=False) from None
    except yaml.YAMLError as exc:
        raise YamlError(str(exc), checked=False) from None
    except RecursionError:
        raise YamlError("the document nests lists or mappings too deeply to read") from None
    finally:
        composer.dispose()
    if root is None:
        return Document(data=None, source=source)
    try:
        _expanded_size(root, composer.anchor_of)
        builder = _Builder()
        data = builder.build(root, ())
    except RecursionError:
        raise YamlError("the document nests lists or mappings too deeply to read") from None
    return Document(data=data, positions=builder.positions, scalars=builder.scalars, source=source)


def load(path: Path) -> Document:
    """Read the YAML file ``path`` (UTF-8); raises :class:`YamlError` (with the line) or ``OSError``/
    ``UnicodeDecodeError`` for a file that cannot be read."""
    return loads(path.read_text(encoding="utf-8"), source=str(path))
