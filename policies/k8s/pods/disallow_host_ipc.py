"""J3: pods do not share the node's IPC namespace (CKV_K8S_18, CIS EKS 4.2.3, PSS baseline "Host Namespaces")."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from _known import Deferred
from _metadata import RuleMetadata
from _pod_security import PSS_URL, config_schema, container_names, validate_pods
from _pods import PodView
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

_FIX = "Remove hostIPC (or set it to false); share memory between containers of the pod with an emptyDir (medium: Memory)."


def _judge(view: PodView, config: Mapping[str, Any], later: Deferred) -> Iterator[str]:
    if view.field("hostIPC") is True:
        yield (f"{view.describe()} shares the node's IPC namespace ({view.spec_path}.hostIPC: true): its "
               f"containers ({container_names(view)}) can read and write the shared memory and message queues of "
               f"every process on the node. {_FIX}")


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    validate_pods(args, report, _judge)


METADATA = RuleMetadata(
    id="J3",
    aws_control=("Container isolation by the kernel and runtime of EKS-optimized AMIs, which AWS builds and patches "
                 "(Fargate: one micro-VM per pod)"),
    cis=("4.2.3",),
    checkov=("CKV_K8S_18",),
    pss=("baseline: Host Namespaces",),
)

disallow_host_ipc = ResourceValidationPolicy(
    name="kubernetes-pod-disallow-host-ipc",
    description="Pods must not share the node's IPC namespace (hostIPC).",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("kubernetes", "pod-security"),
    remediation_steps=_FIX,
    url=PSS_URL,
    config_schema=config_schema(),
)
