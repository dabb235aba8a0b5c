"""M4 (stack part): Karpenter EC2NodeClasses and EKS Auto Mode NodeClasses select private subnets only (CIS EKS
5.4.3; CKV_AWS_130 on subnets, analogous).

A class selects subnets by tags (all of a term's tags, ANDed; terms ORed; ``*`` matches any value) or by ID. The
selector is resolved against the program's ``aws:ec2/subnet:Subnet`` resources: a tag term against each subnet's
``tags`` (a value unknown at the first preview, such as a cluster name from a resource of this stack, leaves the
tag key to decide), an ID term through the class's property dependencies to the subnet it names. Which subnets
are public is ``_subnets.public_subnets``, as for node groups (C3). Subnets outside the program are not judged.
"""

from __future__ import annotations

from typing import Any

from _karpenter import of, selector_terms, selects
from _known import UNKNOWN, Deferred, get
from _metadata import RuleMetadata
from _resolve import referenced
from _subnets import SUBNET, public_subnets
from pulumi_policy import ReportViolation, Severity, StackValidationArgs, StackValidationPolicy


def _selected(resource: Any, view: Any, subnets: list[Any]) -> dict[str, tuple[Any, str]]:
    """URN -> (subnet, which term selects it)."""
    found: dict[str, tuple[Any, str]] = {}
    named = None
    for i, tags, subnet_id in selector_terms(view.spec, "subnetSelectorTerms"):
        term = f"spec.subnetSelectorTerms[{i}]"
        if subnet_id is not None:
            if named is None:
                named = referenced(resource, "spec", SUBNET)
            for subnet in named:  # an ID from a subnet of this stack: unknown at preview, followed to the subnet
                known_id = get(subnet.props, "id")
                if subnet_id is UNKNOWN or known_id in (None, UNKNOWN) or known_id == subnet_id:
                    found.setdefault(subnet.urn, (subnet, f"{term}.id"))
        elif tags:
            for subnet in subnets:
                if selects(tags, get(subnet.props, "tags")):
                    found.setdefault(subnet.urn, (subnet, f"{term}.tags"))
    return found


def _validate(args: StackValidationArgs, report: ReportViolation) -> None:
    classes = [(r, v) for r in args.resources if (v := of(r, "EC2NodeClass", "NodeClass")) is not None]
    if not classes:
        args.not_applicable("the stack has no Karpenter EC2NodeClass or EKS Auto Mode NodeClass")
    subnets = [r for r in args.resources if r.resource_type == SUBNET]
    public = public_subnets(args.resources) if subnets else {}
    later = Deferred()
    for resource, view in classes:
        with later.item():
            for subnet, term in _selected(resource, view, subnets).values():
                if subnet.urn in public:
                    report(f"{view.describe()} selects subnet '{subnet.name}' ({term}), which {public[subnet.urn]}, "
                           "so its nodes can be placed there. Select only private subnets: tag them (e.g. "
                           "karpenter.sh/discovery: <cluster>) and never the public ones, or name private subnet IDs.",
                           resource.urn)
    later.done()


METADATA = RuleMetadata(
    id="M4",
    aws_control="VPC subnet public-IP mapping and internet-gateway routing, operated by AWS",
    cis=("5.4.3",),
    bpg=("hosts: Deploy workers onto private subnets",),
    checkov=("CKV_AWS_130 (analogous)",),
)

disallow_public_subnets = StackValidationPolicy(
    name="kubernetes-nodeclass-disallow-public-subnets",
    description="Karpenter EC2NodeClasses and EKS Auto Mode NodeClasses must select private subnets only.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("kubernetes", "karpenter", "auto-mode", "nodes", "network"),
    remediation_steps="Make spec.subnetSelectorTerms match only private subnets (a discovery tag the public subnets "
                      "do not carry, or private subnet IDs).",
    url="https://karpenter.sh/docs/concepts/nodeclasses/",
)
