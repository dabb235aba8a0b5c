"""Reading policy inputs that may hold values unknown at preview, without giving up the verdict.

In a first ``pulumi preview`` every output a provider computes (IDs, ARNs, endpoints) is unknown, and
pulumi-policy raises ``UnknownValueError`` as soon as a policy reads one: the CLI then prints "can't run
policy ... during preview" and gives no verdict. Rules read only what decides them, through these helpers:

* :func:`is_set` tests presence without reading the value (``in`` on the SDK's proxies reads it): a
  value unknown at preview is one a resource of the stack computes, so it is set;
* :func:`get` returns :data:`UNKNOWN` instead of raising, so a rule can decide on what is known;
* :func:`undecided` stops a rule whose deciding value is truly made by the cloud, with a message that
  says so; the rule then decides during ``pulumi up``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError


class _Unknown:
    """A value that is only known once the resource exists."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<unknown until pulumi up>"


UNKNOWN: Any = _Unknown()


def get(mapping: Any, key: str, default: Any = None) -> Any:
    """``mapping[key]`` (``default`` when absent); :data:`UNKNOWN` when unknown at preview."""
    if mapping is UNKNOWN:
        return UNKNOWN
    if not isinstance(mapping, Mapping):
        return default
    try:
        return mapping.get(key, default)
    except UnknownValueError:
        return UNKNOWN


def mapping(value: Any) -> Any:
    """``value`` when it is a mapping (or :data:`UNKNOWN`); ``{}`` for anything else a program may pass there
    (None, a list, a string, a number): rules read objects through this and never call ``dict()`` on input."""
    return value if value is UNKNOWN or isinstance(value, Mapping) else {}


def mappings(value: Any) -> list[Any]:
    """The items of a list input that are mappings (or :data:`UNKNOWN`); nulls, scalars and nested lists are
    skipped. A single mapping where a list is usual is one item."""
    return [v for v in elements(value) if v is UNKNOWN or isinstance(v, Mapping)]


def whole_number(value: Any) -> int | None:
    """An integer input as the provider would read it: ``443``, ``443.0`` (the wire carries floats), ``"443"``,
    ``"80.0"``; ``None`` for anything that is not a finite number (``""``, ``"two"``, a list, a bool, inf)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value) if isinstance(value, float) else value
    elif isinstance(value, str) and len(value) <= 64:
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    if isinstance(number, float) and not math.isfinite(number):
        return None
    return int(number)


def parse_json(text: Any) -> Any:
    """``text`` parsed as JSON; ``None`` when it is not JSON or nests deeper than the parser can follow."""
    if not isinstance(text, (str, bytes)):
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def is_set(mapping: Any, key: str) -> bool:
    """Whether ``key`` holds a non-empty value; a value unknown at preview is one a resource computes, so set."""
    value = get(mapping, key)
    return value is UNKNOWN or bool(value)


def elements(value: Any) -> list[Any]:
    """The items of a list input, :data:`UNKNOWN` for each item unknown at preview; [] for None."""
    if value is None:
        return []
    if not isinstance(value, Sequence) or isinstance(value, (str, bytes)):
        return [value]  # a scalar, a mapping, or UNKNOWN: one item
    out = []
    for i in range(len(value)):
        try:
            out.append(value[i])
        except UnknownValueError:
            out.append(UNKNOWN)
    return out


class Undecided(UnknownValueError):
    """The deciding value is made by the cloud: no verdict at preview, the rule decides at ``pulumi up``.

    pulumi-policy reports it like any unknown ("can't run policy ... during preview: <message>").
    """

    def __init__(self, path: str, why: str) -> None:
        super().__init__(UNKNOWN_STRING_VALUE, path.split("."))
        self.message = f".{path} {why}; this rule decides it during `pulumi up`"

    def __str__(self) -> str:
        return self.message


def known(value: Any, path: str, why: str = "is computed by the cloud and unknown until the resource exists") -> Any:
    """``value`` itself; raises :class:`Undecided` naming ``path`` when it is :data:`UNKNOWN`."""
    if value is UNKNOWN:
        raise Undecided(path, why)
    return value


class Deferred:
    """Lets a rule decide every item it can before it names the first one it cannot.

    A stack policy that stops on the first unknown value loses its verdicts on every other resource. Wrap
    each item in ``with later.item():``; call :meth:`done` last, which raises the first :class:`Undecided`
    (or ``UnknownValueError``) that was held back, after every violation has been reported.
    """

    def __init__(self) -> None:
        self._first: UnknownValueError | None = None
        self.count = 0

    def item(self) -> _Held:
        return _Held(self)

    def done(self) -> None:
        if self._first is not None:
            if self.count > 1:
                self._first.message += f" ({self.count - 1} more undecided here)"
            raise self._first


class _Held:
    def __init__(self, owner: Deferred) -> None:
        self._owner = owner

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, error: Any, traceback: Any) -> bool:
        if isinstance(error, UnknownValueError):
            self._owner.count += 1
            if self._owner._first is None:
                self._owner._first = error
            return True
        return False
