"""preflight --upgrade-to / --from-version: upgrade readiness, on the stacks and on fixture programs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from preflight import lifecycle
from preflight.mockcloud import MockCloud
from tests.conftest import FIXTURES, run_preflight

CASES = FIXTURES / "programs" / "upgrade-cases"


def upgrade(*args: str, program: str | None = None, phase: str = "up") -> tuple[int, dict[str, Any]]:
    where = ("--program", program) if program else ()
    proc = run_preflight(*where, "--no-policy-pack", "--phase", phase, "--format", "json", *args)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def blocking(report: dict[str, Any]) -> set[tuple[str, str]]:
    return {(f["check"], f["resource"]) for f in report["upgrade"]["findings"] if f["severity"] == "blocking"}


@pytest.mark.e2e
@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_every_stack_is_ready_for_the_next_minor(stack: str) -> None:
    code, report = upgrade("--stack", stack, "--upgrade-to", "1.36")
    up = report["upgrade"]
    assert (code, up["from"], up["to"], up["ready"], up["today"]) == (0, "1.35", "1.36", True, "2026-12-06")
    changes = {(f["check"], f["resource"]) for f in up["findings"] if f["severity"] == "change"}
    if stack == "dev":  # updateChannel latest: add-ons resolve for the new version by themselves
        assert changes == set()
    else:  # pinned: kube-proxy is per minor, so the upgrade commit pins the 1.36 one
        assert changes == {("addons", f"{stack}-kube-proxy")}
        (pin,) = [f["message"] for f in up["findings"] if f["severity"] == "change"]
        assert f"in Pulumi.{stack}.yaml (addonVersions)" in pin and "pin v1.36.5-eksbuild.1" in pin
    assert [step["step"].split(" (")[0] for step in up["applyOrder"]][:2] == ["control plane", "add-ons"]
    assert report["summary"]["result"] == "pass"


@pytest.mark.e2e
def test_a_version_eks_does_not_offer_yet_and_a_skipped_minor_are_reported() -> None:
    code, report = upgrade("--stack", "dev", "--upgrade-to", "1.37")
    messages = [f["message"] for f in report["upgrade"]["findings"] if f["severity"] == "blocking"]
    assert code == 1 and report["summary"]["result"] == "fail"
    assert any("skips 1 minor version(s)" in m and "upgrade to 1.36 first" in m for m in messages)
    assert any(m.startswith("EKS does not offer Kubernetes 1.37 on 2026-12-06") and "newest 1.36" in m for m in messages)
    assert any("no EKS-optimised AMI release for Kubernetes 1.37" in m for m in messages)
    # dev runs Auto Mode (AWS runs vpc-cni there): the add-ons it installs are judged, e.g. the EFS CSI driver.
    assert any("EKS lists no aws-efs-csi-driver version for Kubernetes 1.37" in m for m in messages)


@pytest.mark.e2e
@pytest.mark.parametrize(("stack", "expected", "fragment"), [
    ("ready", set(), ""),
    ("skew", {("nodes", "legacy")}, "nodes at 1.32 (releaseVersion 1.32.9-20260101) would be 4 minor versions behind"),
    ("addon", {("addons", "snapshot-controller")}, "EKS lists no snapshot-controller version for Kubernetes 1.36"),
    ("apis", {("apis", "report"), ("apis", "batch-jobs")}, "CronJob uses batch/v1beta1, no longer served from "
                                                           "Kubernetes 1.25; move it to batch/v1"),
    ("pdb", {("disruption", "web-strict"), ("disruption", "web-all")},
     "PodDisruptionBudget shop/web-all requires minAvailable 3 of the 3 replicas of web"),
    ("order", {("nodes", "eager"), ("order", "eager-pod-identity")},
     "this add-on does not wait for the control plane and could be updated before it"),
    ("pinned", set(), ""),
])
def test_each_blocking_case_names_the_resource_and_what_to_change(stack: str, expected: set[tuple[str, str]],
                                                                   fragment: str) -> None:
    code, report = upgrade("--stack", stack, "--upgrade-to", "1.36", program=str(CASES))
    assert blocking(report) == expected
    assert code == (1 if expected else 0)
    assert fragment in "\n".join(f["message"] for f in report["upgrade"]["findings"])


@pytest.mark.e2e
def test_the_ready_program_is_ready_in_the_preview_phase_too_and_the_bad_one_blocked() -> None:
    assert upgrade("--stack", "ready", "--upgrade-to", "1.36", program=str(CASES), phase="preview")[0] == 0
    code, report = upgrade("--stack", "pdb", "--upgrade-to", "1.36", program=str(CASES), phase="preview")
    assert code == 1 and blocking(report) == {("disruption", "web-strict"), ("disruption", "web-all")}


@pytest.mark.e2e
def test_a_pin_left_behind_by_the_upgrade_commit_blocks_it() -> None:
    """--from-version: the config moved to 1.36 but kube-proxy stays pinned for 1.35."""
    code, report = upgrade("--stack", "moved", "--from-version", "1.35", program=str(CASES))
    up = report["upgrade"]
    assert code == 1 and (up["from"], up["to"]) == ("1.35", "1.36")
    assert blocking(report) == {("addons", "kube-proxy")}
    assert "kube-proxy is pinned to v1.35.5-eksbuild.1 in Pulumi.moved.yaml" in up["findings"][0]["message"]
    # the same version as the config: nothing to upgrade, no section
    assert "upgrade" not in upgrade("--stack", "pinned", "--from-version", "1.35", program=str(CASES))[1]


@pytest.mark.e2e
def test_text_and_markdown_carry_the_section() -> None:
    args = ("--program", str(CASES), "--stack", "pdb", "--no-policy-pack", "--phase", "up", "--upgrade-to", "1.36")
    text = run_preflight(*args).stdout
    assert "Upgrade readiness: Kubernetes 1.35 -> 1.36 (on 2026-12-06, --upgrade-to): NOT READY (2 blocking)" in text
    assert "      - [disruption] web-strict: PodDisruptionBudget shop/web-strict has maxUnavailable 0" in text
    markdown = run_preflight(*args, "--format", "markdown").stdout
    assert markdown.startswith("### ❌ preflight: `pdb` has 2 upgrade blockers")
    assert "#### ⛔ Upgrade readiness: Kubernetes `1.35` → `1.36` (not ready: 2 blocking)" in markdown
    assert "⛔ blocking · disruption · `web-all`" in markdown


@pytest.mark.e2e
def test_today_flag_sets_the_clock_and_refuses_a_non_date() -> None:
    code, report = upgrade("--stack", "ready", "--upgrade-to", "1.36", "--today", "2026-06-01", program=str(CASES))
    assert code == 1 and report["upgrade"]["today"] == "2026-06-01"
    assert any(f["message"].startswith("EKS does not offer Kubernetes 1.36 on 2026-06-01")
               for f in report["upgrade"]["findings"])
    proc = run_preflight("--program", str(CASES), "--stack", "ready", "--today", "soon")
    assert proc.returncode == 2 and "--today: EKS_PLATFORM_TODAY='soon' is not a date" in proc.stderr


# -- the data and the invoke answers ---------------------------------------------------------------

def test_every_lifecycle_fact_has_a_source_and_a_recorded_date() -> None:
    data = json.loads((lifecycle.DATA / "eks-versions.json").read_text())
    for v in data["versions"]:
        assert v["source"] and v["recorded"], v["version"]
        assert v["releaseDate"] < v["endOfStandardSupport"] < v["endOfExtendedSupport"], v["version"]
    assert lifecycle.entry("1.34")["endOfStandardSupport"] == "2026-12-02", "EKS release calendar"
    removed = json.loads((lifecycle.DATA / "kubernetes-removed-apis.json").read_text())
    assert removed["source"].startswith("Kubernetes documentation, 'Deprecated API Migration Guide'")


def test_get_cluster_versions_is_answered_from_the_table_on_the_day(monkeypatch: pytest.MonkeyPatch) -> None:
    from pulumi.runtime.mocks import MockCallArgs

    cloud = MockCloud()
    call = MockCallArgs("aws:eks/getClusterVersions:getClusterVersions", {"includeAll": True}, "")
    monkeypatch.setenv("EKS_PLATFORM_TODAY", "2026-12-01")
    rows = {r["clusterVersion"]: r for r in cloud.call(call)["clusterVersions"]}
    assert rows["1.34"]["versionStatus"] == "STANDARD_SUPPORT"
    assert rows["1.34"]["endOfStandardSupportDate"] == "2026-12-02T00:00:00Z"
    monkeypatch.setenv("EKS_PLATFORM_TODAY", "2026-12-02")
    rows = {r["clusterVersion"]: r for r in cloud.call(call)["clusterVersions"]}
    assert rows["1.34"]["versionStatus"] == "EXTENDED_SUPPORT"
    only_supported = cloud.call(MockCallArgs("aws:eks/getClusterVersions:getClusterVersions", {}, ""))
    assert "1.29" not in {r["clusterVersion"] for r in only_supported["clusterVersions"]}, "unsupported left out"


def test_get_addon_version_is_answered_from_the_catalogue() -> None:
    from pulumi.runtime.mocks import MockCallArgs

    from preflight.mockcloud import UnknownResult

    cloud = MockCloud()

    def answer(name: str, version: str) -> str:
        args = {"addonName": name, "kubernetesVersion": version, "mostRecent": True}
        return cloud.call(MockCallArgs("aws:eks/getAddonVersion:getAddonVersion", args, ""))["version"]

    assert answer("kube-proxy", "1.36") == "v1.36.5-eksbuild.1"
    assert answer("vpc-cni", "1.35") == "v1.20.5-eksbuild.1"
    with pytest.raises(UnknownResult, match="EKS lists no snapshot-controller version for Kubernetes 1.36"):
        answer("snapshot-controller", "1.36")
