"""X193: containers keep the default /proc masks (PSS baseline "/proc Mount Type", restricted from 1.35).

``securityContext.procMount`` must be unset or ``Default``: ``Unmasked`` exposes kernel files under ``/proc``
that the runtime masks. From 1.35 the baseline standard relaxes this for a pod with ``hostUsers: false`` (its
own user namespace), and the restricted standard does not: such a pod is judged by the restricted part, on
pods whose namespace enforces restricted (elsewhere the advisory rule reports it; :mod:`_pss`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from _known import Deferred
from _metadata import RuleMetadata
from _pod_security import each_container, where
from _pods import ContainerView, PodView
from _pss import (
    PSS_URL,
    USER_NAMESPACE_RELAXATION,
    Control,
    Standard,
    config_schema,
    host_users_relaxed,
    rule_validator,
)
from pulumi_policy import Severity, StackValidationPolicy

_FIX = "Remove securityContext.procMount (or set it to Default)."


def _unmasked(view: PodView, container: ContainerView) -> Iterator[str]:
    value = container.security("procMount")
    if value not in (None, "Default"):
        yield (f"{where(view, container)} sets securityContext.procMount: {value}: the kernel files the runtime masks "
               f"under /proc are open to the container. {_FIX}")


def _baseline(view: PodView, config: Mapping[str, Any], later: Deferred, standard: Standard) -> Iterator[str]:
    if host_users_relaxed(view, standard):
        return
    yield from each_container(view, later, lambda c: _unmasked(view, c))


def _restricted(view: PodView, config: Mapping[str, Any], later: Deferred, standard: Standard) -> Iterator[str]:
    if not host_users_relaxed(view, standard):
        return  # without the relaxation the baseline part has judged it
    yield from each_container(view, later, lambda c: _unmasked(view, c))


CONTROLS = [
    Control("/proc Mount Type", "baseline", _baseline),
    Control("/proc Mount Type", "restricted", _restricted, since=USER_NAMESPACE_RELAXATION),
]

METADATA = RuleMetadata(
    id="X193",
    aws_control="The /proc masks of the container runtime on EKS-optimized AMIs",
    bpg=("runtime",),
    pss=("baseline: /proc Mount Type", "restricted: /proc Mount Type"),
)

disallow_unmasked_proc_mount = StackValidationPolicy(
    name="kubernetes-pod-disallow-unmasked-proc-mount",
    description="Containers must keep the default /proc mount type (procMount unset or Default).",
    validate=rule_validator(CONTROLS),
    severity=Severity.HIGH,
    tags=METADATA.tags("kubernetes", "pod-security"),
    remediation_steps=_FIX,
    url=PSS_URL,
    config_schema=config_schema(),
)
