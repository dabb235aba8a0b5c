"""The component diagram of docs/ARCHITECTURE.md, generated from an offline run of the prod stack
(``python -m tools.architecture``, part of ``make docs``); a test fails when the committed one is stale.

The diagram is preflight's own (the one its pull-request comment shows): a node per component, a box for a
component holding others, and ``A --> B`` when a resource in A depends on one in B.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from google.protobuf import struct_pb2

from preflight.markdown import component_graph, mermaid
from preflight.monitor import RecordedResource

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "ARCHITECTURE.md"
START, END = "<!-- components:start -->", "<!-- components:end -->"
STACK = "prod"


def declared(stack: str) -> list[dict[str, Any]]:
    """What the stack's program declares, as preflight's JSON lists it: an offline ``up`` in a fresh process,
    with no policy pack (the program's resources, not the pack's verdicts)."""
    proc = subprocess.run([sys.executable, "-m", "preflight", "--stack", stack, "--phase", "up", "--no-policy-pack",
                           "--format", "json"], cwd=REPO, capture_output=True, text=True, timeout=600,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    if not proc.stdout.strip():
        raise RuntimeError(f"preflight failed for stack {stack}: {proc.stderr.strip()}")
    resources: list[dict[str, Any]] = json.loads(proc.stdout)["resources"]
    return resources


def resources(stack: str = STACK) -> list[RecordedResource]:
    """The stack's resources as preflight records them, for its component graph."""
    return [RecordedResource(seq=i, urn=r["urn"], type=r["type"], name=r["name"], custom=r["custom"],
                             parent=r["parent"], inputs=struct_pb2.Struct(), remote=r["remote"],
                             dependencies=r["dependencies"], property_dependencies=r["propertyDependencies"])
            for i, r in enumerate(declared(stack))]


def diagram(stack: str = STACK) -> str:
    return mermaid(component_graph(resources(stack)))


def render(doc: str, block: str) -> str:
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.S)
    if not pattern.search(doc):
        raise ValueError(f"{DOC.name} has no {START} ... {END} block")
    return pattern.sub(lambda _: f"{START}\n{block}\n{END}", doc)


def main() -> int:
    DOC.write_text(render(DOC.read_text(), diagram()))
    print(f"wrote the component diagram of {DOC.relative_to(REPO)} (stack {STACK})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
