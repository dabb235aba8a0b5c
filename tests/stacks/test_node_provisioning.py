"""Issue 16's gate: an EC2NodeClass with IMDSv1, a public subnet, an unencrypted volume or ``@latest`` in prod, and a
NodePool with no limits, are each blocked at the first ``pulumi preview`` (preflight ``--phase preview``: key ARNs,
role names, subnet IDs and the cluster's name unknown), and the objects as the components write them pass.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import FIXTURES, REPO, preflight_json

PROGRAMS = FIXTURES / "programs"
PROD = str(REPO / "policies" / "config" / "prod.json")


def _mandatory(data: dict[str, Any], phase: str) -> dict[tuple[str, str], str]:
    """(policy, resource name) -> the violations' messages (the policy's description first, as the CLI shows it)."""
    found: dict[tuple[str, str], str] = {}
    for v in data["violations"]:
        if v["enforcement"] == "mandatory" and phase in v["phases"]:
            key = (v["policy"], v["urn"].split("::")[-1])
            found[key] = found.get(key, "") + v["message"] + "\n"
    return found


@pytest.mark.e2e
def test_each_flaw_is_blocked_at_the_first_preview() -> None:
    code, data, stderr = preflight_json("--program", str(PROGRAMS / "karpenter-violations"), "--phase", "preview",
                                        "--policy-pack-config", PROD)
    assert code == 1, stderr
    assert data["unchecked"] == []
    found = _mandatory(data, "preview")
    assert found[("kubernetes-ec2nodeclass-enforce-imdsv2", "imdsv1")].count(
        "EC2NodeClass 'imdsv1' allows IMDSv1 (spec.metadataOptions.httpTokens is optional)") == 1
    assert found[("kubernetes-nodeclass-disallow-public-subnets", "public-subnet")].count(
        "EC2NodeClass 'public-subnet' selects subnet 'public-discovered' (spec.subnetSelectorTerms[0].tags), which "
        "maps public IPs on launch, so its nodes can be placed there. Select only private subnets: tag them (e.g. "
        "karpenter.sh/discovery: <cluster>) and never the public ones, or name private subnet IDs.") == 1
    assert found[("kubernetes-nodeclass-configure-volume-cmk", "unencrypted-volume")].count(
        "EC2NodeClass 'unencrypted-volume' does not encrypt volume spec.blockDeviceMappings[0] (/dev/xvda)") == 1
    assert found[("kubernetes-ec2nodeclass-configure-pinned-ami", "latest-ami")].count(
        "EC2NodeClass 'latest-ami' takes its AMI from alias 'al2023@latest'") == 1
    assert found[("kubernetes-nodepool-configure-limits", "no-limits")].count(
        "NodePool 'no-limits' can provision without bound (spec.limits is unset)") == 1
    # Each flawed object fails on its own flaw only: the others are written as the components write them.
    flawed = {name for _, name in found if name not in ("roleless-auto", "unscoped-controller", "auto-public")}
    assert {policy for policy, name in found if name in flawed} == {
        "kubernetes-ec2nodeclass-enforce-imdsv2", "kubernetes-nodeclass-configure-volume-cmk",
        "kubernetes-nodeclass-disallow-public-ip", "kubernetes-nodeclass-disallow-public-subnets",
        "kubernetes-ec2nodeclass-configure-pinned-ami", "kubernetes-nodepool-configure-limits",
        "kubernetes-nodepool-configure-expire-after", "kubernetes-nodepool-configure-disruption-budget",
        "kubernetes-nodepool-disallow-do-not-disrupt"}
    assert all(len([p for p, n in found if n == name]) == 1 for name in flawed - {"imdsv1"}), found


@pytest.mark.e2e
def test_latest_is_allowed_where_the_stack_does_not_require_pinning() -> None:
    _, data, stderr = preflight_json("--program", str(PROGRAMS / "karpenter-violations"), "--phase", "preview",
                                     "--policy-pack-config", str(REPO / "policies" / "config" / "staging.json"))
    assert data, stderr
    assert ("kubernetes-ec2nodeclass-configure-pinned-ami", "latest-ami") not in _mandatory(data, "preview")


@pytest.mark.e2e
def test_the_objects_as_the_components_write_them_pass_in_both_phases() -> None:
    code, data, stderr = preflight_json("--program", str(PROGRAMS / "karpenter-clean"), "--phase", "both",
                                        "--policy-pack-config", PROD)
    assert code == 0, stderr
    assert data["violations"] == [] and data["unchecked"] == []
    assert data["manifestErrors"] == []
