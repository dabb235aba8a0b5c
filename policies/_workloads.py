"""What the workload-hygiene rules share (J13-J16, J19, J20, J22, J23, J27, G7, G8, L1).

On top of :mod:`_pods` (one view of the pod spec of every WORKLOADS token and its Patch variant):

* where an object lives: ``metadata.namespace``, else the namespace its Kubernetes provider defaults to
  (``Provider(namespace=...)``), else ``default``; a namespace unknown at preview is one a Namespace of this
  stack names, so never ``default``;
* ``exemptNamespaces`` (default ``["kube-system"]``): system components that a Helm chart rendered through
  ``helm.sh/v4`` may bring (a real preview sees them; the VPC CNI and the cluster autoscaler mount their
  token, by design) are not judged;
* :func:`judge_pods`: runs a rule on the pod spec, reporting every finding on a known value before the first
  value unknown at preview is named (:class:`_known.Deferred`);
* image references parsed the way the container runtime reads them (``nginx`` is
  ``docker.io/library/nginx:latest``);
* label selectors matched the way the API server matches them (PodDisruptionBudgets, J20).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from _known import UNKNOWN, Deferred, Undecided, elements, get, known
from _known import mapping as as_mapping
from _pods import ContainerView, PodView, pod_view
from pulumi_policy import PolicyConfigSchema, ReportViolation, ResourceValidationArgs

from _rbac import object_name  # noqa: F401 - re-exported: one reading of an object's name for every rule

DEFAULT_EXEMPT_NAMESPACES = ["kube-system"]
EXEMPT_NAMESPACES_SCHEMA: dict[str, Any] = {
    "type": "array", "items": {"type": "string"}, "default": DEFAULT_EXEMPT_NAMESPACES,
    "description": "Namespaces whose objects this rule does not judge (system components, e.g. the VPC CNI).",
}
#: The namespace Kubernetes puts an object in when neither the object nor its provider names one.
DEFAULT_NAMESPACE = "default"

BPG_PODS_URL = "https://docs.aws.amazon.com/eks/latest/best-practices/pod-security.html"
BPG_IMAGES_URL = "https://docs.aws.amazon.com/eks/latest/best-practices/image-security.html"
BPG_IAM_URL = "https://docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html"


def config_schema(**properties: Any) -> PolicyConfigSchema:
    """The rule's config schema: ``exemptNamespaces`` plus the rule's own ``properties``."""
    return PolicyConfigSchema(properties={"exemptNamespaces": EXEMPT_NAMESPACES_SCHEMA, **properties})


def kind_of(token: str) -> str:
    """``kubernetes:apps/v1:DeploymentPatch`` -> ``DeploymentPatch``."""
    return token.rsplit(":", 1)[-1]


def namespace_of(props: Any, provider: Any) -> Any:
    """Where a namespaced object lives: its ``metadata.namespace``, else its provider's default namespace,
    else ``default``. :data:`UNKNOWN` when the namespace is taken from another resource of the stack."""
    namespace = get(get(props, "metadata"), "namespace")
    if namespace is UNKNOWN:
        return UNKNOWN
    if namespace:
        return str(namespace)
    # pulumi-kubernetes' Provider(namespace=...) is the default for every namespaced object it manages.
    default = get(getattr(provider, "props", None), "namespace")
    if default is UNKNOWN:
        return UNKNOWN
    return str(default) if default else DEFAULT_NAMESPACE


def exempt_namespaces(config: Mapping[str, Any]) -> set[str]:
    return {str(n) for n in config.get("exemptNamespaces", DEFAULT_EXEMPT_NAMESPACES)}


#: Judges one pod spec: yields a message per flaw; wraps per-container reads in ``later.item()``.
Judge = Callable[[PodView, Mapping[str, Any], Deferred], Iterable[str]]


def is_windows(view: PodView) -> bool:
    """``spec.os.name: windows``: the Linux-only security fields do not exist for this pod."""
    return str(known(get(view.field("os"), "name"), f"{view.spec_path}.os.name") or "").lower() == "windows"


def judge_pods(args: ResourceValidationArgs, report: ReportViolation, judge: Judge,
               linux_only: str | None = None) -> None:
    """Run ``judge`` on the pod spec of a workload resource outside the exempt namespaces.

    ``linux_only`` names the Linux-only field the rule requires: Windows pods are then not applicable.

    Every finding on a known value is reported before the first value unknown at preview is named. A
    namespace unknown at preview (taken from a Namespace this stack creates) matters only if there is a
    finding: then exemptNamespaces decides, at ``pulumi up``.
    """
    view = pod_view(args)
    if view is None:
        return
    config = args.get_config()
    namespace = namespace_of(args.props, args.provider)
    if namespace is not UNKNOWN and namespace in exempt_namespaces(config):
        args.not_applicable(f"namespace '{namespace}' is in exemptNamespaces")
    if linux_only is not None and is_windows(view):
        # The API server refuses the Linux-only fields on Windows pods, as the Pod Security Standards say.
        args.not_applicable(f"a Windows pod (spec.os.name: windows) cannot set {linux_only}")
    later = Deferred()
    findings: list[str] = []
    with later.item():
        for message in judge(view, config, later):
            findings.append(message)
    if findings and namespace is UNKNOWN:
        raise Undecided("metadata.namespace", "is taken from another resource of this stack, and exemptNamespaces "
                        "needs it")
    for message in findings:
        report(message)
    later.done()


def each_container(view: PodView, later: Deferred, check: Callable[[ContainerView], Iterable[str]],
                   lists: tuple[str, ...] | None = None) -> Iterator[str]:
    """``check`` on every container (of ``lists``; all three by default): one container's value unknown at
    preview does not hide the verdicts on the others."""
    containers = view.containers() if lists is None else view.containers(lists)
    for container in containers:
        found: list[str] = []
        with later.item():
            for message in check(container):
                found.append(message)
        yield from found


def where(view: PodView, container: ContainerView) -> str:
    """``Deployment 'web' container 'app' (spec.template.spec.containers[0])``, for messages."""
    return f"{view.describe()} container '{container.name}' ({container.path})"


def service_account(view: PodView) -> Any:
    """``serviceAccountName`` (or the deprecated ``serviceAccount``); None when unset, :data:`UNKNOWN` when it
    names a ServiceAccount this stack creates and auto-names."""
    name = view.get("serviceAccountName")
    if name is None or name == "":
        name = view.get("serviceAccount")
    return None if name == "" else name


# -- images -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ImageRef:
    """An image reference as the container runtime reads it."""

    raw: str
    registry: str
    """``docker.io`` when the reference names none (``nginx``, ``bitnami/redis``)."""
    repository: str
    """``library/nginx`` for Docker Hub's official images."""
    tag: str | None
    digest: str | None
    """``sha256:...`` when the reference is pinned by digest (``name@sha256:...``)."""

    @property
    def normalised(self) -> str:
        """``docker.io/library/nginx:1.27``: the full reference, registry included."""
        out = f"{self.registry}/{self.repository}"
        if self.tag is not None:
            out += f":{self.tag}"
        if self.digest is not None:
            out += f"@{self.digest}"
        return out

    @property
    def implicit_registry(self) -> bool:
        return not self.raw.startswith(f"{self.registry}/")


