"""Each rule fires on its golden fixture with one field changed, with a message naming the resource and fix.

(The silent half of each pair is ``test_golden_silence.py``.)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from pulumi_policy.policy import _NotApplicableError

from preflight import lifecycle
from tests.policies.fixtures import ADMIN_ROLE, GOLDEN_CONFIG, ISSUER, pack_policies, resource_args, run

#: Rule A6's policy config as preflight fills it: the EKS lifecycle table and a frozen day.
LIFECYCLE = {**lifecycle.policy_config(), "today": "2026-12-06"}

POLICIES = {p.name: p for p in pack_policies().values()}
CLUSTER = "aws:eks/cluster:Cluster"
COMPONENT = "eks:index:Cluster"
ENTRY = "aws:eks/accessEntry:AccessEntry"
ASSOCIATION = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"
AWS_AUTH = "kubernetes:core/v1:ConfigMap"
ROLE = "aws:iam/role:Role"
RBAC = "kubernetes:rbac.authorization.k8s.io/v1:"


def vpc(**kv: Any) -> Callable[[dict[str, Any]], None]:
    return lambda p: p["vpcConfig"].update(kv)


def access(**kv: Any) -> Callable[[dict[str, Any]], None]:
    return lambda p: p["accessConfig"].update(kv)


def trust(statement_changes: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    def change(p: dict[str, Any]) -> None:
        doc = json.loads(p["assumeRolePolicy"])
        statement_changes(doc["Statement"][0])
        p["assumeRolePolicy"] = json.dumps(doc)
    return change


def rules(new_rules: list[dict[str, Any]]) -> Callable[[dict[str, Any]], None]:
    return lambda p: p.update(rules=new_rules)


def policy_doc(statement: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    return lambda p: p.update(policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}))


LT = "aws:ec2/launchTemplate:LaunchTemplate"
NG = "aws:eks/nodeGroup:NodeGroup"
V2 = "eks:index:NodeGroupV2"
MNG = "eks:index:ManagedNodeGroup"


def meta(**kv: Any) -> Callable[[dict[str, Any]], None]:
    return lambda p: p["metadataOptions"].update(kv)


def ebs(**kv: Any) -> Callable[[dict[str, Any]], None]:
    return lambda p: p["blockDeviceMappings"][0]["ebs"].update(kv)


def user_data(text: str) -> Callable[[dict[str, Any]], None]:
    import base64
    return lambda p: p.update(userData=base64.b64encode(text.encode()).decode())


DEPLOYMENT = "kubernetes:apps/v1:Deployment"
DAEMONSET = "kubernetes:apps/v1:DaemonSet"
CRONJOB = "kubernetes:batch/v1:CronJob"


def _pod_spec_of(p: dict[str, Any]) -> dict[str, Any]:
    spec = p["spec"]
    return spec["jobTemplate"]["spec"]["template"]["spec"] if "jobTemplate" in spec else spec["template"]["spec"]


def app_security(**context: Any) -> Callable[[dict[str, Any]], None]:
    """Change the first container's securityContext of a golden workload."""
    return lambda p: _pod_spec_of(p)["containers"][0]["securityContext"].update(context)


def pod_fields(**fields: Any) -> Callable[[dict[str, Any]], None]:
    """Change the pod spec of a golden workload."""
    return lambda p: _pod_spec_of(p).update(fields)


