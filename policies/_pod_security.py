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
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from _known import UNKNOWN, Deferred, Undecided, elements, get, known
from _pods import CONTAINER_LISTS, ContainerView, PodView, pod_view
from pulumi_policy import PolicyConfigSchema, ReportViolation, ResourceValidationArgs

DEFAULT_EXEMPT_NAMESPACES = ["kube-system"]
EXEMPT_NAMESPACES_SCHEMA = {
    "type": "array", "items": {"type": "string"}, "default": DEFAULT_EXEMPT_NAMESPACES,
    "description": "Namespaces whose objects this rule does not judge (system components, e.g. the VPC CNI).",
}

PSS_URL = "https://kubernetes.io/docs/concepts/security/pod-security-standards/"
BPG_PODS_URL = "https://docs.aws.amazon.com/eks/latest/best-practices/pod-security.html"
BPG_RUNTIME_URL = "https://docs.aws.amazon.com/eks/latest/best-practices/runtime-security.html"

#: Judges one pod spec: yields a message per flaw; wraps per-container reads in ``later.item()``.
Judge = Callable[[PodView, Mapping[str, Any], Deferred], Iterable[str]]


def config_schema(**properties: Any) -> PolicyConfigSchema:
    """The rule's config schema: ``exemptNamespaces`` plus the rule's own ``properties``."""
    return PolicyConfigSchema(properties={"exemptNamespaces": EXEMPT_NAMESPACES_SCHEMA, **properties})


def validate_pods(args: ResourceValidationArgs, report: ReportViolation, judge: Judge,
                  linux_only: str | None = None) -> None:
    """Run ``judge`` on the pod spec of a workload resource outside the exempt namespaces.

    ``linux_only`` names the Linux-only field the rule requires: Windows pods are then not applicable.

    Every finding on a known value is reported before the first value unknown at preview is named. A
    namespace unknown at preview (taken from a Namespace this stack creates) is needed only if there is a
    finding: then exemptNamespaces decides, at ``pulumi up``.
    """
    view = pod_view(args)
    if view is None:
        return
    config = args.get_config()
    namespace = get(view.metadata, "namespace")
    exempt = {str(n) for n in config.get("exemptNamespaces", DEFAULT_EXEMPT_NAMESPACES)}
    if namespace is not UNKNOWN and namespace is not None and str(namespace) in exempt:
        args.not_applicable(f"namespace '{namespace}' is in exemptNamespaces")
    if linux_only is not None and is_windows(view):
        args.not_applicable(f"a Windows pod (spec.os.name: windows) cannot set {linux_only}")
    later = Deferred()
    findings: list[str] = []
    with later.item():
        for message in judge(view, config, later):
            findings.append(message)
    if findings and namespace is UNKNOWN:
        raise Undecided("metadata.namespace", "is computed by another resource of this stack, and exemptNamespaces "
                        "needs it")
    for message in findings:
        report(message)
    later.done()


def each_container(view: PodView, later: Deferred,
                   check: Callable[[ContainerView], Iterable[str]]) -> Iterator[str]:
    """``check`` on every container (init and ephemeral too): what it finds before an unknown value is kept,
    and one container's unknown value does not hide the verdicts on the others."""
    for container in view.containers():
        found: list[str] = []
        with later.item():
            for message in check(container):
                found.append(message)
        yield from found


def where(view: PodView, container: ContainerView) -> str:
    """``Deployment 'web' container 'app' (spec.template.spec.containers[0])``, for messages."""
    return f"{view.describe()} container '{container.name}' ({container.path})"


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


def is_windows(view: PodView) -> bool:
    """``spec.os.name: windows``: the Linux-only security fields do not exist for this pod."""
    return str(known(get(view.field("os"), "name"), f"{view.spec_path}.os.name") or "").lower() == "windows"


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
