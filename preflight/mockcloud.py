"""A deterministic, realistic stand-in for AWS and the providers a Pulumi program talks to.

Resources get IDs and ARNs in the shapes AWS uses (``vpc-0abc...``, ``arn:aws:iam::123456789012:role/x``),
with account, region and partition from the stack; the outputs programs commonly read (EKS endpoint,
certificate authority, OIDC issuer, kubeconfig, AZ lists, caller identity, IAM policy documents, SSM
AMI/release parameters, EKS add-on versions) have handlers; everything else echoes its inputs with an
``id``, an ``arn`` for AWS types and a ``name`` where the provider would auto-name.

Every value is derived from a hash of the resource's identity, so the same program gives the same
outputs on every run.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs, Mocks

from . import _wire, outputs, std

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-west-2"

#: EC2-style ID prefixes by pulumi-aws type token.
_EC2_ID_PREFIX = {
    "aws:ec2/vpc:Vpc": "vpc",
    "aws:ec2/subnet:Subnet": "subnet",
    "aws:ec2/internetGateway:InternetGateway": "igw",
    "aws:ec2/natGateway:NatGateway": "nat",
    "aws:ec2/eip:Eip": "eipalloc",
    "aws:ec2/routeTable:RouteTable": "rtb",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "rtbassoc",
    "aws:ec2/route:Route": "r-rtb",
    "aws:ec2/securityGroup:SecurityGroup": "sg",
    "aws:ec2/securityGroupRule:SecurityGroupRule": "sgrule",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "sgr",
    "aws:ec2/launchTemplate:LaunchTemplate": "lt",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce",
    "aws:ec2/flowLog:FlowLog": "fl",
    "aws:ec2/instance:Instance": "i",
    "aws:ec2/networkAcl:NetworkAcl": "acl",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "sg",
    "aws:ebs/volume:Volume": "vol",
    "aws:efs/fileSystem:FileSystem": "fs",
    "aws:efs/accessPoint:AccessPoint": "fsap",
    "aws:efs/mountTarget:MountTarget": "fsmt",
    "aws:fsx/lustreFileSystem:LustreFileSystem": "fs",
}

#: AWS services whose ARNs carry no region.
_GLOBAL_SERVICES = {"iam", "s3", "cloudfront", "route53", "organizations"}


def stable_hex(*parts: str, length: int = 17) -> str:
    """Return ``length`` lowercase hex digits derived from ``parts``."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    while len(digest) < length:
        digest += hashlib.sha256(digest.encode()).hexdigest()
    return digest[:length]


def partition_for(region: str) -> tuple[str, str]:
    """Return (partition, DNS suffix) for an AWS region."""
    if region.startswith("cn-"):
        return "aws-cn", "amazonaws.com.cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov", "amazonaws.com"
    return "aws", "amazonaws.com"


def _service_and_kind(type_token: str) -> tuple[str, str]:
    """``aws:ec2/securityGroup:SecurityGroup`` -> ("ec2", "security-group")."""
    try:
        _, module, kind = type_token.split(":", 2)
    except ValueError:
        return "unknown", "resource"
    service = module.split("/")[0]
    kebab = re.sub(r"(?<!^)(?=[A-Z])", "-", kind).lower()
    return service, kebab



@dataclass(frozen=True)
class CloudIdentity:
    """Where the mock cloud pretends to be."""

    account: str = DEFAULT_ACCOUNT
    region: str = DEFAULT_REGION

    @property
    def partition(self) -> str:
        return partition_for(self.region)[0]

    @property
    def dns_suffix(self) -> str:
        return partition_for(self.region)[1]

    def arn(self, service: str, resource: str, regional: bool = True) -> str:
        region = self.region if regional and service not in _GLOBAL_SERVICES else ""
        account = "" if service == "s3" else self.account
        return f"arn:{self.partition}:{service}:{region}:{account}:{resource}"


class UnknownResult(Exception):
    """An invoke preflight cannot answer offline: its result is unknown, as a preview gives it."""


