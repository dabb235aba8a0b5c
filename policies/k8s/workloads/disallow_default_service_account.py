"""J15: pods run as a dedicated ServiceAccount, never a namespace's ``default`` one (CKV_K8S_41, CIS EKS 4.1.5).

Every pod that names no ServiceAccount runs as ``default``, so whatever RBAC or IAM (IRSA, Pod Identity)
permission one of them is given, all of them get (BPG iam "Use dedicated service accounts for each
application"). A pod spec with ``serviceAccountName`` unset or ``default`` fires; a ``*Patch`` only when it
sets one of them to ``default``. A name unknown at preview is that of a ServiceAccount this stack creates (and
auto-names): a dedicated one.

The ``default`` ServiceAccount itself (a ``ServiceAccount`` or ``ServiceAccountPatch`` named ``default``) must
not mount its token: CIS 4.1.5 asks for ``automountServiceAccountToken: false`` on it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from _known import UNKNOWN, Deferred, get, known
from _metadata import RuleMetadata
from _pods import PodView
from _workloads import (
    BPG_IAM_URL,
    config_schema,
    exempt_namespaces,
    judge_pods,
    kind_of,
    namespace_of,
    object_name,
    service_account,
)
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

SERVICE_ACCOUNTS = {"kubernetes:core/v1:ServiceAccount", "kubernetes:core/v1:ServiceAccountPatch"}


def _judge(view: PodView, config: Mapping[str, Any], later: Deferred) -> Iterator[str]:
    name = service_account(view)
    if name is UNKNOWN or (name is None and view.partial):
        return
    if name is None or str(name) == "default":
        state = "is unset" if name is None else "is \"default\""
        yield (f"{view.describe()} runs as the namespace's default ServiceAccount ({view.spec_path}.serviceAccountName "
               f"{state}), which every pod without its own account shares, so any permission given to one is given "
               "to all. Create a ServiceAccount for this workload and set serviceAccountName to it.")


def _default_account(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if object_name(args.props, "") != "default":
        return
    namespace = namespace_of(args.props, args.provider)
    if namespace is not UNKNOWN and namespace in exempt_namespaces(args.get_config()):
        args.not_applicable(f"namespace '{namespace}' is in exemptNamespaces")
    automount = known(get(args.props, "automountServiceAccountToken"), "automountServiceAccountToken")
    patch = kind_of(args.resource_type).endswith("Patch")
    if automount is False or (automount is None and patch):
        return
    where = "" if namespace is UNKNOWN else f" of namespace '{namespace}'"
    state = "unset (the default mounts it)" if automount is None else str(automount).lower()
    report(f"{kind_of(args.resource_type)} 'default'{where} lets pods mount its token (automountServiceAccountToken "
           f"is {state}): every pod that names no ServiceAccount gets a Kubernetes API token. Set "
           "automountServiceAccountToken: false on the default ServiceAccount (a ServiceAccountPatch).")


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type in SERVICE_ACCOUNTS:
        _default_account(args, report)
    else:
        judge_pods(args, report, _judge)


METADATA = RuleMetadata(
    id="J15",
    aws_control="EKS Pod Identity and IRSA scope AWS credentials to a ServiceAccount",
    cis=("4.1.5",),
    bpg=("iam: Use dedicated service accounts for each application",),
    checkov=("CKV_K8S_41",),
)

disallow_default_service_account = ResourceValidationPolicy(
    name="kubernetes-pod-disallow-default-service-account",
    description="Pods must run as a dedicated ServiceAccount, and the default ServiceAccount must not mount its "
                "token.",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("kubernetes", "workloads", "identity"),
    remediation_steps="Create a ServiceAccount per application and set serviceAccountName to it; patch each "
                      "namespace's default ServiceAccount with automountServiceAccountToken: false.",
    url=BPG_IAM_URL,
    config_schema=config_schema(),
)
