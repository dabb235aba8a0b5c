"""Pod-security rules J1-J9, J11, J12 on every workload kind (the new PSS controls and levels: test_pss_levels.py).

Each rule: silent on a hardened pod spec in every WORKLOADS token (Patch variants too), firing on one changed
field in a Pod, a Deployment and a CronJob with a message naming the kind, object, container and path; the
pod-level fallback (a container's own setting overrides the pod's); a Patch judged only on what it sets;
values unknown at preview (images and names never matter; one unknown container does not hide another's
verdict); exempt namespaces, Windows pods and each rule's config.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from _known import Undecided
from _pods import WORKLOADS
from pulumi_policy import ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from k8s.pods.configure_minimum_uid import configure_minimum_uid
from k8s.pods.disallow_host_ipc import disallow_host_ipc
from k8s.pods.disallow_host_network import disallow_host_network
from k8s.pods.disallow_host_path import disallow_host_path
from k8s.pods.disallow_host_pid import disallow_host_pid
from k8s.pods.disallow_host_port import disallow_host_port
from k8s.pods.disallow_privilege_escalation import disallow_privilege_escalation
from k8s.pods.disallow_privileged import disallow_privileged
from k8s.pods.enable_read_only_root_filesystem import enable_read_only_root_filesystem
from k8s.pods.enable_seccomp_profile import enable_seccomp_profile
from k8s.pods.enforce_minimal_capabilities import enforce_minimal_capabilities
from k8s.pods.enforce_run_as_non_root import enforce_run_as_non_root
from tests.policies.fixtures import _opts, run, urn_of

POLICIES: list[Any] = [
    disallow_privileged, disallow_host_pid, disallow_host_ipc, disallow_host_network, disallow_privilege_escalation,
    enforce_run_as_non_root, enable_read_only_root_filesystem, enforce_minimal_capabilities, enable_seccomp_profile,
    disallow_host_path, disallow_host_port, configure_minimum_uid]
IMAGE = "123456789012.dkr.ecr.us-west-2.amazonaws.com/web@sha256:" + "a" * 64
POD = "kubernetes:core/v1:Pod"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
CRONJOB = "kubernetes:batch/v1:CronJob"
DAEMONSET = "kubernetes:apps/v1:DaemonSet"
DEPLOYMENT_PATCH = "kubernetes:apps/v1:DeploymentPatch"
PV = "kubernetes:core/v1:PersistentVolume"
KINDS = [POD, DEPLOYMENT, CRONJOB]
#: Where the pod spec sits, as messages name it.
SPEC_PATH = {POD: "spec", DEPLOYMENT: "spec.template.spec", CRONJOB: "spec.jobTemplate.spec.template.spec",
             DEPLOYMENT_PATCH: "spec.template.spec"}


def hardened_spec() -> dict[str, Any]:
    """A pod spec every rule of J1-J12 accepts: non-root high UID at the pod level, RuntimeDefault seccomp, all
    capabilities dropped, no escalation, read-only root, /tmp an emptyDir, a read-only init container."""
    context = {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}}
    return {
        "serviceAccountName": "web", "automountServiceAccountToken": False,
        "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001, "fsGroup": 10001,
                            "seccompProfile": {"type": "RuntimeDefault"}},
        "initContainers": [{"name": "migrate", "image": IMAGE, "securityContext": copy.deepcopy(context)}],
        "containers": [{
            "name": "app", "image": IMAGE, "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
            "securityContext": copy.deepcopy(context), "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}]}],
        "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}],
    }


def props_of(token: str, spec: dict[str, Any], namespace: Any = "apps", name: Any = "web") -> dict[str, Any]:
    """The props of ``token`` carrying pod ``spec`` at its pod-spec path."""
    metadata: dict[str, Any] = {"name": name, "labels": {"app.kubernetes.io/name": "web"}}
    if namespace is not None:
        metadata["namespace"] = namespace
    labels = {"app.kubernetes.io/name": "web"}
    template = {"metadata": {"labels": labels}, "spec": spec}
    path = WORKLOADS[token]
    if path == ("spec",):
        return {"metadata": metadata, "spec": spec}
    if path == ("template", "spec"):
        return {"metadata": metadata, "template": template}
    if path[1] == "jobTemplate":
        template["spec"] = {**spec, "restartPolicy": "OnFailure"}
        return {"metadata": metadata, "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": template}}}}
    return {"metadata": metadata, "spec": {"replicas": 2, "selector": {"matchLabels": labels}, "template": template}}


def args_of(token: str, props: dict[str, Any], config: dict[str, Any] | None = None) -> ResourceValidationArgs:
    return ResourceValidationArgs(token, unknown_checking_proxy(props), urn_of(token, "subject"), "subject", _opts(),
                                  None, config or {})


def workload(token: str, change: Callable[[dict[str, Any]], None] | None = None, config: dict[str, Any] | None = None,
             **kw: Any) -> ResourceValidationArgs:
    spec = hardened_spec()
    if change is not None:
        change(spec)
    return args_of(token, props_of(token, spec, **kw), config)


def messages(policy: ResourceValidationPolicy, args: ResourceValidationArgs) -> list[str]:
    return [m for m, _ in run(policy, args)]


def app(**context: Any) -> Callable[[dict[str, Any]], None]:
    """Change the app container's securityContext."""
    return lambda s: s["containers"][0]["securityContext"].update(context)