def parse_image(reference: str) -> ImageRef:
    """Split ``[registry[:port]/]repository[:tag][@digest]`` (distribution/reference's grammar)."""
    raw = reference.strip()
    name, _, digest = raw.partition("@")
    tag: str | None = None
    slash, colon = name.rfind("/"), name.rfind(":")
    if colon > slash:  # a colon after the last slash separates the tag; one before it is a registry port
        name, tag = name[:colon], name[colon + 1:]
    first, sep, rest = name.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        registry, repository = first, rest
    else:
        registry, repository = "docker.io", name if sep else f"library/{name}"
    return ImageRef(raw=raw, registry=registry, repository=repository, tag=tag or None,
                    digest=digest or None)


def container_image(container: ContainerView, why: str) -> ImageRef | None:
    """The container's image; None when it sets none (a Patch that leaves it out). An image unknown at preview
    raises ``Undecided`` with ``why``: nothing of it can be read, not even its registry."""
    image = known(container.get("image"), f"{container.path}.image", why)
    if image is None or str(image).strip() == "":
        return None
    return parse_image(str(image))


IMAGE_UNKNOWN = ("is built from an output of another resource of this stack (e.g. an ECR repository URL), unknown "
                 "until that resource exists")


# -- label selectors ----------------------------------------------------------------------------------------

def selector_matches(selector: Any, labels: Mapping[str, str], path: str) -> bool:
    """Whether a ``LabelSelector`` (``matchLabels`` and ``matchExpressions``) selects pods with ``labels``.

    An empty selector selects every pod (``policy/v1`` PodDisruptionBudget semantics); a missing one none.
    A selector value unknown at preview raises ``Undecided``.
    """
    selector = known(selector, path)
    if selector is None:
        return False
    match_labels = known(get(selector, "matchLabels") or {}, f"{path}.matchLabels")
    for key in list(match_labels):
        if labels.get(str(key)) != str(known(get(match_labels, key), f"{path}.matchLabels.{key}")):
            return False
    for i, expression in enumerate(elements(known(get(selector, "matchExpressions"), f"{path}.matchExpressions"))):
        epath = f"{path}.matchExpressions[{i}]"
        expression = known(expression, epath)
        key = str(known(get(expression, "key"), f"{epath}.key"))
        operator = str(known(get(expression, "operator"), f"{epath}.operator"))
        values = {str(known(v, f"{epath}.values")) for v in elements(known(get(expression, "values"), f"{epath}.values"))}
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


def string_map(value: Any, path: str) -> dict[str, str]:
    """A map of strings (labels); a value unknown at preview raises ``Undecided``."""
    labels = as_mapping(known(value, path) or {})
    return {str(k): str(known(get(labels, k), f"{path}.{k}")) for k in list(labels)}
