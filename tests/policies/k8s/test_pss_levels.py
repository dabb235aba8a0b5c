"""Every Pod Security Standards control, at the level and version the pod's namespace enforces.

For each control and level: a pod that violates only that control is caught, by a rule the pack runs as
mandatory, in a namespace that enforces the control's level; in a namespace whose level admits the pod, no
PSS rule the pack runs as mandatory says anything, and the restricted controls reach the advisory rule. The
stack holds the Namespace (its ``pod-security.kubernetes.io/enforce`` and ``enforce-version`` labels) and the
workload, as the pack's stack policies see them in both phases (at a first preview the workload's namespace is
an output of the Namespace: followed through its ``metadata`` property dependency).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from _known import Undecided
from _metadata import registry
from _pods import WORKLOADS
from pulumi_policy import StackValidationPolicy
from pulumi_policy.policy import PolicyResource, StackValidationArgs, _NotApplicableError
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from policies.docs import enforcement_levels, pack_assembly
from tests.policies.fixtures import _opts, pack_policies, urn_of
from tests.policies.k8s.test_pod_security import DEPLOYMENT, hardened_spec, props_of

NAMESPACE = "kubernetes:core/v1:Namespace"
PSS_POLICIES = sorted((p for p in pack_policies().values()
                       if {"pss-baseline", "pss-restricted"} & set(p.tags)), key=lambda p: p.name)
LEVELS = enforcement_levels(pack_assembly())
MANDATORY = [p for p in PSS_POLICIES if LEVELS.get(p.name) == "mandatory"]
ADVICE = "kubernetes-pod-configure-restricted-pod-security"
RULES = registry()

Change = Callable[[dict[str, Any]], None]


def app(**context: Any) -> Change:
    return lambda s: s["containers"][0]["securityContext"].update(context)


def pod(**fields: Any) -> Change:
    return lambda s: s.update(fields)


def pod_context(**context: Any) -> Change:
    return lambda s: s["securityContext"].update(context)


def drop(*keys: str, where: str = "app") -> Change:
    def change(s: dict[str, Any]) -> None:
        holder = s["containers"][0]["securityContext"] if where == "app" else s["securityContext"]
        for key in keys:
            holder.pop(key)
    return change


def volume(**source: Any) -> Change:
    return lambda s: s["volumes"].append({"name": "extra", **source})


def probe(**handler: Any) -> Change:
    return lambda s: s["containers"][0].update(readinessProbe={**handler, "periodSeconds": 10})


def annotate(key: str, value: str) -> Change:
    return lambda s: s.setdefault("__annotations__", {}).update({key: value})


def both(*changes: Change) -> Change:
    def change(s: dict[str, Any]) -> None:
        for c in changes:
            c(s)
    return change


def resource(token: str, name: str, props: dict[str, Any],
             deps: dict[str, list[PolicyResource]] | None = None) -> PolicyResource:
    return PolicyResource(token, unknown_checking_proxy(props), urn_of(token, name), name, _opts(), None, None, [],
                          deps or {})


def namespace(level: str | None, version: str | None = None, name: str = "apps") -> PolicyResource:
    labels = {}
    if level is not None:
        labels["pod-security.kubernetes.io/enforce"] = level
    if version is not None:
        labels["pod-security.kubernetes.io/enforce-version"] = version
    return resource(NAMESPACE, name, {"metadata": {"name": name, "labels": labels}})


def workload_resource(change: Change | None = None, ns: Any = "apps", deps: dict[str, list[PolicyResource]] | None = None,
                      token: str = DEPLOYMENT) -> PolicyResource:
    spec = hardened_spec()
    if change is not None:
        change(spec)
    annotations = spec.pop("__annotations__", None)
    props = props_of(token, spec, namespace=ns)
    if annotations:
        props["spec"]["template"]["metadata"]["annotations"] = annotations
    return resource(token, "web", props, deps)


def findings(policies: list[Any], resources: list[PolicyResource],
             config: dict[str, Any] | None = None) -> dict[str, list[str]]:
    """Policy name -> messages, over ``policies`` run on the stack ``resources``."""
    out: dict[str, list[str]] = {}
    for policy in policies:
        found: list[str] = []
        args = (StackValidationArgs(resources, config or {}) if isinstance(policy, StackValidationPolicy)
                else _resource_args(resources[-1], config))
        try:
            policy.validate(args, lambda m, urn=None, sink=found: sink.append(m))
        except _NotApplicableError:
            pass
        if found:
            out[policy.name] = found
    return out


def _resource_args(r: PolicyResource, config: dict[str, Any] | None) -> Any:
    from pulumi_policy import ResourceValidationArgs
    return ResourceValidationArgs(r.resource_type, r.props, r.urn, r.name, r.opts, r.provider, config or {})


# One case per control and level: (control, level, the pod change that violates only it, the rule that owns it).
CASES: list[tuple[str, str, Change, str]] = [
    ("HostProcess", "baseline", app(windowsOptions={"hostProcess": True}), "kubernetes-pod-disallow-privileged"),
    ("Host Namespaces: hostNetwork", "baseline", pod(hostNetwork=True), "kubernetes-pod-disallow-host-network"),
    ("Host Namespaces: hostPID", "baseline", pod(hostPID=True), "kubernetes-pod-disallow-host-pid"),
    ("Host Namespaces: hostIPC", "baseline", pod(hostIPC=True), "kubernetes-pod-disallow-host-ipc"),
    ("Privileged Containers", "baseline", app(privileged=True), "kubernetes-pod-disallow-privileged"),
    ("Capabilities", "baseline", app(capabilities={"drop": ["ALL"], "add": ["SYS_ADMIN"]}),
     "kubernetes-pod-enforce-minimal-capabilities"),
    ("HostPath Volumes", "baseline", volume(hostPath={"path": "/etc"}), "kubernetes-pod-disallow-host-path"),
    ("Host Ports", "baseline", lambda s: s["containers"][0]["ports"][0].update(hostPort=8080),
     "kubernetes-pod-disallow-host-port"),
    ("Host Probes / Lifecycle Hooks: httpGet", "baseline", probe(httpGet={"path": "/", "port": 80, "host": "10.0.0.1"}),
     "kubernetes-pod-disallow-probe-host"),
    ("Host Probes / Lifecycle Hooks: tcpSocket", "baseline", probe(tcpSocket={"port": 80, "host": "metadata"}),
     "kubernetes-pod-disallow-probe-host"),
    ("Host Probes / Lifecycle Hooks: preStop", "baseline",
     lambda s: s["containers"][0].update(lifecycle={"preStop": {"httpGet": {"port": 80, "host": "example.com"}}}),
     "kubernetes-pod-disallow-probe-host"),
    ("AppArmor: field", "baseline", app(appArmorProfile={"type": "Unconfined"}),
     "kubernetes-pod-disallow-apparmor-override"),
    ("AppArmor: pod field", "baseline", pod_context(appArmorProfile={"type": "Unconfined"}),
     "kubernetes-pod-disallow-apparmor-override"),
    ("AppArmor: annotation", "baseline", annotate("container.apparmor.security.beta.kubernetes.io/app", "unconfined"),
     "kubernetes-pod-disallow-apparmor-override"),
    ("SELinux: type", "baseline", app(seLinuxOptions={"type": "spc_t"}), "kubernetes-pod-disallow-custom-selinux-options"),
    ("SELinux: user", "baseline", pod_context(seLinuxOptions={"user": "system_u"}),
     "kubernetes-pod-disallow-custom-selinux-options"),
    ("SELinux: role", "baseline", app(seLinuxOptions={"role": "system_r"}),
     "kubernetes-pod-disallow-custom-selinux-options"),
    ("/proc Mount Type", "baseline", app(procMount="Unmasked"), "kubernetes-pod-disallow-unmasked-proc-mount"),
    ("Seccomp", "baseline", app(seccompProfile={"type": "Unconfined"}), "kubernetes-pod-enable-seccomp-profile"),
    ("Sysctls", "baseline", pod_context(sysctls=[{"name": "kernel.msgmax", "value": "65536"}]),
     "kubernetes-pod-disallow-unsafe-sysctls"),
    ("Volume Types", "restricted", volume(nfs={"server": "fs.example.com", "path": "/"}),
     "kubernetes-pod-disallow-restricted-volume-types"),
    ("Privilege Escalation", "restricted", drop("allowPrivilegeEscalation"),
     "kubernetes-pod-disallow-privilege-escalation"),
    ("Running as Non-root", "restricted", drop("runAsNonRoot", where="pod"), "kubernetes-pod-enforce-run-as-non-root"),
    ("Running as Non-root user", "restricted", both(pod_context(runAsUser=0)), "kubernetes-pod-enforce-run-as-non-root"),
    ("Capabilities (restricted): drop ALL", "restricted", app(capabilities={"drop": ["NET_RAW"]}),
     "kubernetes-pod-enforce-minimal-capabilities"),
    ("Capabilities (restricted): add", "restricted", app(capabilities={"drop": ["ALL"], "add": ["CHOWN"]}),
     "kubernetes-pod-enforce-minimal-capabilities"),
    ("Seccomp (restricted)", "restricted", drop("seccompProfile", where="pod"), "kubernetes-pod-enable-seccomp-profile"),
    ("/proc Mount Type (restricted, hostUsers: false)", "restricted",
     both(pod(hostUsers=False), app(procMount="Unmasked")), "kubernetes-pod-disallow-unmasked-proc-mount"),
]
IDS = [c[0] for c in CASES]


def test_the_pack_runs_every_pss_rule_and_the_advice_is_advisory() -> None:
    assert {p.name for p in PSS_POLICIES} <= set(LEVELS)
    assert LEVELS[ADVICE] == "advisory"
    assert {c[3] for c in CASES} <= {p.name for p in MANDATORY}


def test_the_hardened_pod_gets_nothing_at_either_level() -> None:
    for level in ("baseline", "restricted"):
        assert findings(PSS_POLICIES, [namespace(level), workload_resource()]) == {}


@pytest.mark.parametrize(("control", "level", "change", "rule"), CASES, ids=IDS)
def test_a_pod_violating_one_control_is_caught_at_its_level(control: str, level: str, change: Change,
                                                            rule: str) -> None:
    found = findings(MANDATORY, [namespace(level), workload_resource(change)])
    assert list(found) == [rule], found
    assert level in RULES[rule].metadata.framework_ids("pss"), "the rule's metadata names the control's level"
    if RULES[rule].policy in [p for p in PSS_POLICIES if isinstance(p, StackValidationPolicy)]:
        assert all(f"Pod Security Standard {level}" in m for m in found[rule]), found


@pytest.mark.parametrize(("control", "level", "change", "rule"), CASES, ids=IDS)
def test_a_level_that_admits_the_pod_gets_no_mandatory_pss_finding(control: str, level: str, change: Change,
                                                                   rule: str) -> None:
    admitting = ["privileged", "baseline"] if level == "restricted" else ["privileged"]
    for admits in admitting:
        found = findings(MANDATORY, [namespace(admits), workload_resource(change)])
        if level == "restricted":
            assert found == {}, (admits, found)
            advice = findings(PSS_POLICIES, [namespace(admits), workload_resource(change)])
            assert list(advice) == [ADVICE], advice
            assert f"because namespace 'apps' enforces {admits}" in advice[ADVICE][0]
        else:  # baseline findings keep their enforcement whatever the namespace admits
            assert list(found) == [rule], found


# -- versions -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("change", "rule", "older", "newer"), [
    (probe(httpGet={"port": 80, "host": "10.0.0.1"}), "kubernetes-pod-disallow-probe-host", "v1.33", "v1.34"),
    (pod_context(sysctls=[{"name": "net.ipv4.tcp_rmem", "value": "4096 87380 6291456"}]),
     "kubernetes-pod-disallow-unsafe-sysctls", "v1.32", "v1.31"),
    (pod_context(sysctls=[{"name": "net.ipv4.tcp_keepalive_time", "value": "600"}]),
     "kubernetes-pod-disallow-unsafe-sysctls", "latest", "v1.28"),
    (pod_context(sysctls=[{"name": "net.ipv4.ip_local_reserved_ports", "value": "30000"}]),
     "kubernetes-pod-disallow-unsafe-sysctls", "v1.27", "v1.26"),
    (app(seLinuxOptions={"type": "container_engine_t"}), "kubernetes-pod-disallow-custom-selinux-options", "v1.31",
     "v1.30"),
    (both(pod(hostUsers=False), app(procMount="Unmasked")), "kubernetes-pod-disallow-unmasked-proc-mount", "latest",
     "v1.34"),
])
def test_version_dependent_controls_follow_enforce_version(change: Change, rule: str, older: str, newer: str) -> None:
    """``older`` admits the pod at baseline, ``newer`` refuses it (or the other way round for additions to a
    safe set: the first version is the one that allows)."""
    allowed = findings(MANDATORY, [namespace("baseline", older), workload_resource(change)])
    refused = findings(MANDATORY, [namespace("baseline", newer), workload_resource(change)])
    assert rule not in allowed, allowed
    assert list(refused) == [rule], refused


def test_host_users_false_relaxes_run_as_non_root_from_1_35() -> None:
    change = both(pod(hostUsers=False), drop("runAsNonRoot", where="pod"), pod_context(runAsUser=0))
    assert findings(MANDATORY, [namespace("restricted", "latest"), workload_resource(change)]) == {}
    old = findings(MANDATORY, [namespace("restricted", "v1.34"), workload_resource(change)])
    assert list(old) == ["kubernetes-pod-enforce-run-as-non-root"] and len(old[list(old)[0]]) == 3, old


# -- where the level comes from -------------------------------------------------------------------------------------

def test_an_undeclared_namespace_is_judged_at_the_configured_default() -> None:
    change = drop("allowPrivilegeEscalation")
    assert list(findings(MANDATORY, [workload_resource(change)])) == ["kubernetes-pod-disallow-privilege-escalation"]
    assert findings(MANDATORY, [workload_resource(change)], {"defaultLevel": "baseline"}) == {}
    (message,) = findings(PSS_POLICIES, [workload_resource(change)], {"defaultLevel": "baseline"})[ADVICE]
    assert "policy config defaultLevel baseline" in message
    unlabelled = findings(MANDATORY, [namespace(None), workload_resource(change)], {"defaultLevel": "baseline"})
    assert unlabelled == {}, "a Namespace without the enforce label is judged at the default"


def test_an_invalid_level_is_judged_as_restricted() -> None:
    found = findings(MANDATORY, [namespace("strict"), workload_resource(drop("allowPrivilegeEscalation"))])
    assert list(found) == ["kubernetes-pod-disallow-privilege-escalation"]


def test_the_namespace_is_followed_through_its_reference_at_preview() -> None:
    """At a first preview ``metadata.namespace`` is the Namespace's output: unknown, but the dependency names it."""
    ns = namespace("baseline", name="apps-4f1c")
    change = drop("allowPrivilegeEscalation")
    preview = workload_resource(change, ns=UNKNOWN_STRING_VALUE, deps={"metadata": [ns]})
    assert findings(MANDATORY, [ns, preview]) == {}
    assert list(findings(PSS_POLICIES, [ns, preview])) == [ADVICE]
    up = workload_resource(change, ns="apps-4f1c", deps={"metadata": [ns]})
    assert findings(MANDATORY, [ns, up]) == {}
    restricted = namespace("restricted", name="apps-4f1c")
    assert list(findings(MANDATORY, [restricted, workload_resource(change, ns=UNKNOWN_STRING_VALUE,
                                                                   deps={"metadata": [restricted]})])) == \
        ["kubernetes-pod-disallow-privilege-escalation"]


