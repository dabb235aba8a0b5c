"""Structured metadata of every rule: catalogue id, shared-responsibility side, anchors.

Each policy file declares one ``METADATA = RuleMetadata(...)`` next to its policy, and builds the policy's
tags from it (``tags=METADATA.tags("eks", "encryption")``): the record is the single source of the framework
ids, and the anchor tags (``cis-eks-5.3.1``, ``ckv-aws-58``, ``bpg-data``, ``pcp-...``, ``ag-...``) are derived
from it, never written by hand. What the policy object already carries (name, severity, remediation steps,
url) stays on the policy; :func:`registry` joins the two, keyed by policy name.

Anchor notation, shared by every framework field: the id first, then optional qualifiers in parentheses,
which the docs show and the tags drop:

* ``cis``: CIS Amazon EKS Benchmark v1.8.0 sections, ``"5.3.1"``; an older version's numbering as
  ``"4.1.7 (v1.5.0)"``; ``"(derived)"`` when the rule is inferred from the section's text, ``"(related)"``
  when the section is adjacent rather than the same control.
* ``bpg``: EKS Best Practices Guide, security section: ``"<area>: <section title>"``, or just ``"<area>"``
  where the guide makes the point without a section of its own. The id (and tag) is the area; everything
  after it, parentheses included, is shown as written.
* ``checkov``: checkov check ids, ``"CKV_AWS_58"``, ``"CKV2_K8S_6"``; ``"(analogous)"`` for the same check on
  a neighbouring resource type.
* ``pcp`` / ``ag``: Pulumi compliance-policies and AWSGuard policy names (``*`` stands for the resource
  kinds PCP generates one policy per).
* ``pss``: Pod Security Standards controls, ``"<level>: <control>"`` (``"restricted: Volume Types"``); the id
  (and tag, ``pss-restricted``) is the level.

Claims: an id without a qualifier claims the rule is **equivalent** to it (it flags what the check flags, on
the same objects); ``(stricter)`` says the rule flags everything the check flags and more (the reason
follows, e.g. ``"CKV_K8S_28 (stricter: drop ALL, not only NET_RAW)"``); ``(partial)`` that it flags a subset;
``(analogous)``, ``(derived)`` and ``(related)`` that it is not the same check.

This module is imported by every policy file when the pack starts, so it imports nothing of the pack.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass
from types import ModuleType
from typing import Literal

from pulumi_policy import Policy

#: ``customer`` is AWS's "security in the cloud"; ``aws`` would be "security of the cloud", which no
#: policy over a customer's program can enforce. Every rule of this pack is on the customer side.
Side = Literal["customer", "aws"]
SIDES: tuple[Side, ...] = ("customer", "aws")

#: The security areas of the EKS Best Practices Guide that rules cite.
BPG_AREAS = ("iam", "pods", "runtime", "network", "data", "hosts", "image", "detective", "multitenancy")

#: Catalogue ids (POLICY_CATALOGUE.md sections A-L; M: node provisioning, Karpenter, EKS Auto Mode and node repair,
#: issue 16); X marks rules of this pack the catalogue does not list.
_ID = re.compile(r"^[A-MX][1-9][0-9]*$")
_QUALIFIER = r"(?: \([^()]+\))*"
_FORMATS = {
    "cis": re.compile(rf"^[1-9][0-9]*(?:\.[0-9]+)*{_QUALIFIER}$"),
    "bpg": re.compile(rf"^(?:{'|'.join(BPG_AREAS)})(?:: \S.*)?$"),
    "checkov": re.compile(rf"^CKV2?_(?:AWS|K8S)_[1-9][0-9]*{_QUALIFIER}$"),
    "pcp": re.compile(rf"^(?:aws|kubernetes)-[a-z0-9*-]+{_QUALIFIER}$"),
    "ag": re.compile(rf"^[a-z0-9-]+{_QUALIFIER}$"),
    "pss": re.compile(rf"^(?:baseline|restricted): [^()]*[^() ]{_QUALIFIER}$"),
}
#: The framework fields of a record, in the order tags and docs list them.
FRAMEWORKS = ("cis", "bpg", "checkov", "pcp", "ag", "pss")
#: Frameworks whose entries may share an id (BPG areas, PSS levels).
_REPEATABLE = ("bpg", "pss")
#: Tag prefix per framework (checkov ids bring their own: ``ckv-``, ``ckv2-``); tags matching ``_ANCHOR_TAG``
#: are anchor tags, which only a record may produce.
TAG_PREFIXES = {"cis": "cis-eks-", "bpg": "bpg-", "checkov": "", "pcp": "pcp-", "ag": "ag-", "pss": "pss-"}
_ANCHOR_TAG = re.compile(r"^(?:cis-eks-|bpg-|ckv2?-|pcp-|ag-|pss-)")


def anchor_id(entry: str) -> str:
    """The id of an anchor entry, without its qualifiers: ``"4.1.7 (v1.5.0)"`` -> ``"4.1.7"``; for BPG the
    area: ``"iam: Make the EKS Cluster Endpoint private"`` -> ``"iam"``."""
    match = re.match(r"[^: ]+", entry)
    return match.group(0) if match else entry


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9.]+", "-", text.lower()).strip("-")


def is_anchor_tag(tag: str) -> bool:
    """Whether ``tag`` names a framework id (and so must come from a :class:`RuleMetadata`)."""
    return bool(_ANCHOR_TAG.match(tag))


@dataclass(frozen=True)
class RuleMetadata:
    """What a rule enforces in the shared-responsibility model and which frameworks it maps to."""

    id: str
    """Catalogue id (``A3``, ``J16``; ``X<n>`` for a rule the catalogue does not list). Rules split over
    several policies (A9, C3, F12 ...) share it."""
    aws_control: str
    """The AWS-side control (security *of* the cloud) the rule relies on: what AWS operates that makes the
    customer's setting effective."""
    cis: tuple[str, ...] = ()
    """CIS Amazon EKS Benchmark sections."""
    bpg: tuple[str, ...] = ()
    """EKS Best Practices Guide (security) areas and section titles."""
    checkov: tuple[str, ...] = ()
    """checkov check ids."""
    pcp: tuple[str, ...] = ()
    """Pulumi compliance-policies policy names."""
    ag: tuple[str, ...] = ()
    """AWSGuard policy names."""
    pss: tuple[str, ...] = ()
    """Pod Security Standards controls, ``"restricted: Volume Types"``."""
    side: Side = "customer"
    """The shared-responsibility side the rule enforces: ``customer`` (security in the cloud)."""

    def __post_init__(self) -> None:
        problems = []
        if not _ID.match(self.id):
            problems.append(f"id {self.id!r} is not a catalogue id such as 'A3' (or 'X1' outside the catalogue)")
        if self.side not in SIDES:
            problems.append(f"side {self.side!r} is not one of {', '.join(SIDES)}")
        if not self.aws_control.strip() or self.aws_control != self.aws_control.strip():
            problems.append("aws_control must name the AWS-side control the rule relies on")
        for name in FRAMEWORKS:
            entries = getattr(self, name)
            if not isinstance(entries, tuple):
                problems.append(f"{name} must be a tuple, not {type(entries).__name__}")
                continue
            bad = [e for e in entries if not isinstance(e, str) or not _FORMATS[name].match(e)]
            if bad:
                problems.append(f"{name} entries {bad!r} do not match {_FORMATS[name].pattern}")
            ids = [anchor_id(e) for e in entries if isinstance(e, str)]
            if name not in _REPEATABLE and len(set(ids)) != len(ids):
                problems.append(f"{name} lists an id twice: {ids!r}")
        if problems:
            raise ValueError(f"RuleMetadata {self.id}: " + "; ".join(problems))

    def framework_ids(self, framework: str) -> tuple[str, ...]:
        """The ids of one framework, qualifiers dropped, first occurrence kept (BPG: the areas; PSS: the levels)."""
        return tuple(dict.fromkeys(anchor_id(e) for e in getattr(self, framework)))

    def anchor_tags(self) -> list[str]:
        """The tags naming this rule's framework ids: ``cis-eks-5.3.1``, ``bpg-data``, ``ckv-aws-58``,
        ``pcp-aws-eks-cluster-enable-cluster-encryption-config``, ``ag-encrypted-volumes``."""
        tags = [TAG_PREFIXES[name] + _slug(i) for name in FRAMEWORKS for i in self.framework_ids(name)]
        return list(dict.fromkeys(tags))

    def tags(self, *topics: str) -> list[str]:
        """The policy's tags: its topics (``"eks"``, ``"encryption"``), then the anchor tags of this record.

        A topic that looks like an anchor tag is refused: framework ids live in the record only.
        """
        anchored = [t for t in topics if is_anchor_tag(t)]
        if anchored:
            raise ValueError(f"RuleMetadata {self.id}: {anchored!r} are framework ids; put them in the record")
        return list(dict.fromkeys([*topics, *self.anchor_tags()]))


