"""Access: who may do what in the cluster, from IAM role to Kubernetes RBAC.

For each team (keyed by a stable name; the key is part of every child name):

* ``{name}-{team}``: an ``aws.eks.AccessEntry`` (type STANDARD) for the team's IAM role;
* cluster-admin: ``{name}-{team}-cluster-admin``, an ``AccessPolicyAssociation`` of
  ``AmazonEKSClusterAdminPolicy`` scoped to the cluster. Only for roles in ``cluster_admin_allowlist``;
* namespace-admin / namespace-viewer: the entry maps the role to the Kubernetes group
  ``eks-platform:<team>:<level>``, bound in each team namespace (``{name}-{team}-{ns}``) to one of two
  shared ClusterRoles with explicit verbs and resources: ``{name}-namespace-admin`` (workloads,
  config, services; Secrets write-only; no RBAC objects, so no bind/escalate) and
  ``{name}-namespace-viewer`` (read-only, no Secrets).

Team namespaces: given as ``namespace_resources`` (the :class:`~components.namespaces.Namespaces`
component owns them, with their network policies and quotas), or else created here as
``{name}-ns-<namespace>`` with Pod Security Admission labels (``restricted`` by default) for enforce,
audit and warn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

TYPE_TOKEN = "eks-platform:components:Access"
LEVELS = ("cluster-admin", "namespace-admin", "namespace-viewer")
RBAC_GROUP = "rbac.authorization.k8s.io"

_WORKLOADS = [
    ("", ["pods", "services", "configmaps", "persistentvolumeclaims", "serviceaccounts", "endpoints"]),
    ("apps", ["deployments", "statefulsets", "replicasets", "daemonsets"]),
    ("batch", ["jobs", "cronjobs"]),
    ("autoscaling", ["horizontalpodautoscalers"]),
    ("networking.k8s.io", ["ingresses", "networkpolicies"]),
    ("policy", ["poddisruptionbudgets"]),
]
_READ = ["get", "list", "watch"]
_WRITE = ["create", "update", "patch", "delete"]


def admin_rules() -> list[dict[str, list[str]]]:
    """Namespace admin: manage workloads; Secrets write-only; no RBAC, no exec, no wildcards."""
    rules = [{"apiGroups": [group], "resources": resources, "verbs": _READ + _WRITE} for group, resources in _WORKLOADS]
    rules.append({"apiGroups": [""], "resources": ["pods/log", "events"], "verbs": _READ})
    rules.append({"apiGroups": [""], "resources": ["secrets"], "verbs": _WRITE})
    return rules


def viewer_rules() -> list[dict[str, list[str]]]:
    """Namespace viewer: read workloads and logs; never Secrets."""
    rules = [{"apiGroups": [group], "resources": resources, "verbs": _READ} for group, resources in _WORKLOADS]
    rules.append({"apiGroups": [""], "resources": ["pods/log", "events"], "verbs": _READ})
    return rules


@dataclass(frozen=True)
class TeamAccessArgs:
    """One team's access."""

    role_arn: str
    """IAM role of the team (roles only, never users)."""
    level: str
    """cluster-admin, namespace-admin or namespace-viewer."""
    namespaces: Sequence[str] = ()
    """Namespaces the team works in (namespace levels)."""


@dataclass(frozen=True)
class AccessArgs:
    """Inputs of :class:`Access`."""

    cluster_name: pulumi.Input[str]
    """The EKS cluster (must use authentication mode API or API_AND_CONFIG_MAP)."""
    teams: Mapping[str, TeamAccessArgs]
    """Teams keyed by a stable name."""
    kubernetes_provider: pulumi.ProviderResource
    """Provider for the cluster's Kubernetes API."""
    cluster_admin_allowlist: Sequence[str] = ()
    """The only role ARNs that may be cluster-admin."""
    pod_security_level: str = "restricted"
    """Pod Security Admission level on team namespaces created here (restricted or baseline)."""
    namespace_resources: Mapping[str, pulumi.Resource] | None = None
    """Namespaces another component owns, by name; None: Access creates the team namespaces itself."""
    partition: str = "aws"
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for team, spec in self.teams.items():
            if spec.level not in LEVELS:
                raise ValueError(f"AccessArgs.teams[{team!r}].level: must be one of {', '.join(LEVELS)}")
            if ":role/" not in spec.role_arn:
                raise ValueError(f"AccessArgs.teams[{team!r}].role_arn: must be an IAM role ARN, got {spec.role_arn}")
            if spec.level == "cluster-admin" and spec.role_arn not in self.cluster_admin_allowlist:
                raise ValueError(f"AccessArgs.teams[{team!r}]: {spec.role_arn} is not in cluster_admin_allowlist")
            if spec.level != "cluster-admin" and not spec.namespaces:
                raise ValueError(f"AccessArgs.teams[{team!r}].namespaces: {spec.level} needs namespaces")
        if self.pod_security_level not in ("restricted", "baseline"):
            raise ValueError("AccessArgs.pod_security_level: must be restricted or baseline")