#: Invokes pulumi-kubernetes' v1 components call to render manifests; offline they render nothing, and
#: the components are listed as not visible.
_RENDERERS = {"kubernetes:helm:template", "kubernetes:yaml:decode", "kubernetes:kustomize:directory"}

NewResourceHandler = Callable[["MockCloud", MockResourceArgs, str, dict[str, Any]], None]
CallHandler = Callable[["MockCloud", MockCallArgs], dict[str, Any]]


#: Outputs a provider knows before the resource exists, beyond the program's own inputs: auto-names (made
#: in the provider's ``Check``) and schema defaults. Every other output the mock adds is computed by the
#: cloud and is unknown in a first ``pulumi preview``. Paths are dotted; ``*`` means any resource type.
KNOWN_AT_PREVIEW: dict[str, frozenset[str]] = {
    "*": frozenset({"name", "bucket", "metadata.name"}),
    "aws:ec2/subnet:Subnet": frozenset({"mapPublicIpOnLaunch"}),
    "aws:eks/cluster:Cluster": frozenset({"vpcConfig.endpointPublicAccess", "vpcConfig.endpointPrivateAccess"}),
}


def known_at_preview(token: str, path: str) -> bool:
    """Whether the output at ``path`` of a ``token`` resource is known in a first preview."""
    return path in KNOWN_AT_PREVIEW["*"] or path in KNOWN_AT_PREVIEW.get(token, frozenset())


