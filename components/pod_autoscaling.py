"""PodAutoscaling: what horizontal and vertical pod autoscaling need in the cluster.

Children (parented to the component), each switchable:

* ``{name}-metrics-server``: metrics-server, which serves the CPU and memory figures HPAs scale on, as the
  ``metrics-server`` EKS add-on (version pinned or the newest for the cluster version);
* ``{name}-vpa``: the Vertical Pod Autoscaler (its ``autoscaling.k8s.io`` CRDs, recommender, updater and
  admission controller) from its Helm chart through ``kubernetes:helm.sh/v4:Chart`` (version pinned;
  offline the chart is listed as not visible).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from ._addons import eks_addon

TYPE_TOKEN = "eks-platform:components:PodAutoscaling"
VPA_REPOSITORY = "https://charts.fairwinds.com/stable"


@dataclass(frozen=True)
class PodAutoscalingArgs:
    """Inputs of :class:`PodAutoscaling`."""

    cluster: pulumi.Input[str]
    kubernetes_version: str
    kubernetes_provider: pulumi.ProviderResource
    metrics_server: bool = True
    metrics_server_version: str | None = None
    vpa: bool = True
    vpa_chart_version: str = "4.7.2"
    depends_on: Sequence[pulumi.Resource] = ()
    """Compute the controllers run on."""
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not (self.metrics_server or self.vpa):
            raise ValueError("PodAutoscalingArgs: nothing to install (metrics_server and vpa are both off)")


class PodAutoscaling(pulumi.ComponentResource):
    """metrics-server (EKS add-on) and the Vertical Pod Autoscaler."""

    installed: pulumi.Output[list[str]]
    """What this component installed: ``metrics-server``, ``vertical-pod-autoscaler``."""

    def __init__(self, name: str, args: PodAutoscalingArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        if args.metrics_server:
            eks_addon(f"{name}-metrics-server", "metrics-server", args.cluster, args.kubernetes_version,
                      args.metrics_server_version, args.tags, self, args.depends_on)
        if args.vpa:
            k8s.helm.v4.Chart(
                f"{name}-vpa", chart="vpa", version=args.vpa_chart_version, namespace="kube-system",
                repository_opts=k8s.helm.v4.RepositoryOptsArgs(repo=VPA_REPOSITORY),
                values={"recommender": {"enabled": True}, "updater": {"enabled": True},
                        "admissionController": {"enabled": True}},
                opts=pulumi.ResourceOptions(parent=self, provider=args.kubernetes_provider,
                                            depends_on=list(args.depends_on)))
        self.installed = pulumi.Output.from_input(
            [n for n, on in (("metrics-server", args.metrics_server), ("vertical-pod-autoscaler", args.vpa)) if on])
        self.register_outputs({"installed": self.installed})
