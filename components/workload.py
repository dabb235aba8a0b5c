"""Workload: one containerised service or worker, hardened, scaled and exposed the way EKS expects.

Children (``{name}`` is the app name; Kubernetes objects live in ``namespace`` and are named ``{app}``):

* ``{name}-sa``: a dedicated ServiceAccount that mounts no API token;
* optionally ``{name}-role`` + ``{name}-pod-identity``: an IAM role for the pods through EKS Pod Identity,
  with the given inline policy;
* ``{name}``: the Deployment: non-root with a high UID, no privilege escalation, a read-only root
  filesystem (``/tmp`` is an emptyDir), all capabilities dropped, RuntimeDefault seccomp, no service-account
  token; requests and limits; HTTP probes; spread across zones; on the node groups or on Fargate;
* ``{name}-pdb``: a PodDisruptionBudget keeping at least one pod through voluntary disruptions;
* ``{name}-hpa`` (optional): an ``autoscaling/v2`` HorizontalPodAutoscaler on CPU and/or memory;
* ``{name}-vpa`` (optional): a VerticalPodAutoscaler in recommendation (``Off``) or ``Auto`` mode, which
  never controls a resource the HPA scales on (both acting on one metric fight each other);
* exposure, one of: none; ``{name}-nlb``: a Service of type LoadBalancer provisioned by the AWS Load
  Balancer Controller as an NLB (``external``, IP targets, scheme, source ranges, TLS with an ACM
  certificate); ``{name}-svc`` + ``{name}-ingress``: a ClusterIP Service behind an ALB Ingress
  (``ingressClassName: alb``, IP targets, HTTPS with ACM, HTTP redirected to HTTPS, optional group).

With ``auto_mode`` EKS Auto Mode provisions the load balancers instead of the AWS Load Balancer Controller:
the NLB Service has ``loadBalancerClass: eks.amazonaws.com/nlb`` (and no ``aws-load-balancer-type``
annotation), the ALB Ingress names Auto Mode's IngressClass (``ingress_class``, ``alb`` by default, from
:class:`components.auto_mode.AutoMode`); the other annotations are the same.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from ._iam import pod_identity_role
from ._tags import merged_tags

TYPE_TOKEN = "eks-platform:components:Workload"
#: An image from an ECR registry, by digest or by tag (our repositories' tags are immutable).
ECR_IMAGE = re.compile(r"^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/[a-z0-9._/-]+(@sha256:[0-9a-f]{64}|:[\w][\w.-]{0,127})$")
UID = 10001
FARGATE_LABEL = "eks-platform/compute"
EXPOSED_LABEL = "eks-platform/exposed"
RESOURCE_METRICS = ("cpu", "memory")
#: ``spec.loadBalancerClass`` of an NLB Service EKS Auto Mode provisions (components.auto_mode has the same).
AUTO_MODE_NLB_CLASS = "eks.amazonaws.com/nlb"


@dataclass(frozen=True)
class ResourcesSpec:
    cpu_request: str = "100m"
    memory_request: str = "128Mi"
    memory_limit: str = "256Mi"
    cpu_limit: str | None = None
    """Unset by default: CPU limits throttle a pod that could use idle CPU; memory limits protect the node."""


@dataclass(frozen=True)
class HpaSpec:
    min_replicas: int = 2
    max_replicas: int = 6
    cpu_utilization: int | None = 70
    memory_utilization: int | None = None

    @property
    def metrics(self) -> tuple[str, ...]:
        return tuple(m for m, target in (("cpu", self.cpu_utilization), ("memory", self.memory_utilization)) if target)


@dataclass(frozen=True)
class VpaSpec:
    mode: str = "Off"
    """``Off`` (recommendations only) or ``Auto`` (evicts pods to apply them)."""
    resources: tuple[str, ...] = RESOURCE_METRICS


@dataclass(frozen=True)
class NlbSpec:
    certificate_arn: pulumi.Input[str]
    internet_facing: bool = False
    source_ranges: tuple[str, ...] = ()
    """CIDRs allowed to reach an internet-facing NLB; required for one."""
    port: int = 443


@dataclass(frozen=True)
class AlbSpec:
    certificate_arn: pulumi.Input[str]
    internet_facing: bool = False
    host: str | None = None
    group: str | None = None
    """IngressGroup: apps in one group share an ALB."""
    inbound_cidrs: tuple[str, ...] = ()


@dataclass(frozen=True)
class WorkloadArgs:
    """Inputs of :class:`Workload`."""

    namespace: str
    image: str
    kubernetes_provider: pulumi.ProviderResource
    cluster_name: pulumi.Input[str]
    port: int = 8080
    replicas: int = 2
    resources: ResourcesSpec = ResourcesSpec()
    env: Mapping[str, str] = field(default_factory=dict)
    """Plain settings; secrets come from Secrets or the role, never literals here."""
    health_path: str = "/healthz"
    fargate: bool = False
    """Run on Fargate: pods carry ``eks-platform/compute: fargate``, which the namespace's Fargate profile selects."""
    node_selector: Mapping[str, str] = field(default_factory=dict)
    hpa: HpaSpec | None = None
    vpa: VpaSpec | None = None
    exposure: NlbSpec | AlbSpec | None = None
    role_policy: str | None = None
    """An inline IAM policy for the pods (through Pod Identity); None: no AWS access."""
    auto_mode: bool = False
    """The cluster runs EKS Auto Mode, which provisions the load balancers (no AWS Load Balancer Controller):
    an NLB Service gets ``loadBalancerClass: eks.amazonaws.com/nlb``, an ALB Ingress Auto Mode's IngressClass."""
    ingress_class: str = "alb"
    """``ingressClassName`` of an ALB Ingress: ``alb`` (the controller's, or the Auto Mode IngressClass of that
    name that :class:`components.auto_mode.AutoMode` creates by default)."""
    depends_on: Sequence[pulumi.Resource] = ()
    """What the app's objects need first: its namespace, and the controllers that act on them (the load
    balancer controller, metrics-server, the VPA). The objects depend on them directly, so a destroy removes a
    load balancer's Service or Ingress while the controller still runs to delete the load balancer and its
    security groups, before the network goes."""
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not ECR_IMAGE.match(self.image):
            raise ValueError(f"WorkloadArgs.image: {self.image!r} is not an image of an ECR repository by digest "
                             "(@sha256:...) or tag, e.g. 123456789012.dkr.ecr.us-west-2.amazonaws.com/payments/api@sha256:<64 hex>")
        if self.image.endswith(":latest"):
            raise ValueError("WorkloadArgs.image: 'latest' moves; pin a digest or an immutable tag")
        if not 1 <= self.port <= 65535 or self.port < 1024:
            raise ValueError(f"WorkloadArgs.port: an unprivileged port (1024 to 65535), got {self.port}")
        if self.replicas < 2:
            raise ValueError("WorkloadArgs.replicas: at least 2, so a disruption never takes the service down")
        if self.hpa is not None:
            if not self.hpa.metrics:
                raise ValueError("WorkloadArgs.hpa: set cpu_utilization and/or memory_utilization")
            if not 2 <= self.hpa.min_replicas <= self.hpa.max_replicas:
                raise ValueError("WorkloadArgs.hpa: need 2 <= min_replicas <= max_replicas")
        if self.vpa is not None:
            if self.vpa.mode not in ("Off", "Auto", "Initial", "Recreate"):
                raise ValueError(f"WorkloadArgs.vpa.mode: Off, Initial, Recreate or Auto, got {self.vpa.mode!r}")
            controlled = set(self.vpa.resources) - set(self.hpa.metrics if self.hpa else ())
            if not controlled or not set(self.vpa.resources) <= set(RESOURCE_METRICS):
                raise ValueError("WorkloadArgs.vpa: the VPA must control cpu and/or memory, and never a resource the "
                                 "HPA scales on (they would fight over it)")
        if not re.match(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$", self.ingress_class):
            raise ValueError(f"WorkloadArgs.ingress_class: {self.ingress_class!r} is not an IngressClass name")
        if isinstance(self.exposure, NlbSpec) and self.exposure.internet_facing and not self.exposure.source_ranges:
            raise ValueError("WorkloadArgs.exposure: an internet-facing NLB needs source_ranges (never 0.0.0.0/0)")
        ranges = self.exposure.source_ranges if isinstance(self.exposure, NlbSpec) else \
            self.exposure.inbound_cidrs if isinstance(self.exposure, AlbSpec) else ()
        if any(r.endswith("/0") for r in ranges):
            raise ValueError("WorkloadArgs.exposure: list the client CIDRs, not the whole internet")

    @property
    def vpa_resources(self) -> list[str]:
        hpa = set(self.hpa.metrics if self.hpa else ())
        return [r for r in (self.vpa.resources if self.vpa else ()) if r not in hpa]


class Workload(pulumi.ComponentResource):
    """A hardened Deployment with its ServiceAccount, PDB, autoscalers and load balancer."""

    service_account_name: pulumi.Output[str]
    role_arn: pulumi.Output[str] | None

    def __init__(self, name: str, args: WorkloadArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        k8s_opts = pulumi.ResourceOptions(parent=self, provider=args.kubernetes_provider,
                                          depends_on=list(args.depends_on))
        labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/managed-by": "pulumi"}
        pod_labels = {**labels, **({FARGATE_LABEL: "fargate"} if args.fargate else {}),
                      **({EXPOSED_LABEL: "true"} if args.exposure is not None else {})}
        meta = {"name": name, "namespace": args.namespace, "labels": labels}
        account = k8s.core.v1.ServiceAccount(f"{name}-sa", metadata=meta, automount_service_account_token=False,
                                             opts=k8s_opts)
        self.role_arn = None
        if args.role_policy is not None:
            partition = aws.get_partition().partition
            role, _ = pod_identity_role(f"{name}-role", [], args.role_policy, partition, args.tags, self,
                                        f"Pods of {args.namespace}/{name} through EKS Pod Identity")
            aws.eks.PodIdentityAssociation(f"{name}-pod-identity", cluster_name=args.cluster_name,
                                           namespace=args.namespace, service_account=name, role_arn=role.arn,
                                           tags=merged_tags(args.tags, f"{name}-pod-identity"),
                                           opts=pulumi.ResourceOptions(parent=self))
            self.role_arn = role.arn
        deployment = k8s.apps.v1.Deployment(name, metadata=meta, spec={
            "replicas": args.hpa.min_replicas if args.hpa else args.replicas,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": pod_labels}, "spec": pod_spec(name, args, labels)},
        }, opts=pulumi.ResourceOptions.merge(k8s_opts, pulumi.ResourceOptions(
            # The HPA owns the replica count once it exists; an `up` must not reset it.
            ignore_changes=["spec.replicas"] if args.hpa else None, depends_on=[*args.depends_on, account])))
        k8s.policy.v1.PodDisruptionBudget(f"{name}-pdb", metadata=meta, spec={
            "minAvailable": 1, "selector": {"matchLabels": labels}}, opts=k8s_opts)
        target = {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
        if args.hpa is not None:
            k8s.autoscaling.v2.HorizontalPodAutoscaler(f"{name}-hpa", metadata=meta, spec={
                "scaleTargetRef": target, "minReplicas": args.hpa.min_replicas, "maxReplicas": args.hpa.max_replicas,
                "metrics": [{"type": "Resource", "resource": {"name": metric, "target": {
                    "type": "Utilization", "averageUtilization": utilization}}}
                    for metric, utilization in (("cpu", args.hpa.cpu_utilization),
                                                ("memory", args.hpa.memory_utilization)) if utilization]},
                opts=pulumi.ResourceOptions.merge(k8s_opts, pulumi.ResourceOptions(depends_on=[*args.depends_on,
                                                                                              deployment])))
        if args.vpa is not None:
            k8s.apiextensions.CustomResource(f"{name}-vpa", api_version="autoscaling.k8s.io/v1",
                                             kind="VerticalPodAutoscaler", metadata=meta, spec={
                "targetRef": target, "updatePolicy": {"updateMode": args.vpa.mode},
                "resourcePolicy": {"containerPolicies": [{"containerName": name,
                                                          "controlledResources": args.vpa_resources}]}},
                opts=pulumi.ResourceOptions.merge(k8s_opts, pulumi.ResourceOptions(depends_on=[*args.depends_on,
                                                                                              deployment])))
        if isinstance(args.exposure, NlbSpec):
            _nlb(name, args, args.exposure, meta, labels, k8s_opts)
        elif isinstance(args.exposure, AlbSpec):
            _alb(name, args, args.exposure, meta, labels, k8s_opts)
        self.service_account_name = account.metadata.name
        self.register_outputs({"service_account_name": self.service_account_name, "role_arn": self.role_arn})


def pod_spec(name: str, args: WorkloadArgs, labels: Mapping[str, str]) -> dict[str, object]:
    """The hardened pod spec (pure: tests read it without mocks)."""
    probe = {"httpGet": {"path": args.health_path, "port": "http"}, "periodSeconds": 10}
    limits = {"memory": args.resources.memory_limit, **({"cpu": args.resources.cpu_limit}
                                                       if args.resources.cpu_limit else {})}
    selector = {FARGATE_LABEL: "fargate"} if args.fargate else dict(args.node_selector)
    return {
        "serviceAccountName": name,
        "automountServiceAccountToken": False,
        "securityContext": {"runAsNonRoot": True, "runAsUser": UID, "runAsGroup": UID, "fsGroup": UID,
                            "seccompProfile": {"type": "RuntimeDefault"}},
        **({"nodeSelector": selector} if selector and not args.fargate else {}),
        "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
                                       "whenUnsatisfiable": "ScheduleAnyway",
                                       "labelSelector": {"matchLabels": dict(labels)}}],
        "containers": [{
            "name": name, "image": args.image,
            "ports": [{"name": "http", "containerPort": args.port, "protocol": "TCP"}],
            "env": [{"name": k, "value": v} for k, v in sorted(args.env.items())],
            "resources": {"requests": {"cpu": args.resources.cpu_request, "memory": args.resources.memory_request},
                          "limits": limits},
            "readinessProbe": probe, "livenessProbe": {**probe, "initialDelaySeconds": 10},
            "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                "runAsNonRoot": True, "capabilities": {"drop": ["ALL"]},
                                "seccompProfile": {"type": "RuntimeDefault"}},
            "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
        }],
        "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": "256Mi"}}],
    }


