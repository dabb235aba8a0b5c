"""F12 KMS key hygiene: rotation, public and lockout-bypassing policies, the default policy, disabled keys, descriptions.

Each rule fires on the golden key with one field changed and is silent on the golden key; values unknown at the
first preview either decide by presence or name themselves as decided during ``pulumi up``.
"""

from __future__ import annotations

import ast
import json
from typing import Any

import pytest
from _known import Undecided
from pulumi_policy import ResourceValidationArgs
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from aws.kms.key.disallow_bypass_lockout_safety_check import disallow_bypass_lockout_safety_check as bypass
from aws.kms.key.disallow_disabled_key import disallow_disabled_key as disabled
from aws.kms.key.disallow_public_policy import disallow_public_policy as public
from aws.kms.key.enable_key_rotation import enable_key_rotation as rotation
from aws.kms.key.missing_description import missing_description as description
from aws.kms.key.missing_policy import missing_policy
from tests.conftest import REPO
from tests.policies.fixtures import _opts, resource_args, run, urn_of

KEY = "aws:kms/key:Key"
KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"
ALL = [rotation, public, bypass, missing_policy, disabled, description]
ROOT = {"Sid": "KeyAdministration", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
        "Action": "kms:*", "Resource": "*"}


def key(name: str = "secrets", **changes: Any) -> ResourceValidationArgs:
    """The golden key with ``changes`` (None removes a field)."""
    def change(p: dict[str, Any]) -> None:
        for field, value in changes.items():
            if value is None:
                p.pop(field, None)
            else:
                p[field] = value
    return resource_args(KEY, change, name=name)


def document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [ROOT, *statements]})


def key_policy(props: dict[str, Any], name: str = "attached") -> ResourceValidationArgs:
    return ResourceValidationArgs(KEY_POLICY, unknown_checking_proxy(props), urn_of(KEY_POLICY, name), name, _opts(),
                                  None, {})


@pytest.mark.parametrize("policy", ALL, ids=lambda p: p.name)
def test_the_golden_key_is_silent(policy: Any) -> None:
    assert run(policy, key()) == []


@pytest.mark.parametrize("policy", ALL, ids=lambda p: p.name)
def test_other_resource_types_are_ignored(policy: Any) -> None:
    try:
        assert run(policy, resource_args("aws:cloudwatch/logGroup:LogGroup")) == []
    except _NotApplicableError as error:  # F12 is a stack policy: the stack has no key
        assert policy is missing_policy and "no KMS keys" in str(error.reason)


# --- aws-kms-key-enable-key-rotation


@pytest.mark.parametrize(("value", "state"), [(False, "false"), (None, "unset")])
def test_a_key_that_does_not_rotate_fires(value: Any, state: str) -> None:
    (message, _), = run(rotation, key("never-rotated", enableKeyRotation=value))
    assert message.startswith(f"KMS key 'never-rotated' does not rotate its key material (enableKeyRotation is {state})")
    assert "Set enable_key_rotation=True" in message


@pytest.mark.parametrize(("field", "spec"), [("customerMasterKeySpec", "RSA_2048"), ("customerMasterKeySpec", "HMAC_256"),
                                             ("keySpec", "ECC_NIST_P256")])
def test_asymmetric_and_hmac_keys_cannot_rotate_so_the_rule_does_not_apply(field: str, spec: str) -> None:
    with pytest.raises(_NotApplicableError):
        run(rotation, key(enableKeyRotation=None, **{field: spec}))


def test_keys_in_a_custom_key_store_cannot_rotate() -> None:
    with pytest.raises(_NotApplicableError):
        run(rotation, key(enableKeyRotation=None, customKeyStoreId=UNKNOWN_STRING_VALUE))


def test_a_symmetric_spec_still_needs_rotation() -> None:
    assert len(run(rotation, key(enableKeyRotation=False, customerMasterKeySpec="SYMMETRIC_DEFAULT"))) == 1


def test_rotation_unknown_at_preview_is_decided_at_up() -> None:
    with pytest.raises(Undecided, match=r"^\.enableKeyRotation .*decides it during `pulumi up`"):
        run(rotation, key(enableKeyRotation=UNKNOWN_STRING_VALUE))


# --- aws-kms-key-disallow-public-policy


@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}, {"AWS": ["arn:aws:iam::111111111111:role/app", "*"]}])
def test_a_policy_open_to_every_principal_fires(principal: Any) -> None:
    open_statement = {"Sid": "Everyone", "Effect": "Allow", "Principal": principal, "Action": "kms:Decrypt",
                      "Resource": "*"}
    (message, _), = run(public, key("public-key", policy=document(open_statement)))
    assert message.startswith("KMS key 'public-key' policy statement 1 ('Everyone') allows Principal \"*\" without a "
                              "Condition, so principals of any AWS account can use the key.")
    assert "aws:PrincipalOrgID" in message


