"""J20: long-running workloads survive a node drain: two or more replicas, and a PodDisruptionBudget that lets
the drain proceed (PCP ``kubernetes-apps-v1-{deployment,replicaset}-configure-minimum-replica-count``,
``kubernetes-policy-v1-poddisruptionbudget-disallow-zero-voluntary-disruption``).

EKS drains nodes all the time: managed node-group and AMI updates, Karpenter consolidation, Spot
interruptions, cluster upgrades. A Deployment, StatefulSet or ReplicaSet with one replica (``spec.replicas``
unset is one) is down for every drain. With two or more, a ``kubernetes:policy/v1:PodDisruptionBudget`` in
the same namespace whose selector selects the pod template's labels stops a drain from evicting them all at
once; a budget that allows no disruption at all (``maxUnavailable: 0``, or ``minAvailable`` equal to the
replicas or ``100%``) blocks every drain instead, and fires too.

A stack policy, because the budget is another resource: it reads every resource's properties (outputs; at a
first preview they are the inputs the program wrote, which is all this rule reads). Where an
``autoscaling`` HorizontalPodAutoscaler scales the workload (matched by namespace, kind and name, or by its
``scaleTargetRef`` depending on the workload), its ``minReplicas`` is the replica count. Objects in
``exemptNamespaces`` are not judged; ``*Patch`` resources change objects the program does not own.
"""

from __future__ import annotations

import math
from typing import Any

from _known import UNKNOWN, Deferred, get, known
from _metadata import RuleMetadata
from _workloads import (
    config_schema,
    exempt_namespaces,
    kind_of,
    namespace_of,
    object_name,
    selector_matches,
    string_map,
)
from pulumi_policy import ReportViolation, Severity, StackValidationArgs, StackValidationPolicy

