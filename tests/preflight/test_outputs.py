"""Up-phase values for provider-computed outputs, from the SDKs' output types (issue 18 point 1), and the
monitor's ``Call`` (point 2)."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws
import pulumi_eks as eks
import pulumi_kubernetes as k8s
from google.protobuf import json_format, struct_pb2
from pulumi.runtime.mocks import MockResourceArgs
from pulumi.runtime.proto import resource_pb2

from preflight import outputs
from preflight._wire import RESOURCE_SIG, SIG_KEY, UNKNOWN
from preflight.mockcloud import CloudIdentity, MockCloud
from preflight.monitor import RecordingMonitor

# The SDK modules the program would have loaded (preflight looks types up in loaded modules only).
_LOADED = (aws.ec2.Vpc, aws.iam.Role, aws.ec2.get_vpc, k8s.apps.v1.Deployment, k8s.core.v1.Service,
           k8s.core.v1.Namespace, eks.Cluster)

CLOUD = MockCloud(CloudIdentity(account="111122223333", region="eu-west-1"), stack="dev")


def _new(token: str, name: str, inputs: dict) -> tuple[str, dict]:  # type: ignore[type-arg]
    return CLOUD.new_resource(MockResourceArgs(typ=token, name=name, inputs=inputs, custom=True))


def test_required_outputs_get_values_of_their_type_and_optional_ones_stay_absent() -> None:
    vpc_id, state = _new("aws:ec2/vpc:Vpc", "main", {"cidrBlock": "10.0.0.0/16"})
    assert state["ownerId"] == "111122223333" and state["region"] == "eu-west-1"
    assert state["defaultSecurityGroupId"].startswith("sg-0") and state["mainRouteTableId"].startswith("rtb-0")
    assert state["enableDnsHostnames"] is False and state["tagsAll"] == {}
    assert "ipv4IpamPoolId" not in state and "tags" not in state, "Output[Optional[str]]: the provider leaves it out"
    assert state["cidrBlock"] == "10.0.0.0/16", "the program's value wins"
    _, role = _new("aws:iam/role:Role", "app", {"assumeRolePolicy": "{}"})
    assert role["createDate"] == outputs.CREATED and role["managedPolicyArns"] == []
    assert _new("aws:ec2/vpc:Vpc", "main", {"cidrBlock": "10.0.0.0/16"}) == (vpc_id, state), "deterministic"


def test_kubernetes_objects_get_what_the_api_server_fills_in() -> None:
    labels = {"app": "web"}
    rid, dep = _new("kubernetes:apps/v1:Deployment", "web", {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"labels": labels},
        "spec": {"selector": {"matchLabels": labels}, "template": {"metadata": {"labels": labels}}}})
    meta = dep["metadata"]
    assert meta["name"].startswith("web-") and len(meta["name"]) == 12
    assert meta["namespace"] == "default" and rid == f"default/{meta['name']}"
    assert meta["labels"] == labels and "annotations" not in meta
    assert len(meta["uid"]) == 36 and meta["generation"] == 1 and meta["creationTimestamp"] == outputs.CREATED
    assert dep["status"] == {}
    _, ns = _new("kubernetes:core/v1:Namespace", "apps", {"apiVersion": "v1", "kind": "Namespace",
                                                         "metadata": {"name": "apps"}})
    assert "namespace" not in ns["metadata"], "a cluster-scoped kind"
    _, lb = _new("kubernetes:core/v1:Service", "web", {"apiVersion": "v1", "kind": "Service",
                                                      "metadata": {"namespace": "shop"},
                                                      "spec": {"type": "LoadBalancer", "ports": [{"port": 80}]}})
    (ingress,) = lb["status"]["loadBalancer"]["ingress"]
    assert ingress["hostname"].endswith(".eu-west-1.elb.amazonaws.com") and lb["metadata"]["namespace"] == "shop"
    _, internal = _new("kubernetes:core/v1:Service", "api", {"apiVersion": "v1", "kind": "Service", "metadata": {},
                                                            "spec": {"ports": [{"port": 80}]}})
    assert internal["status"] == {"loadBalancer": {}} and internal["spec"]["clusterIP"].startswith("10.100.")


def _register(monitor: RecordingMonitor, token: str, name: str, obj: dict) -> dict:  # type: ignore[type-arg]
    struct = struct_pb2.Struct()
    struct.update(obj)
    response = monitor.RegisterResource(resource_pb2.RegisterResourceRequest(type=token, name=name, custom=True,
                                                                             object=struct))
    return json_format.MessageToDict(response.object)


def test_computed_outputs_are_unknown_in_preview_and_concrete_in_up() -> None:
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"labels": {"app": "a"}}}
    preview = _register(RecordingMonitor(MockCloud(preview=True), {}, preview=True), "kubernetes:apps/v1:Deployment",
                        "a", deployment)
    assert preview["metadata"]["uid"] == UNKNOWN and preview["status"] == UNKNOWN
    assert preview["metadata"]["name"].startswith("a-"), "the auto-name is known before the object exists"
    up = _register(RecordingMonitor(MockCloud(), {}), "kubernetes:apps/v1:Deployment", "a", deployment)
    assert up["metadata"]["uid"] != UNKNOWN and up["metadata"]["name"] == preview["metadata"]["name"]


def test_a_plain_invoke_without_an_answer_gets_stand_ins_of_its_result_type() -> None:
    ctx = CLOUD.context("aws:ec2/getSubnets:getSubnets", "getSubnets", "subnet-0abc")
    result = outputs.stand_in_result("aws:ec2/getSubnets:getSubnets", ctx)
    assert result is not None and len(result["ids"]) == outputs.UNKNOWN_LIST_LENGTH
    assert all(i.startswith("subnet-0") for i in result["ids"]) and len(set(result["ids"])) == 2
    assert outputs.stand_in_result("nothing:index:getNothing", ctx) is None


def _component(monitor: RecordingMonitor) -> str:
    obj = struct_pb2.Struct()
    obj.update({"createOidcProvider": True})
    response = monitor.RegisterResource(resource_pb2.RegisterResourceRequest(
        type="eks:index:Cluster", name="c", custom=False, remote=True, object=obj))
    return response.urn


def _call(monitor: RecordingMonitor, urn: str, tok: str, **args: str) -> object:
    struct = struct_pb2.Struct()
    struct.update({"__self__": {SIG_KEY: RESOURCE_SIG, "urn": urn}, **args})
    response = monitor.Call(resource_pb2.ResourceCallRequest(tok=tok, args=struct))
    return json_format.MessageToDict(getattr(response, "return"))["result"]


def test_get_kubeconfig_over_call_unknown_in_preview_and_the_clusters_in_up() -> None:
    preview = RecordingMonitor(MockCloud(preview=True), {}, preview=True)
    assert _call(preview, _component(preview), "eks:index:Cluster/getKubeconfig") == UNKNOWN
    up = RecordingMonitor(MockCloud(), {})
    urn = _component(up)
    config = json.loads(str(_call(up, urn, "eks:index:Cluster/getKubeconfig", roleArn="arn:aws:iam::1:role/admin")))
    eks_cluster = next(r for r in up.snapshot() if r.type == "aws:eks/cluster:Cluster")
    name = json_format.MessageToDict(eks_cluster.outputs)["name"]
    assert config["clusters"][0]["name"] == name and config["current-context"] == name
    assert config["users"][0]["user"]["exec"]["args"][-2:] == ["--role-arn", "arn:aws:iam::1:role/admin"]
    assert _call(up, urn, "eks:index:Cluster/somethingElse") == UNKNOWN
    assert "eks:index:Cluster/somethingElse" in up.unknown_invokes


def test_pulumi_eks_component_outputs_refer_to_the_modelled_children() -> None:
    monitor = RecordingMonitor(MockCloud(), {})
    urn = _component(monitor)
    out = json_format.MessageToDict(monitor.records[urn].outputs)
    children = {r.type: r for r in monitor.snapshot() if r.parent == urn}
    assert out["eksCluster"]["urn"] == children["aws:eks/cluster:Cluster"].urn
    assert out["core"]["cluster"]["urn"] == children["aws:eks/cluster:Cluster"].urn
    assert out["core"]["provider"]["urn"] == children["pulumi:providers:kubernetes"].urn
    assert out["core"]["oidcProvider"]["id"] == out["oidcProviderArn"]
    assert out["oidcProviderArn"].endswith(out["oidcIssuer"]) and out["kubeconfig"]["kind"] == "Config"
    assert json.loads(out["kubeconfigJson"]) == out["kubeconfig"]


# -- any SDK: outputs come from the class the SDK registers for the type ------------------------------

class _Module:
    """What a generated SDK registers for a module (``_utilities.Module``): its classes by type token."""

    def __init__(self, classes: dict[str, str]) -> None:
        self.mod_info = {"pkg": "fakenative", "mod": "eks", "fqn": __name__, "classes": classes}

    def version(self) -> None:
        return None

    def construct(self, name: str, typ: str, urn: str) -> None:
        raise NotImplementedError


def test_outputs_of_any_registered_sdk_type_aws_native_style() -> None:
    """An aws-native-like SDK (none is installed here): the same derivation from its registered class."""
    pulumi.runtime.register_resource_module("fakenative", "eks", _Module({"fakenative:eks:Cluster": "FakeCluster"}))
    _, state = _new("fakenative:eks:Cluster", "prod", {"name": "prod"})
    assert state["arn"] == "arn:aws:eks:eu-west-1:111122223333:cluster/prod"
    assert state["endpoint"].startswith("prod-") and state["endpoint"].endswith(".eks.eu-west-1.amazonaws.com")
    assert state["clusterSecurityGroupId"].startswith("sg-0") and state["openIdConnectIssuerUrl"].startswith("https://")
    assert state["certificateAuthorityData"] == "" and state["accessConfig"] == {"authenticationMode": ""}
    assert "encryptionConfigKeyArn" not in state, "optional: the provider returns nothing"


class FakeAccessConfig:
    pass


def _output_types() -> None:
    """Define the fake SDK's classes as generated code does (``@pulumi.output_type``, ``@pulumi.getter``)."""
    global FakeAccessConfig, FakeCluster

    @pulumi.output_type
    class FakeAccessConfig:  # type: ignore[no-redef]
        @property
        @pulumi.getter(name="authenticationMode")
        def authentication_mode(self) -> str: ...

        @property
        @pulumi.getter(name="bootstrapClusterCreatorAdminPermissions")
        def bootstrap(self) -> bool | None: ...

    class FakeCluster(pulumi.CustomResource):  # type: ignore[no-redef]
        @property
        @pulumi.getter
        def arn(self) -> pulumi.Output[str]: ...

        @property
        @pulumi.getter
        def endpoint(self) -> pulumi.Output[str]: ...

        @property
        @pulumi.getter(name="clusterSecurityGroupId")
        def cluster_security_group_id(self) -> pulumi.Output[str]: ...

        @property
        @pulumi.getter(name="openIdConnectIssuerUrl")
        def open_id_connect_issuer_url(self) -> pulumi.Output[str]: ...

        @property
        @pulumi.getter(name="certificateAuthorityData")
        def certificate_authority_data(self) -> pulumi.Output[str]: ...

        @property
        @pulumi.getter(name="accessConfig")
        def access_config(self) -> pulumi.Output[FakeAccessConfig]: ...

        @property
        @pulumi.getter(name="encryptionConfigKeyArn")
        def encryption_config_key_arn(self) -> pulumi.Output[str | None]: ...


_output_types()
