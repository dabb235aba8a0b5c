"""J9: containers run under a seccomp profile (CKV_K8S_31; PSS restricted "Seccomp", baseline forbids
``Unconfined``; BPG runtime "Seccomp").

``seccompProfile.type`` must be ``RuntimeDefault`` or ``Localhost``, on the container or inherited from the
pod; the container's own profile overrides the pod's. Unset runs ``Unconfined`` on EKS (the kubelet's
``seccompDefault`` is off), so on a full object it fires; a Patch is judged on what it sets.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from _known import Deferred, get, known
from _metadata import RuleMetadata
from _pod_security import BPG_RUNTIME_URL, config_schema, each_container, effective, validate_pods, where
from _pods import ContainerView, PodView
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

CONFINED = ("RuntimeDefault", "Localhost")
_FIX = ("Set securityContext.seccompProfile.type: RuntimeDefault on the pod (or Localhost with a profile the "
        "nodes carry), and no Unconfined on any container.")


def _container(view: PodView, container: ContainerView) -> Iterator[str]:
    profile, path = effective(view, container, "seccompProfile")
    kind = None if profile is None else known(get(profile, "type"), f"{path}.type")
    if kind in CONFINED or (kind is None and view.partial):
        return
    if kind is None:
        yield (f"{where(view, container)} has no seccomp profile (seccompProfile unset on the container and the pod), "
               f"so it runs Unconfined: every system call is open to an exploit. {_FIX}")
    else:
        yield (f"{where(view, container)} runs with seccompProfile.type {kind} ({path}.type), not RuntimeDefault or "
               f"Localhost: every system call is open to an exploit. {_FIX}")


def _judge(view: PodView, config: Mapping[str, Any], later: Deferred) -> Iterator[str]:
    yield from each_container(view, later, lambda c: _container(view, c))


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    validate_pods(args, report, _judge, linux_only="seccompProfile")


METADATA = RuleMetadata(
    id="J9",
    aws_control="The RuntimeDefault seccomp profile of the container runtime in EKS-optimized AMIs, which AWS ships",
    bpg=("runtime: Seccomp",),
    checkov=("CKV_K8S_31",),
)

enable_seccomp_profile = ResourceValidationPolicy(
    name="kubernetes-pod-enable-seccomp-profile",
    description="Containers must run with seccompProfile.type RuntimeDefault or Localhost (container or pod level).",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("kubernetes", "pod-security", "pss-baseline", "pss-restricted"),
    remediation_steps=_FIX,
    url=BPG_RUNTIME_URL,
    config_schema=config_schema(),
)
