"""Workload hygiene: J13 (requests and limits), J14 (token automount), J15 (default ServiceAccount), J16 (secrets in
env, and the advisory secrets-as-files), J19 (bare Pods), J20 (replicas and PodDisruptionBudgets, a stack rule),
J22 (Pod Security Admission labels), J23 (the default namespace), J27 (alpha and beta APIs), G7 (approved
registries), G8 (pinned images) and L1 (Helm Releases).

Each rule: silent on a compliant object of every workload kind, firing on one changed field with a message that
names the object, the container or path, the flaw and the fix; a ``*Patch`` judged on what it sets only; values
unknown at preview (``UNKNOWN_STRING_VALUE``) either decide (presence) or name themselves (``Undecided``).
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from _known import Undecided
from _pods import WORKLOADS
from _workloads import parse_image
from pulumi_policy import PolicyProviderResource, ResourceValidationArgs, ResourceValidationPolicy
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from k8s.api.disallow_alpha_beta_versions import disallow_alpha_beta_versions as j27
from k8s.helm.disallow_release import disallow_release as l1
from k8s.images.configure_approved_registries import configure_approved_registries as g7
from k8s.images.disallow_unpinned_references import disallow_unpinned_references as g8
from k8s.namespaces.enforce_pod_security_admission import enforce_pod_security_admission as j22
from k8s.workloads.configure_replicas_and_pdb import configure_replicas_and_pdb as j20
from k8s.workloads.configure_resources import configure_resources as j13
from k8s.workloads.configure_secrets_as_files import configure_secrets_as_files as j16_files
from k8s.workloads.disable_service_account_token_automount import disable_service_account_token_automount as j14
from k8s.workloads.disallow_bare_pods import disallow_bare_pods as j19
from k8s.workloads.disallow_default_namespace import disallow_default_namespace as j23
from k8s.workloads.disallow_default_service_account import disallow_default_service_account as j15
from k8s.workloads.disallow_literal_secrets_in_env import disallow_literal_secrets_in_env as j16
from tests.policies.fixtures import _opts, run, stack_args, stack_resource, urn_of

IMAGE = "123456789012.dkr.ecr.us-west-2.amazonaws.com/payments/api@sha256:" + "0123456789abcdef" * 4
REGISTRIES = {"allowedRegistries": ["123456789012.dkr.ecr.", "registry.k8s.io/"]}
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
POD = "kubernetes:core/v1:Pod"
NAMESPACE = "kubernetes:core/v1:Namespace"
PDB = "kubernetes:policy/v1:PodDisruptionBudget"
HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
KINDS = sorted(t for t in WORKLOADS if not t.endswith("Patch"))
PATCHES = sorted(t for t in WORKLOADS if t.endswith("Patch"))
POD_RULES = [j13, j14, j15, j16, j16_files, g7, g8]
#: Config under which the compliant objects are compliant with every rule here.
CONFIG = {g7.name: REGISTRIES}


def container(name: str = "app", **changes: Any) -> dict[str, Any]:
    c = {"name": name, "image": IMAGE,
         "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
         "env": [{"name": "LOG_LEVEL", "value": "info"}],
         "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                             "capabilities": {"drop": ["ALL"]}},
         "volumeMounts": [{"name": "db", "mountPath": "/run/secrets/db", "readOnly": True}]}
    c.update(changes)
    return {k: v for k, v in c.items() if v is not None}


def pod_spec(**changes: Any) -> dict[str, Any]:
    spec = {"serviceAccountName": "api", "automountServiceAccountToken": False,
            "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [container()],
            "volumes": [{"name": "db", "secret": {"secretName": "db"}}]}
    spec.update(changes)
    return {k: v for k, v in spec.items() if v is not None}


def workload(token: str, spec: dict[str, Any] | None = None, namespace: str | None = "payments",
             name: str = "api", replicas: int | None = 2) -> dict[str, Any]:
    """A compliant object of ``token`` carrying ``spec`` (a pod spec) where the kind carries it."""
    spec = pod_spec() if spec is None else spec
    labels = {"app.kubernetes.io/name": name}
    metadata: dict[str, Any] = {"name": name, "labels": labels}
    if namespace is not None:
        metadata["namespace"] = namespace
    path = WORKLOADS[token]
    template = {"metadata": {"labels": labels}, "spec": spec}
    if path == ("spec",):
        body: dict[str, Any] = {"spec": spec}
    elif path == ("template", "spec"):
        body = {"template": template}
    elif len(path) == 5:
        body = {"spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": template}}}}
    else:
        body = {"spec": {"selector": {"matchLabels": labels}, "template": template}}
        if token.split(":")[1] == "apps/v1" and "DaemonSet" not in token and replicas is not None:
            body["spec"]["replicas"] = replicas
    return {"metadata": metadata, **body}


def args_of(token: str, props: dict[str, Any], config: dict[str, Any] | None = None, name: str = "subject",
            provider_namespace: str | None = None) -> ResourceValidationArgs:
    provider = None
    if provider_namespace is not None:
        provider = PolicyProviderResource("pulumi:providers:kubernetes", unknown_checking_proxy(
            {"namespace": provider_namespace}), "urn:pulumi:dev::p::pulumi:providers:kubernetes::k8s", "k8s")
    return ResourceValidationArgs(token, unknown_checking_proxy(copy.deepcopy(props)), urn_of(token, name), name,
                                  _opts(), provider, config or {})


def messages(policy: Any, args: ResourceValidationArgs) -> list[str]:
    return [message for message, _ in run(policy, args)]


def pod_args(token: str = DEPLOYMENT, policy: Any = None, **changes: Any) -> ResourceValidationArgs:
    return args_of(token, workload(token, pod_spec(**changes)), CONFIG.get(policy.name, {}) if policy else {})


# Silent on compliant objects -------------------------------------------------------------------------------


@pytest.mark.parametrize("policy", [*POD_RULES, j19, j22, j23, j27, l1], ids=lambda p: p.name)
@pytest.mark.parametrize("token", KINDS)
def test_a_compliant_workload_of_every_kind_is_silent(policy: Any, token: str) -> None:
    found = messages(policy, args_of(token, workload(token), CONFIG.get(policy.name, {})))
    assert len(found) == (1 if (policy, token) == (j19, POD) else 0), found


@pytest.mark.parametrize("policy", POD_RULES, ids=lambda p: p.name)
@pytest.mark.parametrize("token", PATCHES)
def test_a_patch_that_leaves_every_field_out_is_silent(policy: Any, token: str) -> None:
    props = workload(token, {"containers": [{"name": "app"}]})
    assert messages(policy, args_of(token, props, CONFIG.get(policy.name, {}))) == []


@pytest.mark.parametrize("policy", POD_RULES, ids=lambda p: p.name)
def test_kube_system_is_exempt_and_configurable(policy: ResourceValidationPolicy) -> None:
    bare = workload(DEPLOYMENT, {"containers": [{"name": "aws-node", "image": "nginx",
                                                 "env": [{"name": "TOKEN", "value": "x"}],
                                                 "envFrom": [{"secretRef": {"name": "s"}}]}]}, namespace="kube-system")
    with pytest.raises(_NotApplicableError):
        run(policy, args_of(DEPLOYMENT, bare, CONFIG.get(policy.name, {})))
    config = {**CONFIG.get(policy.name, {}), "exemptNamespaces": []}
    assert messages(policy, args_of(DEPLOYMENT, bare, config)), "fires once kube-system is no longer exempt"


@pytest.mark.parametrize("policy", POD_RULES, ids=lambda p: p.name)
def test_a_namespace_unknown_at_preview_matters_only_for_a_finding(policy: Any) -> None:
    good = workload(DEPLOYMENT, namespace=UNKNOWN_STRING_VALUE)
    assert messages(policy, args_of(DEPLOYMENT, good, CONFIG.get(policy.name, {}))) == []
    bad = workload(DEPLOYMENT, {"containers": [{"name": "app", "image": "nginx",
                                                "env": [{"name": "TOKEN", "value": "x"}],
                                                "envFrom": [{"secretRef": {"name": "s"}}]}]},
                   namespace=UNKNOWN_STRING_VALUE)
    with pytest.raises(Undecided, match="metadata.namespace is taken from another resource of this stack"):
        run(policy, args_of(DEPLOYMENT, bad, CONFIG.get(policy.name, {})))


# J13 ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("token", KINDS)
def test_j13_a_container_without_resources_fires_in_every_kind(token: str) -> None:
    props = workload(token, pod_spec(containers=[container(resources=None)]))
    (message,) = messages(j13, args_of(token, props))
    kind = token.rsplit(":", 1)[1]
    path = ".".join(WORKLOADS[token])
    assert message.startswith(f"{kind} 'api' container 'app' ({path}.containers[0]) sets no resources.requests.cpu, "
                              "resources.requests.memory, resources.limits.memory: ")
    assert message.endswith("Set resources.requests.cpu, resources.requests.memory and resources.limits.memory (a CPU "
                            "limit is optional: it throttles the container even when the node has idle CPU).")


def test_j13_names_only_what_is_missing_and_never_asks_for_a_cpu_limit() -> None:
    only_requests = container(resources={"requests": {"cpu": "100m", "memory": "128Mi"}})
    (message,) = messages(j13, pod_args(containers=[only_requests]))
    assert "sets no resources.limits.memory: " in message
    assert messages(j13, pod_args()) == [], "no limits.cpu in the compliant container"


def test_j13_init_containers_are_judged_and_ephemeral_ones_are_not() -> None:
    (message,) = messages(j13, pod_args(initContainers=[container("migrate", resources=None)]))
    assert "container 'migrate' (spec.template.spec.initContainers[0])" in message
    debug = {"name": "debug", "image": "busybox:1.36", "targetContainerName": "app"}
    assert messages(j13, pod_args(POD, ephemeralContainers=[debug])) == []


def test_j13_quantities_unknown_at_preview_are_set() -> None:
    resources = {"requests": {"cpu": UNKNOWN_STRING_VALUE, "memory": UNKNOWN_STRING_VALUE},
                 "limits": {"memory": UNKNOWN_STRING_VALUE}}
    assert messages(j13, pod_args(containers=[container(resources=resources)])) == []
    with pytest.raises(Undecided, match=r"containers\[0\].resources is computed"):
        run(j13, pod_args(containers=[container(resources=UNKNOWN_STRING_VALUE)]))


def test_j13_an_unknown_container_does_not_hide_a_finding_on_another() -> None:
    args = pod_args(containers=[container("a", resources=UNKNOWN_STRING_VALUE), container("b", resources=None)])
    found: list[str] = []
    with pytest.raises(Undecided):
        j13.validate(args, lambda message, urn=None: found.append(message))
    assert len(found) == 1 and "container 'b'" in found[0]


def test_j13_a_patch_is_never_judged_on_resources() -> None:
    token = "kubernetes:apps/v1:DeploymentPatch"
    partial = {"containers": [{"name": "app", "resources": {"limits": {"memory": "512Mi"}}}]}
    assert messages(j13, args_of(token, workload(token, partial))) == []


# J14 ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "state"), [(None, "is unset, which means true"), (True, "is true")])
@pytest.mark.parametrize("token", KINDS)
def test_j14_a_pod_that_mounts_its_token_fires(token: str, value: Any, state: str) -> None:
    props = workload(token, pod_spec(automountServiceAccountToken=value))
    (message,) = messages(j14, args_of(token, props))
    assert f"mounts its ServiceAccount's API token into every container ({'.'.join(WORKLOADS[token])}." \
           f"automountServiceAccountToken {state})" in message
    assert "Set automountServiceAccountToken: false on the pod spec" in message


def test_j14_a_patch_fires_only_when_it_turns_mounting_on() -> None:
    token = "kubernetes:apps/v1:DeploymentPatch"
    assert messages(j14, args_of(token, workload(token, {"serviceAccountName": "api"}))) == []
    (message,) = messages(j14, args_of(token, workload(token, {"automountServiceAccountToken": True})))
    assert message.startswith("DeploymentPatch 'api' mounts its ServiceAccount's API token")


@pytest.mark.parametrize("allowed", [["api"], ["payments/api"]])
def test_j14_allowed_service_accounts_may_mount_their_token(allowed: list[str]) -> None:
    args = args_of(DEPLOYMENT, workload(DEPLOYMENT, pod_spec(automountServiceAccountToken=None)),
                   {"allowedServiceAccounts": allowed})
    assert messages(j14, args) == []
    other = args_of(DEPLOYMENT, workload(DEPLOYMENT, pod_spec(automountServiceAccountToken=None)),
                    {"allowedServiceAccounts": ["apps/api"]})
    assert len(messages(j14, other)) == 1


def test_j14_an_unknown_setting_is_named() -> None:
    with pytest.raises(Undecided, match="automountServiceAccountToken is computed"):
        run(j14, pod_args(automountServiceAccountToken=UNKNOWN_STRING_VALUE))


# J15 ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("account", "state"), [(None, "is unset"), ("default", 'is "default"')])
@pytest.mark.parametrize("token", KINDS)
def test_j15_the_default_service_account_fires(token: str, account: str | None, state: str) -> None:
    props = workload(token, pod_spec(serviceAccountName=account))
    (message,) = messages(j15, args_of(token, props))
    assert f"runs as the namespace's default ServiceAccount ({'.'.join(WORKLOADS[token])}.serviceAccountName " \
           f"{state})" in message
    assert message.endswith("Create a ServiceAccount for this workload and set serviceAccountName to it.")


def test_j15_a_dedicated_or_stack_created_account_is_silent() -> None:
    assert messages(j15, pod_args(serviceAccountName=UNKNOWN_STRING_VALUE)) == [], "an auto-named ServiceAccount"
    assert messages(j15, pod_args(serviceAccountName=None, serviceAccount="api")) == [], "the deprecated field"


def test_j15_a_patch_fires_only_when_it_sets_default() -> None:
    token = "kubernetes:batch/v1:JobPatch"
    assert messages(j15, args_of(token, workload(token, {"automountServiceAccountToken": False}))) == []
    (message,) = messages(j15, args_of(token, workload(token, {"serviceAccountName": "default"})))
    assert message.startswith("JobPatch 'api' runs as the namespace's default ServiceAccount")


@pytest.mark.parametrize(("token", "props", "fires"), [
    ("kubernetes:core/v1:ServiceAccount", {"metadata": {"name": "default", "namespace": "apps"}}, True),
    ("kubernetes:core/v1:ServiceAccount", {"metadata": {"name": "default", "namespace": "apps"},
                                           "automountServiceAccountToken": False}, False),
    ("kubernetes:core/v1:ServiceAccountPatch", {"metadata": {"name": "default", "namespace": "apps"}}, False),
    ("kubernetes:core/v1:ServiceAccountPatch", {"metadata": {"name": "default", "namespace": "apps"},
                                                "automountServiceAccountToken": True}, True),
    ("kubernetes:core/v1:ServiceAccount", {"metadata": {"name": "api", "namespace": "apps"}}, False),
])
def test_j15_the_default_service_account_itself_must_not_mount_its_token(token: str, props: dict[str, Any],
                                                                         fires: bool) -> None:
    found = messages(j15, args_of(token, props))
    assert len(found) == int(fires)
    if fires:
        assert found[0].startswith(f"{token.rsplit(':', 1)[1]} 'default' of namespace 'apps' lets pods mount its token")


# J16 ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["DB_PASSWORD", "GITHUB_TOKEN", "githubToken", "AWS_SECRET_ACCESS_KEY", "API_KEY",
                                  "stripe-apikey", "SIGNING_PRIVATE_KEY", "AWS_ACCESS_KEY_ID", "GCP_CREDENTIALS",
                                  "PASSWD", "client.secret"])
def test_j16_a_credential_literal_fires(name: str) -> None:
    env = [{"name": "LOG_LEVEL", "value": "info"}, {"name": name, "value": "hunter2"}]
    (message,) = messages(j16, pod_args(containers=[container(env=env)]))
    assert message.startswith(f"Deployment 'api' container 'app' (spec.template.spec.containers[0]) sets {name} to a "
                              "literal value (spec.template.spec.containers[0].env[1].value): ")
    assert "hunter2" not in message, "the value is never repeated"


@pytest.mark.parametrize(("name", "value"), [
    ("DB_PASSWORD_FILE", "/run/secrets/db/password"), ("TOKEN_URL", "https://sts.amazonaws.com"),
    ("SECRET_ARN", "arn:aws:secretsmanager:us-west-2:1:secret:db"), ("SECRET_NAME", "db"),
    ("TOKENIZER_MODEL", "bpe"), ("SECRETS_MANAGER_REGION", "us-west-2"), ("DB_PASSWORD", ""),
    ("DB_PASSWORD", "$(DB_PASSWORD_FROM_SECRET)"), ("DB_PASSWORD", UNKNOWN_STRING_VALUE),
])
def test_j16_pointers_references_and_outputs_are_not_literal_credentials(name: str, value: str) -> None:
    assert messages(j16, pod_args(containers=[container(env=[{"name": name, "value": value}])])) == []


def test_j16_secret_key_refs_are_not_literals() -> None:
    env = [{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}]
    assert messages(j16, pod_args(containers=[container(env=env)])) == []


@pytest.mark.parametrize("lists", ["initContainers", "ephemeralContainers"])
def test_j16_every_container_list_is_judged(lists: str) -> None:
    extra = {"name": "side", "image": IMAGE, "env": [{"name": "API_TOKEN", "value": "abc"}]}
    (message,) = messages(j16, pod_args(POD, **{lists: [extra]}))
    assert f"container 'side' (spec.{lists}[0]) sets API_TOKEN to a literal value" in message


def test_j16_a_patch_is_judged_on_the_variables_it_sets() -> None:
    token = "kubernetes:batch/v1:CronJobPatch"
    props = workload(token, {"containers": [{"name": "app", "env": [{"name": "DB_PASSWORD", "value": "x"}]}]})
    (message,) = messages(j16, args_of(token, props))
    assert message.startswith("CronJobPatch 'api' container 'app' (spec.jobTemplate.spec.template.spec.containers[0])")


# J16 advisory: secrets as files --------------------------------------------------------------------------------


def test_j16_files_env_from_secrets_is_advised_against() -> None:
    env = [{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
           {"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "mode"}}},
           {"name": "API_TOKEN", "valueFrom": {"secretKeyRef": {"name": UNKNOWN_STRING_VALUE, "key": "token"}}}]
    env_from = [{"configMapRef": {"name": "cfg"}}, {"secretRef": {"name": "api-keys"}}]
    (message,) = messages(j16_files, pod_args(containers=[container(env=env, envFrom=env_from)]))
    assert message.startswith(
        "Deployment 'api' container 'app' (spec.template.spec.containers[0]) reads Secrets into environment "
        "variables: DB_PASSWORD from Secret 'db' (env[0].valueFrom.secretKeyRef); API_TOKEN from a Secret this "
        "stack creates (env[2].valueFrom.secretKeyRef); every key of Secret 'api-keys' (envFrom[1].secretRef). ")
    assert "Prefer mounting the Secret as a file" in message


def test_j16_files_secret_volumes_and_config_maps_are_silent() -> None:
    env = [{"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "mode"}}}]
    assert messages(j16_files, pod_args(containers=[container(env=env, envFrom=[{"configMapRef": {"name": "c"}}])])) == []


# J19 ---------------------------------------------------------------------------------------------------------


def test_j19_a_bare_pod_fires_and_its_patch_and_controllers_do_not() -> None:
    (message,) = messages(j19, args_of(POD, workload(POD, name="debug")))
    assert message.startswith("Pod 'debug' in namespace 'payments' is a bare Pod: no controller recreates it")
    assert message.endswith("Run it as a Deployment (or a StatefulSet or DaemonSet), or as a Job for work that runs "
                            "to completion.")
    assert messages(j19, args_of("kubernetes:core/v1:PodPatch", workload("kubernetes:core/v1:PodPatch"))) == []
    assert messages(j19, args_of(DEPLOYMENT, workload(DEPLOYMENT))) == []


# J22 ---------------------------------------------------------------------------------------------------------


def namespace(name: str | None, **labels: str) -> dict[str, Any]:
    metadata: dict[str, Any] = {"labels": labels}
    if name is not None:
        metadata["name"] = name
    return {"metadata": metadata}


ENFORCE = "pod-security.kubernetes.io/enforce"


@pytest.mark.parametrize(("level", "minimum", "fires"), [
    ("restricted", "baseline", False), ("baseline", "baseline", False), ("restricted", "restricted", False),
    ("baseline", "restricted", True), ("privileged", "baseline", True), (None, "baseline", True),
    ("strict", "baseline", True),
])
def test_j22_the_enforce_label_meets_the_minimum(level: str | None, minimum: str, fires: bool) -> None:
    labels = {} if level is None else {ENFORCE: level}
    found = messages(j22, args_of(NAMESPACE, namespace("payments", **labels), {"minimumLevel": minimum}))
    assert len(found) == int(fires)
    if fires:
        assert found[0].startswith(f"Namespace 'payments' does not enforce a Pod Security Standard of at least "
                                   f"{minimum}: label {ENFORCE} ")


def test_j22_messages() -> None:
    (unset,) = messages(j22, args_of(NAMESPACE, namespace("payments", **{"team": "payments"})))
    assert unset == (
        f"Namespace 'payments' does not enforce a Pod Security Standard of at least baseline: label {ENFORCE} is unset, "
        "so the namespace runs privileged: Pod Security Admission checks nothing. Set "
        f"metadata.labels[\"{ENFORCE}\"] to \"baseline\" or \"restricted\", and pod-security.kubernetes.io/warn and "
        "audit to \"restricted\" to see what would break next.")
    (below,) = messages(j22, args_of(NAMESPACE, namespace("payments", **{ENFORCE: "baseline"}),
                                     {"minimumLevel": "restricted"}))
    assert 'is "baseline", below the required "restricted". Set metadata.labels' in below


def test_j22_system_namespaces_are_exempt_but_an_auto_named_one_is_not() -> None:
    for system in ("kube-system", "kube-public", "kube-node-lease", "default"):
        with pytest.raises(_NotApplicableError):
            run(j22, args_of(NAMESPACE, namespace(system)))
    (message,) = messages(j22, args_of(NAMESPACE, namespace(None), name="default"))
    assert message.startswith("Namespace 'default' does not enforce"), "auto-named: default-<suffix>, not default"


def test_j22_a_patch_is_judged_only_when_it_sets_the_label() -> None:
    token = "kubernetes:core/v1:NamespacePatch"
    assert messages(j22, args_of(token, namespace("legacy", team="x"))) == []
    (message,) = messages(j22, args_of(token, namespace("legacy", **{ENFORCE: "privileged"})))
    assert message.startswith("NamespacePatch 'legacy' does not enforce")


def test_j22_a_label_unknown_at_preview_is_named() -> None:
    with pytest.raises(Undecided, match=f"metadata.labels.{ENFORCE} is computed"):
        run(j22, args_of(NAMESPACE, namespace("payments", **{ENFORCE: UNKNOWN_STRING_VALUE})))


# J23 ---------------------------------------------------------------------------------------------------------

OTHERS = {"kubernetes:core/v1:Service": {"spec": {"ports": [{"port": 80}]}},
          "kubernetes:core/v1:ConfigMap": {"data": {"a": "b"}},
          "kubernetes:core/v1:Secret": {"stringData": {"a": "b"}}}


def placed(token: str, ns: str | None) -> dict[str, Any]:
    if token in OTHERS:
        metadata: dict[str, Any] = {"name": "thing"} if ns is None else {"name": "thing", "namespace": ns}
        return {"metadata": metadata, **OTHERS[token]}
    return workload(token, namespace=ns, name="thing")


@pytest.mark.parametrize(("ns", "state"), [(None, "is unset"), ("default", 'is "default"')])
@pytest.mark.parametrize("token", [*KINDS, *OTHERS])
def test_j23_objects_in_the_default_namespace_fire(token: str, ns: str | None, state: str) -> None:
    (message,) = messages(j23, args_of(token, placed(token, ns)))
    assert message.startswith(f"{token.rsplit(':', 1)[1]} 'thing' is in the default namespace (metadata.namespace "
                              f"{state}), ")
    assert message.endswith("Create a namespace for the application and set metadata.namespace to it.")


@pytest.mark.parametrize("token", [DEPLOYMENT, "kubernetes:core/v1:ConfigMap"])
def test_j23_a_named_unknown_or_provider_namespace_is_silent(token: str) -> None:
    assert messages(j23, args_of(token, placed(token, "apps"))) == []
    assert messages(j23, args_of(token, placed(token, UNKNOWN_STRING_VALUE))) == []
    assert messages(j23, args_of(token, placed(token, None), provider_namespace="apps")) == []
    assert len(messages(j23, args_of(token, placed(token, None), provider_namespace="default"))) == 1


def test_j23_the_api_server_s_own_service_is_not_judged() -> None:
    service = {"metadata": {"name": "kubernetes", "namespace": "default"}, "spec": {"ports": [{"port": 443}]}}
    with pytest.raises(_NotApplicableError) as not_applicable:
        run(j23, args_of("kubernetes:core/v1:Service", service))
    assert "API server's own Service" in str(not_applicable.value.reason)
    assert len(messages(j23, args_of("kubernetes:core/v1:ConfigMap", {"metadata": {"name": "kubernetes"}}))) == 1


@pytest.mark.parametrize("token", ["kubernetes:apps/v1:DeploymentPatch", "kubernetes:core/v1:ConfigMapPatch",
                                   NAMESPACE, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
                                   "kubernetes:networking.k8s.io/v1:NetworkPolicy"])
def test_j23_patches_and_other_kinds_are_not_judged(token: str) -> None:
    assert messages(j23, args_of(token, {"metadata": {"name": "x"}})) == []


# J27 ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("token", "fragment"), [
    ("kubernetes:batch/v1beta1:CronJob", "uses the beta API batch/v1beta1 (kubernetes:batch/v1beta1:CronJob): beta "
                                         "APIs are removed a few releases after the stable version ships, and the "
                                         "cluster upgrade that removes it makes this program fail to apply. Use "
                                         "batch/v1 CronJob (v1beta1 was removed in Kubernetes 1.25)"),
    ("kubernetes:batch/v1beta1:CronJobPatch", "Use batch/v1 CronJob"),
    ("kubernetes:policy/v1beta1:PodSecurityPolicy", "Use Pod Security Admission namespace labels"),
    ("kubernetes:policy/v1beta1:PodDisruptionBudget", "Use policy/v1 PodDisruptionBudget"),
    ("kubernetes:autoscaling/v2beta2:HorizontalPodAutoscaler", "Use autoscaling/v2 HorizontalPodAutoscaler"),
    ("kubernetes:resource.k8s.io/v1beta1:DeviceClass", "Use the stable (v1, v2 ...) version of DeviceClass"),
    ("kubernetes:admissionregistration.k8s.io/v1alpha1:MutatingAdmissionPolicy",
     "uses the alpha API admissionregistration.k8s.io/v1alpha1"),
])
def test_j27_alpha_and_beta_apis_fire(token: str, fragment: str) -> None:
    (message,) = messages(j27, args_of(token, {"metadata": {"name": "old"}}))
    assert message.startswith(f"{token.rsplit(':', 1)[1]} 'old' uses the ")
    assert fragment in message


@pytest.mark.parametrize("token", ["kubernetes:batch/v1:CronJob", "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
                                   "kubernetes:cert-manager.io/v1alpha2:Certificate",
                                   "kubernetes:autoscaling.k8s.io/v1beta2:VerticalPodAutoscaler",
                                   "kubernetes:snapshot.storage.k8s.io/v1beta1:VolumeSnapshot",
                                   "kubernetes:helm.sh/v3:Release", "kubernetes:yaml/v2:ConfigGroup",
                                   "aws:eks/cluster:Cluster"])
def test_j27_stable_apis_and_custom_resources_are_silent(token: str) -> None:
    assert messages(j27, args_of(token, {"metadata": {"name": "x"}})) == []


# G7 ----------------------------------------------------------------------------------------------------------


def test_g7_without_an_allowlist_is_not_applicable() -> None:
    with pytest.raises(_NotApplicableError):
        run(g7, pod_args(containers=[container(image="nginx")]))
    assert messages(g7, args_of(NAMESPACE, namespace("x"))) == [], "other types are not judged at all"


@pytest.mark.parametrize(("image", "shown"), [
    ("nginx:1.27", "pulls 'nginx:1.27' from docker.io (read as docker.io/library/nginx:1.27: it names no registry)"),
    ("bitnami/redis:7.4", "pulls 'bitnami/redis:7.4' from docker.io (read as docker.io/bitnami/redis:7.4"),
    ("ghcr.io/acme/api:1.0", "pulls 'ghcr.io/acme/api:1.0' from ghcr.io, which is not an approved registry"),
    ("999999999999.dkr.ecr.us-west-2.amazonaws.com/x@sha256:" + "ab" * 32, "from 999999999999.dkr.ecr."),
])
def test_g7_an_unapproved_registry_fires(image: str, shown: str) -> None:
    (message,) = messages(g7, args_of(DEPLOYMENT, workload(DEPLOYMENT, pod_spec(containers=[container(image=image)])),
                                      REGISTRIES))
    assert message.startswith("Deployment 'api' container 'app' (spec.template.spec.containers[0]) ")
    assert shown in message
    assert "(allowedRegistries: 123456789012.dkr.ecr., registry.k8s.io/). Copy the image into" in message


def test_g7_prefixes_match_the_reference_as_written_or_as_the_runtime_reads_it() -> None:
    config = {"allowedRegistries": ["docker.io/library/"]}
    assert messages(g7, args_of(DEPLOYMENT, workload(DEPLOYMENT, pod_spec(containers=[container(image="nginx:1.27")])),
                                config)) == []
    registry = args_of(DEPLOYMENT, workload(DEPLOYMENT, pod_spec(containers=[container(image="registry.k8s.io/pause:3.10")])),
                       REGISTRIES)
    assert messages(g7, registry) == []


def test_g7_judges_init_and_ephemeral_containers_and_decides_known_ones_first() -> None:
    spec = pod_spec(containers=[container(image=UNKNOWN_STRING_VALUE)],
                    initContainers=[container("init", image="busybox:1.36")],
                    ephemeralContainers=[{"name": "debug", "image": "ghcr.io/x/debug:1"}])
    found: list[str] = []
    with pytest.raises(Undecided, match=r"containers\[0\].image is built from an output of another resource"):
        g7.validate(args_of(POD, workload(POD, spec), REGISTRIES), lambda m, urn=None: found.append(m))
    assert [re.search(r"container '(\w+)'", m)[1] for m in found] == ["init", "debug"]  # type: ignore[index]


def test_g7_a_patch_is_judged_on_the_images_it_sets() -> None:
    token = "kubernetes:apps/v1:DaemonSetPatch"
    assert messages(g7, args_of(token, workload(token, {"containers": [{"name": "app"}]}), REGISTRIES)) == []
    (message,) = messages(g7, args_of(token, workload(token, {"containers": [{"name": "app", "image": "nginx:1"}]}),
                                      REGISTRIES))
    assert message.startswith("DaemonSetPatch 'api' container 'app'")


# G8 ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("image", "flaw"), [
    ("nginx", "has no tag, so it runs whatever was pushed last as latest"),
    ("localhost:5000/tools/app", "has no tag"),
    ("123456789012.dkr.ecr.us-west-2.amazonaws.com/payments/api:latest", "uses the tag latest"),
    ("busybox:LATEST", "uses the tag LATEST, which moves with every push"),
])
@pytest.mark.parametrize("token", ["kubernetes:batch/v1:Job", "kubernetes:batch/v1:CronJob", POD])
def test_g8_an_unpinned_image_fires(token: str, image: str, flaw: str) -> None:
    (message,) = messages(g8, args_of(token, workload(token, pod_spec(containers=[container(image=image)]))))
    assert f"image '{image}' {flaw}" in message
    assert message.endswith("Pin the image by digest (@sha256:..., immutable everywhere) or at least by a version tag "
                            "in a repository with immutable tags.")


@pytest.mark.parametrize("image", ["nginx:1.27.3", "localhost:5000/tools/app:2.1", IMAGE,
                                   "public.ecr.aws/eks/aws-load-balancer-controller:v2.9.0@sha256:" + "cd" * 32])
def test_g8_a_tag_or_a_digest_is_pinned(image: str) -> None:
    assert messages(g8, pod_args(containers=[container(image=image)])) == []


def test_g8_require_digest() -> None:
    args = args_of(DEPLOYMENT, workload(DEPLOYMENT, pod_spec(containers=[container(image="nginx:1.27.3")])),
                   {"requireDigest": True})
    (message,) = messages(g8, args)
    assert "is pinned only by the tag 1.27.3, and this stack's policy config requires a digest" in message
    assert messages(g8, args_of(DEPLOYMENT, workload(DEPLOYMENT), {"requireDigest": True})) == []


def test_g8_an_image_unknown_at_preview_is_named() -> None:
    with pytest.raises(Undecided, match="so its tag or digest cannot be read yet; this rule decides it during"):
        run(g8, pod_args(containers=[container(image=UNKNOWN_STRING_VALUE)]))


@pytest.mark.parametrize(("reference", "registry", "repository", "tag", "digest"), [
    ("nginx", "docker.io", "library/nginx", None, None),
    ("nginx:1.27", "docker.io", "library/nginx", "1.27", None),
    ("bitnami/redis", "docker.io", "bitnami/redis", None, None),
    ("localhost:5000/a/b", "localhost:5000", "a/b", None, None),
    ("registry.k8s.io/pause:3.10@sha256:ab", "registry.k8s.io", "pause", "3.10", "sha256:ab"),
    ("1.dkr.ecr.us-west-2.amazonaws.com/x/y@sha256:cd", "1.dkr.ecr.us-west-2.amazonaws.com", "x/y", None, "sha256:cd"),
])
def test_image_references_are_read_as_the_runtime_reads_them(reference: str, registry: str, repository: str,
                                                             tag: str | None, digest: str | None) -> None:
    image = parse_image(reference)
    assert (image.registry, image.repository, image.tag, image.digest) == (registry, repository, tag, digest)


# L1 ----------------------------------------------------------------------------------------------------------


def test_l1_a_helm_release_fires() -> None:
    release = {"chart": "redis", "version": "20.1.0", "namespace": "apps",
               "repositoryOpts": {"repo": "https://charts.bitnami.com/bitnami"}}
    (message,) = messages(l1, args_of("kubernetes:helm.sh/v3:Release", release, name="cache"))
    assert message.startswith("Helm Release 'cache' (chart redis 20.1.0) installs objects that are never Pulumi "
                              "resources, so no policy")
    assert "Deploy the chart with kubernetes.helm.v4.Chart" in message
    (unknown,) = messages(l1, args_of("kubernetes:helm.sh/v3:Release", {"chart": UNKNOWN_STRING_VALUE}, name="x"))
    assert unknown.startswith("Helm Release 'x' installs objects")


@pytest.mark.parametrize("token", ["kubernetes:helm.sh/v4:Chart", "kubernetes:helm.sh/v3:Chart", DEPLOYMENT])
def test_l1_charts_are_silent(token: str) -> None:
    assert messages(l1, args_of(token, {"chart": "redis"})) == []


# J20: a stack policy -------------------------------------------------------------------------------------------


def controller(name: str, replicas: int | None = 2, token: str = DEPLOYMENT, ns: str | None = "payments",
               labels: dict[str, str] | None = None) -> Any:
    props = workload(token, namespace=ns, name=name, replicas=replicas)
    if labels is not None:
        props["spec"]["template"]["metadata"]["labels"] = labels
    return stack_resource(token, name, props)


def budget(name: str, selector: Any, ns: str | None = "payments", **spec: Any) -> Any:
    metadata: dict[str, Any] = {"name": name} if ns is None else {"name": name, "namespace": ns}
    return stack_resource(PDB, name, {"metadata": metadata, "spec": {"selector": selector, **spec}})


def selects(name: str) -> dict[str, Any]:
    return {"matchLabels": {"app.kubernetes.io/name": name}}


def stack_messages(resources: list[Any], config: dict[str, Any] | None = None) -> list[tuple[str, str | None]]:
    return run(j20, stack_args(resources, config))


def test_j20_two_replicas_with_a_matching_budget_are_silent() -> None:
    web = controller("web")
    store = controller("store", 3, "kubernetes:apps/v1:StatefulSet")
    assert stack_messages([web, budget("web", selects("web"), maxUnavailable=1), store,
                           budget("store", selects("store"), minAvailable="50%")]) == []


@pytest.mark.parametrize(("replicas", "source"), [(None, "spec.replicas is unset, which means 1"),
                                                  (1, "spec.replicas is 1")])
@pytest.mark.parametrize("token", sorted({DEPLOYMENT, "kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:ReplicaSet"}))
def test_j20_a_single_replica_fires(token: str, replicas: int | None, source: str) -> None:
    web = controller("web", replicas, token)
    ((message, urn),) = stack_messages([web, budget("web", selects("web"))])
    assert urn == web.urn
    assert message.startswith(f"{token.rsplit(':', 1)[1]} 'web' in namespace 'payments' runs 1 replica ({source}): "
                              "every node drain")
    assert message.endswith("Run at least 2 replicas (spread across zones) with a PodDisruptionBudget that lets one "
                            "go at a time.")


def test_j20_minimum_replicas_is_configurable() -> None:
    ((message, _),) = stack_messages([controller("web", 2), budget("web", selects("web"))], {"minimumReplicas": 3})
    assert "runs 2 replicas (spec.replicas is 2)" in message and "Run at least 3 replicas" in message


@pytest.mark.parametrize("other", [
    budget("web", selects("api")),
    budget("web", selects("web"), ns="checkout"),
    budget("web", {"matchLabels": {"app.kubernetes.io/name": "web", "tier": "front"}}),
    budget("web", None),
    budget("web", {"matchExpressions": [{"key": "app.kubernetes.io/name", "operator": "NotIn", "values": ["web"]}]}),
])
def test_j20_two_replicas_without_a_matching_budget_fire(other: Any) -> None:
    web = controller("web")
    ((message, urn),) = stack_messages([web, other])
    assert urn == web.urn
    assert message.startswith("Deployment 'web' in namespace 'payments' runs 2 replicas but no PodDisruptionBudget "
                              "(policy/v1) in its namespace selects its pods (template labels "
                              "app.kubernetes.io/name=web), so a node drain may evict them all at once.")


@pytest.mark.parametrize("selector", [
    {}, {"matchExpressions": [{"key": "app.kubernetes.io/name", "operator": "In", "values": ["web", "api"]}]},
    {"matchExpressions": [{"key": "app.kubernetes.io/name", "operator": "Exists"},
                          {"key": "canary", "operator": "DoesNotExist"}]},
])
def test_j20_selectors_match_as_the_api_server_matches(selector: dict[str, Any]) -> None:
    assert stack_messages([controller("web"), budget("web", selector)]) == []


@pytest.mark.parametrize("spec", [{"maxUnavailable": 0}, {"maxUnavailable": "0%"}, {"minAvailable": 2},
                                  {"minAvailable": "100%"}])
def test_j20_a_budget_that_allows_no_disruption_fires(spec: dict[str, Any]) -> None:
    pdb = budget("web-pdb", selects("web"), **spec)
    ((message, urn),) = stack_messages([controller("web"), pdb])
    assert urn == pdb.urn
    assert message.startswith("PodDisruptionBudget 'web-pdb' allows no voluntary disruption of Deployment 'web' in "
                              "namespace 'payments' (2 replicas), so every node drain")


def test_j20_an_autoscaler_owns_the_replica_count() -> None:
    web = controller("web", None)
    hpa = stack_resource(HPA, "web-hpa", {"metadata": {"name": "web", "namespace": "payments"}, "spec": {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}, "minReplicas": 2,
        "maxReplicas": 6}})
    assert stack_messages([web, hpa, budget("web", selects("web"))]) == []
    low = stack_resource(HPA, "web-hpa", {"metadata": {"name": "web", "namespace": "payments"}, "spec": {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": UNKNOWN_STRING_VALUE},
        "maxReplicas": 6}}, {"spec": [web]})
    ((message, _),) = stack_messages([web, low, budget("web", selects("web"))])
    assert "runs 1 replica (its HorizontalPodAutoscaler's minReplicas is 1)" in message


def test_j20_exempt_namespaces_daemonsets_and_empty_stacks() -> None:
    system = controller("coredns", 1, ns="kube-system")
    agent = controller("agent", None, "kubernetes:apps/v1:DaemonSet")
    assert stack_messages([system, agent]) == []
    assert len(stack_messages([system], {"exemptNamespaces": []})) == 1
    with pytest.raises(_NotApplicableError):
        stack_messages([agent, budget("x", {})])


def test_j20_an_unset_namespace_is_the_default_one() -> None:
    assert stack_messages([controller("web", ns=None), budget("web", selects("web"), ns="default")]) == []
    assert len(stack_messages([controller("web", ns=None), budget("web", selects("web"), ns="payments")])) == 1


def test_j20_unknown_values_are_named_after_every_decided_workload() -> None:
    unknown = controller("web", UNKNOWN_STRING_VALUE)  # type: ignore[arg-type]
    single = controller("api", 1)
    found: list[str] = []
    with pytest.raises(Undecided, match="spec.replicas is computed"):
        j20.validate(stack_args([unknown, single]), lambda m, urn=None: found.append(m))
    assert len(found) == 1 and found[0].startswith("Deployment 'api'")
    unknown_ns = budget("web", selects("web"), ns=UNKNOWN_STRING_VALUE)
    with pytest.raises(Undecided, match="of PodDisruptionBudget 'web'"):
        stack_messages([controller("web"), unknown_ns])
    assert stack_messages([controller("web"), unknown_ns, budget("web2", selects("web"))]) == [], \
        "a known match decides"


# Metadata ----------------------------------------------------------------------------------------------------

ANCHORS: dict[Any, list[str]] = {
    j13: ["ckv-k8s-10", "ckv-k8s-11", "ckv-k8s-12", "ckv-k8s-13"], j14: ["ckv-k8s-38", "cis-eks-4.1.6"],
    j15: ["ckv-k8s-41", "cis-eks-4.1.5"], j16: ["ckv-k8s-35", "cis-eks-4.4.1"], j16_files: ["ckv-k8s-35"],
    j19: ["pcp-kubernetes-core-v1-pod-disallow-pod"], j20: ["pcp-kubernetes-apps-v1-deployment-configure-minimum-replica-count"],
    j22: ["cis-eks-4.2"], j23: ["ckv-k8s-21", "cis-eks-4.5.2"], j27: ["pcp-kubernetes-disallow-beta-resource"],
    g7: ["cis-eks-5.1.4"], g8: ["ckv-k8s-14", "ckv-k8s-43"], l1: ["policy-visibility"],
}


@pytest.mark.parametrize("policy", list(ANCHORS), ids=lambda p: p.name)
def test_metadata_names_the_anchors(policy: Any) -> None:
    assert re.match(r"^kubernetes-[a-z0-9]+-(missing|disallow|enable|disable|configure|enforce)-[a-z0-9-]+$",
                    policy.name)
    assert set(ANCHORS[policy]) <= set(policy.tags), policy.tags
    assert policy.description.endswith(".") and policy.remediation_steps and policy.url.startswith("https://")
    assert policy.enforcement_level is None


def test_replicas_rule_skips_an_invalid_count_instead_of_crashing_the_stack_analysis() -> None:
    """``replicas: "three"`` is an invalid manifest (the schema check reports it); the stack rule must not raise."""
    from k8s.workloads.configure_replicas_and_pdb import configure_replicas_and_pdb
    from tests.policies.fixtures import run, stack_args, stack_resource

    broken = stack_resource("kubernetes:apps/v1:Deployment", "broken", {
        "metadata": {"name": "broken", "namespace": "apps"},
        "spec": {"replicas": "three", "selector": {"matchLabels": {"app": "b"}},
                 "template": {"metadata": {"labels": {"app": "b"}}, "spec": {"containers": []}}}})
    single = stack_resource("kubernetes:apps/v1:Deployment", "single", {
        "metadata": {"name": "single", "namespace": "apps"},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "s"}},
                 "template": {"metadata": {"labels": {"app": "s"}}, "spec": {"containers": []}}}})
    found = run(configure_replicas_and_pdb, stack_args([broken, single]))
    assert [urn for _, urn in found] == [single.urn], "the valid workload is still judged"
