"""J4: pods do not use the node's network namespace (CKV_K8S_19, CIS EKS 4.2.4, PSS baseline "Host Namespaces").

On EKS a pod on the host network bypasses the VPC CNI: it has the node's IP and security groups instead of
its own, NetworkPolicies do not select it, and it can reach the instance metadata service whatever the IMDS
hop limit is.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from _known import Deferred
from _metadata import RuleMetadata
from _pod_security import PSS_URL, config_schema, container_names, validate_pods
from _pods import PodView
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

_FIX = "Remove hostNetwork (or set it to false) and expose the pod through a Service."


def _judge(view: PodView, config: Mapping[str, Any], later: Deferred) -> Iterator[str]:
    if view.field("hostNetwork") is True:
        yield (f"{view.describe()} uses the node's network namespace ({view.spec_path}.hostNetwork: true): its "
               f"containers ({container_names(view)}) get the node's IP and security groups, can sniff and bind "
               f"the node's interfaces, reach the instance metadata service and escape NetworkPolicies. {_FIX}")


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    validate_pods(args, report, _judge)


METADATA = RuleMetadata(
    id="J4",
    aws_control=("Container isolation by the kernel and runtime of EKS-optimized AMIs, which AWS builds and patches "
                 "(Fargate: one micro-VM per pod)"),
    cis=("4.2.4",),
    checkov=("CKV_K8S_19",),
    pss=("baseline: Host Namespaces",),
)

disallow_host_network = ResourceValidationPolicy(
    name="kubernetes-pod-disallow-host-network",
    description="Pods must not use the node's network namespace (hostNetwork).",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("kubernetes", "pod-security"),
    remediation_steps=_FIX,
    url=PSS_URL,
    config_schema=config_schema(),
)
