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
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import ResourceValidationArgs

from _helpers import as_list

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


@dataclass(frozen=True)
class Volume:
    device: str
    encrypted: bool | None
    kms_key_id: str | None


@dataclass(frozen=True)
class NodeView:
    http_tokens: str | None = None
    """"required" (IMDSv2), "optional", or None when unknown."""
    imds_disabled: bool = False
    hop_limit: int | None = None
    public_ip: bool | None = None
    volumes: list[Volume] = field(default_factory=list)
    ssh_key: str | None = None
    user_data: str = ""
    """Decoded user data plus extra bootstrap/kubelet arguments, for secret scanning."""


def _decode(data: Any) -> str:
    if not data:
        return ""
    text = str(data)
    try:
        return base64.b64decode(text, validate=True).decode("utf-8", errors="replace")
    except (binascii.Error, ValueError):
        return text


def node_view(args: ResourceValidationArgs) -> NodeView | None:
    p: Any = args.props
    t = args.resource_type
    if t in (LAUNCH_TEMPLATE, LAUNCH_CONFIGURATION, INSTANCE):
        meta = p.get("metadataOptions") or {}
        volumes: list[Volume] = []
        if t == LAUNCH_TEMPLATE:
            for m in as_list(p.get("blockDeviceMappings")):
                ebs = m.get("ebs") or {}
                if ebs or not m.get("virtualName"):
                    volumes.append(Volume(str(m.get("deviceName") or "?"), truthy(ebs.get("encrypted")) or False,
                                          ebs.get("kmsKeyId")))
            public = any(truthy(n.get("associatePublicIpAddress")) for n in as_list(p.get("networkInterfaces")))
        else:
            root = p.get("rootBlockDevice")
            if root is not None or t == LAUNCH_CONFIGURATION:
                root = root or {}
                volumes.append(Volume("root", truthy(root.get("encrypted")) or False, root.get("kmsKeyId")))
            for d in as_list(p.get("ebsBlockDevices")):
                volumes.append(Volume(str(d.get("deviceName") or "?"), truthy(d.get("encrypted")) or False,
                                      d.get("kmsKeyId")))
            public = bool(truthy(p.get("associatePublicIpAddress")))
        hop = meta.get("httpPutResponseHopLimit")
        return NodeView(
            http_tokens=str(meta.get("httpTokens") or "optional"),
            imds_disabled=str(meta.get("httpEndpoint") or "enabled") == "disabled",
            hop_limit=int(hop) if hop is not None else None,
            public_ip=public, volumes=volumes, ssh_key=p.get("keyName"), user_data=_decode(p.get("userData")))
    if t in EKS_NODE_COMPONENTS:
        if not p:
            args.not_applicable(f"{t} inputs are empty (remote component); its launch template is checked instead")
        encrypted = p.get("nodeRootVolumeEncrypted", p.get("encryptRootBlockDevice"))
        imds = p.get("enableIMDSv2", p.get("enableImdSv2"))
        extra = " ".join(str(p.get(k) or "") for k in ("bootstrapExtraArgs", "kubeletExtraArgs"))
        return NodeView(
            http_tokens=None if imds is None else ("required" if imds else "optional"),
            hop_limit=2 if imds else None,  # pulumi-eks enableIMDSv2 sets the hop limit to 2
            public_ip=truthy(p.get("nodeAssociatePublicIpAddress")),
            volumes=[] if encrypted is None else [Volume("root", bool(encrypted), None)],
            ssh_key=p.get("nodePublicKey") or p.get("keyName"),
            user_data=(_decode(p.get("nodeUserData") or p.get("userData")) + " " + extra).strip())
    return None
