"""Errors that end a preflight run with exit code 2 and one clear message."""

from __future__ import annotations


class PreflightError(Exception):
    """The program, its project files or the policy pack could not run.

    The message is shown to the user as is (no traceback), so it must say what
    is wrong, where, and what to do about it.
    """
