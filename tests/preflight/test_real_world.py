"""Shapes public programs use run through preflight with the findings a real preview gives, nothing dropped."""

from __future__ import annotations

import pytest

from tests.conftest import FIXTURES, preflight_json, run_preflight

REAL_WORLD = FIXTURES / "programs" / "real-world"


@pytest.fixture(scope="module")
def report() -> dict:  # type: ignore[type-arg]
    code, data, stderr = preflight_json("--program", str(REAL_WORLD))
    assert code == 1, stderr
    return data


@pytest.mark.e2e
def test_it_runs_with_the_findings_a_real_preview_gives(report: dict) -> None:  # type: ignore[type-arg]
    findings = [(v["policy"], v["urn"].split("::")[-1], v["phases"]) for v in report["violations"]]
    assert findings == [("aws-ec2-launchtemplate-enable-volume-encryption", "bare", ["preview", "up"])]
    (violation,) = report["violations"]
    assert "root (implicit: no rootBlockDevice)" in violation["message"]
    assert report["outputs"]["replicas"] == 3, 'a quoted "3" for an integer key, as the CLI reads it'
    assert report["outputs"]["encoded"] == "aGVsbG8=", "pulumi-std functions answered offline"
    assert report["outputs"]["subnet"] == "10.0.3.0/24"


@pytest.mark.e2e
def test_nothing_is_dropped_without_being_named(report: dict) -> None:  # type: ignore[type-arg]
    assert [(n["type"], n["urn"].split("::")[-1]) for n in report["notVisible"]] == [
        ("kubernetes:helm.sh/v3:Chart", "ingress"), ("kubernetes:kustomize:Directory", "app")]
    assert [d["message"] for d in report["diagnostics"] if d["severity"] == "warning"] == [
        "invoke tls:index/getCertificate:getCertificate: no answer offline (tls:index/getCertificate:"
        "getCertificate needs its provider or the cloud to answer); its result was unknown"]
    assert report["outputs"]["thumbprint"] == "[unknown]", "unknown, never the arguments echoed back"


@pytest.mark.e2e
def test_a_secret_is_validated_with_its_value_and_never_printed(report: dict) -> None:  # type: ignore[type-arg]
    assert report["manifestErrors"] == [] and report["summary"]["manifestsChecked"] == 1
    (secret,) = [r for r in report["resources"] if r["type"] == "kubernetes:core/v1:Secret"]
    assert "[secret]" in str(secret["inputs"]["data"])
    proc = run_preflight("--program", str(REAL_WORLD), "--format", "json")
    assert "Y29ycmVjdCBob3JzZQ==" not in proc.stdout and "correct horse" not in proc.stdout


@pytest.mark.e2e
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_two_runs_give_byte_identical_reports(fmt: str) -> None:
    # Two processes, under two hash seeds: the runs of test_real_world_causes.py's determinism test (shared).
    first = run_preflight("--program", str(REAL_WORLD), "--format", fmt)
    second = run_preflight("--program", str(REAL_WORLD), "--format", fmt, extra_env={"PYTHONHASHSEED": "31337"})
    assert first.stdout == second.stdout and first.stdout
    assert "object at 0x" not in first.stdout
