"""M8: Karpenter NodePools keep a disruption budget that always limits how many nodes are disrupted at once.

Unset ``spec.disruption.budgets`` is Karpenter v1's default, one budget of ``10%``. An empty list, or budgets that
either allow 100% or only apply inside a schedule, let consolidation, drift and expiry drain every node of the pool
at the same time.
"""

from __future__ import annotations

import re

from _karpenter import items, of
from _known import get, known
from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

_PATH = "spec.disruption.budgets"
_PERCENT = re.compile(r"^([0-9]+)%$")


def _limits(nodes: str) -> bool:
    """Whether a budget's ``nodes`` keeps some nodes out of disruption (anything but 100%)."""
    match = _PERCENT.match(nodes)
    return int(match.group(1)) < 100 if match else nodes.isdigit()


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    view = of(args, "NodePool")
    if view is None:
        return
    budgets = get(get(view.spec, "disruption"), "budgets")
    if budgets is None:
        return  # the default: [{nodes: "10%"}]
    always = []
    for i, budget in enumerate(items(budgets, _PATH)):
        if get(budget, "schedule") is None and get(budget, "reasons") is None:
            always.append(str(known(get(budget, "nodes", "10%"), f"{_PATH}[{i}].nodes")))
    if not any(_limits(nodes) for nodes in always):
        state = "empty" if not items(budgets, _PATH) else "without an always-active budget below 100%"
        report(f"{view.describe()} has no disruption budget that always applies ({_PATH} is {state}), so "
               "consolidation, drift and expiry may disrupt all of its nodes at once. Add a budget without schedule, "
               f"e.g. {{nodes: \"10%\"}}, to {_PATH}.")


METADATA = RuleMetadata(
    id="M8",
    aws_control="EC2 instance termination, which AWS carries out when Karpenter disrupts a node",
)

configure_disruption_budget = ResourceValidationPolicy(
    name="kubernetes-nodepool-configure-disruption-budget",
    description="Karpenter NodePools must keep a disruption budget that always limits concurrent node disruption.",
    validate=_validate,
    severity=Severity.LOW,
    tags=METADATA.tags("kubernetes", "karpenter", "nodes", "availability"),
    remediation_steps="Keep a budget without schedule or reasons below 100% in spec.disruption.budgets (e.g. "
                      "{nodes: \"10%\"}), or leave budgets unset for Karpenter's default.",
    url="https://karpenter.sh/docs/concepts/disruption/",
)
