"""Tag layering: base tags, then per-resource tags, then the AWS ``Name`` tag (one owner per layer)."""

from __future__ import annotations

from collections.abc import Mapping


def merged_tags(base: Mapping[str, str], name: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return ``base | extra | {"Name": name}``."""
    return {**base, **(extra or {}), "Name": name}
