"""The stack file this stack's config came from: the line of each key, and what the CLI reads without a word.

The Pulumi CLI (and preflight) hand the program its config as ``PULUMI_CONFIG``: values without positions.
To name ``file:line`` in an error, the program reads ``Pulumi.<stack>.yaml`` itself, beside the project's
``Pulumi.yaml`` (in its ``stackConfigDir`` where one is set), with preflight's reader (:mod:`preflight.yamlread`,
YAML 1.2 as the CLI reads it). Where there is no such file (a test, another backend's config), errors name
the key only.

It also refuses what the CLI reads but ignores: a top-level section that is not one of a stack file's
(``confg:``), and a key without namespace beside the same key with it (``vpcCidr:`` beside
``eks-platform:vpcCidr``: one of the two is silently dropped).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from preflight import yamlread

#: The top-level sections of a stack file the Pulumi CLI reads (``ProjectStack``).
SECTIONS = ("config", "encryptedkey", "encryptionsalt", "environment", "secretsprovider")

_KEY = re.compile(r"^([A-Za-z0-9_-]+:[A-Za-z0-9_-]+)")


@dataclass(frozen=True)
class StackFile:
    """A stack file read with positions."""

    shown: str
    """The file as errors name it (relative to the working directory where it is below it)."""
    doc: yamlread.Document

    @property
    def config(self) -> dict[Any, Any]:
        data = self.doc.data if isinstance(self.doc.data, dict) else {}
        config = data.get("config")
        return config if isinstance(config, dict) else {}

    def path_of(self, key: str) -> tuple[Any, ...] | None:
        """The document path of ``key`` as errors spell it (``eks-platform:nodeGroups.general.instanceTypes[0]``):
        the deepest part that is in the file, or None when its top-level key is not."""
        found = _KEY.match(key)
        if not found:
            return None
        top, rest = found.group(1), key[found.end():]
        config = self.config
        if top not in config:
            bare = top.split(":", 1)[1]
            if bare not in config:
                return None
            top = bare
        path: tuple[Any, ...] = ("config", top)
        node = config[top]
        while rest:
            if isinstance(node, list):
                index = re.match(r"^\[(\d+)\]", rest)
                if not index or int(index.group(1)) >= len(node):
                    break
                path, node, rest = (*path, int(index.group(1))), node[int(index.group(1))], rest[index.end():]
            elif isinstance(node, dict) and rest.startswith("."):
                tail = rest[1:]
                names = [k for k in node if isinstance(k, str) and tail.startswith(k)
                         and (len(tail) == len(k) or tail[len(k)] in ".[")]
                if not names:
                    break
                name = max(names, key=len)  # keys may hold dots (labels such as node.kubernetes.io/role)
                path, node, rest = (*path, name), node[name], tail[len(name):]
            else:
                break
        return path

    def line_of(self, key: str) -> int | None:
        path = self.path_of(key)
        return self.doc.line(path) if path else None

    def locate(self, errors: Iterable[str]) -> list[str]:
        """Each error (``<key>: <what is wrong>``) prefixed with ``file:line:`` where its key is in the file."""
        out = []
        for error in errors:
            line = self.line_of(error.split(": ", 1)[0])
            out.append(f"{self.shown}:{line}: {error}" if line else error)
        return out


def locate(errors: Iterable[str], source: StackFile | None) -> list[str]:
    return source.locate(errors) if source else list(errors)


def _project_file(root: Path) -> Path | None:
    return next((root / n for n in ("Pulumi.yaml", "Pulumi.yml") if (root / n).is_file()), None)


def _shown(path: Path) -> str:
    """``path`` relative to its project (the nearest directory above it with a Pulumi.yaml), as users name it."""
    path = path.resolve()
    for root in path.parents:
        if _project_file(root):
            return str(path.relative_to(root))
    return str(path)


def _roots() -> list[Path]:
    """Where the project is: the nearest directory with a Pulumi.yaml from the working directory up (the CLI and
    preflight run the program in its ``main`` directory), then this repository."""
    cwd = Path.cwd().resolve()
    near = next((d for d in (cwd, *cwd.parents) if _project_file(d)), None)
    return [d for d in (near, Path(__file__).resolve().parent.parent) if d is not None]


def find(stack: str, roots: Iterable[Path] | None = None) -> Path | None:
    """``Pulumi.<stack>.yaml`` of the first project among ``roots`` (default: :func:`_roots`) that has one, in
    the project's ``stackConfigDir`` where it names one."""
    for root in roots if roots is not None else _roots():
        project = _project_file(root)
        if project is None:
            continue
        config_dir = root
        try:
            spec = yamlread.load(project).data
        except (OSError, ValueError):
            spec = None
        if isinstance(spec, dict) and spec.get("stackConfigDir"):
            config_dir = root / str(spec["stackConfigDir"])
        for ext in ("yaml", "yml"):
            if (config_dir / f"Pulumi.{stack}.{ext}").is_file():
                return config_dir / f"Pulumi.{stack}.{ext}"
    return None


def read(path: Path) -> StackFile:
    """``path`` read with positions; raises :class:`preflight.yamlread.YamlError` (message with file:line)
    and ``OSError``/``UnicodeDecodeError`` as they come."""
    shown = _shown(path)
    try:
        return StackFile(shown=shown, doc=yamlread.load(path))
    except yamlread.YamlError as exc:
        where = f"{shown}:{exc.line}" if exc.line else shown
        raise yamlread.YamlError(f"{where}: {exc.message}", exc.line, exc.checked) from None


def check(source: StackFile, namespace: str) -> list[str]:
    """What the CLI reads without a word but nothing applies: unknown sections, bare keys beside their twin."""
    errors: list[str] = []
    data = source.doc.data if isinstance(source.doc.data, dict) else {}
    for section in data:
        if section not in SECTIONS:
            near = difflib.get_close_matches(str(section), SECTIONS, n=1, cutoff=0.6)
            hint = f"did you mean {near[0]}:?" if near else f"a stack file has {', '.join(SECTIONS)}."
            errors.append(f"{source.shown}:{source.doc.line((section,))}: {section}: not a section of a stack file, "
                          f"so the CLI ignores everything under it; {hint}")
    if "config" in data and data["config"] is not None and not isinstance(data["config"], dict):
        errors.append(f"{source.shown}:{source.doc.line(('config',))}: config: must be a mapping of keys to values")
    config = source.config
    for key in config:
        if isinstance(key, str) and ":" not in key and f"{namespace}:{key}" in config:
            twin = source.doc.line(("config", f"{namespace}:{key}"))
            errors.append(f"{source.shown}:{source.doc.line(('config', key))}: {key}: given without its namespace "
                          f"beside {namespace}:{key} (line {twin}); the CLI keeps one of the two and drops the other "
                          f"without a word. Keep {namespace}:{key} and delete this line")
    return errors
