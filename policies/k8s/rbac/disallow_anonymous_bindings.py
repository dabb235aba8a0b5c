"""B5: nothing is bound to anonymous, unauthenticated or merely authenticated users (BPG iam "Review and revoke
unnecessary anonymous access").

``system:anonymous`` and ``system:unauthenticated`` are anyone who can reach the API server. ``system:authenticated``
is hardly narrower on EKS: every IAM principal of any account that can get a token for the cluster is in it
until an access entry says otherwise, and every ServiceAccount of every namespace is in it too. Kubernetes
itself binds that group only to the discovery roles, which stay allowed.
"""

from __future__ import annotations

from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

from _rbac import BINDINGS, kind, object_name, role_ref, subjects

ANONYMOUS = {"system:anonymous", "system:unauthenticated"}
#: The one binding Kubernetes itself makes for unauthenticated users (version and health endpoints).
ALLOWED_ROLE = "system:public-info-viewer"
AUTHENTICATED = "system:authenticated"
#: The ClusterRoles Kubernetes binds to system:authenticated by default (API discovery, self reviews).
DISCOVERY_ROLES = {"system:basic-user", "system:discovery", "system:public-info-viewer"}


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in BINDINGS:
        return
    ref = role_ref(args.props)
    role = ref.get("name")
    label = f"{kind(args.resource_type)} '{object_name(args.props, args.name)}'"
    for s in subjects(args.props):
        if s.get("name") in ANONYMOUS and role != ALLOWED_ROLE:
            report(f"{label} binds {role} to {s['name']}: anyone who can reach the API server gets it. "
                   "Bind it to named groups or service accounts.")
        elif (s.get("name") == AUTHENTICATED and s.get("kind") == "Group"
              and not (role in DISCOVERY_ROLES and ref.get("kind") == "ClusterRole")):
            report(f"{label} binds {role} to the group system:authenticated: every identity that can get a token "
                   "for the cluster (any mapped IAM principal, every ServiceAccount of every namespace) gets it. "
                   "Bind it to named groups or service accounts.")


METADATA = RuleMetadata(
    id="B5",
    aws_control="EKS-managed API server authentication: AWS configures how anonymous requests reach RBAC",
    bpg=("iam: Review and revoke unnecessary anonymous access",),
)

disallow_anonymous_bindings = ResourceValidationPolicy(
    name="kubernetes-rbac-disallow-anonymous-bindings",
    description="RBAC bindings must not grant anything to system:anonymous or system:unauthenticated, nor more than "
                "the discovery roles to system:authenticated.",
    validate=_validate,
    severity=Severity.CRITICAL,
    tags=METADATA.tags("kubernetes", "rbac"),
    remediation_steps="Remove system:anonymous/system:unauthenticated subjects from the binding, and "
                      "system:authenticated unless the role is system:basic-user, system:discovery or "
                      "system:public-info-viewer; bind named groups or service accounts instead.",
    url="https://docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html",
)