def pod(**fields: Any) -> Callable[[dict[str, Any]], None]:
    return lambda s: s.update(fields)


def pod_context(**context: Any) -> Callable[[dict[str, Any]], None]:
    return lambda s: s["securityContext"].update(context)


def without(*keys: str, where: str = "app") -> Callable[[dict[str, Any]], None]:
    def change(s: dict[str, Any]) -> None:
        holder = s["containers"][0]["securityContext"] if where == "app" else s["securityContext"]
        for key in keys:
            holder.pop(key)
    return change


def both(*changes: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    def change(s: dict[str, Any]) -> None:
        for c in changes:
            c(s)
    return change


def host_volume(path: str, read_only: bool | None = None, name: str = "host") -> Callable[[dict[str, Any]], None]:
    def change(s: dict[str, Any]) -> None:
        s["volumes"].append({"name": name, "hostPath": {"path": path}})
        mount: dict[str, Any] = {"name": name, "mountPath": "/host"}
        if read_only is not None:
            mount["readOnly"] = read_only
        s["containers"][0]["volumeMounts"].append(mount)
    return change


# -- silent on the hardened spec --------------------------------------------------------------------------------

@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
@pytest.mark.parametrize("token", sorted(WORKLOADS))
def test_hardened_pod_spec_is_silent_in_every_workload_kind(policy: ResourceValidationPolicy, token: str) -> None:
    assert messages(policy, workload(token)) == []


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_other_resource_types_are_ignored(policy: ResourceValidationPolicy) -> None:
    args = args_of("kubernetes:core/v1:Service", {"metadata": {"name": "web"}, "spec": {"hostNetwork": True}})
    try:
        assert messages(policy, args) == []
    except _NotApplicableError as error:  # a stack rule: the stack has no workloads
        assert isinstance(policy, StackValidationPolicy) and "no workloads" in str(error.reason)


# -- each rule fires, in a Pod, a Deployment and a CronJob --------------------------------------------------------

FIRING: list[tuple[ResourceValidationPolicy, Callable[[dict[str, Any]], None], str]] = [
    (disallow_privileged, app(privileged=True),
     "container 'app' ({spec}.containers[0]) runs privileged (securityContext.privileged: true)"),
    (disallow_privileged, app(windowsOptions={"hostProcess": True}),
     "container 'app' ({spec}.containers[0]) is a Windows HostProcess container"),
    (disallow_host_pid, pod(hostPID=True),
     "shares the node's process namespace ({spec}.hostPID: true): its containers ('app', 'migrate')"),
    (disallow_host_ipc, pod(hostIPC=True), "shares the node's IPC namespace ({spec}.hostIPC: true)"),
    (disallow_host_network, pod(hostNetwork=True), "uses the node's network namespace ({spec}.hostNetwork: true)"),
    (disallow_privilege_escalation, app(allowPrivilegeEscalation=True),
     "container 'app' ({spec}.containers[0]) allows privilege escalation (securityContext.allowPrivilegeEscalation "
     "is true)"),
    (disallow_privilege_escalation, without("allowPrivilegeEscalation"),
     "allowPrivilegeEscalation is unset, which allows it"),
    (enforce_run_as_non_root, without("runAsNonRoot", "runAsUser", where="pod"),
     "container 'app' ({spec}.containers[0]) does not require a non-root user: runAsNonRoot is unset on the container "
     "and on the pod ({spec}.securityContext.runAsNonRoot): the kubelet starts the image as whatever user"),
    (enforce_run_as_non_root, pod_context(runAsUser=0),
     "{kind} 'web' runs its containers as root ({spec}.securityContext.runAsUser: 0)"),
    (configure_minimum_uid, pod_context(runAsUser=1000),
     "runs as low UID 1000 ({spec}.securityContext.runAsUser), below minimumUid 10000"),
    (enable_read_only_root_filesystem, app(readOnlyRootFilesystem=False),
     "container 'app' ({spec}.containers[0]) has a writable root filesystem (securityContext.readOnlyRootFilesystem "
     "is false)"),
    (enable_read_only_root_filesystem, without("readOnlyRootFilesystem"), "readOnlyRootFilesystem is unset"),
    (enforce_minimal_capabilities, app(capabilities={"drop": ["ALL"], "add": ["SYS_ADMIN", "NET_RAW"]}),
     "container 'app' ({spec}.containers[0]) adds capabilities SYS_ADMIN, NET_RAW (securityContext.capabilities.add), "
     "beyond the runtime's default set that baseline allows (AUDIT_WRITE, CHOWN,"),
    (enforce_minimal_capabilities, without("capabilities"),
     "container 'app' ({spec}.containers[0]) keeps the runtime's default capabilities, NET_RAW among them "
     "(securityContext.capabilities drops none, not ALL)"),
    (enforce_minimal_capabilities, app(capabilities={"drop": ["NET_RAW"]}),
     "keeps the runtime's default capabilities (securityContext.capabilities drops only NET_RAW, not ALL)"),
    (enable_seccomp_profile, without("seccompProfile", where="pod"),
     "container 'app' ({spec}.containers[0]) has no seccomp profile (seccompProfile unset on the container and the "
     "pod), so it runs Unconfined"),
    (enable_seccomp_profile, pod_context(seccompProfile={"type": "Unconfined"}),
     "{kind} 'web' runs its containers Unconfined ({spec}.securityContext.seccompProfile.type: Unconfined)"),
    (disallow_host_path, host_volume("/var/run/docker.sock"),
     "CRITICAL: {kind} 'web' volume 'host' ({spec}.volumes[1].hostPath.path: /var/run/docker.sock) mounts the "
     "container runtime socket, used by container 'app' ({spec}.containers[0].volumeMounts[1])"),
    (disallow_host_path, host_volume("/var/log", read_only=True),
     "{kind} 'web' volume 'host' ({spec}.volumes[1].hostPath.path: /var/log) mounts a directory of the node"),
    (disallow_host_port, lambda s: s["containers"][0]["ports"][0].update(hostPort=8080),
     "container 'app' ({spec}.containers[0]) binds port 8080 on the node ({spec}.containers[0].ports[0].hostPort)"),
]


@pytest.mark.parametrize("token", KINDS)
@pytest.mark.parametrize(("policy", "change", "fragment"), FIRING,
                         ids=[f"{p.name}-{i}" for i, (p, _, _) in enumerate(FIRING)])
def test_rule_fires_with_kind_object_container_and_path(policy: ResourceValidationPolicy,
                                                        change: Callable[[dict[str, Any]], None], fragment: str,
                                                        token: str) -> None:
    kind = token.rsplit(":", 1)[-1]
    found = messages(policy, workload(token, change))
    assert found, f"{policy.name} stayed silent"
    assert any(fragment.format(spec=SPEC_PATH[token], kind=kind) in m for m in found), found
    for message in found:
        assert message.removeprefix("CRITICAL: ").startswith(f"{kind} 'web' "), message
        assert message.endswith((".", ".)")), message


def test_each_change_fires_only_its_own_rule() -> None:
    """The firing cases are one flaw each: no other J rule fires on them (NET_RAW's add is J8's alone)."""
    for policy, change, _ in FIRING:
        for other in POLICIES:
            if other is policy:
                continue
            assert messages(other, workload(DEPLOYMENT, change)) == [], (policy.name, other.name)


def test_every_rule_has_a_firing_case_here() -> None:
    assert {p.name for p, _, _ in FIRING} == {p.name for p in POLICIES}


def test_init_and_ephemeral_containers_are_judged() -> None:
    def change(s: dict[str, Any]) -> None:
        s["initContainers"][0]["securityContext"]["privileged"] = True
        s["ephemeralContainers"] = [{"name": "debugger", "image": "busybox", "targetContainerName": "app",
                                     "securityContext": {"privileged": True}}]

    found = messages(disallow_privileged, workload(POD, change))
    assert [m.split(" runs ")[0] for m in found] == [
        "Pod 'web' container 'migrate' (spec.initContainers[0])",
        "Pod 'web' container 'debugger' (spec.ephemeralContainers[0])"]


# -- pod-level fallback ---------------------------------------------------------------------------------------------

def test_run_as_non_root_at_pod_level_satisfies_every_container() -> None:
    """The hardened spec sets runAsNonRoot and runAsUser only on the pod."""
    spec = hardened_spec()
    assert "runAsNonRoot" not in spec["containers"][0]["securityContext"]
    assert messages(enforce_run_as_non_root, workload(DEPLOYMENT)) == []


def test_run_as_non_root_on_every_container_satisfies_without_the_pod() -> None:
    def change(s: dict[str, Any]) -> None:
        s["securityContext"] = {"seccompProfile": {"type": "RuntimeDefault"}}
        for c in s["containers"] + s["initContainers"]:
            c["securityContext"].update(runAsNonRoot=True, runAsUser=20000)

    assert messages(enforce_run_as_non_root, workload(DEPLOYMENT, change)) == []


def test_container_level_settings_are_judged_and_a_container_true_mends_an_unset_pod() -> None:
    found = messages(enforce_run_as_non_root, workload(DEPLOYMENT, app(runAsNonRoot=False, runAsUser=0)))
    assert found == [
        m for m in found if "container 'app' (spec.template.spec.containers[0])" in m]
    assert "sets runAsNonRoot: false (spec.template.spec.containers[0].securityContext.runAsNonRoot)" in found[0]
    assert "runs as root (spec.template.spec.containers[0].securityContext.runAsUser: 0)" in found[1]
    # the container fixes what the pod leaves unset (PSS: unset at container level is fine if the pod says true,
    # and a container's own true satisfies it); the pod's runAsUser 0 is still root for the pod
    fixed = both(without("runAsNonRoot", where="pod"), app(runAsNonRoot=True, runAsUser=10001),
                 lambda s: s["initContainers"][0]["securityContext"].update(runAsNonRoot=True, runAsUser=10002))
    assert messages(enforce_run_as_non_root, workload(DEPLOYMENT, fixed)) == []
    (pod_root,) = messages(enforce_run_as_non_root, workload(DEPLOYMENT, both(fixed, pod_context(runAsUser=0))))
    assert pod_root.startswith("Deployment 'web' runs its containers as root"), pod_root


def test_seccomp_container_profile_overrides_the_pod() -> None:
    found = messages(enable_seccomp_profile, workload(DEPLOYMENT, app(seccompProfile={"type": "Unconfined"})))
    assert len(found) == 1 and "(spec.template.spec.containers[0].securityContext.seccompProfile.type: " \
        "Unconfined)" in found[0]
    confined = both(pod_context(seccompProfile={"type": "Unconfined"}),
                    app(seccompProfile={"type": "RuntimeDefault"}),
                    lambda s: s["initContainers"][0]["securityContext"].update(
                        seccompProfile={"type": "Localhost", "localhostProfile": "profiles/migrate.json"}))
    # every container is confined, but the standard's baseline refuses an Unconfined pod-level profile as such
    (pod_level,) = messages(enable_seccomp_profile, workload(DEPLOYMENT, confined))
    assert pod_level.startswith("Deployment 'web' runs its containers Unconfined") and "baseline" in pod_level
    localhost = both(pod_context(seccompProfile={"type": "Localhost", "localhostProfile": "profiles/web.json"}),
                     app(seccompProfile={"type": "RuntimeDefault"}))
    assert messages(enable_seccomp_profile, workload(DEPLOYMENT, localhost)) == []


# -- Patch variants: judged on what they set --------------------------------------------------------------------

def patch(spec: dict[str, Any], token: str = DEPLOYMENT_PATCH) -> ResourceValidationArgs:
    return args_of(token, props_of(token, spec))


PARTIAL_SPEC = {"containers": [{"name": "app", "image": IMAGE}]}
"""A patch that only bumps the image: every security field is left to the live object."""


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_a_patch_that_leaves_the_fields_out_is_not_judged_on_them(policy: ResourceValidationPolicy) -> None:
    assert messages(policy, patch(copy.deepcopy(PARTIAL_SPEC))) == []
    assert messages(policy, args_of(DEPLOYMENT_PATCH, {"metadata": {"name": "web", "namespace": "apps"},
                                                       "spec": {"replicas": 3}})) == []


@pytest.mark.parametrize(("policy", "context", "fragment"), [
    (disallow_privileged, {"privileged": True}, "runs privileged"),
    (disallow_privilege_escalation, {"allowPrivilegeEscalation": True}, "allows privilege escalation"),
    (enforce_run_as_non_root, {"runAsNonRoot": False}, "sets runAsNonRoot: false"),
    (enforce_run_as_non_root, {"runAsUser": 0}, "runs as root"),
    (configure_minimum_uid, {"runAsUser": 33}, "runs as low UID 33"),
    (enable_read_only_root_filesystem, {"readOnlyRootFilesystem": False}, "has a writable root filesystem"),
    (enforce_minimal_capabilities, {"capabilities": {"drop": ["NET_RAW"]}}, "drops only NET_RAW, not ALL"),
    (enforce_minimal_capabilities, {"capabilities": {"add": ["NET_ADMIN"]}}, "adds capabilities NET_ADMIN"),
    (enable_seccomp_profile, {"seccompProfile": {"type": "Unconfined"}}, "runs Unconfined"),
])
def test_a_patch_that_sets_a_field_is_judged_on_it(policy: ResourceValidationPolicy, context: dict[str, Any],
                                                   fragment: str) -> None:
    spec = copy.deepcopy(PARTIAL_SPEC)
    spec["containers"][0]["securityContext"] = context
    (message,) = messages(policy, patch(spec))
    assert message.startswith("DeploymentPatch 'web' container 'app' (spec.template.spec.containers[0])"), message
    assert fragment in message, message


def test_a_patch_setting_pod_level_fields_is_judged_and_cronjob_patches_too() -> None:
    spec = {"hostNetwork": True, "securityContext": {"runAsUser": 0}, "containers": [{"name": "app"}]}
    (network,) = messages(disallow_host_network, patch(copy.deepcopy(spec), "kubernetes:batch/v1:CronJobPatch"))
    assert network.startswith("CronJobPatch 'web' uses the node's network namespace "
                              "(spec.jobTemplate.spec.template.spec.hostNetwork: true)")
    (root,) = messages(enforce_run_as_non_root, patch(copy.deepcopy(spec)))
    assert "runs its containers as root (spec.template.spec.securityContext.runAsUser: 0)" in root
    host = {"volumes": [{"name": "sock", "hostPath": {"path": "/run/containerd/containerd.sock"}}]}
    (socket,) = messages(disallow_host_path, patch(host, "kubernetes:apps/v1:DaemonSetPatch"))
    assert socket.startswith("CRITICAL: DaemonSetPatch 'web' volume 'sock'"), socket


# -- unknown values at preview ------------------------------------------------------------------------------------

def test_images_and_names_unknown_at_preview_do_not_matter() -> None:
    """Images built from a repository this stack creates, and auto-names, are unknown at a first preview."""
    def change(s: dict[str, Any]) -> None:
        for c in s["containers"] + s["initContainers"]:
            c["image"] = UNKNOWN_STRING_VALUE
        s["serviceAccountName"] = UNKNOWN_STRING_VALUE
        s["containers"][0]["securityContext"]["privileged"] = True

    for policy in POLICIES:
        found = messages(policy, workload(DEPLOYMENT, change, name=UNKNOWN_STRING_VALUE))
        if policy is disallow_privileged:
            (message,) = found
            assert message.startswith("Deployment 'subject' container 'app'"), message
        else:
            assert found == [], (policy.name, found)


def test_an_unknown_security_field_is_named_after_every_known_verdict() -> None:
    """The init container's privileged flag is unknown; the app container's verdict is still reported."""
    def change(s: dict[str, Any]) -> None:
        s["initContainers"][0]["securityContext"]["privileged"] = UNKNOWN_STRING_VALUE
        s["containers"][0]["securityContext"]["privileged"] = True

    found: list[str] = []
    with pytest.raises(Undecided) as undecided:
        disallow_privileged.validate(workload(DEPLOYMENT, change), lambda m, urn=None: found.append(m))
    assert len(found) == 1 and "container 'app'" in found[0]
    assert ".spec.template.spec.initContainers[0].securityContext.privileged" in str(undecided.value)


def test_an_unknown_host_port_is_a_host_port() -> None:
    change = lambda s: s["containers"][0]["ports"][0].update(hostPort=UNKNOWN_STRING_VALUE)  # noqa: E731
    (message,) = messages(disallow_host_port, workload(DEPLOYMENT, change))
    assert "binds a port computed at deploy time on the node" in message


def test_an_unknown_namespace_decides_only_when_there_is_a_finding() -> None:
    assert messages(disallow_privileged, workload(DEPLOYMENT, namespace=UNKNOWN_STRING_VALUE)) == []
    with pytest.raises(Undecided, match=r"\.metadata\.namespace .*exemptNamespaces"):
        run(disallow_privileged, workload(DEPLOYMENT, app(privileged=True), namespace=UNKNOWN_STRING_VALUE))


# -- exempt namespaces, Windows, config -----------------------------------------------------------------------------

@pytest.mark.parametrize(("policy", "change"), [(p, c) for p, c, _ in FIRING], ids=[p.name for p, _, _ in FIRING])
def test_kube_system_is_exempt_by_default_and_configurable(policy: ResourceValidationPolicy,
                                                           change: Callable[[dict[str, Any]], None]) -> None:
    with pytest.raises(_NotApplicableError):
        run(policy, workload(DEPLOYMENT, change, namespace="kube-system"))
    assert messages(policy, workload(DEPLOYMENT, change, namespace="kube-system",
                                     config={"exemptNamespaces": []})) != []
    with pytest.raises(_NotApplicableError):
        run(policy, workload(DEPLOYMENT, change, config={"exemptNamespaces": ["apps"]}))
    assert messages(policy, workload(DEPLOYMENT, change, namespace=None)) != [], "unset is the default namespace"


@pytest.mark.parametrize("policy", [disallow_privilege_escalation, enable_read_only_root_filesystem,
                                    enable_seccomp_profile], ids=lambda p: p.name)
def test_linux_only_fields_do_not_apply_to_windows_pods(policy: ResourceValidationPolicy) -> None:
    def windows(s: dict[str, Any]) -> None:
        s["os"] = {"name": "windows"}
        s["securityContext"] = {"runAsNonRoot": True, "windowsOptions": {"runAsUserName": "ContainerUser"}}
        for c in s["containers"] + s["initContainers"]:
            c["securityContext"] = {}

    with pytest.raises(_NotApplicableError) as not_applicable:
        run(policy, workload(DEPLOYMENT, windows))
    assert "a Windows pod (spec.os.name: windows) cannot set" in str(not_applicable.value.reason)
    assert messages(enforce_run_as_non_root, workload(DEPLOYMENT, windows)) == []
    # J8's baseline part (no capability beyond the default set) is not Linux-only: judged, and silent here
    assert messages(enforce_minimal_capabilities, workload(DEPLOYMENT, windows)) == []


def test_minimum_uid_is_configurable() -> None:
    low = pod_context(runAsUser=1000)
    assert messages(configure_minimum_uid, workload(DEPLOYMENT, low, config={"minimumUid": 1000})) == []
    found = messages(configure_minimum_uid, workload(DEPLOYMENT, pod_context(runAsUser=10001),
                                                     config={"minimumUid": 65536}))
    assert len(found) == 2, "the pod's UID is every container's"
    assert all("runs as low UID 10001" in m and "below minimumUid 65536" in m for m in found), found


def test_run_as_non_root_false_at_pod_level_fires_per_container() -> None:
    found = messages(enforce_run_as_non_root, workload(CRONJOB, pod_context(runAsNonRoot=False)))
    assert [m.split(" does not require a non-root user")[0] for m in found] == [
        "CronJob 'web' container 'app' (spec.jobTemplate.spec.template.spec.containers[0])",
        "CronJob 'web' container 'migrate' (spec.jobTemplate.spec.template.spec.initContainers[0])"]
    assert "runAsNonRoot is false on the pod (spec.jobTemplate.spec.template.spec.securityContext.runAsNonRoot)" \
        in found[0]


@pytest.mark.parametrize(("add", "config", "fragment"), [
    (["NET_BIND_SERVICE"], None, None),
    (["CAP_NET_BIND_SERVICE"], None, None),
    (["CHOWN"], None, "adds capabilities CHOWN (securityContext.capabilities.add), beyond what restricted allows "
                      "(NET_BIND_SERVICE). Set"),
    (["cap_sys_admin"], None, "adds capabilities SYS_ADMIN"),
    (["ALL"], None, "ALL: every capability, as good as privileged"),
    (["NET_ADMIN"], {"allowedCapabilities": ["NET_ADMIN"]}, "beyond the runtime's default set"),
    (["CHOWN"], {"allowedCapabilities": ["NET_BIND_SERVICE"], "defaultLevel": "baseline"},
     "beyond the runtime's default set that baseline allows (NET_BIND_SERVICE)"),
    (["SYS_PTRACE", "BPF", "PERFMON", "SYS_MODULE"], None, "SYS_PTRACE: tracing"),
])
def test_added_capabilities_against_the_allowlist(add: list[str], config: dict[str, Any] | None,
                                                  fragment: str | None) -> None:
    found = messages(enforce_minimal_capabilities,
                     workload(DEPLOYMENT, app(capabilities={"drop": ["ALL"], "add": add}), config=config))
    if fragment is None:
        assert found == []
    else:
        (message,) = found
        assert fragment in message, message


def test_dropping_all_in_lower_case_counts() -> None:
    assert messages(enforce_minimal_capabilities, workload(DEPLOYMENT, app(capabilities={"drop": ["all"]}))) == []


# -- J11 host paths -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("path", "what"), [
    ("/var/run/docker.sock", "mounts the container runtime socket"),
    ("/run/containerd/containerd.sock", "mounts the container runtime socket"),
    ("/var/run/containerd/containerd.sock", "mounts the container runtime socket"),
    ("/var/run/crio/crio.sock", "mounts the container runtime socket"),
    ("/run/crio/crio.sock", "mounts the container runtime socket"),
    ("/var/run/cri-dockerd.sock", "mounts the container runtime socket"),
    ("/run/docker.sock/", "mounts the container runtime socket"),
    ("/var/run", "mounts a directory holding the container runtime socket /var/run/docker.sock"),
    ("/run/containerd", "mounts a directory holding the container runtime socket /run/containerd/containerd.sock"),
    ("/", "mounts a directory holding the container runtime socket"),
])
def test_runtime_sockets_are_critical_even_when_allowlisted(path: str, what: str) -> None:
    config = {"allowedHostPaths": ["/var/run", "/run", "/"]}
    (message,) = messages(disallow_host_path, workload(DEPLOYMENT, host_volume(path, read_only=True), config=config))
    assert message.startswith("CRITICAL: Deployment 'web' volume 'host'"), message
    assert what in message, message


