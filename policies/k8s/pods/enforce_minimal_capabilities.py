"""J8: containers drop ALL capabilities and add only allowlisted ones (CKV_K8S_25, 28, 37, 39; PSS baseline
"Capabilities" and restricted "Capabilities"; BPG pods "Linux Capabilities").

``capabilities.drop`` must contain ``ALL`` (unset keeps the runtime's default set, NET_RAW included).
``capabilities.add`` may hold only ``allowedCapabilities`` (default ``NET_BIND_SERVICE``, the one the
restricted standard allows); the dangerous ones are named with what they give away. Both lists are atomic
under server-side apply, so a Patch that sets one replaces it and is judged on it; a Patch that leaves it out
is not.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from _known import Deferred, get
from _metadata import RuleMetadata
from _pod_security import BPG_PODS_URL, config_schema, each_container, strings, validate_pods, where
from _pods import ContainerView, PodView
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

DEFAULT_ALLOWED = ["NET_BIND_SERVICE"]
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
_FIX = ("Set securityContext.capabilities.drop: [\"ALL\"] and add back only what the process needs from "
        "allowedCapabilities (NET_BIND_SERVICE by default); to bind ports below 1024 without it, listen on a high "
        "port behind a Service.")


def _capability(name: str) -> str:
    """``cap_net_raw`` -> ``NET_RAW`` (runtimes accept both spellings)."""
    upper = name.strip().upper()
    return upper[len("CAP_"):] if upper.startswith("CAP_") else upper


def _container(view: PodView, container: ContainerView, allowed: set[str]) -> Iterator[str]:
    capabilities = container.security("capabilities") or {}
    path = f"{container.path}.securityContext.capabilities"
    added = [_capability(c) for c in strings(get(capabilities, "add") or [], f"{path}.add")]
    refused = [c for c in dict.fromkeys(added) if c not in allowed]
    if refused:
        why = "; ".join(f"{c}: {DANGEROUS[c]}" for c in refused if c in DANGEROUS)
        yield (f"{where(view, container)} adds capabilities {', '.join(refused)} (securityContext.capabilities.add), "
               f"which are not in allowedCapabilities ({', '.join(sorted(allowed)) or 'none'})"
               f"{': ' + why if why else ''}. {_FIX}")
    drop = get(capabilities, "drop")
    if drop is None and view.partial:
        return
    dropped = [_capability(c) for c in strings(drop or [], f"{path}.drop")]
    if "ALL" not in dropped:
        state = f"drops only {', '.join(dropped)}" if dropped else "drops none"
        among = "" if "NET_RAW" in dropped else ", NET_RAW among them"
        yield (f"{where(view, container)} keeps the runtime's default capabilities{among} "
               f"(securityContext.capabilities {state}, not ALL). {_FIX}")


def _judge(view: PodView, config: Mapping[str, Any], later: Deferred) -> Iterator[str]:
    allowed = {_capability(str(c)) for c in config.get("allowedCapabilities", DEFAULT_ALLOWED)}
    yield from each_container(view, later, lambda c: _container(view, c, allowed))


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    validate_pods(args, report, _judge, linux_only="capabilities")


METADATA = RuleMetadata(
    id="J8",
    aws_control=("Container isolation by the kernel and runtime of EKS-optimized AMIs, which AWS builds and patches "
                 "(Fargate: one micro-VM per pod)"),
    bpg=(
        "pods: Linux Capabilities",
        "runtime: Consider add/dropping Linux capabilities before writing seccomp policies",
    ),
    checkov=("CKV_K8S_25", "CKV_K8S_28", "CKV_K8S_37", "CKV_K8S_39"),
)

enforce_minimal_capabilities = ResourceValidationPolicy(
    name="kubernetes-pod-enforce-minimal-capabilities",
    description="Containers must drop ALL capabilities and add back only allowlisted ones (never SYS_ADMIN or "
                "NET_RAW).",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("kubernetes", "pod-security", "pss-baseline", "pss-restricted"),
    remediation_steps=_FIX,
    url=BPG_PODS_URL,
    config_schema=config_schema(allowedCapabilities={
        "type": "array", "items": {"type": "string"}, "default": DEFAULT_ALLOWED,
        "description": "Capabilities a container may add (without the CAP_ prefix)."}),
)
