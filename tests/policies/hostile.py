"""Hostile but deliverable input shapes for every resource type the pack judges.

A real preview delivers whatever a program passes where the SDK accepts ``Input[Any]`` or a string: words where
numbers are usual, empty strings, nulls, lists where objects are usual, JSON and YAML documents of any shape in
string properties. Every value here can arrive through the analyzer protocol (a protobuf ``Struct``: numbers are
floats, nesting is bounded, strings are not).

:data:`BASES` holds one realistic instance per judged type (the golden fixtures, plus compliant instances of the
types the pack judges that have no golden fixture); :func:`paths` lists every place in one; :func:`mutate` puts a
hostile value there.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from tests.policies.fixtures import GOLDEN, WORKLOAD_IMAGE, hardened_workload

_WORKLOAD = hardened_workload("api", ("spec", "template", "spec"), replicas=2)
_POD_SPEC = _WORKLOAD["spec"]["template"]["spec"]
_META = {"name": "api", "namespace": "payments", "labels": {"app.kubernetes.io/name": "api"}}
_DOC = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "kms:*", "Resource": "*"}]})

#: Compliant instances of types the pack judges (see the type tokens under policies/) with no golden fixture.
EXTRA: dict[str, dict[str, Any]] = {
    "kubernetes:apps/v1:StatefulSet": hardened_workload("db", ("spec", "template", "spec"), replicas=3,
                                                        serviceName="db"),
    "kubernetes:apps/v1:ReplicaSet": hardened_workload("rs", ("spec", "template", "spec"), replicas=2),
    "kubernetes:core/v1:ReplicationController": hardened_workload("rc", ("spec", "template", "spec"), replicas=2),
    "kubernetes:batch/v1:Job": {"metadata": _META, "spec": {"template": {"metadata": {"labels": _META["labels"]},
                                                                         "spec": {**_POD_SPEC, "restartPolicy": "Never"}}}},
    "kubernetes:core/v1:Pod": {"metadata": _META, "spec": _POD_SPEC},
    "kubernetes:core/v1:PodTemplate": {"metadata": _META, "template": {"metadata": {"labels": _META["labels"]},
                                                                        "spec": _POD_SPEC}},
    "kubernetes:core/v1:ServiceAccount": {"metadata": _META, "automountServiceAccountToken": False},
    "kubernetes:core/v1:ServiceAccountPatch": {"metadata": {"name": "default", "namespace": "payments"},
                                               "automountServiceAccountToken": False},
    "kubernetes:core/v1:Secret": {"metadata": _META, "type": "Opaque", "stringData": {"token": "x"}},
    "kubernetes:core/v1:NamespacePatch": copy.deepcopy(GOLDEN["kubernetes:core/v1:Namespace"]),
    "kubernetes:core/v1:PersistentVolumePatch": copy.deepcopy(GOLDEN["kubernetes:core/v1:PersistentVolume"]),
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": {
        "metadata": {"name": "default-deny", "namespace": "payments"},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}},
    "kubernetes:policy/v1:PodDisruptionBudget": {
        "metadata": _META, "spec": {"minAvailable": 1, "selector": {"matchLabels": _META["labels"]}}},
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler": {
        "metadata": _META, "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"},
                                    "minReplicas": 2, "maxReplicas": 6}},
    "kubernetes:autoscaling/v1:HorizontalPodAutoscaler": {
        "metadata": _META, "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"},
                                    "minReplicas": 2, "maxReplicas": 6}},
    "kubernetes:helm.sh/v3:Release": {"chart": "metrics-server", "namespace": "kube-system", "version": "3.12.1",
                                      "values": {"image": {"repository": WORKLOAD_IMAGE}}},
    "aws:ec2/vpc:Vpc": {"cidrBlock": "10.0.0.0/16", "enableDnsHostnames": True},
    "aws:ec2/subnet:Subnet": {"vpcId": "vpc-1", "cidrBlock": "10.0.1.0/24", "mapPublicIpOnLaunch": False,
                              "tags": {"kubernetes.io/role/internal-elb": "1"}},
    "aws:ec2/flowLog:FlowLog": {"vpcId": "vpc-1", "trafficType": "ALL", "logDestinationType": "cloud-watch-logs",
                                "logDestination": "arn:aws:logs:us-west-2:111111111111:log-group:flow"},
    "aws:ec2/routeTable:RouteTable": {"vpcId": "vpc-1", "routes": [{"cidrBlock": "0.0.0.0/0", "natGatewayId": "nat-1"}]},
    "aws:ec2/route:Route": {"routeTableId": "rtb-1", "destinationCidrBlock": "0.0.0.0/0", "natGatewayId": "nat-1"},
    "aws:ec2/routeTableAssociation:RouteTableAssociation": {"routeTableId": "rtb-1", "subnetId": "subnet-1"},
    "aws:ec2/internetGateway:InternetGateway": {"vpcId": "vpc-1"},
    "aws:ec2/launchConfiguration:LaunchConfiguration": {
        "imageId": "ami-1", "instanceType": "m7i.large", "associatePublicIpAddress": False,
        "metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 1},
        "rootBlockDevice": {"encrypted": True}, "userData": "#!/bin/bash\necho hello\n"},
    "aws:eks/fargateProfile:FargateProfile": {
        "clusterName": "eks-dev", "podExecutionRoleArn": "arn:aws:iam::111111111111:role/fargate",
        "subnetIds": ["subnet-1"], "selectors": [{"namespace": "payments", "labels": {"a": "b"}}]},
    "aws:kms/keyPolicy:KeyPolicy": {"keyId": "key-1", "policy": _DOC},
    "aws:kms/alias:Alias": {"name": "alias/eks", "targetKeyId": "key-1"},
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": {"repository": "payments/api", "policy": json.dumps({"rules": [{
        "rulePriority": 1, "selection": {"tagStatus": "untagged", "countType": "imageCountMoreThan", "countNumber": 5},
        "action": {"type": "expire"}}]})},
    "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration": {
        "scanType": "ENHANCED", "rules": [{"scanFrequency": "SCAN_ON_PUSH",
                                           "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}]}]},
    "aws:rds/cluster:Cluster": {"engine": "aurora-postgresql", "deletionProtection": True},
    "aws:rds/instance:Instance": {"engine": "postgres", "deletionProtection": True},
    "aws:dynamodb/table:Table": {"hashKey": "id", "deletionProtectionEnabled": True},
    "aws:s3/bucket:Bucket": {"bucket": "artifacts"},
    "aws:s3/bucketV2:BucketV2": {"bucket": "artifacts"},
    "eks:index:NodeGroup": {"instanceType": "m7i.large", "nodeAssociatePublicIpAddress": False,
                            "nodeRootVolumeEncrypted": True, "minSize": 1, "maxSize": 3},
}

#: Compliant aws-native instances (CloudFormation shapes) of the covered types (policies/_native.py).
NATIVE: dict[str, dict[str, Any]] = {
    "aws-native:eks:Cluster": {
        "name": "eks-dev", "version": "1.35", "roleArn": "arn:aws:iam::111111111111:role/cluster",
        "resourcesVpcConfig": {"subnetIds": ["subnet-1", "subnet-2"], "endpointPublicAccess": False,
                               "endpointPrivateAccess": True},
        "encryptionConfig": [{"resources": ["secrets"], "provider": {"keyArn": "arn:aws:kms:us-west-2:1:key/a"}}],
        "logging": {"clusterLogging": {"enabledTypes": [
            {"type": t} for t in ("api", "audit", "authenticator", "controllerManager", "scheduler")]}},
        "accessConfig": {"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False},
        "upgradePolicy": {"supportType": "STANDARD"}},
    "aws-native:eks:Nodegroup": {
        "clusterName": "eks-dev", "nodeRole": "arn:aws:iam::111111111111:role/nodes", "subnets": ["subnet-1"],
        "amiType": "AL2023_x86_64_STANDARD", "instanceTypes": ["m7i.large"], "capacityType": "ON_DEMAND",
        "scalingConfig": {"minSize": 1, "desiredSize": 2, "maxSize": 3}, "launchTemplate": {"id": "lt-1", "version": "1"},
        "nodeRepairConfig": {"enabled": True}, "updateConfig": {"maxUnavailablePercentage": 25}},
    "aws-native:eks:FargateProfile": {
        "clusterName": "eks-dev", "podExecutionRoleArn": "arn:aws:iam::111111111111:role/fargate",
        "subnets": ["subnet-1"], "selectors": [{"namespace": "payments", "labels": [{"key": "a", "value": "b"}]}]},
    "aws-native:eks:AccessEntry": {
        "clusterName": "eks-dev", "principalArn": "arn:aws:iam::111111111111:role/payments", "type": "STANDARD",
        "kubernetesGroups": ["eks-platform:payments:namespace-admin"]},
    "aws-native:ec2:LaunchTemplate": {"launchTemplateData": {
        "metadataOptions": {"httpEndpoint": "enabled", "httpTokens": "required", "httpPutResponseHopLimit": 1},
        "blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {
            "encrypted": True, "kmsKeyId": "arn:aws:kms:us-west-2:111111111111:key/nodes", "volumeType": "gp3"}}],
        "userData": "IyEvYmluL2Jhc2gKZWNobyBoZWxsbwo="}},
    "aws-native:ec2:SecurityGroup": {
        "groupDescription": "nodes of cluster eks-dev", "vpcId": "vpc-0123456789abcdef0",
        "securityGroupIngress": [{"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "cidrIp": "10.10.0.0/16",
                                  "description": "API server from the VPC"}],
        "securityGroupEgress": [{"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "cidrIp": "0.0.0.0/0",
                                 "description": "HTTPS to AWS APIs and registries"}]},
    "aws-native:kms:Key": {
        "description": "Envelope encryption of Kubernetes Secrets in eks-dev", "enableKeyRotation": True,
        "enabled": True, "keySpec": "SYMMETRIC_DEFAULT", "pendingWindowInDays": 30,
        "keyPolicy": json.loads(GOLDEN["aws:kms/key:Key"]["policy"])},
}

BASES: dict[str, dict[str, Any]] = {**GOLDEN, **EXTRA, **NATIVE}

_DEEP_JSON = "[" * 100_000 + "]" * 100_000
#: Policy documents: every form IAM accepts, and malformed ones a program can still pass as a string.
POLICY_DOCUMENTS: list[Any] = [
    "", "null", "{", "not json", "[]", "[1, 2]", '"Statement"', "5", _DEEP_JSON, '{"a":' * 50_000 + "1" + "}" * 50_000,
    {"Statement": "x"}, {"Statement": None}, {"Statement": [None]}, {"Statement": [[]]}, {"Statement": [1, "a"]},
    {"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*", "Principal": "*"}},
    {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Principal": "*"}]},
    {"Statement": [{"Effect": "Allow", "Principal": ["*"], "Action": ["*"], "Resource": [None]}]},
    {"Statement": [{"Effect": "Allow", "Principal": 5, "Action": 5, "Resource": 5}]},
    {"Statement": [{"Effect": None, "Principal": {"AWS": ["*", None, 3]}, "Action": [["s3:*"]]}]},
    {"Statement": [{"Effect": "Allow", "Principal": {"AWS": {"x": "y"}, "Federated": None, "Service": 1}}]},
    {"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "NotResource": "*", "NotPrincipal": {"AWS": "*"}}]},
    {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity", "Principal": {"Federated": "x"},
                    "Condition": "x"}]},
    {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "*"},
                    "Condition": {"StringEquals": "x", "StringLike": {"k": [None, 1, {}]}, "Null": [1]}}]},
    {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "*"},
                    "Condition": {"ForAnyValue:StringEquals": {"aws:PrincipalOrgID": []}}}]},
    {"Version": 1, "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}], "Id": []},
]
#: aws-auth ``mapRoles`` / ``mapUsers`` text: YAML of any shape, or not YAML at all.
AWS_AUTH_TEXTS = ["", "null", "{{{", ": - x", "- null", "- rolearn: [1]\n  groups: x", "[1, [2]]", "a: b",
                  "- {rolearn: 5, username: null, groups: [null, [x]]}", "- " * 5000 + "x", "!!binary AAA"]
#: Hostile scalars and shapes, for any place.
VALUES: list[Any] = [
    None, "", " ", "username", "80.0", "forever", "two", "-1", "1e309", "0x10", "∞", "*", "0.0.0.0/0", "::/0",
    "10.0.0.0/33", "/", "arn:", "${x}", 0.0, -1.0, 0.5, 1e300, -1e300, 65536.0, True, False,
    [], [None], [[]], [[None, [1]]], ["*"], [{"a": None}], {}, {"": None}, {"a": [None]}, {"*": "*"},
    {"enabled": "yes"}, "x" * 5_000, UNKNOWN_STRING_VALUE, [UNKNOWN_STRING_VALUE], {"a": UNKNOWN_STRING_VALUE},
]


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every key path in ``value``: each dict key and list index, depth first, the root excluded."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield (*prefix, k)
            yield from paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield (*prefix, i)
            yield from paths(v, (*prefix, i))


def at(value: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        value = value[p]
    return value


_DELETE = object()


def mutate(base: dict[str, Any], path: tuple[Any, ...], replacement: Any) -> dict[str, Any]:
    """A deep copy of ``base`` with the value at ``path`` replaced (``DELETE``: removed)."""
    props = copy.deepcopy(base)
    parent = at(props, path[:-1])
    if replacement is _DELETE:
        if isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent.pop(path[-1])
    else:
        parent[path[-1]] = copy.deepcopy(replacement)
    return props


DELETE = _DELETE


def replacements_for(current: Any) -> list[Any]:
    """What to put where ``current`` is: the generic hostile values, and documents where a document is."""
    found: list[Any] = [DELETE, *VALUES]
    if isinstance(current, str):
        text = current.lstrip()
        if text.startswith(("{", "[")):
            found += [d if isinstance(d, str) else json.dumps(d) for d in POLICY_DOCUMENTS]
        if "rolearn" in current or "userarn" in current or "\n" in current:
            found += AWS_AUTH_TEXTS
    return found


def document_places(base: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The paths of ``base`` holding a JSON document or YAML text (policies, aws-auth maps, Ingress annotations)."""
    return [p for p in paths(base) if isinstance(at(base, p), str) and (
        at(base, p).lstrip().startswith(("{", "[")) or "\n" in at(base, p))]
