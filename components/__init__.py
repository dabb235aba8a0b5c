"""eks-platform components: one Pulumi ComponentResource per EKS concept, each usable on its own."""

from .network import Network, NetworkArgs, plan_subnets

__all__ = ["Network", "NetworkArgs", "plan_subnets"]
