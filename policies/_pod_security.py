"""What the pod-security rules (J1-J12) share: exempt namespaces, deciding per container, Windows pods, host paths.

Each rule judges the pod spec of every WORKLOADS token through :func:`_pods.pod_view` and reports one
violation per flaw, naming the object, the container and the path. On top of :mod:`_pods`:

* ``exemptNamespaces`` (default ``["kube-system"]``): objects in these namespaces are not applicable.
  Our programs never create system components, but a Helm chart rendered through ``helm.sh/v4`` in a real
  preview may (the VPC CNI's ``aws-node`` DaemonSet is privileged and on the host network by design);
* one container whose deciding value is unknown at preview does not hide the verdicts on the others
  (:class:`_known.Deferred`);
* Windows pods (``spec.os.name: windows``): the API server refuses the Linux-only fields
  (``allowPrivilegeEscalation``, ``capabilities``, ``seccompProfile``, ``readOnlyRootFilesystem``...), so the
  rules that require them do not apply, as in the Pod Security Standards;
* host paths compared after normalisation, with ``/var/run`` read as ``/run`` (a symlink on every node OS).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from typing import Any

from _known import UNKNOWN, elements, get, known
from _pods import CONTAINER_LISTS, ContainerView, PodView
from _workloads import config_schema, each_container, is_windows, judge_pods, where

#: The pod-security rules run on the shared workload runner; ``linux_only`` names a rule's Linux-only field.
validate_pods = judge_pods
__all__ = ["config_schema", "each_container", "is_windows", "validate_pods", "where"]

PSS_URL = "https://kubernetes.io/docs/concepts/security/pod-security-standards/"
BPG_PODS_URL = "https://docs.aws.amazon.com/eks/latest/best-practices/pod-security.html"
BPG_RUNTIME_URL = "https://docs.aws.amazon.com/eks/latest/best-practices/runtime-security.html"


def effective(view: PodView, container: ContainerView, key: str) -> tuple[Any, str]:
    """(value, path) of a setting the container inherits from the pod's securityContext unless it sets its own.

    Like :meth:`ContainerView.effective`, and also says where the value comes from, for messages.
    """
    own = container.security(key)
    if own is not None:
        return own, f"{container.path}.securityContext.{key}"
    path = f"{view.spec_path}.securityContext.{key}"
    return known(get(view.security, key), path), path


def container_names(view: PodView) -> str:
    """``'app', 'sidecar'``: the containers of a pod spec, for messages on pod-level fields (never raises)."""
    names = []
    for key in CONTAINER_LISTS:
        for container in elements(get(view.spec, key)):
            name = get(container, "name")
            names.append("?" if name is UNKNOWN or name is None else str(name))
    return ", ".join(f"'{n}'" for n in names) or "none"


def strings(value: Any, path: str) -> list[str]:
    """A list of string inputs; an item unknown at preview has to be known to decide."""
    return [str(known(item, f"{path}[{i}]")) for i, item in enumerate(elements(known(value, path)))]


# -- host paths ---------------------------------------------------------------------------------------------

#: Sockets of the container runtimes: whoever can write to one controls every container on the node.
RUNTIME_SOCKETS = ("/var/run/docker.sock", "/run/containerd/containerd.sock", "/var/run/containerd/containerd.sock",
                   "/var/run/crio/crio.sock", "/run/crio/crio.sock", "/var/run/cri-dockerd.sock")


def normalise_host_path(path: str) -> str:
    """``/var/run/docker.sock/`` and ``//var/run/../run/docker.sock`` -> ``/run/docker.sock``."""
    norm = posixpath.normpath("/" + path.strip().lstrip("/"))
    if norm == "/var/run" or norm.startswith("/var/run/"):
        norm = norm[len("/var"):]  # /var/run is a symlink to /run on Bottlerocket, AL2 and AL2023
    return norm


def covers(directory: str, path: str) -> bool:
    """Whether host path ``directory`` is ``path`` or one of its parents (both normalised)."""
    return directory == path or directory == "/" or path.startswith(directory.rstrip("/") + "/")


def runtime_socket(path: str) -> str | None:
    """The runtime socket a host path exposes (itself, or a directory holding it), as written in the list."""
    norm = normalise_host_path(path)
    for socket in RUNTIME_SOCKETS:
        if covers(norm, normalise_host_path(socket)):
            return socket
    return None


def allowed_host_path(path: str, allowed: Iterable[str]) -> str | None:
    """The allowlist entry that covers ``path`` (the path itself or a parent directory), if any."""
    norm = normalise_host_path(path)
    for entry in allowed:
        if covers(normalise_host_path(entry), norm):
            return entry
    return None
