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


# Policy config values are validated for meaning by their JSON schemas, by the CLI (gojsonschema, RE2 patterns)
# and by preflight (jsonschema) alike; these patterns are written for both regular-expression dialects.
_OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
#: An IPv4 or IPv6 network in CIDR notation ("10.0.0.0/8", "2001:db8::/32").
CIDR_PATTERN = (rf"^({_OCTET}\.){{3}}{_OCTET}/(3[0-2]|[12]?[0-9])$"
                r"|^[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*/(12[0-8]|1[01][0-9]|[1-9]?[0-9])$")
#: The start of an image reference: a registry host, optionally a repository path ("123456789012.dkr.ecr.",
#: "public.ecr.aws/eks-distro/"); never empty (an empty prefix approves every image).
IMAGE_PREFIX_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9.:/_@-]*$"
#: A Kubernetes minor version as EKS names it ("1.33").
K8S_VERSION_PATTERN = r"^1\.[0-9]{1,3}$"


def pattern_item(pattern: str, description: str) -> dict[str, str]:
    """A string item schema with ``pattern``; ``description`` says in words what matches (preflight shows it)."""
    return {"type": "string", "pattern": pattern, "description": description}
