"""J5: containers forbid privilege escalation (CKV_K8S_20, CIS EKS 4.2.5, PSS restricted "Privilege Escalation").

``allowPrivilegeEscalation`` unset means allowed (the process may gain privileges through setuid binaries and
file capabilities), so on a full object only an explicit ``false`` passes, as in the restricted standard. A
Patch is judged on what it sets: leaving the field out keeps the live object's value. A restricted control:
judged on pods whose namespace enforces restricted (:mod:`_pss`); elsewhere the advisory rule reports it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from _known import Deferred
from _metadata import RuleMetadata
from _pod_security import BPG_PODS_URL, each_container, where
from _pods import ContainerView, PodView
from _pss import Control, Standard, config_schema, rule_validator
from pulumi_policy import Severity, StackValidationPolicy

_FIX = "Set securityContext.allowPrivilegeEscalation: false on every container."


def _container(view: PodView, container: ContainerView) -> Iterator[str]:
    value = container.security("allowPrivilegeEscalation")
    if value is False or (value is None and view.partial):
        return
    state = "is true" if value else "is unset, which allows it"
    yield (f"{where(view, container)} allows privilege escalation (securityContext.allowPrivilegeEscalation "
           f"{state}): a setuid binary or file capability in the image can give the process more privileges than "
           f"it started with. {_FIX}")


def _judge(view: PodView, config: Mapping[str, Any], later: Deferred, standard: Standard) -> Iterator[str]:
    yield from each_container(view, later, lambda c: _container(view, c))


CONTROLS = [Control("Privilege Escalation", "restricted", _judge, since=8, linux_only="allowPrivilegeEscalation")]


METADATA = RuleMetadata(
    id="J5",
    aws_control=("Container isolation by the kernel and runtime of EKS-optimized AMIs, which AWS builds and patches "
                 "(Fargate: one micro-VM per pod)"),
    cis=("4.2.5",),
    bpg=("pods: Do not allow privileged escalation",),
    checkov=("CKV_K8S_20",),
    pss=("restricted: Privilege Escalation",),
)

disallow_privilege_escalation = StackValidationPolicy(
    name="kubernetes-pod-disallow-privilege-escalation",
    description="Containers must set allowPrivilegeEscalation to false; unset allows escalation.",
    validate=rule_validator(CONTROLS),
    severity=Severity.HIGH,
    tags=METADATA.tags("kubernetes", "pod-security"),
    remediation_steps=_FIX,
    url=BPG_PODS_URL,
    config_schema=config_schema(),
)