class MockCloud(Mocks):
    """The preflight mock cloud: a :class:`pulumi.runtime.Mocks` with realistic outputs.

    With ``preview=True`` it stands for a first ``pulumi preview`` of a new stack: resources have no ID
    yet and only the outputs in :data:`KNOWN_AT_PREVIEW` are known (the recording monitor turns the
    others into unknowns); invokes still answer, as they do in a real preview.
    """

    def __init__(self, identity: CloudIdentity | None = None, stack: str = "dev", project: str = "project",
                 preview: bool = False) -> None:
        self.identity = identity or CloudIdentity()
        self.stack = stack
        self.project = project
        self.preview = preview
        self.derived: dict[tuple[str, str], list[str]] = {}
        """Outputs :mod:`.outputs` derived from the SDK's types, by (type, name): dotted paths."""

    # -- resources -------------------------------------------------------------------------
    def new_resource(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        token = args.typ
        seed = stable_hex(self.stack, token, args.name, length=32)
        state: dict[str, Any] = dict(args.inputs)
        if args.resource_id:
            resource_id = args.resource_id
        elif token in _EC2_ID_PREFIX:
            resource_id = f"{_EC2_ID_PREFIX[token]}-0{seed[:16]}"
        elif token.startswith("pulumi:providers:"):
            resource_id = seed[:8] + "-" + seed[8:12] + "-" + seed[12:16] + "-" + seed[16:20] + "-" + seed[20:32]
        else:
            resource_id = state.get("name") or f"{args.name}-{seed[:7]}"
        if token == "pulumi:pulumi:StackReference":
            # Another stack's outputs: unknown offline (no backend), in every phase.
            state.update({"outputs": _wire.UNKNOWN, "secretOutputNames": []})
            return str(resource_id), state
        if token.startswith("aws:"):
            self._aws_defaults(token, args, resource_id, state)
            handler = _RESOURCE_HANDLERS.get(token)
            if handler is not None:
                handler(self, args, resource_id, state)
        elif token.startswith("kubernetes:"):
            _kubernetes_defaults(args, state, seed)
        elif token.startswith("eks:index:"):
            _eks_component_outputs(self, args, state)
        if args.custom and not token.startswith("pulumi:providers:"):
            ctx = self.context(token, args.name, str(resource_id))
            if token.startswith("kubernetes:") and "kind" in state and "apiVersion" in state:
                # pulumi-kubernetes types every field of an object as an output; the API server's are these.
                derived = outputs.kubernetes_object(token, args.name, state, ctx)
                if not args.resource_id:  # pulumi-kubernetes' ID: <namespace>/<name>, or the name
                    meta = state["metadata"]
                    resource_id = f"{meta['namespace']}/{meta['name']}" if meta.get("namespace") else meta["name"]
            else:
                derived = outputs.complete(state, ctx)
            if self.preview and derived:  # read (and dropped) by the recording monitor
                self.derived[(token, args.name)] = derived
        return str(resource_id), state

    def context(self, token: str, name: str, resource_id: str) -> outputs.Context:
        """What :mod:`.outputs` derives a resource's computed values from."""
        return outputs.Context(token, name, resource_id, self.identity.account, self.identity.region,
                               self.identity.partition, self.identity.dns_suffix)

    def _aws_defaults(self, token: str, args: MockResourceArgs, resource_id: str, state: dict[str, Any]) -> None:
        service, kind = _service_and_kind(token)
        state.setdefault("arn", self.identity.arn(service, f"{kind}/{resource_id}"))
        if "tags" in state and isinstance(state["tags"], dict):
            state.setdefault("tagsAll", dict(state["tags"]))

    # -- invokes ---------------------------------------------------------------------------
    def call(self, args: MockCallArgs) -> dict[str, Any]:
        """The invoke's result; :class:`UnknownResult` where preflight has no answer without a cloud."""
        handler = _CALL_HANDLERS.get(args.token)
        if handler is not None:
            return handler(self, args)
        if args.token.startswith(std.PREFIX):
            try:
                return std.call(args.token, args.args)
            except std.NoAnswer as exc:
                raise UnknownResult(str(exc)) from None
        if args.token in _RENDERERS:
            return {"result": []}  # helm template, yaml decode, kustomize: nothing is rendered offline
        raise UnknownResult(f"{args.token} needs its provider or the cloud to answer")

    # -- helpers used by handlers ----------------------------------------------------------
    def eks_endpoint(self, cluster_name: str) -> str:
        return f"https://{stable_hex('endpoint', cluster_name, length=32).upper()}.gr7.{self.identity.region}.eks.{self.identity.dns_suffix}"

    def oidc_issuer(self, cluster_name: str) -> str:
        return f"https://oidc.eks.{self.identity.region}.{self.identity.dns_suffix}/id/{stable_hex('oidc', cluster_name, length=32).upper()}"


def certificate_authority(seed: str) -> str:
    """A base64 PEM-shaped certificate authority blob (not a real certificate)."""
    body = base64.b64encode(hashlib.sha512(seed.encode()).digest() * 4).decode()
    pem = "-----BEGIN CERTIFICATE-----\n" + "\n".join(body[i : i + 64] for i in range(0, len(body), 64)) + "\n-----END CERTIFICATE-----\n"
    return base64.b64encode(pem.encode()).decode()


def kubeconfig(cluster_name: str, endpoint: str, ca_data: str, region: str) -> dict[str, Any]:
    """A kubeconfig that authenticates with ``aws eks get-token``, as EKS documents."""
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": cluster_name, "cluster": {"server": endpoint, "certificate-authority-data": ca_data}}],
        "contexts": [{"name": cluster_name, "context": {"cluster": cluster_name, "user": cluster_name}}],
        "current-context": cluster_name,
        "users": [
            {
                "name": cluster_name,
                "user": {
                    "exec": {
                        "apiVersion": "client.authentication.k8s.io/v1beta1",
                        "command": "aws",
                        "args": ["eks", "get-token", "--cluster-name", cluster_name, "--region", region, "--output", "json"],
                    }
                },
            }
        ],
    }


# -- resource handlers ---------------------------------------------------------------------

def _eks_cluster(cloud: MockCloud, args: MockResourceArgs, resource_id: str, state: dict[str, Any]) -> None:
    name = state.get("name") or resource_id
    state["name"] = name
    state["arn"] = cloud.identity.arn("eks", f"cluster/{name}")
    state["endpoint"] = cloud.eks_endpoint(name)
    state["certificateAuthority"] = {"data": certificate_authority(name)}
    state["identities"] = [{"oidcs": [{"issuer": cloud.oidc_issuer(name)}]}]
    state.setdefault("version", "1.35")
    state["platformVersion"] = "eks.1"
    state["status"] = "ACTIVE"
    state["clusterId"] = stable_hex("cluster-id", name, length=32)
    vpc = dict(state.get("vpcConfig") or {})
    vpc.setdefault("endpointPublicAccess", True)
    vpc.setdefault("endpointPrivateAccess", False)
    vpc["clusterSecurityGroupId"] = f"sg-0{stable_hex('cluster-sg', name, length=16)}"
    vpc["vpcId"] = f"vpc-0{stable_hex('cluster-vpc', name, length=16)}"
    state["vpcConfig"] = vpc


