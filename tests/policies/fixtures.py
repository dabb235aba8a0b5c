"""Golden, compliant policy inputs per resource type; tests change one field and expect one violation.

Props go through the policy SDK's own ``unknown_checking_proxy``, so policies see the same Mapping and
Sequence proxies they get from the analyzer server.
"""

from __future__ import annotations

import copy
import importlib
import json
import pkgutil
from collections.abc import Callable
from typing import Any

from pulumi_policy import PolicyResourceOptions, ResourceValidationArgs
from pulumi_policy.policy import Policy, PolicyCustomTimeouts, PolicyResource, StackValidationArgs
from pulumi_policy.proxy import unknown_checking_proxy

STACK = "urn:pulumi:dev::eks-platform::pulumi:pulumi:Stack::eks-platform-dev"
ADMIN_ROLE = "arn:aws:iam::111111111111:role/platform-admin"
ISSUER = "oidc.eks.us-west-2.amazonaws.com/id/ABCDEF0123456789ABCDEF0123456789"
STORAGE_KEY = "arn:aws:kms:us-west-2:111111111111:key/storage"
NODE_KEY = "arn:aws:kms:us-west-2:111111111111:key/nodes"
CERTIFICATE = "arn:aws:acm:us-west-2:111111111111:certificate/0f0e0d0c-0b0a-0908-0706-050403020100"
WORKLOAD_IMAGE = "111111111111.dkr.ecr.us-west-2.amazonaws.com/payments/api@sha256:" + "0123456789abcdef" * 4


def hardened_workload(name: str, pod_spec_path: tuple[str, ...], **spec: Any) -> dict[str, Any]:
    """A workload (J1-J27 compliant) in namespace payments: its own ServiceAccount and no token, non-root UID 10001,
    RuntimeDefault seccomp, all capabilities dropped, read-only root, requests and limits, probes, an ECR image by
    digest. ``pod_spec_path`` is where the kind carries its pod spec; ``spec`` adds fields next to the template."""
    labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/instance": name, "app.kubernetes.io/part-of": "payments",
              "app.kubernetes.io/managed-by": "pulumi"}
    probe = {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 10}
    pod = {
        "serviceAccountName": name, "automountServiceAccountToken": False, "enableServiceLinks": False,
        "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001, "fsGroup": 10001,
                            "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [{
            "name": name, "image": WORKLOAD_IMAGE, "imagePullPolicy": "Always",
            "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}},
            "readinessProbe": probe, "livenessProbe": {**probe, "initialDelaySeconds": 10},
            "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                "capabilities": {"drop": ["ALL"]}},
            "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}]}],
        "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}],
    }
    if pod_spec_path[0] == "spec" and len(pod_spec_path) > 3:  # CronJob: spec.jobTemplate.spec.template.spec
        pod["restartPolicy"] = "OnFailure"
        for container in pod["containers"]:  # a batch job serves nothing: no ports, no probes
            for key in ("ports", "readinessProbe", "livenessProbe"):
                container.pop(key)
        body: dict[str, Any] = {"jobTemplate": {"spec": {"template": {"metadata": {"labels": labels}, "spec": pod}}}}
    else:
        body = {"selector": {"matchLabels": labels}, "template": {"metadata": {"labels": labels}, "spec": pod}}
    return {"metadata": {"name": name, "namespace": "payments", "labels": labels}, "spec": {**spec, **body}}

