"""Upgrade readiness: is the program ready to move its EKS cluster to the next Kubernetes minor version?

Run on demand (``preflight --upgrade-to 1.NN``: the program as it is, judged against the target) or when a
change moves the version (``preflight --from-version 1.NN``, the version the stack runs now, e.g.
``pulumi stack output kubernetes_version``: when the stack's ``kubernetesVersion`` config differs, the program
as changed is judged as the upgrade from it). Before anything is created it reports, from the resources the
program registers and preflight's data (``preflight/data``: EKS lifecycle, add-on catalogue, Kubernetes
deprecation guide):

* ``version``: one minor version at a time; the target offered by EKS on the day (lifecycle data);
* ``addons``: every EKS add-on has a version for the target; a pinned one (``addonVersions`` in
  ``Pulumi.<stack>.yaml``) pins one compatible with it;
* ``nodes``: node AMI releases exist for the target, and every node pool (managed node groups, self-managed
  groups, Karpenter / Auto Mode node pools: any node resource with a version field) stays within the
  kubelet skew EKS supports (three minors) once the control plane is upgraded first;
* ``apis``: no Kubernetes object uses an API version removed in the target (or earlier);
* ``disruption``: no PodDisruptionBudget blocks every drain (``maxUnavailable: 0``, or ``minAvailable`` equal
  to the replicas of the workload it selects), which would stall a node rollout;
* ``order``: the apply order the dependencies imply: control plane, then add-ons, then nodes; an add-on or a
  node pool that does not wait for the control plane could be updated before it.

Each finding names the resource and what to change. ``blocking`` findings make the stack not ready (exit 1);
``change`` findings are config changes to make in the same commit as the upgrade; ``info`` says what
follows by itself.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from . import lifecycle
from .errors import PreflightError
from .monitor import RecordedResource
from .report import plain

CLUSTER = "aws:eks/cluster:Cluster"
ADDON = "aws:eks/addon:Addon"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
KUBELET_SKEW = 3
BLOCKING, CHANGE, INFO = "blocking", "change", "info"
_K8S_TOKEN = re.compile(r"^kubernetes:(?P<group>[^/:]+)/(?P<version>v[^:]+):(?P<kind>\w+)$")
_WORKLOAD_KINDS = ("Deployment", "StatefulSet", "ReplicaSet")
_RELEASE = re.compile(r"^1\.(\d+)\.\d+-\d{8}$")


@dataclass(frozen=True)
class Finding:
    check: str
    severity: str
    resource: str
    """The resource's name (its URN in JSON)."""
    urn: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"check": self.check, "severity": self.severity, "resource": self.resource, "urn": self.urn,
                "message": self.message}


@dataclass
class UpgradeReport:
    current: str
    target: str
    today: str
    trigger: str
    """``--upgrade-to`` or ``--from-version`` (with the config's version)."""
    findings: list[Finding] = field(default_factory=list)
    order: list[tuple[str, list[str]]] = field(default_factory=list)
    """The apply order the program implies: (step, resource names)."""

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == BLOCKING]

    @property
    def ready(self) -> bool:
        return not self.blocking

    def to_json(self) -> dict[str, Any]:
        return {"from": self.current, "to": self.target, "today": self.today, "trigger": self.trigger,
                "ready": self.ready, "findings": [f.to_json() for f in self.findings],
                "applyOrder": [{"step": step, "resources": names} for step, names in self.order]}

    def text_lines(self) -> list[str]:
        verdict = "READY" if self.ready else f"NOT READY ({len(self.blocking)} blocking)"
        lines = [f"Upgrade readiness: Kubernetes {self.current} -> {self.target} (on {self.today}, {self.trigger}): "
                 f"{verdict}"]
        for severity in (BLOCKING, CHANGE, INFO):
            group = [f for f in self.findings if f.severity == severity]
            if group:
                lines.append(f"    {severity} ({len(group)}):")
                lines += [f"      - [{f.check}] {f.resource}: {f.message}" for f in group]
        if self.order:
            lines.append("    apply order: " + " -> ".join(f"{step} ({len(names)})" for step, names in self.order))
        return lines


