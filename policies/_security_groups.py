"""Security group rules in every shape pulumi-aws accepts, read one way by every network rule.

A rule can be written inline on ``aws:ec2/securityGroup:SecurityGroup`` (``ingress[]``/``egress[]``), as an
``aws:ec2/securityGroupRule:SecurityGroupRule`` (``type`` ingress or egress, ``cidrBlocks``/``ipv6CidrBlocks``)
or as an ``aws:vpc/securityGroup{Ingress,Egress}Rule`` (one ``cidrIpv4``/``cidrIpv6`` each). :func:`rules`
turns all of them into :class:`Rule`s for one direction, so E1 (ingress) and the egress rule share the reading.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from _known import UNKNOWN, elements, get, known

from _helpers import world_cidrs

SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
VPC_INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
VPC_EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
_VPC_RULE = {"ingress": VPC_INGRESS_RULE, "egress": VPC_EGRESS_RULE}


@dataclass(frozen=True)
class Rule:
    """One security group rule in one direction."""

    where: str
    """How messages name it: ``ingress[0]`` (inline on a group) or ``the egress rule`` (a rule resource)."""
    fields: Any
    """The mapping that holds its ``protocol``/``ipProtocol``, ``fromPort`` and ``toPort``."""
    peers: list[Any]
    """Its CIDRs (sources for ingress, destinations for egress); :data:`UNKNOWN` for one a resource computes."""

    def world(self) -> list[str]:
        """The peers that mean the whole internet.

        A CIDR unknown at preview is a range a resource of this stack computes (a VPC's or a subnet's): only a
        literal 0.0.0.0/0 or ::/0 written in the program opens the rule to the internet.
        """
        return world_cidrs(p for p in self.peers if p is not UNKNOWN)


def rules(resource_type: str, props: Any, direction: str) -> list[Rule]:
    """The ``direction`` ("ingress" or "egress") rules a resource of ``resource_type`` declares; [] for others."""
    if resource_type == SECURITY_GROUP:
        return [Rule(f"{direction}[{i}]", rule, elements(get(rule, "cidrBlocks")) + elements(get(rule, "ipv6CidrBlocks")))
                for i, rule in enumerate(elements(known(get(props, direction), direction)))]
    if resource_type == SECURITY_GROUP_RULE:
        if known(get(props, "type"), "type") != direction:
            return []
        return [Rule(f"the {direction} rule", props,
                     elements(get(props, "cidrBlocks")) + elements(get(props, "ipv6CidrBlocks")))]
    if resource_type == _VPC_RULE.get(direction):
        return [Rule(f"the {direction} rule", props, elements(get(props, "cidrIpv4")) + elements(get(props, "cidrIpv6")))]
    return []


def all_protocols(rule: Rule) -> bool:
    """Whether the rule allows every protocol (``-1`` or ``all``), hence every port."""
    protocol = known(get(rule.fields, "protocol", get(rule.fields, "ipProtocol", "-1")), "protocol")
    text = str(protocol).strip().lower()
    if text == "all":
        return True
    try:
        return float(text) == -1
    except ValueError:
        return False
