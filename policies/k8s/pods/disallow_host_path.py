"""J11: no hostPath volumes, above all the container-runtime socket (CKV_K8S_27; PSS baseline "HostPath
Volumes"; BPG pods "Never run Docker in Docker or mount the socket in the container", "Restrict the use of
hostPath").

A hostPath volume reaches past the container into the node's filesystem. The worst are the runtime sockets
(Docker, containerd, CRI-O, cri-dockerd) and any directory holding one (``/var/run``, ``/run/containerd``,
``/``): whoever can write to the socket starts privileged containers on the node. They fire with a CRITICAL
message, and no allowlist lifts that. ``allowedHostPaths`` lists paths (and their subdirectories) a team may
mount read-only, e.g. ``/var/log`` for a log shipper: every mount of such a volume must set
``readOnly: true``. Also ``kubernetes:core/v1:PersistentVolume`` ``spec.hostPath`` (cluster-scoped: any pod
that claims it gets the node's files).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from _known import Deferred, elements, get, known
from _metadata import RuleMetadata
from _pod_security import (
    BPG_PODS_URL,
    allowed_host_path,
    config_schema,
    normalise_host_path,
    runtime_socket,
    validate_pods,
)
from _pods import PodView
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

PERSISTENT_VOLUMES = {"kubernetes:core/v1:PersistentVolume", "kubernetes:core/v1:PersistentVolumePatch"}
_FIX = ("Use an emptyDir, a PersistentVolumeClaim or a CSI volume instead; if the team must read a node path, list "
        "it in allowedHostPaths and mount it with readOnly: true.")
_SOCKET_FIX = ("Remove the volume: build images with a daemonless builder (BuildKit rootless, Kaniko) and talk to "
               "the Kubernetes API, never to the node's runtime.")


def _mounts(view: PodView, later: Deferred) -> dict[str, list[tuple[str, str, Any]]]:
    """Volume name -> (container name, mount path in the spec, readOnly) of every mount of it."""
    mounts: dict[str, list[tuple[str, str, Any]]] = {}
    for container in view.containers():
        with later.item():
            path = f"{container.path}.volumeMounts"
            for i, mount in enumerate(elements(known(container.get("volumeMounts"), path))):
                mount = known(mount, f"{path}[{i}]")
                volume = str(known(get(mount, "name"), f"{path}[{i}].name"))
                read_only = known(get(mount, "readOnly"), f"{path}[{i}].readOnly")
                mounts.setdefault(volume, []).append((container.name, f"{path}[{i}]", read_only))
    return mounts


def _used_by(users: Iterable[tuple[str, str, Any]]) -> str:
    listed = [f"container '{name}' ({path})" for name, path, _ in users]
    return "used by " + ", ".join(listed) if listed else "used by no container yet"


def _judge(view: PodView, config: Mapping[str, Any], later: Deferred) -> Iterator[str]:
    allowed = [str(p) for p in config.get("allowedHostPaths", [])]
    mounts = _mounts(view, later)
    for path, volume in view.volumes():
        found: list[str] = []
        with later.item():
            host = get(volume, "hostPath")
            if host is None:
                continue
            host_path = str(known(get(known(host, f"{path}.hostPath"), "path"), f"{path}.hostPath.path"))
            name = str(known(get(volume, "name"), f"{path}.name"))
            users = mounts.get(name, [])
            socket = runtime_socket(host_path)
            entry = allowed_host_path(host_path, allowed)
            if socket is not None:
                exact = normalise_host_path(host_path) == normalise_host_path(socket)
                what = "the container runtime socket" if exact else \
                    f"a directory holding the container runtime socket {socket}"
                found.append(
                    f"CRITICAL: {view.describe()} volume '{name}' ({path}.hostPath.path: {host_path}) mounts {what}, "
                    f"{_used_by(users)}: whoever controls the pod can start privileged containers on the node, which "
                    f"is root on the node, with every other pod's secrets. {_SOCKET_FIX}")
            elif entry is None:
                found.append(
                    f"{view.describe()} volume '{name}' ({path}.hostPath.path: {host_path}) mounts a directory of the "
                    f"node, {_used_by(users)}: it can read the node's files (and write them unless read-only), and "
                    f"ties the pod to its node. {_FIX}")
            else:
                for container, mount_path, read_only in users:
                    if read_only is not True:
                        found.append(
                            f"{view.describe()} container '{container}' ({mount_path}) mounts hostPath {host_path} "
                            f"(volume '{name}') writable; allowedHostPaths allows {entry} read-only only. Set "
                            "readOnly: true on the mount.")
        yield from found


def _persistent_volume(args: ResourceValidationArgs, report: ReportViolation) -> None:
    host = get(get(args.props, "spec"), "hostPath")
    if host is None:
        return
    name = get(get(args.props, "metadata"), "name")
    label = f"{args.resource_type.rsplit(':', 1)[-1]} '{name if isinstance(name, str) and name else args.name}'"
    host_path = str(known(get(known(host, "spec.hostPath"), "path"), "spec.hostPath.path"))
    socket = runtime_socket(host_path)
    if socket is not None:
        report(f"CRITICAL: {label} (spec.hostPath.path: {host_path}) exposes the container runtime socket {socket} to "
               f"any pod that claims it: that pod can start privileged containers on the node. {_SOCKET_FIX}")
    elif allowed_host_path(host_path, [str(p) for p in args.get_config().get("allowedHostPaths", [])]) is None:
        report(f"{label} (spec.hostPath.path: {host_path}) hands a directory of whichever node the pod lands on to "
               f"any pod that claims it. {_FIX}")


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type in PERSISTENT_VOLUMES:
        _persistent_volume(args, report)
        return
    validate_pods(args, report, _judge)


METADATA = RuleMetadata(
    id="J11",
    aws_control=("Container isolation by the kernel and runtime of EKS-optimized AMIs, which AWS builds and patches "
                 "(Fargate: one micro-VM per pod)"),
    bpg=("pods: Never run Docker in Docker or mount the socket in the container", "pods: Restrict the use of hostPath"),
    checkov=("CKV_K8S_27 (stricter: every hostPath volume, not only the Docker socket)",),
    pss=("baseline: HostPath Volumes (stricter: also PersistentVolumes' hostPath; allowedHostPaths, empty by "
         "default, relaxes it)",),
)

disallow_host_path = ResourceValidationPolicy(
    name="kubernetes-pod-disallow-host-path",
    description="Pods must not mount hostPath volumes (never a container-runtime socket); allowlisted paths only "
                "read-only.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("kubernetes", "pod-security"),
    remediation_steps=_FIX,
    url=BPG_PODS_URL,
    config_schema=config_schema(allowedHostPaths={
        "type": "array", "items": {"type": "string"}, "default": [],
        "description": "Node paths (and their subdirectories) pods may mount read-only, e.g. /var/log. Runtime "
                       "sockets are never allowed."}),
)
