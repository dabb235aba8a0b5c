"""J22: every namespace enforces a Pod Security Standard through Pod Security Admission (CIS EKS 4.2).

Pod Security Admission, built into every EKS cluster, refuses pods that break the standard a namespace's
``pod-security.kubernetes.io/enforce`` label names. Without the label the namespace runs ``privileged``: no
check at all, so one privileged or host-network pod is one ``kubectl apply`` away (BPG pods "Use multiple
Pod Security Admission (PSA) modes for a better user experience"). The label must name ``baseline`` or
``restricted``, at least ``minimumLevel`` (prod and staging raise it to ``restricted``). The ``audit`` and
``warn`` labels are advice on top and are not required.

``kube-system``, ``kube-public``, ``kube-node-lease`` and ``default`` are Kubernetes' own (``exemptNamespaces``).
A ``NamespacePatch`` is judged only when it sets the label.
"""

from __future__ import annotations

from _known import get, known
from _metadata import RuleMetadata
from _workloads import kind_of, object_name
from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

NAMESPACES = {"kubernetes:core/v1:Namespace", "kubernetes:core/v1:NamespacePatch"}
ENFORCE = "pod-security.kubernetes.io/enforce"
#: Pod Security Standards, least to most restrictive.
LEVELS = ("privileged", "baseline", "restricted")
SYSTEM_NAMESPACES = ["kube-system", "kube-public", "kube-node-lease", "default"]


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in NAMESPACES:
        return
    config = args.get_config()
    name = object_name(args.props, args.name)
    explicit = get(get(args.props, "metadata"), "name")  # an auto-named namespace is never a system one
    if isinstance(explicit, str) and explicit in {str(n) for n in config.get("exemptNamespaces", SYSTEM_NAMESPACES)}:
        args.not_applicable(f"namespace '{name}' is in exemptNamespaces")
    minimum = str(config.get("minimumLevel", "baseline"))
    labels = known(get(get(args.props, "metadata"), "labels") or {}, "metadata.labels")
    level = known(get(labels, ENFORCE), f"metadata.labels.{ENFORCE}")
    patch = kind_of(args.resource_type).endswith("Patch")
    if level is None and patch:
        return
    if level is not None and str(level) in LEVELS and LEVELS.index(str(level)) >= LEVELS.index(minimum):
        return
    state = ("is unset, so the namespace runs privileged: Pod Security Admission checks nothing" if level is None
             else f"is \"{level}\", below the required \"{minimum}\"" if str(level) in LEVELS
             else f"is \"{level}\", which is not a Pod Security Standard (Pod Security Admission rejects the namespace "
                  "or ignores the label)")
    report(f"{kind_of(args.resource_type)} '{name}' does not enforce a Pod Security Standard of at least {minimum}: "
           f"label {ENFORCE} {state}. Set metadata.labels[\"{ENFORCE}\"] to \"{minimum}\""
           + (" or \"restricted\"" if minimum == "baseline" else "")
           + ", and pod-security.kubernetes.io/warn and audit to \"restricted\" to see what would break next.")


METADATA = RuleMetadata(
    id="J22",
    aws_control="Pod Security Admission, built into and enabled on the EKS-managed API server",
    cis=("4.2",),
    bpg=("pods: Use multiple Pod Security Admission (PSA) modes",),
)

enforce_pod_security_admission = ResourceValidationPolicy(
    name="kubernetes-namespace-enforce-pod-security-admission",
    description="Namespaces must enforce the baseline or restricted Pod Security Standard with a Pod Security "
                "Admission label.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("kubernetes", "namespaces", "pod-security"),
    remediation_steps="Label the namespace pod-security.kubernetes.io/enforce: restricted (or baseline where "
                      "restricted is not yet possible), with warn and audit set to restricted.",
    url="https://docs.aws.amazon.com/eks/latest/best-practices/pod-security.html",
    config_schema=PolicyConfigSchema(properties={
        "minimumLevel": {"type": "string", "enum": ["baseline", "restricted"], "default": "baseline",
                         "description": "The least restrictive Pod Security Standard a namespace may enforce."},
        "exemptNamespaces": {"type": "array", "items": {"type": "string"}, "default": SYSTEM_NAMESPACES,
                             "description": "Namespaces this rule does not judge (Kubernetes' own)."}}),
)
