"""Shared test set-up: import paths, pulumi mocks backed by preflight's mock cloud, and helpers."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pulumi
import pytest

REPO = Path(__file__).resolve().parent.parent
for path in (REPO, REPO / "policies"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from preflight.mockcloud import CloudIdentity, MockCloud  # noqa: E402

#: The day every test previews on (the EKS version lifecycle is judged on it): frozen, so no test changes with
#: the calendar. Subprocesses (preflight, the policy pack) inherit it. Tests of other days set it themselves.
FROZEN_TODAY = "2026-12-06"
os.environ["EKS_PLATFORM_TODAY"] = FROZEN_TODAY

PROJECT = "eks-platform"
FIXTURES = REPO / "tests" / "fixtures"
#: The project's stacks: every ``Pulumi.<stack>.yaml`` (a new stack file is tested with no other edit).
STACKS = tuple(sorted(p.name[len("Pulumi."):-len(".yaml")] for p in REPO.glob("Pulumi.*.yaml")))


class RecordingMocks(MockCloud):
    """preflight's mock cloud, also keeping every resource it was asked to create, by logical name."""

    def __init__(self) -> None:
        super().__init__(CloudIdentity(region="us-west-2"), stack="test", project=PROJECT)
        self.created: dict[str, Any] = {}

    def new_resource(self, args):  # type: ignore[no-untyped-def]
        resource_id, state = super().new_resource(args)
        self.created[args.name] = args
        return resource_id, state


@pytest.fixture
def mocks(monkeypatch: pytest.MonkeyPatch) -> RecordingMocks:
    """Pulumi unit-test mocks for project ``eks-platform`` and stack ``test``."""
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps({"aws:region": "us-west-2"}))
    m = RecordingMocks()
    pulumi.runtime.set_mocks(m, project=PROJECT, stack="test", preview=False)
    return m


def synth(build: Any) -> Any:
    """Run ``build()`` under the pulumi test runtime and wait for every registration; return its result.

    ``pulumi.runtime.test`` awaits all outstanding RPCs before it returns, so after this call the mocks
    have seen every resource the component creates, including ones that wait on other outputs.
    """
    result: dict[str, Any] = {}

    @pulumi.runtime.test
    def run() -> Any:
        result["value"] = build()
        return result["value"].urn

    run()
    return result["value"]


def resolved(output: Any) -> Any:
    """The value of an Output once the test runtime has finished (mocks resolve everything)."""
    box: dict[str, Any] = {}

    @pulumi.runtime.test
    def run() -> Any:
        return pulumi.Output.from_input(output).apply(lambda v: box.setdefault("v", v))

    run()
    return box["v"]


def scratch_program(where: Path, *, copy: bool = False) -> Path:
    """This project's program in ``where``, without stack files: ``infra`` and ``components`` (linked, or copied
    where the test changes them), ``Pulumi.yaml``, and the virtualenv it names (``.venv``) as this interpreter."""
    where.mkdir(parents=True, exist_ok=True)
    for part in ("infra", "components"):
        if copy:
            shutil.copytree(REPO / part, where / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (where / part).symlink_to(REPO / part)
    shutil.copy(REPO / "Pulumi.yaml", where / "Pulumi.yaml")
    link_virtualenv(where)
    return where


def link_virtualenv(where: Path) -> None:
    """The virtualenv this project's ``Pulumi.yaml`` names (``.venv``), in a copy of it: this interpreter's."""
    (where / ".venv").symlink_to(sys.prefix)


def run_preflight(*args: str, cwd: Path = REPO, timeout: int = 300,
                  extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m preflight`` in a fresh process, as a user would (``extra_env`` added to a clean env).

    Without ``--policy-pack`` or ``--no-policy-pack`` it runs with this repository's pack (preflight's own
    default, like ``pulumi preview``'s, is no pack).
    """
    if not any(a in ("--policy-pack", "--no-policy-pack") or a.startswith("--policy-pack=") for a in args) \
            and "--help" not in args:
        args = (*args, "--policy-pack", str(REPO / "policies"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    return subprocess.run([sys.executable, "-m", "preflight", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env={**env, "PYTHONPATH": str(REPO), **(extra_env or {})})


def preflight_json(*args: str) -> tuple[int, dict[str, Any], str]:
    proc = run_preflight(*args, "--format", "json")
    data = json.loads(proc.stdout) if proc.stdout.strip() else {}
    return proc.returncode, data, proc.stderr
