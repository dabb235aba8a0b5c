"""J6: containers run as non-root with a high UID (CKV_K8S_23, CKV_K8S_40, PSS restricted "Running as Non-root").

``runAsNonRoot: true``, on the container or inherited from the pod, makes the kubelet refuse to start a
container whose user is root, whatever the image says. ``runAsUser``, where set (container or pod), must not
be 0 and must be at least ``minimumUid`` (10000): a low UID can be the identity of a user or daemon on the
node, which matters as soon as a process escapes. The container's own setting overrides the pod's. A Patch is
judged on what it sets.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from _known import Deferred, whole_number
from _metadata import RuleMetadata
from _pod_security import BPG_PODS_URL, config_schema, each_container, effective, validate_pods, where
from _pods import ContainerView, PodView
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

DEFAULT_MINIMUM_UID = 10000


def _fix(minimum: int) -> str:
    return (f"Set securityContext.runAsNonRoot: true (on the pod, or on every container) and a runAsUser of "
            f"{minimum} or more, a UID the image is built to run as.")


def _container(view: PodView, container: ContainerView, minimum: int) -> Iterator[str]:
    non_root, non_root_path = effective(view, container, "runAsNonRoot")
    if non_root is not True and not (non_root is None and view.partial):
        state = ("false" if non_root is False else
                 "unset on the container and on the pod")
        yield (f"{where(view, container)} may run as root: runAsNonRoot is {state} ({non_root_path}), so the "
               f"kubelet starts the image as whatever user it declares, root included. {_fix(minimum)}")
    raw_user, user_path = effective(view, container, "runAsUser")
    user = whole_number(raw_user)  # the API server refuses a runAsUser that is not a number
    if user is None:
        return
    if int(user) == 0:
        yield (f"{where(view, container)} runs as root ({user_path}: 0): a process that escapes the container is "
               f"root on the node. {_fix(minimum)}")
    elif int(user) < minimum:
        yield (f"{where(view, container)} runs as low UID {int(user)} ({user_path}), below minimumUid {minimum}: "
               f"it can share its identity with a user or daemon of the node. {_fix(minimum)}")


def _judge(view: PodView, config: Mapping[str, Any], later: Deferred) -> Iterator[str]:
    minimum = int(config.get("minimumUid", DEFAULT_MINIMUM_UID))
    yield from each_container(view, later, lambda c: _container(view, c, minimum))


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    validate_pods(args, report, _judge)


METADATA = RuleMetadata(
    id="J6",
    aws_control=("Container isolation by the kernel and runtime of EKS-optimized AMIs, which AWS builds and patches "
                 "(Fargate: one micro-VM per pod)"),
    bpg=("pods: Do not run processes in containers as root", "iam: Run the application as a non-root user"),
    checkov=("CKV_K8S_23", "CKV_K8S_40"),
)

enforce_run_as_non_root = ResourceValidationPolicy(
    name="kubernetes-pod-enforce-run-as-non-root",
    description="Containers must run with runAsNonRoot true (container or pod) and, where runAsUser is set, a "
                "UID of at least minimumUid.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("kubernetes", "pod-security", "pss-restricted"),
    remediation_steps=_fix(DEFAULT_MINIMUM_UID),
    url=BPG_PODS_URL,
    config_schema=config_schema(minimumUid={
        "type": "integer", "minimum": 1, "default": DEFAULT_MINIMUM_UID,
        "description": "The lowest UID a container may run as (runAsUser); lower ones may collide with node users."}),
)
