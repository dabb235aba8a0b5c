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

from components import Network, NetworkArgs  # noqa: E402
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

pulumi.export("vpc_id", network.vpc_id)
pulumi.export("private_subnet_ids", network.private_subnet_ids)
pulumi.export("public_subnet_ids", network.public_subnet_ids)
pulumi.export("cluster_name", cfg.cluster_name)
pulumi.export("kubernetes_version", cfg.kubernetes_version)