def test_allowlisted_host_paths_must_be_mounted_read_only() -> None:
    config = {"allowedHostPaths": ["/var/log"]}
    assert messages(disallow_host_path, workload(DAEMONSET, host_volume("/var/log", True), config=config)) == []
    assert messages(disallow_host_path, workload(DAEMONSET, host_volume("/var/log/pods", True), config=config)) == []
    (writable,) = messages(disallow_host_path, workload(DAEMONSET, host_volume("/var/log"), config=config))
    assert writable.startswith("DaemonSet 'web' container 'app' (spec.template.spec.containers[0].volumeMounts[1]) "
                               "mounts hostPath /var/log (volume 'host') writable; allowedHostPaths allows /var/log "
                               "read-only only"), writable
    (outside,) = messages(disallow_host_path, workload(DAEMONSET, host_volume("/var/lib/kubelet", True), config=config))
    assert "mounts a directory of the node" in outside
    (prefix,) = messages(disallow_host_path, workload(DAEMONSET, host_volume("/var/logs", True), config=config))
    assert "(spec.template.spec.volumes[1].hostPath.path: /var/logs)" in prefix, "a prefix is a directory, not a string"


def test_an_unmounted_host_path_volume_still_fires() -> None:
    change = lambda s: s["volumes"].append({"name": "etc", "hostPath": {"path": "/etc", "type": "Directory"}})  # noqa: E731
    (message,) = messages(disallow_host_path, workload(DEPLOYMENT, change))
    assert "volume 'etc' (spec.template.spec.volumes[1].hostPath.path: /etc)" in message
    assert "used by no container yet" in message


