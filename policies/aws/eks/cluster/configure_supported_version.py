"""A6: the cluster runs a Kubernetes version EKS supports on the day, in the support it chose (CKV_AWS_339).

The rule holds no list of versions (one goes stale the day a version leaves standard support). It judges
from lifecycle data in its policy config, and from the cluster's own ``upgradePolicy.supportType``:

* ``versions``: ``{"1.35": {"endOfStandardSupport": "2027-03-27", "endOfExtendedSupport": "2028-03-27"}, ...}``,
  the EKS release calendar (``aws eks describe-cluster-versions``); preflight fills it from the lifecycle
  table it ships (``preflight/data/eks-versions.json``) unless the config gives one;
* ``today``: the day to judge on (``YYYY-MM-DD``); else ``EKS_PLATFORM_TODAY``, else the UTC date.

A version the table does not hold, or past its end of extended support, fires; past its end of standard
support it fires unless ``upgradePolicy.supportType`` is ``EXTENDED`` (paid extended support, chosen
explicitly; ``configure_standard_support`` reports that cost). Without a table only an unpinned version
fires: the stack program refuses unsupported versions at preview from the same lifecycle
(``infra/lifecycle.py``).
"""

from __future__ import annotations

import datetime
import os
from typing import Any

from _metadata import RuleMetadata
from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from _eks import cluster_view
from _helpers import K8S_VERSION_PATTERN, pattern_item

TODAY_ENV = "EKS_PLATFORM_TODAY"

#: The policy config both lifecycle rules read (preflight fills it from its lifecycle table).
LIFECYCLE_CONFIG: dict[str, Any] = {
    "versions": {"type": "object", "description": "EKS lifecycle by version: endOfStandardSupport and "
                                                  "endOfExtendedSupport dates (YYYY-MM-DD)",
                 "propertyNames": pattern_item(K8S_VERSION_PATTERN, "a Kubernetes minor version, e.g. 1.35"),
                 "additionalProperties": {"type": "object"}},
    "today": pattern_item("^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
                          "a day as YYYY-MM-DD (the day to judge on; default EKS_PLATFORM_TODAY, else the current "
                          "UTC date)"),
}


def judging_day(config: dict[str, Any]) -> datetime.date | None:
    """``today`` from the policy config, else ``EKS_PLATFORM_TODAY``, else the UTC date (None: not a date)."""
    raw = str(config.get("today") or os.environ.get(TODAY_ENV, "")).strip()
    if not raw:
        return datetime.datetime.now(datetime.timezone.utc).date()
    try:
        return datetime.date.fromisoformat(raw[:10])
    except ValueError:
        return None


def lifecycle_dates(config: dict[str, Any], version: str) -> tuple[datetime.date | None, datetime.date | None] | None:
    """(end of standard, end of extended support) of ``version`` in the config's table; None if it is not there."""
    row = (config.get("versions") or {}).get(version)
    if not isinstance(row, dict):
        return None

    def day(key: str) -> datetime.date | None:
        try:
            return datetime.date.fromisoformat(str(row.get(key, ""))[:10])
        except ValueError:
            return None

    return day("endOfStandardSupport"), day("endOfExtendedSupport")


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    view = cluster_view(args)
    if view is None:
        return
    config = args.get_config()
    table = config.get("versions") or {}
    if view.version is None:
        report(f"cluster '{args.name}' does not pin a Kubernetes version, so AWS picks one and upgrades are not "
               "reviewed. Set version to a version in EKS standard support.")
        return
    if not table:
        return  # no lifecycle data: the program's own preview check (aws.eks.get_cluster_versions) judges it
    version = str(view.version)
    on = judging_day(config)
    dates = lifecycle_dates(config, version)
    if dates is None:
        offered = ", ".join(sorted(table, key=lambda v: [int(p) for p in v.split(".") if p.isdigit()]))
        report(f"cluster '{args.name}' runs Kubernetes {version}, which the EKS lifecycle data does not list "
               f"({offered}). Set version to one EKS offers; upgrade one minor version at a time.")
        return
    end_standard, end_extended = dates
    if on is None:
        return
    if end_extended is not None and on >= end_extended:
        report(f"cluster '{args.name}' runs Kubernetes {version}, which left EKS extended support on {end_extended}: "
               "EKS upgrades such control planes itself. Upgrade one minor version at a time.")
    elif end_standard is not None and on >= end_standard:
        # Unset on aws:eks/cluster:Cluster means EXTENDED, but only an explicit choice counts here.
        if view.support_type != "EXTENDED":
            report(f"cluster '{args.name}' runs Kubernetes {version}, which left EKS standard support on "
                   f"{end_standard}. Upgrade one minor version at a time, or set upgradePolicy.supportType=EXTENDED "
                   f"to stay on it in paid extended support until {end_extended}.")


METADATA = RuleMetadata(
    id="A6",
    aws_control="EKS version support: AWS patches the control plane of versions in standard support",
    checkov=("CKV_AWS_339",),
)

configure_supported_version = ResourceValidationPolicy(
    name="aws-eks-cluster-configure-supported-version",
    description="EKS clusters must run a Kubernetes version in standard support, or in extended support chosen "
                "explicitly.",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("eks", "control-plane", "lifecycle"),
    remediation_steps="Set version to a version in standard support (upgrade one minor version at a time), or set "
                      "upgradePolicy.supportType=EXTENDED to pay for extended support.",
    url="https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html",
    config_schema=PolicyConfigSchema(properties=dict(LIFECYCLE_CONFIG)),
)
