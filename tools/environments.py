"""The environments table of docs/USER-GUIDE.md, generated from the stack files (``python -m tools.environments``).

Each ``Pulumi.<stack>.yaml`` is validated exactly as the program validates it (``build_config``), and the
table says what the validated config means: zones and NAT gateways, the API endpoint, VPC endpoints,
capacity, log retention, protection, storage drivers, sample apps and how updates arrive. A test fails
when the guide's table and the stack files disagree.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from infra import stackfile
from infra.config import NAMESPACE, StackConfig, build_config

REPO = Path(__file__).resolve().parent.parent
README = REPO / "docs" / "USER-GUIDE.md"  # the document holding the table (the README links to it)
START, END = "<!-- environments:start -->", "<!-- environments:end -->"


def stacks() -> list[str]:
    """Stack names with a ``Pulumi.<stack>.yaml``, in the order dev, staging, prod, then the rest."""
    names = [p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in REPO.glob("Pulumi.*.yaml")]
    order = {"dev": 0, "staging": 1, "prod": 2}
    return sorted(names, key=lambda n: (order.get(n, 3), n))


def load(stack: str) -> tuple[StackConfig, dict[str, Any]]:
    """The validated config of ``stack`` and its raw ``config`` block (provider keys included)."""
    source = stackfile.read(REPO / f"Pulumi.{stack}.yaml")  # as the CLI reads it, errors with file:line
    raw = source.config
    values = {k.split(":", 1)[1]: v for k, v in raw.items() if k.startswith(f"{NAMESPACE}:")}
    return build_config(stack, values, source), raw


def _compute(cfg: StackConfig) -> str:
    """The compute mode and what provisions nodes in it."""
    if cfg.compute_mode == "karpenter" and cfg.karpenter is not None:
        pools = ", ".join(sorted(cfg.karpenter.node_pools))
        return f"`karpenter` (Karpenter v1, node pools: {pools})"
    if cfg.compute_mode == "auto" and cfg.auto_mode is not None:
        pools = ", ".join([*cfg.auto_mode.built_in_node_pools, *sorted(cfg.auto_mode.node_pools)])
        return f"`auto` (EKS Auto Mode, node pools: {pools})"
    return "`nodegroups` (Cluster Autoscaler)" if cfg.cluster_autoscaler else "`nodegroups`"


def _capacity(cfg: StackConfig) -> str:
    kinds = sorted({g.capacity_type.replace("_", "-").lower() for g in cfg.node_groups.values()})
    parts = []
    if cfg.node_groups:
        retiring = [g for g in sorted(cfg.node_groups) if g in cfg.retiring_node_groups]
        parts.append(f"{'/'.join(kinds)} managed node groups" + (f" ({', '.join(retiring)} retiring)" if retiring
                                                                 else ""))
    if cfg.self_managed_node_groups:
        parts.append("a self-managed group")
    if cfg.fargate_profiles:
        parts.append(f"Fargate ({', '.join(sorted(cfg.fargate_profiles))})")
    return ", ".join(parts) or "none beyond the mode's node pools"


def row(stack: str) -> list[str]:
    cfg, raw = load(stack)
    zones = len(cfg.zones)
    nats = zones if cfg.highly_available_nat else 1
    endpoint = (f"public, limited to {', '.join(cfg.public_access_cidrs)}" if cfg.endpoint_public_access
                else "private only")
    storage = ["EBS", *(["EFS"] if cfg.storage.efs.enabled else []), *(["FSx for Lustre"] if cfg.storage.fsx.enabled
                                                                      else [])]
    apps = ", ".join(f"`{name}` ({_exposure(w)})" for name, w in sorted(cfg.workloads.items())) or "none"
    return [f"`{stack}`", str(raw.get("aws:region", "")), f"{zones} AZs, {nats} NAT gateway{'s' if nats > 1 else ''}",
            endpoint, "yes" if cfg.vpc_endpoints else "no", _compute(cfg), _capacity(cfg), f"{cfg.log_retention_days} days",
            "yes" if cfg.protect_stateful_resources else "no", ", ".join(storage),
            f"{cfg.pod_security_level} enforced", apps,
            "newest (latest)" if cfg.updates.channel == "latest" else f"pinned ({cfg.updates.ami_release_version})"]


def _exposure(w: Any) -> str:
    where = []
    if w.exposure is not None:
        where.append(f"{'internet-facing' if w.exposure.internet_facing else 'internal'} {w.exposure.type.upper()}")
    if w.hpa is not None:
        where.append("HPA")
    if w.vpa is not None:
        where.append("VPA")
    if w.fargate:
        where.append("Fargate")
    return ", ".join(where) or "no exposure"


HEADER = ["Stack", "Region", "Network", "API endpoint", "VPC endpoints", "Compute mode", "Capacity", "Log retention", "Protected",
          "Storage", "Pod Security", "Sample apps", "AMI and add-ons"]


def table() -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(row(stack)) + " |" for stack in stacks()]
    return "\n".join(lines)


def render(readme: str) -> str:
    """``readme`` with the table between the markers replaced by the current one."""
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.S)
    if not pattern.search(readme):
        raise ValueError(f"{README.name} has no {START} ... {END} block")
    return pattern.sub(lambda _: f"{START}\n{table()}\n{END}", readme)


def main() -> int:
    README.write_text(render(README.read_text()))
    print(f"wrote the environments table of {README.name} ({len(stacks())} stacks)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
