"""Registry: ECR repositories with immutable tags, scanning, KMS, lifecycle and account-only pulls."""

from __future__ import annotations

import json

import pytest

from components.registry import Registry, RegistryArgs, RepositoryArgs, pull_policy
from tests.conftest import resolved, synth


def _build(**overrides: object) -> Registry:
    args = {"repositories": {"payments/api": RepositoryArgs(keep_images=20)}, "protect": True, **overrides}
    return synth(lambda: Registry("reg", RegistryArgs(**args)))  # type: ignore[arg-type]


def test_repository_defaults(mocks) -> None:  # type: ignore[no-untyped-def]
    registry = _build()
    repo = mocks.created["reg-payments-api"].inputs
    assert repo["name"] == "payments/api"
    assert repo["imageTagMutability"] == "IMMUTABLE"
    assert repo["imageScanningConfiguration"] == {"scanOnPush": True}
    (encryption,) = repo["encryptionConfigurations"]
    assert encryption["encryptionType"] == "KMS" and encryption["kmsKey"].startswith("arn:aws:kms:")
    assert mocks.created["reg-key"].inputs["enableKeyRotation"] is True
    assert json.loads(mocks.created["reg-key"].inputs["policy"])["Statement"][0]["Sid"] == "AccountAdministration"
    rules = json.loads(mocks.created["reg-payments-api-lifecycle"].inputs["policy"])["rules"]
    assert rules[0]["selection"]["tagStatus"] == "untagged" and rules[0]["selection"]["countNumber"] == 7
    assert rules[1]["selection"]["countNumber"] == 20
    assert resolved(registry.repository_urls) == {
        "payments/api": "123456789012.dkr.ecr.us-west-2.amazonaws.com/payments/api"}


def test_repository_policy_is_account_or_organisation_only() -> None:
    (account,) = json.loads(pull_policy("aws", "123456789012", None))["Statement"]
    assert account["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    assert account["Action"] == ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]
    (org,) = json.loads(pull_policy("aws", "123456789012", "o-abcdefghij"))["Statement"]
    assert org["Principal"] == "*"
    assert org["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}}


@pytest.mark.parametrize(("kwargs", "fragment"), [
    ({"repositories": {"Payments": RepositoryArgs()}}, "not a valid ECR repository name"),
    ({"repositories": {}, "organization_id": "org-1"}, "is not an organization id"),
])
def test_args_refuse(kwargs: dict[str, object], fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        RegistryArgs(**kwargs)  # type: ignore[arg-type]


def test_a_name_prefix_gives_each_environment_its_own_repositories(mocks) -> None:  # type: ignore[no-untyped-def]
    _build(name_prefix="staging")
    assert mocks.created["reg-payments-api"].inputs["name"] == "staging/payments/api", "logical name unchanged"
    with pytest.raises(ValueError, match="is not a valid ECR name part"):
        RegistryArgs(repositories={}, name_prefix="Staging/")
