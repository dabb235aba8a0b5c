"""RBAC completion: the shared grant reader (``_rbac.grants``), B5 for system:authenticated, the I3 false positive
(get on named Secrets), and I4, I6, I7, I8, I9, I10, I11.

Each rule: silent on a compliant role, firing on the dangerous permission wherever it sits (in any rule of a
multi-rule role, or implied by a wildcard), with a message naming the role, the grant and the fix.
"""

from __future__ import annotations

from typing import Any

import pytest
from _known import Undecided
from pulumi_policy import ResourceValidationArgs
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from _rbac import Access, Grant, Rule, grants, role_rules
from k8s.rbac.disallow_anonymous_bindings import disallow_anonymous_bindings
from k8s.rbac.disallow_csr_approval import disallow_csr_approval
from k8s.rbac.disallow_exec_and_node_proxy import disallow_exec_and_node_proxy
from k8s.rbac.disallow_persistent_volume_create import disallow_persistent_volume_create
from k8s.rbac.disallow_pod_creation import disallow_pod_creation
from k8s.rbac.disallow_secrets_read import disallow_secrets_read
from k8s.rbac.disallow_service_account_token_create import disallow_service_account_token_create
from k8s.rbac.disallow_service_status_write import disallow_service_status_write
from k8s.rbac.disallow_webhook_configuration_write import disallow_webhook_configuration_write
from tests.policies.fixtures import _opts, run, urn_of

RBAC = "kubernetes:rbac.authorization.k8s.io/v1:"
ROLE, CLUSTER_ROLE = RBAC + "Role", RBAC + "ClusterRole"
BINDING, CLUSTER_BINDING = RBAC + "RoleBinding", RBAC + "ClusterRoleBinding"
NEW_RULES = [disallow_pod_creation, disallow_exec_and_node_proxy, disallow_webhook_configuration_write,
             disallow_service_account_token_create, disallow_persistent_volume_create, disallow_csr_approval,
             disallow_service_status_write]


