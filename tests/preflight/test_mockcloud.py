"""The mock cloud returns realistic, deterministic outputs."""

from __future__ import annotations

import base64
import json
import re

import pytest
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs

from preflight.mockcloud import CloudIdentity, MockCloud, UnknownResult, render_policy_document, ssm_public_parameter

CLOUD = MockCloud(CloudIdentity(account="111122223333", region="eu-central-1"), stack="dev")


def new(token: str, logical: str = "x", **inputs: object) -> tuple[str, dict]:  # type: ignore[type-arg]
    return CLOUD.new_resource(MockResourceArgs(typ=token, name=logical, inputs=dict(inputs), custom=True))


def call(token: str, **args: object) -> dict:  # type: ignore[type-arg]
    return CLOUD.call(MockCallArgs(token=token, args=dict(args), provider=""))


def test_ec2_ids_and_arns_carry_account_region_partition() -> None:
    vpc_id, vpc = new("aws:ec2/vpc:Vpc", "main", cidrBlock="10.0.0.0/16")
    assert re.fullmatch(r"vpc-0[0-9a-f]{16}", vpc_id)
    assert vpc["arn"] == f"arn:aws:ec2:eu-central-1:111122223333:vpc/{vpc_id}"
    assert vpc["cidrBlock"] == "10.0.0.0/16"


def test_iam_is_global_and_cn_regions_use_their_partition() -> None:
    _, role = new("aws:iam/role:Role", "nodes", name="eks-nodes")
    assert role["arn"] == "arn:aws:iam::111122223333:role/eks-nodes"
    cn = MockCloud(CloudIdentity(region="cn-north-1"))
    _, key = cn.new_resource(MockResourceArgs(typ="aws:kms/key:Key", name="k", inputs={}, custom=True))
    assert key["arn"].startswith("arn:aws-cn:kms:cn-north-1:123456789012:key/")
    assert call("aws:index/getPartition:getPartition")["partition"] == "aws"


def test_eks_cluster_outputs_programs_read() -> None:
    _, cluster = new("aws:eks/cluster:Cluster", "control-plane", name="eks-dev", version="1.35")
    assert re.fullmatch(r"https://[0-9A-F]{32}\.gr7\.eu-central-1\.eks\.amazonaws\.com", cluster["endpoint"])
    assert base64.b64decode(cluster["certificateAuthority"]["data"]).startswith(b"-----BEGIN CERTIFICATE-----")
    issuer = cluster["identities"][0]["oidcs"][0]["issuer"]
    assert re.fullmatch(r"https://oidc\.eks\.eu-central-1\.amazonaws\.com/id/[0-9A-F]{32}", issuer)
    assert cluster["arn"] == "arn:aws:eks:eu-central-1:111122223333:cluster/eks-dev"
    assert cluster["vpcConfig"]["clusterSecurityGroupId"].startswith("sg-0")


def test_remote_eks_component_gets_a_get_token_kubeconfig() -> None:
    _, outputs = CLOUD.new_resource(MockResourceArgs(typ="eks:index:Cluster", name="c", inputs={}, custom=False))
    user = outputs["kubeconfig"]["users"][0]["user"]["exec"]
    assert user["command"] == "aws" and user["args"][:2] == ["eks", "get-token"]
    assert json.loads(outputs["kubeconfigJson"]) == outputs["kubeconfig"]


def test_invokes() -> None:
    identity = call("aws:index/getCallerIdentity:getCallerIdentity")
    assert identity["accountId"] == "111122223333"
    zones = call("aws:index/getAvailabilityZones:getAvailabilityZones", state="available")
    assert zones["names"] == ["eu-central-1a", "eu-central-1b", "eu-central-1c"]
    assert call("aws:index/getRegion:getRegion")["name"] == "eu-central-1"
    version = call("aws:eks/getAddonVersion:getAddonVersion", addonName="vpc-cni", kubernetesVersion="1.35")
    assert re.fullmatch(r"v\d+\.\d+\.\d+-eksbuild\.\d+", version["version"])
    with pytest.raises(UnknownResult, match="aws:unknown/getThing:getThing needs its provider or the cloud"):
        call("aws:unknown/getThing:getThing", name="n")  # unknown, never the arguments echoed back


