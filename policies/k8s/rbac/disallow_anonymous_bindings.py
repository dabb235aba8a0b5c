"""B5: nothing is bound to anonymous or unauthenticated users (BPG iam "Review and revoke unnecessary anonymous access")."""

from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

from _rbac import BINDINGS, kind, object_name, role_ref, subjects

ANONYMOUS = {"system:anonymous", "system:unauthenticated"}
#: The one binding Kubernetes itself makes for unauthenticated users (version and health endpoints).
ALLOWED_ROLE = "system:public-info-viewer"


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in BINDINGS:
        return
    if role_ref(args.props).get("name") == ALLOWED_ROLE:
        return
    for s in subjects(args.props):
        if s.get("name") in ANONYMOUS:
            report(f"{kind(args.resource_type)} '{object_name(args.props, args.name)}' binds "
                   f"{role_ref(args.props).get('name')} to {s['name']}: anyone who can reach the API server gets it. "
                   "Bind it to named groups or service accounts.")


disallow_anonymous_bindings = ResourceValidationPolicy(
    name="kubernetes-rbac-disallow-anonymous-bindings",
    description="RBAC bindings must not grant anything to system:anonymous or system:unauthenticated.",
    validate=_validate,
    severity=Severity.CRITICAL,
    tags=["kubernetes", "rbac"],
    remediation_steps="Remove system:anonymous/system:unauthenticated subjects from the binding.",
    url="https://docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html",
)
