"""The EKS version lifecycle and add-on catalogue preflight answers from data, and its one clock.

Offline, preflight answers ``aws.eks.get_cluster_versions`` (``aws:eks/getClusterVersions:getClusterVersions``)
and ``aws.eks.get_addon_version`` (``aws:eks/getAddonVersion:getAddonVersion``) from the tables it ships
in ``preflight/data/`` (each fact with its source and the date it was recorded), so a preview gives the
same answer on every machine. The support status of a version is derived from its dates on *today*:

* ``EKS_PLATFORM_TODAY`` (``YYYY-MM-DD``) when set: the one clock the stack program (``infra/lifecycle.py``),
  preflight and the policy pack read, so tests freeze the date; ``preflight --today`` sets it;
* else the current UTC date.
"""

from __future__ import annotations

import datetime
import functools
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # mockcloud imports this module; the handlers only take its objects
    from pulumi.runtime.mocks import MockCallArgs

    from .mockcloud import MockCloud

DATA = Path(__file__).resolve().parent / "data"
TODAY_ENV = "EKS_PLATFORM_TODAY"
STANDARD, EXTENDED, UNSUPPORTED = "STANDARD_SUPPORT", "EXTENDED_SUPPORT", "UNSUPPORTED"


class ClockError(ValueError):
    """``EKS_PLATFORM_TODAY`` is not a date."""


def today() -> datetime.date:
    """The day of the preview: ``EKS_PLATFORM_TODAY`` when set, else the UTC date."""
    raw = os.environ.get(TODAY_ENV, "").strip()
    if not raw:
        return datetime.datetime.now(datetime.timezone.utc).date()
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        raise ClockError(f"{TODAY_ENV}={raw!r} is not a date such as 2026-12-06") from None


@functools.cache
def _load(name: str) -> dict[str, Any]:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def versions() -> list[dict[str, Any]]:
    """The lifecycle table, newest version first."""
    return sorted(_load("eks-versions.json")["versions"], key=lambda v: minor(v["version"]), reverse=True)


def minor(version: str) -> int:
    """``"1.35"`` -> 35 (``ValueError`` for anything else)."""
    major, _, rest = version.removeprefix("v").partition(".")
    if major != "1" or not rest.split(".")[0].isdigit():
        raise ValueError(f"not a Kubernetes 1.x version: {version!r}")
    return int(rest.split(".")[0])


def entry(version: str) -> dict[str, Any] | None:
    return next((v for v in versions() if v["version"] == version), None)


def _day(value: str) -> datetime.date:
    return datetime.date.fromisoformat(value[:10])


def status(version: dict[str, Any], on: datetime.date) -> str | None:
    """The version's support status on ``on``; None before EKS released it."""
    if on < _day(version["releaseDate"]):
        return None
    if on < _day(version["endOfStandardSupport"]):
        return STANDARD
    if on < _day(version["endOfExtendedSupport"]):
        return EXTENDED
    return UNSUPPORTED


def _timestamp(day: str) -> str:
    return f"{day}T00:00:00Z"


def cluster_versions(args: dict[str, Any], on: datetime.date | None = None) -> dict[str, Any]:
    """The ``getClusterVersions`` result for these invoke arguments, on ``on`` (default: :func:`today`)."""
    on = on or today()
    released = [(v, status(v, on)) for v in versions()]
    released = [(v, s) for v, s in released if s is not None]
    default = next((v["version"] for v, s in released if s == STANDARD), None)
    only = set(args.get("clusterVersionsOnlies") or [])
    rows = []
    for v, s in released:
        if s == UNSUPPORTED and not args.get("includeAll"):
            continue
        if only and v["version"] not in only:
            continue
        if args.get("versionStatus") and args["versionStatus"] != s:
            continue
        if args.get("defaultOnly") and v["version"] != default:
            continue
        rows.append({
            "clusterType": "eks", "clusterVersion": v["version"], "controlPlaneComponentConfigs": [],
            "controlPlaneScalingTiers": [], "defaultPlatformVersion": "eks.1", "defaultVersion": v["version"] == default,
            "endOfExtendedSupportDate": _timestamp(v["endOfExtendedSupport"]),
            "endOfStandardSupportDate": _timestamp(v["endOfStandardSupport"]),
            "kubernetesPatchVersion": f"{v['version']}.0", "releaseDate": _timestamp(v["releaseDate"]),
            "versionStatus": s})
    return {**{k: v for k, v in args.items() if v is not None}, "clusterVersions": rows,
            "region": args.get("region") or "us-west-2"}


def addon_versions(addon: str, kubernetes_version: str) -> list[str]:
    """Versions of ``addon`` compatible with ``kubernetes_version``, oldest first (empty: none)."""
    catalogue = _load("eks-addon-versions.json")["addons"].get(addon, [])
    return [v["version"] for v in catalogue if kubernetes_version in v["kubernetes"]]


def known_addon(addon: str) -> bool:
    return addon in _load("eks-addon-versions.json")["addons"]


def newest_addon_version(addon: str, kubernetes_version: str) -> str | None:
    found = addon_versions(addon, kubernetes_version)
    return found[-1] if found else None


def removed_apis() -> list[dict[str, Any]]:
    """The Kubernetes deprecation guide's removed API versions."""
    return list(_load("kubernetes-removed-apis.json")["removed"])


def policy_config() -> dict[str, Any]:
    """What the lifecycle rules (A6) read from their policy config: the table and the day, as data."""
    return {"today": today().isoformat(),
            "versions": {v["version"]: {k: v[k] for k in ("releaseDate", "endOfStandardSupport", "endOfExtendedSupport")}
                         for v in versions()}}


# -- invoke handlers (registered in mockcloud) ------------------------------------------------

def _cluster_versions(cloud: MockCloud, args: MockCallArgs) -> dict[str, Any]:
    return {**cluster_versions(dict(args.args)), "region": args.args.get("region") or cloud.identity.region}


def _addon_version(cloud: MockCloud, args: MockCallArgs) -> dict[str, Any]:
    from .mockcloud import UnknownResult

    addon = str(args.args.get("addonName", ""))
    k8s = str(args.args.get("kubernetesVersion", ""))
    version = newest_addon_version(addon, k8s)
    if version is None:
        if known_addon(addon):
            raise UnknownResult(f"EKS lists no {addon} version for Kubernetes {k8s} (preflight/data/eks-addon-versions"
                                ".json)")
        from .mockcloud import addon_version  # an add-on the table does not hold: the generic EKS-shaped answer

        version = addon_version(addon, k8s or "1.35")
    return {**args.args, "version": version, "id": addon}


CALL_HANDLERS = {
    "aws:eks/getClusterVersions:getClusterVersions": _cluster_versions,
    "aws:eks/getAddonVersion:getAddonVersion": _addon_version,
}


#: The pack's rules that judge from lifecycle data in their policy config (rule A6).
LIFECYCLE_POLICIES = ("aws-eks-cluster-configure-supported-version", "aws-eks-cluster-configure-standard-support")


def with_lifecycle_config(given: dict[str, dict[str, Any]], pack_policies: set[str]) -> dict[str, dict[str, Any]]:
    """``given`` (a parsed policy config, as ``load_policy_config`` returns it) with the lifecycle table and the
    day added for the lifecycle rules the pack has, where the config does not give its own."""
    merged = dict(given)
    defaults = policy_config()
    for name in set(LIFECYCLE_POLICIES) & pack_policies:
        entry = merged.get(name, {"enforcementLevel": "", "properties": {}})
        merged[name] = {**entry, "properties": {**defaults, **entry.get("properties", {})}}
    return merged