def test_an_unknown_namespace_without_a_reference_decides_at_up_only_on_a_finding() -> None:
    policy = next(p for p in MANDATORY if p.name == "kubernetes-pod-disallow-privilege-escalation")
    silent = workload_resource(ns=UNKNOWN_STRING_VALUE)
    assert findings([policy], [silent]) == {}
    with pytest.raises(Undecided, match="Pod Security Standard its namespace enforces"):
        policy.validate(StackValidationArgs([workload_resource(drop("allowPrivilegeEscalation"),
                                                               ns=UNKNOWN_STRING_VALUE)], {}), lambda m, urn=None: None)


def test_an_unknown_label_decides_at_up() -> None:
    ns = resource(NAMESPACE, "apps", {"metadata": {"name": "apps", "labels": {
        "pod-security.kubernetes.io/enforce": UNKNOWN_STRING_VALUE}}})
    policy = next(p for p in MANDATORY if p.name == "kubernetes-pod-disallow-privilege-escalation")
    with pytest.raises(Undecided):
        policy.validate(StackValidationArgs([ns, workload_resource(drop("allowPrivilegeEscalation"))], {}),
                        lambda m, urn=None: None)


def test_findings_are_reported_on_the_workload() -> None:
    policy = next(p for p in MANDATORY if p.name == "kubernetes-pod-disallow-unsafe-sysctls")
    reported: list[tuple[str, Any]] = []
    policy.validate(StackValidationArgs([namespace("baseline"), workload_resource(
        pod_context(sysctls=[{"name": "kernel.msgmax", "value": "1"}]))], {}),
        lambda m, urn=None: reported.append((m, urn)))
    ((message, urn),) = reported
    assert urn == urn_of(DEPLOYMENT, "web")
    assert message.startswith("Deployment 'web' sets sysctls kernel.msgmax (spec.template.spec.securityContext.sysctls)")


