"""The Pod Security Standards at each namespace's level, and the pack's defaults, through preflight in both phases.

``pss-violations`` declares namespaces that enforce baseline (latest and v1.33) and restricted (auto-named, so
its workloads' namespace is unknown at a first preview): each control is caught at its level with the pack's
defaults, restricted-only findings in a baseline namespace are advice, and twins the level admits are silent.
``hardened-defaults`` is a clean program of the kind users write: the defaults give it advisories only, and our
own stacks' configs keep the reliability and organisation-choice rules mandatory.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import FIXTURES, REPO, preflight_json

PROGRAMS = FIXTURES / "programs"


def _by_level(data: dict[str, Any]) -> dict[str, set[tuple[str, str]]]:
    out: dict[str, set[tuple[str, str]]] = {"mandatory": set(), "advisory": set()}
    for v in data["violations"]:
        assert v["phases"] == ["preview", "up"], v
        out[v["enforcement"]].add((v["policy"], v["urn"].split("::")[-1]))
    return out


@pytest.mark.e2e
def test_each_control_is_judged_at_its_namespace_s_level_with_the_defaults() -> None:
    code, data, stderr = preflight_json("--program", str(PROGRAMS / "pss-violations"), "--phase", "both")
    assert code == 1, stderr
    assert data["unchecked"] == []
    found = _by_level(data)
    pss = {f for f in found["mandatory"] if f[0].startswith("kubernetes-pod-")}
    assert pss == {
        ("kubernetes-pod-disallow-apparmor-override", "apparmor-unconfined-api"),
        ("kubernetes-pod-disallow-custom-selinux-options", "selinux-spc-api"),
        ("kubernetes-pod-disallow-unsafe-sysctls", "unsafe-sysctl-api"),
        ("kubernetes-pod-disallow-probe-host", "probe-host-api"),
        ("kubernetes-pod-disallow-unmasked-proc-mount", "unmasked-proc-api"),
        ("kubernetes-pod-disallow-restricted-volume-types", "nfs-volume-api"),
    }, pss
    assert ("kubernetes-pod-configure-restricted-pod-security", "escalation-in-baseline-api") in found["advisory"]
    twins = {"hardened-twin", "engine-twin", "probe-host-twin", "userns-twin"}
    assert not {name for _, name in found["mandatory"] | found["advisory"]} & twins


@pytest.mark.e2e
def test_prod_config_makes_restricted_advice_mandatory() -> None:
    _, data, _ = preflight_json("--program", str(PROGRAMS / "pss-violations"), "--phase", "both",
                                "--policy-pack-config", str(REPO / "policies" / "config" / "prod.json"))
    assert ("kubernetes-pod-configure-restricted-pod-security", "escalation-in-baseline-api") in \
        _by_level(data)["mandatory"]


@pytest.mark.e2e
def test_a_hardened_program_passes_the_defaults_with_advisories_only() -> None:
    code, data, stderr = preflight_json("--program", str(PROGRAMS / "hardened-defaults"), "--phase", "both")
    assert code == 0, stderr
    assert data["unchecked"] == []
    found = _by_level(data)
    assert found["mandatory"] == set()
    assert found["advisory"] == {("kubernetes-workload-configure-replicas-and-pdb", "storefront"),
                                 ("kubernetes-loadbalancer-disallow-public-access", "storefront")}


@pytest.mark.e2e
@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_our_stacks_keep_reliability_and_allowlist_rules_mandatory(stack: str) -> None:
    _, data, _ = preflight_json("--program", str(PROGRAMS / "hardened-defaults"), "--phase", "both",
                                "--policy-pack-config", str(REPO / "policies" / "config" / f"{stack}.json"))
    mandatory = {policy for policy, _ in _by_level(data)["mandatory"]}
    assert {"kubernetes-workload-configure-replicas-and-pdb", "kubernetes-loadbalancer-disallow-public-access"} \
        <= mandatory, mandatory
    assert "aws-kms-key-missing-policy" not in mandatory


@pytest.mark.e2e
def test_creator_admin_forced_by_pulumi_eks_is_actionable_in_both_phases(tmp_path: Any) -> None:
    import json

    program = str(PROGRAMS / "pulumi-eks")
    _, data, _ = preflight_json("--program", program, "--phase", "both")
    (finding,) = [v for v in data["violations"] if v["policy"] == "aws-eks-cluster-disable-creator-admin"
                  and v["urn"].endswith("::hardened-eksCluster")]
    assert finding["phases"] == ["preview", "up"]
    assert "pulumi-eks Cluster 'hardened' always sets" in finding["message"] and "deployingRoles" in finding["message"]
    config = tmp_path / "policy.json"
    config.write_text(json.dumps({"aws-eks-cluster-disable-creator-admin": {
        "deployingRoles": ["arn:aws:iam::123456789012:role/deployer"]}}))
    _, allowed, _ = preflight_json("--program", program, "--phase", "both", "--policy-pack-config", str(config))
    assert not [v for v in allowed["violations"] if v["policy"] == "aws-eks-cluster-disable-creator-admin"]