GOLDEN: dict[str, dict[str, Any]] = {
    "aws:ec2/securityGroup:SecurityGroup": {
        "vpcId": "vpc-0123456789abcdef0",
        "description": "nodes of cluster eks-dev",
        "ingress": [{"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["10.10.0.0/16"],
                     "description": "API server from the VPC"}],
        "egress": [{"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"],
                    "description": "HTTPS to AWS APIs and registries"}],
    },
    "aws:ec2/securityGroupRule:SecurityGroupRule": {
        "type": "ingress", "protocol": "tcp", "fromPort": 443, "toPort": 443,
        "cidrBlocks": ["10.0.0.0/8"], "securityGroupId": "sg-0123", "description": "HTTPS from the VPC",
    },
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": {
        "ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "cidrIpv4": "10.0.0.0/8",
        "securityGroupId": "sg-0123", "description": "SSH from the VPN",
    },
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": {"vpcId": "vpc-0123", "ingress": [], "egress": []},
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": {
        "ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "cidrIpv4": "0.0.0.0/0",
        "securityGroupId": "sg-0123", "description": "HTTPS to AWS APIs",
    },
    "aws:kms/key:Key": {
        "description": "Envelope encryption of Kubernetes Secrets in eks-dev", "enableKeyRotation": True,
        "customerMasterKeySpec": "SYMMETRIC_DEFAULT", "isEnabled": True, "bypassPolicyLockoutSafetyCheck": False,
        "deletionWindowInDays": 30,
        "policy": json.dumps({"Version": "2012-10-17", "Statement": [
            {"Sid": "KeyAdministration", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
             "Action": "kms:*", "Resource": "*"},
            {"Sid": "ClusterUse", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:role/cluster"},
             "Action": ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"], "Resource": "*"}]}),
    },
    "aws:cloudwatch/logGroup:LogGroup": {
        "name": "/aws/eks/eks-dev/cluster", "retentionInDays": 90,
        "kmsKeyId": "arn:aws:kms:us-west-2:111111111111:key/logs",
    },
    "aws:eks/cluster:Cluster": {
        "name": "eks-dev", "version": "1.35", "roleArn": "arn:aws:iam::111111111111:role/cluster",
        "vpcConfig": {"subnetIds": ["subnet-1", "subnet-2"], "endpointPublicAccess": False,
                      "endpointPrivateAccess": True},
        "encryptionConfig": {"resources": ["secrets"],
                             "provider": {"keyArn": "arn:aws:kms:us-west-2:111111111111:key/abc"}},
        "enabledClusterLogTypes": ["api", "audit", "authenticator", "controllerManager", "scheduler"],
        "accessConfig": {"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False},
        "upgradePolicy": {"supportType": "STANDARD"},
    },
    "eks:index:Cluster": {
        "version": "1.35", "endpointPublicAccess": False, "endpointPrivateAccess": True,
        "encryptionConfigKeyArn": "arn:aws:kms:us-west-2:111111111111:key/abc",
        "enabledClusterLogTypes": ["api", "audit", "authenticator", "controllerManager", "scheduler"],
        "authenticationMode": "API", "upgradePolicy": {"supportType": "STANDARD"},
        "roleMappings": [{"roleArn": "arn:aws:iam::111111111111:role/ops", "username": "ops", "groups": ["ops"]}],
        "accessEntries": {"platform": {"principalArn": ADMIN_ROLE, "accessPolicies": {"admin": {
            "policyArn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
            "accessScope": {"type": "cluster"}}}}},
    },
    "aws:eks/accessEntry:AccessEntry": {
        "clusterName": "eks-dev", "principalArn": "arn:aws:iam::111111111111:role/payments", "type": "STANDARD",
        "kubernetesGroups": ["eks-platform:payments:namespace-admin"],
    },
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": {
        "clusterName": "eks-dev", "principalArn": ADMIN_ROLE,
        "policyArn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
        "accessScope": {"type": "cluster"},
    },
    "kubernetes:core/v1:ConfigMap": {
        "metadata": {"name": "aws-auth", "namespace": "kube-system"},
        "data": {"mapRoles": "- rolearn: arn:aws:iam::111111111111:role/nodes\n  username: system:node:{{EC2PrivateDNSName}}\n"
                             "  groups: [system:bootstrappers, system:nodes]\n"},
    },
    "aws:iam/role:Role": {
        "assumeRolePolicy": json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
            "Principal": {"Federated": f"arn:aws:iam::111111111111:oidc-provider/{ISSUER}"},
            "Condition": {"StringEquals": {f"{ISSUER}:sub": "system:serviceaccount:payments:api",
                                           f"{ISSUER}:aud": "sts.amazonaws.com"}}}]}),
        "managedPolicyArns": ["arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly"],
    },
    "aws:iam/policy:Policy": {"policy": json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
        "Resource": ["arn:aws:s3:::artifacts", "arn:aws:s3:::artifacts/*"]}]})},
    "aws:iam/rolePolicy:RolePolicy": {"role": "nodes", "policy": json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "arn:aws:logs:us-west-2:1:log-group:x:*"}]})},
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": {
        "role": "nodes", "policyArn": "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"},
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole": {
        "metadata": {"name": "eks-platform:namespace-viewer"},
        "rules": [{"apiGroups": [""], "resources": ["pods", "services"], "verbs": ["get", "list", "watch"]},
                  {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list", "watch"]}],
    },
    "kubernetes:rbac.authorization.k8s.io/v1:Role": {
        "metadata": {"name": "deployer", "namespace": "payments"},
        "rules": [{"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "update", "patch"]},
                  {"apiGroups": [""], "resources": ["secrets"], "verbs": ["create", "update"]}],
    },
    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": {
        "metadata": {"name": "payments-admins", "namespace": "payments"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                    "name": "eks-platform:namespace-admin"},
        "subjects": [{"kind": "Group", "name": "eks-platform:payments:namespace-admin",
                      "apiGroup": "rbac.authorization.k8s.io"}],
    },
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": {
        "metadata": {"name": "break-glass"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
        "subjects": [{"kind": "Group", "name": "platform-admins", "apiGroup": "rbac.authorization.k8s.io"}],
    },
    # Network (E6 E7): an internal NLB (AWS Load Balancer Controller) and an internal ALB, both terminating TLS.
    "kubernetes:core/v1:Service": {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "api", "namespace": "payments",
                     "labels": {"app.kubernetes.io/name": "api", "app.kubernetes.io/part-of": "payments"},
                     "annotations": {
                         "service.beta.kubernetes.io/aws-load-balancer-type": "external",
                         "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
                         "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
                         "service.beta.kubernetes.io/aws-load-balancer-ssl-cert": CERTIFICATE,
                         "service.beta.kubernetes.io/aws-load-balancer-ssl-ports": "443"}},
        "spec": {"type": "LoadBalancer", "selector": {"app.kubernetes.io/name": "api"},
                 "ports": [{"name": "https", "port": 443, "targetPort": 8443, "protocol": "TCP"}],
                 "loadBalancerSourceRanges": ["10.0.0.0/8"]},
    },
    "kubernetes:networking.k8s.io/v1:Ingress": {
        "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
        "metadata": {"name": "web", "namespace": "payments",
                     "labels": {"app.kubernetes.io/name": "web", "app.kubernetes.io/part-of": "payments"},
                     "annotations": {
                         "alb.ingress.kubernetes.io/scheme": "internal",
                         "alb.ingress.kubernetes.io/target-type": "ip",
                         "alb.ingress.kubernetes.io/certificate-arn": CERTIFICATE,
                         "alb.ingress.kubernetes.io/listen-ports": '[{"HTTPS": 443}]'}},
        "spec": {"ingressClassName": "alb", "rules": [{"host": "payments.internal.example.com", "http": {"paths": [
            {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 443}}}}]}}]},
    },
    "aws:ec2/launchTemplate:LaunchTemplate": {
        "metadataOptions": {"httpEndpoint": "enabled", "httpTokens": "required", "httpPutResponseHopLimit": 1},
        "blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {
            "encrypted": "true", "kmsKeyId": "arn:aws:kms:us-west-2:111111111111:key/nodes", "volumeType": "gp3",
            "volumeSize": 50}}],
        "monitoring": {"enabled": True},
        "userData": "IyEvYmluL2Jhc2gKZWNobyBoZWxsbwo=",
    },
    "aws:ec2/instance:Instance": {
        "ami": "ami-0123", "instanceType": "m7i.large", "associatePublicIpAddress": False,
        "metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 1},
        "rootBlockDevice": {"encrypted": True, "kmsKeyId": "arn:aws:kms:us-west-2:111111111111:key/nodes"},
    },
    "aws:eks/nodeGroup:NodeGroup": {
        "clusterName": "eks-dev", "nodeRoleArn": "arn:aws:iam::111111111111:role/nodes", "subnetIds": ["subnet-1"],
        "amiType": "AL2023_x86_64_STANDARD", "instanceTypes": ["m7i.large"], "capacityType": "ON_DEMAND",
        "scalingConfig": {"minSize": 1, "desiredSize": 2, "maxSize": 3}, "launchTemplate": {"id": "lt-1", "version": "1"},
        "nodeRepairConfig": {"enabled": True}, "updateConfig": {"maxUnavailablePercentage": 33},
    },
    "aws:autoscaling/group:Group": {
        "maxSize": 3, "minSize": 1, "vpcZoneIdentifiers": ["subnet-1"],
        "launchTemplate": {"id": "lt-1", "version": "$Latest"},
    },
    "eks:index:NodeGroupV2": {
        "instanceType": "m7i.large", "nodeAssociatePublicIpAddress": False, "nodeRootVolumeEncrypted": True,
        "amiType": "AL2023_x86_64_STANDARD", "minSize": 1, "maxSize": 3,
    },
    "eks:index:ManagedNodeGroup": {
        "amiType": "BOTTLEROCKET_x86_64", "enableIMDSv2": True, "instanceTypes": ["m7i.large"],
    },
    "aws:ecr/repository:Repository": {
        "name": "payments/api", "imageTagMutability": "IMMUTABLE", "imageScanningConfiguration": {"scanOnPush": True},
        "encryptionConfigurations": [{"encryptionType": "KMS", "kmsKey": "arn:aws:kms:us-west-2:111111111111:key/ecr"}],
    },
    "aws:ecr/repositoryPolicy:RepositoryPolicy": {
        "repository": "payments/api",
        "policy": json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": "*", "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}}}]}),
    },
    # Pod security (J1-J12): hardened workloads (see hardened_workload).
    "kubernetes:apps/v1:Deployment": hardened_workload("api", ("spec", "template", "spec"), replicas=2),
    "kubernetes:apps/v1:DaemonSet": hardened_workload("agent", ("spec", "template", "spec")),
    "kubernetes:batch/v1:CronJob": hardened_workload("report", ("spec", "jobTemplate", "spec", "template", "spec"),
                                                     schedule="0 3 * * *", concurrencyPolicy="Forbid"),
    # Workload hygiene (J22): the workloads' namespace, enforcing the restricted Pod Security Standard.
    "kubernetes:core/v1:Namespace": {
        "metadata": {"name": "payments", "labels": {
            "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/warn": "restricted",
            "pod-security.kubernetes.io/audit": "restricted", "app.kubernetes.io/managed-by": "pulumi"}},
    },
    # Storage (F1-F11): an encrypted default EBS class, gp2 demoted, an EFS volume over TLS, CMK-encrypted file systems.
    "kubernetes:storage.k8s.io/v1:StorageClass": {
        "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
        "metadata": {"name": "gp3-encrypted", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
        "provisioner": "ebs.csi.aws.com",
        "parameters": {"type": "gp3", "encrypted": "true", "kmsKeyId": STORAGE_KEY},
        "reclaimPolicy": "Retain", "volumeBindingMode": "WaitForFirstConsumer", "allowVolumeExpansion": True,
    },
    "kubernetes:storage.k8s.io/v1:StorageClassPatch": {
        "metadata": {"name": "gp2", "annotations": {"storageclass.kubernetes.io/is-default-class": "false"}},
    },
    "kubernetes:core/v1:PersistentVolume": {
        "apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "shared-data"},
        "spec": {"capacity": {"storage": "5Gi"}, "accessModes": ["ReadWriteMany"],
                 "persistentVolumeReclaimPolicy": "Retain", "storageClassName": "efs-static", "mountOptions": ["tls"],
                 "csi": {"driver": "efs.csi.aws.com", "volumeHandle": "fs-0123456789abcdef0::fsap-0123456789abcdef0",
                         "volumeAttributes": {"encryptInTransit": "true"}}},
    },
    "aws:ebs/volume:Volume": {
        "availabilityZone": "us-west-2a", "size": 100, "type": "gp3", "encrypted": True, "kmsKeyId": STORAGE_KEY,
    },
    "aws:efs/fileSystem:FileSystem": {
        "encrypted": True, "kmsKeyId": STORAGE_KEY, "performanceMode": "generalPurpose", "throughputMode": "elastic",
    },
    "aws:efs/accessPoint:AccessPoint": {
        "fileSystemId": "fs-0123456789abcdef0", "posixUser": {"uid": 1000, "gid": 1000},
        "rootDirectory": {"path": "/payments", "creationInfo": {"ownerUid": 1000, "ownerGid": 1000, "permissions": "750"}},
    },
    "aws:fsx/lustreFileSystem:LustreFileSystem": {
        "subnetIds": "subnet-1", "storageCapacity": 1200, "deploymentType": "PERSISTENT_2",
        "perUnitStorageThroughput": 125, "kmsKeyId": STORAGE_KEY, "automaticBackupRetentionDays": 7,
        "logConfiguration": {"level": "WARN_ERROR"},
    },
    "aws:fsx/ontapFileSystem:OntapFileSystem": {
        "deploymentType": "MULTI_AZ_2", "subnetIds": ["subnet-1", "subnet-2"], "preferredSubnetId": "subnet-1",
        "storageCapacity": 1024, "throughputCapacity": 384, "kmsKeyId": STORAGE_KEY, "automaticBackupRetentionDays": 30,
    },
    "aws:fsx/openZfsFileSystem:OpenZfsFileSystem": {
        "deploymentType": "MULTI_AZ_1", "subnetIds": ["subnet-1", "subnet-2"], "preferredSubnetId": "subnet-1",
        "storageCapacity": 64, "throughputCapacity": 160, "kmsKeyId": STORAGE_KEY, "automaticBackupRetentionDays": 7,
    },
    "aws:fsx/windowsFileSystem:WindowsFileSystem": {
        "activeDirectoryId": "d-0123456789", "deploymentType": "MULTI_AZ_1", "subnetIds": ["subnet-1", "subnet-2"],
        "preferredSubnetId": "subnet-1", "storageCapacity": 32, "throughputCapacity": 32, "kmsKeyId": STORAGE_KEY,
        "automaticBackupRetentionDays": 7,
    },
    # Node provisioning (M1-M9): Karpenter v1 and EKS Auto Mode objects as the components write them (CONTRACT-16).
    "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass": {
        "apiVersion": "karpenter.k8s.aws/v1", "kind": "EC2NodeClass", "metadata": {"name": "default"},
        "spec": {
            "role": "eks-dev-karpenter-node", "amiSelectorTerms": [{"alias": "al2023@v20261015"}],
            "subnetSelectorTerms": [{"tags": {"karpenter.sh/discovery": "eks-dev"}}],
            "securityGroupSelectorTerms": [{"tags": {"karpenter.sh/discovery": "eks-dev"}}],
            "associatePublicIPAddress": False,
            "metadataOptions": {"httpEndpoint": "enabled", "httpProtocolIPv6": "disabled", "httpPutResponseHopLimit": 1,
                                "httpTokens": "required"},
            "blockDeviceMappings": [{"deviceName": "/dev/xvda", "rootVolume": True, "ebs": {
                "volumeSize": "50Gi", "volumeType": "gp3", "encrypted": True, "kmsKeyID": NODE_KEY,
                "deleteOnTermination": True}}],
            "tags": {"team": "platform"}},
    },
    "kubernetes:eks.amazonaws.com/v1:NodeClass": {
        "apiVersion": "eks.amazonaws.com/v1", "kind": "NodeClass", "metadata": {"name": "private"},
        "spec": {
            "role": "eks-dev-auto-node",
            "subnetSelectorTerms": [{"tags": {"kubernetes.io/role/internal-elb": "1"}}],
            "securityGroupSelectorTerms": [{"tags": {"karpenter.sh/discovery": "eks-dev"}}],
            "networkPolicy": "DefaultDeny", "networkPolicyEventLogs": "Enabled", "snatPolicy": "Random",
            "ephemeralStorage": {"size": "80Gi", "iops": 3000, "throughput": 125, "kmsKeyID": NODE_KEY}},
    },
    "kubernetes:karpenter.sh/v1:NodePool": {
        "apiVersion": "karpenter.sh/v1", "kind": "NodePool", "metadata": {"name": "general"},
        "spec": {
            "template": {
                "metadata": {"labels": {"eks-platform/pool": "general"}},
                "spec": {
                    "nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": "default"},
                    "requirements": [
                        {"key": "karpenter.k8s.aws/instance-category", "operator": "In", "values": ["c", "m", "r"]},
                        {"key": "karpenter.sh/capacity-type", "operator": "In", "values": ["on-demand", "spot"]},
                        {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]}],
                    "expireAfter": "720h", "terminationGracePeriod": "24h"}},
            "disruption": {"consolidationPolicy": "WhenEmptyOrUnderutilized", "consolidateAfter": "1m",
                           "budgets": [{"nodes": "10%"},
                                       {"nodes": "0", "schedule": "0 9 * * mon-fri", "duration": "8h"}]},
            "limits": {"cpu": "256", "memory": "1024Gi"}, "weight": 10},
    },
}

