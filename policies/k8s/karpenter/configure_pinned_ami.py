"""M5: where the stack's policy config requires it (``requirePinnedAmiAlias``, prod), Karpenter EC2NodeClasses take
a pinned AMI: an alias with a release (``al2023@v20261015``) or an AMI ID, never ``@latest``.

``@latest`` (and a selector by tags, name or SSM parameter) follows whatever image AWS publishes next: every
release drifts every node of the class without a review. Off (the default), ``@latest`` is allowed, as on the
``latest`` update channel.
"""

from __future__ import annotations

from _karpenter import items, of
from _known import get, known
from _metadata import RuleMetadata
from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

_FIX = "Pin a release, e.g. alias: al2023@v20261015 (promoted like the other AMI releases), or an AMI id."


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    view = of(args, "EC2NodeClass")
    if view is None or not bool(args.get_config().get("requirePinnedAmiAlias", False)):
        return
    terms = get(view.spec, "amiSelectorTerms")
    if terms is None:
        if not view.is_patch:
            report(f"{view.describe()} has no spec.amiSelectorTerms, and this stack's policy config requires a pinned "
                   f"AMI (requirePinnedAmiAlias). {_FIX}")
        return
    for i, term in enumerate(items(terms, "spec.amiSelectorTerms")):
        where = f"spec.amiSelectorTerms[{i}]"
        alias = known(get(term, "alias"), f"{where}.alias")
        if alias:
            version = str(alias).partition("@")[2]
            if version in ("", "latest"):
                report(f"{view.describe()} takes its AMI from alias '{alias}' ({where}.alias), which moves to every "
                       "new release, and this stack's policy config requires a pinned AMI (requirePinnedAmiAlias). "
                       f"{_FIX}")
        elif get(term, "id") is None:
            by = [key for key in ("tags", "name", "ssmParameter") if get(term, key) is not None]
            report(f"{view.describe()} selects AMIs by {', '.join(by) or 'nothing'} ({where}), which follows "
                   "whatever image matches at launch, and this stack's policy config requires a pinned AMI "
                   f"(requirePinnedAmiAlias). {_FIX}")


METADATA = RuleMetadata(
    id="M5",
    aws_control="EKS-optimized AMI releases, which AWS builds, versions and publishes per Kubernetes version",
    bpg=("hosts: Keep your worker node OS updated",),
)

configure_pinned_ami = ResourceValidationPolicy(
    name="kubernetes-ec2nodeclass-configure-pinned-ami",
    description="Karpenter EC2NodeClasses must pin their AMI (an alias release or an AMI id) where the stack's "
                "policy config requires it.",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("kubernetes", "karpenter", "nodes", "ami", "change-control"),
    remediation_steps="Set spec.amiSelectorTerms to [{alias: <family>@<release>}] (or an AMI id) in stacks whose "
                      "policy config sets requirePinnedAmiAlias.",
    url="https://karpenter.sh/docs/concepts/nodeclasses/",
    config_schema=PolicyConfigSchema(properties={
        "requirePinnedAmiAlias": {"type": "boolean", "default": False,
                                  "description": "Refuse @latest aliases and AMI selectors that are not pinned "
                                                 "(an alias release or an AMI id)."}}),
)
