"""J6: containers run as non-root (CKV_K8S_23; PSS restricted "Running as Non-root" and "Running as Non-root user").

``runAsNonRoot: true``, on the container or inherited from the pod, makes the kubelet refuse to start a
container whose user is root, whatever the image says; the restricted standard requires it, and refuses a pod
or container that sets it to ``false`` (a container's ``true`` does not mend the pod's ``false``). ``runAsUser``
must not be 0 (restricted, since 1.23); any other UID is allowed: a floor on UIDs is hardening beyond the
standard, ``kubernetes-pod-configure-minimum-uid``. From 1.35 a pod with ``hostUsers: false`` runs in its own
user namespace, where root is not the node's root, and is exempt from both. A Patch is judged on what it sets.

Restricted controls: judged on pods whose namespace enforces restricted (:mod:`_pss`); elsewhere the
advisory rule reports them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from _known import Deferred, get, known
from _metadata import RuleMetadata
from _pod_security import BPG_PODS_URL, each_container, where
from _pods import ContainerView, PodView
from _pss import Control, Standard, config_schema, host_users_relaxed, rule_validator
from pulumi_policy import Severity, StackValidationPolicy

_FIX = ("Set securityContext.runAsNonRoot: true on the pod (or on every container), never false, with a non-zero "
        "runAsUser the image is built to run as.")


def uid(value: Any) -> int | None:
    """A UID as the API reads it (the engine sends numbers as floats: 1000.0); None for what is not a whole number,
    which the API server refuses."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _non_root(view: PodView, container: ContainerView) -> Iterator[str]:
    own = container.security("runAsNonRoot")
    pod_path = f"{view.spec_path}.securityContext.runAsNonRoot"
    pod = known(get(view.security, "runAsNonRoot"), pod_path)
    if own is False:
        yield (f"{where(view, container)} sets runAsNonRoot: false ({container.path}.securityContext.runAsNonRoot): "
               f"the kubelet starts the image as whatever user it declares, root included. {_FIX}")
    elif own is None and pod is not True and not (pod is None and view.partial):
        state = "false on the pod" if pod is False else "unset on the container and on the pod"
        user = uid(container.effective("runAsUser"))
        if user:
            why = (f"runAsUser {user} is not root, but nothing stops a later change of runAsUser, or an image "
                   "whose USER is root once runAsUser is removed, from running as root")
        else:
            why = "the kubelet starts the image as whatever user it declares, root included"
        yield f"{where(view, container)} does not require a non-root user: runAsNonRoot is {state} ({pod_path}): {why}. {_FIX}"


def _check_non_root(view: PodView, config: Mapping[str, Any], later: Deferred, standard: Standard) -> Iterator[str]:
    if host_users_relaxed(view, standard):
        return
    found = list(each_container(view, later, lambda c: _non_root(view, c)))
    yield from found
    pod_path = f"{view.spec_path}.securityContext.runAsNonRoot"
    if not found and known(get(view.security, "runAsNonRoot"), pod_path) is False:
        yield (f"{view.describe()} sets runAsNonRoot: false on the pod ({pod_path}); every container overrides it "
               f"with true today, but the standard refuses the pod-level false, which the next container inherits. "
               f"{_FIX}")


def _check_user(view: PodView, config: Mapping[str, Any], later: Deferred, standard: Standard) -> Iterator[str]:
    if host_users_relaxed(view, standard):
        return
    pod_path = f"{view.spec_path}.securityContext.runAsUser"
    if uid(known(get(view.security, "runAsUser"), pod_path)) == 0:
        yield (f"{view.describe()} runs its containers as root ({pod_path}: 0): a process that escapes the container "
               f"is root on the node. Set a non-zero runAsUser.")

    def check(container: ContainerView) -> Iterator[str]:
        if uid(container.security("runAsUser")) == 0:
            yield (f"{where(view, container)} runs as root ({container.path}.securityContext.runAsUser: 0): a process "
                   "that escapes the container is root on the node. Set a non-zero runAsUser.")
    yield from each_container(view, later, check)


CONTROLS = [
    Control("Running as Non-root", "restricted", _check_non_root),
    Control("Running as Non-root user", "restricted", _check_user, since=23),
]


METADATA = RuleMetadata(
    id="J6",
    aws_control=("Container isolation by the kernel and runtime of EKS-optimized AMIs, which AWS builds and patches "
                 "(Fargate: one micro-VM per pod)"),
    bpg=("pods: Do not run processes in containers as root", "iam: Run the application as a non-root user"),
    checkov=("CKV_K8S_23 (stricter: runAsNonRoot true is required even with a non-zero runAsUser)",),
    pss=("restricted: Running as Non-root", "restricted: Running as Non-root user"),
)

enforce_run_as_non_root = StackValidationPolicy(
    name="kubernetes-pod-enforce-run-as-non-root",
    description="Containers must run with runAsNonRoot true (container or pod) and never with runAsUser 0.",
    validate=rule_validator(CONTROLS),
    severity=Severity.HIGH,
    tags=METADATA.tags("kubernetes", "pod-security"),
    remediation_steps=_FIX,
    url=BPG_PODS_URL,
    config_schema=config_schema(),
)
