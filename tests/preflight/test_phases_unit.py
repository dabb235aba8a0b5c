"""The preview phase's provider results, and how the two phases' findings are merged."""

from __future__ import annotations

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
