"""Which subnets in a stack are public, from the resources and their property dependencies.

A subnet is public if it maps public IPs on launch, or if a route table associated with it sends
0.0.0.0/0 to an internet gateway (inline ``routes`` or a separate ``aws:ec2/route:Route``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from _known import elements, get, known
from _resolve import referenced

SUBNET = "aws:ec2/subnet:Subnet"
IGW = "aws:ec2/internetGateway:InternetGateway"


def _deps(resource: Any, key: str, token: str) -> list[Any]:
    return referenced(resource, key, token)


def public_subnets(resources: Iterable[Any]) -> dict[str, str]:
    """URN -> reason, for every public subnet."""
    resources = list(resources)
    reasons: dict[str, str] = {}
    for r in resources:
        if r.resource_type == SUBNET and known(get(r.props, "mapPublicIpOnLaunch"), "mapPublicIpOnLaunch") is True:
            reasons[r.urn] = "maps public IPs on launch"
    internet_tables: set[str] = set()
    for r in resources:
        if r.resource_type == "aws:ec2/routeTable:RouteTable":
            routes = elements(get(r.props, "routes"))
            world = any(str(get(route, "cidrBlock")) == "0.0.0.0/0" or str(get(route, "ipv6CidrBlock")) == "::/0"
                        for route in routes)
            # The gateway's ID is unknown at preview: the route's dependency on the gateway decides.
            if world and (_deps(r, "routes", IGW) or any(str(get(route, "gatewayId", "")).startswith("igw-")
                                                         for route in routes)):
                internet_tables.add(r.urn)
        elif r.resource_type == "aws:ec2/route:Route" and (
                str(get(r.props, "destinationCidrBlock")) == "0.0.0.0/0") and (
                _deps(r, "gatewayId", IGW) or str(get(r.props, "gatewayId", "")).startswith("igw-")):
            internet_tables.update(d.urn for d in referenced(r, "routeTableId"))
    for r in resources:
        if r.resource_type == "aws:ec2/routeTableAssociation:RouteTableAssociation":
            if any(d.urn in internet_tables for d in referenced(r, "routeTableId")):
                for subnet in _deps(r, "subnetId", SUBNET):
                    reasons.setdefault(subnet.urn, "routes 0.0.0.0/0 to an internet gateway")
    return reasons


def subnet_dependencies(resource: Any, key: str) -> list[Any]:
    return _deps(resource, key, SUBNET)
