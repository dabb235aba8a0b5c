"""J9: containers run under a seccomp profile (CKV_K8S_31; PSS restricted "Seccomp", baseline forbids
``Unconfined``; BPG runtime "Seccomp").

Baseline (since 1.19): no ``seccompProfile.type: Unconfined`` on the pod or any container. Restricted: every
container's ``seccompProfile.type``, its own or inherited from the pod, is ``RuntimeDefault`` or ``Localhost``;
unset runs ``Unconfined`` on EKS (the kubelet's ``seccompDefault`` is off), so on a full object it fires; a
Patch is judged on what it sets. The restricted part is judged on pods whose namespace enforces restricted
(:mod:`_pss`); elsewhere the advisory rule reports it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from _known import Deferred, get, known
from _metadata import RuleMetadata
from _pod_security import BPG_RUNTIME_URL, each_container, effective, where
from _pods import ContainerView, PodView
from _pss import Control, Standard, config_schema, rule_validator
from pulumi_policy import Severity, StackValidationPolicy

CONFINED = ("RuntimeDefault", "Localhost")
_FIX = ("Set securityContext.seccompProfile.type: RuntimeDefault on the pod (or Localhost with a profile the "
        "nodes carry), and no Unconfined on any container.")


def _type(profile: Any, path: str) -> Any:
    return None if profile is None else known(get(profile, "type"), f"{path}.type")


def _baseline(view: PodView, config: Mapping[str, Any], later: Deferred, standard: Standard) -> Iterator[str]:
    path = f"{view.spec_path}.securityContext.seccompProfile"
    if _type(known(get(view.security, "seccompProfile"), path), path) == "Unconfined":
        yield (f"{view.describe()} runs its containers Unconfined ({path}.type: Unconfined): every system call is "
               f"open to an exploit. {_FIX}")

    def check(container: ContainerView) -> Iterator[str]:
        own = f"{container.path}.securityContext.seccompProfile"
        if _type(container.security("seccompProfile"), own) == "Unconfined":
            yield (f"{where(view, container)} runs Unconfined ({own}.type: Unconfined): every system call is open to "
                   f"an exploit. {_FIX}")
    yield from each_container(view, later, check)


def _container(view: PodView, container: ContainerView) -> Iterator[str]:
    profile, path = effective(view, container, "seccompProfile")
    kind = _type(profile, path)
    if kind in CONFINED or (kind is None and view.partial) or kind == "Unconfined":  # Unconfined: baseline's finding
        return
    if kind is None:
        yield (f"{where(view, container)} has no seccomp profile (seccompProfile unset on the container and the pod), "
               f"so it runs Unconfined: every system call is open to an exploit. {_FIX}")
    else:
        yield (f"{where(view, container)} runs with seccompProfile.type {kind} ({path}.type), not RuntimeDefault or "
               f"Localhost: every system call is open to an exploit. {_FIX}")


def _restricted(view: PodView, config: Mapping[str, Any], later: Deferred, standard: Standard) -> Iterator[str]:
    yield from each_container(view, later, lambda c: _container(view, c))


CONTROLS = [
    Control("Seccomp", "baseline", _baseline, since=19, linux_only="seccompProfile"),
    Control("Seccomp", "restricted", _restricted, since=19, linux_only="seccompProfile"),
]


METADATA = RuleMetadata(
    id="J9",
    aws_control="The RuntimeDefault seccomp profile of the container runtime in EKS-optimized AMIs, which AWS ships",
    bpg=("runtime: Seccomp",),
    checkov=("CKV_K8S_31 (partial: Localhost profiles pass)",),
    pss=("baseline: Seccomp", "restricted: Seccomp"),
)

enable_seccomp_profile = StackValidationPolicy(
    name="kubernetes-pod-enable-seccomp-profile",
    description="Containers must not run Unconfined and, where the namespace enforces restricted, must run with "
                "seccompProfile.type RuntimeDefault or Localhost (container or pod level).",
    validate=rule_validator(CONTROLS),
    severity=Severity.MEDIUM,
    tags=METADATA.tags("kubernetes", "pod-security"),
    remediation_steps=_FIX,
    url=BPG_RUNTIME_URL,
    config_schema=config_schema(),
)
