"""The SDK floor for the benchmark: run a program as the language host does, against the SDK's own
``MockMonitor`` with no-op mocks, no recording and no policy pack.

    python bench/_floor.py <program dir> <stack> [--collector-paused]

``--collector-paused`` runs the program with the cyclic garbage collector off, as preflight does, so
preflight's own overhead can be read apart from that setting.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import runpy
import sys
from pathlib import Path

import pulumi
import pulumi.runtime
import yaml
from google.protobuf import empty_pb2
from pulumi.runtime import mocks, settings


class NoOpMocks(mocks.Mocks):
    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, dict]:  # type: ignore[type-arg]
        return f"{args.name}_id", args.inputs

    def call(self, args: mocks.MockCallArgs) -> dict:  # type: ignore[type-arg]
        return {}


def main() -> None:
    program, stack = Path(sys.argv[1]).resolve(), sys.argv[2]
    project = yaml.safe_load((program / "Pulumi.yaml").read_text())["name"]
    config = (yaml.safe_load((program / f"Pulumi.{stack}.yaml").read_text()) or {}).get("config") or {}
    pulumi.runtime.set_all_config({k: v if isinstance(v, str) else json.dumps(v) for k, v in config.items()}, [])
    monitor = mocks.MockMonitor(NoOpMocks())
    settings.configure(mocks.MockSettings(
        monitor=monitor, monitor_features=set(monitor.GetDeploymentInfo(empty_pb2.Empty()).supportedFeatures),
        engine=mocks.MockEngine(None), project=project, stack=stack, dry_run=True, organization="organization",
        callbacks=None))
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    os.chdir(program)
    if "--collector-paused" in sys.argv[3:]:
        gc.disable()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(pulumi.runtime.run_in_stack(lambda: runpy.run_path(str(program), run_name="__main__")))
    finally:
        loop.close()


if __name__ == "__main__":
    main()
