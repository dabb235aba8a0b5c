"""Reading Kubernetes RBAC objects (and their server-side-apply Patch variants) from policy inputs."""

from __future__ import annotations

from typing import Any

from _known import UNKNOWN, elements, get, known

_RBAC = "kubernetes:rbac.authorization.k8s.io/v1:"
ROLES = {_RBAC + k for k in ("ClusterRole", "Role", "ClusterRolePatch", "RolePatch")}
BINDINGS = {_RBAC + k for k in ("ClusterRoleBinding", "RoleBinding", "ClusterRoleBindingPatch", "RoleBindingPatch")}


def kind(token: str) -> str:
    return token.rsplit(":", 1)[-1].removesuffix("Patch")


def object_name(props: Any, fallback: str) -> str:
    name = get(get(props, "metadata") or {}, "name")
    return fallback if name is UNKNOWN else str(name or fallback)


def rules(props: Any) -> list[tuple[int, list[str], list[str], list[str]]]:
    """(index, apiGroups, resources, verbs) of each rule of a Role or ClusterRole."""
    out = []
    for i, rule in enumerate(elements(known(get(props, "rules"), "rules"))):
        out.append((i, *(_strings(rule, key, f"rules[{i}].{key}") for key in ("apiGroups", "resources", "verbs"))))
    return out


def _strings(holder: Any, key: str, path: str) -> list[str]:
    return [str(known(v, path)) for v in elements(known(get(holder, key), path))]


def subjects(props: Any) -> list[dict[str, str]]:
    return [{k: str(known(get(s, k), f"subjects[{i}].{k}")) for k in s}
            for i, s in enumerate(elements(known(get(props, "subjects"), "subjects")))]


def role_ref(props: Any) -> dict[str, str]:
    ref = known(get(props, "roleRef") or {}, "roleRef")
    return {k: str(known(get(ref, k), f"roleRef.{k}")) for k in ref}
