"""A8: the cluster creator does not keep cluster-admin (BPG iam "Remove the cluster-admin permissions...").

``accessConfig.bootstrapClusterCreatorAdminPermissions`` unset is true. A cluster the program declares itself
(``aws.eks.Cluster``) can set it to false. pulumi-eks's ``eks.Cluster`` always sets it (it deploys its own
in-cluster resources as the creator) and has no argument for it: there the remedy is to deploy as a dedicated
role and declare it in ``deployingRoles``, which makes the rule not applicable to component-made clusters
(the creator-admin is then that known pipeline role, not whoever ran ``pulumi up``).
"""

from __future__ import annotations

from _metadata import RuleMetadata
from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from _eks import cluster_view, component_of


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    view = cluster_view(args)
    if view is None or view.creator_admin is None:
        return
    if not view.creator_admin:
        return
    component = component_of(args.urn)
    if component is None:
        report(f"cluster '{args.name}' gives its creator permanent cluster-admin "
               "(accessConfig.bootstrapClusterCreatorAdminPermissions is true or unset). Set it to false and grant "
               "admin through an access entry for an allowlisted role; it cannot be changed after creation.")
        return
    roles = [str(r) for r in args.get_config().get("deployingRoles", [])]
    if roles:
        args.not_applicable(f"pulumi-eks {component[0].rsplit(':', 1)[-1]} '{component[1]}' forces creator-admin; "
                            f"the deploying roles are declared in deployingRoles ({', '.join(roles)})")
    report(f"cluster '{args.name}' gives its creator permanent cluster-admin: pulumi-eks Cluster '{component[1]}' "
           "always sets accessConfig.bootstrapClusterCreatorAdminPermissions to true (it deploys its in-cluster "
           "resources as the creator) and has no argument to turn it off. Run `pulumi up` as a dedicated deploying "
           "role (CI), never a person, and list that role's ARN in this rule's policy config, "
           "\"aws-eks-cluster-disable-creator-admin\": {\"deployingRoles\": [\"arn:aws:iam::<account>:role/<deployer>\"]}; "
           "or build the cluster from aws.eks.Cluster with bootstrap_cluster_creator_admin_permissions=False.")


METADATA = RuleMetadata(
    id="A8",
    aws_control="EKS access entries: AWS creates the creator's cluster-admin entry at cluster creation",
    cis=("4.1.1 (derived)",),
    bpg=("iam: Remove the cluster-admin permissions from the cluster creator principal",),
)

disable_creator_admin = ResourceValidationPolicy(
    name="aws-eks-cluster-disable-creator-admin",
    description="EKS clusters must not give the creating principal permanent cluster-admin.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("eks", "access"),
    remediation_steps="Set accessConfig.bootstrapClusterCreatorAdminPermissions=false (only at creation); for a "
                      "pulumi-eks Cluster, which forces it, deploy as a dedicated role and list it in deployingRoles.",
    url="https://docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html",
    config_schema=PolicyConfigSchema(properties={"deployingRoles": {
        "type": "array", "items": {"type": "string"}, "default": [],
        "description": "IAM role ARNs that run pulumi up (CI). A cluster made by a pulumi-eks component, which "
                       "always gives its creator cluster-admin, is then accepted: its creator is one of these."}}),
)
