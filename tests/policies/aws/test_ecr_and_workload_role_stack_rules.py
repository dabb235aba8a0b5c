"""Stack rules G1 (scanning), G5 (lifecycle) and H4 (read-only ECR for node and pod roles)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pulumi_policy.policy import _NotApplicableError

from aws.ecr.repository.configure_lifecycle_policy import configure_lifecycle_policy as g5
from aws.ecr.repository.enable_image_scan import enable_image_scan as g1
from aws.iam.role.disallow_ecr_write_for_workloads import disallow_ecr_write_for_workloads as h4
from tests.policies.fixtures import GOLDEN, run, stack_args, stack_resource

REPO = "aws:ecr/repository:Repository"


def repo(name: str = "api", **changes: Any) -> Any:
    return stack_resource(REPO, name, {**GOLDEN[REPO], "name": name, **changes})


def test_g1_scan_on_push_or_enhanced_scanning() -> None:
    assert run(g1, stack_args([repo()])) == []
    unscanned = repo("web", imageScanningConfiguration={"scanOnPush": False})
    (message, urn), = run(g1, stack_args([repo(), unscanned]))
    assert urn == unscanned.urn and message.startswith("ECR repository 'web' does not scan images")
    enhanced = stack_resource("aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration", "scan",
                              {"scanType": "ENHANCED", "rules": [{"scanFrequency": "CONTINUOUS_SCAN",
                                                                  "repositoryFilters": [{"filter": "w*",
                                                                                         "filterType": "WILDCARD"}]}]})
    assert run(g1, stack_args([unscanned, enhanced])) == []


def test_g5_lifecycle_policy_per_repository() -> None:
    covered, bare = repo("api"), repo("web")
    lifecycle = stack_resource("aws:ecr/lifecyclePolicy:LifecyclePolicy", "api-lc", {"repository": "api", "policy": "{}"},
                               {"repository": [covered]})
    (message, urn), = run(g5, stack_args([covered, bare, lifecycle]))
    assert urn == bare.urn and "has no lifecycle policy" in message


def _role(name: str, service: str, **props: Any) -> Any:
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                                "Principal": {"Service": service}}]})
    return stack_resource("aws:iam/role:Role", name, {"assumeRolePolicy": trust, **props})


def test_h4_node_role_with_power_user_attachment_fires() -> None:
    nodes, ci = _role("nodes", "ec2.amazonaws.com"), _role("ci", "codebuild.amazonaws.com")
    bad = stack_resource("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "nodes-power",
                         {"policyArn": "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser"}, {"role": [nodes]})
    fine = stack_resource("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "nodes-read",
                          {"policyArn": "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly"}, {"role": [nodes]})
    ci_push = stack_resource("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "ci-push",
                             {"policyArn": "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser"}, {"role": [ci]})
    (message, urn), = run(h4, stack_args([nodes, ci, bad, fine, ci_push]))
    assert urn == bad.urn and "gives node/pod role 'nodes' AmazonEC2ContainerRegistryPowerUser" in message


@pytest.mark.parametrize("service", ["eks-fargate-pods.amazonaws.com", "pods.eks.amazonaws.com"])
def test_h4_inline_push_on_pod_roles_fires(service: str) -> None:
    role = _role("pods", service, inlinePolicies=[{"name": "x", "policy": json.dumps({"Statement": [{
        "Effect": "Allow", "Action": ["ecr:PutImage", "ecr:BatchGetImage"], "Resource": "*"}]})}])
    (message, urn), = run(h4, stack_args([role]))
    assert urn == role.urn and "push or delete images (ecr:PutImage)" in message


def test_h4_not_applicable_without_workload_roles() -> None:
    with pytest.raises(_NotApplicableError):
        run(h4, stack_args([_role("ci", "codebuild.amazonaws.com")]))
