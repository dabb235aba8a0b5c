"""Every policy in the pack carries the metadata the style guide requires."""

from __future__ import annotations

import re
import sys
from typing import Any

import pytest
from _metadata import Rule, RuleMetadata, id_sort_key, registry
from pulumi_policy import Severity

from tests.policies.fixtures import pack_policies

ALL = sorted(pack_policies().values(), key=lambda p: p.name)
NAME = re.compile(r"^(aws-[a-z0-9]+-[a-z0-9]+|kubernetes-[a-z0-9]+)-(missing|disallow|enable|disable|configure|enforce)-[a-z0-9-]+$")


@pytest.mark.parametrize("policy", ALL, ids=lambda p: p.name)
def test_metadata(policy) -> None:  # type: ignore[no-untyped-def]
    assert NAME.match(policy.name), policy.name
    assert policy.description.endswith("."), policy.description
    assert isinstance(policy.severity, Severity)
    assert policy.tags and policy.remediation_steps and policy.url.startswith("https://")
    assert policy.enforcement_level is None, "levels are set by the pack and the stack's policy config"


def test_names_are_unique_and_the_pack_is_complete() -> None:
    assert len({p.name for p in ALL}) == len(ALL) >= 23


# Structured metadata (policies/_metadata.py): every policy declares METADATA next to it --------------------------

RULES = registry()
FRAMEWORK_TAG = re.compile(r"^(cis-eks-|bpg-|ckv2?-|pcp-|ag-|pss-)")


def test_every_policy_has_a_metadata_record() -> None:
    assert set(RULES) == {p.name for p in ALL}, "registry() pairs each policy with the METADATA of its file"


@pytest.mark.parametrize("rule", sorted(RULES.values(), key=lambda r: r.name), ids=lambda r: r.name)
def test_metadata_record(rule: Rule) -> None:
    m = rule.metadata
    assert m.id and m.side == "customer" and m.aws_control.strip() and rule.remediation.strip(), rule.name
    assert rule.severity in ("critical", "high", "medium", "low"), rule.name
    doc = sys.modules[rule.module].__doc__ or ""
    assert doc.startswith((f"{m.id}:", f"{m.id} (")), f"{rule.module}'s docstring starts with its id {m.id}"


@pytest.mark.parametrize("rule", sorted(RULES.values(), key=lambda r: r.name), ids=lambda r: r.name)
def test_the_docstring_cites_only_ids_of_the_record(rule: Rule) -> None:
    """The module docstring's summary may cite anchors in prose; those it cites are in METADATA."""
    summary = (sys.modules[rule.module].__doc__ or "").split("\n\n")[0]
    checkov = set(re.findall(r"CKV2?_(?:AWS|K8S)_[0-9]+", summary))
    for m in re.finditer(r"(CKV2?_(?:AWS|K8S)_)[0-9]+((?:(?:, |/)[0-9]+)+)", summary):  # CKV_K8S_25, 28 / 62/63
        checkov |= {m.group(1) + n for n in re.findall(r"[0-9]+", m.group(2))}
    cis = set(re.findall(r"CIS EKS (?:v[0-9.]+ )?([0-9]+(?:\.[0-9x]+)*)", summary))
    assert checkov <= set(rule.metadata.framework_ids("checkov")), rule.name
    assert cis <= set(rule.metadata.framework_ids("cis")), rule.name


@pytest.mark.parametrize("rule", sorted(RULES.values(), key=lambda r: r.name), ids=lambda r: r.name)
def test_framework_tags_come_from_the_record(rule: Rule) -> None:
    """One source of truth: the anchor tags are exactly those derived from METADATA (tags=METADATA.tags(...))."""
    tags = list(rule.policy.tags)
    assert [t for t in tags if FRAMEWORK_TAG.match(t)] == rule.metadata.anchor_tags(), rule.name
    assert len(set(tags)) == len(tags), rule.name


def test_rules_split_over_several_policies_share_an_id() -> None:
    by_id: dict[str, list[str]] = {}
    for rule in RULES.values():
        by_id.setdefault(rule.metadata.id, []).append(rule.name)
    assert sorted(by_id["F12"]) == sorted(n for n in RULES if n.startswith("aws-kms-key-"))
    assert len(by_id["C3"]) == len(by_id["A9"]) == len(by_id["A6"]) == len(by_id["J16"]) == 2
    assert sorted(by_id, key=id_sort_key)[:3] == ["A1", "A2", "A3"]


@pytest.mark.parametrize(("record", "tags"), [
    (RuleMetadata(id="A3", aws_control="KMS", cis=("5.3.1",), checkov=("CKV_AWS_58",)),
     ["cis-eks-5.3.1", "ckv-aws-58"]),
    (RuleMetadata(id="B1", aws_control="authenticator", cis=("4.1.7 (v1.5.0)",), bpg=("iam",)),
     ["cis-eks-4.1.7", "bpg-iam"]),
    (RuleMetadata(id="E4", aws_control="CNI", bpg=("network: Create a default deny policy", "network: Other"),
                  checkov=("CKV2_K8S_6",)), ["bpg-network", "ckv2-k8s-6"]),
    (RuleMetadata(id="J27", aws_control="EKS", pcp=("kubernetes-*-disallow-beta-resource",), ag=("efs-encrypted",)),
     ["pcp-kubernetes-disallow-beta-resource", "ag-efs-encrypted"]),
    (RuleMetadata(id="F1", aws_control="EBS", checkov=("CKV_AWS_3 (analogous)",)), ["ckv-aws-3"]),
    (RuleMetadata(id="J8", aws_control="runtime", pss=("baseline: Capabilities", "restricted: Capabilities (partial)")),
     ["pss-baseline", "pss-restricted"]),
])
def test_anchor_tags_are_derived_from_the_ids(record: RuleMetadata, tags: list[str]) -> None:
    assert record.anchor_tags() == tags
    assert record.tags("eks", "storage") == ["eks", "storage", *tags]


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"id": "A"}, "not a catalogue id"),
    ({"id": "Z1"}, "not a catalogue id"),
    ({"aws_control": " "}, "aws_control must name"),
    ({"side": "shared"}, "side 'shared'"),
    ({"cis": ["5.3.1"]}, "cis must be a tuple"),
    ({"checkov": ("CKV_AWS58",)}, "checkov entries"),
    ({"checkov": ("CKV_AWS_58", "CKV_AWS_58 (analogous)")}, "checkov lists an id twice"),
    ({"bpg": ("security: Groups",)}, "bpg entries"),
    ({"cis": ("CIS 5.3.1",)}, "cis entries"),
    ({"pss": ("strict: Capabilities",)}, "pss entries"),
    ({"pss": ("restricted:",)}, "pss entries"),
])
def test_invalid_records_are_refused_at_import(kwargs: dict[str, Any], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        RuleMetadata(**{"id": "A3", "aws_control": "EKS envelope encryption", **kwargs})


def test_framework_ids_cannot_be_written_as_topic_tags() -> None:
    with pytest.raises(ValueError, match="framework ids; put them in the record"):
        RuleMetadata(id="A3", aws_control="KMS").tags("eks", "ckv-aws-58")


def test_records_are_frozen() -> None:
    record = RuleMetadata(id="A3", aws_control="KMS")
    with pytest.raises(AttributeError):
        record.id = "A4"  # type: ignore[misc]


def test_natural_id_order() -> None:
    assert sorted(["C10", "A2", "C2", "I12", "I1", "X1", "L1"], key=id_sort_key) == \
        ["A2", "C2", "C10", "I1", "I12", "L1", "X1"]
