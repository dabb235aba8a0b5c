"""eks-platform components: one Pulumi ComponentResource per EKS concept, each usable on its own."""

from .access import Access, AccessArgs, TeamAccessArgs
from .control_plane import ControlPlane, ControlPlaneArgs
from .network import Network, NetworkArgs, plan_subnets

__all__ = ["Access", "AccessArgs", "ControlPlane", "ControlPlaneArgs", "Network", "NetworkArgs", "TeamAccessArgs",
           "plan_subnets"]