# -- J6: the standard's semantics -----------------------------------------------------------------------------------

J6 = "kubernetes-pod-enforce-run-as-non-root"


def test_j6_allows_any_non_zero_uid_under_restricted() -> None:
    assert findings(MANDATORY, [namespace("restricted"), workload_resource(pod_context(runAsUser=1000))]) == {}


def test_j6_does_not_say_may_run_as_root_for_a_non_zero_uid() -> None:
    change = both(drop("runAsNonRoot", where="pod"), pod_context(runAsUser=10000))
    (message,) = findings(MANDATORY, [namespace("restricted"), workload_resource(change)])[J6][:1]
    assert "may run as root" not in message
    assert "runAsUser 10000 is not root" in message


@pytest.mark.parametrize("value", ["1000", "0", "abc", True, 0.0, 1000.0, 0.5])
def test_j6_and_the_uid_floor_do_not_raise_on_a_string_run_as_user(value: Any) -> None:
    found = findings(PSS_POLICIES + [p for p in pack_policies().values()
                                     if p.name == "kubernetes-pod-configure-minimum-uid"],
                     [namespace("restricted"), workload_resource(pod_context(runAsUser=value))])
    if value in ("0", 0.0):
        assert list(found) == [J6]
    elif value in ("1000", 1000.0):
        assert list(found) == ["kubernetes-pod-configure-minimum-uid"]
    else:
        assert found == {}


