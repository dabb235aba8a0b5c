"""ClusterAutoscaler: grows and shrinks the managed node groups with pending pods.

Why the Cluster Autoscaler rather than Karpenter: the platform's capacity is managed node groups,
which EKS already tags for autoscaler auto-discovery (``k8s.io/cluster-autoscaler/enabled`` and
``k8s.io/cluster-autoscaler/<cluster>``); the autoscaler only changes their desired size, so AMI
rollouts keep the node group's update semantics (``max_unavailable``, PodDisruptionBudgets) and no
extra infrastructure (interruption queue, EventBridge rules, node IAM for a second provisioner) is
needed. Karpenter would replace node groups as the unit of capacity; that is a separate decision.

Children (parented to the component):

* ``{name}-role``: assumed through EKS Pod Identity (``pods.eks.amazonaws.com``), with
  ``{name}-policy``: read-only discovery everywhere, and scaling actions only on autoscaling groups
  tagged ``k8s.io/cluster-autoscaler/<cluster>: owned`` (which EKS puts on this cluster's groups);
* ``{name}-pod-identity``: binds the role to ``kube-system/cluster-autoscaler``;
* ``{name}-chart``: the ``cluster-autoscaler`` Helm chart through ``kubernetes:helm.sh/v4:Chart`` (its
  objects are registered resources, so policies see them in a real preview), image tag matching the
  cluster's minor version, as the autoscaler requires.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from ._iam import service_trust
from ._tags import merged_tags

TYPE_TOKEN = "eks-platform:components:ClusterAutoscaler"
CHART_REPOSITORY = "https://kubernetes.github.io/autoscaler"
SERVICE_ACCOUNT = "cluster-autoscaler"
NAMESPACE = "kube-system"


@dataclass(frozen=True)
class ClusterAutoscalerArgs:
    """Inputs of :class:`ClusterAutoscaler`."""

    cluster_name: str
    """Cluster name (plain: it is part of the tag the IAM policy is scoped to)."""
    cluster: pulumi.Input[str]
    """The cluster's name as an output, so the association waits for the cluster."""
    kubernetes_version: str
    region: str
    kubernetes_provider: pulumi.ProviderResource
    chart_version: str = "9.46.6"
    """Helm chart version (pinned: an `up` never picks up a new chart by itself)."""
    image_patch: int = 0
    """Patch release of the autoscaler image; the minor always matches the cluster."""
    depends_on: Sequence[pulumi.Resource] = ()
    """Compute the autoscaler runs on and manages."""
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.depends_on:
            raise ValueError("ClusterAutoscalerArgs.depends_on: pass the node groups it runs on and scales")


def autoscaler_policy(cluster_name: str) -> str:
    """Least privilege: describe anything (not scopable), scale only this cluster's groups."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "Discover", "Effect": "Allow", "Resource": "*", "Action": [
            "autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeAutoScalingInstances",
            "autoscaling:DescribeLaunchConfigurations", "autoscaling:DescribeScalingActivities",
            "autoscaling:DescribeTags", "ec2:DescribeImages", "ec2:DescribeInstanceTypes",
            "ec2:DescribeLaunchTemplateVersions", "ec2:GetInstanceTypesFromInstanceRequirements",
            "eks:DescribeNodegroup"]},
        {"Sid": "ScaleOwnGroups", "Effect": "Allow", "Resource": "*",
         "Action": ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
         "Condition": {"StringEquals": {f"aws:ResourceTag/k8s.io/cluster-autoscaler/{cluster_name}": "owned"}}},
    ]})


class ClusterAutoscaler(pulumi.ComponentResource):
    """The Kubernetes Cluster Autoscaler with a Pod Identity role scoped to this cluster's node groups."""

    role_arn: pulumi.Output[str]
    """ARN of the autoscaler's role."""

    def __init__(self, name: str, args: ClusterAutoscalerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(f"{name}-role", assume_role_policy=service_trust(
            "pods.eks.amazonaws.com", ("sts:AssumeRole", "sts:TagSession")),
            description=f"Cluster Autoscaler of {args.cluster_name}", tags=merged_tags(args.tags, f"{name}-role"),
            opts=child)
        policy = aws.iam.RolePolicy(f"{name}-policy", role=role.id, policy=autoscaler_policy(args.cluster_name),
                                    opts=child)
        association = aws.eks.PodIdentityAssociation(
            f"{name}-pod-identity", cluster_name=args.cluster, namespace=NAMESPACE, service_account=SERVICE_ACCOUNT,
            role_arn=role.arn, tags=merged_tags(args.tags, f"{name}-pod-identity"), opts=child)
        k8s.helm.v4.Chart(
            f"{name}-chart", chart="cluster-autoscaler", version=args.chart_version, namespace=NAMESPACE,
            repository_opts=k8s.helm.v4.RepositoryOptsArgs(repo=CHART_REPOSITORY),
            values={
                "autoDiscovery": {"clusterName": args.cluster_name},
                "awsRegion": args.region,
                "image": {"tag": f"v{args.kubernetes_version}.{args.image_patch}"},
                "rbac": {"serviceAccount": {"create": True, "name": SERVICE_ACCOUNT}},
                "extraArgs": {"balance-similar-node-groups": True, "expander": "least-waste",
                              "skip-nodes-with-local-storage": False},
                "podDisruptionBudget": {"maxUnavailable": 1},
                "securityContext": {"runAsNonRoot": True, "runAsUser": 65534, "runAsGroup": 65534,
                                    "seccompProfile": {"type": "RuntimeDefault"}},
                "containerSecurityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                             "capabilities": {"drop": ["ALL"]}},
            },
            opts=pulumi.ResourceOptions(parent=self, provider=args.kubernetes_provider,
                                        depends_on=[association, policy, *args.depends_on]))
        self.role_arn = role.arn
        self.register_outputs({"role_arn": self.role_arn})
