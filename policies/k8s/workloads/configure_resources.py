"""J13: every container declares CPU and memory requests and a memory limit (CKV_K8S_10, 11, 12, 13).

The scheduler places a pod by its requests; without them it lands on a node that cannot hold it, and the
pod is the first evicted under pressure (BestEffort). A CPU limit is deliberately not required: the kernel
throttles a container at its CPU limit even while the node has idle CPU, which adds latency and buys nothing
that the CPU request (its guaranteed share) does not already give. A memory limit is required: memory cannot
be throttled, so a container without one can drive the node into memory pressure and take its neighbours
down with it (evictions, the OOM killer). (BPG pods "Set requests and limits for each container".)

Init containers are judged too (they are scheduled with the pod); ephemeral containers cannot set
resources. A ``*Patch`` is not judged: server-side apply merges its ``resources`` into the container field by
field, so what a patch leaves out stays as the object's owner set it, and nothing a patch sets removes a
request or a limit.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from _known import Deferred, get, is_set, known
from _metadata import RuleMetadata
from _pods import ContainerView, PodView
from _workloads import BPG_PODS_URL, config_schema, each_container, judge_pods, where
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

#: What every container must set. No limits.cpu: see the module docstring.
REQUIRED = (("requests", "cpu"), ("requests", "memory"), ("limits", "memory"))


def _missing(container: ContainerView) -> Iterator[str]:
    resources = known(container.get("resources") or {}, f"{container.path}.resources")
    for section, resource in REQUIRED:
        block = known(get(resources, section) or {}, f"{container.path}.resources.{section}")
        if not is_set(block, resource):  # presence decides: a quantity from config is still a quantity
            yield f"{section}.{resource}"


def _judge(view: PodView, config: Mapping[str, Any], later: Deferred) -> Iterator[str]:
    if view.partial:
        return

    def check(container: ContainerView) -> Iterator[str]:
        missing = list(_missing(container))
        if missing:
            yield (f"{where(view, container)} sets no resources.{', resources.'.join(missing)}: without requests "
                   "the scheduler cannot place it by what it needs and it is evicted first, and without a memory "
                   "limit one leak can push the node into memory pressure. Set resources.requests.cpu, "
                   "resources.requests.memory and resources.limits.memory (a CPU limit is optional: it throttles "
                   "the container even when the node has idle CPU).")

    yield from each_container(view, later, check, ("containers", "initContainers"))


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    judge_pods(args, report, _judge)


METADATA = RuleMetadata(
    id="J13",
    aws_control=("Kubelet and kernel cgroups on EKS nodes enforce the requests and limits; Fargate sizes the micro-VM "
                 "from them"),
    bpg=("pods: Set requests and limits for each container to avoid resource contention and DoS attacks",),
    checkov=("CKV_K8S_10", "CKV_K8S_11 (partial: no CPU limit is required, it throttles)", "CKV_K8S_12",
             "CKV_K8S_13"),
)

configure_resources = ResourceValidationPolicy(
    name="kubernetes-pod-configure-resources",
    description="Every container must set CPU and memory requests and a memory limit.",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("kubernetes", "workloads", "reliability"),
    remediation_steps="Set resources.requests.cpu, resources.requests.memory and resources.limits.memory on every "
                      "container and init container; leave limits.cpu unset unless the workload must be capped.",
    url=BPG_PODS_URL,
    config_schema=config_schema(),
)
