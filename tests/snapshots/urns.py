"""Every stack's URNs, held to a committed snapshot: a refactor that would replace or delete a resource
(a cluster, a subnet, a file system) fails loudly unless the resource keeps an alias to its old URN.

``python -m tests.snapshots.urns`` (``make snapshot``) records the stacks' URNs after a reviewed change.
Default providers are left out: their URNs follow the installed SDK versions, and a new one replaces no
resource.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tools.architecture import declared as offline_resources
from tools.environments import stacks

REPO = Path(__file__).resolve().parents[2]
SNAPSHOTS = Path(__file__).resolve().parent
#: Every stack with a ``Pulumi.<stack>.yaml``: a new stack file is held to its own snapshot.
STACKS = tuple(stacks())


def declared(stack: str) -> tuple[list[str], dict[str, list[str]]]:
    """The stack's URNs (sorted) and each resource's aliases, from an offline run of the program."""
    resources = [r for r in offline_resources(stack)
                 if not (r["type"].startswith("pulumi:providers:") and r["name"].startswith("default"))]
    return sorted(r["urn"] for r in resources), {r["urn"]: list(r.get("aliases") or []) for r in resources}


def compare(recorded: list[str], urns: list[str], aliases: dict[str, list[str]]) -> tuple[list[str], list[str]]:
    """(gone, new): recorded URNs no resource has or keeps as an alias (replaced or deleted), and unrecorded ones."""
    aliased = {old for olds in aliases.values() for old in olds}
    return sorted(set(recorded) - set(urns) - aliased), sorted(set(urns) - set(recorded))


def path(stack: str) -> Path:
    return SNAPSHOTS / f"urns-{stack}.txt"


def main(only: list[str] | None = None) -> None:
    """Record every stack's URNs, or only those named (``python -m tests.snapshots.urns qa``)."""
    unknown = sorted(set(only or ()) - set(STACKS))
    if unknown:
        raise SystemExit(f"no Pulumi.<stack>.yaml for: {', '.join(unknown)} (stacks: {', '.join(STACKS)})")
    for stack in only or STACKS:
        urns, _ = declared(stack)
        path(stack).write_text("\n".join(urns) + "\n")
        print(f"wrote {path(stack).relative_to(REPO)} ({len(urns)} URNs)")


if __name__ == "__main__":
    main(sys.argv[1:])
