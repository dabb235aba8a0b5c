"""EKS add-ons whose controller runs under its own role through EKS Pod Identity."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
import pulumi_aws as aws

from ._tags import merged_tags


def pod_identity_addon(name: str, addon: str, cluster: pulumi.Input[str], kubernetes_version: str,
                       version: str | None, role_arn: pulumi.Input[str], service_account: str,
                       tags: Mapping[str, str], parent: pulumi.Resource,
                       depends_on: Sequence[pulumi.Resource]) -> aws.eks.Addon:
    """The ``addon`` EKS add-on (``version``, else the newest for ``kubernetes_version``), its controller's
    ``service_account`` bound to ``role_arn``; conflicts with what is in the cluster are overwritten."""
    resolved = version or aws.eks.get_addon_version_output(
        addon_name=addon, kubernetes_version=kubernetes_version, most_recent=True).version
    return aws.eks.Addon(
        name, cluster_name=cluster, addon_name=addon, addon_version=resolved,
        resolve_conflicts_on_create="OVERWRITE", resolve_conflicts_on_update="OVERWRITE",
        pod_identity_associations=[{"role_arn": role_arn, "service_account": service_account}],
        tags=merged_tags(tags, name), opts=pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on)))
