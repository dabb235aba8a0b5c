"""I6: no ``nodes/proxy``, ``pods/exec``, ``pods/attach`` or ``pods/portforward`` (CIS EKS 4.1.10, CKV2_K8S_2).

``nodes/proxy`` reaches the kubelet API, which runs commands in any pod of the node and bypasses audit
logging and admission: any verb on it is enough. ``create`` on ``pods/exec``, ``pods/attach`` and
``pods/portforward`` opens a shell in, or a tunnel to, a running pod and its Secrets. Every rule of the
role counts (the grant may sit in its third rule), and so do ``"*"`` and ``"*/exec"``.
"""

from __future__ import annotations

from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

from _rbac import ROLES, Access, describe, grants, kind, object_name

SHELLS = [
    Access("", "nodes/proxy"),
    *(Access("", f"pods/{sub}", ("create",)) for sub in ("exec", "attach", "portforward")),
]


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in ROLES:
        return
    found = grants(args.props, SHELLS)
    if found:
        report(f"{kind(args.resource_type)} '{object_name(args.props, args.name)}' grants {describe(found)}: its "
               "holders get a shell in running pods (nodes/proxy: in every pod of a node, past audit and "
               "admission). Remove these rules; use a break-glass role bound only when needed.")


METADATA = RuleMetadata(
    id="I6",
    aws_control="The EKS-managed API server's RBAC authorizer (AWS runs and patches the control plane)",
    cis=("4.1.10",),
    checkov=("CKV2_K8S_2",),
)

disallow_exec_and_node_proxy = ResourceValidationPolicy(
    name="kubernetes-rbac-disallow-exec-and-node-proxy",
    description="Roles must not grant nodes/proxy, nor create on pods/exec, pods/attach or pods/portforward.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("kubernetes", "rbac"),
    remediation_steps="Remove nodes/proxy and create on pods/exec, pods/attach and pods/portforward (and the "
                      "wildcards that imply them) from every rule of the role.",
    url="https://kubernetes.io/docs/concepts/security/rbac-good-practices/#access-to-proxy-subresource-of-nodes",
)
