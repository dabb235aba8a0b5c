"""Small helpers shared by the pack's policies: reading pulumi-aws input shapes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from _known import get, known, whole_number

WORLD_CIDRS = frozenset({"0.0.0.0/0", "::/0"})


def as_list(value: Any) -> list[Any]:
    """``None`` -> ``[]``; a scalar -> ``[scalar]``; a sequence (policy SDK list proxies too) -> a list."""
    if value is None:
        return []
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return list(value)
    return [value]


def world_cidrs(values: Iterable[Any]) -> list[str]:
    """The entries of ``values`` that mean "the whole internet"."""
    return [str(v) for v in values if str(v) in WORLD_CIDRS]


def port_range(rule: Mapping[str, Any]) -> tuple[int, int, str]:
    """(from, to, protocol) of a security group rule; protocol ``-1`` means all ports."""
    protocol = str(known(get(rule, "protocol", get(rule, "ipProtocol", "-1")), "protocol"))
    if protocol in ("-1", "all"):
        return 0, 65535, "all"
    low = whole_number(known(get(rule, "fromPort"), "fromPort")) or 0
    high = whole_number(known(get(rule, "toPort"), "toPort")) or low
    return low, high, protocol


def describe_ports(low: int, high: int, protocol: str) -> str:
    if protocol == "all":
        return "all ports"
    return f"port {low}/{protocol}" if low == high else f"ports {low}-{high}/{protocol}"
