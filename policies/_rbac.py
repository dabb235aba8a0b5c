"""Reading Kubernetes RBAC objects (and their server-side-apply Patch variants) from policy inputs.

:func:`grants` answers "does this role grant verb V on resource R of API group G?" across every rule of the
role, counting wildcards as the API server's authorizer does; the I-rules that look for one dangerous
permission (pod creation, exec, webhook writes ...) all ask it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from _known import UNKNOWN, elements, get, known, mapping

_RBAC = "kubernetes:rbac.authorization.k8s.io/v1:"
ROLES = {_RBAC + k for k in ("ClusterRole", "Role", "ClusterRolePatch", "RolePatch")}
BINDINGS = {_RBAC + k for k in ("ClusterRoleBinding", "RoleBinding", "ClusterRoleBindingPatch", "RoleBindingPatch")}


def kind(token: str) -> str:
    return token.rsplit(":", 1)[-1].removesuffix("Patch")


def object_name(props: Any, fallback: str) -> str:
    """``metadata.name``, or the Pulumi resource name when it is unset (auto-named) or unknown."""
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
    out = []
    for i, subject in enumerate(elements(known(get(props, "subjects"), "subjects"))):
        subject = known(subject, f"subjects[{i}]")
        if isinstance(subject, Mapping):  # null entries and nested lists name nobody (the API server refuses them)
            out.append({str(k): str(known(get(subject, k), f"subjects[{i}].{k}")) for k in subject})
    return out


def role_ref(props: Any) -> dict[str, str]:
    ref = mapping(known(get(props, "roleRef") or {}, "roleRef"))
    return {str(k): str(known(get(ref, k), f"roleRef.{k}")) for k in ref}


# What a rule grants, as the Kubernetes RBAC authorizer decides it (rbac/v1 ``RuleAllows``): ``"*"`` in
# apiGroups, resources or verbs matches everything, ``"*/<sub>"`` matches that subresource of any resource,
# and a resource never implies its subresources (``pods`` does not grant ``pods/exec``).
ALL = "*"


@dataclass(frozen=True)
class Rule:
    """One entry of a Role's or ClusterRole's ``rules``."""

    index: int
    api_groups: tuple[str, ...]
    resources: tuple[str, ...]
    verbs: tuple[str, ...]
    resource_names: tuple[str, ...]

    def matches_group(self, group: str) -> bool:
        return ALL in self.api_groups or group in self.api_groups

    def matches_resource(self, resource: str) -> bool:
        """``resource`` is ``pods`` or ``pods/exec``; ``*`` and ``*/exec`` count."""
        if ALL in self.resources or resource in self.resources:
            return True
        _, _, sub = resource.partition("/")
        return bool(sub) and f"*/{sub}" in self.resources

    def grants(self, group: str, resource: str, verbs: Iterable[str] | None = None) -> tuple[str, ...]:
        """The verbs of ``verbs`` (every verb when None) this rule grants on ``resource`` in API ``group``,
        counting wildcards; empty when it grants none of them. ``resourceNames`` narrow a grant to named
        objects but never remove it: callers that accept named access check :attr:`resource_names`."""
        if not (self.matches_group(group) and self.matches_resource(resource)):
            return ()
        if verbs is None:
            return self.verbs
        return tuple(v for v in verbs if ALL in self.verbs or v in self.verbs)


def role_rules(props: Any) -> list[Rule]:
    """Every rule of a Role or ClusterRole (or their Patch variants); a value unknown at preview raises
    ``Undecided`` naming its path."""
    out = []
    for i, rule in enumerate(elements(known(get(props, "rules"), "rules"))):
        fields = [tuple(_strings(rule, key, f"rules[{i}].{key}"))
                  for key in ("apiGroups", "resources", "verbs", "resourceNames")]
        out.append(Rule(i, *fields))
    return out


@dataclass(frozen=True)
class Access:
    """Something a rule may grant: ``verbs`` (None: any verb) on ``resource`` of API ``group``."""

    group: str
    resource: str
    verbs: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Grant:
    """A rule of the role granting ``verbs`` on ``resource``."""

    rule: int
    resource: str
    verbs: tuple[str, ...]

    def __str__(self) -> str:
        return f"{'/'.join(self.verbs)} on {self.resource} (rule {self.rule})"


def grants(props: Any, wanted: Iterable[Access]) -> list[Grant]:
    """Every grant of ``wanted`` across every rule of the role, in rule order, wildcards counted."""
    wanted = list(wanted)
    found = []
    for rule in role_rules(props):
        for access in wanted:
            verbs = rule.grants(access.group, access.resource, access.verbs)
            if verbs:
                found.append(Grant(rule.index, access.resource, verbs))
    return found


def describe(grants_found: Iterable[Grant]) -> str:
    """``create on pods/exec (rule 0), get on nodes/proxy (rule 2)``."""
    return ", ".join(str(g) for g in grants_found)
