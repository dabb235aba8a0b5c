"""preflight: run a Pulumi Python program and its policy pack offline, the way
``pulumi preview --policy-pack`` would, with a realistic mock cloud.

Public API: :func:`preflight.cli.preflight` (returns a :class:`preflight.report.Report`) and
``python -m preflight`` (see ``--help``).

The names below load on first use, so that ``python -m preflight`` can answer a Ctrl-C that lands while it
loads (``preflight/__main__.py``) instead of Python printing a traceback.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["Options", "PreflightError", "Report", "main", "preflight"]

_HOME = {"Options": "cli", "main": "cli", "preflight": "cli", "PreflightError": "errors", "Report": "report"}


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module 'preflight' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_HOME[name]}", __name__), name)