#: Config under which every golden fixture is compliant with every policy.
GOLDEN_CONFIG: dict[str, dict[str, Any]] = {
    "aws-eks-accesspolicyassociation-configure-cluster-admin-allowlist": {"allowedPrincipals": [ADMIN_ROLE]},
    "kubernetes-rbac-configure-cluster-admin-binding-allowlist": {"allowedSubjects": ["platform-admins"]},
    # pulumi-eks enableIMDSv2 sets hop limit 2 (nodejs/eks/nodes/nodegroup.ts); the fixture's group needs it.
    "aws-ec2-launchtemplate-configure-imds-hop-limit": {"allowHopLimitTwo": ["subject"]},
    # G7 is not applicable until an organisation lists its registries: the golden workloads pull from this one.
    "kubernetes-image-configure-approved-registries": {"allowedRegistries": ["111111111111.dkr.ecr."]},
    # M5 as prod runs it: the golden EC2NodeClass pins its AMI release.
    "kubernetes-ec2nodeclass-configure-pinned-ami": {"requirePinnedAmiAlias": True},
}


def urn_of(token: str, name: str) -> str:
    return f"urn:pulumi:dev::eks-platform::{token}::{name}"


def _opts() -> PolicyResourceOptions:
    return PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], STACK)


def resource_args(token: str, change: Callable[[dict[str, Any]], None] | None = None, name: str = "subject",
                  config: dict[str, Any] | None = None) -> ResourceValidationArgs:
    """A compliant resource of ``token``, optionally changed by ``change`` (which edits the props dict)."""
    props = copy.deepcopy(GOLDEN[token])
    if change is not None:
        change(props)
    return ResourceValidationArgs(token, unknown_checking_proxy(props), urn_of(token, name), name, _opts(), None,
                                  config or {})


