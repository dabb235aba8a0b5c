"""LoadBalancerController: the AWS Load Balancer Controller, which turns Services into NLBs and Ingresses
into ALBs.

Children (parented to the component):

* ``{name}-role`` + ``{name}-role-policy``: the controller's role through EKS Pod Identity, with the
  controller's policy written out action by action (no wildcards): read the network and certificates;
  create load balancers, target groups and security groups only with the ``elbv2.k8s.aws/cluster`` tag, and
  change or delete only the ones that carry it;
* ``{name}-pod-identity``: binds the role to ``kube-system/aws-load-balancer-controller``;
* ``{name}-chart``: the ``aws-load-balancer-controller`` Helm chart (version pinned) through
  ``kubernetes:helm.sh/v4:Chart``, so policies see its objects in a real preview (offline the chart is
  listed as not visible), two replicas with a PodDisruptionBudget.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from ._iam import pod_identity_role
from ._tags import merged_tags

TYPE_TOKEN = "eks-platform:components:LoadBalancerController"
CHART_REPOSITORY = "https://aws.github.io/eks-charts"
SERVICE_ACCOUNT = "aws-load-balancer-controller"
CLUSTER_TAG = "elbv2.k8s.aws/cluster"

_DESCRIBE = [
    "ec2:DescribeAccountAttributes", "ec2:DescribeAddresses", "ec2:DescribeAvailabilityZones",
    "ec2:DescribeInternetGateways", "ec2:DescribeVpcs", "ec2:DescribeVpcPeeringConnections", "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups", "ec2:DescribeInstances", "ec2:DescribeNetworkInterfaces", "ec2:DescribeTags",
    "ec2:DescribeRouteTables", "ec2:GetCoipPoolUsage", "ec2:DescribeCoipPools", "ec2:GetSecurityGroupsForVpc",
    "ec2:DescribeIpamPools",
    "elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeLoadBalancerAttributes",
    "elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeListenerCertificates",
    "elasticloadbalancing:DescribeListenerAttributes", "elasticloadbalancing:DescribeSSLPolicies",
    "elasticloadbalancing:DescribeRules", "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeTargetGroupAttributes", "elasticloadbalancing:DescribeTargetHealth",
    "elasticloadbalancing:DescribeTags", "elasticloadbalancing:DescribeTrustStores",
    "elasticloadbalancing:DescribeCapacityReservation",
    "acm:ListCertificates", "acm:DescribeCertificate", "iam:ListServerCertificates", "iam:GetServerCertificate",
    "cognito-idp:DescribeUserPoolClient", "wafv2:GetWebACL", "wafv2:GetWebACLForResource",
    "shield:GetSubscriptionState", "shield:DescribeProtection",
]
_TAGGED_CHANGES = [
    "elasticloadbalancing:ModifyLoadBalancerAttributes", "elasticloadbalancing:SetIpAddressType",
    "elasticloadbalancing:SetSecurityGroups", "elasticloadbalancing:SetSubnets",
    "elasticloadbalancing:DeleteLoadBalancer", "elasticloadbalancing:ModifyTargetGroup",
    "elasticloadbalancing:ModifyTargetGroupAttributes", "elasticloadbalancing:DeleteTargetGroup",
    "elasticloadbalancing:ModifyListenerAttributes", "elasticloadbalancing:ModifyCapacityReservation",
    "elasticloadbalancing:ModifyIpPools",
]
_LISTENERS = [
    "elasticloadbalancing:CreateListener", "elasticloadbalancing:DeleteListener", "elasticloadbalancing:CreateRule",
    "elasticloadbalancing:DeleteRule", "elasticloadbalancing:ModifyListener", "elasticloadbalancing:ModifyRule",
    "elasticloadbalancing:AddListenerCertificates", "elasticloadbalancing:RemoveListenerCertificates",
    "elasticloadbalancing:SetRulePriorities", "elasticloadbalancing:SetWebAcl",
    "wafv2:AssociateWebACL", "wafv2:DisassociateWebACL", "shield:CreateProtection", "shield:DeleteProtection",
]


def controller_policy(partition: str) -> str:
    """The controller's IAM policy: what it reads, and changes only to what it tagged as its own."""
    elb = f"arn:{partition}:elasticloadbalancing:*:*"
    owned = {"Null": {f"aws:ResourceTag/{CLUSTER_TAG}": "false"}}
    requested = {"Null": {f"aws:RequestTag/{CLUSTER_TAG}": "false"}}
    balancers = [f"{elb}:targetgroup/*/*", f"{elb}:loadbalancer/net/*/*", f"{elb}:loadbalancer/app/*/*"]
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "ServiceLinkedRole", "Effect": "Allow", "Action": "iam:CreateServiceLinkedRole", "Resource": "*",
         "Condition": {"StringEquals": {"iam:AWSServiceName": "elasticloadbalancing.amazonaws.com"}}},
        {"Sid": "Read", "Effect": "Allow", "Action": _DESCRIBE, "Resource": "*"},
        {"Sid": "CreateSecurityGroups", "Effect": "Allow", "Action": "ec2:CreateSecurityGroup", "Resource": "*"},
        {"Sid": "TagNewSecurityGroups", "Effect": "Allow", "Action": "ec2:CreateTags",
         "Resource": f"arn:{partition}:ec2:*:*:security-group/*",
         "Condition": {"StringEquals": {"ec2:CreateAction": "CreateSecurityGroup"}, **requested}},
        {"Sid": "OwnSecurityGroups", "Effect": "Allow",
         "Action": ["ec2:CreateTags", "ec2:DeleteTags", "ec2:AuthorizeSecurityGroupIngress",
                    "ec2:RevokeSecurityGroupIngress", "ec2:DeleteSecurityGroup"],
         "Resource": f"arn:{partition}:ec2:*:*:security-group/*", "Condition": owned},
        {"Sid": "RulesOnNodeSecurityGroups", "Effect": "Allow",
         "Action": ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"], "Resource": "*"},
        {"Sid": "CreateTaggedBalancers", "Effect": "Allow",
         "Action": ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup"],
         "Resource": "*", "Condition": requested},
        {"Sid": "TagOnCreate", "Effect": "Allow", "Action": "elasticloadbalancing:AddTags", "Resource": balancers,
         "Condition": {"StringEquals": {"elasticloadbalancing:CreateAction": ["CreateTargetGroup",
                                                                              "CreateLoadBalancer"]}, **requested}},
        {"Sid": "OwnBalancers", "Effect": "Allow",
         "Action": [*_TAGGED_CHANGES, "elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
         "Resource": balancers, "Condition": owned},
        {"Sid": "Targets", "Effect": "Allow",
         "Action": ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
         "Resource": f"{elb}:targetgroup/*/*"},
        {"Sid": "Listeners", "Effect": "Allow", "Action": _LISTENERS, "Resource": "*"},
    ]})