def _minor(version: str) -> int | None:
    try:
        return lifecycle.minor(version)
    except ValueError:
        return None


def _props(r: RecordedResource) -> dict[str, Any]:
    value = plain(r.outputs if r.outputs is not None and r.custom else r.inputs)
    return value if isinstance(value, dict) else {}


class _Graph:
    """Transitive dependencies between the recorded resources (explicit and through property inputs)."""

    def __init__(self, resources: list[RecordedResource]) -> None:
        self.by_urn = {r.urn: r for r in resources}
        self.direct = {r.urn: set(r.dependencies) | {u for urns in r.property_dependencies.values() for u in urns}
                       for r in resources}
        self._closure: dict[str, set[str]] = {}
        self.children: dict[str, list[str]] = {}
        for r in resources:
            self.children.setdefault(r.parent, []).append(r.urn)

    def upstream(self, urn: str) -> set[str]:
        if urn not in self._closure:
            seen: set[str] = set()
            stack = list(self.direct.get(urn, ()))
            while stack:
                u = stack.pop()
                if u in seen:
                    continue
                seen.add(u)
                stack.extend(self.direct.get(u, ()))
                if u in self.by_urn and not self.by_urn[u].custom:
                    # depending on a component means waiting for its children
                    stack.extend(self.children.get(u, ()))
            self._closure[urn] = seen
        return self._closure[urn]

    def waits_for(self, urn: str, others: set[str]) -> bool:
        return bool(self.upstream(urn) & others)


def _node_pools(resources: list[RecordedResource]) -> list[RecordedResource]:
    """Managed node groups, pulumi-eks node groups, and any node-pool resource (Karpenter, Auto Mode)."""
    pools = []
    for r in resources:
        kind = r.type.rsplit(":", 1)[-1]
        # pulumi-eks: self-managed groups are judged as the component; a ManagedNodeGroup by its modelled child
        if r.type == NODE_GROUP or (r.type.startswith("eks:index:") and kind in ("NodeGroup", "NodeGroupV2")):
            pools.append(r)
        elif r.type.startswith("kubernetes:") and kind in ("NodePool", "NodeClaim"):
            pools.append(r)
    return pools


def _node_minor(r: RecordedResource, props: dict[str, Any], cluster_minor: int) -> tuple[int | None, str]:
    """The kubelet minor a node pool runs, and where that came from."""
    if props.get("releaseVersion"):
        m = _RELEASE.match(str(props["releaseVersion"]))
        if m:
            return int(m.group(1)), f"releaseVersion {props['releaseVersion']}"
    if props.get("version"):
        minor = _minor(str(props["version"]))
        if minor is not None:
            return minor, f"version {props['version']}"
    return cluster_minor, "follows the cluster version"