def rule(groups: list[str], resources: list[str], verbs: list[str], names: list[str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"apiGroups": groups, "resources": resources, "verbs": verbs}
    if names is not None:
        out["resourceNames"] = names
    return out


def role(rules: list[dict[str, Any]], token: str = ROLE, name: str = "subject",
         config: dict[str, Any] | None = None) -> ResourceValidationArgs:
    props = {"metadata": {"name": name, **({"namespace": "payments"} if token == ROLE else {})}, "rules": rules}
    return ResourceValidationArgs(token, unknown_checking_proxy(props), urn_of(token, name), name, _opts(), None,
                                  config or {})


def binding(subjects: list[dict[str, Any]], role_name: str, role_kind: str = "ClusterRole",
            token: str = CLUSTER_BINDING) -> ResourceValidationArgs:
    props = {"metadata": {"name": "subject"}, "subjects": subjects,
             "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role_name}}
    return ResourceValidationArgs(token, unknown_checking_proxy(props), urn_of(token, "subject"), "subject", _opts(),
                                  None, {})


def messages(policy: Any, args: ResourceValidationArgs) -> list[str]:
    return [message for message, _ in run(policy, args)]


#: A namespace admin that deploys through a pipeline: reads, edits existing objects, writes Secrets, no pods.
CLEAN = [rule([""], ["pods", "services", "configmaps"], ["get", "list", "watch"]),
         rule(["apps"], ["deployments"], ["get", "list", "watch", "update", "patch"]),
         rule([""], ["pods/log"], ["get"]),
         rule([""], ["secrets"], ["create", "update"])]


# --- the shared reader -----------------------------------------------------------------------------------------

def test_a_rule_grants_what_its_wildcards_imply() -> None:
    r = Rule(0, ("*",), ("*",), ("*",), ())
    assert r.grants("", "pods/exec", ("create",)) == ("create",)
    assert r.grants("admissionregistration.k8s.io", "validatingwebhookconfigurations", ("update", "delete")) == (
        "update", "delete")
    assert r.grants("", "nodes/proxy") == ("*",), "any verb: the rule's own verbs"


def test_a_resource_never_implies_its_subresources() -> None:
    r = Rule(0, ("",), ("pods", "nodes"), ("*",), ())
    assert r.grants("", "pods", ("create",)) == ("create",)
    assert r.grants("", "pods/exec", ("create",)) == ()
    assert r.grants("", "nodes/proxy") == ()


def test_star_slash_subresource_matches_that_subresource_of_every_resource() -> None:
    r = Rule(0, ("",), ("*/exec",), ("create",), ())
    assert r.grants("", "pods/exec", ("create",)) == ("create",)
    assert r.grants("", "pods/attach", ("create",)) == ()
    assert r.grants("", "pods", ("create",)) == ()


def test_the_api_group_must_match() -> None:
    r = Rule(0, ("apps",), ("*",), ("*",), ())
    assert r.grants("", "pods", ("create",)) == ()
    assert r.grants("apps", "deployments", ("create", "delete")) == ("create", "delete")
    assert Rule(0, ("",), ("deployments",), ("create",), ()).grants("apps", "deployments", ("create",)) == ()


def test_grants_reads_every_rule_of_the_role() -> None:
    props = unknown_checking_proxy({"rules": [
        rule([""], ["pods"], ["get"]), rule(["apps"], ["deployments"], ["get"]),
        rule([""], ["pods/exec"], ["create"]), rule(["", "apps"], ["*"], ["create"], ["one"])]})
    found = grants(props, [Access("", "pods/exec", ("create",)), Access("apps", "deployments", ("create",))])
    assert found == [Grant(2, "pods/exec", ("create",)), Grant(3, "pods/exec", ("create",)),
                     Grant(3, "deployments", ("create",))]
    assert str(found[0]) == "create on pods/exec (rule 2)"
    (last,) = [r for r in role_rules(props) if r.index == 3]
    assert last.resource_names == ("one",)


def test_an_unknown_rule_field_is_undecided_with_its_path() -> None:
    props = unknown_checking_proxy({"rules": [rule([""], [UNKNOWN_STRING_VALUE], ["create"])]})
    with pytest.raises(Undecided, match=r"\.rules\[0\]\.resources"):
        grants(props, [Access("", "pods", ("create",))])


# --- B5: system:authenticated ----------------------------------------------------------------------------------

AUTHENTICATED = {"kind": "Group", "name": "system:authenticated", "apiGroup": "rbac.authorization.k8s.io"}


@pytest.mark.parametrize("token", [CLUSTER_BINDING, BINDING])
def test_b5_fires_on_edit_for_system_authenticated(token: str) -> None:
    (message,) = messages(disallow_anonymous_bindings, binding([AUTHENTICATED], "edit", token=token))
    kind = token.rsplit(":", 1)[-1]
    assert message.startswith(f"{kind} 'subject' binds edit to the group system:authenticated: every identity")
    assert "Bind it to named groups or service accounts." in message


@pytest.mark.parametrize("role_name", ["system:basic-user", "system:discovery", "system:public-info-viewer"])
def test_b5_allows_the_discovery_roles_for_system_authenticated(role_name: str) -> None:
    assert messages(disallow_anonymous_bindings, binding([AUTHENTICATED], role_name)) == []


def test_b5_exception_is_for_the_built_in_cluster_roles_only() -> None:
    """A namespace Role that happens to be called system:discovery is not Kubernetes' discovery role."""
    args = binding([AUTHENTICATED], "system:discovery", role_kind="Role", token=BINDING)
    assert len(messages(disallow_anonymous_bindings, args)) == 1


def test_b5_keeps_anonymous_and_unauthenticated_as_before() -> None:
    anonymous = {"kind": "User", "name": "system:anonymous"}
    unauthenticated = {"kind": "Group", "name": "system:unauthenticated"}
    found = messages(disallow_anonymous_bindings, binding([anonymous, unauthenticated], "view"))
    assert [m.split(":", 2)[0] for m in found] == ["ClusterRoleBinding 'subject' binds view to system", ] * 2
    assert "to system:anonymous: anyone who can reach the API server gets it" in found[0]
    assert messages(disallow_anonymous_bindings, binding([unauthenticated], "system:public-info-viewer")) == []
    # the discovery exception for authenticated users does not extend to anonymous ones
    assert len(messages(disallow_anonymous_bindings, binding([anonymous], "system:discovery"))) == 1


def test_b5_ignores_named_groups_and_a_user_merely_called_system_authenticated() -> None:
    named = {"kind": "Group", "name": "eks-platform:payments:namespace-admin"}
    assert messages(disallow_anonymous_bindings, binding([named], "edit")) == []
    assert messages(disallow_anonymous_bindings, binding([{"kind": "User", "name": "system:authenticated"}],
                                                         "edit")) == []


# --- I3: named Secrets ----------------------------------------------------------------------------------------

def test_i3_get_on_one_named_secret_is_least_privilege() -> None:
    """The false positive from the workload corpus: a Role that reads exactly the Secret its app needs."""
    args = role([rule([""], ["secrets"], ["get"], ["payments-db"])], name="named-secret-reader")
    assert messages(disallow_secrets_read, args) == []


@pytest.mark.parametrize(("verbs", "names", "shown"), [
    (["get"], None, "(get)"),
    (["get"], [], "(get)"),
    (["list"], ["payments-db"], "(list)"),
    (["get", "watch"], ["payments-db"], "(get, watch)"),
    (["*"], ["payments-db"], "(get, list, watch)"),
])
def test_i3_list_watch_and_unscoped_get_keep_firing(verbs: list[str], names: list[str] | None, shown: str) -> None:
    (message,) = messages(disallow_secrets_read, role([rule([""], ["secrets"], verbs, names)]))
    assert message.startswith("Role 'subject' rule 0 can read ")
    assert f"{shown} in its namespace" in message
    assert "grant only get on the named Secrets (resourceNames)" in message
    if names:
        assert "the Secrets payments-db" in message


def test_i3_named_get_through_a_wildcard_resource_is_still_named() -> None:
    assert messages(disallow_secrets_read, role([rule([""], ["*"], ["get"], ["payments-db"])])) == []
    assert len(messages(disallow_secrets_read, role([rule(["*"], ["*"], ["get"])]))) == 1


def test_i3_allowlist_still_applies() -> None:
    args = role([rule([""], ["secrets"], ["list"])], name="external-secrets", config={"allowedRoles": ["external-secrets"]})
    assert messages(disallow_secrets_read, args) == []


# --- I4 I6-I11: silent on a clean role ----------------------------------------------------------------------------

@pytest.mark.parametrize("policy", NEW_RULES + [disallow_secrets_read], ids=lambda p: p.name)
@pytest.mark.parametrize("token", [ROLE, CLUSTER_ROLE, ROLE + "Patch"])
def test_a_clean_role_is_silent(policy: Any, token: str) -> None:
    assert messages(policy, role(CLEAN, token=token)) == []


@pytest.mark.parametrize("policy", NEW_RULES, ids=lambda p: p.name)
def test_bindings_and_other_types_are_ignored(policy: Any) -> None:
    assert messages(policy, binding([AUTHENTICATED], "cluster-admin")) == []


@pytest.mark.parametrize("policy", NEW_RULES, ids=lambda p: p.name)
def test_every_new_rule_fires_on_a_full_wildcard(policy: Any) -> None:
    (message,) = messages(policy, role([rule(["*"], ["*"], ["*"])], token=CLUSTER_ROLE))
    assert message.startswith("ClusterRole 'subject' grants ")
    assert "(rule 0)" in message


# --- I4 pod creation -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("group", "resource"), [
    ("", "pods"), ("", "replicationcontrollers"), ("apps", "deployments"), ("apps", "statefulsets"),
    ("apps", "daemonsets"), ("apps", "replicasets"), ("batch", "jobs"), ("batch", "cronjobs")])