CASES: list[tuple[str, str, Callable[[dict[str, Any]], None], dict[str, Any] | None, str]] = [
    # A1
    ("aws-eks-cluster-disallow-api-endpoint-public-access", CLUSTER, vpc(endpointPublicAccess=True), None,
     "cluster 'subject' exposes its API endpoint publicly"),
    ("aws-eks-cluster-disallow-api-endpoint-public-access", CLUSTER, lambda p: p["vpcConfig"].pop("endpointPublicAccess"),
     None, "endpointPublicAccess is true or unset"),
    ("aws-eks-cluster-disallow-api-endpoint-public-access", CLUSTER, vpc(endpointPrivateAccess=False), None,
     "has neither a public nor a private endpoint"),
    ("aws-eks-cluster-disallow-api-endpoint-public-access", COMPONENT, lambda p: p.update(endpointPublicAccess=True),
     None, "exposes its API endpoint publicly"),
    # A2
    ("aws-eks-cluster-configure-public-access-cidrs", CLUSTER, vpc(endpointPublicAccess=True), None,
     "open to 0.0.0.0/0 (publicAccessCidrs unset)"),
    ("aws-eks-cluster-configure-public-access-cidrs", CLUSTER,
     vpc(endpointPublicAccess=True, publicAccessCidrs=["0.0.0.0/0"]), None, "allows 0.0.0.0/0 to reach"),
    ("aws-eks-cluster-configure-public-access-cidrs", CLUSTER,
     vpc(endpointPublicAccess=True, publicAccessCidrs=["198.51.100.0/24"]), {"allowedCidrs": ["203.0.113.0/24"]},
     "allows 198.51.100.0/24, outside the approved ranges"),
    ("aws-eks-cluster-configure-public-access-cidrs", COMPONENT,
     lambda p: p.update(endpointPublicAccess=True, publicAccessCidrs=["::/0"]), None, "allows ::/0"),
    # A3
    ("aws-eks-cluster-enable-secrets-encryption", CLUSTER, lambda p: p.pop("encryptionConfig"), None,
     "does not envelope-encrypt Secrets"),
    ("aws-eks-cluster-enable-secrets-encryption", CLUSTER,
     lambda p: p["encryptionConfig"].update(resources=[]), None, "does not envelope-encrypt Secrets"),
    ("aws-eks-cluster-enable-secrets-encryption", COMPONENT, lambda p: p.pop("encryptionConfigKeyArn"), None,
     "does not envelope-encrypt Secrets"),
    # A5
    ("aws-eks-cluster-enable-control-plane-logging", CLUSTER,
     lambda p: p.update(enabledClusterLogTypes=["api", "audit"]), None,
     "does not log authenticator, controllerManager, scheduler"),
    ("aws-eks-cluster-enable-control-plane-logging", CLUSTER, lambda p: p.update(enabledClusterLogTypes=["api"]),
     {"requiredLogTypes": ["audit", "authenticator"]}, "does not log audit, authenticator"),
    ("aws-eks-cluster-enable-control-plane-logging", COMPONENT, lambda p: p.pop("enabledClusterLogTypes"), None,
     "does not log api, audit"),
    # A6
    ("aws-eks-cluster-configure-supported-version", CLUSTER, lambda p: p.update(version="1.29"), LIFECYCLE,
     "runs Kubernetes 1.29, which left EKS extended support on 2026-03-23"),
    ("aws-eks-cluster-configure-supported-version", CLUSTER, lambda p: p.pop("version"), None,
     "does not pin a Kubernetes version"),
    ("aws-eks-cluster-configure-supported-version", CLUSTER, lambda p: p.update(version="1.34"), LIFECYCLE,
     "runs Kubernetes 1.34, which left EKS standard support on 2026-12-02. Upgrade one minor version at a time, or "
     "set upgradePolicy.supportType=EXTENDED"),
    ("aws-eks-cluster-configure-supported-version", CLUSTER, lambda p: p.update(version="1.40"), LIFECYCLE,
     "runs Kubernetes 1.40, which the EKS lifecycle data does not list"),
    ("aws-eks-cluster-configure-supported-version", COMPONENT, lambda p: p.update(version="1.30"), LIFECYCLE,
     "runs Kubernetes 1.30"),
    ("aws-eks-cluster-configure-standard-support", CLUSTER, lambda p: p.pop("upgradePolicy"), None,
     "unset, which means EXTENDED"),
    ("aws-eks-cluster-configure-standard-support", CLUSTER, lambda p: p.update(upgradePolicy={"supportType": "EXTENDED"}),
     None, "upgradePolicy.supportType is EXTENDED"),
    ("aws-eks-cluster-configure-standard-support", COMPONENT, lambda p: p.update(upgradePolicy={"supportType": "EXTENDED"}),
     None, "may roll into paid extended support"),
    ("aws-eks-cluster-configure-standard-support", CLUSTER,
     lambda p: p.update(version="1.34", upgradePolicy={"supportType": "EXTENDED"}), LIFECYCLE,
     "now: Kubernetes 1.34 left standard support on 2026-12-02, and extended support is billed per cluster hour "
     "until 2027-12-02"),
    ("aws-eks-cluster-configure-standard-support", CLUSTER, lambda p: p.update(upgradePolicy={"supportType": "EXTENDED"}),
     LIFECYCLE, "when Kubernetes 1.35 leaves standard support on 2027-03-27"),
    # A7
    ("aws-eks-cluster-enforce-access-entry-api", CLUSTER, lambda p: p.pop("accessConfig"), None,
     "uses authentication mode CONFIG_MAP"),
    ("aws-eks-cluster-enforce-access-entry-api", CLUSTER, access(authenticationMode="API_AND_CONFIG_MAP"), None,
     "uses authentication mode API_AND_CONFIG_MAP"),
    ("aws-eks-cluster-enforce-access-entry-api", COMPONENT, lambda p: p.pop("authenticationMode"), None,
     "uses authentication mode CONFIG_MAP"),
    # A8
    ("aws-eks-cluster-disable-creator-admin", CLUSTER, access(bootstrapClusterCreatorAdminPermissions=True), None,
     "gives its creator permanent cluster-admin"),
    ("aws-eks-cluster-disable-creator-admin", CLUSTER,
     lambda p: p["accessConfig"].pop("bootstrapClusterCreatorAdminPermissions"), None, "true or unset"),
    # B1
    ("aws-eks-accessentry-disallow-system-masters", ENTRY, lambda p: p.update(kubernetesGroups=["system:masters"]),
     None, "maps arn:aws:iam::111111111111:role/payments into system:masters"),
    ("aws-eks-accessentry-disallow-system-masters", AWS_AUTH,
     lambda p: p["data"].update(mapRoles="- rolearn: arn:aws:iam::1:role/ops\n  groups: [system:masters]\n"), None,
     "maps arn:aws:iam::1:role/ops into system:masters (mapRoles)"),
    ("aws-eks-accessentry-disallow-system-masters", COMPONENT,
     lambda p: p["roleMappings"][0].update(groups=["system:masters"]), None, "into system:masters"),
    # B2
    ("aws-eks-accesspolicyassociation-configure-cluster-admin-allowlist", ASSOCIATION,
     lambda p: p.update(principalArn="arn:aws:iam::111111111111:role/payments"),
     GOLDEN_CONFIG["aws-eks-accesspolicyassociation-configure-cluster-admin-allowlist"],
     "grants AmazonEKSClusterAdminPolicy on the whole cluster to arn:aws:iam::111111111111:role/payments"),
    ("aws-eks-accesspolicyassociation-configure-cluster-admin-allowlist", ASSOCIATION,
     lambda p: p.update(policyArn="arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminPolicy"), {},
     "not in the cluster-admin allowlist (empty)"),
    ("aws-eks-accesspolicyassociation-configure-cluster-admin-allowlist", COMPONENT, lambda p: None, {},
     f"to {ADMIN_ROLE}, which is not in the cluster-admin allowlist"),
    # B3
    ("aws-eks-accessentry-disallow-iam-users", ENTRY,
     lambda p: p.update(principalArn="arn:aws:iam::111111111111:user/alice"), None,
     "grants access to arn:aws:iam::111111111111:user/alice, which is not an IAM role"),
    ("aws-eks-accessentry-disallow-iam-users", AWS_AUTH,
     lambda p: p["data"].update(mapUsers="- userarn: arn:aws:iam::1:user/bob\n  groups: [dev]\n"), None,
     "maps IAM user arn:aws:iam::1:user/bob"),
    ("aws-eks-accessentry-disallow-iam-users", COMPONENT,
     lambda p: p.update(userMappings=[{"userArn": "arn:aws:iam::1:user/carol", "groups": ["x"]}]), None,
     "maps IAM user arn:aws:iam::1:user/carol"),
    # H1
    ("aws-iam-role-configure-irsa-trust-scope", ROLE, trust(lambda s: s.pop("Condition")), None,
     "no StringEquals on " + ISSUER + ":sub"),
    ("aws-iam-role-configure-irsa-trust-scope", ROLE,
     trust(lambda s: s["Condition"]["StringEquals"].update({f"{ISSUER}:sub": "system:serviceaccount:payments:*"})),
     None, "is not an exact system:serviceaccount"),
    ("aws-iam-role-configure-irsa-trust-scope", ROLE,
     trust(lambda s: s["Condition"]["StringEquals"].pop(f"{ISSUER}:aud")), None,
     "aud must be exactly sts.amazonaws.com"),
    # H5
    ("aws-iam-policy-disallow-admin-wildcards", "aws:iam/policy:Policy",
     policy_doc({"Effect": "Allow", "Action": "*", "Resource": "*"}), None, "allows every action"),
    ("aws-iam-policy-disallow-admin-wildcards", "aws:iam/rolePolicy:RolePolicy",
     policy_doc({"Effect": "Allow", "Action": ["s3:*"], "Resource": "*"}), None, "allows s3:* on every resource"),
    ("aws-iam-policy-disallow-admin-wildcards", "aws:iam/policy:Policy",
     policy_doc({"Effect": "Allow", "Action": ["iam:PassRole"], "Resource": "*"}), None,
     "privilege escalation (iam:passrole)"),
    ("aws-iam-policy-disallow-admin-wildcards", "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
     lambda p: p.update(policyArn="arn:aws:iam::aws:policy/AdministratorAccess"), None,
     "gives a role AdministratorAccess"),
    ("aws-iam-policy-disallow-admin-wildcards", ROLE,
     lambda p: p.update(managedPolicyArns=["arn:aws:iam::aws:policy/IAMFullAccess"]), None,
     "has IAMFullAccess attached"),
    # H6
    ("aws-iam-role-disallow-public-trust", ROLE,
     trust(lambda s: s.update(Principal={"AWS": "*"}, Action="sts:AssumeRole")), None,
     "lets any AWS principal"),
    ("aws-iam-role-disallow-public-trust", ROLE,
     trust(lambda s: (s.pop("Condition"), s.update(Principal={"AWS": "arn:aws:iam::222222222222:root"}))), None,
     "trusts a whole account root without conditions"),
    # B5
    ("kubernetes-rbac-disallow-anonymous-bindings", RBAC + "RoleBinding",
     lambda p: p["subjects"].append({"kind": "User", "name": "system:anonymous"}), None,
     "binds eks-platform:namespace-admin to system:anonymous"),
    ("kubernetes-rbac-disallow-anonymous-bindings", RBAC + "ClusterRoleBinding",
     lambda p: p.update(subjects=[{"kind": "Group", "name": "system:unauthenticated"}]),
     None, "to system:unauthenticated"),
    # I1
    ("kubernetes-rbac-configure-cluster-admin-binding-allowlist", RBAC + "ClusterRoleBinding",
     lambda p: p["subjects"].append({"kind": "User", "name": "mallory"}),
     GOLDEN_CONFIG["kubernetes-rbac-configure-cluster-admin-binding-allowlist"],
     "binds cluster-admin to User/mallory, which is not allowlisted"),
    ("kubernetes-rbac-configure-cluster-admin-binding-allowlist", RBAC + "RoleBinding",
     lambda p: p["roleRef"].update(name="admin"), {"adminRoles": ["cluster-admin", "admin"]},
     "binds admin to Group/eks-platform:payments:namespace-admin"),
    # I2
    ("kubernetes-rbac-disallow-wildcards", RBAC + "ClusterRole",
     rules([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]), None,
     "ClusterRole 'eks-platform:namespace-viewer' rule 0 uses \"*\" in apiGroups, resources, verbs"),
    ("kubernetes-rbac-disallow-wildcards", RBAC + "Role",
     rules([{"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["*"]}]), None, "uses \"*\" in verbs"),
    # I3
    ("kubernetes-rbac-disallow-secrets-read", RBAC + "ClusterRole",
     rules([{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]}]), None,
     "can read Secrets (get, list) in every namespace it is bound in"),
    ("kubernetes-rbac-disallow-secrets-read", RBAC + "Role",
     rules([{"apiGroups": [""], "resources": ["secrets"], "verbs": ["watch"]}]), None,
     "Role 'deployer' rule 0 can read Secrets (watch) in its namespace"),
    # I5
    ("kubernetes-rbac-disallow-escalation-verbs", RBAC + "ClusterRole",
     rules([{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"], "verbs": ["bind", "escalate"]}]),
     None, "grants bind, escalate on clusterroles"),
    ("kubernetes-rbac-disallow-escalation-verbs", RBAC + "Role",
     rules([{"apiGroups": [""], "resources": ["serviceaccounts"], "verbs": ["impersonate"]}]), None,
     "grants impersonate on serviceaccounts"),
    ("kubernetes-rbac-disallow-escalation-verbs", RBAC + "ClusterRole",
     rules([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]), None,
     "rule 0 grants bind, escalate, impersonate through the wildcard verb \"*\" on *"),
    ("kubernetes-rbac-disallow-escalation-verbs", RBAC + "Role",
     rules([{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["roles"], "verbs": ["*"]}]), None,
     "rule 0 grants bind, escalate through the wildcard verb \"*\" on roles"),
    # B5 (system:authenticated), I4 I6 I7 I8 I9 I10 I11 (more in tests/policies/k8s/test_rbac_completion.py)
    ("kubernetes-rbac-disallow-anonymous-bindings", RBAC + "ClusterRoleBinding",
     lambda p: p.update(subjects=[{"kind": "Group", "name": "system:authenticated"}]), None,
     "binds cluster-admin to the group system:authenticated"),
    ("kubernetes-rbac-disallow-pod-creation", RBAC + "Role",
     lambda p: p["rules"][0]["verbs"].append("create"), None,
     "Role 'deployer' grants create on deployments (rule 0): its holders can run any image"),
    ("kubernetes-rbac-disallow-exec-and-node-proxy", RBAC + "ClusterRole",
     lambda p: p["rules"].append({"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]}), None,
     "ClusterRole 'eks-platform:namespace-viewer' grants create on pods/exec (rule 2)"),
    ("kubernetes-rbac-disallow-webhook-configuration-write", RBAC + "ClusterRole",
     rules([{"apiGroups": ["admissionregistration.k8s.io"], "resources": ["validatingwebhookconfigurations"],
             "verbs": ["delete"]}]), None, "grants delete on validatingwebhookconfigurations (rule 0)"),
    ("kubernetes-rbac-disallow-service-account-token-create", RBAC + "Role",
     rules([{"apiGroups": [""], "resources": ["serviceaccounts/token"], "verbs": ["create"]}]), None,
     "grants create on serviceaccounts/token (rule 0)"),
    ("kubernetes-rbac-disallow-persistent-volume-create", RBAC + "ClusterRole",
     rules([{"apiGroups": [""], "resources": ["persistentvolumes"], "verbs": ["create"]}]), None,
     "grants create on persistentvolumes (rule 0)"),
    ("kubernetes-rbac-disallow-csr-approval", RBAC + "ClusterRole",
     rules([{"apiGroups": ["certificates.k8s.io"], "resources": ["signers"], "verbs": ["approve"]}]), None,
     "grants approve on signers (rule 0)"),
    ("kubernetes-rbac-disallow-service-status-write", RBAC + "ClusterRole",
     rules([{"apiGroups": [""], "resources": ["services/status"], "verbs": ["update"]}]), None,
     "grants update on services/status (rule 0)"),
    # E6 E7 (more in tests/policies/k8s/test_network_rules.py)
    ("kubernetes-loadbalancer-enable-tls", "kubernetes:core/v1:Service",
     lambda p: p["metadata"]["annotations"].pop("service.beta.kubernetes.io/aws-load-balancer-ssl-cert"), None,
     "LoadBalancer Service 'payments/api' has no certificate"),
    ("kubernetes-loadbalancer-enable-tls", "kubernetes:networking.k8s.io/v1:Ingress",
     lambda p: p["metadata"]["annotations"].update({"alb.ingress.kubernetes.io/listen-ports": '[{"HTTP": 80}]'}),
     None, "ALB Ingress 'payments/web' has no HTTPS listener"),
    ("kubernetes-loadbalancer-disallow-public-access", "kubernetes:core/v1:Service",
     lambda p: (p["metadata"]["annotations"].update({"service.beta.kubernetes.io/aws-load-balancer-scheme":
                                                     "internet-facing"}), p["spec"].pop("loadBalancerSourceRanges")),
     None, "LoadBalancer Service 'payments/api' is internet-facing and open to every address"),
    ("kubernetes-loadbalancer-disallow-public-access", "kubernetes:networking.k8s.io/v1:Ingress",
     lambda p: p["metadata"]["annotations"].update({"alb.ingress.kubernetes.io/scheme": "internet-facing"}), None,
     "ALB Ingress 'payments/web' is internet-facing"),
    # C1
    ("aws-ec2-launchtemplate-enforce-imdsv2", LT, meta(httpTokens="optional"), None,
     "LaunchTemplate 'subject' allows IMDSv1 (httpTokens is optional)"),
    ("aws-ec2-launchtemplate-enforce-imdsv2", LT, lambda p: p.pop("metadataOptions"), None, "allows IMDSv1"),
    ("aws-ec2-launchtemplate-enforce-imdsv2", "aws:ec2/instance:Instance", meta(httpTokens="optional"), None,
     "Instance 'subject' allows IMDSv1"),
    ("aws-ec2-launchtemplate-enforce-imdsv2", MNG, lambda p: p.update(enableIMDSv2=False), None, "allows IMDSv1"),
    # C2
    ("aws-ec2-launchtemplate-configure-imds-hop-limit", LT, meta(httpPutResponseHopLimit=2), None,
     "has IMDS hop limit 2, so containers can reach"),
    ("aws-ec2-launchtemplate-configure-imds-hop-limit", MNG, lambda p: None, {}, "has IMDS hop limit 2"),
    # C3 (resource)
    ("aws-ec2-launchtemplate-disallow-public-ip", LT,
     lambda p: p.update(networkInterfaces=[{"associatePublicIpAddress": "true"}]), None,
     "LaunchTemplate 'subject' gives nodes public IP addresses"),
    ("aws-ec2-launchtemplate-disallow-public-ip", V2, lambda p: p.update(nodeAssociatePublicIpAddress=True), None,
     "NodeGroupV2 'subject' gives nodes public IP addresses"),
    ("aws-ec2-launchtemplate-disallow-public-ip", "aws:ec2/instance:Instance",
     lambda p: p.update(associatePublicIpAddress=True), None, "gives nodes public IP addresses"),
    # C4
    ("aws-ec2-launchtemplate-enable-volume-encryption", LT, ebs(encrypted="false"), None,
     "launches volume /dev/xvda unencrypted"),
    ("aws-ec2-launchtemplate-enable-volume-encryption", V2, lambda p: p.update(nodeRootVolumeEncrypted=False), None,
     "launches volume root unencrypted"),
    # C5
    ("aws-ec2-launchtemplate-configure-volume-cmk", LT, lambda p: p["blockDeviceMappings"][0]["ebs"].pop("kmsKeyId"),
     None, "encrypts /dev/xvda with the AWS-managed key"),
    ("aws-ec2-launchtemplate-configure-volume-cmk", LT, lambda p: None, {"allowedKeyIds": ["arn:other"]},
     "which is not an approved key"),
    # C6
    ("aws-eks-nodegroup-disallow-ssh", NG, lambda p: p.update(remoteAccess={"ec2SshKey": "ops"}), None,
     "NodeGroup 'subject' allows SSH with key 'ops' from anywhere"),
    ("aws-eks-nodegroup-disallow-ssh", LT, lambda p: p.update(keyName="ops"), None, "installs SSH key 'ops'"),
    ("aws-eks-nodegroup-disallow-ssh", V2, lambda p: p.update(nodePublicKey="ssh-ed25519 AAAA"), None,
     "installs SSH key"),
    # C7
    ("aws-ec2-launchtemplate-disallow-secrets-in-user-data", LT,
     user_data("#!/bin/bash\nexport AWS_ACCESS_KEY_ID=AKIAABCDEFGHIJKLMNOP\n"), None, "has an AWS access key id"),
    ("aws-ec2-launchtemplate-disallow-secrets-in-user-data", LT, user_data("DB_PASSWORD=hunter2hunter2\n"), None,
     "has a password assignment"),
    ("aws-ec2-launchtemplate-disallow-secrets-in-user-data", V2,
     lambda p: p.update(kubeletExtraArgs="--token=abcdefghijklmnop"), None, "has a password assignment"),
    ("aws-ec2-launchtemplate-disallow-secrets-in-user-data", LT,
     user_data("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n"), None, "has a private key"),
    # C8
    ("aws-eks-nodegroup-configure-container-optimized-ami", NG, lambda p: p.update(amiType="AL2_x86_64"), None,
     "uses AMI type AL2_x86_64"),
    ("aws-eks-nodegroup-configure-container-optimized-ami", NG,
     lambda p: (p.pop("amiType"), p.pop("launchTemplate")), None, "sets no amiType"),
    ("aws-eks-nodegroup-configure-container-optimized-ami", V2, lambda p: p.update(amiType="WINDOWS_CORE_2022_x86_64"),
     None, "uses AMI type WINDOWS_CORE_2022_x86_64"),
    # C10
    ("aws-autoscaling-group-enforce-launch-template", "aws:autoscaling/group:Group",
     lambda p: (p.pop("launchTemplate"), p.update(launchConfiguration="lc-1")), None, "has no launch template"),
    # G2
    ("aws-ecr-repository-disallow-mutable-tags", "aws:ecr/repository:Repository",
     lambda p: p.pop("imageTagMutability"), None, "ECR repository 'payments/api' has MUTABLE tags"),
    # G3
    ("aws-ecr-repository-configure-customer-managed-key", "aws:ecr/repository:Repository",
     lambda p: p.update(encryptionConfigurations=[{"encryptionType": "AES256"}]), None,
     "is not encrypted with a customer-managed key"),
    # G4
    ("aws-ecr-repositorypolicy-disallow-public-access", "aws:ecr/repositoryPolicy:RepositoryPolicy",
     policy_doc({"Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage"}), None,
     "statement 0 lets anyone (Principal \"*\") use the repository"),
    ("aws-ecr-repositorypolicy-disallow-public-access", "aws:ecr/repositoryPolicy:RepositoryPolicy",
     policy_doc({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "ecr:*",
                 "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}}}), None,
     "grants every ECR action to a whole organisation"),
    # I12
    ("kubernetes-rbac-disallow-default-service-account-binding", RBAC + "RoleBinding",
     lambda p: p.update(subjects=[{"kind": "ServiceAccount", "name": "default", "namespace": "payments"}]), None,
     "to the default ServiceAccount of namespace 'payments'"),
    # F12 A9 and egress (more cases in tests/policies/aws/test_{kms_key,loggroup}_policies.py and
    # test_securitygroup_disallow_unrestricted_egress.py)
    ("aws-kms-key-enable-key-rotation", "aws:kms/key:Key", lambda p: p.update(enableKeyRotation=False), None,
     "KMS key 'subject' does not rotate its key material"),
    ("aws-kms-key-disallow-public-policy", "aws:kms/key:Key",
     policy_doc({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*"}), None,
     "policy statement 0 allows Principal \"*\" without a Condition"),
    ("aws-kms-key-disallow-bypass-lockout-safety-check", "aws:kms/key:Key",
     lambda p: p.update(bypassPolicyLockoutSafetyCheck=True), None, "sets bypassPolicyLockoutSafetyCheck"),
    ("aws-kms-key-missing-policy", "aws:kms/key:Key", lambda p: p.pop("policy"), None,
     "KMS key 'subject' has no key policy"),
    ("aws-kms-key-disallow-disabled-key", "aws:kms/key:Key", lambda p: p.update(isEnabled=False), None,
     "KMS key 'subject' is disabled"),
    ("aws-kms-key-missing-description", "aws:kms/key:Key", lambda p: p.pop("description"), None,
     "KMS key 'subject' has no description"),
    ("aws-cloudwatch-loggroup-configure-retention", "aws:cloudwatch/logGroup:LogGroup",
     lambda p: p.pop("retentionInDays"), None, "never expires its events (retentionInDays is unset)"),
    ("aws-cloudwatch-loggroup-configure-kms-key", "aws:cloudwatch/logGroup:LogGroup", lambda p: p.pop("kmsKeyId"),
     {"required": True}, "is encrypted only with the CloudWatch Logs service key"),
    ("aws-ec2-securitygroup-disallow-unrestricted-egress", "aws:ec2/securityGroup:SecurityGroup",
     lambda p: p["egress"][0].update(protocol="-1", fromPort=0, toPort=0), None,
     "egress[0] of SecurityGroup 'subject' allows all protocols and ports to 0.0.0.0/0"),
    # Storage: F1 F2 F4 F5 F6 F7 F8 F9 F11 (more cases in tests/policies/aws/test_storage_policies.py)
    ("kubernetes-storageclass-enable-ebs-encryption", "kubernetes:storage.k8s.io/v1:StorageClass",
     lambda p: p["parameters"].pop("encrypted"), None,
     "StorageClass 'gp3-encrypted' (provisioner ebs.csi.aws.com) provisions unencrypted EBS volumes"),
    ("kubernetes-storageclass-enable-ebs-encryption", "kubernetes:storage.k8s.io/v1:StorageClassPatch",
     lambda p: p["metadata"]["annotations"].update({"storageclass.kubernetes.io/is-default-class": "true"}), None,
     "gp2 must not be the default class"),
    ("kubernetes-storageclass-configure-ebs-cmk", "kubernetes:storage.k8s.io/v1:StorageClass",
     lambda p: p["parameters"].pop("kmsKeyId"), None, "does not name a customer-managed KMS key"),
    ("aws-ebs-volume-enable-encryption", "aws:ebs/volume:Volume", lambda p: p.update(encrypted=False), None,
     "EBS volume 'subject' is not encrypted"),
    ("aws-efs-filesystem-enable-encryption", "aws:efs/fileSystem:FileSystem", lambda p: p.pop("encrypted"), None,
     "EFS file system 'subject' is not encrypted at rest"),
    ("aws-efs-filesystem-configure-cmk", "aws:efs/fileSystem:FileSystem", lambda p: p.pop("kmsKeyId"), None,
     "does not use a customer-managed KMS key"),
    ("kubernetes-efs-enable-in-transit-encryption", "kubernetes:core/v1:PersistentVolume",
     lambda p: p["spec"].pop("mountOptions"), None, "PersistentVolume 'shared-data' mounts EFS without TLS"),
    ("aws-efs-accesspoint-enforce-posix-identity", "aws:efs/accessPoint:AccessPoint", lambda p: p.pop("posixUser"),
     None, "does not enforce a POSIX identity"),
    ("aws-efs-filesystem-disallow-one-zone", "aws:efs/fileSystem:FileSystem",
     lambda p: p.update(availabilityZoneName="us-west-2a"), None, "is One Zone"),
    ("aws-fsx-filesystem-configure-cmk", "aws:fsx/lustreFileSystem:LustreFileSystem",
     lambda p: p.update(deploymentType="SCRATCH_2"), None, "uses a scratch deployment type"),
    # Pod security: J1-J9, J11, J12 (more cases in tests/policies/k8s/test_pod_security.py)
    ("kubernetes-pod-disallow-privileged", DEPLOYMENT, app_security(privileged=True), None,
     "Deployment 'api' container 'api' (spec.template.spec.containers[0]) runs privileged"),
    ("kubernetes-pod-disallow-host-pid", DAEMONSET, pod_fields(hostPID=True), None,
     "DaemonSet 'agent' shares the node's process namespace (spec.template.spec.hostPID: true)"),
    ("kubernetes-pod-disallow-host-ipc", DEPLOYMENT, pod_fields(hostIPC=True), None,
     "shares the node's IPC namespace (spec.template.spec.hostIPC: true)"),
    ("kubernetes-pod-disallow-host-network", DAEMONSET, pod_fields(hostNetwork=True), None,
     "uses the node's network namespace (spec.template.spec.hostNetwork: true)"),
    ("kubernetes-pod-disallow-privilege-escalation", CRONJOB, app_security(allowPrivilegeEscalation=True), None,
     "CronJob 'report' container 'report' (spec.jobTemplate.spec.template.spec.containers[0]) allows privilege "
     "escalation"),
    ("kubernetes-pod-enforce-run-as-non-root", DEPLOYMENT, app_security(runAsUser=0), None,
     "runs as root (spec.template.spec.containers[0].securityContext.runAsUser: 0)"),
    ("kubernetes-pod-enforce-run-as-non-root", CRONJOB, lambda p: _pod_spec_of(p)["securityContext"].pop("runAsNonRoot"),
     None, "does not require a non-root user: runAsNonRoot is unset on the container and on the pod"),
    ("kubernetes-pod-configure-minimum-uid", DEPLOYMENT, app_security(runAsUser=1000), None,
     "runs as low UID 1000 (spec.template.spec.containers[0].securityContext.runAsUser), below minimumUid 10000"),
    ("kubernetes-pod-enable-read-only-root-filesystem", DEPLOYMENT, app_security(readOnlyRootFilesystem=False), None,
     "has a writable root filesystem"),
    ("kubernetes-pod-enforce-minimal-capabilities", DEPLOYMENT,
     app_security(capabilities={"drop": ["ALL"], "add": ["NET_RAW"]}), None, "adds capabilities NET_RAW"),
    ("kubernetes-pod-enable-seccomp-profile", CRONJOB, lambda p: _pod_spec_of(p)["securityContext"].pop("seccompProfile"),
     None, "has no seccomp profile"),
    ("kubernetes-pod-disallow-host-path", DAEMONSET,
     lambda p: _pod_spec_of(p)["volumes"].append({"name": "sock", "hostPath": {"path": "/var/run/docker.sock"}}), None,
     "CRITICAL: DaemonSet 'agent' volume 'sock' (spec.template.spec.volumes[1].hostPath.path: /var/run/docker.sock)"),
    ("kubernetes-pod-disallow-host-port", DEPLOYMENT,
     lambda p: _pod_spec_of(p)["containers"][0]["ports"][0].update(hostPort=8080), None, "binds port 8080 on the node"),
    # Workload hygiene: J13-J16, J22, J23, G7, G8 (more cases in tests/policies/k8s/test_workload_hygiene.py)
    ("kubernetes-pod-configure-resources", DEPLOYMENT,
     lambda p: _pod_spec_of(p)["containers"][0]["resources"].pop("limits"), None,
     "Deployment 'api' container 'api' (spec.template.spec.containers[0]) sets no resources.limits.memory"),
    ("kubernetes-pod-disable-service-account-token-automount", DAEMONSET,
     pod_fields(automountServiceAccountToken=True), None,
     "DaemonSet 'agent' mounts its ServiceAccount's API token into every container"),
    ("kubernetes-pod-disallow-default-service-account", CRONJOB, pod_fields(serviceAccountName="default"), None,
     "CronJob 'report' runs as the namespace's default ServiceAccount"),
    ("kubernetes-pod-disallow-literal-secrets-in-env", DEPLOYMENT,
     lambda p: _pod_spec_of(p)["containers"][0].update(env=[{"name": "DB_PASSWORD", "value": "hunter2"}]), None,
     "sets DB_PASSWORD to a literal value"),
    ("kubernetes-pod-configure-secrets-as-files", DEPLOYMENT,
     lambda p: _pod_spec_of(p)["containers"][0].update(envFrom=[{"secretRef": {"name": "db"}}]), None,
     "reads Secrets into environment variables: every key of Secret 'db' (envFrom[0].secretRef)"),
    ("kubernetes-namespace-enforce-pod-security-admission", "kubernetes:core/v1:Namespace",
     lambda p: p["metadata"]["labels"].update({"pod-security.kubernetes.io/enforce": "baseline"}),
     {"minimumLevel": "restricted"}, "Namespace 'payments' does not enforce a Pod Security Standard of at least"),
    ("kubernetes-workload-disallow-default-namespace", "kubernetes:core/v1:Service",
     lambda p: p["metadata"].pop("namespace"), None, "Service 'api' is in the default namespace"),
    ("kubernetes-image-configure-approved-registries", CRONJOB,
     lambda p: _pod_spec_of(p)["containers"][0].update(image="docker.io/library/busybox:1.36"),
     GOLDEN_CONFIG["kubernetes-image-configure-approved-registries"], "which is not an approved registry"),
    ("kubernetes-image-disallow-unpinned-references", DAEMONSET,
     lambda p: _pod_spec_of(p)["containers"][0].update(image="public.ecr.aws/docker/library/busybox"), None,
     "image 'public.ecr.aws/docker/library/busybox' has no tag"),
]


@pytest.mark.parametrize(("policy_name", "token", "change", "config", "fragment"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rule_fires(policy_name: str, token: str, change: Callable[[dict[str, Any]], None],
                    config: dict[str, Any] | None, fragment: str) -> None:
    policy = POLICIES[policy_name]
    found = run(policy, resource_args(token, change, config=config if config is not None else {}))
    assert found, f"{policy_name} stayed silent"
    assert any(fragment in message for message, _ in found), found


def test_every_resource_rule_has_a_firing_case() -> None:
    """Resource rules fire here; stack rules have their own modules under tests/policies/aws/."""
    from pulumi_policy import ResourceValidationPolicy

    from tests.policies.k8s.test_karpenter_rules import CASES as NODE_PROVISIONING_CASES  # M1-M12, exact messages

    fired = {c[0] for c in CASES} | {c[0].name for c in NODE_PROVISIONING_CASES}
    original = {"aws-ec2-securitygroup-disallow-public-internet-ingress", "aws-ec2-securitygroup-missing-description"}
    # The type token is the flaw (a bare Pod, a beta API, a Helm Release): no golden fixture of it can be
    # compliant. They fire in tests/policies/k8s/test_workload_hygiene.py.
    original |= {"kubernetes-pod-disallow-bare-pods", "kubernetes-api-disallow-alpha-beta-versions",
                 "kubernetes-helm-disallow-release"}
    for name, policy in POLICIES.items():
        if isinstance(policy, ResourceValidationPolicy) and name not in original:
            assert name in fired, name


def test_empty_component_inputs_are_not_applicable() -> None:
    """A real preview sends eks:index:Cluster with empty inputs: the cluster rules must not guess."""
    policy = POLICIES["aws-eks-cluster-disallow-api-endpoint-public-access"]
    args = resource_args(COMPONENT, lambda p: p.clear())
    with pytest.raises(_NotApplicableError):
        run(policy, args)


def test_aws_auth_is_only_read_in_kube_system() -> None:
    policy = POLICIES["aws-eks-accessentry-disallow-system-masters"]

    def change(p: dict[str, Any]) -> None:
        p["metadata"]["namespace"] = "apps"
        p["data"]["mapRoles"] = "- rolearn: x\n  groups: [system:masters]\n"

    assert run(policy, resource_args(AWS_AUTH, change)) == []


def test_launch_configurations_are_refused() -> None:
    policy = POLICIES["aws-autoscaling-group-enforce-launch-template"]
    found = run(policy, resource_args("aws:autoscaling/group:Group", lambda p: None))
    assert found == []
    from pulumi_policy import ResourceValidationArgs

    from tests.policies.fixtures import _opts, urn_of
    lc = ResourceValidationArgs("aws:ec2/launchConfiguration:LaunchConfiguration", {"imageId": "ami-1"},
                                urn_of("aws:ec2/launchConfiguration:LaunchConfiguration", "old"), "old", _opts(), None, {})
    (message, _), = run(policy, lc)
    assert message.startswith("LaunchConfiguration 'old' is deprecated")


@pytest.mark.parametrize("text", [
    "#!/bin/bash\n/etc/eks/bootstrap.sh eks-dev\n",
    "DB_PASSWORD_ARN=arn:aws:secretsmanager:us-west-2:1:secret:db\n",
    "TOKEN=${TOKEN_FROM_SSM}\n",
])
def test_user_data_without_credentials_is_silent(text: str) -> None:
    policy = POLICIES["aws-ec2-launchtemplate-disallow-secrets-in-user-data"]
    assert run(policy, resource_args(LT, user_data(text))) == []


@pytest.mark.parametrize(("version", "support", "today"), [
    ("1.35", "STANDARD", "2026-12-06"),   # in standard support
    ("1.34", "STANDARD", "2026-12-01"),   # the day before it leaves standard support
    ("1.34", "EXTENDED", "2026-12-06"),   # past it, extended support chosen explicitly
    ("1.29", "EXTENDED", "2026-03-22"),   # the last day of extended support
])
def test_supported_version_is_silent_inside_the_support_it_chose(version: str, support: str, today: str) -> None:
    policy = POLICIES["aws-eks-cluster-configure-supported-version"]
    args = resource_args(CLUSTER, lambda p: p.update(version=version, upgradePolicy={"supportType": support}),
                         config={**LIFECYCLE, "today": today})
    assert run(policy, args) == []


def test_supported_version_without_lifecycle_data_judges_only_a_pinned_version() -> None:
    """No list in the rule: with no table in its config, only an unpinned version fires."""
    policy = POLICIES["aws-eks-cluster-configure-supported-version"]
    assert run(policy, resource_args(CLUSTER, lambda p: p.update(version="1.29"), config={})) == []


def test_supported_version_reads_the_clock_when_the_config_gives_no_day(monkeypatch: pytest.MonkeyPatch) -> None:
    policy = POLICIES["aws-eks-cluster-configure-supported-version"]
    config = {"versions": LIFECYCLE["versions"]}
    monkeypatch.setenv("EKS_PLATFORM_TODAY", "2026-12-01")
    assert run(policy, resource_args(CLUSTER, lambda p: p.update(version="1.34"), config=config)) == []
    monkeypatch.setenv("EKS_PLATFORM_TODAY", "2026-12-02")
    assert run(policy, resource_args(CLUSTER, lambda p: p.update(version="1.34"), config=config))