def pv(source: dict[str, Any]) -> dict[str, Any]:
    return {"metadata": {"name": "node-data"}, "spec": {"capacity": {"storage": "5Gi"}, "accessModes": ["ReadWriteOnce"],
                                                        **source}}


def test_persistent_volumes_on_a_host_path_fire() -> None:
    (message,) = messages(disallow_host_path, args_of(PV, pv({"hostPath": {"path": "/mnt/data"}})))
    assert message.startswith("PersistentVolume 'node-data' (spec.hostPath.path: /mnt/data) hands a directory")
    (socket,) = messages(disallow_host_path, args_of(PV, pv({"hostPath": {"path": "/var/run/docker.sock"}})))
    assert socket.startswith("CRITICAL: PersistentVolume 'node-data'")
    assert messages(disallow_host_path, args_of(PV, pv({"hostPath": {"path": "/mnt/data"}}),
                                                {"allowedHostPaths": ["/mnt"]})) == []
    assert messages(disallow_host_path, args_of(PV, pv({"csi": {"driver": "ebs.csi.aws.com",
                                                                "volumeHandle": "vol-1"}}))) == []


def test_host_port_zero_is_no_host_port() -> None:
    change = lambda s: s["containers"][0]["ports"][0].update(hostPort=0)  # noqa: E731
    assert messages(disallow_host_port, workload(DEPLOYMENT, change)) == []



