"""M12: the Karpenter controller's IAM policy never allows terminating instances, deleting launch templates or
passing roles on ``Resource: "*"`` unless a condition scopes the statement to this cluster's tag.

A controller policy is recognised by content: an Allow statement whose actions (wildcards included) cover
``ec2:CreateFleet``, ``ec2:TerminateInstances`` or ``iam:PassRole``. A statement is scoped when its Condition tests
``aws:ResourceTag/kubernetes.io/cluster/<cluster>`` (or ``aws:ResourceTag/eks:eks-cluster-name``), the tags
Karpenter puts on everything it launches. Otherwise a compromised controller could terminate any instance of the
account or pass any role to EC2.
"""

from __future__ import annotations

from collections.abc import Mapping
from fnmatch import fnmatchcase
from typing import Any

from _known import get
from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

from _iam_docs import statements, values

TOKENS = ("aws:iam/policy:Policy", "aws:iam/rolePolicy:RolePolicy")
#: The actions a controller policy allows (any one marks the document as one).
CONTROLLER = ("ec2:CreateFleet", "ec2:TerminateInstances", "iam:PassRole")
#: The actions that must be scoped to this cluster's resources.
GUARDED = ("ec2:TerminateInstances", "ec2:DeleteLaunchTemplate", "iam:PassRole")
SCOPING_KEYS = ("aws:resourcetag/kubernetes.io/cluster/", "aws:resourcetag/eks:eks-cluster-name")


def _covered(statement: dict[str, Any], actions: tuple[str, ...]) -> list[str]:
    """Which of ``actions`` the statement's Action (or NotAction) allows, wildcards expanded."""
    if "NotAction" in statement:
        excluded = [a.lower() for a in values(statement, "NotAction")]
        return [a for a in actions if not any(fnmatchcase(a.lower(), p) for p in excluded)]
    patterns = [a.lower() for a in values(statement, "Action")]
    return [a for a in actions if any(fnmatchcase(a.lower(), p) for p in patterns)]


def _scoped(statement: dict[str, Any]) -> bool:
    condition = statement.get("Condition")
    if not isinstance(condition, Mapping):
        return False
    keys = [str(k).lower() for block in condition.values() if isinstance(block, Mapping) for k in block]
    return any(key.startswith(SCOPING_KEYS) for key in keys)


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in TOKENS:
        return
    allowed = [(i, st) for i, st in enumerate(statements(get(args.props, "policy")))
               if str(st.get("Effect", "Allow")) == "Allow"]
    if not any(_covered(st, CONTROLLER) for _, st in allowed):
        return
    for i, st in allowed:
        guarded = _covered(st, GUARDED)
        everywhere = "NotResource" in st or "*" in values(st, "Resource")
        if guarded and everywhere and not _scoped(st):
            report(f"{args.resource_type.split(':')[-1]} '{args.name}' (a Karpenter controller policy) allows "
                   f"{', '.join(guarded)} on every resource (statement {i}, Resource \"*\") without a condition on "
                   "this cluster's tag. Scope ec2:TerminateInstances and ec2:DeleteLaunchTemplate with Condition "
                   "StringEquals aws:ResourceTag/kubernetes.io/cluster/<cluster>: owned, and name the node role ARN "
                   "as the Resource of iam:PassRole (with iam:PassedToService: ec2.amazonaws.com).")


METADATA = RuleMetadata(
    id="M12",
    aws_control="IAM policy evaluation: AWS allows only the actions, resources and conditions the policy names",
    bpg=("iam: Employ least privileged access to AWS Resources",),
    checkov=("CKV_AWS_290", "CKV_AWS_355"),
)

disallow_unscoped_node_actions = ResourceValidationPolicy(
    name="aws-iam-policy-disallow-unscoped-node-actions",
    description="The Karpenter controller's IAM policy must scope instance termination, launch template deletion "
                "and role passing to the cluster's resources.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("iam", "least-privilege", "karpenter"),
    remediation_steps="Condition ec2:TerminateInstances and ec2:DeleteLaunchTemplate on "
                      "aws:ResourceTag/kubernetes.io/cluster/<cluster>; give iam:PassRole the node role ARN.",
    url="https://karpenter.sh/docs/reference/cloudformation/",
)
