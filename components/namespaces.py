"""Namespaces: the team and app namespaces, each a fenced, budgeted place to run pods.

For each namespace ``ns`` (children ``{name}-{ns}-<role>``, parented to the component):

* ``{name}-{ns}``: the Namespace with Pod Security Admission labels: ``restricted`` for enforce, audit and
  warn in prod; elsewhere ``baseline`` enforced with ``restricted`` warned and audited, so a team sees what
  prod would refuse before it gets there;
* NetworkPolicies (enforced by the VPC CNI's network policy agent): ``-default-deny`` (no ingress, no egress
  for any pod), ``-allow-dns`` (egress to kube-dns on 53), ``-allow-aws`` (egress to the EKS Pod Identity
  agent, 169.254.170.23:80, and HTTPS to AWS APIs), ``-allow-load-balancer`` (ingress from the VPC's
  load balancers to pods labelled ``eks-platform/exposed: "true"``);
* ``-quota``: a ResourceQuota on requests, memory limits, pods, load balancers and claims;
* ``-limits``: a LimitRange giving containers that set nothing a request and a memory limit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from .workload import EXPOSED_LABEL

TYPE_TOKEN = "eks-platform:components:Namespaces"
RESERVED = ("default", "kube-system", "kube-public", "kube-node-lease")
POD_IDENTITY_AGENT = "169.254.170.23/32"


@dataclass(frozen=True)
class QuotaSpec:
    requests_cpu: str = "16"
    requests_memory: str = "64Gi"
    limits_memory: str = "128Gi"
    pods: int = 200
    load_balancers: int = 4
    claims: int = 50


@dataclass(frozen=True)
class NamespacesArgs:
    """Inputs of :class:`Namespaces`."""

    namespaces: Sequence[str]
    kubernetes_provider: pulumi.ProviderResource
    vpc_cidr: str
    """Where load balancers' IP targets are reached from."""
    pod_security: str = "restricted"
    """``restricted`` (prod: enforced) or ``baseline`` (enforced, with restricted warned and audited)."""
    quota: QuotaSpec = QuotaSpec()
    moved_from: Mapping[str, str] = field(default_factory=dict)
    """Earlier URNs of namespaces this component now owns (namespace -> URN), kept as aliases."""

    def __post_init__(self) -> None:
        reserved = sorted(set(self.namespaces) & set(RESERVED))
        if reserved:
            raise ValueError(f"NamespacesArgs.namespaces: {', '.join(reserved)} belong(s) to Kubernetes; pick another name")
        if self.pod_security not in ("restricted", "baseline"):
            raise ValueError(f"NamespacesArgs.pod_security: restricted or baseline, got {self.pod_security!r}")


def psa_labels(level: str) -> dict[str, str]:
    """Pod Security Admission labels: ``level`` enforced; restricted always warned and audited."""
    return {"pod-security.kubernetes.io/enforce": level, "pod-security.kubernetes.io/enforce-version": "latest",
            "pod-security.kubernetes.io/warn": "restricted", "pod-security.kubernetes.io/audit": "restricted"}


def network_policies(ns: str, vpc_cidr: str) -> dict[str, dict[str, object]]:
    """The namespace's NetworkPolicy specs by role (pure: tests read them without mocks)."""
    dns_ports = [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
    return {
        "default-deny": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
        "allow-dns": {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"to": [{
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}], "ports": dns_ports}]},
        "allow-aws": {"podSelector": {}, "policyTypes": ["Egress"], "egress": [
            {"to": [{"ipBlock": {"cidr": POD_IDENTITY_AGENT}}], "ports": [{"protocol": "TCP", "port": 80}]},
            {"ports": [{"protocol": "TCP", "port": 443}]}]},
        "allow-load-balancer": {"podSelector": {"matchLabels": {EXPOSED_LABEL: "true"}}, "policyTypes": ["Ingress"],
                                "ingress": [{"from": [{"ipBlock": {"cidr": vpc_cidr}}]}]},
    }


class Namespaces(pulumi.ComponentResource):
    """Namespaces with Pod Security Admission, default-deny networking, a quota and default limits."""

    names: pulumi.Output[list[str]]
    resources: dict[str, k8s.core.v1.Namespace]

    def __init__(self, name: str, args: NamespacesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        k8s_opts = pulumi.ResourceOptions(parent=self, provider=args.kubernetes_provider)
        self.resources = {}
        for ns in sorted(set(args.namespaces)):
            moved = args.moved_from.get(ns)
            namespace = k8s.core.v1.Namespace(
                f"{name}-{ns}", metadata={"name": ns, "labels": {**psa_labels(args.pod_security),
                                                                   "app.kubernetes.io/managed-by": "pulumi"}},
                opts=pulumi.ResourceOptions.merge(k8s_opts, pulumi.ResourceOptions(
                    aliases=[moved] if moved else None)))
            self.resources[ns] = namespace
            inside = pulumi.ResourceOptions.merge(k8s_opts, pulumi.ResourceOptions(depends_on=[namespace]))
            for role, spec in network_policies(ns, args.vpc_cidr).items():
                k8s.networking.v1.NetworkPolicy(f"{name}-{ns}-{role}", metadata={"name": role, "namespace": ns},
                                                spec=spec, opts=inside)
            q = args.quota
            k8s.core.v1.ResourceQuota(f"{name}-{ns}-quota", metadata={"name": "quota", "namespace": ns}, spec={
                "hard": {"requests.cpu": q.requests_cpu, "requests.memory": q.requests_memory,
                         "limits.memory": q.limits_memory, "pods": str(q.pods),
                         "services.loadbalancers": str(q.load_balancers), "persistentvolumeclaims": str(q.claims)}},
                opts=inside)
            k8s.core.v1.LimitRange(f"{name}-{ns}-limits", metadata={"name": "defaults", "namespace": ns}, spec={
                "limits": [{"type": "Container", "defaultRequest": {"cpu": "100m", "memory": "128Mi"},
                            "default": {"memory": "512Mi"}, "max": {"memory": "16Gi"}}]}, opts=inside)
        self.names = pulumi.Output.from_input(sorted(self.resources))
        self.register_outputs({"names": self.names})
