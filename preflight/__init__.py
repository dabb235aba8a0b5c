"""preflight: run a Pulumi Python program and its policy pack offline, the way
``pulumi preview --policy-pack`` would, with a realistic mock cloud.

Public API: :func:`preflight.cli.preflight` (returns a :class:`preflight.report.Report`) and
``python -m preflight`` (see ``--help``).
"""

from .cli import Options, main, preflight
from .errors import PreflightError
from .report import Report

__all__ = ["Options", "PreflightError", "Report", "main", "preflight"]
