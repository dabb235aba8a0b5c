"""The policy pack under ``PREFLIGHT_PROFILE=<directory>``: where the pack's time goes, per policy.

preflight starts the pack with this script instead of ``python -m pulumi.policy`` when the variable is set
(``analyzer.PolicyPackProcess``; ``bench/preflight_bench.py`` reads the files). It times, in CPU seconds of
the thread that serves the call, every ``Analyze`` and ``AnalyzeStack`` call and every policy's ``validate``
within them, then runs the pack as ``python -m pulumi.policy`` would. After each ``AnalyzeStack`` (a phase's
last call) it writes ``<directory>/pack-<pid>.json``. It runs in the pack's interpreter and imports nothing
of preflight.
"""

from __future__ import annotations

import json
import os
import runpy
import threading
import time
from pathlib import Path
from typing import Any


def _install(out: Path) -> None:
    from pulumi_policy import policy as sdk

    lock = threading.Lock()
    spent: dict[str, list[float]] = {}
    totals = {"analyze_cpu": 0.0, "analyze_calls": 0, "stack_cpu": 0.0}

    def timed_validate(original: Any) -> Any:
        def validate(self: Any, args: Any, report_violation: Any) -> Any:
            start = time.thread_time()
            try:
                return original(self, args, report_violation)
            finally:
                took = time.thread_time() - start
                with lock:
                    entry = spent.setdefault(self.name, [0.0, 0])
                    entry[0] += took
                    entry[1] += 1
        return validate

    for cls in (sdk.ResourceValidationPolicy, sdk.StackValidationPolicy):
        cls.validate = timed_validate(cls.validate)  # type: ignore[method-assign]

    servicer = sdk._PolicyAnalyzerServicer
    wrapped: dict[str, Any] = {}

    def Analyze(self: Any, request: Any, context: Any) -> Any:  # noqa: N802 - the gRPC method's name
        start = time.thread_time()
        try:
            return wrapped["Analyze"](self, request, context)
        finally:
            with lock:
                totals["analyze_cpu"] += time.thread_time() - start
                totals["analyze_calls"] += 1

    def AnalyzeStack(self: Any, request: Any, context: Any) -> Any:  # noqa: N802
        start = time.thread_time()
        try:
            return wrapped["AnalyzeStack"](self, request, context)
        finally:
            with lock:
                totals["stack_cpu"] += time.thread_time() - start
                data = {**totals, "dry_run": os.environ.get("PULUMI_DRY_RUN", ""),
                        "process_cpu": time.process_time(),
                        "policies": {name: {"cpu": cpu, "calls": calls} for name, (cpu, calls) in spent.items()}}
            out.mkdir(parents=True, exist_ok=True)
            (out / f"pack-{os.getpid()}.json").write_text(json.dumps(data, indent=1, sort_keys=True))

    # Wrapped when the pack builds its PolicyPack (which serves at once), so that the timing is around whatever
    # the pack installed on the servicer on import (policies/_deserialize_once.py replaces AnalyzeStack).
    build = sdk.PolicyPack.__init__

    def PolicyPack(self: Any, *args: Any, **kwargs: Any) -> None:  # noqa: N802 - stands in for the constructor
        wrapped.update(Analyze=servicer.Analyze, AnalyzeStack=servicer.AnalyzeStack)
        servicer.Analyze = Analyze  # type: ignore[method-assign]
        servicer.AnalyzeStack = AnalyzeStack  # type: ignore[method-assign]
        build(self, *args, **kwargs)

    sdk.PolicyPack.__init__ = PolicyPack  # type: ignore[method-assign]


if __name__ == "__main__":
    _install(Path(os.environ["PREFLIGHT_PROFILE"]))
    runpy.run_module("pulumi.policy", run_name="__main__", alter_sys=True)