@pytest.mark.parametrize("token", sorted(t for t in WORKLOADS if not t.endswith("Patch")))
def test_privileged_fires_in_every_workload_kind_at_its_pod_spec_path(token: str) -> None:
    (message,) = messages(disallow_privileged, workload(token, app(privileged=True)))
    path = ".".join(WORKLOADS[token])
    assert message.startswith(f"{token.rsplit(':', 1)[-1]} 'web' container 'app' ({path}.containers[0]) runs privileged")


def test_a_pod_level_host_process_fires_once_for_the_pod() -> None:
    (message,) = messages(disallow_privileged, workload(DEPLOYMENT, pod_context(windowsOptions={"hostProcess": True})))
    assert message.startswith("Deployment 'web' runs its containers ('app', 'migrate') as Windows HostProcess containers "
                              "(spec.template.spec.securityContext.windowsOptions.hostProcess: true)"), message


ANCHORS = {
    disallow_privileged: {"ckv-k8s-16", "cis-eks-4.2.1", "pss-baseline"},
    disallow_host_pid: {"ckv-k8s-17", "cis-eks-4.2.2", "pss-baseline"},
    disallow_host_ipc: {"ckv-k8s-18", "cis-eks-4.2.3", "pss-baseline"},
    disallow_host_network: {"ckv-k8s-19", "cis-eks-4.2.4", "pss-baseline"},
    disallow_privilege_escalation: {"ckv-k8s-20", "cis-eks-4.2.5", "pss-restricted"},
    enforce_run_as_non_root: {"ckv-k8s-23", "pss-restricted"},
    configure_minimum_uid: {"ckv-k8s-40"},
    enable_read_only_root_filesystem: {"ckv-k8s-22"},
    enforce_minimal_capabilities: {"ckv-k8s-25", "ckv-k8s-28", "ckv-k8s-37", "ckv-k8s-39", "pss-baseline",
                                   "pss-restricted"},
    enable_seccomp_profile: {"ckv-k8s-31", "pss-baseline", "pss-restricted"},
    disallow_host_path: {"ckv-k8s-27", "pss-baseline"},
    disallow_host_port: {"ckv-k8s-26", "pss-baseline"},
}


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_metadata_cites_the_anchors_and_offers_exempt_namespaces(policy: ResourceValidationPolicy) -> None:
    assert ANCHORS[policy] <= set(policy.tags), policy.tags
    assert policy.name.startswith("kubernetes-pod-") and policy.enforcement_level is None
    schema = policy.config_schema.properties["exemptNamespaces"]
    assert schema["type"] == "array" and schema["default"] == ["kube-system"]
