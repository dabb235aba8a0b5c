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


# -- resources a pulumi-eks component creates -------------------------------------------------------------------

#: The pulumi-eks component types whose children reach the pack (a real preview of the component's provider,
#: or preflight's model of it).
COMPONENTS = ("eks:index:Cluster", "eks:index:NodeGroupV2", "eks:index:NodeGroup", "eks:index:ManagedNodeGroup")


def component_of(urn: str) -> tuple[str, str] | None:
    """(component type, component name) when ``urn`` is a child of a pulumi-eks component, else None.

    The URN's type part lists the parent types (``eks:index:Cluster$aws:eks/cluster:Cluster``); the component's
    name is the child's name up to its suffix (``prod-eksCluster`` is component ``prod``'s).
    """
    parts = urn.split("::")
    if len(parts) < 4:
        return None
    chain = parts[2].split("$")[:-1]
    components = [t for t in chain if t in COMPONENTS]
    if not components:
        return None
    name = parts[-1]
    for suffix in ("-eksCluster", "-launchTemplate", "-nodeLaunchConfiguration", "-eks-k8s", "-nodeAccess"):
        name = name.removesuffix(suffix)
    return components[-1], name


def component_hint(urn: str, argument: str | None, value: str) -> str:
    """The fix in the terms of the pulumi-eks component that created the resource, when one did (``""`` for a
    resource the program declares itself), to append to a finding: its argument (``eks.Cluster("prod",
    endpoint_public_access=False)``), else a ``transforms`` snippet that sets the child's input."""
    found = component_of(urn)
    if found is None:
        return ""
    kind, name = found
    python_type = kind.rsplit(":", 1)[-1]
    if argument is not None:
        return (f" This resource is created by pulumi-eks {python_type} '{name}': set {argument}={value} on "
                f"eks.{python_type}(\"{name}\", ...).")
    token = urn.split("::")[2].split("$")[-1]
    return (f" This resource is created by pulumi-eks {python_type} '{name}', which has no argument for it: set it "
            f"with a transform on the component, opts=pulumi.ResourceOptions(transforms=[lambda a: "
            f"pulumi.ResourceTransformResult({{**a.props, {value}}}, a.opts) if a.type_ == \"{token}\" else None]).")
