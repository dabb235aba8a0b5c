"""Where in the program each finding comes from: ``file:line`` from the SDK's source positions.

The Python SDK sends a ``sourcePosition`` with every registration: the line that called the resource's
constructor (in the program, or in a component's code for the resources the component creates). A
resource without one (a child preflight models for a remote component, a default provider, the stack)
takes its nearest ancestor's; the rest (the stack itself, default providers) the program's entry file,
line 1. Paths are relative to the program directory when inside it, so every format shows the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .monitor import RecordedResource


@dataclass(frozen=True)
class Location:
    file: str
    """Relative to the program directory (POSIX separators) when inside it, else absolute."""
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


def relative(path: str, program_dir: str) -> str:
    """``path`` relative to ``program_dir`` (POSIX) when inside it, else ``path`` unchanged."""
    if not program_dir:
        return path
    try:
        return Path(path).resolve().relative_to(Path(program_dir).resolve()).as_posix()
    except ValueError:
        return path


class Locator:
    """``locate(urn)``: the :class:`Location` of a resource's finding (see the module docstring)."""

    def __init__(self, resources: Iterable[RecordedResource], program_dir: str, entry: str) -> None:
        self._by_urn = {r.urn: r for r in resources}
        self._program_dir = program_dir
        self._entry = Location(entry or "__main__.py", 1)
        self._cache: dict[str, Location] = {}

    def __call__(self, urn: str) -> Location:
        found = self._cache.get(urn)
        if found is None:
            found = self._cache[urn] = self._find(urn)
        return found

    def _find(self, urn: str) -> Location:
        seen: set[str] = set()
        record = self._by_urn.get(urn)
        while record is not None and record.urn not in seen:
            seen.add(record.urn)
            if record.source_file:
                return Location(relative(record.source_file, self._program_dir), record.source_line)
            record = self._by_urn.get(record.parent)
        return self._entry


def entry_file(main: Path, root: Path) -> str:
    """The program's entry file (``main:`` or ``__main__.py`` in the project directory), relative to ``root``."""
    path = main / "__main__.py" if main.is_dir() else main
    return relative(str(path), str(root))
