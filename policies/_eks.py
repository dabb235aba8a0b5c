"""One view of an EKS cluster's security settings, whichever resource shape declares it.

``aws:eks/cluster:Cluster`` (what eks-platform and pulumi-eks both create) and the inputs of the
pulumi-eks remote component ``eks:index:Cluster`` say the same things with different property names.
Rules read this view so one rule covers both. A real ``pulumi preview`` sends ``eks:index:Cluster``
with empty inputs (its provider's SDK predates component inputs), so empty inputs are "not applicable".
Unset values take the provider's default, as AWS would apply it.
"""

from __future__ import annotations

from typing import Any

from _known import elements, get, is_set, known
from pulumi_policy import ResourceValidationArgs

CLUSTER = "aws:eks/cluster:Cluster"
EKS_COMPONENT = "eks:index:Cluster"


class ClusterView:
    """A cluster's settings, each read only when a rule asks for it (a first preview knows some, not all).

    A setting the program leaves to a value computed by the cloud raises ``UnknownValueError`` naming
    it when read; the rule that needs it then decides during ``pulumi up``.
    """

    def __init__(self, props: Any, component: bool) -> None:
        self._p = props
        self._component = component

    def _vpc(self, key: str, default: bool) -> bool:
        holder = self._p if self._component else get(self._p, "vpcConfig") or {}
        value = known(get(holder, key, default), key if self._component else f"vpcConfig.{key}")
        return default if value is None else bool(value)

    @property
    def public_endpoint(self) -> bool:
        return self._vpc("endpointPublicAccess", True)

    @property
    def private_endpoint(self) -> bool:
        return self._vpc("endpointPrivateAccess", False)

    @property
    def public_cidrs(self) -> list[str] | None:
        holder = self._p if self._component else get(self._p, "vpcConfig") or {}
        cidrs = known(get(holder, "publicAccessCidrs"), "vpcConfig.publicAccessCidrs")
        return None if cidrs is None else [str(known(c, "vpcConfig.publicAccessCidrs[]")) for c in elements(cidrs)]

    @property
    def secrets_encrypted(self) -> bool:
        """Presence decides: a key ARN that is unknown at preview is one this stack creates."""
        if self._component:
            return is_set(self._p, "encryptionConfigKeyArn")
        encryption = known(get(self._p, "encryptionConfig") or {}, "encryptionConfig")
        resources = known(get(encryption, "resources"), "encryptionConfig.resources")
        return "secrets" in [known(r, "encryptionConfig.resources[]") for r in elements(resources)] and \
            is_set(known(get(encryption, "provider") or {}, "encryptionConfig.provider"), "keyArn")

    @property
    def log_types(self) -> list[str]:
        types = known(get(self._p, "enabledClusterLogTypes"), "enabledClusterLogTypes")
        return [str(known(t, "enabledClusterLogTypes[]")) for t in elements(types)]

    @property
    def version(self) -> str | None:
        return known(get(self._p, "version"), "version")

    @property
    def support_type(self) -> str | None:
        return known(get(known(get(self._p, "upgradePolicy") or {}, "upgradePolicy"), "supportType"),
                     "upgradePolicy.supportType")

    @property
    def authentication_mode(self) -> str:
        holder = self._p if self._component else known(get(self._p, "accessConfig") or {}, "accessConfig")
        return str(known(get(holder, "authenticationMode"), "accessConfig.authenticationMode") or "CONFIG_MAP")

    @property
    def creator_admin(self) -> bool | None:
        """None where the shape cannot say (pulumi-eks does not expose it)."""
        if self._component:
            return None
        access = known(get(self._p, "accessConfig") or {}, "accessConfig")
        return bool(known(get(access, "bootstrapClusterCreatorAdminPermissions", True),
                          "accessConfig.bootstrapClusterCreatorAdminPermissions"))


def cluster_view(args: ResourceValidationArgs) -> ClusterView | None:
    """The view for a cluster resource; None for other types; not applicable for empty component inputs."""
    if args.resource_type == CLUSTER:
        return ClusterView(args.props, component=False)
    if args.resource_type == EKS_COMPONENT:
        if not args.props:
            args.not_applicable("eks:index:Cluster inputs are empty (remote component); its aws:eks/cluster:Cluster "
                                "child is checked instead")
        return ClusterView(args.props, component=True)
    return None
