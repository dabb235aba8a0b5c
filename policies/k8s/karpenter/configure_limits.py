"""M6: Karpenter NodePools cap the CPU and memory they may provision (``spec.limits``).

Without limits a NodePool launches capacity for every pending pod: a runaway Deployment, a bad HPA target or a
pod flood becomes an unbounded EC2 bill. A static pool (``spec.replicas``) has a fixed node count and may only set
``limits.nodes``, so it is not judged.
"""

from __future__ import annotations

from _karpenter import of
from _known import get, known
from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

REQUIRED = ("cpu", "memory")


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    view = of(args, "NodePool")
    if view is None or not view.judged("limits") or get(view.spec, "replicas") is not None:
        return
    limits = known(get(view.spec, "limits"), "spec.limits") or {}
    missing = [key for key in REQUIRED if get(limits, key) in (None, "")]
    if missing:
        state = "unset" if not limits else f"without {' and '.join(missing)}"
        report(f"{view.describe()} can provision without bound (spec.limits is {state}): every pending pod adds "
               f"nodes. Set spec.limits.{' and spec.limits.'.join(missing)} to the most this pool may run, e.g. "
               "{cpu: \"256\", memory: 1024Gi}.")


METADATA = RuleMetadata(
    id="M6",
    aws_control="EC2 Fleet capacity, which AWS launches on Karpenter's request up to the account's quotas",
)

configure_limits = ResourceValidationPolicy(
    name="kubernetes-nodepool-configure-limits",
    description="Karpenter NodePools must set CPU and memory limits.",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("kubernetes", "karpenter", "nodes", "cost"),
    remediation_steps="Set spec.limits.cpu and spec.limits.memory on every NodePool.",
    url="https://karpenter.sh/docs/concepts/nodepools/",
)
