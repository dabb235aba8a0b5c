"""Reading Kubernetes RBAC objects (and their server-side-apply Patch variants) from policy inputs."""

from __future__ import annotations

from typing import Any

from _helpers import as_list

_RBAC = "kubernetes:rbac.authorization.k8s.io/v1:"
ROLES = {_RBAC + k for k in ("ClusterRole", "Role", "ClusterRolePatch", "RolePatch")}
BINDINGS = {_RBAC + k for k in ("ClusterRoleBinding", "RoleBinding", "ClusterRoleBindingPatch", "RoleBindingPatch")}


def kind(token: str) -> str:
    return token.rsplit(":", 1)[-1].removesuffix("Patch")


def object_name(props: Any, fallback: str) -> str:
    return str((props.get("metadata") or {}).get("name") or fallback)


def rules(props: Any) -> list[tuple[int, list[str], list[str], list[str]]]:
    """(index, apiGroups, resources, verbs) of each rule of a Role or ClusterRole."""
    out = []
    for i, rule in enumerate(as_list(props.get("rules"))):
        out.append((i, [str(g) for g in as_list(rule.get("apiGroups"))],
                    [str(r) for r in as_list(rule.get("resources"))], [str(v) for v in as_list(rule.get("verbs"))]))
    return out


def subjects(props: Any) -> list[dict[str, str]]:
    return [{k: str(v) for k, v in s.items()} for s in as_list(props.get("subjects"))]


def role_ref(props: Any) -> dict[str, str]:
    return {k: str(v) for k, v in (props.get("roleRef") or {}).items()}
