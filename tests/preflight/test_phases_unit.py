"""The preview phase's provider results, and how the two phases' findings are merged."""

from __future__ import annotations

import pytest
from google.protobuf import json_format, struct_pb2

from preflight._wire import SECRET_SIG, SIG_KEY, UNKNOWN
from preflight.analyzer import Violation
from preflight.mockcloud import known_at_preview
from preflight.monitor import preview_state
from preflight.phases import merge_phases


def _struct(value: dict) -> struct_pb2.Struct:  # type: ignore[type-arg]
    out = struct_pb2.Struct()
    out.update(value)
    return out


def test_preview_keeps_inputs_and_makes_computed_outputs_unknown() -> None:
    secret = {SIG_KEY: SECRET_SIG, "value": "s3cr3t"}
    inputs = _struct({"vpcConfig": {"subnetIds": ["subnet-1", UNKNOWN], "endpointPrivateAccess": True},
                      "roleArn": UNKNOWN, "tags": {"team": "x"}, "token": secret})
    computed = {"vpcConfig": {"subnetIds": ["subnet-1", None], "endpointPrivateAccess": True,
                              "endpointPublicAccess": True, "vpcId": "vpc-0123"},
                "roleArn": None, "tags": {"team": "x"}, "token": "s3cr3t", "arn": "arn:aws:eks:...",
                "endpoint": "https://x", "name": "cluster-1234567", "version": None}
    out = json_format.MessageToDict(preview_state("aws:eks/cluster:Cluster", inputs, computed))
    assert out["vpcConfig"]["subnetIds"] == ["subnet-1", UNKNOWN], "the program's values win, unknowns included"
    assert out["vpcConfig"]["endpointPublicAccess"] is True, "a schema default is known at preview"
    assert out["vpcConfig"]["vpcId"] == UNKNOWN, "a computed output is unknown"
    assert out["arn"] == UNKNOWN and out["endpoint"] == UNKNOWN
    assert out["name"] == "cluster-1234567", "an auto-name is made in Check, before the preview"
    assert out["roleArn"] == UNKNOWN and out["token"] == secret
    assert "version" not in out, "an output the provider leaves unset stays unset"


def test_known_at_preview_is_per_type_plus_auto_names() -> None:
    assert known_at_preview("aws:ec2/subnet:Subnet", "mapPublicIpOnLaunch")
    assert not known_at_preview("aws:ec2/vpc:Vpc", "mapPublicIpOnLaunch")
    assert known_at_preview("kubernetes:core/v1:ConfigMap", "metadata.name")
    assert not known_at_preview("aws:kms/key:Key", "arn")


def _violation(policy: str, phase: str, message: str = "m") -> Violation:
    return Violation(policy, "mandatory", "high", "urn:x", message, "d", "pack", "1.0.0", (phase,))


def test_merge_phases_reports_each_finding_once_with_its_phases() -> None:
    merged = merge_phases([[_violation("a", "preview"), _violation("b", "preview")],
                           [_violation("a", "up"), _violation("c", "up"), _violation("b", "up", "other text")]])
    by = {(v.policy, v.message): v.phases for v in merged}
    assert by == {("a", "m"): ("preview", "up"), ("b", "m"): ("preview",), ("c", "m"): ("up",),
                  ("b", "other text"): ("up",)}


def test_a_pack_starts_from_the_environment_before_the_program_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pack boots on its own thread while the program already runs in this process, and the program's run sets
    PULUMI_CONFIG_SECRET_KEYS (and more) in os.environ meanwhile (runner._program_context): the pack's environment
    is the one from before, whatever the timing."""
    import os
    import threading
    from pathlib import Path

    from preflight import phases
    from preflight.cli import Options
    from preflight.errors import PreflightError
    from preflight.project import load_project

    received: dict[str, str] = {}
    program_runs = threading.Event()

    def start_pack(*_args: object, environ: dict[str, str] | None = None, **_kwargs: object) -> None:
        program_runs.wait(30)  # the pack's thread gets here only once the program has changed the environment
        received.update(environ if environ is not None else os.environ)
        raise PreflightError("not started in this test")

    monkeypatch.setattr(phases, "start_pack", start_pack)
    monkeypatch.delenv("PULUMI_CONFIG_SECRET_KEYS", raising=False)
    minimal = Path(__file__).resolve().parents[1] / "fixtures" / "programs" / "minimal"
    starter = phases.PackStarter(Options(program=minimal, policy_pack=Path("policies")), load_project(minimal, "dev"),
                                 {}, "preview")
    monkeypatch.setenv("PULUMI_CONFIG_SECRET_KEYS", "[]")  # as the program's run does
    program_runs.set()
    with pytest.raises(PreflightError):
        starter.wait()
    assert received and "PULUMI_CONFIG_SECRET_KEYS" not in received