def test_every_open_statement_is_named() -> None:
    open_statement = {"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"}
    found = run(public, key(policy=document(open_statement, open_statement)))
    assert [m.split(" allows")[0] for m, _ in found] == ["KMS key 'secrets' policy statement 1",
                                                          "KMS key 'secrets' policy statement 2"]


@pytest.mark.parametrize("statement", [
    {"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*",
     "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}}},
    {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*",
     "Condition": {"StringEquals": {"kms:CallerAccount": "111111111111",
                                    "kms:ViaService": "ec2.us-west-2.amazonaws.com"}}},
    {"Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*",
     "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    {"Effect": "Deny", "Principal": "*", "Action": "kms:ScheduleKeyDeletion", "Resource": "*"},
    {"Effect": "Allow", "Principal": {"Service": "logs.us-west-2.amazonaws.com"}, "Action": "kms:Encrypt*",
     "Resource": "*"},
])
def test_scoped_denied_and_named_statements_are_silent(statement: dict[str, Any]) -> None:
    assert run(public, key(policy=document(statement))) == []


def test_allow_with_not_principal_fires() -> None:
    statement = {"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111111111111:role/x"}, "Action": "kms:*",
                 "Resource": "*"}
    (message, _), = run(public, key(policy=document(statement)))
    assert "allows everyone but its NotPrincipal" in message


def test_a_policy_rendered_from_new_outputs_is_decided_at_up() -> None:
    with pytest.raises(Undecided) as caught:
        run(public, key(policy=UNKNOWN_STRING_VALUE))
    assert caught.value.message.startswith(".policy is rendered from outputs of resources this stack creates")
    assert "aws.get_caller_identity" in caught.value.message
    assert caught.value.message.endswith("this rule decides it during `pulumi up`")


def test_a_policy_from_invoke_results_is_decided_at_preview() -> None:
    """A document built with json.dumps from the account id of aws.get_caller_identity() is a known string."""
    account = "111111111111"
    open_statement = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*"}
    policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {**ROOT, "Principal": {"AWS": f"arn:aws:iam::{account}:root"}}, open_statement]})
    assert len(run(public, key(policy=policy))) == 1


def test_no_policy_is_missing_policy_s_business() -> None:
    assert run(public, key(policy=None)) == []


def test_a_separate_key_policy_is_checked_too() -> None:
    open_doc = document({"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"})
    (message, _), = run(public, key_policy({"keyId": UNKNOWN_STRING_VALUE, "policy": open_doc}))
    assert message.startswith("KeyPolicy 'attached' policy statement 1 allows Principal \"*\"")
    assert run(public, key_policy({"keyId": UNKNOWN_STRING_VALUE, "policy": document()})) == []


# --- aws-kms-key-disallow-bypass-lockout-safety-check


def test_bypassing_the_lockout_safety_check_fires() -> None:
    (message, _), = run(bypass, key("lockout-bypass", bypassPolicyLockoutSafetyCheck=True))
    assert message.startswith("KMS key 'lockout-bypass' sets bypassPolicyLockoutSafetyCheck, so KMS accepts a key "
                              "policy that locks every principal")
    assert "Remove bypass_policy_lockout_safety_check" in message


def test_the_safety_check_kept_is_silent() -> None:
    assert run(bypass, key(bypassPolicyLockoutSafetyCheck=None)) == []
    assert run(bypass, key(bypassPolicyLockoutSafetyCheck=False)) == []


def test_a_key_policy_resource_bypassing_the_check_fires() -> None:
    found = run(bypass, key_policy({"keyId": "k", "policy": document(), "bypassPolicyLockoutSafetyCheck": True}))
    assert [m.split(",")[0] for m, _ in found] == ["KeyPolicy 'attached' sets bypassPolicyLockoutSafetyCheck"]


def test_bypass_unknown_at_preview_is_decided_at_up() -> None:
    with pytest.raises(Undecided, match=r"^\.bypassPolicyLockoutSafetyCheck "):
        run(bypass, key(bypassPolicyLockoutSafetyCheck=UNKNOWN_STRING_VALUE))


# --- aws-kms-key-missing-policy


@pytest.mark.parametrize("policy", [None, ""])
def test_a_key_on_the_default_policy_fires(policy: Any) -> None:
    args = key("default-policy", policy=None) if policy is None else resource_args(
        KEY, lambda p: p.update(policy=policy), name="default-policy")
    (message, _), = run(missing_policy, args)
    assert message.startswith("KMS key 'default-policy' has no key policy, neither its own nor an aws.kms.KeyPolicy "
                              "of this stack, so AWS attaches its default one, which no review of this program sees")
    assert "Set policy=" in message


def test_a_policy_unknown_at_preview_is_present() -> None:
    assert run(missing_policy, key(policy=UNKNOWN_STRING_VALUE)) == []


