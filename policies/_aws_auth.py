"""Mappings from the legacy ``kube-system/aws-auth`` ConfigMap and pulumi-eks role/user mappings."""

from __future__ import annotations

from typing import Any

import yaml
from _known import get, known

from _helpers import as_list

CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
EKS_COMPONENT = "eks:index:Cluster"


def is_aws_auth(token: str, props: Any) -> bool:
    if token != CONFIG_MAP:
        return False
    metadata = get(props, "metadata") or {}
    return get(metadata, "name") == "aws-auth" and get(metadata, "namespace") == "kube-system"


def aws_auth_mappings(props: Any) -> dict[str, list[dict[str, Any]]]:
    """{"mapRoles": [...], "mapUsers": [...]} parsed from the ConfigMap's YAML strings."""
    data = known(get(props, "data") or {}, "data")
    out: dict[str, list[dict[str, Any]]] = {}
    for key in ("mapRoles", "mapUsers"):
        text = known(get(data, key), f"data.{key}", "is rendered from outputs of resources this stack creates "
                                                   "(role ARNs), so its mappings are unknown until they exist")
        try:
            parsed = yaml.safe_load(str(text or "[]")) or []
        except yaml.YAMLError:
            parsed = []
        out[key] = [dict(m) for m in parsed if isinstance(m, dict)]
    return out


def component_mappings(props: Any) -> dict[str, list[dict[str, Any]]]:
    """pulumi-eks ``roleMappings``/``userMappings`` in the aws-auth shape."""
    return {"mapRoles": [dict(m) for m in as_list(props.get("roleMappings"))],
            "mapUsers": [dict(m) for m in as_list(props.get("userMappings"))]}
