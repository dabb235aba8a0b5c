"""Following property dependencies from a resource to the resources that decide a rule.

At the first preview a reference to another resource of the stack (a key ARN, a subnet ID, a role ARN) is
unknown, but the engine tells stack policies which resources each property depends on. The decision then
moves to the referenced resource's own inputs, which the program wrote and the preview knows: the key's
rotation, the subnet's public-IP mapping, the role's trust. Written once here, for every rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

#: Resources that stand for another one: follow their own property to reach it (an alias names its key).
_THROUGH = {"aws:kms/alias:Alias": "targetKeyId"}


def referenced(resource: Any, prop: str, *tokens: str) -> list[Any]:
    """The resources of type ``tokens`` (any type when none) that ``resource``'s ``prop`` refers to.

    Follows pass-through resources (a KMS alias to its key). Order is the engine's, without repeats.
    """
    found: dict[str, Any] = {}
    pending = list(resource.property_dependencies.get(prop, []))
    seen: set[str] = set()
    while pending:
        dep = pending.pop(0)
        if dep.urn in seen:
            continue
        seen.add(dep.urn)
        if not tokens or dep.resource_type in tokens:
            found.setdefault(dep.urn, dep)
        through = _THROUGH.get(dep.resource_type)
        if through is not None:
            pending += dep.property_dependencies.get(through, [])
    return list(found.values())


def referrers(resources: Iterable[Any], target: Any, prop: str, *tokens: str) -> list[Any]:
    """The resources (of type ``tokens``) whose ``prop`` refers to ``target``."""
    return [r for r in resources if (not tokens or r.resource_type in tokens)
            and any(d.urn == target.urn for d in referenced(r, prop))]