def test_a_separate_key_policy_attaches_a_policy_in_both_phases() -> None:
    """F12 follows the KeyPolicy's keyId: a dependency on the key at preview, the key's ID at up."""
    from pulumi_policy.policy import PolicyResource, StackValidationArgs

    def resource(token: str, name: str, props: dict[str, Any], deps: Any = None) -> PolicyResource:
        return PolicyResource(token, unknown_checking_proxy(props), urn_of(token, name), name, _opts(), None, None,
                              [], deps or {})

    bare = key("secrets", policy=None)
    secret_key = resource(KEY, "secrets", dict(bare.props))
    other = resource(KEY, "logs", {**dict(bare.props), "keyId": "k-logs"})
    preview = resource(KEY_POLICY, "secrets-policy", {"keyId": UNKNOWN_STRING_VALUE, "policy": document()},
                       {"keyId": [secret_key]})
    found = run(missing_policy, StackValidationArgs([secret_key, other, preview], {}))
    assert [urn for _, urn in found] == [other.urn], "the attached key passes; the other key still fires"
    up_key = resource(KEY, "secrets", {**dict(bare.props), "keyId": "1234abcd", "arn": "arn:aws:kms:1:key/1234abcd"})
    up = resource(KEY_POLICY, "secrets-policy", {"keyId": "1234abcd", "policy": document()})
    assert run(missing_policy, StackValidationArgs([up_key, up], {})) == []
    unattached = resource(KEY_POLICY, "secrets-policy", {"keyId": "other", "policy": document()})
    assert len(run(missing_policy, StackValidationArgs([up_key, unattached], {}))) == 1


# --- aws-kms-key-disallow-disabled-key


def test_a_disabled_key_fires() -> None:
    (message, _), = run(disabled, key("disabled-key", isEnabled=False))
    assert message.startswith("KMS key 'disabled-key' is disabled (isEnabled is false): everything it encrypts")
    assert "Set is_enabled=True" in message


def test_an_enabled_or_default_key_is_silent() -> None:
    assert run(disabled, key(isEnabled=None)) == []


def test_enabled_unknown_at_preview_is_decided_at_up() -> None:
    with pytest.raises(Undecided, match=r"^\.isEnabled "):
        run(disabled, key(isEnabled=UNKNOWN_STRING_VALUE))


# --- aws-kms-key-missing-description


def test_a_key_without_description_fires() -> None:
    (message, _), = run(description, key("undescribed-key", description=None))
    assert message == ("KMS key 'undescribed-key' has no description; set description= to say what it encrypts and "
                       "who owns it, so it can be audited, rotated and retired safely.")
    assert len(run(description, resource_args(KEY, lambda p: p.update(description="")))) == 1


def test_a_description_unknown_at_preview_is_present() -> None:
    assert run(description, key(description=UNKNOWN_STRING_VALUE)) == []


# --- assembly


def _pack_lists() -> dict[str, set[str]]:
    """Policy names in MANDATORY_BASELINE and ADVISORY of policies/__main__.py (read, never imported)."""
    tree = ast.parse((REPO / "policies" / "__main__.py").read_text())
    variable_to_module: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("aws."):
            for alias in node.names:
                variable_to_module[alias.asname or alias.name] = f"{node.module}:{alias.name}"
    lists: dict[str, set[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.List):
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id in ("MANDATORY_BASELINE", "ADVISORY"):
                lists[target.id] = {variable_to_module.get(e.id, e.id) for e in node.value.elts
                                    if isinstance(e, ast.Name)}
    return lists


@pytest.mark.parametrize(("module", "level"), [
    ("aws.kms.key.enable_key_rotation:enable_key_rotation", "MANDATORY_BASELINE"),
    ("aws.kms.key.disallow_public_policy:disallow_public_policy", "MANDATORY_BASELINE"),
    ("aws.kms.key.disallow_bypass_lockout_safety_check:disallow_bypass_lockout_safety_check", "MANDATORY_BASELINE"),
    ("aws.kms.key.missing_policy:missing_policy", "MANDATORY_BASELINE"),
    ("aws.kms.key.disallow_disabled_key:disallow_disabled_key", "MANDATORY_BASELINE"),
    ("aws.kms.key.missing_description:missing_description", "ADVISORY"),
    ("aws.cloudwatch.loggroup.configure_retention:configure_retention", "MANDATORY_BASELINE"),
    ("aws.cloudwatch.loggroup.configure_kms_key:configure_kms_key", "MANDATORY_BASELINE"),
    ("aws.ec2.securitygroup.disallow_unrestricted_egress:disallow_unrestricted_egress", "MANDATORY_BASELINE"),
])
def test_the_pack_assembles_each_rule_at_its_level(module: str, level: str) -> None:
    assert module in _pack_lists()[level]