@pytest.mark.parametrize(("token", "args", "result"), [
    ("std:index:base64encode", {"input": "hi"}, "aGk="),
    ("std:index:jsonencode", {"input": {"a": [1, 2]}}, '{"a":[1,2]}'),
    ("std:index:cidrsubnet", {"input": "10.0.0.0/16", "newbits": 8, "netnum": 2}, "10.0.2.0/24"),
    ("std:index:cidrsubnets", {"input": "10.0.0.0/16", "newbits": [4, 8, 4]},
     ["10.0.0.0/20", "10.0.16.0/24", "10.0.32.0/20"]),
    ("std:index:replace", {"text": "a-b-c", "search": "/-(\\w)/", "replace": "_$1"}, "a_b_c"),
    ("std:index:join", {"separator": ",", "input": ["a", "b"]}, "a,b"),
    ("std:index:sha256", {"input": "x"}, "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"),
])
def test_std_functions_have_their_real_answer(token: str, args: dict, result: object) -> None:  # type: ignore[type-arg]
    assert call(token, **args) == {"result": result}


@pytest.mark.parametrize("token", ["std:index:timestamp", "std:index:uuid", "tls:index/getCertificate:getCertificate"])
def test_functions_without_a_fixed_answer_are_unknown(token: str) -> None:
    with pytest.raises(UnknownResult):
        call(token, url="https://example.com")


def test_ssm_public_parameters() -> None:
    base = "/aws/service/eks/optimized-ami/1.35/amazon-linux-2023/x86_64/standard/recommended"
    assert re.fullmatch(r"ami-0[0-9a-f]{16}", ssm_public_parameter(f"{base}/image_id"))
    assert ssm_public_parameter(f"{base}/release_version").startswith("1.35.")
    assert call("aws:ssm/getParameter:getParameter", name=f"{base}/image_id")["value"].startswith("ami-0")


def test_policy_document_renders_iam_json() -> None:
    doc = json.loads(render_policy_document({"statements": [{
        "actions": ["sts:AssumeRoleWithWebIdentity"],
        "principals": [{"type": "Federated", "identifiers": ["arn:aws:iam::1:oidc-provider/x"]}],
        "conditions": [{"test": "StringEquals", "variable": "x:sub", "values": ["system:serviceaccount:a:b"]}],
    }]}))
    assert doc == {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
        "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/x"},
        "Condition": {"StringEquals": {"x:sub": "system:serviceaccount:a:b"}}}]}
    result = call("aws:iam/getPolicyDocument:getPolicyDocument", statements=[{"actions": ["s3:GetObject"],
                                                                             "resources": ["*"]}])
    assert json.loads(result["json"])["Statement"][0]["Action"] == "s3:GetObject"


def test_same_identity_same_outputs() -> None:
    assert new("aws:ec2/subnet:Subnet", "a") == new("aws:ec2/subnet:Subnet", "a")
    assert new("aws:ec2/subnet:Subnet", "a")[0] != new("aws:ec2/subnet:Subnet", "b")[0]


def test_kubernetes_objects_are_autonamed_like_the_provider() -> None:
    _, cm = CLOUD.new_resource(MockResourceArgs(typ="kubernetes:core/v1:ConfigMap", name="settings",
                                                inputs={"metadata": {"namespace": "a"}}, custom=True))
    assert re.fullmatch(r"settings-[0-9a-f]{8}", cm["metadata"]["name"])


def test_resource_references_reach_analyzers_as_id_or_urn() -> None:
    """The engine marshals for analyzers without resource references: custom -> ID, component -> URN."""
    from google.protobuf import json_format, struct_pb2

    from preflight._wire import engine_properties

    sig = {"4dabf18193072939515e22adb298388d": "5cf8f73096256a8f31e491e813e4eb8e"}
    props = struct_pb2.Struct()
    props.update({"cluster": {**sig, "urn": "urn:a", "id": "eks-dev"},
                  "parts": [{**sig, "urn": "urn:comp", "id": ""}], "plain": "x"})
    assert json_format.MessageToDict(engine_properties(props)) == {"cluster": "eks-dev", "parts": ["urn:comp"],
                                                                   "plain": "x"}
    untouched = struct_pb2.Struct()
    untouched.update({"a": 1})
    assert engine_properties(untouched) is untouched, "no copy when there is nothing to downgrade"


