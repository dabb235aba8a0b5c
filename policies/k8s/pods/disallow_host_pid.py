"""J2: pods do not share the node's process namespace (CKV_K8S_17, CIS EKS 4.2.2, PSS baseline "Host Namespaces")."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from _known import Deferred
from _metadata import RuleMetadata
from _pod_security import PSS_URL, config_schema, container_names, validate_pods
from _pods import PodView
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

_FIX = "Remove hostPID (or set it to false); debug processes with kubectl debug and an ephemeral container instead."


def _judge(view: PodView, config: Mapping[str, Any], later: Deferred) -> Iterator[str]:
    if view.field("hostPID") is True:
        yield (f"{view.describe()} shares the node's process namespace ({view.spec_path}.hostPID: true): its "
               f"containers ({container_names(view)}) see every process on the node, read their environment and "
               f"can signal them. {_FIX}")


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    validate_pods(args, report, _judge)


METADATA = RuleMetadata(
    id="J2",
    aws_control=("Container isolation by the kernel and runtime of EKS-optimized AMIs, which AWS builds and patches "
                 "(Fargate: one micro-VM per pod)"),
    cis=("4.2.2",),
    checkov=("CKV_K8S_17",),
    pss=("baseline: Host Namespaces",),
)

disallow_host_pid = ResourceValidationPolicy(
    name="kubernetes-pod-disallow-host-pid",
    description="Pods must not share the node's process ID namespace (hostPID).",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("kubernetes", "pod-security"),
    remediation_steps=_FIX,
    url=PSS_URL,
    config_schema=config_schema(),
)
