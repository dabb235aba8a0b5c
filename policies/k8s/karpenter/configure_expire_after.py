"""M7: Karpenter NodePools replace their nodes within a bounded time (``spec.template.spec.expireAfter``), so nodes
take OS and AMI patches (BPG hosts "Keep your worker node OS updated").

Unset is Karpenter v1's default, ``720h`` (30 days). ``Never`` keeps nodes, and their unpatched kernels, forever.
The ceiling is the policy config's ``maxExpireAfterDays`` (default 30).
"""

from __future__ import annotations

from _karpenter import duration_seconds, of
from _known import get, known
from _metadata import RuleMetadata
from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

_PATH = "spec.template.spec.expireAfter"
DEFAULT = "720h"


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    view = of(args, "NodePool")
    if view is None:
        return
    template_spec = get(get(view.spec, "template"), "spec")
    value = known(get(template_spec, "expireAfter"), _PATH)
    if value is None:
        if view.is_patch:
            return
        value = DEFAULT
    days = int(args.get_config().get("maxExpireAfterDays", 30))
    seconds = duration_seconds(str(value))
    if seconds is None:
        report(f"{view.describe()} never replaces its nodes ({_PATH} is {value}), so they keep unpatched kernels and "
               f"AMIs. Set {_PATH} to at most {days * 24}h ({days} days, maxExpireAfterDays).")
    elif seconds > days * 86400:
        report(f"{view.describe()} keeps nodes {value} ({_PATH}), longer than the {days} days this stack's policy "
               f"config allows (maxExpireAfterDays). Set {_PATH} to at most {days * 24}h.")


METADATA = RuleMetadata(
    id="M7",
    aws_control="EKS-optimized AMI releases, which AWS patches and publishes; a node takes them only when replaced",
    bpg=("hosts: Keep your worker node OS updated",),
)

configure_expire_after = ResourceValidationPolicy(
    name="kubernetes-nodepool-configure-expire-after",
    description="Karpenter NodePools must expire their nodes within the configured number of days (default 30).",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("kubernetes", "karpenter", "nodes", "patching"),
    remediation_steps="Set spec.template.spec.expireAfter to a duration of at most maxExpireAfterDays (e.g. 720h); "
                      "never \"Never\".",
    url="https://karpenter.sh/docs/concepts/disruption/",
    config_schema=PolicyConfigSchema(properties={
        "maxExpireAfterDays": {"type": "integer", "minimum": 1, "default": 30,
                               "description": "The longest a NodePool may keep a node, in days."}}),
)