def test_a_pod_level_run_as_non_root_false_is_refused_even_when_containers_say_true() -> None:
    def change(s: dict[str, Any]) -> None:
        s["securityContext"]["runAsNonRoot"] = False
        for c in s["containers"] + s["initContainers"]:
            c["securityContext"]["runAsNonRoot"] = True
    (message,) = findings(MANDATORY, [namespace("restricted"), workload_resource(change)])[J6]
    assert message.startswith("Deployment 'web' sets runAsNonRoot: false on the pod "
                              "(spec.template.spec.securityContext.runAsNonRoot)"), message
    assert copy.deepcopy(hardened_spec())["securityContext"]["runAsNonRoot"] is True


def test_the_advice_with_an_undecided_namespace_waits_for_up_only_on_a_restricted_finding() -> None:
    advice = next(p for p in PSS_POLICIES if p.name == ADVICE)
    unknown = workload_resource(pod(hostNetwork=True), ns=UNKNOWN_STRING_VALUE)  # a baseline flaw only
    assert findings([advice], [unknown]) == {}
    with pytest.raises(Undecided):
        advice.validate(StackValidationArgs([workload_resource(drop("allowPrivilegeEscalation"),
                                                               ns=UNKNOWN_STRING_VALUE)], {}), lambda m, urn=None: None)


