"""J14: pods do not mount a ServiceAccount token they do not need (CKV_K8S_38, CIS EKS 4.1.6).

A mounted token lets anyone who gets code execution in the container call the Kubernetes API as the pod's
ServiceAccount. Most applications never call the API, so the pod spec says
``automountServiceAccountToken: false`` (BPG iam "Disable auto-mounting of service account tokens", BPG pods
"Disable ServiceAccount token mounts").

The field can also be set on the ServiceAccount, and the pod's own setting wins over it. A resource policy
sees one resource at a time, so it cannot see a ``kubernetes:core/v1:ServiceAccount`` that the same program
creates with the field set: this rule judges the pod spec, which is also the setting that takes precedence.
Pods that must call the API (controllers, operators) are listed in ``allowedServiceAccounts`` by the
ServiceAccount they run as. A ``*Patch`` is judged only when it sets the field.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from _known import UNKNOWN, Deferred, known
from _metadata import RuleMetadata
from _pods import PodView
from _workloads import BPG_IAM_URL, config_schema, judge_pods, namespace_of, service_account
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity


def _allowed(view: PodView, config: Mapping[str, Any]) -> bool:
    allowed = {str(a) for a in config.get("allowedServiceAccounts", [])}
    if not allowed:
        return False
    name = known(service_account(view), f"{view.spec_path}.serviceAccountName",
                 "names a ServiceAccount this stack creates, and allowedServiceAccounts needs its name") or "default"
    namespace = namespace_of(view.args.props, view.args.provider)
    return name in allowed or (namespace is not UNKNOWN and f"{namespace}/{name}" in allowed)


def _judge(view: PodView, config: Mapping[str, Any], later: Deferred) -> Iterator[str]:
    automount = view.field("automountServiceAccountToken")
    if automount is False or (automount is None and view.partial):
        return
    if _allowed(view, config):
        return
    state = "is unset, which means true" if automount is None else f"is {str(automount).lower()}"
    yield (f"{view.describe()} mounts its ServiceAccount's API token into every container "
           f"({view.spec_path}.automountServiceAccountToken {state}), so code running in the pod can call the "
           "Kubernetes API with it. Set automountServiceAccountToken: false on the pod spec (a projected token "
           "volume can still give one container a short-lived, audience-bound token); if the pod must call the API, "
           "add its ServiceAccount to allowedServiceAccounts in the policy config.")


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    judge_pods(args, report, _judge)


METADATA = RuleMetadata(
    id="J14",
    aws_control="The EKS-managed API server issues bound, expiring ServiceAccount tokens",
    cis=("4.1.6",),
    bpg=("iam: Disable auto-mounting of service account tokens", "pods: Disable ServiceAccount token mounts"),
    checkov=("CKV_K8S_38",),
)

disable_service_account_token_automount = ResourceValidationPolicy(
    name="kubernetes-pod-disable-service-account-token-automount",
    description="Pod specs must set automountServiceAccountToken to false unless the pod needs the Kubernetes API.",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("kubernetes", "workloads", "identity"),
    remediation_steps="Set automountServiceAccountToken: false in the pod spec; list ServiceAccounts whose pods "
                      "call the Kubernetes API in allowedServiceAccounts.",
    url=BPG_IAM_URL,
    config_schema=config_schema(allowedServiceAccounts={
        "type": "array", "items": {"type": "string"}, "default": [],
        "description": "ServiceAccounts whose pods may mount their token: 'name' (any namespace) or "
                       "'namespace/name'."}),
)
