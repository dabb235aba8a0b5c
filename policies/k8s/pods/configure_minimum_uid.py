"""X198: containers run as a high UID (CKV_K8S_40; BPG iam "Run the application as a non-root user").

Hardening beyond the Pod Security Standards, which allow any non-zero UID: ``runAsUser``, where set (the
container's, else the pod's), should be at least ``minimumUid`` (10000), since a low UID can be the identity
of a user or daemon of the node, which matters as soon as a process escapes. UID 0 is J6's finding (restricted
"Running as Non-root user"), not this rule's. Advisory unless a stack's policy config raises it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from _known import Deferred
from _metadata import RuleMetadata
from _pod_security import BPG_PODS_URL, config_schema, each_container, effective, validate_pods, where
from _pods import ContainerView, PodView
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

from k8s.pods.enforce_run_as_non_root import uid

DEFAULT_MINIMUM_UID = 10000


def _fix(minimum: int) -> str:
    return f"Set securityContext.runAsUser (on the pod or the container) to {minimum} or more, a UID the image runs as."


def _container(view: PodView, container: ContainerView, minimum: int) -> Iterator[str]:
    value, path = effective(view, container, "runAsUser")
    user = uid(value) if value is not None else None
    if user is None or user == 0 or user >= minimum:
        return
    yield (f"{where(view, container)} runs as low UID {user} ({path}), below minimumUid {minimum}: it can share its "
           f"identity with a user or daemon of the node. {_fix(minimum)}")


def _judge(view: PodView, config: Mapping[str, Any], later: Deferred) -> Iterator[str]:
    minimum = int(config.get("minimumUid", DEFAULT_MINIMUM_UID))
    yield from each_container(view, later, lambda c: _container(view, c, minimum))


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    validate_pods(args, report, _judge)


METADATA = RuleMetadata(
    id="X198",
    aws_control=("Container isolation by the kernel and runtime of EKS-optimized AMIs, which AWS builds and patches "
                 "(Fargate: one micro-VM per pod)"),
    bpg=("iam: Run the application as a non-root user",),
    checkov=("CKV_K8S_40 (partial: an unset runAsUser is left to J6's runAsNonRoot)",),
)

configure_minimum_uid = ResourceValidationPolicy(
    name="kubernetes-pod-configure-minimum-uid",
    description="Containers should run as a UID of at least minimumUid where runAsUser is set (hardening beyond the "
                "Pod Security Standards).",
    validate=_validate,
    severity=Severity.LOW,
    tags=METADATA.tags("kubernetes", "pod-security", "hardening"),
    remediation_steps=_fix(DEFAULT_MINIMUM_UID),
    url=BPG_PODS_URL,
    config_schema=config_schema(minimumUid={
        "type": "integer", "minimum": 1, "default": DEFAULT_MINIMUM_UID,
        "description": "The lowest UID a container should run as (runAsUser); lower ones may collide with node users."}),
)