@dataclass(frozen=True)
class Rule:
    """One policy of the pack with its metadata: the registry's entry."""

    policy: Policy
    metadata: RuleMetadata
    module: str
    """The module defining the policy, e.g. ``aws.eks.cluster.enable_secrets_encryption``."""

    @property
    def name(self) -> str:
        return str(self.policy.name)

    @property
    def severity(self) -> str:
        return self.policy.severity.value if self.policy.severity is not None else ""

    @property
    def remediation(self) -> str:
        return str(self.policy.remediation_steps or "")


class MetadataError(ValueError):
    """A policy module without a (valid) ``METADATA``, or with more than one policy."""


def _rules_of(module: ModuleType) -> tuple[list[Policy], object]:
    policies = [v for v in vars(module).values() if isinstance(v, Policy)]
    return policies, vars(module).get("METADATA")


def registry(packages: tuple[str, ...] = ("aws", "k8s")) -> dict[str, Rule]:
    """Every policy under the pack's packages with its metadata, by policy name.

    Needs the pack directory on ``sys.path`` (as when the pack runs, and in the tests). Raises
    :class:`MetadataError` naming every module whose policy has no ``METADATA``, or that defines more than
    one policy (one policy per file is the unit the metadata hangs on).
    """
    rules: dict[str, Rule] = {}
    problems: list[str] = []
    for package_name in packages:
        package = importlib.import_module(package_name)
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            module = importlib.import_module(info.name)
            policies, metadata = _rules_of(module)
            if not policies:
                continue
            if len(policies) > 1:
                problems.append(f"{info.name} defines {len(policies)} policies; keep one policy per file")
                continue
            if not isinstance(metadata, RuleMetadata):
                problems.append(f"{info.name} ({policies[0].name}) has no METADATA = RuleMetadata(...)")
                continue
            policy = policies[0]
            if policy.name in rules:
                problems.append(f"{info.name} and {rules[policy.name].module} both define {policy.name}")
                continue
            rules[policy.name] = Rule(policy, metadata, info.name)
    if problems:
        raise MetadataError("policy metadata is incomplete:\n  " + "\n  ".join(problems))
    return rules


def id_sort_key(rule_id: str) -> tuple[str, int]:
    """Natural order of catalogue ids: A1, A2, ..., A10, then B1."""
    return rule_id[0], int(rule_id[1:])
