"""J23: nothing runs or is configured in the ``default`` namespace (CKV_K8S_21, CIS EKS 4.5.2 and 4.5.1).

``default`` is where everything lands that names no namespace: it carries no Pod Security Admission label,
no default-deny NetworkPolicy, no quota and no team's RBAC, and whatever lands there shares it with every
other stray object (BPG data "Use separate namespaces as a way to isolate workloads"). Workloads (every
WORKLOADS kind), Services, ConfigMaps and Secrets whose ``metadata.namespace`` is unset or ``default`` fire,
unless their Kubernetes provider sets another default namespace (``Provider(namespace=...)``). A namespace
unknown at preview is one a Namespace of this stack names, never ``default``. ``*Patch`` resources change
objects that exist already, placed by whoever created them, and are not judged. The API server's own
``default/kubernetes`` Service (which a program may adopt or annotate) belongs there and is not judged.
"""

from __future__ import annotations

from _known import UNKNOWN, get
from _metadata import RuleMetadata
from _pods import WORKLOADS
from _workloads import DEFAULT_NAMESPACE, kind_of, namespace_of, object_name
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

#: The API server's own Service, which Kubernetes keeps in the default namespace.
API_SERVICE = ("kubernetes:core/v1:Service", "kubernetes")
#: Namespaced objects this rule judges: the workload kinds, and what they are configured and reached through.
NAMESPACED = {token for token in WORKLOADS if not token.endswith("Patch")} | {
    "kubernetes:core/v1:Service", "kubernetes:core/v1:ConfigMap", "kubernetes:core/v1:Secret"}


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in NAMESPACED:
        return
    namespace = namespace_of(args.props, args.provider)
    if namespace is UNKNOWN or namespace != DEFAULT_NAMESPACE:
        return
    if args.resource_type == API_SERVICE[0] and get(get(args.props, "metadata"), "name") == API_SERVICE[1]:
        args.not_applicable("default/kubernetes is the API server's own Service")
    state = "is \"default\"" if get(get(args.props, "metadata"), "namespace") else "is unset"
    report(f"{kind_of(args.resource_type)} '{object_name(args.props, args.name)}' is in the default namespace "
           f"(metadata.namespace {state}), which has no Pod Security Admission label, no default-deny "
           "NetworkPolicy, no quota and no team's RBAC, and is shared with every object that names no namespace. "
           "Create a namespace for the application and set metadata.namespace to it.")


METADATA = RuleMetadata(
    id="J23",
    aws_control="The EKS-managed API server scopes RBAC, quotas and policies by namespace",
    cis=("4.5.2", "4.5.1"),
    bpg=("data: Use separate namespaces as a way to isolate secrets from different applications",),
    checkov=("CKV_K8S_21",),
)

disallow_default_namespace = ResourceValidationPolicy(
    name="kubernetes-workload-disallow-default-namespace",
    description="Workloads, Services, ConfigMaps and Secrets must not be placed in the default namespace.",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("kubernetes", "workloads", "isolation"),
    remediation_steps="Create a Namespace per application or team (with PSA labels and a default-deny "
                      "NetworkPolicy) and set metadata.namespace on every object.",
    url="https://docs.aws.amazon.com/eks/latest/best-practices/data-encryption-and-secrets-management.html",
)
