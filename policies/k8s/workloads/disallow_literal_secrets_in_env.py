"""J16: no credential written as a literal environment variable in a pod spec (CKV_K8S_35, CIS EKS 4.4.1).

A literal ``env[].value`` is part of the workload object: anyone who can read Deployments (``view`` in most
namespaces), the Pulumi state and every ``kubectl get -o yaml`` sees it, and it cannot be rotated without a
rollout. A variable whose name says it holds a credential (``PASSWORD``, ``PASSWD``, ``SECRET``, ``TOKEN``,
``API_KEY``, ``APIKEY``, ``PRIVATE_KEY``, ``ACCESS_KEY``, ``CREDENTIAL(S)`` as a word of the name, in any case:
``DB_PASSWORD``, ``githubToken``, ``AWS_SECRET_ACCESS_KEY``) and a non-empty literal value fires. Names that
point at a secret instead of holding one (``DB_PASSWORD_FILE``, ``TOKEN_URL``, ``SECRET_ARN``, ``SECRET_NAME``)
and values that only reference another variable (``$(DB_PASSWORD)``) do not.

A value unknown at preview is an Output of another resource (a generated password, a secret config value
through ``apply``): it is not a literal written in the program, and this rule does not guess. Pulling a
Secret into the environment (``valueFrom.secretKeyRef``, ``envFrom[].secretRef``) is the advisory rule
``kubernetes-pod-configure-secrets-as-files``. A ``*Patch`` is judged on the variables it sets.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from _known import UNKNOWN, Deferred, elements, get, known
from _metadata import RuleMetadata
from _pods import ContainerView, PodView
from _workloads import config_schema, each_container, judge_pods, where
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

#: Words that mark a credential, matched against the name split into words (``_``, ``-``, ``.``, camelCase).
CREDENTIAL_WORDS = ("PASSWORD", "PASSWD", "SECRET", "TOKEN", "API_KEY", "APIKEY", "PRIVATE_KEY", "ACCESS_KEY",
                    "CREDENTIAL", "CREDENTIALS")
_CREDENTIAL = re.compile(r"(?:^|_)(" + "|".join(CREDENTIAL_WORDS) + r")(?:_|$)")
#: A last word that makes the variable a pointer to a credential, not the credential.
POINTER_WORDS = ("FILE", "PATH", "DIR", "ARN", "NAME", "URL", "URI", "ENDPOINT", "REF")
_REFERENCE = re.compile(r"^\$\([A-Za-z_][A-Za-z0-9_]*\)$")


def words(name: str) -> str:
    """``githubToken`` and ``db-password`` -> ``GITHUB_TOKEN``, ``DB_PASSWORD``."""
    snake = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return re.sub(r"[^A-Za-z0-9]+", "_", snake).strip("_").upper()


def is_credential_name(name: str) -> bool:
    normal = words(name)
    if not _CREDENTIAL.search(normal):
        return False
    return normal.rsplit("_", 1)[-1] not in POINTER_WORDS


def _judge(view: PodView, config: Mapping[str, Any], later: Deferred) -> Iterator[str]:
    def check(container: ContainerView) -> Iterator[str]:
        for i, variable in enumerate(elements(known(container.get("env"), f"{container.path}.env"))):
            path = f"{container.path}.env[{i}]"
            name = known(get(variable, "name"), f"{path}.name")
            value = get(variable, "value")
            if value is UNKNOWN or value is None or not isinstance(value, str) or not value.strip():
                continue  # an Output (not a literal), or no literal value at all
            if _REFERENCE.match(value.strip()) or name is None or not is_credential_name(str(name)):
                continue
            yield (f"{where(view, container)} sets {name} to a literal value ({path}.value): a credential written "
                   "into the workload is readable by anyone who can read the object or the Pulumi state, and "
                   "rotating it needs a rollout. Store it in a Secret (or AWS Secrets Manager through the Secrets "
                   "Store CSI driver) and mount it as a file; never put the value in the program.")

    yield from each_container(view, later, check)


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    judge_pods(args, report, _judge)


METADATA = RuleMetadata(
    id="J16",
    aws_control="Secrets Manager with the Secrets Store CSI driver, or Secrets envelope-encrypted by EKS with KMS",
    cis=("4.4.1",),
    bpg=("data: Use volume mounts instead of environment variables",),
    checkov=("CKV_K8S_35 (related)",),
)

disallow_literal_secrets_in_env = ResourceValidationPolicy(
    name="kubernetes-pod-disallow-literal-secrets-in-env",
    description="Containers must not set credentials (passwords, tokens, keys) as literal environment variable "
                "values.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("kubernetes", "workloads", "secrets"),
    remediation_steps="Move the value into a Kubernetes Secret or AWS Secrets Manager and mount it as a file "
                      "(secret volume or the Secrets Store CSI driver); rotate the exposed credential.",
    url="https://docs.aws.amazon.com/eks/latest/best-practices/data-encryption-and-secrets-management.html",
    config_schema=config_schema(),
)
