"""eks-platform stack program: read the stack config once, build the components, export outputs.

Runs under the Pulumi CLI (``main: infra/``, so this directory is the working directory and
``sys.path[0]``) and under preflight alike; the repository root is put on ``sys.path`` so that
``components`` imports in both.
"""

import sys
from pathlib import Path

_REPO_ROOT = str(Path(__file__).resolve().parent.parent)
if _REPO_ROOT not in sys.path:
    sys.path.insert(0, _REPO_ROOT)

import pulumi  # noqa: E402
import pulumi_aws as aws  # noqa: E402

from components import (  # noqa: E402
    Access,
    AccessArgs,
    ControlPlane,
    ControlPlaneArgs,
    Network,
    NetworkArgs,
    TeamAccessArgs,
)
from infra.config import ConfigError, load_config  # noqa: E402

cfg = load_config()

available = sorted(aws.get_availability_zones(state="available").names)
if len(available) < cfg.availability_zones:
    raise ConfigError(
        f"eks-platform:availabilityZones: {cfg.availability_zones} requested but the region has only "
        f"{len(available)} available ({', '.join(available)}); lower it to {len(available)}")

network = Network(
    cfg.stack,
    NetworkArgs(
        cidr_block=cfg.vpc_cidr,
        availability_zones=available[: cfg.availability_zones],
        cluster_name=cfg.cluster_name,
        highly_available_nat=cfg.highly_available_nat,
        flow_log_retention_days=cfg.log_retention_days,
        tags=cfg.base_tags,
    ),
)

control_plane = ControlPlane(
    cfg.stack,
    ControlPlaneArgs(
        cluster_name=cfg.cluster_name,
        kubernetes_version=cfg.kubernetes_version,
        vpc_id=network.vpc_id,
        subnet_ids=network.private_subnet_ids,
        endpoint_public_access=cfg.endpoint_public_access,
        public_access_cidrs=cfg.public_access_cidrs,
        log_retention_days=cfg.log_retention_days,
        protect=cfg.protect_stateful_resources,
        tags=cfg.base_tags,
    ),
)
# coredns waits for compute (ControlPlane.add_coredns): the node groups and Fargate profiles arrive
# with the compute component; until then the cluster has nowhere to run it.

access = Access(
    f"{cfg.stack}-access",
    AccessArgs(
        cluster_name=control_plane.cluster_name,
        teams={team: TeamAccessArgs(role_arn=t.role_arn, level=t.level, namespaces=t.namespaces)
               for team, t in cfg.access.items()},
        kubernetes_provider=control_plane.provider,
        cluster_admin_allowlist=cfg.cluster_admin_allowlist,
        partition=aws.get_partition().partition,
        tags=cfg.base_tags,
    ),
)

pulumi.export("vpc_id", network.vpc_id)
pulumi.export("private_subnet_ids", network.private_subnet_ids)
pulumi.export("public_subnet_ids", network.public_subnet_ids)
pulumi.export("cluster_name", control_plane.cluster_name)
pulumi.export("cluster_endpoint", control_plane.endpoint)
pulumi.export("cluster_certificate_authority_data", control_plane.certificate_authority)
pulumi.export("oidc_issuer", control_plane.oidc_issuer)
pulumi.export("oidc_provider_arn", control_plane.oidc_provider_arn)
pulumi.export("kubeconfig", control_plane.kubeconfig)
pulumi.export("team_namespaces", access.namespaces)
pulumi.export("kubernetes_version", cfg.kubernetes_version)