def _named(service: str, path: str, key: str = "name") -> NewResourceHandler:
    def handler(cloud: MockCloud, args: MockResourceArgs, resource_id: str, state: dict[str, Any]) -> None:
        name = state.get(key) or resource_id
        state[key] = name
        state["arn"] = cloud.identity.arn(service, f"{path}{name}")
    return handler


def _iam_role(cloud: MockCloud, args: MockResourceArgs, resource_id: str, state: dict[str, Any]) -> None:
    _named("iam", "role" + str(state.get("path") or "/"))(cloud, args, resource_id, state)
    state["uniqueId"] = "AROA" + stable_hex("role", state["name"], length=17).upper()


def _kms_key(cloud: MockCloud, args: MockResourceArgs, resource_id: str, state: dict[str, Any]) -> None:
    h = stable_hex("kms", args.name, cloud.stack, length=32)
    key_id = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"
    state["keyId"] = key_id
    state["arn"] = cloud.identity.arn("kms", f"key/{key_id}")


def _oidc_provider(cloud: MockCloud, args: MockResourceArgs, resource_id: str, state: dict[str, Any]) -> None:
    url = str(state.get("url") or "").removeprefix("https://")
    state["arn"] = cloud.identity.arn("iam", f"oidc-provider/{url or resource_id}")


def _log_group(cloud: MockCloud, args: MockResourceArgs, resource_id: str, state: dict[str, Any]) -> None:
    name = state.get("name") or resource_id
    state["name"] = name
    state["arn"] = cloud.identity.arn("logs", f"log-group:{name}")


def _ecr_repository(cloud: MockCloud, args: MockResourceArgs, resource_id: str, state: dict[str, Any]) -> None:
    name = state.get("name") or resource_id
    state["name"] = name
    state["arn"] = cloud.identity.arn("ecr", f"repository/{name}")
    state["registryId"] = cloud.identity.account
    state["repositoryUrl"] = f"{cloud.identity.account}.dkr.ecr.{cloud.identity.region}.{cloud.identity.dns_suffix}/{name}"


def _eks_node_group(cloud: MockCloud, args: MockResourceArgs, resource_id: str, state: dict[str, Any]) -> None:
    name = state.get("nodeGroupName") or resource_id
    state["nodeGroupName"] = name
    cluster = state.get("clusterName") or "cluster"
    state["arn"] = cloud.identity.arn("eks", f"nodegroup/{cluster}/{name}/{stable_hex('ng', name, length=8)}")
    state["status"] = "ACTIVE"
    state["resources"] = [{"autoscalingGroups": [{"name": f"eks-{name}-{stable_hex('asg', name, length=8)}"}]}]


def _eks_addon(cloud: MockCloud, args: MockResourceArgs, resource_id: str, state: dict[str, Any]) -> None:
    cluster, addon = state.get("clusterName", "cluster"), state.get("addonName", args.name)
    state["arn"] = cloud.identity.arn("eks", f"addon/{cluster}/{addon}/{stable_hex('addon', addon, length=8)}")
    state.setdefault("addonVersion", addon_version(str(addon), "1.35"))


def _s3_bucket(cloud: MockCloud, args: MockResourceArgs, resource_id: str, state: dict[str, Any]) -> None:
    name = state.get("bucket") or f"{state.get('bucketPrefix') or args.name}{stable_hex('bucket', args.name, length=12)}"
    state["bucket"] = name
    state["arn"] = f"arn:{cloud.identity.partition}:s3:::{name}"
    state["bucketRegionalDomainName"] = f"{name}.s3.{cloud.identity.region}.{cloud.identity.dns_suffix}"