CONTROLLERS = {"kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:ReplicaSet"}
PDB = "kubernetes:policy/v1:PodDisruptionBudget"
HPAS = {"kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "kubernetes:autoscaling/v1:HorizontalPodAutoscaler"}
_NAMESPACE_UNKNOWN = "is taken from another resource of this stack, and matching budgets by namespace needs it"


class _Invalid(Exception):
    """A count that is not a number: the manifest is invalid (the schema check and the API server say so)."""


def _count(value: Any) -> int:
    if isinstance(value, bool):
        raise _Invalid
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _Invalid from None


def _scaled(value: Any, replicas: int, path: str) -> int:
    """An int-or-percent of a budget, as the disruption controller reads it (percentages round up)."""
    value = known(value, path)
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            return math.ceil(replicas * float(value.strip()[:-1]) / 100)
        except ValueError:
            raise _Invalid from None
    return _count(value)


def _allowed_disruptions(budget: Any, replicas: int) -> int:
    spec = known(get(budget.props, "spec") or {}, "spec")
    max_unavailable = get(spec, "maxUnavailable")
    if max_unavailable is not None:
        return _scaled(max_unavailable, replicas, "spec.maxUnavailable")
    min_available = get(spec, "minAvailable")
    if min_available is not None:
        return replicas - _scaled(min_available, replicas, "spec.minAvailable")
    return replicas - 1  # policy/v1 with neither set: minAvailable 1


class _Scalers:
    """HorizontalPodAutoscalers by (namespace, kind, name) of their target, and by the URN they depend on."""

    def __init__(self, resources: list[Any]) -> None:
        self.by_name: dict[tuple[Any, str, str], list[Any]] = {}
        self.by_urn: dict[str, list[Any]] = {}
        for r in resources:
            if r.resource_type not in HPAS:
                continue
            spec = get(r.props, "spec")
            minimum = get(spec, "minReplicas")
            minimum = 1 if minimum is None else minimum
            target = get(spec, "scaleTargetRef")
            kind, name = get(target, "kind"), get(target, "name")
            if isinstance(kind, str) and isinstance(name, str):
                self.by_name.setdefault((namespace_of(r.props, r.provider), kind, name), []).append(minimum)
            for dep in r.property_dependencies.get("spec", []):
                if dep.resource_type in CONTROLLERS and (not isinstance(kind, str) or kind == kind_of(dep.resource_type)):
                    self.by_urn.setdefault(dep.urn, []).append(minimum)

    def minimum(self, workload: Any, namespace: str, kind: str, name: str) -> Any:
        found = self.by_urn.get(workload.urn) or self.by_name.get((namespace, kind, name))
        if not found:
            return None
        return min(_count(known(m, "spec.minReplicas", "of its HorizontalPodAutoscaler is taken from another resource "
                                                    "of this stack")) for m in found)


def _judge(workload: Any, budgets: list[Any], scalers: _Scalers, config: Any, report: ReportViolation) -> None:
    namespace = namespace_of(workload.props, workload.provider)
    if namespace is not UNKNOWN and namespace in exempt_namespaces(config):
        return
    kind, name = kind_of(workload.resource_type), object_name(workload.props, workload.name)
    namespace = known(namespace, "metadata.namespace", _NAMESPACE_UNKNOWN)
    minimum = int(config.get("minimumReplicas", 2))
    spec = known(get(workload.props, "spec") or {}, "spec")
    scaled = scalers.minimum(workload, namespace, kind, name)
    # An autoscaler owns the replica count; spec.replicas is read only when none does.
    replicas_value = None if scaled is not None else known(get(spec, "replicas"), "spec.replicas")
    replicas = scaled if scaled is not None else (1 if replicas_value is None else _count(replicas_value))
    subject = f"{kind} '{name}' in namespace '{namespace}'"
    if replicas < minimum:
        source = (f"its HorizontalPodAutoscaler's minReplicas is {replicas}" if scaled is not None else
                  "spec.replicas is unset, which means 1" if replicas_value is None else f"spec.replicas is {replicas}")
        report(f"{subject} runs {replicas} replica{'' if replicas == 1 else 's'} ({source}): every node drain "
               "(node-group or AMI update, Karpenter consolidation, Spot interruption, cluster upgrade) takes it "
               "down. Run at least "
               f"{minimum} replicas (spread across zones) with a PodDisruptionBudget that lets one go at a time.",
               workload.urn)
        return
    labels = string_map(get(get(get(spec, "template"), "metadata"), "labels"), "spec.template.metadata.labels")
    matched, held = [], Deferred()
    for budget in budgets:
        with held.item():
            budget_namespace = known(namespace_of(budget.props, budget.provider), "metadata.namespace",
                                     f"of PodDisruptionBudget '{budget.name}' {_NAMESPACE_UNKNOWN}")
            if budget_namespace == namespace and selector_matches(get(get(budget.props, "spec"), "selector"), labels,
                                                                  "spec.selector"):
                matched.append(budget)
    if not matched:
        held.done()  # a budget whose namespace or selector is unknown at preview may be the one: decide at up
        shown = ", ".join(f"{k}={v}" for k, v in sorted(labels.items())) or "none"
        report(f"{subject} runs {replicas} replicas but no PodDisruptionBudget (policy/v1) in its namespace selects "
               f"its pods (template labels {shown}), so a node drain may evict them all at once. Add a "
               "PodDisruptionBudget with spec.selector.matchLabels taken from the pod template and maxUnavailable: 1 "
               "(or minAvailable below the replica count).", workload.urn)
        return
    for budget in matched:
        if _allowed_disruptions(budget, replicas) <= 0:
            report(f"PodDisruptionBudget '{object_name(budget.props, budget.name)}' allows no voluntary disruption of "
                   f"{subject} ({replicas} replicas), so every node drain, node-group update and cluster upgrade "
                   "hangs on it. Set maxUnavailable: 1 (or minAvailable below the replica count).", budget.urn)


def _validate(args: StackValidationArgs, report: ReportViolation) -> None:
    workloads = [r for r in args.resources if r.resource_type in CONTROLLERS]
    if not workloads:
        args.not_applicable("the stack has no Deployments, StatefulSets or ReplicaSets")
    config = args.get_config()
    budgets = [r for r in args.resources if r.resource_type == PDB]
    scalers = _Scalers(list(args.resources))
    later = Deferred()
    for workload in workloads:
        with later.item():
            try:
                _judge(workload, budgets, scalers, config, report)
            except _Invalid:
                continue  # not a number: an invalid manifest, which the schema check reports; nothing to judge
    later.done()


METADATA = RuleMetadata(
    id="J20",
    aws_control="EKS managed node group updates drain nodes while honouring PodDisruptionBudgets",
    pcp=(
        "kubernetes-apps-v1-deployment-configure-minimum-replica-count",
        "kubernetes-apps-v1-replicaset-configure-minimum-replica-count",
        "kubernetes-policy-v1-poddisruptionbudget-disallow-zero-voluntary-disruption",
    ),
)

configure_replicas_and_pdb = StackValidationPolicy(
    name="kubernetes-workload-configure-replicas-and-pdb",
    description="Deployments, StatefulSets and ReplicaSets must run at least two replicas with a "
                "PodDisruptionBudget that allows voluntary disruption.",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("kubernetes", "workloads", "reliability"),
    remediation_steps="Set spec.replicas (or the HPA's minReplicas) to at least 2 and add a policy/v1 "
                      "PodDisruptionBudget in the same namespace selecting the pod template's labels with "
                      "maxUnavailable: 1.",
    url="https://kubernetes.io/docs/tasks/run-application/configure-pdb/",
    config_schema=config_schema(minimumReplicas={
        "type": "integer", "minimum": 1, "maximum": 1000, "default": 2,
        "description": "Fewest replicas a Deployment, StatefulSet or ReplicaSet may run."}),
)
