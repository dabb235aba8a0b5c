"""Network: the VPC an EKS cluster lives in.

Children (all named ``{name}-<role>``, parented to the component):

* ``{name}-vpc``: the VPC, DNS support and hostnames on (EKS needs both);
* ``{name}-default-sg``: the VPC's default security group with every rule removed;
* per availability zone ``<az>``: ``{name}-public-<az>`` and ``{name}-private-<az>`` subnets, the private
  route table ``{name}-private-rt-<az>`` and its association; public subnets never map public IPs on
  launch (only load balancers and NAT gateways live there);
* ``{name}-igw``, ``{name}-public-rt`` (default route to the internet gateway) and its associations;
* NAT: ``{name}-nat-<az>`` and ``{name}-nat-eip-<az>`` in every AZ (``highly_available_nat``) or only in
  the first one; each private route table sends ``0.0.0.0/0`` to its AZ's NAT gateway (or the single one);
* flow logs: ``{name}-flow-logs-key`` (+ alias), the customer-managed key of ``{name}-flow-logs`` (CloudWatch
  log group with the configured retention, encrypted with that key; the key and group are protected and kept
  on delete when ``protect``), the delivery
  role ``{name}-flow-logs-role`` and ``{name}-flow-log`` capturing ALL traffic;
* with ``vpc_endpoints`` (prod): ``{name}-endpoints-sg`` (HTTPS from the VPC only, no egress), interface
  endpoints ``{name}-vpce-<service>`` in every private subnet with private DNS (ECR api and dkr, STS, EC2,
  CloudWatch Logs, EKS auth) and the S3 gateway endpoint ``{name}-vpce-s3`` on the private route tables.

Subnets carry the discovery tags the AWS Load Balancer Controller and EKS use:
``kubernetes.io/role/elb`` (public), ``kubernetes.io/role/internal-elb`` (private) and
``kubernetes.io/cluster/<cluster>: shared``; with ``karpenter_discovery`` private subnets (never public
ones) also carry ``karpenter.sh/discovery: <cluster>``, which Karpenter's EC2NodeClass selects (adding the
tag updates the subnets in place).

Names are keyed by AZ name, never by position, so adding an AZ does not replace existing subnets.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from ._kms import customer_managed_key, key_policy, logs_statement
from ._tags import merged_tags
from .compute import SubnetRef

TYPE_TOKEN = "eks-platform:components:Network"
MAX_AZS = 6


def plan_slots(cidr: str, slots: Sequence[int]) -> list[tuple[str, str]]:
    """The (private, public) subnet pair of each CIDR slot in ``slots``, in that order.

    A slot is a fixed place in the VPC's CIDR: slot ``i`` is always the same pair, whichever other slots
    are in use, so adding or removing a zone never moves another zone's subnets.
    """
    if len(set(slots)) != len(slots) or not all(0 <= s < MAX_AZS for s in slots):
        raise ValueError(f"slots must be distinct whole numbers from 0 to {MAX_AZS - 1}, got {list(slots)}")
    plan = plan_subnets(cidr, MAX_AZS)
    return [plan[s] for s in slots]


def plan_subnets(cidr: str, zones: int) -> list[tuple[str, str]]:
    """Split ``cidr`` into ``zones`` (private, public) subnet pairs that never overlap.

    The VPC is cut into eight equal blocks: the first ``zones`` become the private subnets (where nodes
    and pods take their IPs, so they get the room), and the last block is cut into eight again for the
    small public subnets (load balancers, NAT gateways). A /16 gives /19 private and /22 public subnets.
    """
    net = ipaddress.ip_network(cidr)
    if not 1 <= zones <= MAX_AZS:
        raise ValueError(f"zones must be 1..{MAX_AZS}, got {zones}")
    if net.prefixlen > 22:
        raise ValueError(f"{cidr} is too small: use a /22 or larger so public subnets are at least /28")
    blocks = list(net.subnets(prefixlen_diff=3))
    public_blocks = list(blocks[-1].subnets(prefixlen_diff=3))
    return [(str(blocks[i]), str(public_blocks[i])) for i in range(zones)]


@dataclass(frozen=True)
class NetworkArgs:
    """Inputs of :class:`Network`."""

    cidr_block: str
    """IPv4 CIDR of the VPC (/16 to /22)."""
    availability_zones: Sequence[str]
    """AZ names to spread over, e.g. ["us-west-2a", "us-west-2b"]; 2 to 6 of them."""
    cluster_name: str
    """EKS cluster name for the ``kubernetes.io/cluster/<name>`` subnet tags."""
    highly_available_nat: bool = True
    """One NAT gateway per AZ (true) or a single one in the first AZ (false)."""
    flow_log_retention_days: int = 90
    """Retention of the VPC flow log group."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags on every taggable child."""
    protect: bool = False
    """Protect the flow-log group and keep it on delete (prod): the network's traffic history."""
    vpc_endpoints: bool = False
    """Private endpoints for what private nodes and Fargate pods call (ECR api and dkr, S3, STS, EC2,
    CloudWatch Logs, EKS auth), so they work without the internet (prod)."""
    cidr_slots: Sequence[int] | None = None
    """The CIDR slot (0 to 5) of each zone, in the same order: a zone keeps its subnets' CIDRs forever,
    whatever zones come and go. Default: 0, 1, 2 ... in the order of ``availability_zones``."""
    karpenter_discovery: bool = False
    """Tag the private subnets ``karpenter.sh/discovery: <cluster>`` for Karpenter's node classes."""

    def __post_init__(self) -> None:
        zones = list(self.availability_zones)
        if not 2 <= len(zones) <= MAX_AZS:
            raise ValueError(f"NetworkArgs.availability_zones: EKS needs 2 to {MAX_AZS} AZs, got {len(zones)}")
        if len(set(zones)) != len(zones):
            raise ValueError(f"NetworkArgs.availability_zones: duplicate AZ names in {zones}")
        plan_subnets(self.cidr_block, len(zones))  # raises ValueError naming the CIDR
        if self.cidr_slots is not None:
            if len(self.cidr_slots) != len(zones):
                raise ValueError(f"NetworkArgs.cidr_slots: one slot per zone, got {list(self.cidr_slots)} for {zones}")
            plan_slots(self.cidr_block, list(self.cidr_slots))  # raises ValueError naming the slots

    @property
    def slots(self) -> list[int]:
        return list(self.cidr_slots) if self.cidr_slots is not None else list(range(len(self.availability_zones)))


