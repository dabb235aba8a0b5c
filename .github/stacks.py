"""The stacks of this project, from its files: every ``Pulumi.<stack>.yaml`` beside ``Pulumi.yaml``.

Prints them as a JSON list, in deploy order: dev first, prod last, every other stack between them by name.
The workflows' matrices are this list, so a new stack file is a new environment in CI with no other edit.
Standard library only: it runs before anything is installed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

FIRST, LAST = "dev", "prod"


def stacks(root: Path) -> list[str]:
    names = [p.name[len("Pulumi."):-len(".yaml")] for p in root.glob("Pulumi.*.yaml")]
    return sorted(names, key=lambda name: (name != FIRST, name == LAST, name))


if __name__ == "__main__":
    print(json.dumps(stacks(Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd())))