def test_i4_fires_on_creating_pods_or_their_controllers(group: str, resource: str) -> None:
    (message,) = messages(disallow_pod_creation, role(CLEAN + [rule([group], [resource], ["create"])]))
    assert message.startswith(f"Role 'subject' grants create on {resource} (rule 4): its holders can run any image")
    assert "or allowlist this role in allowedRoles" in message


def test_i4_lists_every_grant_of_the_role_in_one_message() -> None:
    (message,) = messages(disallow_pod_creation, role([rule(["apps"], ["*"], ["create"]), rule([""], ["pods"], ["*"])]))
    assert "create on deployments (rule 0)" in message and "create on daemonsets (rule 0)" in message
    assert "create on pods (rule 1)" in message


def test_i4_allowlist() -> None:
    config = {"allowedRoles": ["ci-deployer"]}
    assert messages(disallow_pod_creation, role([rule(["apps"], ["deployments"], ["create"])], name="ci-deployer",
                                                config=config)) == []
    assert len(messages(disallow_pod_creation, role([rule(["apps"], ["deployments"], ["create"])], name="other",
                                                    config=config))) == 1


def test_i4_editing_existing_workloads_is_not_creation() -> None:
    assert messages(disallow_pod_creation, role([rule(["apps"], ["deployments"], ["update", "patch"])])) == []


