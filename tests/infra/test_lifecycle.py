"""The stack's Kubernetes version against the EKS lifecycle (infra/lifecycle.py), on frozen days."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pulumi
import pytest

from infra import lifecycle
from infra.config import ConfigError
from preflight import lifecycle as data
from tests.conftest import run_preflight

#: The rows the invoke returns offline (preflight's lifecycle table), every version included.
ROWS = data.cluster_versions({"includeAll": True}, on=datetime.date(2026, 12, 6))["clusterVersions"]
DAY = datetime.date


def check(version: str, support: str, on: datetime.date, days: int = 60) -> tuple[list[str], list[str]]:
    return lifecycle.check_lifecycle(version, support, ROWS, on, days)


def test_past_end_of_standard_support_is_refused_with_the_date() -> None:
    """1.34 left standard support on 2026-12-02 (EKS release calendar)."""
    (error,), warnings = check("1.34", "STANDARD", DAY(2026, 12, 2))
    assert error == ('eks-platform:kubernetesVersion: "1.34" left EKS standard support on 2026-12-02 (today is '
                     '2026-12-02); upgrade to 1.35 (one minor version at a time), or set eks-platform:supportType: '
                     'EXTENDED to stay on it in paid extended support until 2027-12-02')
    assert warnings == []


def test_extended_chosen_explicitly_is_accepted_with_what_it_costs() -> None:
    errors, (warning,) = check("1.34", "EXTENDED", DAY(2026, 12, 6))
    assert errors == []
    assert "is in paid EKS extended support since 2026-12-02 (eks-platform:supportType: EXTENDED), until 2027-12-02" \
        in warning


def test_the_day_before_is_accepted_with_the_advisory_inside_the_window() -> None:
    errors, (warning,) = check("1.34", "STANDARD", DAY(2026, 12, 1))
    assert errors == []
    assert warning.startswith('eks-platform:kubernetesVersion: "1.34" leaves EKS standard support on 2026-12-02, in '
                              "1 day; upgrade to 1.35")
    assert "EKS upgrades the control plane itself" in warning


def test_outside_the_window_no_warning_and_the_window_is_configurable() -> None:
    assert check("1.34", "STANDARD", DAY(2026, 10, 1)) == ([], [])
    errors, (warning,) = check("1.34", "STANDARD", DAY(2026, 10, 1), days=90)
    assert errors == [] and "in 62 days" in warning
    assert check("1.34", "STANDARD", DAY(2026, 12, 1), days=0) == ([], [])


def test_past_end_of_extended_support_is_refused_even_with_extended() -> None:
    (error,), _ = check("1.31", "EXTENDED", DAY(2026, 12, 6))
    assert "left EKS extended support on 2026-11-26" in error and "upgrade to 1.32" in error


def test_extended_support_ending_soon_warns() -> None:
    errors, warnings = check("1.34", "EXTENDED", DAY(2027, 11, 30))
    assert errors == [] and any("leaves EKS extended support on 2027-12-02, in 2 days" in w for w in warnings)


def test_a_version_eks_does_not_list_is_refused() -> None:
    (error,), _ = check("1.40", "STANDARD", DAY(2026, 12, 6))
    assert error.startswith('eks-platform:kubernetesVersion: "1.40" is not a version EKS offers '
                            "(aws.eks.get_cluster_versions lists 1.29, 1.30")


def test_the_clock_is_one_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EKS_PLATFORM_TODAY", "2027-01-02")
    assert lifecycle.today() == data.today() == DAY(2027, 1, 2)
    monkeypatch.setenv("EKS_PLATFORM_TODAY", "next tuesday")
    with pytest.raises(ConfigError, match="EKS_PLATFORM_TODAY='next tuesday' is not a date"):
        lifecycle.today()


@pytest.mark.parametrize(("today", "support", "refused"), [
    ("2026-12-02", "STANDARD", True), ("2026-12-02", "EXTENDED", False), ("2026-12-01", "STANDARD", False)])
def test_the_program_reads_the_lifecycle_with_the_invoke(mocks: object, monkeypatch: pytest.MonkeyPatch,
                                                        today: str, support: str, refused: bool) -> None:
    """enforce() calls aws.eks.get_cluster_versions (answered by preflight's mock cloud from its table)."""
    monkeypatch.setenv("EKS_PLATFORM_TODAY", today)
    warned: list[str] = []
    monkeypatch.setattr(pulumi.log, "warn", lambda msg, *a, **k: warned.append(msg))
    if refused:
        with pytest.raises(ConfigError, match="left EKS standard support on 2026-12-02"):
            lifecycle.enforce("1.34", support, 60)
    else:
        lifecycle.enforce("1.34", support, 60)
        assert len(warned) == 1 and "1.34" in warned[0]


@pytest.mark.e2e
def test_preflight_refuses_the_dev_stack_past_its_end_of_standard_support() -> None:
    proc = run_preflight("--stack", "dev", "--no-policy-pack", "--phase", "preview",
                         extra_env={"EKS_PLATFORM_TODAY": "2027-03-27"})
    assert proc.returncode == 2, proc.stderr
    assert 'eks-platform:kubernetesVersion: "1.35" left EKS standard support on 2027-03-27' in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.e2e
def test_preflight_shows_the_advisory_under_diagnostics_the_day_before() -> None:
    proc = run_preflight("--stack", "dev", "--no-policy-pack", "--phase", "preview",
                         extra_env={"EKS_PLATFORM_TODAY": "2027-03-26"})
    assert proc.returncode == 0, proc.stderr
    diagnostics = proc.stdout.split("Diagnostics:", 1)[1]
    assert 'warning: eks-platform:kubernetesVersion: "1.35" leaves EKS standard support on 2027-03-27, in 1 day' \
        in diagnostics


@pytest.mark.e2e
@pytest.mark.parametrize(("support", "code"), [("STANDARD", 2), ("EXTENDED", 0)])
def test_a_stack_past_standard_support_is_refused_unless_it_chose_extended(tmp_path: Path, support: str,
                                                                            code: int) -> None:
    """dev's config on 1.35's end of standard support: refused with STANDARD, accepted with EXTENDED."""
    from tests.stacks.test_stacks import _project_with

    program = _project_with(tmp_path, {"supportType": support})
    proc = run_preflight("--program", str(program), "--stack", "bad", "--no-policy-pack", "--phase", "preview",
                         "--format", "json", "--today", "2027-03-27")
    assert proc.returncode == code, proc.stderr
    if code == 2:
        assert 'left EKS standard support on 2027-03-27' in proc.stderr and "supportType: EXTENDED" in proc.stderr
        return
    report = json.loads(proc.stdout)
    (cluster,) = [r for r in report["resources"] if r["type"] == "aws:eks/cluster:Cluster"]
    assert cluster["inputs"]["upgradePolicy"] == {"supportType": "EXTENDED"}
    assert any("is in paid EKS extended support since 2027-03-27" in d["message"] for d in report["diagnostics"])


def test_dates_with_an_offset_are_read_as_their_utc_day() -> None:
    """The EKS API documents 1.31's end of standard support as 2025-11-25T16:00:00-08:00: 2025-11-26 UTC."""
    row = {"clusterVersion": "1.31", "endOfStandardSupportDate": "2025-11-25T16:00:00-08:00",
           "endOfExtendedSupportDate": "2026-11-25T16:00:00-08:00"}
    assert lifecycle.check_lifecycle("1.31", "STANDARD", [row], DAY(2025, 11, 25), 0) == ([], [])
    (error,), _ = lifecycle.check_lifecycle("1.31", "STANDARD", [row], DAY(2025, 11, 26), 0)
    assert "left EKS standard support on 2025-11-26" in error
