"""One view of a pod spec, whichever workload kind carries it (and its server-side-apply Patch variant).

WORKLOADS (POLICY_CATALOGUE 1.2): a Pod's ``spec``; ``spec.template.spec`` of Deployments, StatefulSets,
DaemonSets, ReplicaSets, Jobs and ReplicationControllers; ``spec.jobTemplate.spec.template.spec`` of
CronJobs; ``template.spec`` of PodTemplates. A ``*Patch`` token (pulumi-kubernetes v4) carries only the
fields it manages, so a rule judges a patch on the fields it sets and never on what it leaves out:
:attr:`PodView.partial` tells rules which one they are reading.

Every read goes through :mod:`_known`: a value unknown at preview (an image URI built from a repository
this stack creates, a Secret name from another resource) raises only when a rule needs it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from _known import UNKNOWN, elements, get, known
from pulumi_policy import ResourceValidationArgs

_PATHS: dict[str, tuple[str, ...]] = {
    "kubernetes:core/v1:Pod": ("spec",),
    "kubernetes:apps/v1:Deployment": ("spec", "template", "spec"),
    "kubernetes:apps/v1:StatefulSet": ("spec", "template", "spec"),
    "kubernetes:apps/v1:DaemonSet": ("spec", "template", "spec"),
    "kubernetes:apps/v1:ReplicaSet": ("spec", "template", "spec"),
    "kubernetes:batch/v1:Job": ("spec", "template", "spec"),
    "kubernetes:core/v1:ReplicationController": ("spec", "template", "spec"),
    "kubernetes:batch/v1:CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "kubernetes:core/v1:PodTemplate": ("template", "spec"),
}
#: Every workload token, Patch variants included.
WORKLOADS = {**_PATHS, **{f"{token}Patch": path for token, path in _PATHS.items()}}
CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")


class ContainerView:
    """One container of a pod spec, with the pod-level security context to fall back on."""

    def __init__(self, props: Any, path: str, pod: PodView) -> None:
        self._p = props
        self.path = path
        """Where the container sits, for messages: ``spec.template.spec.containers[0]``."""
        self._pod = pod

    @property
    def name(self) -> str:
        name = get(self._p, "name")
        return "?" if name is UNKNOWN or name is None else str(name)

    @property
    def kind(self) -> str:
        """``containers``, ``initContainers`` or ``ephemeralContainers``."""
        return self.path.rsplit(".", 1)[-1].split("[", 1)[0]

    def get(self, key: str) -> Any:
        """A field of the container (:data:`UNKNOWN` when unknown at preview); raise on unknown with :func:`known`."""
        return get(self._p, key)

    def security(self, key: str) -> Any:
        """``securityContext.<key>`` of the container; raises ``Undecided`` when unknown at preview."""
        context = known(get(self._p, "securityContext") or {}, f"{self.path}.securityContext")
        return known(get(context, key), f"{self.path}.securityContext.{key}")

    def effective(self, key: str) -> Any:
        """A setting the container inherits from the pod's securityContext (runAsUser, runAsNonRoot, seccompProfile ...)."""
        own = self.security(key)
        if own is not None:
            return own
        return known(get(self._pod.security, key), f"{self._pod.spec_path}.securityContext.{key}")


class PodView:
    """The pod spec of one workload resource."""

    def __init__(self, args: ResourceValidationArgs, path: tuple[str, ...]) -> None:
        self.args = args
        self.token = args.resource_type
        self.partial = self.token.endswith("Patch")
        """A Patch manages only the fields it sets: judge what it sets, never what it leaves out."""
        self.spec_path = ".".join(path)
        spec: Any = args.props
        for part in path:
            spec = known(get(spec, part) or {}, ".".join(path[: path.index(part) + 1]))
        self.spec = spec

    @property
    def kind(self) -> str:
        return self.token.rsplit(":", 1)[-1].removesuffix("Patch")

    @property
    def metadata(self) -> Any:
        return get(self.args.props, "metadata") or {}

    @property
    def name(self) -> str:
        name = get(self.metadata, "name")
        return self.args.name if name is UNKNOWN or not name else str(name)

    @property
    def namespace(self) -> str | None:
        """The namespace as written, None when unset (the provider's default namespace, ``default``)."""
        ns = get(self.metadata, "namespace")
        return None if ns is None else str(known(ns, "metadata.namespace"))

    def describe(self) -> str:
        """``Deployment 'web'`` (``DeploymentPatch`` for a patch), for messages."""
        return f"{self.kind}{'Patch' if self.partial else ''} '{self.name}'"

    def get(self, key: str) -> Any:
        """A field of the pod spec (:data:`UNKNOWN` when unknown at preview)."""
        return get(self.spec, key)

    def field(self, key: str) -> Any:
        """A field of the pod spec; raises ``Undecided`` naming it when unknown at preview."""
        return known(get(self.spec, key), f"{self.spec_path}.{key}")

    @property
    def security(self) -> Any:
        return known(get(self.spec, "securityContext") or {}, f"{self.spec_path}.securityContext")

    def containers(self, lists: tuple[str, ...] = CONTAINER_LISTS) -> Iterator[ContainerView]:
        """Every container (init and ephemeral ones too, unless ``lists`` says otherwise)."""
        for key in lists:
            for i, container in enumerate(elements(self.field(key))):
                path = f"{self.spec_path}.{key}[{i}]"
                yield ContainerView(known(container, path), path, self)

    def volumes(self) -> list[tuple[str, Any]]:
        """(path, volume) of each pod volume; entries that are not objects (null, scalars) are skipped."""
        return [(f"{self.spec_path}.volumes[{i}]", known(v, f"{self.spec_path}.volumes[{i}]"))
                for i, v in enumerate(elements(self.field("volumes"))) if v is UNKNOWN or isinstance(v, Mapping)]


def pod_view(args: ResourceValidationArgs) -> PodView | None:
    """The pod spec of a workload resource; None for any other type."""
    path = WORKLOADS.get(args.resource_type)
    return None if path is None else PodView(args, path)