# --- I6 exec, attach, port-forward, nodes/proxy -----------------------------------------------------------------------

def test_i6_finds_exec_in_the_third_rule_of_a_multi_rule_role() -> None:
    """The miss from the workload corpus: exec and nodes/proxy granted by later rules of one role."""
    args = role([rule([""], ["pods"], ["get", "list"]), rule([""], ["pods/log"], ["get"]),
                 rule([""], ["pods/exec"], ["create"]), rule([""], ["nodes/proxy"], ["get"])],
                token=CLUSTER_ROLE, name="exec-role")
    (message,) = messages(disallow_exec_and_node_proxy, args)
    assert message.startswith("ClusterRole 'exec-role' grants create on pods/exec (rule 2), get on nodes/proxy "
                              "(rule 3): its holders get a shell in running pods")
    assert "Remove these rules" in message


@pytest.mark.parametrize(("rules", "shown"), [
    ([rule([""], ["pods/attach", "pods/portforward"], ["create"])],
     "create on pods/attach (rule 0), create on pods/portforward (rule 0)"),
    ([rule([""], ["*/exec"], ["create"])], "create on pods/exec (rule 0)"),
    ([rule(["*"], ["pods/exec"], ["*"])], "create on pods/exec (rule 0)"),
    ([rule([""], ["nodes/proxy"], ["create", "get"])], "create/get on nodes/proxy (rule 0)"),
    ([rule([""], ["nodes/proxy"], ["list"])], "list on nodes/proxy (rule 0)"),
])
def test_i6_fires_on_every_shell(rules: list[dict[str, Any]], shown: str) -> None:
    (message,) = messages(disallow_exec_and_node_proxy, role(rules))
    assert f"grants {shown}:" in message


def test_i6_reading_pods_and_nodes_is_not_a_shell() -> None:
    args = role([rule([""], ["pods", "nodes", "pods/log", "nodes/metrics"], ["get", "list", "watch"]),
                 rule([""], ["pods/exec"], ["get"])])
    assert messages(disallow_exec_and_node_proxy, args) == []


# --- I7-I11 ------------------------------------------------------------------------------------------------------

ADMISSION = "admissionregistration.k8s.io"


