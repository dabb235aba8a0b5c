"""J16 (advisory): Secrets reach containers as mounted files, not environment variables (CKV_K8S_35, CIS EKS 4.4.1).

A Secret copied into the environment (``env[].valueFrom.secretKeyRef``, ``envFrom[].secretRef``) is kept
safely in the object, but the process then hands it on: to every child process, to crash dumps and debug
endpoints that print the environment, and to logs; and it is fixed for the life of the container, so a
rotated Secret needs a restart. A file from a secret volume, or from AWS Secrets Manager through the Secrets
Store CSI driver, avoids all of that (BPG data "Use volume mounts instead of environment variables").

This is advice, not a baseline: much software reads its credentials only from the environment. The literal
credential, which is always wrong, is the mandatory ``kubernetes-pod-disallow-literal-secrets-in-env``. A
Secret whose name is unknown at preview (one this stack creates) is still a Secret: presence decides.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from _known import UNKNOWN, Deferred, elements, get, is_set, known
from _metadata import RuleMetadata
from _pods import ContainerView, PodView
from _workloads import config_schema, each_container, judge_pods, where
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity


def _secret(reference: Any) -> str:
    name = get(reference, "name")
    return "a Secret this stack creates" if name is UNKNOWN or not name else f"Secret '{name}'"


def _judge(view: PodView, config: Mapping[str, Any], later: Deferred) -> Iterator[str]:
    def check(container: ContainerView) -> Iterator[str]:
        found = []
        for i, variable in enumerate(elements(known(container.get("env"), f"{container.path}.env"))):
            value_from = get(variable, "valueFrom")
            reference = get(value_from, "secretKeyRef")
            if value_from is not UNKNOWN and is_set(value_from, "secretKeyRef"):
                found.append(f"{get(variable, 'name')} from {_secret(reference)} (env[{i}].valueFrom.secretKeyRef)")
        for i, source in enumerate(elements(known(container.get("envFrom"), f"{container.path}.envFrom"))):
            if is_set(source, "secretRef"):
                found.append(f"every key of {_secret(get(source, 'secretRef'))} (envFrom[{i}].secretRef)")
        if found:
            yield (f"{where(view, container)} reads Secrets into environment variables: {'; '.join(found)}. The "
                   "environment is inherited by child processes and shows up in crash dumps and debug output, and "
                   "it never sees a rotated value. Prefer mounting the Secret as a file (a secret volume, or AWS "
                   "Secrets Manager through the Secrets Store CSI driver) and reading it from there.")

    yield from each_container(view, later, check)


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    judge_pods(args, report, _judge)


METADATA = RuleMetadata(
    id="J16",
    aws_control="Secrets Manager with the Secrets Store CSI driver, or Secrets envelope-encrypted by EKS with KMS",
    cis=("4.4.1",),
    bpg=("data: Use volume mounts instead of environment variables",),
    checkov=("CKV_K8S_35",),
)

configure_secrets_as_files = ResourceValidationPolicy(
    name="kubernetes-pod-configure-secrets-as-files",
    description="Containers should read Secrets from mounted files rather than environment variables.",
    validate=_validate,
    severity=Severity.LOW,
    tags=METADATA.tags("kubernetes", "workloads", "secrets"),
    remediation_steps="Mount the Secret as a volume (or use the Secrets Store CSI driver with AWS Secrets Manager) "
                      "and read the credential from the file instead of env valueFrom.secretKeyRef or "
                      "envFrom.secretRef.",
    url="https://docs.aws.amazon.com/eks/latest/best-practices/data-encryption-and-secrets-management.html",
    config_schema=config_schema(),
)