def analyse(resources: list[RecordedResource], target: str, *, current: str | None = None,
            trigger: str = "--upgrade-to", pinned: dict[str, str] | None = None, stack_file: str = "Pulumi.<stack>.yaml",
            on: datetime.date | None = None) -> UpgradeReport:
    """The upgrade readiness of the program whose ``resources`` were recorded, to ``target``.

    ``current``: the version the cluster runs now (default: the cluster's ``version`` input); when the program
    was rendered at the target already (``--from-version``), findings about its add-on pins are blocking.
    ``pinned``: add-on versions pinned in the stack file (``addonVersions``).
    """
    on = on or lifecycle.today()
    pinned = pinned or {}
    rendered_at_target = trigger != "--upgrade-to"
    clusters = [r for r in resources if r.type == CLUSTER]
    if not clusters:
        raise PreflightError("upgrade readiness: the program registers no aws:eks/cluster:Cluster, so there is no "
                             "Kubernetes version to upgrade")
    cluster = clusters[0]
    cluster_props = _props(cluster)
    current = current or str(cluster_props.get("version") or "")
    target_minor, current_minor = _minor(target), _minor(current)
    if target_minor is None:
        raise PreflightError(f"--upgrade-to: {target!r} is not a Kubernetes minor version such as 1.36")
    if current_minor is None:
        raise PreflightError(f"upgrade readiness: the cluster '{cluster.name}' has no Kubernetes version to upgrade "
                             f"from (version is {current!r}); pin one, or pass --from-version")
    report = UpgradeReport(current, target, on.isoformat(), trigger)
    add = report.findings.append

    # -- version: one minor at a time, offered on the day --------------------------------------
    if target_minor <= current_minor:
        add(Finding("version", BLOCKING, cluster.name, cluster.urn,
                    f"{target} is not an upgrade from {current}: EKS upgrades one minor version forward and never "
                    "downgrades"))
    elif target_minor - current_minor > 1:
        add(Finding("version", BLOCKING, cluster.name, cluster.urn,
                    f"{current} -> {target} skips {target_minor - current_minor - 1} minor version(s): EKS upgrades "
                    f"one minor version at a time; upgrade to 1.{current_minor + 1} first"))
    entry = lifecycle.entry(target)
    status = lifecycle.status(entry, on) if entry else None
    newest = lifecycle.versions()[0]
    if entry is None or status is None:
        add(Finding("version", BLOCKING, cluster.name, cluster.urn,
                    f"EKS does not offer Kubernetes {target} on {on} (lifecycle data recorded "
                    f"{lifecycle.versions()[0].get('recorded', '?')}: newest {newest['version']}, released "
                    f"{newest['releaseDate']}); wait for its EKS release, or refresh preflight/data/eks-versions.json"))
    elif status == lifecycle.UNSUPPORTED:
        add(Finding("version", BLOCKING, cluster.name, cluster.urn,
                    f"Kubernetes {target} left EKS extended support on {entry['endOfExtendedSupport']}; upgrade "
                    "further"))
    elif status == lifecycle.EXTENDED:
        add(Finding("version", INFO, cluster.name, cluster.urn,
                    f"Kubernetes {target} is in extended support since {entry['endOfStandardSupport']}: only with "
                    "supportType EXTENDED (paid); plan the next upgrade right after"))
    else:
        add(Finding("version", INFO, cluster.name, cluster.urn,
                    f"Kubernetes {target} is in EKS standard support until {entry['endOfStandardSupport']}"))
    available = status in (lifecycle.STANDARD, lifecycle.EXTENDED)

    graph = _Graph(resources)
    cluster_urns = {c.urn for c in clusters}

    # -- add-ons ---------------------------------------------------------------------------------
    addons = [r for r in resources if r.type == ADDON]
    for r in addons:
        props = _props(r)
        name, version = str(props.get("addonName", "")), props.get("addonVersion")
        if not lifecycle.known_addon(name):
            add(Finding("addons", INFO, r.name, r.urn,
                        f"{name}: not in preflight's add-on catalogue; check `aws eks describe-addon-versions "
                        f"--addon-name {name} --kubernetes-version {target}` before upgrading"))
            continue
        compatible = lifecycle.addon_versions(name, target)
        if not compatible:
            add(Finding("addons", BLOCKING, r.name, r.urn,
                        f"EKS lists no {name} version for Kubernetes {target}; wait for one, or remove the add-on "
                        "before upgrading"))
            continue
        if isinstance(version, str) and version in compatible:
            continue
        if name in pinned:
            add(Finding("addons", BLOCKING if rendered_at_target else CHANGE, r.name, r.urn,
                        f"{name} is pinned to {pinned[name]} in {stack_file} (addonVersions), which is not compatible "
                        f"with Kubernetes {target}; pin {compatible[-1]} (compatible: {', '.join(compatible)})"))
        else:
            add(Finding("addons", INFO, r.name, r.urn,
                        f"{name} {version} resolves to {compatible[-1]} for Kubernetes {target} at the next preview "
                        "(not pinned)"))

    # -- nodes: AMI releases and kubelet skew ----------------------------------------------------
    pools = _node_pools(resources)
    for r in pools:
        props = _props(r)
        node_minor, source = _node_minor(r, props, current_minor)
        follows = source == "follows the cluster version"
        if rendered_at_target and follows:
            node_minor = target_minor
        if props.get("amiId") or props.get("imageId"):
            add(Finding("nodes", CHANGE, r.name, r.urn,
                        f"runs a custom AMI ({props.get('amiId') or props.get('imageId')}): build one for Kubernetes "
                        f"{target} and set it after the control plane is upgraded"))
        elif not available:
            add(Finding("nodes", BLOCKING, r.name, r.urn,
                        f"no EKS-optimised AMI release for Kubernetes {target} yet (SSM "
                        f"/aws/service/eks/optimized-ami/{target}/... answers only for released versions)"))
        if node_minor is not None and target_minor - node_minor > KUBELET_SKEW:
            add(Finding("nodes", BLOCKING, r.name, r.urn,
                        f"nodes at 1.{node_minor} ({source}) would be {target_minor - node_minor} minor versions "
                        f"behind a {target} control plane; EKS supports {KUBELET_SKEW}. Roll these nodes forward "
                        "before upgrading the control plane"))
        if node_minor is not None and node_minor > current_minor and not graph.waits_for(r.urn, cluster_urns):
            add(Finding("nodes", BLOCKING, r.name, r.urn,
                        f"nodes at 1.{node_minor} ({source}) do not wait for the control plane and could be updated "
                        f"before it (nodes newer than the control plane are refused); take the cluster name from "
                        "the cluster resource's output or add depends_on"))

    # -- removed Kubernetes APIs -------------------------------------------------------------------
    removed = lifecycle.removed_apis()
    for r in resources:
        m = _K8S_TOKEN.match(r.type)
        if m is None:
            continue
        kind = m["kind"]
        api = f"{m['group']}/{m['version']}" if m["group"] != "core" else m["version"]
        for row in removed:
            if row["apiVersion"] == api and kind.removesuffix("Patch") in row["kinds"] and \
                    (_minor(row["removedIn"]) or 0) <= target_minor:
                add(Finding("apis", BLOCKING, r.name, r.urn,
                            f"{kind} uses {api}, no longer served from Kubernetes {row['removedIn']}; move it to "
                            f"{row['use']}"))

    # -- PodDisruptionBudgets that block every drain ------------------------------------------------
    workloads = []
    for r in resources:
        m = _K8S_TOKEN.match(r.type)
        if m and m["group"] == "apps" and m["kind"] in _WORKLOAD_KINDS:
            workloads.append((r, _props(r)))
    for r in resources:
        m = _K8S_TOKEN.match(r.type)
        if not (m and m["group"] == "policy" and m["kind"] == "PodDisruptionBudget"):
            continue
        props = _props(r)
        spec = props.get("spec") or {}
        namespace = (props.get("metadata") or {}).get("namespace") or "default"
        name = (props.get("metadata") or {}).get("name") or r.name
        max_unavailable, min_available = spec.get("maxUnavailable"), spec.get("minAvailable")
        if max_unavailable is not None and str(max_unavailable).rstrip("%").replace(".0", "") == "0":
            add(Finding("disruption", BLOCKING, r.name, r.urn,
                        f"PodDisruptionBudget {namespace}/{name} has maxUnavailable {max_unavailable}: no pod it "
                        "selects may ever be evicted, so draining a node for the upgrade stalls; allow at least 1"))
            continue
        if min_available is None:
            continue
        selector = ((spec.get("selector") or {}).get("matchLabels")) or {}
        for w, wprops in workloads:
            wmeta = wprops.get("metadata") or {}
            labels = (((wprops.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels") or {}
            if (wmeta.get("namespace") or "default") != namespace or not selector or \
                    not set(selector.items()) <= set(labels.items()):
                continue
            replicas = (wprops.get("spec") or {}).get("replicas", 1)
            blocks = str(min_available).strip() == "100%" or (
                not str(min_available).endswith("%") and _as_int(min_available) >= _as_int(replicas))
            if blocks:
                add(Finding("disruption", BLOCKING, r.name, r.urn,
                            f"PodDisruptionBudget {namespace}/{name} requires minAvailable {_shown(min_available)} of "
                            f"the {_shown(replicas)} replicas of {wmeta.get('name') or w.name}: no pod may be evicted, "
                            "so draining a node stalls; set minAvailable below the replicas (or maxUnavailable 1), "
                            "or raise the replicas"))

    # -- the apply order ---------------------------------------------------------------------------
    pool_urns = {p.urn for p in pools}
    for r in addons:
        if not graph.waits_for(r.urn, cluster_urns):
            add(Finding("order", BLOCKING, r.name, r.urn,
                        "this add-on does not wait for the control plane and could be updated before it; take the "
                        "cluster name from the cluster resource's output or add depends_on"))
    before_nodes = [r.name for r in addons if not graph.waits_for(r.urn, pool_urns)]
    after_nodes = [r.name for r in addons if graph.waits_for(r.urn, pool_urns)]
    report.order = [(f"control plane ({current} -> {target})", [c.name for c in clusters])]
    if before_nodes:
        report.order.append(("add-ons", sorted(before_nodes)))
    if pools:
        report.order.append(("nodes", sorted(p.name for p in pools)))
    if after_nodes:
        report.order.append(("add-ons that run on the nodes", sorted(after_nodes)))
    steps = dict(report.order)
    text = f"the program applies the control plane first ({', '.join(c.name for c in clusters)})"
    if before_nodes or pools:
        parts = [f"add-ons {', '.join(sorted(before_nodes))}" if before_nodes else "",
                 f"nodes {', '.join(steps.get('nodes', []))}" if pools else ""]
        text += "; then " + " and ".join(p for p in parts if p)
        if before_nodes and pools:
            text += (" side by side (kube-proxy may run up to three minors behind a kubelet, so nodes may roll "
                     "before their add-ons finish)")
    if after_nodes:
        text += f"; last the add-ons that run on the nodes: {', '.join(sorted(after_nodes))}"
    add(Finding("order", INFO, cluster.name, cluster.urn, text))
    report.findings.sort(key=lambda f: ({BLOCKING: 0, CHANGE: 1, INFO: 2}[f.severity], f.check, f.resource))
    return report


def _as_int(value: Any) -> int:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return 0


def _shown(value: Any) -> str:
    return str(_as_int(value)) if isinstance(value, float) else str(value)


def stack_pins(config: dict[str, Any]) -> dict[str, str]:
    """``*:addonVersions`` of the stack file, decoded (empty when the stack pins nothing)."""
    import json

    for key, raw in config.items():
        if key.endswith(":addonVersions"):
            try:
                value = json.loads(raw) if isinstance(raw, str) else raw
            except ValueError:
                return {}
            return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}
    return {}


def configured_version(config: dict[str, Any]) -> str | None:
    for key, raw in config.items():
        if key.endswith(":kubernetesVersion"):
            return str(raw).strip('"')
    return None


def markdown_parts(report: UpgradeReport) -> tuple[list[str], list[str]]:
    """(head, items) of the pull-request comment's upgrade section (``preflight/markdown.py`` places it)."""
    from .markdown import code, escape

    mark = "✅" if report.ready else "⛔"
    verdict = "ready" if report.ready else f"not ready: {len(report.blocking)} blocking"
    head = [f"#### {mark} Upgrade readiness: Kubernetes {code(report.current)} → {code(report.target)} ({verdict})", "",
            f"Judged on {escape(report.today)} ({code(report.trigger)}), before anything is created: version, add-ons, "
            "node AMIs and kubelet skew, removed APIs, PodDisruptionBudgets, apply order.", ""]
    icons = {BLOCKING: "⛔ blocking", CHANGE: "✏️ change with the upgrade", INFO: "ℹ️"}
    items = [f"- {icons[f.severity]} · {escape(f.check)} · {code(f.resource)}: {escape(f.message)}"
             for f in report.findings]
    return head, items
