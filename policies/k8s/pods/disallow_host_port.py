"""J12: containers do not bind host ports (CKV_K8S_26; PSS baseline "Host Ports").

A ``hostPort`` opens the port on the node's own address, outside Services and NetworkPolicies, and limits the
pod to one per node. ``0`` and unset mean none; a value unknown at preview is still a host port. The baseline
standard allows a known list: ``allowedHostPorts`` (default none).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from _known import UNKNOWN, Deferred, elements, get, known, whole_number
from _metadata import RuleMetadata
from _pod_security import PSS_URL, config_schema, each_container, validate_pods, where
from _pods import ContainerView, PodView
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

_FIX = "Remove hostPort and expose the port through a Service (ClusterIP, or a load balancer for outside clients)."


def _container(view: PodView, container: ContainerView, allowed: set[int]) -> Iterator[str]:
    path = f"{container.path}.ports"
    for i, port in enumerate(elements(known(container.get("ports"), path))):
        host_port = get(known(port, f"{path}[{i}]"), "hostPort")
        number = None if host_port is UNKNOWN else whole_number(host_port)
        if host_port is None or number == 0 or (number is not None and number in allowed) \
                or (number is None and host_port is not UNKNOWN and not host_port):
            continue
        shown = ("a port computed at deploy time" if host_port is UNKNOWN else
                 f"port {number}" if number is not None else f"port {str(host_port)[:40]!r}")
        yield (f"{where(view, container)} binds {shown} on the node ({path}[{i}].hostPort): it is reachable on the "
               f"node's address outside Services and NetworkPolicies, and only one such pod fits on a node. {_FIX}")


def _judge(view: PodView, config: Mapping[str, Any], later: Deferred) -> Iterator[str]:
    allowed = {int(p) for p in config.get("allowedHostPorts", [])}
    yield from each_container(view, later, lambda c: _container(view, c, allowed))


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    validate_pods(args, report, _judge)


METADATA = RuleMetadata(
    id="J12",
    aws_control=("Container isolation by the kernel and runtime of EKS-optimized AMIs, which AWS builds and patches "
                 "(Fargate: one micro-VM per pod)"),
    checkov=("CKV_K8S_26",),
    pss=("baseline: Host Ports",),
)

disallow_host_port = ResourceValidationPolicy(
    name="kubernetes-pod-disallow-host-port",
    description="Containers must not bind host ports (ports[].hostPort).",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("kubernetes", "pod-security"),
    remediation_steps=_FIX,
    url=PSS_URL,
    config_schema=config_schema(allowedHostPorts={
        "type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 65535}, "default": [],
        "description": "Host ports containers may bind (the baseline standard's known list)."}),
)