def _nlb(name: str, args: WorkloadArgs, nlb: NlbSpec, meta: dict[str, object], labels: Mapping[str, str],
         opts: pulumi.ResourceOptions) -> None:
    prefix = "service.beta.kubernetes.io/aws-load-balancer-"
    # Auto Mode picks its NLBs by class; the controller by the `external` type annotation.
    annotations = {**({} if args.auto_mode else {f"{prefix}type": "external"}), f"{prefix}nlb-target-type": "ip",
                   f"{prefix}scheme": "internet-facing" if nlb.internet_facing else "internal",
                   f"{prefix}ssl-cert": nlb.certificate_arn, f"{prefix}ssl-ports": str(nlb.port),
                   f"{prefix}ssl-negotiation-policy": "ELBSecurityPolicy-TLS13-1-2-2021-06"}
    spec: dict[str, object] = {"type": "LoadBalancer", "selector": dict(labels),
                               "ports": [{"name": "https", "port": nlb.port, "targetPort": "http", "protocol": "TCP"}]}
    if args.auto_mode:
        spec["loadBalancerClass"] = AUTO_MODE_NLB_CLASS
    if nlb.source_ranges:
        spec["loadBalancerSourceRanges"] = list(nlb.source_ranges)
    k8s.core.v1.Service(f"{name}-nlb", metadata={**meta, "annotations": annotations}, spec=spec, opts=opts)


