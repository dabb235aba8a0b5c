"""One view of how worker nodes are launched, whichever resource shape declares it.

Shapes: ``aws:ec2/launchTemplate:LaunchTemplate`` (booleans as strings, see pulumi-aws#2257),
``aws:ec2/launchConfiguration:LaunchConfiguration``, ``aws:ec2/instance:Instance`` and the inputs of the
pulumi-eks components ``eks:index:NodeGroupV2``/``NodeGroup``/``ManagedNodeGroup`` (remote: empty inputs
in a real preview, which are not applicable; their launch-template children are checked instead).
``None`` in a field means the shape cannot say, so the rule stays silent for it.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from _known import elements, get, is_set, known, whole_number
from pulumi_policy import ResourceValidationArgs

LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
LAUNCH_CONFIGURATION = "aws:ec2/launchConfiguration:LaunchConfiguration"
INSTANCE = "aws:ec2/instance:Instance"
EKS_NODE_COMPONENTS = {"eks:index:NodeGroupV2", "eks:index:NodeGroup", "eks:index:ManagedNodeGroup"}


def truthy(value: Any) -> bool | None:
    """pulumi-aws launch-template booleans are strings; normalise "true"/"false" and real booleans."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    return str(value).lower() == "true"


def _decode(data: Any) -> str:
    if not data:
        return ""
    text = str(data)
    try:
        return base64.b64decode(text, validate=True).decode("utf-8", errors="replace")
    except (binascii.Error, ValueError):
        return text


class Volume:
    """One block device; its settings are read when a rule asks (a first preview may not know the key)."""

    def __init__(self, device: str, settings: Any, path: str) -> None:
        self.device = device
        self._settings = settings
        self._path = path

    @property
    def encrypted(self) -> bool:
        return truthy(known(get(self._settings, "encrypted"), f"{self._path}.encrypted")) or False

    @property
    def has_kms_key(self) -> bool:
        """Presence decides: a key ARN unknown at preview is one this stack creates."""
        return is_set(self._settings, "kmsKeyId")

    @property
    def kms_key_id(self) -> Any:
        """The key, or :data:`_known.UNKNOWN` at preview when this stack creates it."""
        return get(self._settings, "kmsKeyId")


class NodeView:
    """How nodes are launched; each setting is read only when a rule asks for it."""

    def __init__(self, props: Any, token: str) -> None:
        self._p = props
        self._t = token

    @property
    def _component(self) -> bool:
        return self._t in EKS_NODE_COMPONENTS

    def _meta(self, key: str) -> Any:
        return known(get(known(get(self._p, "metadataOptions") or {}, "metadataOptions"), key),
                     f"metadataOptions.{key}")

    @property
    def http_tokens(self) -> str | None:
        """"required" (IMDSv2), "optional", or None when the shape cannot say."""
        if self._component:
            imds = self._imds
            return None if imds is None else ("required" if imds else "optional")
        return str(self._meta("httpTokens") or "optional")

    @property
    def _imds(self) -> Any:
        p = self._p
        return known(get(p, "enableIMDSv2", get(p, "enableImdSv2")), "enableIMDSv2")

    @property
    def imds_disabled(self) -> bool:
        return not self._component and str(self._meta("httpEndpoint") or "enabled") == "disabled"

    @property
    def hop_limit(self) -> int | None:
        if self._component:
            return 2 if self._imds else None  # pulumi-eks enableIMDSv2 sets the hop limit to 2
        hop = self._meta("httpPutResponseHopLimit")
        return whole_number(hop)  # a value that is not a number ("two") reads as unset

    @property
    def public_ip(self) -> bool | None:
        p, t = self._p, self._t
        if self._component:
            return truthy(known(get(p, "nodeAssociatePublicIpAddress"), "nodeAssociatePublicIpAddress"))
        if t == LAUNCH_TEMPLATE:
            interfaces = known(get(p, "networkInterfaces"), "networkInterfaces")
            return any(truthy(known(get(n, "associatePublicIpAddress"),
                                    f"networkInterfaces[{i}].associatePublicIpAddress"))
                       for i, n in enumerate(elements(interfaces)))
        return bool(truthy(known(get(p, "associatePublicIpAddress"), "associatePublicIpAddress")))

    @property
    def volumes(self) -> list[Volume]:
        p, t = self._p, self._t
        if self._component:
            encrypted = known(get(p, "nodeRootVolumeEncrypted", get(p, "encryptRootBlockDevice")),
                              "nodeRootVolumeEncrypted")
            return [] if encrypted is None else [Volume("root", {"encrypted": bool(encrypted)}, "nodeRootVolumeEncrypted")]
        volumes: list[Volume] = []
        if t == LAUNCH_TEMPLATE:
            mappings = known(get(p, "blockDeviceMappings"), "blockDeviceMappings")
            for i, m in enumerate(elements(mappings)):
                ebs = known(get(m, "ebs") or {}, f"blockDeviceMappings[{i}].ebs")
                if ebs or not get(m, "virtualName"):
                    volumes.append(Volume(str(get(m, "deviceName") or "?"), ebs, f"blockDeviceMappings[{i}].ebs"))
            if not volumes:  # the root volume is the AMI's own: unencrypted unless its snapshot is
                volumes.append(Volume("root (implicit: no blockDeviceMappings, so the AMI's default)", {},
                                      "blockDeviceMappings"))
            return volumes
        # An instance or launch configuration always has a root volume: left out, it is unencrypted (unless
        # the account encrypts EBS by default, which a program cannot see).
        root = known(get(p, "rootBlockDevice"), "rootBlockDevice")
        volumes.append(Volume("root" if root is not None else "root (implicit: no rootBlockDevice)", root or {},
                              "rootBlockDevice"))
        for i, d in enumerate(elements(known(get(p, "ebsBlockDevices"), "ebsBlockDevices"))):
            volumes.append(Volume(str(get(d, "deviceName") or "?"), d, f"ebsBlockDevices[{i}]"))
        return volumes

    @property
    def ssh_key(self) -> str | None:
        p = self._p
        if self._component:
            return known(get(p, "nodePublicKey"), "nodePublicKey") or known(get(p, "keyName"), "keyName")
        return known(get(p, "keyName"), "keyName")

    @property
    def user_data(self) -> str:
        """Decoded user data plus extra bootstrap/kubelet arguments, for secret scanning."""
        p = self._p
        if self._component:
            data = known(get(p, "nodeUserData"), "nodeUserData") or known(get(p, "userData"), "userData")
            extra = " ".join(str(known(get(p, k), k) or "") for k in ("bootstrapExtraArgs", "kubeletExtraArgs"))
            return (_decode(data) + " " + extra).strip()
        return _decode(known(get(p, "userData"), "userData"))


def node_view(args: ResourceValidationArgs) -> NodeView | None:
    t = args.resource_type
    if t in (LAUNCH_TEMPLATE, LAUNCH_CONFIGURATION, INSTANCE):
        return NodeView(args.props, t)
    if t in EKS_NODE_COMPONENTS:
        if not args.props:
            args.not_applicable(f"{t} inputs are empty (remote component); its launch template is checked instead")
        return NodeView(args.props, t)
    return None
