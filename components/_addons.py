"""EKS add-ons: a version pinned or resolved for the cluster's Kubernetes version, conflicts overwritten."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from ._tags import merged_tags


def eks_addon(name: str, addon: str, cluster: pulumi.Input[str], kubernetes_version: pulumi.Input[str],
              version: str | None, tags: Mapping[str, str], parent: pulumi.Resource,
              depends_on: Sequence[pulumi.Resource] = (), **kwargs: Any) -> aws.eks.Addon:
    """The ``addon`` EKS add-on at ``version``, else the newest for ``kubernetes_version``; conflicts with what
    is in the cluster are overwritten. ``kwargs`` go to the add-on (configuration, Pod Identity ...)."""
    resolved = version or aws.eks.get_addon_version_output(
        addon_name=addon, kubernetes_version=kubernetes_version, most_recent=True).version
    return aws.eks.Addon(
        name, cluster_name=cluster, addon_name=addon, addon_version=resolved,
        resolve_conflicts_on_create="OVERWRITE", resolve_conflicts_on_update="OVERWRITE",
        tags=merged_tags(tags, name), **kwargs, opts=pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on)))


def pod_identity_addon(name: str, addon: str, cluster: pulumi.Input[str], kubernetes_version: str,
                       version: str | None, role_arn: pulumi.Input[str], service_account: str,
                       tags: Mapping[str, str], parent: pulumi.Resource,
                       depends_on: Sequence[pulumi.Resource]) -> aws.eks.Addon:
    """:func:`eks_addon` whose controller's ``service_account`` is bound to ``role_arn`` through Pod Identity."""
    return eks_addon(name, addon, cluster, kubernetes_version, version, tags, parent, depends_on,
                     pod_identity_associations=[{"role_arn": role_arn, "service_account": service_account}])
