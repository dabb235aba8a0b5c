"""B2: cluster-wide admin access policies only for allowlisted principals (CIS EKS 4.1.1)."""

from __future__ import annotations

from typing import Any

from _known import elements, get, known, mapping
from _metadata import RuleMetadata
from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

ASSOCIATION = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"
#: An aws-native AccessEntry, read in pulumi-aws shape by ``_native`` with its inline ``accessPolicies`` list kept.
ACCESS_ENTRY = "aws:eks/accessEntry:AccessEntry"
EKS_COMPONENT = "eks:index:Cluster"
ADMIN_POLICIES = ("AmazonEKSClusterAdminPolicy", "AmazonEKSAdminPolicy")


def _check(args: ResourceValidationArgs, report: ReportViolation, holder: Any, policy_arn: str,
           scope: str, allowed: list[str]) -> None:
    if not policy_arn.endswith(ADMIN_POLICIES) or scope != "cluster":
        return
    principal = str(known(get(holder, "principalArn"), "principalArn",
                          "is the ARN of a role this stack creates, so it cannot be compared with "
                          "allowedPrincipals yet"))
    if principal not in allowed:
        report(f"'{args.name}' grants {policy_arn.rsplit('/', 1)[-1]} on the whole cluster to {principal}, which is "
               f"not in the cluster-admin allowlist ({', '.join(allowed) or 'empty'}). Scope it to namespaces, or "
               "add the role to allowedPrincipals in the policy config.")


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    allowed = [str(p) for p in args.get_config().get("allowedPrincipals", [])]
    props = args.props
    if args.resource_type == ASSOCIATION:
        scope = str(known(get(get(props, "accessScope") or {}, "type"), "accessScope.type") or "")
        _check(args, report, props, str(known(get(props, "policyArn"), "policyArn") or ""), scope, allowed)
    elif args.resource_type == ACCESS_ENTRY:
        for i, policy in enumerate(elements(known(get(props, "accessPolicies"), "accessPolicies"))):
            policy = mapping(known(policy, f"accessPolicies[{i}]"))
            scope = str(known(get(mapping(get(policy, "accessScope")), "type"), f"accessPolicies[{i}].accessScope.type")
                        or "")
            _check(args, report, props, str(known(get(policy, "policyArn"), f"accessPolicies[{i}].policyArn") or ""),
                   scope, allowed)
    elif args.resource_type == EKS_COMPONENT and props:
        entries = mapping(known(get(props, "accessEntries"), "accessEntries"))
        for key in entries:
            entry = mapping(known(get(entries, key), f"accessEntries.{key}"))
            policies = mapping(known(get(entry, "accessPolicies"), f"accessEntries.{key}.accessPolicies"))
            for name in policies:
                policy = mapping(known(get(policies, name), f"accessEntries.{key}.accessPolicies.{name}"))
                where = f"accessEntries.{key}.accessPolicies.{name}"
                scope = str(known(get(mapping(get(policy, "accessScope")), "type"), f"{where}.accessScope.type") or "")
                _check(args, report, entry, str(known(get(policy, "policyArn"), f"{where}.policyArn") or ""), scope,
                       allowed)


METADATA = RuleMetadata(
    id="B2",
    aws_control="EKS access policies: AWS defines and authorizes AmazonEKSClusterAdminPolicy and AmazonEKSAdminPolicy",
    cis=("4.1.1",),
    bpg=("iam: Combine IAM Identity Center with CAM API",),
)

configure_cluster_admin_allowlist = ResourceValidationPolicy(
    name="aws-eks-accesspolicyassociation-configure-cluster-admin-allowlist",
    description="Cluster-wide EKS admin access policies may only be associated with allowlisted principals.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("eks", "access"),
    remediation_steps="Scope admin policies to namespaces or list the platform role in allowedPrincipals.",
    url="https://docs.aws.amazon.com/eks/latest/userguide/access-policies.html",
    config_schema=PolicyConfigSchema(properties={
        "allowedPrincipals": {"type": "array", "items": {"type": "string"}, "default": [],
                              "description": "Role ARNs allowed cluster-wide admin access policies."}}),
)
