"""J8: containers add no capability beyond what the level allows and, at restricted, drop ALL (CKV_K8S_25, 28, 37,
39; PSS baseline "Capabilities" and restricted "Capabilities"; BPG pods "Linux Capabilities").

Baseline: ``capabilities.add`` holds only the container runtime's default set (AUDIT_WRITE, CHOWN,
DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT),
or less where ``allowedCapabilities`` narrows it. Restricted (since 1.22): ``capabilities.drop`` contains
``ALL`` (unset keeps the default set, NET_RAW included) and ``add`` holds only NET_BIND_SERVICE. Both lists are
atomic under server-side apply, so a Patch that sets one replaces it and is judged on it; a Patch that leaves
it out is not. The restricted part is judged on pods whose namespace enforces restricted (:mod:`_pss`);
elsewhere the advisory rule reports it, so "drop ALL" is advice where the standard does not demand it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from _known import Deferred, get
from _metadata import RuleMetadata
from _pod_security import BPG_PODS_URL, each_container, strings, where
from _pods import ContainerView, PodView
from _pss import Control, Standard, config_schema, rule_validator
from pulumi_policy import Severity, StackValidationPolicy

#: The container runtime's default capabilities: what the baseline standard lets a container add.
BASELINE_ALLOWED = ("AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
                    "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT")
#: What the restricted standard lets a container add.
RESTRICTED_ALLOWED = ("NET_BIND_SERVICE",)
#: What each dangerous capability gives a process that breaks out (or is taken over).
DANGEROUS = {
    "ALL": "every capability, as good as privileged",
    "SYS_ADMIN": "mounts, namespaces and most of root's powers on the node",
    "NET_RAW": "forged packets: ARP and DNS spoofing on the node's network",
    "NET_ADMIN": "the node's interfaces, routes and iptables rules",
    "SYS_PTRACE": "tracing and injecting code into other processes",
    "SYS_MODULE": "loading kernel modules",
    "BPF": "loading BPF programs into the kernel",
    "PERFMON": "kernel performance monitoring, and BPF tracing with it",
}
_FIX = ("Set securityContext.capabilities.drop: [\"ALL\"] and add back only NET_BIND_SERVICE, if the process "
        "binds a port below 1024 (or listen on a high port behind a Service).")


def _capability(name: str) -> str:
    """``cap_net_raw`` -> ``NET_RAW`` (runtimes accept both spellings)."""
    upper = name.strip().upper()
    return upper[len("CAP_"):] if upper.startswith("CAP_") else upper


def _added(container: ContainerView) -> list[str]:
    capabilities = container.security("capabilities") or {}
    path = f"{container.path}.securityContext.capabilities"
    return list(dict.fromkeys(_capability(c) for c in strings(get(capabilities, "add") or [], f"{path}.add")))


def _refused(view: PodView, container: ContainerView, refused: list[str], allowed: list[str], what: str) -> str:
    why = "; ".join(f"{c}: {DANGEROUS[c]}" for c in refused if c in DANGEROUS)
    return (f"{where(view, container)} adds capabilities {', '.join(refused)} (securityContext.capabilities.add), "
            f"beyond {what} ({', '.join(allowed) or 'none'}){': ' + why if why else ''}. {_FIX}")


def _baseline(view: PodView, config: Mapping[str, Any], later: Deferred, standard: Standard) -> Iterator[str]:
    allowed = [c for c in BASELINE_ALLOWED
               if c in {_capability(str(a)) for a in config.get("allowedCapabilities", BASELINE_ALLOWED)}]

    def check(container: ContainerView) -> Iterator[str]:
        refused = [c for c in _added(container) if c not in allowed]
        if refused:
            yield _refused(view, container, refused, allowed, "the runtime's default set that baseline allows")
    yield from each_container(view, later, check)


def _restricted(view: PodView, config: Mapping[str, Any], later: Deferred, standard: Standard) -> Iterator[str]:
    baseline = set(BASELINE_ALLOWED)

    def check(container: ContainerView) -> Iterator[str]:
        refused = [c for c in _added(container) if c not in RESTRICTED_ALLOWED and c in baseline]
        if refused:  # beyond the default set is the baseline control's finding
            yield _refused(view, container, refused, list(RESTRICTED_ALLOWED), "what restricted allows")
        capabilities = container.security("capabilities") or {}
        drop = get(capabilities, "drop")
        if drop is None and view.partial:
            return
        path = f"{container.path}.securityContext.capabilities"
        dropped = [_capability(c) for c in strings(drop or [], f"{path}.drop")]
        if "ALL" not in dropped:
            state = f"drops only {', '.join(dropped)}" if dropped else "drops none"
            among = "" if "NET_RAW" in dropped else ", NET_RAW among them"
            yield (f"{where(view, container)} keeps the runtime's default capabilities{among} "
                   f"(securityContext.capabilities {state}, not ALL). {_FIX}")
    yield from each_container(view, later, check)


CONTROLS = [
    Control("Capabilities", "baseline", _baseline),
    Control("Capabilities", "restricted", _restricted, since=22, linux_only="capabilities"),
]


METADATA = RuleMetadata(
    id="J8",
    aws_control=("Container isolation by the kernel and runtime of EKS-optimized AMIs, which AWS builds and patches "
                 "(Fargate: one micro-VM per pod)"),
    bpg=(
        "pods: Linux Capabilities",
        "runtime: Consider add/dropping Linux capabilities before writing seccomp policies",
    ),
    checkov=("CKV_K8S_25 (partial: NET_BIND_SERVICE may be added)", "CKV_K8S_28 (stricter: drop ALL, not only NET_RAW)",
             "CKV_K8S_37 (related)", "CKV_K8S_39 (stricter: every capability beyond the level's set)"),
    pss=("baseline: Capabilities", "restricted: Capabilities"),
)

enforce_minimal_capabilities = StackValidationPolicy(
    name="kubernetes-pod-enforce-minimal-capabilities",
    description="Containers must add no capability beyond the runtime's default set and, where the namespace "
                "enforces restricted, drop ALL and add back only NET_BIND_SERVICE.",
    validate=rule_validator(CONTROLS),
    severity=Severity.HIGH,
    tags=METADATA.tags("kubernetes", "pod-security"),
    remediation_steps=_FIX,
    url=BPG_PODS_URL,
    config_schema=config_schema(allowedCapabilities={
        "type": "array", "items": {"type": "string"}, "default": list(BASELINE_ALLOWED),
        "description": "Capabilities a container may add at baseline (without the CAP_ prefix): the runtime's default "
                       "set, or fewer; capabilities outside it are never allowed."}),
)