def _access_entry(cloud: MockCloud, args: MockResourceArgs, resource_id: str, state: dict[str, Any]) -> None:
    cluster, principal = state.get("clusterName", "cluster"), str(state.get("principalArn", args.name))
    state["accessEntryArn"] = cloud.identity.arn(
        "eks", f"access-entry/{cluster}/role/{cloud.identity.account}/{principal.rsplit('/', 1)[-1]}/"
               f"{stable_hex('ae', principal, length=8)}")


def _subnet(cloud: MockCloud, args: MockResourceArgs, resource_id: str, state: dict[str, Any]) -> None:
    state.setdefault("mapPublicIpOnLaunch", False)
    state["ownerId"] = cloud.identity.account


_RESOURCE_HANDLERS: dict[str, NewResourceHandler] = {
    "aws:eks/cluster:Cluster": _eks_cluster,
    "aws:iam/role:Role": _iam_role,
    "aws:iam/policy:Policy": _named("iam", "policy/"),
    "aws:iam/instanceProfile:InstanceProfile": _named("iam", "instance-profile/"),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": _oidc_provider,
    "aws:kms/key:Key": _kms_key,
    "aws:kms/alias:Alias": _named("kms", "", key="name"),
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:ecr/repository:Repository": _ecr_repository,
    "aws:eks/nodeGroup:NodeGroup": _eks_node_group,
    "aws:eks/addon:Addon": _eks_addon,
    "aws:ec2/subnet:Subnet": _subnet,
    "aws:eks/accessEntry:AccessEntry": _access_entry,
    "aws:s3/bucket:Bucket": _s3_bucket,
    "aws:s3/bucketV2:BucketV2": _s3_bucket,
    "aws:sqs/queue:Queue": _named("sqs", ""),
}


def _kubernetes_defaults(args: MockResourceArgs, state: dict[str, Any], seed: str) -> None:
    """pulumi-kubernetes auto-names objects that have no ``metadata.name``: ``<name>-<8 chars>``."""
    if args.typ.startswith("pulumi:providers:") or not args.custom:
        return
    metadata = state.get("metadata")
    if isinstance(metadata, dict) and not metadata.get("name"):
        state["metadata"] = {**metadata, "name": f"{args.name}-{seed[:8]}"}


def _eks_component_outputs(cloud: MockCloud, args: MockResourceArgs, state: dict[str, Any]) -> None:
    """Outputs of pulumi-eks remote components, which preflight cannot expand."""
    if args.typ != "eks:index:Cluster":
        return
    name = f"{args.name}-eksCluster-{stable_hex(args.name, length=7)}"
    endpoint = cloud.eks_endpoint(name)
    ca = certificate_authority(name)
    kc = kubeconfig(name, endpoint, ca, cloud.identity.region)
    state["kubeconfig"] = kc
    state["kubeconfigJson"] = json.dumps(kc)
    state["clusterSecurityGroupId"] = f"sg-0{stable_hex('eks-cluster-sg', name, length=16)}"
    state["nodeSecurityGroupId"] = f"sg-0{stable_hex('eks-node-sg', name, length=16)}"
    state["oidcIssuer"] = cloud.oidc_issuer(name).removeprefix("https://")
    state["oidcProviderArn"] = cloud.identity.arn("iam", f"oidc-provider/{state['oidcIssuer']}")
    state["oidcProviderUrl"] = state["oidcIssuer"]


# -- invoke handlers -------------------------------------------------------------------------

def _caller_identity(cloud: MockCloud, args: MockCallArgs) -> dict[str, Any]:
    account = cloud.identity.account
    return {
        "accountId": account,
        "arn": f"arn:{cloud.identity.partition}:sts::{account}:assumed-role/preflight/preflight",
        "id": account,
        "userId": "AROAPREFLIGHT:preflight",
    }


def _partition(cloud: MockCloud, args: MockCallArgs) -> dict[str, Any]:
    part, suffix = partition_for(cloud.identity.region)
    return {"partition": part, "dnsSuffix": suffix, "id": part, "reverseDnsPrefix": ".".join(reversed(suffix.split(".")))}


