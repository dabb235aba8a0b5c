"""J1: no privileged containers (CKV_K8S_16, CIS EKS 4.2.1, PSS baseline "Privileged Containers" and "HostProcess").

A privileged container gets every capability and the node's devices, without the seccomp and AppArmor
confinement: it is root on the node. Its Windows counterpart is a HostProcess container
(``securityContext.windowsOptions.hostProcess``), which the baseline standard forbids too. Unset is
unprivileged, so a Patch and a full object are judged alike: on what they set.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from _known import Deferred, get, known
from _metadata import RuleMetadata
from _pod_security import BPG_PODS_URL, config_schema, container_names, each_container, validate_pods, where
from _pods import ContainerView, PodView
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

_FIX = ("Remove privileged (and windowsOptions.hostProcess); grant only the capabilities the process needs, and "
        "run node agents that truly need the host as system add-ons in an exempt namespace.")


def _container(view: PodView, container: ContainerView) -> Iterator[str]:
    if container.security("privileged") is True:
        yield (f"{where(view, container)} runs privileged (securityContext.privileged: true): it has every "
               f"capability and the node's devices, so anyone who takes over the process owns the node. {_FIX}")
    windows = container.security("windowsOptions") or {}
    if known(get(windows, "hostProcess"), f"{container.path}.securityContext.windowsOptions.hostProcess") is True:
        yield (f"{where(view, container)} is a Windows HostProcess container "
               f"(securityContext.windowsOptions.hostProcess: true): it runs on the node itself, with the node's "
               f"privileges. {_FIX}")


def _judge(view: PodView, config: Mapping[str, Any], later: Deferred) -> Iterator[str]:
    path = f"{view.spec_path}.securityContext.windowsOptions.hostProcess"
    host_process = None
    with later.item():
        host_process = known(get(get(view.security, "windowsOptions"), "hostProcess"), path)
    if host_process is True:
        yield (f"{view.describe()} runs its containers ({container_names(view)}) as Windows HostProcess containers "
               f"({path}: true): they run on the node itself, with the node's privileges. {_FIX}")
    yield from each_container(view, later, lambda c: _container(view, c))


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    validate_pods(args, report, _judge)


METADATA = RuleMetadata(
    id="J1",
    aws_control=("Container isolation by the kernel and runtime of EKS-optimized AMIs, which AWS builds and patches "
                 "(Fargate: one micro-VM per pod)"),
    cis=("4.2.1",),
    bpg=("pods: Restrict the containers that can run as privileged",),
    checkov=("CKV_K8S_16",),
    pss=("baseline: Privileged Containers", "baseline: HostProcess"),
)

disallow_privileged = ResourceValidationPolicy(
    name="kubernetes-pod-disallow-privileged",
    description="Containers must not run privileged or as Windows HostProcess containers.",
    validate=_validate,
    severity=Severity.CRITICAL,
    tags=METADATA.tags("kubernetes", "pod-security"),
    remediation_steps=_FIX,
    url=BPG_PODS_URL,
    config_schema=config_schema(),
)