def test_a_resource_reference_input_builds_no_resource_on_the_executor_thread() -> None:
    """Inputs of remote components carry resource references. The SDK calls the monitor from executor
    threads; deserializing a reference there would construct a Resource whose ``getResource`` RPC is bound
    to that thread's event loop, and the program's loop fails awaiting it at shutdown (CI saw this once).
    The monitor hands the mock IDs/URNs instead."""
    import threading

    import pulumi_aws  # noqa: F401 - registers the aws resource modules a reference would resolve to
    from google.protobuf import struct_pb2
    from pulumi.runtime.proto import resource_pb2
    from pulumi.runtime.settings import _get_rpc_manager

    from preflight.monitor import RecordingMonitor

    seen: list[dict] = []  # type: ignore[type-arg]

    class Spy(MockCloud):
        def new_resource(self, args: MockResourceArgs) -> tuple[str, dict]:  # type: ignore[type-arg]
            seen.append(dict(args.inputs))
            return super().new_resource(args)

    monitor = RecordingMonitor(Spy(CloudIdentity(region="eu-central-1"), stack="dev"), {})
    sig = {"4dabf18193072939515e22adb298388d": "5cf8f73096256a8f31e491e813e4eb8e"}
    obj = struct_pb2.Struct()
    obj.update({"securityGroup": {**sig, "urn": "urn:pulumi:dev::p::aws:ec2/securityGroup:SecurityGroup::sg",
                                  "id": "sg-0123"}})
    request = resource_pb2.RegisterResourceRequest(type="acme:index:NodeGroup", name="ng", custom=False,
                                                   remote=True, object=obj)
    before = len(_get_rpc_manager().rpcs)
    worker = threading.Thread(target=monitor.RegisterResource, args=(request,))
    worker.start()
    worker.join()
    assert seen == [{"securityGroup": "sg-0123"}]
    assert len(_get_rpc_manager().rpcs) == before, "no RPC may be started from the executor thread"
    (record,) = monitor.records.values()
    assert b"5cf8f73096256a8f31e491e813e4eb8e" in record.inputs.SerializeToString(), \
        "the recorded inputs stay as the SDK sent them"


def test_get_resource_answers_from_the_recorded_outputs() -> None:
    """``pulumi:pulumi:getResource`` (how the SDK resolves a resource reference) reads the record's outputs."""
    import pytest
    from google.protobuf import json_format, struct_pb2
    from pulumi.runtime.proto import resource_pb2

    from preflight.monitor import RecordingMonitor

    monitor = RecordingMonitor(MockCloud(CloudIdentity(region="eu-central-1"), stack="dev"), {})
    obj = struct_pb2.Struct()
    obj.update({"cidrBlock": "10.0.0.0/16"})
    registered = monitor.RegisterResource(resource_pb2.RegisterResourceRequest(
        type="aws:ec2/vpc:Vpc", name="main", custom=True, object=obj))
    args = struct_pb2.Struct()
    args.update({"urn": registered.urn})
    found = json_format.MessageToDict(getattr(monitor.Invoke(resource_pb2.ResourceInvokeRequest(
        tok="pulumi:pulumi:getResource", args=args)), "return"))
    assert found["urn"] == registered.urn and found["id"] == registered.id
    assert found["state"]["cidrBlock"] == "10.0.0.0/16"
    assert found["state"]["arn"].endswith(f":vpc/{registered.id}")
    # A resource a remote component's outputs refer to without a modelled child: the mock cloud's state for it.
    args.update({"urn": "urn:pulumi:dev::p::eks:index:Cluster$aws:iam/role:Role::c-eksRole"})
    found = json_format.MessageToDict(getattr(monitor.Invoke(resource_pb2.ResourceInvokeRequest(
        tok="pulumi:pulumi:getResource", args=args)), "return"))
    assert found["state"]["arn"] == f"arn:aws:iam::123456789012:role/{found['id']}" and found["id"].startswith("c-eksRole-")
    args.update({"urn": "not-a-urn"})
    with pytest.raises(Exception, match="unknown resource"):
        monitor.Invoke(resource_pb2.ResourceInvokeRequest(tok="pulumi:pulumi:getResource", args=args))


def test_mock_state_serializes_exactly_as_the_sdk_would() -> None:
    """The monitor's event-loop-free path for plain state, and the SDK fallback for anything else."""
    import pulumi
    from pulumi.runtime import rpc
    from pulumi.runtime.sync_await import _sync_await

    from preflight.monitor import _serialize_state

    plain = {"a": None, "b": {"c": None, "d": 1, "e": [None, 2.5, True, ("x", "y")]}, "f": "s", "g": []}
    assets = {"code": pulumi.StringAsset("print(1)"), "n": 3}
    for state in (plain, assets):
        assert _serialize_state(state) == _sync_await(rpc.serialize_properties(state, {})), state
