"""M9: no Karpenter NodePool marks all of its nodes ``karpenter.sh/do-not-disrupt: "true"``.

On the pool's template metadata the annotation lands on every node the pool launches, so none is ever
consolidated, drifted or expired: the pool stops taking AMI and OS patches. Annotate the pods that must not be
interrupted instead.
"""

from __future__ import annotations

from _karpenter import DO_NOT_DISRUPT, of
from _known import get, known
from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    view = of(args, "NodePool")
    if view is None:
        return
    annotations = get(get(get(view.spec, "template"), "metadata"), "annotations")
    path = f"spec.template.metadata.annotations[{DO_NOT_DISRUPT}]"
    if str(known(get(annotations, DO_NOT_DISRUPT), path)).lower() == "true":
        report(f"{view.describe()} annotates every node it launches {DO_NOT_DISRUPT}: \"true\" ({path}), so none is "
               "ever consolidated, drifted or expired and the pool stops taking patches. Remove the annotation from "
               "the pool's template; annotate the pods that must not be interrupted instead.")


METADATA = RuleMetadata(
    id="M9",
    aws_control="EKS-optimized AMI releases, which AWS patches and publishes; a node takes them only when replaced",
    bpg=("hosts: Keep your worker node OS updated",),
)

disallow_do_not_disrupt = ResourceValidationPolicy(
    name="kubernetes-nodepool-disallow-do-not-disrupt",
    description="Karpenter NodePools must not annotate their whole template karpenter.sh/do-not-disrupt.",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("kubernetes", "karpenter", "nodes", "patching"),
    remediation_steps="Remove karpenter.sh/do-not-disrupt from spec.template.metadata.annotations; set it on pods.",
    url="https://karpenter.sh/docs/concepts/disruption/",
)
