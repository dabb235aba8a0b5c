"""Reading IAM policy documents from policy inputs (a JSON string or an object).

Every form IAM accepts reads the same (``Statement`` an object or a list; ``Action``/``Resource`` a string or a
list; ``Principal`` ``"*"`` or a map of strings or lists). What IAM refuses still reads without an exception:
a document that is not JSON (or nests deeper than the parser follows) has no statements, entries of
``Statement`` that are not objects are skipped, and a ``Principal`` that is a list or a number is read like a
bare principal.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from _known import UNKNOWN, known, parse_json

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
        document = parse_json(document)
    if not isinstance(document, Mapping):
        return []
    return [dict(s) for s in as_list(document.get("Statement")) if isinstance(s, Mapping)]


def values(statement: dict[str, Any], key: str) -> list[str]:
    return [str(v) for v in as_list(statement.get(key))]


def principals(statement: dict[str, Any]) -> dict[str, list[str]]:
    """Principal block as {type: [ids]}; a bare "*" becomes {"*": ["*"]}."""
    principal = statement.get("Principal")
    if principal is None:
        return {}
    if not isinstance(principal, Mapping):  # "*", or what IAM refuses (a list, a number): a bare principal
        return {"*": [str(v) for v in as_list(principal)]}
    return {str(k): [str(v) for v in as_list(v)] for k, v in principal.items()}


def conditions(statement: dict[str, Any]) -> dict[str, dict[str, list[str]]]:
    """The Condition block as {operator: {key: [values]}}; a value may be a string or a list. Operators or keys
    that are not objects (which IAM refuses) are left out."""
    block = statement.get("Condition")
    if not isinstance(block, Mapping):
        return {}
    return {str(op): {str(k): [str(v) for v in as_list(v)] for k, v in keys.items()}
            for op, keys in block.items() if isinstance(keys, Mapping)}