@dataclass(frozen=True)
class LoadBalancerControllerArgs:
    """Inputs of :class:`LoadBalancerController`."""

    cluster_name: pulumi.Input[str]
    region: str
    vpc_id: pulumi.Input[str]
    kubernetes_provider: pulumi.ProviderResource
    chart_version: str = "1.13.4"
    """Helm chart version (pinned: an `up` never picks up a new controller by itself)."""
    depends_on: Sequence[pulumi.Resource] = ()
    """Nodes the controller runs on, and the Pod Identity agent."""
    tags: Mapping[str, str] = field(default_factory=dict)


class LoadBalancerController(pulumi.ComponentResource):
    """The AWS Load Balancer Controller with a Pod Identity role scoped to the load balancers it tags."""

    role_arn: pulumi.Output[str]

    def __init__(self, name: str, args: LoadBalancerControllerArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        partition = aws.get_partition().partition
        role, grants = pod_identity_role(f"{name}-role", [], controller_policy(partition), partition, args.tags, self,
                                         "AWS Load Balancer Controller through EKS Pod Identity")
        association = aws.eks.PodIdentityAssociation(
            f"{name}-pod-identity", cluster_name=args.cluster_name, namespace="kube-system",
            service_account=SERVICE_ACCOUNT, role_arn=role.arn, tags=merged_tags(args.tags, f"{name}-pod-identity"),
            opts=pulumi.ResourceOptions(parent=self))
        k8s.helm.v4.Chart(
            f"{name}-chart", chart="aws-load-balancer-controller", version=args.chart_version, namespace="kube-system",
            repository_opts=k8s.helm.v4.RepositoryOptsArgs(repo=CHART_REPOSITORY),
            values={
                "clusterName": args.cluster_name, "region": args.region, "vpcId": args.vpc_id, "replicaCount": 2,
                "serviceAccount": {"create": True, "name": SERVICE_ACCOUNT},
                "podDisruptionBudget": {"maxUnavailable": 1},
                "enableServiceMutatorWebhook": False,
                "podSecurityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
                "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                    "runAsNonRoot": True, "capabilities": {"drop": ["ALL"]}},
            },
            opts=pulumi.ResourceOptions(parent=self, provider=args.kubernetes_provider,
                                        depends_on=[association, *grants, *args.depends_on]))
        self.role_arn = role.arn
        self.register_outputs({"role_arn": self.role_arn})