def _alb(name: str, args: WorkloadArgs, alb: AlbSpec, meta: dict[str, object], labels: Mapping[str, str],
         opts: pulumi.ResourceOptions) -> None:
    service = k8s.core.v1.Service(f"{name}-svc", metadata=meta, spec={
        "type": "ClusterIP", "selector": dict(labels),
        "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]}, opts=opts)
    prefix = "alb.ingress.kubernetes.io/"
    annotations: dict[str, object] = {
        f"{prefix}scheme": "internet-facing" if alb.internet_facing else "internal",
        f"{prefix}target-type": "ip",
        f"{prefix}certificate-arn": alb.certificate_arn,
        f"{prefix}listen-ports": json.dumps([{"HTTP": 80}, {"HTTPS": 443}]),
        f"{prefix}ssl-redirect": "443",
        f"{prefix}ssl-policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
        f"{prefix}healthcheck-path": args.health_path,
    }
    if alb.group:
        annotations[f"{prefix}group.name"] = alb.group
    if alb.inbound_cidrs:
        annotations[f"{prefix}inbound-cidrs"] = ",".join(alb.inbound_cidrs)
    rule: dict[str, object] = {"http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {
        "service": {"name": name, "port": {"name": "http"}}}}]}}
    if alb.host:
        rule["host"] = alb.host
    k8s.networking.v1.Ingress(f"{name}-ingress", metadata={**meta, "annotations": annotations}, spec={
        "ingressClassName": args.ingress_class, "rules": [rule]},
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[*args.depends_on, service])))
