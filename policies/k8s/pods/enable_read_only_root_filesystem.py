"""J7: containers have a read-only root filesystem (CKV_K8S_22; PCP ``kubernetes-*-enable-read-only-root-filesystem``;
BPG pods "Configure your images with read-only root file system").

Unset means writable, so a full object needs ``readOnlyRootFilesystem: true`` on every container; a Patch is
judged on what it sets.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from _known import Deferred
from _metadata import RuleMetadata
from _pod_security import BPG_PODS_URL, config_schema, each_container, validate_pods, where
from _pods import ContainerView, PodView
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

_FIX = ("Set securityContext.readOnlyRootFilesystem: true and mount an emptyDir wherever the process writes "
        "(/tmp, caches).")


def _container(view: PodView, container: ContainerView) -> Iterator[str]:
    value = container.security("readOnlyRootFilesystem")
    if value is True or (value is None and view.partial):
        return
    state = "false" if value is False else "unset"
    yield (f"{where(view, container)} has a writable root filesystem (securityContext.readOnlyRootFilesystem is "
           f"{state}): an intruder can drop tools into the container or change its binaries. {_FIX}")


def _judge(view: PodView, config: Mapping[str, Any], later: Deferred) -> Iterator[str]:
    yield from each_container(view, later, lambda c: _container(view, c))


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    validate_pods(args, report, _judge, linux_only="readOnlyRootFilesystem")


METADATA = RuleMetadata(
    id="J7",
    aws_control=("Container isolation by the kernel and runtime of EKS-optimized AMIs, which AWS builds and patches "
                 "(Fargate: one micro-VM per pod)"),
    bpg=("pods: Configure your images with read-only root file system",),
    checkov=("CKV_K8S_22",),
    pcp=("kubernetes-*-enable-read-only-root-filesystem",),
)

enable_read_only_root_filesystem = ResourceValidationPolicy(
    name="kubernetes-pod-enable-read-only-root-filesystem",
    description="Containers must set readOnlyRootFilesystem to true.",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("kubernetes", "pod-security"),
    remediation_steps=_FIX,
    url=BPG_PODS_URL,
    config_schema=config_schema(),
)