@pytest.mark.parametrize(("policy", "rules", "fragment"), [
    (disallow_webhook_configuration_write, [rule([ADMISSION], ["mutatingwebhookconfigurations"], ["patch"])],
     "grants patch on mutatingwebhookconfigurations (rule 0): its holders can intercept and rewrite"),
    (disallow_webhook_configuration_write, [rule([ADMISSION], ["validatingwebhookconfigurations"], ["delete"])],
     "grants delete on validatingwebhookconfigurations (rule 0)"),
    (disallow_service_account_token_create, [rule([""], ["serviceaccounts/token"], ["create"])],
     "grants create on serviceaccounts/token (rule 0): its holders can mint tokens"),
    (disallow_service_account_token_create, [rule([""], ["*/token"], ["*"])],
     "grants create on serviceaccounts/token (rule 0)"),
    (disallow_persistent_volume_create, [rule([""], ["persistentvolumes"], ["create", "delete"])],
     "grants create on persistentvolumes (rule 0): its holders can point a volume"),
    (disallow_csr_approval, [rule(["certificates.k8s.io"], ["certificatesigningrequests/approval"], ["update"])],
     "grants update on certificatesigningrequests/approval (rule 0): its holders can approve"),
    (disallow_csr_approval, [rule(["certificates.k8s.io"], ["signers"], ["approve"], ["kubernetes.io/kube-apiserver-client"])],
     "grants approve on signers (rule 0)"),
    (disallow_service_status_write, [rule([""], ["services/status"], ["patch"])],
     "grants patch on services/status (rule 0): its holders can spoof a load balancer IP"),
])
def test_i7_to_i11_fire(policy: Any, rules: list[dict[str, Any]], fragment: str) -> None:
    (message,) = messages(policy, role(rules, token=CLUSTER_ROLE))
    assert message.startswith("ClusterRole 'subject' ")
    assert fragment in message


@pytest.mark.parametrize(("policy", "rules"), [
    (disallow_webhook_configuration_write, [rule([ADMISSION], ["mutatingwebhookconfigurations",
                                                               "validatingwebhookconfigurations"], ["get", "list"])]),
    (disallow_webhook_configuration_write, [rule([""], ["mutatingwebhookconfigurations"], ["create"])]),
    (disallow_service_account_token_create, [rule([""], ["serviceaccounts"], ["create", "get"])]),
    (disallow_persistent_volume_create, [rule([""], ["persistentvolumeclaims"], ["create"]),
                                         rule([""], ["persistentvolumes"], ["get", "list"])]),
    (disallow_csr_approval, [rule(["certificates.k8s.io"], ["certificatesigningrequests"], ["create", "get"])]),
    (disallow_service_status_write, [rule([""], ["services", "services/status"], ["get"]),
                                     rule([""], ["services"], ["update", "patch"])]),
])
def test_i7_to_i11_silent_on_the_harmless_neighbour(policy: Any, rules: list[dict[str, Any]]) -> None:
    assert messages(policy, role(rules, token=CLUSTER_ROLE)) == []


def test_catalogue_anchors_in_tags() -> None:
    expected = {
        disallow_pod_creation: "cis-eks-4.1.4", disallow_exec_and_node_proxy: "cis-eks-4.1.10",
        disallow_webhook_configuration_write: "cis-eks-4.1.11", disallow_service_account_token_create: "cis-eks-4.1.12",
        disallow_persistent_volume_create: "cis-eks-4.1.9", disallow_csr_approval: "ckv-k8s-156",
        disallow_service_status_write: "ckv2-k8s-4", disallow_anonymous_bindings: "bpg-iam",
    }
    for policy, anchor in expected.items():
        assert anchor in policy.tags, policy.name
        assert policy.name.startswith("kubernetes-rbac-")


def test_wildcard_verbs_escalate_only_where_they_reach_roles_or_identities() -> None:
    """I5: ``*`` verbs grant bind/escalate on roles and impersonate on identities; ``*`` on pods grants none."""
    from k8s.rbac.disallow_escalation_verbs import disallow_escalation_verbs
    from tests.policies.fixtures import resource_args, run

    def role(rule: dict[str, object]) -> object:
        return resource_args("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", lambda p: p.update(rules=[rule]))

    assert run(disallow_escalation_verbs, role({"apiGroups": [""], "resources": ["pods"], "verbs": ["*"]})) == []
    ((message, _),) = run(disallow_escalation_verbs, role({"apiGroups": [""], "resources": ["serviceaccounts"],
                                                           "verbs": ["*"]}))
    assert "grants impersonate through the wildcard verb" in message
