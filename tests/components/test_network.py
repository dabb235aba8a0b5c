"""Network component: the subnet plan (pure, property-based) and the resources it registers (mocks)."""

from __future__ import annotations

import ipaddress
import itertools
import json

import pulumi
import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.network import TYPE_TOKEN, Network, NetworkArgs, plan_slots, plan_subnets
from tests.conftest import RecordingMocks, resolved, synth

ZONES = ["us-west-2a", "us-west-2b", "us-west-2c"]


@given(prefix=st.integers(min_value=16, max_value=22), zones=st.integers(min_value=1, max_value=6),
       octet=st.integers(min_value=0, max_value=255))
def test_plan_subnets_fits_and_never_overlaps(prefix: int, zones: int, octet: int) -> None:
    vpc = ipaddress.ip_network(f"10.{octet}.0.0/{prefix}", strict=False)
    plan = plan_subnets(str(vpc), zones)
    assert len(plan) == zones
    subnets = [ipaddress.ip_network(c) for pair in plan for c in pair]
    assert all(s.subnet_of(vpc) for s in subnets)  # type: ignore[arg-type]
    for a, b in itertools.combinations(subnets, 2):
        assert not a.overlaps(b), (a, b)
    assert all(s.prefixlen <= 28 for s in subnets), "AWS subnets must be /28 or larger"
    private, public = (ipaddress.ip_network(c) for c in plan[0])
    assert private.num_addresses > public.num_addresses


def test_plan_subnets_for_a_slash16() -> None:
    assert plan_subnets("10.0.0.0/16", 2) == [("10.0.0.0/19", "10.0.224.0/22"), ("10.0.32.0/19", "10.0.228.0/22")]


