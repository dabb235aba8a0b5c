"""eks-platform components: one Pulumi ComponentResource per EKS concept, each usable on its own."""

from .access import Access, AccessArgs, TeamAccessArgs
from .compute import Compute, ComputeArgs, FargateSelectorArgs, NodeGroupArgs, SubnetRef
from .control_plane import ControlPlane, ControlPlaneArgs
from .network import Network, NetworkArgs, plan_slots, plan_subnets
from .registry import Registry, RegistryArgs, RepositoryArgs

__all__ = ["Access", "AccessArgs", "Compute", "ComputeArgs", "ControlPlane", "ControlPlaneArgs",
           "FargateSelectorArgs", "Network", "NetworkArgs", "NodeGroupArgs", "Registry", "RegistryArgs", "RepositoryArgs", "SubnetRef",
           "TeamAccessArgs",
           "plan_slots", "plan_subnets"]
