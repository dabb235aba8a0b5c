"""Reading IAM policy documents from policy inputs (a JSON string or an object)."""

from __future__ import annotations

import json
from typing import Any

from _known import UNKNOWN, known

from _helpers import as_list


def statements(document: Any, path: str = "policy") -> list[dict[str, Any]]:
    """The statements of a policy document; [] when absent or not parseable.

    A document rendered from outputs that are unknown at preview (an ``apply`` on a new resource's ARN)
    cannot be read until ``pulumi up``: that raises ``Undecided`` naming ``path``. Build documents from
    values the program knows (names, partition, region and account from invokes) to get a verdict at preview.
    """
    if document is None:
        return []
    known(document, path, "is rendered from outputs of resources this stack creates (an apply), so its "
                          "statements are unknown until they exist")
    if document is UNKNOWN:
        return []
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return []
    return [dict(s) for s in as_list(document.get("Statement"))] if hasattr(document, "get") else []


def values(statement: dict[str, Any], key: str) -> list[str]:
    return [str(v) for v in as_list(statement.get(key))]


def principals(statement: dict[str, Any]) -> dict[str, list[str]]:
    """Principal block as {type: [ids]}; a bare "*" becomes {"*": ["*"]}."""
    principal = statement.get("Principal")
    if principal is None:
        return {}
    if isinstance(principal, str):
        return {"*": [principal]}
    return {str(k): [str(v) for v in as_list(v)] for k, v in dict(principal).items()}
