"""Reading Karpenter v1 and EKS Auto Mode custom resources from policy inputs (the M rules).

pulumi-kubernetes registers a ``CustomResource`` as ``kubernetes:<apiVersion>:<kind>`` with the props
``apiVersion``, ``kind``, ``metadata`` and ``spec`` as the program wrote them (camelCase inside ``spec``), and a
``CustomResourcePatch`` (server-side apply) as ``kubernetes:<apiVersion>:<kind>Patch``, which may carry only the
fields it changes: a rule judges a patch on what it sets and never on what it leaves out.

Every read goes through ``_known``: a value unknown at the first preview (a key ARN, a role name from a role
this stack creates) is set, and presence decides where presence decides. Where a value itself decides (the
IMDS token setting, an AMI alias, a limit), the program writes it as a literal and the preview knows it.

Defaults are the API's (aws/karpenter-provider-aws ``pkg/apis/v1/ec2nodeclass.go``, kubernetes-sigs/karpenter
``pkg/apis/v1/nodepool.go``): an omitted ``metadataOptions`` is ``httpTokens: required`` with hop limit 1; an
omitted ``blockDeviceMappings`` is the AMI family's root volume, encrypted with the AWS-managed ``aws/ebs`` key; an
omitted ``expireAfter`` is ``720h``; omitted ``disruption.budgets`` are ``[{nodes: "10%"}]``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from _known import UNKNOWN, elements, get, known

EC2_NODE_CLASS = "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass"
NODE_CLASS = "kubernetes:eks.amazonaws.com/v1:NodeClass"
NODE_POOL = "kubernetes:karpenter.sh/v1:NodePool"
#: The kinds and their server-side-apply patches.
KINDS = {token: token.rsplit(":", 1)[1] for token in (EC2_NODE_CLASS, NODE_CLASS, NODE_POOL)}
KINDS.update({token + "Patch": kind + "Patch" for token, kind in list(KINDS.items())})

DO_NOT_DISRUPT = "karpenter.sh/do-not-disrupt"
#: Karpenter's duration strings (``720h``, ``1h30m``, ``90s``) or ``Never``.
_DURATION = re.compile(r"^(?:[0-9]+(?:s|m|h))+$")
_PART = re.compile(r"([0-9]+)(s|m|h)")
_SECONDS = {"s": 1, "m": 60, "h": 3600}


@dataclass(frozen=True)
class CustomResourceView:
    """One Karpenter or Auto Mode object as the M rules read it."""

    token: str
    kind: str
    """``EC2NodeClass``, ``NodeClass`` or ``NodePool``, with ``Patch`` for a server-side-apply patch."""
    name: str
    """``metadata.name``, else the Pulumi resource name."""
    spec: Any
    """The ``spec`` as sent ({} when unset); read it with ``_known.get``."""

    @property
    def is_patch(self) -> bool:
        return self.kind.endswith("Patch")

    def judged(self, key: str) -> bool:
        """Whether a rule judges ``spec.<key>``: always on an object (unset means the default), on a patch only
        when the patch sets it."""
        return not self.is_patch or get(self.spec, key) is not None

    def describe(self) -> str:
        return f"{self.kind} '{self.name}'"


def view(token: str, props: Any, fallback: str, *kinds: str) -> CustomResourceView | None:
    """The view of a resource whose kind (patch or not) is one of ``kinds``; None for any other resource."""
    kind = KINDS.get(token)
    if kind is None or kind.removesuffix("Patch") not in kinds:
        return None
    name = get(get(props, "metadata"), "name")
    spec = get(props, "spec")
    return CustomResourceView(token, kind, fallback if name is UNKNOWN or not name else str(name),
                              {} if spec is None else spec)


def of(args: Any, *kinds: str) -> CustomResourceView | None:
    """The view of a policy's resource (``ResourceValidationArgs`` or a stack policy's ``PolicyResource``)."""
    return view(args.resource_type, args.props, args.name, *kinds)


def items(value: Any, path: str) -> list[Any]:
    """The items of a list in the spec; the list itself must be known (its items may hold unknowns)."""
    return elements(known(value, path))


def duration_seconds(text: str) -> int | None:
    """``720h`` -> 2592000; ``Never`` and anything that is not a Karpenter duration -> None."""
    if not _DURATION.match(text):
        return None
    return sum(int(n) * _SECONDS[unit] for n, unit in _PART.findall(text))


def selector_terms(spec: Any, key: str) -> list[tuple[int, dict[str, Any], Any]]:
    """``(index, tags, id)`` of each selector term of ``spec.<key>`` (subnets, security groups). ``tags`` maps a
    tag key to its wanted value (:data:`UNKNOWN` when unknown at preview, ``*`` for any value); ``id`` is None when
    the term selects by tags."""
    out = []
    for i, term in enumerate(items(get(spec, key), f"spec.{key}")):
        tags = known(get(term, "tags"), f"spec.{key}[{i}].tags")
        tags = tags if isinstance(tags, Mapping) else {}
        out.append((i, {str(k): get(tags, str(k)) for k in tags}, get(term, "id")))
    return out


def tag_matches(wanted: Any, actual: Any) -> bool:
    """Whether a subnet's tag value ``actual`` satisfies a selector's ``wanted`` value. A value unknown at preview
    on either side (a cluster name from a resource of this stack) is taken to match: the tag key decides, and a
    subnet that does not carry the key is never selected."""
    return wanted is UNKNOWN or actual is UNKNOWN or str(wanted) == "*" or str(wanted) == str(actual)


def selects(term_tags: dict[str, Any], subnet_tags: Any) -> bool:
    """Whether a tag selector term (all its tags, ANDed) selects a resource carrying ``subnet_tags``."""
    subnet_tags = known(subnet_tags, "tags", "of a subnet are computed by the cloud, so no selector can be matched "
                                             "against them yet") or {}
    absent = object()
    return bool(term_tags) and all((actual := get(subnet_tags, key, absent)) is not absent
                                   and tag_matches(value, actual) for key, value in term_tags.items())
