"""J5: containers forbid privilege escalation (CKV_K8S_20, CIS EKS 4.2.5, PSS restricted "Privilege Escalation").

``allowPrivilegeEscalation`` unset means allowed (the process may gain privileges through setuid binaries and
file capabilities), so on a full object only an explicit ``false`` passes, as in the restricted standard. A
Patch is judged on what it sets: leaving the field out keeps the live object's value.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from _known import Deferred
from _metadata import RuleMetadata
from _pod_security import BPG_PODS_URL, config_schema, each_container, validate_pods, where
from _pods import ContainerView, PodView
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

_FIX = "Set securityContext.allowPrivilegeEscalation: false on every container."


def _container(view: PodView, container: ContainerView) -> Iterator[str]:
    value = container.security("allowPrivilegeEscalation")
    if value is False or (value is None and view.partial):
        return
    state = "is true" if value else "is unset, which allows it"
    yield (f"{where(view, container)} allows privilege escalation (securityContext.allowPrivilegeEscalation "
           f"{state}): a setuid binary or file capability in the image can give the process more privileges than "
           f"it started with. {_FIX}")


def _judge(view: PodView, config: Mapping[str, Any], later: Deferred) -> Iterator[str]:
    yield from each_container(view, later, lambda c: _container(view, c))


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    validate_pods(args, report, _judge, linux_only="allowPrivilegeEscalation")


METADATA = RuleMetadata(
    id="J5",
    aws_control=("Container isolation by the kernel and runtime of EKS-optimized AMIs, which AWS builds and patches "
                 "(Fargate: one micro-VM per pod)"),
    cis=("4.2.5",),
    bpg=("pods: Do not allow privileged escalation",),
    checkov=("CKV_K8S_20",),
)

disallow_privilege_escalation = ResourceValidationPolicy(
    name="kubernetes-pod-disallow-privilege-escalation",
    description="Containers must set allowPrivilegeEscalation to false; unset allows escalation.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("kubernetes", "pod-security", "pss-restricted"),
    remediation_steps=_FIX,
    url=BPG_PODS_URL,
    config_schema=config_schema(),
)
