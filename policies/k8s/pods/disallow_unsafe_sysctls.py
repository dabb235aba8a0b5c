"""X194: pods set only safe sysctls (PSS baseline "Sysctls").

``spec.securityContext.sysctls`` may name only the sysctls the standard counts as safe, namespaced to the pod
and isolated from other pods, as defined at the namespace's version: from 1.0 ``kernel.shm_rmid_forced``,
``net.ipv4.ip_local_port_range``, ``net.ipv4.tcp_syncookies``, ``net.ipv4.ping_group_range``,
``net.ipv4.ip_unprivileged_port_start``; from 1.27 ``net.ipv4.ip_local_reserved_ports``; from 1.29
``net.ipv4.tcp_keepalive_time``, ``tcp_fin_timeout``, ``tcp_keepalive_intvl``, ``tcp_keepalive_probes``; from
1.32 ``net.ipv4.tcp_rmem`` and ``tcp_wmem``. Judged on every pod outside ``exemptNamespaces`` (:mod:`_pss`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from _known import Deferred, elements, get, known
from _metadata import RuleMetadata
from _pods import PodView
from _pss import PSS_URL, Control, Standard, config_schema, rule_validator
from pulumi_policy import Severity, StackValidationPolicy

#: Safe sysctls by the minor version that added them.
SAFE: dict[int, tuple[str, ...]] = {
    0: ("kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start"),
    27: ("net.ipv4.ip_local_reserved_ports",),
    29: ("net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
         "net.ipv4.tcp_keepalive_probes"),
    32: ("net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"),
}
_FIX = ("Remove the sysctl from spec.securityContext.sysctls; tune the node (launch template user data, or a "
        "Karpenter/Auto Mode node class) where the workload truly needs it.")


def safe_sysctls(standard: Standard) -> list[str]:
    return [name for since, names in sorted(SAFE.items()) if standard.at_least(since) for name in names]


def _check(view: PodView, config: Mapping[str, Any], later: Deferred, standard: Standard) -> Iterator[str]:
    path = f"{view.spec_path}.securityContext.sysctls"
    safe = safe_sysctls(standard)
    unsafe = []
    for i, item in enumerate(elements(known(get(view.security, "sysctls"), path))):
        name = str(known(get(known(item, f"{path}[{i}]"), "name"), f"{path}[{i}].name"))
        if name not in safe:
            unsafe.append(name)
    if unsafe:
        later_versions = [f"1.{v}" for v, names in SAFE.items() if not standard.at_least(v) and set(names) & set(unsafe)]
        newer = f" (safe only from Kubernetes {', '.join(later_versions)})" if later_versions else ""
        yield (f"{view.describe()} sets sysctls {', '.join(unsafe)} ({path}){newer}: outside the safe set of Kubernetes "
               f"1.{standard.minor}, a sysctl can affect every pod of the node or disable a kernel protection. {_FIX}")


CONTROLS = [Control("Sysctls", "baseline", _check)]

METADATA = RuleMetadata(
    id="X194",
    aws_control="Kernel isolation between pods on EKS-optimized AMIs (the kubelet allows only namespaced sysctls)",
    bpg=("runtime",),
    pss=("baseline: Sysctls",),
)

disallow_unsafe_sysctls = StackValidationPolicy(
    name="kubernetes-pod-disallow-unsafe-sysctls",
    description="Pods must set only the sysctls the Pod Security Standards count as safe at the namespace's version.",
    validate=rule_validator(CONTROLS),
    severity=Severity.HIGH,
    tags=METADATA.tags("kubernetes", "pod-security"),
    remediation_steps=_FIX,
    url=PSS_URL,
    config_schema=config_schema(),
)
