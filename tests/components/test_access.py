"""Access: access entries, the admin association, team namespaces and least-privilege RBAC (pulumi mocks)."""

from __future__ import annotations

import pulumi
import pytest

from components.access import Access, AccessArgs, TeamAccessArgs, admin_rules, viewer_rules
from tests.conftest import synth

ADMIN = "arn:aws:iam::111111111111:role/platform-admin"
TEAMS = {
    "platform": TeamAccessArgs(role_arn=ADMIN, level="cluster-admin"),
    "payments": TeamAccessArgs(role_arn="arn:aws:iam::111111111111:role/payments", level="namespace-admin",
                               namespaces=["payments"]),
    "support": TeamAccessArgs(role_arn="arn:aws:iam::111111111111:role/support", level="namespace-viewer",
                              namespaces=["payments", "checkout"]),
}


def _build() -> Access:
    def build() -> Access:
        provider = pulumi.ProviderResource("kubernetes", "k8s", {"kubeconfig": "{}"})
        return Access("acc", AccessArgs(cluster_name="eks-test", teams=TEAMS, kubernetes_provider=provider,
                                        cluster_admin_allowlist=[ADMIN]))
    return synth(build)


def test_access_entries_and_cluster_admin_association(mocks) -> None:  # type: ignore[no-untyped-def]
    _build()
    entries = {n: a.inputs for n, a in mocks.created.items() if a.typ == "aws:eks/accessEntry:AccessEntry"}
    assert set(entries) == {"acc-platform", "acc-payments", "acc-support"}
    assert entries["acc-platform"]["kubernetesGroups"] == []
    assert entries["acc-payments"]["kubernetesGroups"] == ["eks-platform:payments:namespace-admin"]
    assert all(e["type"] == "STANDARD" for e in entries.values())
    (assoc,) = [a.inputs for a in mocks.created.values() if a.typ.endswith("AccessPolicyAssociation")]
    assert assoc["principalArn"] == ADMIN and assoc["accessScope"] == {"type": "cluster"}
    assert assoc["policyArn"] == "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"


def test_namespaces_with_pod_security_and_bindings(mocks) -> None:  # type: ignore[no-untyped-def]
    _build()
    namespaces = {a.inputs["metadata"]["name"]: a.inputs for a in mocks.created.values()
                  if a.typ == "kubernetes:core/v1:Namespace"}
    assert set(namespaces) == {"payments", "checkout"}
    for ns in namespaces.values():
        for mode in ("enforce", "audit", "warn"):
            assert ns["metadata"]["labels"][f"pod-security.kubernetes.io/{mode}"] == "restricted"
    bindings = {n: a.inputs for n, a in mocks.created.items() if a.typ.endswith("RoleBinding")}
    assert set(bindings) == {"acc-payments-payments", "acc-support-payments", "acc-support-checkout"}
    viewer = bindings["acc-support-checkout"]
    assert viewer["metadata"]["namespace"] == "checkout"
    assert viewer["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                 "name": "eks-platform:namespace-viewer"}
    assert viewer["subjects"] == [{"kind": "Group", "name": "eks-platform:support:namespace-viewer",
                                   "apiGroup": "rbac.authorization.k8s.io"}]


def _verbs(rules: list[dict[str, list[str]]], resource: str) -> set[str]:
    return {v for r in rules if resource in r["resources"] for v in r["verbs"]}


def test_cluster_roles_are_least_privilege() -> None:
    for rules in (admin_rules(), viewer_rules()):
        flat = [x for r in rules for key in ("apiGroups", "resources", "verbs") for x in r[key]]
        assert "*" not in flat, "no wildcards"
        assert not {"bind", "escalate", "impersonate"} & set(flat)
        assert not {"roles", "rolebindings", "clusterroles", "clusterrolebindings", "pods/exec"} & set(flat)
    assert _verbs(viewer_rules(), "secrets") == set(), "viewers never see Secrets"
    assert _verbs(admin_rules(), "secrets") == {"create", "update", "patch", "delete"}, "admins write, never read"
    assert _verbs(viewer_rules(), "pods") == {"get", "list", "watch"}


@pytest.mark.parametrize(("team", "fragment"), [
    (TeamAccessArgs(role_arn="arn:aws:iam::1:role/x", level="cluster-admin"), "not in cluster_admin_allowlist"),
    (TeamAccessArgs(role_arn="arn:aws:iam::1:user/x", level="namespace-viewer", namespaces=["a"]),
     "must be an IAM role ARN"),
    (TeamAccessArgs(role_arn="arn:aws:iam::1:role/x", level="namespace-admin"), "needs namespaces"),
    (TeamAccessArgs(role_arn="arn:aws:iam::1:role/x", level="owner", namespaces=["a"]), "must be one of"),
])
def test_args_refuse_unsafe_teams(team: TeamAccessArgs, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        AccessArgs(cluster_name="c", teams={"t": team}, kubernetes_provider=None,  # type: ignore[arg-type]
                   cluster_admin_allowlist=[ADMIN])