#: Interface endpoints that private nodes and Fargate pods need without the internet: image pulls (ECR api and
#: dkr; layers come from S3 through the gateway endpoint), Pod Identity and IRSA credentials (STS, EKS auth),
#: the VPC CNI and node bootstrap (EC2), and log shipping (CloudWatch Logs).
INTERFACE_ENDPOINTS = ("ecr.api", "ecr.dkr", "sts", "ec2", "logs", "eks-auth")


class Network(pulumi.ComponentResource):
    """A VPC across availability zones with public and private subnets, NAT and flow logs."""

    vpc_id: pulumi.Output[str]
    """ID of the VPC."""
    private_subnet_ids: pulumi.Output[list[str]]
    """Private subnet IDs, in AZ order: for nodes, pods and Fargate."""
    public_subnet_ids: pulumi.Output[list[str]]
    """Public subnet IDs, in AZ order: for internet-facing load balancers and NAT gateways only."""
    private_subnets: list[SubnetRef]
    """Private subnets with their AZ, marked private: what compute accepts."""

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        zones = list(args.availability_zones)
        plan = plan_slots(args.cidr_block, args.slots)
        base = dict(args.tags)
        cluster_tag = {f"kubernetes.io/cluster/{args.cluster_name}": "shared"}
        child = pulumi.ResourceOptions(parent=self)

        vpc = aws.ec2.Vpc(f"{name}-vpc", cidr_block=args.cidr_block, enable_dns_hostnames=True,
                          enable_dns_support=True, tags=merged_tags(base, f"{name}-vpc"), opts=child)
        aws.ec2.DefaultSecurityGroup(f"{name}-default-sg", vpc_id=vpc.id, ingress=[], egress=[],
                                     tags=merged_tags(base, f"{name}-default-sg"), opts=child)
        igw = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, tags=merged_tags(base, f"{name}-igw"), opts=child)
        public_rt = aws.ec2.RouteTable(f"{name}-public-rt", vpc_id=vpc.id,
                                       routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}],
                                       tags=merged_tags(base, f"{name}-public-rt"), opts=child)

        public_subnets: list[aws.ec2.Subnet] = []
        private_subnets: list[aws.ec2.Subnet] = []
        nat_by_zone: dict[str, aws.ec2.NatGateway] = {}
        private_route_tables: dict[str, aws.ec2.RouteTable] = {}
        for zone, (private_cidr, public_cidr) in zip(zones, plan, strict=True):
            public = aws.ec2.Subnet(
                f"{name}-public-{zone}", vpc_id=vpc.id, cidr_block=public_cidr, availability_zone=zone,
                map_public_ip_on_launch=False,
                tags=merged_tags(base, f"{name}-public-{zone}", {"kubernetes.io/role/elb": "1", **cluster_tag}),
                opts=child)
            aws.ec2.RouteTableAssociation(f"{name}-public-rta-{zone}", subnet_id=public.id,
                                          route_table_id=public_rt.id, opts=child)
            public_subnets.append(public)
            if args.highly_available_nat or not nat_by_zone:
                eip = aws.ec2.Eip(f"{name}-nat-eip-{zone}", domain="vpc",
                                  tags=merged_tags(base, f"{name}-nat-eip-{zone}"), opts=child)
                nat_by_zone[zone] = aws.ec2.NatGateway(
                    f"{name}-nat-{zone}", allocation_id=eip.id, subnet_id=public.id,
                    tags=merged_tags(base, f"{name}-nat-{zone}"),
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[igw]))
            nat = nat_by_zone.get(zone) or next(iter(nat_by_zone.values()))
            private = aws.ec2.Subnet(
                f"{name}-private-{zone}", vpc_id=vpc.id, cidr_block=private_cidr, availability_zone=zone,
                map_public_ip_on_launch=False,
                tags=merged_tags(base, f"{name}-private-{zone}",
                                 {"kubernetes.io/role/internal-elb": "1", **cluster_tag,
                                  **({"karpenter.sh/discovery": args.cluster_name} if args.karpenter_discovery
                                     else {})}),
                opts=child)
            private_rt = private_route_tables[zone] = aws.ec2.RouteTable(f"{name}-private-rt-{zone}", vpc_id=vpc.id,
                                            routes=[{"cidr_block": "0.0.0.0/0", "nat_gateway_id": nat.id}],
                                            tags=merged_tags(base, f"{name}-private-rt-{zone}"), opts=child)
            aws.ec2.RouteTableAssociation(f"{name}-private-rta-{zone}", subnet_id=private.id,
                                          route_table_id=private_rt.id, opts=child)
            private_subnets.append(private)

        self._flow_logs(name, vpc, args, base)
        if args.vpc_endpoints:
            self._endpoints(name, vpc, args, base, private_subnets, list(private_route_tables.values()))

        self.private_subnets = [SubnetRef(id=s.id, public=False, zone=z) for s, z in zip(private_subnets, zones, strict=True)]
        self.vpc_id = vpc.id
        self.private_subnet_ids = pulumi.Output.all(*[s.id for s in private_subnets])
        self.public_subnet_ids = pulumi.Output.all(*[s.id for s in public_subnets])
        self.register_outputs({"vpc_id": self.vpc_id, "private_subnet_ids": self.private_subnet_ids,
                               "public_subnet_ids": self.public_subnet_ids})

    def _endpoints(self, name: str, vpc: aws.ec2.Vpc, args: NetworkArgs, base: dict[str, str],
                   subnets: list[aws.ec2.Subnet], route_tables: list[aws.ec2.RouteTable]) -> None:
        """Interface endpoints (HTTPS from the VPC only, private DNS) and the S3 gateway on private routes."""
        child = pulumi.ResourceOptions(parent=self)
        region = aws.get_region().region
        sg = aws.ec2.SecurityGroup(
            f"{name}-endpoints-sg", vpc_id=vpc.id, description=f"VPC endpoints of {name}: HTTPS from the VPC",
            ingress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": [args.cidr_block],
                      "description": "HTTPS from the VPC"}],
            egress=[], tags=merged_tags(base, f"{name}-endpoints-sg"), opts=child)
        for service in INTERFACE_ENDPOINTS:
            logical = f"{name}-vpce-{service.replace('.', '-')}"
            aws.ec2.VpcEndpoint(logical, vpc_id=vpc.id, service_name=f"com.amazonaws.{region}.{service}",
                                vpc_endpoint_type="Interface", private_dns_enabled=True,
                                subnet_ids=[s.id for s in subnets], security_group_ids=[sg.id],
                                tags=merged_tags(base, logical), opts=child)
        aws.ec2.VpcEndpoint(f"{name}-vpce-s3", vpc_id=vpc.id, service_name=f"com.amazonaws.{region}.s3",
                            vpc_endpoint_type="Gateway", route_table_ids=[rt.id for rt in route_tables],
                            tags=merged_tags(base, f"{name}-vpce-s3"), opts=child)

    def _flow_logs(self, name: str, vpc: aws.ec2.Vpc, args: NetworkArgs, base: dict[str, str]) -> None:
        """VPC flow logs to CloudWatch Logs, delivered by a role only the flow-logs service can assume."""
        child = pulumi.ResourceOptions(parent=self)
        scope = (aws.get_partition().partition, aws.get_region().region, aws.get_caller_identity().account_id)
        # The group is auto-named ``{name}-flow-logs-<7 hex>``: the key admits CloudWatch Logs for that name only.
        key, _ = customer_managed_key(
            f"{name}-flow-logs-key", f"VPC flow logs of {name}", f"vpc/{name}/flow-logs",
            key_policy(scope[0], scope[2], [logs_statement(*scope, f"{name}-flow-logs-*", like=True)]), base, self,
            args.protect)
        group = aws.cloudwatch.LogGroup(
            f"{name}-flow-logs", retention_in_days=args.flow_log_retention_days, kms_key_id=key.arn,
            tags=merged_tags(base, f"{name}-flow-logs"),
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.protect))
        trust = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
            "Action": "sts:AssumeRole"}]})
        role = aws.iam.Role(f"{name}-flow-logs-role", assume_role_policy=trust,
                            tags=merged_tags(base, f"{name}-flow-logs-role"), opts=child)
        # The group's ARN is built from what is known before it exists (its auto-name, the partition,
        # region and account), so the delivery policy can be checked at the first preview.
        arn = group.name.apply(lambda n: "arn:{}:logs:{}:{}:log-group:{}".format(*scope, n))
        aws.iam.RolePolicy(f"{name}-flow-logs-delivery", role=role.id, policy=arn.apply(lambda a: json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                "Resource": [a, f"{a}:*"]}]})), opts=child)
        aws.ec2.FlowLog(f"{name}-flow-log", vpc_id=vpc.id, traffic_type="ALL", log_destination=group.arn,
                        log_destination_type="cloud-watch-logs", iam_role_arn=role.arn,
                        tags=merged_tags(base, f"{name}-flow-log"), opts=child)