def stack_resource(token: str, name: str, props: dict[str, Any],
                   property_dependencies: dict[str, list[PolicyResource]] | None = None) -> PolicyResource:
    return PolicyResource(token, unknown_checking_proxy(props), urn_of(token, name), name, _opts(), None, None, [],
                          property_dependencies or {})


def stack_args(resources: list[PolicyResource], config: dict[str, Any] | None = None) -> StackValidationArgs:
    return StackValidationArgs(resources, config or {})


def as_stack(args: ResourceValidationArgs) -> StackValidationArgs:
    """A stack of the one resource ``args`` carries, with its config: how a stack policy sees it."""
    resource = PolicyResource(args.resource_type, args.props, args.urn, args.name, args.opts, args.provider, None, [],
                              {})
    return StackValidationArgs([resource], dict(args.get_config()))


def run(policy: Any, args: Any) -> list[tuple[str, str | None]]:
    """Run a policy's validate; return (message, urn) for each violation reported. A stack policy given one
    resource's args (the PSS rules, which need the stack's Namespaces) sees a stack of that resource."""
    from pulumi_policy import StackValidationPolicy

    if isinstance(policy, StackValidationPolicy) and isinstance(args, ResourceValidationArgs):
        args = as_stack(args)
    found: list[tuple[str, str | None]] = []
    policy.validate(args, lambda message, urn=None: found.append((message, urn)))
    return found


def _policy_modules() -> dict[str, dict[str, Policy]]:
    """Every Policy object defined under the pack's packages, by module and Python variable name."""
    import aws  # the pack's policy packages (policies/ is on sys.path in tests)
    import k8s

    found: dict[str, dict[str, Policy]] = {}
    for package in (aws, k8s):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            module = importlib.import_module(info.name)
            defined = {k: v for k, v in vars(module).items() if isinstance(v, Policy)}
            if defined:
                found[info.name] = defined
    return found


def pack_policies() -> dict[str, Policy]:
    """Every Policy object defined under the pack's packages, by policy name (two modules may share a
    variable name: C3's and D1's ``disallow_public_subnets``)."""
    return {p.name: p for defined in _policy_modules().values() for p in defined.values()}


def policy_modules() -> set[str]:
    """The modules under the pack's packages that define a policy."""
    return set(_policy_modules())
