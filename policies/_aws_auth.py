"""Mappings from the legacy ``kube-system/aws-auth`` ConfigMap and pulumi-eks role/user mappings."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

import yaml
from _known import UNKNOWN, Deferred, get, known, mapping, mappings

from _helpers import as_list

CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
EKS_COMPONENT = "eks:index:Cluster"


def is_aws_auth(token: str, props: Any) -> bool:
    if token != CONFIG_MAP:
        return False
    metadata = get(props, "metadata") or {}
    return get(metadata, "name") == "aws-auth" and get(metadata, "namespace") == "kube-system"


def aws_auth_mappings(props: Any, keys: tuple[str, ...] = ("mapRoles", "mapUsers"),
                      later: Deferred | None = None) -> dict[str, list[dict[str, Any]]]:
    """{"mapRoles": [...], "mapUsers": [...]} parsed from the ConfigMap's YAML strings (only ``keys``).

    With ``later``, a key whose YAML is unknown at preview (mapRoles holding a role this stack creates) is
    held back and reads as empty, so the rule still decides the other key; the rule calls ``later.done()``.
    """
    data = mapping(known(get(props, "data") or {}, "data"))
    out: dict[str, list[dict[str, Any]]] = {}
    for key in keys:
        out[key] = []
        with later.item() if later is not None else nullcontext():
            text = known(get(data, key), f"data.{key}", "is rendered from outputs of resources this stack creates "
                                                       "(role ARNs), so its mappings are unknown until they exist")
            try:
                parsed = yaml.safe_load(text) if isinstance(text, str) else []
            except (yaml.YAMLError, RecursionError):  # not YAML, or nested deeper than the parser follows
                parsed = []
            out[key] = [dict(m) for m in as_list(parsed) if isinstance(m, dict)]
    return out


def component_mappings(props: Any) -> dict[str, list[dict[str, Any]]]:
    """pulumi-eks ``roleMappings``/``userMappings`` in the aws-auth shape."""
    return {"mapRoles": [dict(m) for m in mappings(get(props, "roleMappings")) if m is not UNKNOWN],
            "mapUsers": [dict(m) for m in mappings(get(props, "userMappings")) if m is not UNKNOWN]}
