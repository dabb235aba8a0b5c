"""Resources streamed to a phase's policy pack while the pack is still booting."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the child process imports this before the analyzer (see isolated.py)
    from .analyzer import Analysis
    from .monitor import RecordedResource


class PendingAnalysis:
    """A phase's stream of resources to its pack, which boots while the program already registers: resources
    that register before the pack is up are kept, and analyzed in order once it is (:meth:`attach`)."""

    def __init__(self) -> None:
        self.analysis: Analysis | None = None
        self._pending: list[RecordedResource] = []
        self._lock = threading.Lock()

    def attach(self, analysis: Analysis) -> None:
        """The pack is up: what registered so far goes to it, and every resource from now on."""
        with self._lock:
            for record in self._pending:
                analysis.submit(record)
            self._pending.clear()
            self.analysis = analysis

    def submit(self, record: RecordedResource) -> None:
        with self._lock:
            if self.analysis is None:
                self._pending.append(record)
                return
        self.analysis.submit(record)
