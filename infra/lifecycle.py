"""The stack's Kubernetes version against the EKS version lifecycle, read at every preview.

The program reads the lifecycle with the ``aws.eks.get_cluster_versions`` invoke (offline, preflight answers
it from ``preflight/data/eks-versions.json``): no list of versions lives in the code. On the day of the
preview (``EKS_PLATFORM_TODAY`` when set, the one clock preflight and the tests set too; else the UTC date):

* a version EKS does not list, or past its end of extended support, is refused;
* a version past its end of standard support is refused unless the stack chose ``supportType: EXTENDED``
  (paid extended support), with the date it left standard support;
* within ``supportWarningDays`` of an end of support, the preview warns (``pulumi.log.warn``: a warning
  diagnostic under ``pulumi preview``, and under "Diagnostics" in preflight's report).

:func:`check_lifecycle` is pure: tests give it rows and a date.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Mapping, Sequence
from typing import Any

TODAY_ENV = "EKS_PLATFORM_TODAY"
KEY = "eks-platform:kubernetesVersion"
SUPPORT_KEY = "eks-platform:supportType"


def today() -> datetime.date:
    """The day of the preview: ``EKS_PLATFORM_TODAY`` (``YYYY-MM-DD``) when set, else the UTC date."""
    raw = os.environ.get(TODAY_ENV, "").strip()
    if not raw:
        return datetime.datetime.now(datetime.timezone.utc).date()
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        from infra.config import ConfigError

        raise ConfigError(f"{TODAY_ENV}={raw!r} is not a date such as 2026-12-06 (it sets the day of the preview "
                          "for the version lifecycle check); unset it or fix it") from None


def _day(value: Any) -> datetime.date | None:
    """The UTC day of an EKS date: the API gives timestamps, sometimes with an offset (``2025-11-25T16:00:00-08:00``
    is 2025-11-26, the day the EKS calendar names)."""
    text = str(value or "").replace("Z", "+00:00")
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.timezone.utc)
    return moment.date()


def _days(delta: datetime.timedelta) -> str:
    return "1 day" if delta.days == 1 else f"{delta.days} days"


def _minor(version: str) -> int:
    return int(version.split(".")[1])


def check_lifecycle(version: str, support_type: str, rows: Sequence[Mapping[str, Any]], on: datetime.date,
                    warning_days: int) -> tuple[list[str], list[str]]:
    """(errors, warnings) for running ``version`` with ``support_type`` on ``on``.

    ``rows`` are ``getClusterVersions`` ``clusterVersions`` entries (camelCase, as the invoke returns them).
    """
    by_version = {str(r.get("clusterVersion")): r for r in rows}
    offered = sorted(by_version, key=_minor)
    row = by_version.get(version)
    if row is None:
        listed = ", ".join(offered) or "none"
        return [f"{KEY}: \"{version}\" is not a version EKS offers (aws.eks.get_cluster_versions lists {listed}); "
                "use one in standard support"], []
    end_standard = _day(row.get("endOfStandardSupportDate"))
    end_extended = _day(row.get("endOfExtendedSupportDate"))
    newer = [v for v in offered if _minor(v) > _minor(version)]
    step = f"upgrade to {newer[0]} (one minor version at a time)" if newer else "upgrade"
    errors: list[str] = []
    warnings: list[str] = []
    if end_extended is not None and on >= end_extended:
        errors.append(f"{KEY}: \"{version}\" left EKS extended support on {end_extended}; EKS upgrades such clusters "
                      f"itself and creates none: {step}")
    elif end_standard is not None and on >= end_standard:
        if support_type != "EXTENDED":
            errors.append(f"{KEY}: \"{version}\" left EKS standard support on {end_standard} (today is {on}); "
                          f"{step}, or set {SUPPORT_KEY}: EXTENDED to stay on it in paid extended support until "
                          f"{end_extended}")
        else:
            warnings.append(f"{KEY}: \"{version}\" is in paid EKS extended support since {end_standard} "
                            f"({SUPPORT_KEY}: EXTENDED), until {end_extended}; {step}")
            if end_extended is not None and (end_extended - on).days <= warning_days:
                warnings.append(f"{KEY}: \"{version}\" leaves EKS extended support on {end_extended}, in "
                                f"{_days(end_extended - on)}; EKS then upgrades the control plane itself: {step}")
    elif end_standard is not None and (end_standard - on).days <= warning_days:
        then = ("the cluster moves to paid extended support" if support_type == "EXTENDED" else
                "EKS upgrades the control plane itself (supportType STANDARD) and nodes and add-ons fall behind it")
        warnings.append(f"{KEY}: \"{version}\" leaves EKS standard support on {end_standard}, in "
                        f"{_days(end_standard - on)}; {step} before then, or {then}")
    return errors, warnings


def cluster_versions() -> list[dict[str, Any]]:
    """Every EKS version with its dates, read with the ``aws.eks.get_cluster_versions`` invoke."""
    import pulumi_aws as aws

    result = aws.eks.get_cluster_versions(cluster_type="eks", include_all=True)
    return [{"clusterVersion": v.cluster_version, "versionStatus": v.version_status,
             "releaseDate": v.release_date, "endOfStandardSupportDate": v.end_of_standard_support_date,
             "endOfExtendedSupportDate": v.end_of_extended_support_date} for v in result.cluster_versions]


def enforce(version: str, support_type: str, warning_days: int, source: Any = None) -> None:
    """Read the lifecycle, refuse the version (:class:`~infra.config.ConfigError`) or warn, as documented above."""
    import pulumi

    from infra.config import invalid

    errors, warnings = check_lifecycle(version, support_type, cluster_versions(), today(), warning_days)
    if errors:
        raise invalid(pulumi.get_stack(), errors, source)
    for warning in warnings:
        pulumi.log.warn(warning)
