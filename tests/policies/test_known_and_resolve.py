"""The pack's shared readers for values unknown at preview, and its property-dependency resolver."""

from __future__ import annotations

import pytest
from _known import UNKNOWN, Deferred, Undecided, elements, get, is_set, known
from _resolve import referenced, referrers
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, unknown_checking_proxy

from tests.policies.fixtures import stack_resource

PROPS = unknown_checking_proxy({
    "keyArn": UNKNOWN_STRING_VALUE, "name": "eks-dev", "empty": "",
    "subnetIds": ["subnet-0a", UNKNOWN_STRING_VALUE], "nested": {"id": UNKNOWN_STRING_VALUE},
})


def test_reading_an_unknown_through_the_sdk_proxy_raises() -> None:
    with pytest.raises(UnknownValueError):
        PROPS.get("keyArn")
    with pytest.raises(UnknownValueError):
        _ = "keyArn" in PROPS  # Mapping.__contains__ reads the value


def test_get_and_presence_never_raise() -> None:
    assert get(PROPS, "keyArn") is UNKNOWN
    assert get(PROPS, "name") == "eks-dev"
    assert get(PROPS, "missing", "default") == "default"
    assert get(get(PROPS, "nested"), "id") is UNKNOWN
    assert get(UNKNOWN, "anything") is UNKNOWN
    assert is_set(PROPS, "keyArn"), "a value a resource computes is set"
    assert not is_set(PROPS, "empty") and not is_set(PROPS, "missing")
    assert elements(get(PROPS, "subnetIds")) == ["subnet-0a", UNKNOWN]
    assert elements(None) == []


def test_known_names_the_path_and_says_up_decides() -> None:
    assert known("x", "a.b") == "x"
    with pytest.raises(Undecided) as caught:
        known(UNKNOWN, "encryptionConfig.provider.keyArn", "is the ARN of a key this stack creates")
    assert caught.value.message == (".encryptionConfig.provider.keyArn is the ARN of a key this stack creates; "
                                    "this rule decides it during `pulumi up`")
    assert isinstance(caught.value, UnknownValueError), "the policy SDK reports it as \"can't run\""


def test_deferred_keeps_deciding_then_raises_the_first_undecided() -> None:
    later, decided = Deferred(), []
    for value in ("a", UNKNOWN, "b", UNKNOWN):
        with later.item():
            decided.append(known(value, "x"))
    assert decided == ["a", "b"]
    with pytest.raises(Undecided) as caught:
        later.done()
    assert caught.value.message == ".x is computed by the cloud and unknown until the resource exists; this rule " \
                                   "decides it during `pulumi up` (1 more undecided here)"
    Deferred().done()  # nothing held back: no error


def test_referenced_follows_property_dependencies_and_aliases() -> None:
    key = stack_resource("aws:kms/key:Key", "key", {"enableKeyRotation": True})
    alias = stack_resource("aws:kms/alias:Alias", "alias", {"name": "alias/x"}, {"targetKeyId": [key]})
    subnet = stack_resource("aws:ec2/subnet:Subnet", "subnet", {})
    cluster = stack_resource("aws:eks/cluster:Cluster", "cluster", {}, {"encryptionConfig": [alias],
                                                                         "vpcConfig": [subnet]})
    assert referenced(cluster, "encryptionConfig", "aws:kms/key:Key") == [key]
    assert referenced(cluster, "encryptionConfig") == [alias, key]
    assert referenced(cluster, "vpcConfig", "aws:kms/key:Key") == []
    assert referenced(cluster, "missing") == []
    assert referrers([cluster, alias, key], key, "encryptionConfig") == [cluster]


def test_elements_treats_a_mapping_as_one_item_like_as_list() -> None:
    statement = unknown_checking_proxy({"Statement": {"Effect": "Allow"}})
    (only,) = elements(get(statement, "Statement"))
    assert get(only, "Effect") == "Allow"
