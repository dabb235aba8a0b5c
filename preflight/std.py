"""The pulumi-std functions (``std:index:<name>``) that have one answer without a cloud, computed offline.

They are pure functions of their arguments (or of a local file, read as the real provider reads it), so a
real preview gets the same result. Functions whose answer changes between runs (``timestamp``, ``uuid``)
and anything not listed here are unknown, as an invoke is when preflight cannot answer it.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import math
import os
import re
from collections.abc import Callable
from typing import Any

PREFIX = "std:index:"


def _cidrsubnet(prefix: str, newbits: int, netnum: int) -> str:
    net = ipaddress.ip_network(prefix, strict=False)
    return str(list(net.subnets(prefixlen_diff=int(newbits)))[int(netnum)])


def _cidrsubnets(prefix: str, newbits: list[int]) -> list[str]:
    net = ipaddress.ip_network(prefix, strict=False)
    out, cursor = [], int(net.network_address)
    for bits in newbits:
        size = 2 ** (net.max_prefixlen - net.prefixlen - int(bits))
        cursor = -(-cursor // size) * size  # align to the subnet size
        out.append(str(ipaddress.ip_network((cursor, net.prefixlen + int(bits)))))
        cursor += size
    return out


def _replace(text: str, search: str, replace: str) -> str:
    if len(search) > 1 and search.startswith("/") and search.endswith("/"):
        return re.sub(search[1:-1], re.sub(r"\$\{?(\d+)\}?", r"\\\1", replace), text)
    return text.replace(search, replace)


def _read(path: str, binary: bool = False) -> Any:
    with open(os.path.expanduser(path), "rb" if binary else "r") as f:
        return f.read()


def _hex(algorithm: str) -> Callable[[dict[str, Any]], str]:
    return lambda a: hashlib.new(algorithm, str(a["input"]).encode()).hexdigest()


_FUNCTIONS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "abs": lambda a: abs(a["input"]),
    "base64encode": lambda a: base64.b64encode(str(a["input"]).encode()).decode(),
    "base64decode": lambda a: base64.b64decode(str(a["input"])).decode(),
    "base64sha256": lambda a: base64.b64encode(hashlib.sha256(str(a["input"]).encode()).digest()).decode(),
    "basename": lambda a: os.path.basename(str(a["input"])),
    "ceil": lambda a: math.ceil(a["input"]),
    "chomp": lambda a: re.sub(r"[\r\n]+$", "", str(a["input"])),
    "cidrhost": lambda a: str(ipaddress.ip_network(a["input"], strict=False)[int(a["host"])]),
    "cidrnetmask": lambda a: str(ipaddress.ip_network(a["input"], strict=False).netmask),
    "cidrsubnet": lambda a: _cidrsubnet(a["input"], a["newbits"], a["netnum"]),
    "cidrsubnets": lambda a: _cidrsubnets(a["input"], a["newbits"]),
    "coalesce": lambda a: next((v for v in a["input"] if v not in (None, "")), None),
    "compact": lambda a: [v for v in a["input"] if v not in (None, "")],
    "concat": lambda a: [v for part in a["input"] for v in part],
    "contains": lambda a: a["element"] in a["input"],
    "dirname": lambda a: os.path.dirname(str(a["input"])),
    "distinct": lambda a: [json.loads(v) for v in dict.fromkeys(json.dumps(x, sort_keys=True) for x in a["input"])],
    "element": lambda a: a["input"][int(a["index"]) % len(a["input"])],
    "endswith": lambda a: str(a["input"]).endswith(str(a["suffix"])),
    "file": lambda a: _read(str(a["input"])),
    "filebase64": lambda a: base64.b64encode(_read(str(a["input"]), binary=True)).decode(),
    "floor": lambda a: math.floor(a["input"]),
    "join": lambda a: str(a["separator"]).join(str(v) for v in a["input"]),
    "jsondecode": lambda a: json.loads(str(a["input"])),
    "jsonencode": lambda a: json.dumps(a["input"], separators=(",", ":")),
    "keys": lambda a: sorted(a["input"]),
    "length": lambda a: len(a["input"]),
    "lower": lambda a: str(a["input"]).lower(),
    "upper": lambda a: str(a["input"]).upper(),
    "lookup": lambda a: a["map"].get(a["key"], a.get("default")),
    "max": lambda a: max(a["input"]),
    "min": lambda a: min(a["input"]),
    "md5": _hex("md5"),
    "sha1": _hex("sha1"),
    "sha256": _hex("sha256"),
    "sha512": _hex("sha512"),
    "merge": lambda a: {k: v for part in a["input"] for k, v in part.items()},
    "range": lambda a: list(range(int(a.get("start") or 0), int(a["limit"]), int(a.get("step") or 1))),
    "replace": lambda a: _replace(str(a["text"]), str(a["search"]), str(a["replace"])),
    "reverse": lambda a: list(reversed(a["input"])),
    "sort": lambda a: sorted(str(v) for v in a["input"]),
    "split": lambda a: str(a["text"]).split(str(a["separator"])),
    "startswith": lambda a: str(a["input"]).startswith(str(a["prefix"])),
    "substr": lambda a: str(a["input"])[int(a["offset"]):][:None if int(a["length"]) < 0 else int(a["length"])],
    "title": lambda a: str(a["input"]).title(),
    "tolist": lambda a: list(a["input"]),
    "tostring": lambda a: str(a["input"]),
    "trim": lambda a: str(a["input"]).strip(str(a["cutset"])),
    "trimprefix": lambda a: str(a["input"]).removeprefix(str(a["prefix"])),
    "trimsuffix": lambda a: str(a["input"]).removesuffix(str(a["suffix"])),
    "trimspace": lambda a: str(a["input"]).strip(),
    "values": lambda a: [a["input"][k] for k in sorted(a["input"])],
    "zipmap": lambda a: dict(zip(a["keys"], a["values"], strict=False)),
}


class NoAnswer(Exception):
    """The function has no fixed answer offline (or its arguments are wrong for it)."""


def call(token: str, args: dict[str, Any]) -> dict[str, Any]:
    """The invoke's result (``{"result": ...}``), or :class:`NoAnswer`."""
    function = _FUNCTIONS.get(token.removeprefix(PREFIX))
    if function is None:
        raise NoAnswer(f"{token} has no fixed answer offline")
    try:
        return {"result": function(args)}
    except (KeyError, TypeError, ValueError, IndexError, OSError) as exc:
        raise NoAnswer(f"{token} failed offline: {exc}") from None