@pytest.mark.parametrize(("cidr", "zones", "fragment"), [
    ("10.0.0.0/24", 2, "too small"),
    ("10.0.0.0/16", 7, "zones must be 1..6"),
])
def test_plan_subnets_refuses(cidr: str, zones: int, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        plan_subnets(cidr, zones)


@pytest.mark.parametrize(("zones", "fragment"), [
    (["us-west-2a"], "EKS needs 2 to 6 AZs, got 1"),
    (["us-west-2a", "us-west-2a"], "duplicate AZ names"),
])
def test_args_validate_before_anything_is_created(zones: list[str], fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        NetworkArgs(cidr_block="10.0.0.0/16", availability_zones=zones, cluster_name="eks-test")


def _build(ha: bool, zones: list[str] = ZONES) -> Network:
    return synth(lambda: Network("net", NetworkArgs(
        cidr_block="10.40.0.0/16", availability_zones=zones, cluster_name="eks-test", highly_available_nat=ha,
        flow_log_retention_days=30, tags={"environment": "test"})))


def _of(mocks, token: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {name: a for name, a in mocks.created.items() if a.typ == token}


def test_subnets_per_az_with_discovery_tags_and_no_public_ips(mocks) -> None:  # type: ignore[no-untyped-def]
    _build(ha=True)
    subnets = _of(mocks, "aws:ec2/subnet:Subnet")
    assert sorted(subnets) == sorted([f"net-{kind}-{z}" for kind in ("public", "private") for z in ZONES])
    for name, args in subnets.items():
        inputs = args.inputs
        assert inputs["mapPublicIpOnLaunch"] is False, f"{name}: subnets must not map public IPs"
        assert inputs["tags"]["kubernetes.io/cluster/eks-test"] == "shared", name
        role = "kubernetes.io/role/elb" if "-public-" in name else "kubernetes.io/role/internal-elb"
        assert inputs["tags"][role] == "1", name
        assert inputs["tags"]["Name"] == name and inputs["tags"]["environment"] == "test"
        assert inputs["availabilityZone"] in ZONES and name.endswith(inputs["availabilityZone"]), name


def test_highly_available_nat_gives_one_gateway_per_az(mocks) -> None:  # type: ignore[no-untyped-def]
    _build(ha=True)
    nats = _of(mocks, "aws:ec2/natGateway:NatGateway")
    assert sorted(nats) == [f"net-nat-{z}" for z in ZONES]
    routes = _of(mocks, "aws:ec2/routeTable:RouteTable")
    nat_targets = set()
    for z in ZONES:
        (route,) = routes[f"net-private-rt-{z}"].inputs["routes"]
        assert route["cidrBlock"] == "0.0.0.0/0"
        assert route["natGatewayId"].startswith("nat-0"), "private subnets egress through NAT"
        nat_targets.add(route["natGatewayId"])
    assert len(nat_targets) == 3, "each AZ routes through its own NAT gateway"
    (public_route,) = routes["net-public-rt"].inputs["routes"]
    assert public_route["gatewayId"].startswith("igw-0")


def test_single_nat_is_shared_by_every_private_route_table(mocks) -> None:  # type: ignore[no-untyped-def]
    _build(ha=False)
    assert list(_of(mocks, "aws:ec2/natGateway:NatGateway")) == ["net-nat-us-west-2a"]
    targets = {a.inputs["routes"][0]["natGatewayId"] for n, a in
               _of(mocks, "aws:ec2/routeTable:RouteTable").items() if "private" in n}
    assert len(targets) == 1


def test_default_security_group_is_emptied_and_flow_logs_are_on(mocks) -> None:  # type: ignore[no-untyped-def]
    _build(ha=False, zones=ZONES[:2])
    default_sg = mocks.created["net-default-sg"].inputs
    assert default_sg.get("ingress", []) == [] and default_sg.get("egress", []) == []
    flow = mocks.created["net-flow-log"].inputs
    assert flow["trafficType"] == "ALL"
    assert flow["logDestinationType"] == "cloud-watch-logs"
    assert flow["vpcId"].startswith("vpc-0")
    assert mocks.created["net-flow-logs"].inputs["retentionInDays"] == 30
    assert mocks.created["net-flow-logs"].inputs["kmsKeyId"].startswith("arn:aws:kms:")
    cloudwatch = json.loads(mocks.created["net-flow-logs-key"].inputs["policy"])["Statement"][1]
    assert cloudwatch["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"].endswith(
        ":log-group:net-flow-logs-*"), "the auto-named flow-log group, and no other"
    trust = mocks.created["net-flow-logs-role"].inputs["assumeRolePolicy"]
    assert '"Service": "vpc-flow-logs.amazonaws.com"' in trust
    vpc = mocks.created["net-vpc"].inputs
    assert vpc["enableDnsHostnames"] is True and vpc["enableDnsSupport"] is True


def test_outputs_are_registered(mocks) -> None:  # type: ignore[no-untyped-def]
    net = _build(ha=True, zones=ZONES[:2])
    assert TYPE_TOKEN in resolved(net.urn)
    vpc_id, private, public = resolved(net.vpc_id), resolved(net.private_subnet_ids), resolved(net.public_subnet_ids)
    assert vpc_id.startswith("vpc-0")
    assert len(private) == 2 and all(s.startswith("subnet-0") for s in private)
    assert len(public) == 2 and not set(private) & set(public)


def _subnet_inputs(zones: dict[str, int]) -> dict[str, dict[str, object]]:
    """Every subnet's inputs (and its route table association's) for the zones pinned to ``zones`` slots."""
    m = RecordingMocks()
    pulumi.runtime.set_mocks(m, project="eks-platform", stack="test", preview=False)
    synth(lambda: Network("net", NetworkArgs(
        cidr_block="10.40.0.0/16", availability_zones=list(zones), cidr_slots=list(zones.values()),
        cluster_name="eks-test", highly_available_nat=True)))
    return {name: dict(a.inputs) for name, a in m.created.items()
            if a.typ in ("aws:ec2/subnet:Subnet", "aws:ec2/routeTable:RouteTable", "aws:ec2/natGateway:NatGateway")}


@pytest.mark.parametrize("change", ["remove a zone", "add a zone", "remove the first zone"])
def test_removing_or_adding_a_zone_leaves_every_other_subnet_unchanged(mocks, change: str) -> None:  # type: ignore[no-untyped-def]
    before = {"us-west-2a": 0, "us-west-2b": 1, "us-west-2c": 2}
    after = {"remove a zone": {"us-west-2a": 0, "us-west-2c": 2},
             "add a zone": {**before, "us-west-2d": 3},
             "remove the first zone": {"us-west-2b": 1, "us-west-2c": 2}}[change]
    old, new = _subnet_inputs(before), _subnet_inputs(after)
    kept = set(old) & set(new)
    assert {n.split("-private-")[1] for n in kept if n.startswith("net-private-us")} == set(before) & set(after)
    changed = [n for n in kept if n.endswith(("-private-us-west-2a", "-private-us-west-2b", "-private-us-west-2c",
                                              "-public-us-west-2a", "-public-us-west-2b", "-public-us-west-2c"))
               and old[n] != new[n]]
    assert changed == [], f"{change} moved other zones' subnets: {changed}"
    assert old["net-private-us-west-2c"]["cidrBlock"] == new["net-private-us-west-2c"]["cidrBlock"] == "10.40.64.0/19"


def test_cidr_slots_are_fixed_places_in_the_vpc() -> None:
    assert plan_slots("10.0.0.0/16", [2, 0]) == [("10.0.64.0/19", "10.0.232.0/22"), ("10.0.0.0/19", "10.0.224.0/22")]
    assert plan_slots("10.0.0.0/16", [0, 1]) == plan_subnets("10.0.0.0/16", 2), "default slots are today's plan"
    with pytest.raises(ValueError, match="slots must be distinct whole numbers from 0 to 5"):
        plan_slots("10.0.0.0/16", [1, 1])
    with pytest.raises(ValueError, match="one slot per zone"):
        NetworkArgs(cidr_block="10.0.0.0/16", availability_zones=["a", "b"], cidr_slots=[0], cluster_name="x")


def test_vpc_endpoints_let_private_nodes_work_without_the_internet(mocks) -> None:  # type: ignore[no-untyped-def]
    synth(lambda: Network("net", NetworkArgs(cidr_block="10.40.0.0/16", availability_zones=ZONES,
                                             cluster_name="eks-test", vpc_endpoints=True)))
    endpoints = _of(mocks, "aws:ec2/vpcEndpoint:VpcEndpoint")
    services = {a.inputs["serviceName"].rsplit(".", 1)[-1] if "ecr" not in a.inputs["serviceName"]
                else a.inputs["serviceName"].split(".", 3)[-1]: a.inputs for a in endpoints.values()}
    assert set(services) == {"ecr.api", "ecr.dkr", "sts", "ec2", "logs", "eks-auth", "s3"}
    private = sorted(n for n in mocks.created if n.startswith("net-private-") and "-rt" not in n and "-rta" not in n)
    for name, spec in services.items():
        if name == "s3":
            assert spec["vpcEndpointType"] == "Gateway" and len(spec["routeTableIds"]) == len(ZONES)
        else:
            assert spec["vpcEndpointType"] == "Interface" and spec["privateDnsEnabled"] is True
            assert len(spec["subnetIds"]) == len(private) == len(ZONES), "in every private subnet"
    sg = mocks.created["net-endpoints-sg"].inputs
    (https,) = sg["ingress"]
    assert (https["fromPort"], https["toPort"], https["cidrBlocks"]) == (443, 443, ["10.40.0.0/16"])
    assert sg["egress"] == []


def test_no_endpoints_unless_asked(mocks) -> None:  # type: ignore[no-untyped-def]
    _build(ha=False, zones=ZONES[:2])
    assert not _of(mocks, "aws:ec2/vpcEndpoint:VpcEndpoint")


@pytest.mark.parametrize("karpenter", [True, False])
def test_karpenter_discovery_tag_on_private_subnets_only(mocks, karpenter: bool) -> None:  # type: ignore[no-untyped-def]
    synth(lambda: Network("net", NetworkArgs(cidr_block="10.40.0.0/16", availability_zones=ZONES,
                                             cluster_name="eks-test", karpenter_discovery=karpenter)))
    for name, args in _of(mocks, "aws:ec2/subnet:Subnet").items():
        tag = args.inputs["tags"].get("karpenter.sh/discovery")
        expected = "eks-test" if karpenter and "-private-" in name else None
        assert tag == expected, f"{name}: karpenter.sh/discovery={tag!r}"
