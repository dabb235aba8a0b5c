"""E4: every workload namespace has a default-deny NetworkPolicy (CIS EKS 4.3.2, 5.4.4; CKV2_K8S_6; BPG network
"Create a default deny policy").

A stack policy. The namespaces that need one are every ``Namespace`` of the stack but the system ones
(kube-system, kube-public, kube-node-lease) and every namespace a workload of the stack runs in (``default``
when neither it nor its Kubernetes provider names one). A NetworkPolicy denies by default in its namespace when it selects every pod (``podSelector: {}``)
for Ingress (and Egress, with ``requireEgress``) and has no allow-all rule (``{}``); several policies may share
the directions. Without ``policyTypes``, Kubernetes takes Ingress, plus Egress when the policy has egress rules.

Names are literals or the Namespace's own ``metadata.name``, known at the first preview; a policy whose
namespace is an output of a Namespace resource of the stack is matched to it through its property dependency.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from _known import UNKNOWN, Deferred, Undecided, elements, get, known
from _metadata import RuleMetadata
from _network import NAMESPACE, NETWORK_POLICY, SYSTEM_NAMESPACES, effective_namespace, object_name
from _pods import WORKLOADS
from _resolve import referenced
from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

DIRECTIONS = {"Ingress": "ingress", "Egress": "egress"}


@dataclass
class _Need:
    """A namespace that needs a default-deny policy."""

    name: str | None
    urn: str | None = None
    display: str = "?"
    users: list[str] = field(default_factory=list)
    denied: set[str] = field(default_factory=set)
    maybe: list[Undecided] = field(default_factory=list)


def _selects_every_pod(selector: Any, path: str) -> bool:
    """An empty label selector (``{}``, or unset: the API's zero value) selects every pod of the namespace."""
    selector = known(selector, path)
    if selector is None:
        return True
    return not known(get(selector, "matchLabels"), f"{path}.matchLabels") and \
        not elements(known(get(selector, "matchExpressions"), f"{path}.matchExpressions"))


def _denied_directions(props: Any) -> set[str]:
    """The directions a NetworkPolicy denies by default for every pod of its namespace."""
    spec = known(get(props, "spec"), "spec") or {}
    if not _selects_every_pod(get(spec, "podSelector"), "spec.podSelector"):
        return set()
    types = known(get(spec, "policyTypes"), "spec.policyTypes")
    if types is None:
        types = ["Ingress"] + (["Egress"] if elements(known(get(spec, "egress"), "spec.egress")) else [])
    denied = set()
    for direction in (str(known(t, "spec.policyTypes")) for t in elements(types)):
        key = DIRECTIONS.get(direction)
        if key is None:
            continue
        rules = elements(known(get(spec, key), f"spec.{key}"))
        if not any(not known(rule, f"spec.{key}") for rule in rules):  # an empty rule {} allows everything
            denied.add(direction)
    return denied


def _kind(token: str) -> str:
    return token.rsplit(":", 1)[-1]


def _validate(args: StackValidationArgs, report: ReportViolation) -> None:
    wanted = {"Ingress", "Egress"} if args.get_config().get("requireEgress", False) else {"Ingress"}
    later = Deferred()
    by_name: dict[str, _Need] = {}
    by_urn: dict[str, _Need] = {}

    for r in args.resources:
        if r.resource_type != NAMESPACE:
            continue
        name = get(get(r.props, "metadata"), "name")
        name = None if name is UNKNOWN or not name else str(name)
        if name in SYSTEM_NAMESPACES:
            continue
        need = _Need(name, r.urn, name or r.name)
        by_urn[r.urn] = need
        if name is not None:
            by_name[name] = need

    for r in args.resources:
        if r.resource_type not in WORKLOADS:
            continue
        user = f"{_kind(r.resource_type)} '{object_name(r.props, r.name)}'"
        ns = effective_namespace(r.props, r.provider)
        if ns is UNKNOWN:
            owners = [by_urn[d.urn] for d in referenced(r, "metadata", NAMESPACE) if d.urn in by_urn]
            for owner in owners:
                owner.users.append(user)
            if not owners:
                with later.item():
                    known(ns, f"metadata.namespace of {user}",
                          "is computed from a resource that is not a Namespace of this stack")
            continue
        if ns not in SYSTEM_NAMESPACES:
            by_name.setdefault(ns, _Need(ns, display=ns)).users.append(user)

    unplaced: list[Undecided] = []  # undecidable policies whose namespace is unknown too
    for r in args.resources:
        if r.resource_type != NETWORK_POLICY:
            continue
        ns = effective_namespace(r.props, r.provider)
        if ns is UNKNOWN:
            targets = [by_urn[d.urn] for d in referenced(r, "metadata", NAMESPACE) if d.urn in by_urn]
        else:
            target = by_name.get(ns)
            targets = [target] if target else []
        try:
            denied = _denied_directions(r.props)
        except Undecided as undecided:
            undecided.message = f"NetworkPolicy '{r.name}': {undecided.message}"
            for target in targets:
                target.maybe.append(undecided)
            if ns is UNKNOWN and not targets:
                unplaced.append(undecided)
            continue
        if ns is UNKNOWN and not targets:
            if denied:
                unplaced.append(Undecided(f"metadata.namespace of NetworkPolicy '{r.name}'",
                                          "is computed from a resource that is not a Namespace of this stack"))
            continue
        for target in targets:
            target.denied |= denied

    for need in {id(n): n for n in [*by_urn.values(), *by_name.values()]}.values():
        missing = wanted - need.denied
        if not missing:
            continue
        held = need.maybe + unplaced
        if held:
            with later.item():
                raise held[0]
            continue
        label = f"Namespace '{need.display}'"
        if need.users:
            more = f" (and {len(need.users) - 1} more)" if len(need.users) > 1 else ""
            label += f", used by {need.users[0]}{more},"
        order = [d for d in DIRECTIONS if d in missing]
        partial = f" (it denies {' and '.join(d for d in DIRECTIONS if d in need.denied)} only)" if need.denied else ""
        exposure = {("Ingress",): "accepts traffic from any pod of the cluster",
                    ("Egress",): "can reach any pod of the cluster and the internet",
                    ("Ingress", "Egress"): "accepts traffic from, and can reach, any pod of the cluster"}[tuple(order)]
        report(f"{label} has no default-deny NetworkPolicy for {' and '.join(order)}{partial}: every pod in it "
               f"{exposure}. Add a NetworkPolicy in it with podSelector: {{}} and policyTypes: "
               f"[{', '.join(d for d in DIRECTIONS if d in wanted)}] and no rules, then allow what each workload "
               "needs.",
               need.urn)
    later.done()


METADATA = RuleMetadata(
    id="E4",
    aws_control="Amazon VPC CNI network policy enforcement (the AWS-managed add-on's eBPF agent)",
    cis=("4.3.2", "5.4.4"),
    bpg=("network: Create a default deny policy",),
    checkov=("CKV2_K8S_6",),
)

missing_default_deny_network_policy = StackValidationPolicy(
    name="kubernetes-namespace-missing-default-deny-network-policy",
    description="Every non-system namespace of the stack, and every namespace its workloads run in, must have a "
                "default-deny NetworkPolicy.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("kubernetes", "network"),
    remediation_steps="In each namespace, add a NetworkPolicy with podSelector: {} and policyTypes: [Ingress, Egress] "
                      "and no rules, then NetworkPolicies allowing what each workload needs (the VPC CNI enforces "
                      "them with enableNetworkPolicy).",
    url="https://docs.aws.amazon.com/eks/latest/best-practices/network-security.html",
    config_schema=PolicyConfigSchema(properties={
        "requireEgress": {"type": "boolean", "default": False,
                          "description": "The default-deny policy must also cover Egress."}}),
)