def _region(cloud: MockCloud, args: MockCallArgs) -> dict[str, Any]:
    region = args.args.get("name") or args.args.get("region") or cloud.identity.region
    return {"name": region, "region": region, "id": region, "description": region,
            "endpoint": f"ec2.{region}.{cloud.identity.dns_suffix}"}


#: Regions with other than three zones (most have three).
_AZ_LETTERS = {"us-east-1": "abcdef", "us-west-2": "abcd", "us-west-1": "ac", "ap-northeast-1": "acd",
               "ap-northeast-2": "abcd", "ca-central-1": "abd"}


_COMPASS = {"north": "n", "south": "s", "east": "e", "west": "w", "central": "c", "northeast": "ne",
            "southeast": "se", "northwest": "nw", "southwest": "sw"}


def zone_id_prefix(region: str) -> str:
    """AWS's zone ID prefix for a region: ``us-west-2`` -> ``usw2``, ``ap-northeast-1`` -> ``apne1``."""
    parts = region.split("-")
    return parts[0] + "".join(_COMPASS.get(p, p[:1]) for p in parts[1:-1]) + parts[-1]


def _availability_zones(cloud: MockCloud, args: MockCallArgs) -> dict[str, Any]:
    region = cloud.identity.region
    letters = _AZ_LETTERS.get(region, "abc")
    names = [f"{region}{letter}" for letter in letters]
    excluded = set(args.args.get("excludeNames") or [])
    names = [n for n in names if n not in excluded]
    short = zone_id_prefix(region)
    return {
        "names": names,
        "zoneIds": [f"{short}-az{i + 1}" for i in range(len(names))],
        "groupNames": [region] * len(names),
        "id": region,
        "state": args.args.get("state", "available"),
    }


def _principal_block(principals: list[dict[str, Any]]) -> Any:
    block: dict[str, Any] = {}
    for p in principals or []:
        ids = p.get("identifiers") or []
        if p.get("type") == "*" and ids == ["*"]:
            return "*"
        block.setdefault(p.get("type"), []).extend(ids)
    return {k: (v[0] if len(v) == 1 else v) for k, v in block.items()}


def render_policy_document(args: dict[str, Any]) -> str:
    """Render ``aws.iam.get_policy_document`` arguments to the IAM JSON AWS would return."""
    statements = []
    for st in args.get("statements") or []:
        out: dict[str, Any] = {}
        if st.get("sid"):
            out["Sid"] = st["sid"]
        out["Effect"] = st.get("effect") or "Allow"
        for src, dst in (("actions", "Action"), ("notActions", "NotAction"), ("resources", "Resource"),
                         ("notResources", "NotResource")):
            values = st.get(src)
            if values:
                out[dst] = values[0] if len(values) == 1 else sorted(values)
        if st.get("principals"):
            out["Principal"] = _principal_block(st["principals"])
        if st.get("notPrincipals"):
            out["NotPrincipal"] = _principal_block(st["notPrincipals"])
        conditions: dict[str, dict[str, Any]] = {}
        for c in st.get("conditions") or []:
            values = c.get("values") or []
            conditions.setdefault(c["test"], {})[c["variable"]] = values[0] if len(values) == 1 else values
        if conditions:
            out["Condition"] = conditions
        statements.append(out)
    doc: dict[str, Any] = {"Version": args.get("version") or "2012-10-17", "Statement": statements}
    if args.get("policyId"):
        doc["Id"] = args["policyId"]
    return json.dumps(doc, indent=2)


def _policy_document(cloud: MockCloud, args: MockCallArgs) -> dict[str, Any]:
    rendered = render_policy_document(args.args)
    return {**args.args, "json": rendered, "minifiedJson": json.dumps(json.loads(rendered), separators=(",", ":")),
            "id": stable_hex(rendered, length=10)}


def _ssm_parameter(cloud: MockCloud, args: MockCallArgs) -> dict[str, Any]:
    name = str(args.args.get("name", ""))
    return {"name": name, "value": ssm_public_parameter(name), "type": "String", "version": 1,
            "arn": cloud.identity.arn("ssm", f"parameter{name}"), "id": name, "insecureValue": ssm_public_parameter(name)}


