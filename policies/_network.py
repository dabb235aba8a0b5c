"""Reading Kubernetes networking objects from policy inputs: LoadBalancer Services, ALB Ingresses, NetworkPolicies.

On EKS a ``Service`` of type ``LoadBalancer`` becomes an NLB or a Classic ELB (the in-tree controller, or the
AWS Load Balancer Controller for ``aws-load-balancer-type: external``/``nlb-ip`` or ``loadBalancerClass:
service.k8s.aws/nlb``) and an ``Ingress`` of class ``alb`` an ALB, each configured by annotations. Annotation
values are strings the program writes, known at the first preview; a certificate ARN may come from a
resource of the stack and be unknown then, and its presence decides. Every read goes through ``_known``.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

from _known import UNKNOWN, elements, get, known
from _workloads import namespace_of as effective_namespace  # UNKNOWN at preview when taken from a resource
from _workloads import object_name

from _helpers import WORLD_CIDRS

SERVICE = "kubernetes:core/v1:Service"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
NAMESPACE = "kubernetes:core/v1:Namespace"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
#: Namespaces Kubernetes and EKS own; their pods are the control plane's and the add-ons'.
SYSTEM_NAMESPACES = frozenset({"kube-system", "kube-public", "kube-node-lease"})

_SVC = "service.beta.kubernetes.io/"
SSL_CERT = _SVC + "aws-load-balancer-ssl-cert"
SSL_PORTS = _SVC + "aws-load-balancer-ssl-ports"
SCHEME = _SVC + "aws-load-balancer-scheme"
LB_TYPE = _SVC + "aws-load-balancer-type"
LEGACY_INTERNAL = _SVC + "aws-load-balancer-internal"
SOURCE_RANGES = _SVC + "load-balancer-source-ranges"
#: Load balancer types and classes the AWS Load Balancer Controller handles; it defaults to an internal scheme.
LBC_TYPES = frozenset({"external", "nlb-ip"})
LBC_CLASS = "service.k8s.aws/nlb"
#: The class of NLBs EKS Auto Mode provisions; internal by default too.
AUTO_MODE_NLB_CLASS = "eks.amazonaws.com/nlb"

_ALB = "alb.ingress.kubernetes.io/"
CERTIFICATE_ARN = _ALB + "certificate-arn"
LISTEN_PORTS = _ALB + "listen-ports"
ALB_SCHEME = _ALB + "scheme"
INBOUND_CIDRS = _ALB + "inbound-cidrs"
INGRESS_CLASS_ANNOTATION = "kubernetes.io/ingress.class"
ALB_CLASS = "alb"


def metadata(props: Any) -> Any:
    return get(props, "metadata") or {}


def namespace_of(props: Any, provider: Any = None) -> str:
    """:func:`effective_namespace`; raises ``Undecided`` when it is unknown at preview."""
    return str(known(effective_namespace(props, provider), "metadata.namespace"))


def qualified_name(props: Any, fallback: str, provider: Any = None) -> str:
    """``namespace/name`` for messages (``?`` for a namespace unknown at preview)."""
    ns = effective_namespace(props, provider)
    return f"{'?' if ns is UNKNOWN else ns}/{object_name(props, fallback)}"


def annotations(props: Any) -> Any:
    """``metadata.annotations``: a mapping, or :data:`UNKNOWN` when the whole map is unknown at preview."""
    return get(metadata(props), "annotations") or {}


def annotation(props: Any, key: str) -> Any:
    """One annotation's value (None when absent, :data:`UNKNOWN` when unknown at preview)."""
    return get(annotations(props), key)


def known_annotation(props: Any, key: str) -> str | None:
    """An annotation whose value decides; raises ``Undecided`` naming it when unknown at preview."""
    value = known(annotation(props, key), f"metadata.annotations[\"{key}\"]")
    return None if value is None else str(value).strip()


def is_load_balancer_service(resource_type: str, props: Any) -> bool:
    if resource_type != SERVICE:
        return False
    return known(get(get(props, "spec"), "type"), "spec.type") == "LoadBalancer"


def is_alb_ingress(resource_type: str, props: Any) -> bool:
    """An Ingress the AWS Load Balancer Controller serves: class ``alb``, by field or legacy annotation."""
    if resource_type != INGRESS:
        return False
    cls = known(get(get(props, "spec"), "ingressClassName"), "spec.ingressClassName")
    if cls is not None:
        return str(cls) == ALB_CLASS
    return known_annotation(props, INGRESS_CLASS_ANNOTATION) == ALB_CLASS


def service_is_internet_facing(props: Any) -> bool:
    """The scheme annotation; without one, the controller's default: internal for the AWS Load Balancer
    Controller and EKS Auto Mode, internet-facing for the in-tree controller (unless its legacy internal
    annotation is set)."""
    scheme = known_annotation(props, SCHEME)
    if scheme:
        return scheme == "internet-facing"
    lb_class = known(get(get(props, "spec"), "loadBalancerClass"), "spec.loadBalancerClass")
    if known_annotation(props, LB_TYPE) in LBC_TYPES or lb_class in (LBC_CLASS, AUTO_MODE_NLB_CLASS):
        return False
    return (known_annotation(props, LEGACY_INTERNAL) or "").lower() not in ("true", "0.0.0.0/0")


def ingress_is_internet_facing(props: Any) -> bool:
    """``alb.ingress.kubernetes.io/scheme``; the controller's default is internal."""
    return known_annotation(props, ALB_SCHEME) == "internet-facing"


def cidr_list(value: Any, path: str) -> list[str]:
    """CIDRs from a list input or a comma-separated annotation; raises ``Undecided`` when unknown."""
    if isinstance(known(value, path), str):
        return [c.strip() for c in value.split(",") if c.strip()]
    return [str(known(c, path)).strip() for c in elements(value)]


def service_source_ranges(props: Any) -> list[str]:
    """``spec.loadBalancerSourceRanges``, else the legacy source-ranges annotation."""
    ranges = cidr_list(get(get(props, "spec"), "loadBalancerSourceRanges"), "spec.loadBalancerSourceRanges")
    if ranges:
        return ranges
    return cidr_list(annotation(props, SOURCE_RANGES), f"metadata.annotations[\"{SOURCE_RANGES}\"]")


def ingress_source_ranges(props: Any) -> list[str]:
    return cidr_list(annotation(props, INBOUND_CIDRS), f"metadata.annotations[\"{INBOUND_CIDRS}\"]")


def restricts_sources(ranges: list[str]) -> bool:
    """Some source ranges, none of them the whole internet."""
    return bool(ranges) and not WORLD_CIDRS & set(ranges)


def matches_any(value: str, globs: list[str]) -> bool:
    return any(fnmatchcase(value, g) for g in globs)
