"""An unsafe workload, written the way a new user writes one, is blocked by preflight (exit 1)."""

from __future__ import annotations

import pytest

from tests.conftest import FIXTURES, REPO, preflight_json


@pytest.mark.e2e
def test_an_unsafe_build_server_is_blocked_at_the_first_preview() -> None:
    code, data, err = preflight_json("--program", str(FIXTURES / "programs" / "unsafe-app"), "--phase", "preview",
                                     "--policy-pack-config", str(REPO / "policies" / "config" / "prod.json"))
    assert code == 1, err
    fired = {(v["policy"], v["urn"].rsplit("::", 1)[1]) for v in data["violations"] if v["enforcement"] == "mandatory"}
    assert {
        ("kubernetes-pod-disallow-host-path", "builds"),  # the containerd socket
        ("kubernetes-pod-disallow-literal-secrets-in-env", "builds"),
        ("kubernetes-pod-enforce-run-as-non-root", "builds"),
        ("kubernetes-pod-disallow-privilege-escalation", "builds"),
        ("kubernetes-pod-configure-resources", "builds"),
        ("kubernetes-image-disallow-unpinned-references", "builds"),
        ("kubernetes-loadbalancer-enable-tls", "builds-public"),
        ("kubernetes-loadbalancer-disallow-public-access", "builds-public"),
        ("kubernetes-namespace-enforce-pod-security-admission", "ci"),
    } <= fired
    assert data["unchecked"] == [] and data["manifestErrors"] == []