def group_name(team: str, level: str) -> str:
    return f"eks-platform:{team}:{level}"


class Access(pulumi.ComponentResource):
    """IAM access entries and Kubernetes RBAC for the cluster's teams."""

    namespaces: pulumi.Output[list[str]]
    """Team namespaces created."""
    access_entry_arns: pulumi.Output[dict[str, str]]
    """Access entry ARN by team."""

    def __init__(self, name: str, args: AccessArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        aws_child = pulumi.ResourceOptions(parent=self)
        k8s_child = pulumi.ResourceOptions(parent=self, provider=args.kubernetes_provider)
        psa = {f"pod-security.kubernetes.io/{mode}": args.pod_security_level for mode in ("enforce", "audit", "warn")}

        all_namespaces = sorted({ns for spec in args.teams.values() for ns in spec.namespaces})
        namespaces: Mapping[str, pulumi.Resource]
        if args.namespace_resources is not None:
            missing = [ns for ns in all_namespaces if ns not in args.namespace_resources]
            if missing:
                raise ValueError(f"AccessArgs.namespace_resources: no namespace {', '.join(missing)} for the teams")
            namespaces = args.namespace_resources
        else:
            namespaces = {
                ns: k8s.core.v1.Namespace(f"{name}-ns-{ns}", metadata={
                    "name": ns, "labels": {**psa, "app.kubernetes.io/managed-by": "pulumi"}}, opts=k8s_child)
                for ns in all_namespaces
            }
        cluster_roles = {}
        if any(spec.level == "namespace-admin" for spec in args.teams.values()):
            cluster_roles["namespace-admin"] = k8s.rbac.v1.ClusterRole(
                f"{name}-namespace-admin", metadata={"name": "eks-platform:namespace-admin"}, rules=admin_rules(),
                opts=k8s_child)
        if any(spec.level == "namespace-viewer" for spec in args.teams.values()):
            cluster_roles["namespace-viewer"] = k8s.rbac.v1.ClusterRole(
                f"{name}-namespace-viewer", metadata={"name": "eks-platform:namespace-viewer"}, rules=viewer_rules(),
                opts=k8s_child)

        entries: dict[str, pulumi.Output[str]] = {}
        for team in sorted(args.teams):
            spec = args.teams[team]
            groups = [] if spec.level == "cluster-admin" else [group_name(team, spec.level)]
            entry = aws.eks.AccessEntry(
                f"{name}-{team}", cluster_name=args.cluster_name, principal_arn=spec.role_arn, type="STANDARD",
                kubernetes_groups=groups, tags={**args.tags, "team": team}, opts=aws_child)
            entries[team] = entry.access_entry_arn
            if spec.level == "cluster-admin":
                aws.eks.AccessPolicyAssociation(
                    f"{name}-{team}-cluster-admin", cluster_name=args.cluster_name, principal_arn=spec.role_arn,
                    policy_arn=f"arn:{args.partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                    access_scope={"type": "cluster"},
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[entry]))
                continue
            for ns in spec.namespaces:
                k8s.rbac.v1.RoleBinding(
                    f"{name}-{team}-{ns}",
                    metadata={"name": f"eks-platform:{team}:{spec.level}", "namespace": ns},
                    role_ref={"apiGroup": RBAC_GROUP, "kind": "ClusterRole",
                              "name": f"eks-platform:{spec.level}"},
                    subjects=[{"kind": "Group", "name": group_name(team, spec.level), "apiGroup": RBAC_GROUP}],
                    opts=pulumi.ResourceOptions(parent=self, provider=args.kubernetes_provider,
                                                depends_on=[namespaces[ns], cluster_roles[spec.level]]))

        self.namespaces = pulumi.Output.from_input(all_namespaces)
        self.access_entry_arns = pulumi.Output.all(**entries) if entries else pulumi.Output.from_input({})
        self.register_outputs({"namespaces": self.namespaces, "access_entry_arns": self.access_entry_arns})