_K8S_IN_PATH = re.compile(r"(?:/|aws-k8s-)(\d+\.\d+)(?:/|-|$)")


def ssm_public_parameter(name: str) -> str:
    """Values of the EKS-optimised AMI and Bottlerocket public SSM parameters."""
    match = _K8S_IN_PATH.search(name)
    k8s = match.group(1) if match else "1.35"
    if name.endswith("/image_id"):
        return f"ami-0{stable_hex('ami', name, length=16)}"
    if name.endswith("/release_version"):
        return f"{k8s}.0-20261101"
    if name.endswith("/image_version"):
        return "1.50.0-" + stable_hex("br", k8s, length=8)
    if name.endswith("/image_name"):
        return f"amazon-eks-node-al2023-x86_64-standard-{k8s}-v20261101"
    return f"preflight-{stable_hex(name, length=12)}"


def addon_version(addon: str, kubernetes_version: str) -> str:
    """A stable, EKS-shaped add-on version for an add-on and cluster version."""
    minor = int(kubernetes_version.split(".")[1]) if "." in kubernetes_version else 35
    base = {"vpc-cni": (1, 20), "coredns": (1, 12), "kube-proxy": (1, minor), "eks-pod-identity-agent": (1, 3),
            "aws-ebs-csi-driver": (1, 50), "aws-efs-csi-driver": (2, 1)}.get(addon, (1, 0))
    return f"v{base[0]}.{base[1]}.{minor % 10}-eksbuild.1"


def _addon_version(cloud: MockCloud, args: MockCallArgs) -> dict[str, Any]:
    addon = str(args.args.get("addonName", ""))
    k8s = str(args.args.get("kubernetesVersion", "1.35"))
    return {**args.args, "version": addon_version(addon, k8s), "id": addon}


def _get_ami(cloud: MockCloud, args: MockCallArgs) -> dict[str, Any]:
    seed = json.dumps(args.args, sort_keys=True, default=str)
    ami = f"ami-0{stable_hex('ami', seed, length=16)}"
    return {**args.args, "id": ami, "imageId": ami, "architecture": "x86_64", "rootDeviceName": "/dev/xvda",
            "arn": cloud.identity.arn("ec2", f"image/{ami}")}


def _eks_cluster_auth(cloud: MockCloud, args: MockCallArgs) -> dict[str, Any]:
    name = str(args.args.get("name", "cluster"))
    return {"name": name, "id": name, "token": "k8s-aws-v1.preflight-" + stable_hex(name, length=24)}


def _eks_get_cluster(cloud: MockCloud, args: MockCallArgs) -> dict[str, Any]:
    name = str(args.args.get("name", "cluster"))
    return {"name": name, "id": name, "arn": cloud.identity.arn("eks", f"cluster/{name}"),
            "endpoint": cloud.eks_endpoint(name), "certificateAuthorities": [{"data": certificate_authority(name)}],
            "identities": [{"oidcs": [{"issuer": cloud.oidc_issuer(name)}]}], "version": "1.35", "status": "ACTIVE"}


_CALL_HANDLERS: dict[str, CallHandler] = {
    "aws:index/getCallerIdentity:getCallerIdentity": _caller_identity,
    "aws:index/getPartition:getPartition": _partition,
    "aws:index/getRegion:getRegion": _region,
    "aws:index/getAvailabilityZones:getAvailabilityZones": _availability_zones,
    "aws:iam/getPolicyDocument:getPolicyDocument": _policy_document,
    "aws:ssm/getParameter:getParameter": _ssm_parameter,
    "aws:eks/getAddonVersion:getAddonVersion": _addon_version,
    "aws:ec2/getAmi:getAmi": _get_ami,
    "aws:eks/getClusterAuth:getClusterAuth": _eks_cluster_auth,
    "aws:eks/getCluster:getCluster": _eks_get_cluster,
}

# EKS version lifecycle and add-on catalogue: answered from preflight/data (see preflight/lifecycle.py).
from . import lifecycle  # noqa: E402

_CALL_HANDLERS.update(lifecycle.CALL_HANDLERS)