def test_exempt_and_windows_pods_make_the_rule_not_applicable() -> None:
    policy = next(p for p in MANDATORY if p.name == "kubernetes-pod-disallow-privilege-escalation")
    with pytest.raises(_NotApplicableError):
        policy.validate(StackValidationArgs([workload_resource(drop("allowPrivilegeEscalation"), ns="kube-system")],
                                            {}), lambda m, urn=None: None)
    assert findings([policy], [workload_resource(drop("allowPrivilegeEscalation"), ns="kube-system")],
                    {"exemptNamespaces": []}) != {}


@pytest.mark.parametrize("token", sorted(WORKLOADS))
def test_every_workload_kind_and_patch_is_judged_at_its_namespace_s_level(token: str) -> None:
    """The hardened pod spec is silent; one unsafe sysctl (baseline) and one nfs volume (restricted) are caught
    in a restricted namespace, and the restricted one is advice in a baseline namespace."""
    assert findings(PSS_POLICIES, [namespace("restricted"), workload_resource(token=token)]) == {}
    change = both(pod_context(sysctls=[{"name": "kernel.msgmax", "value": "1"}]),
                  volume(nfs={"server": "fs.example.com", "path": "/"}))
    assert set(findings(MANDATORY, [namespace("restricted"), workload_resource(change, token=token)])) == {
        "kubernetes-pod-disallow-unsafe-sysctls", "kubernetes-pod-disallow-restricted-volume-types"}
    assert set(findings(PSS_POLICIES, [namespace("baseline"), workload_resource(change, token=token)])) == {
        "kubernetes-pod-disallow-unsafe-sysctls", ADVICE}
