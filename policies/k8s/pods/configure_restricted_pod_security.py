"""X197: advice on pods that a restricted namespace would refuse (PSS restricted, every control).

The restricted controls (J5 "Privilege Escalation", J6 "Running as Non-root" and "Running as Non-root user",
J8 and J9's restricted parts "Capabilities" and "Seccomp", X193 "/proc Mount Type", X196 "Volume Types") are
judged by their own rules only on pods whose namespace enforces restricted. On pods of namespaces that enforce
baseline or privileged, Pod Security Admission admits them; this rule reports the same findings as advice, so
the gap to restricted stays visible without blocking the deployment (:mod:`_pss`). Advisory: a stack that
wants restricted everywhere raises the namespace's label, not this rule.
"""

from __future__ import annotations

from _metadata import RuleMetadata
from _pss import PSS_URL, config_schema, rule_validator
from pulumi_policy import Severity, StackValidationPolicy

from k8s.pods.disallow_privilege_escalation import CONTROLS as ESCALATION
from k8s.pods.disallow_restricted_volume_types import CONTROLS as VOLUMES
from k8s.pods.disallow_unmasked_proc_mount import CONTROLS as PROC_MOUNT
from k8s.pods.enable_seccomp_profile import CONTROLS as SECCOMP
from k8s.pods.enforce_minimal_capabilities import CONTROLS as CAPABILITIES
from k8s.pods.enforce_run_as_non_root import CONTROLS as NON_ROOT

RESTRICTED = [c for c in (*ESCALATION, *NON_ROOT, *CAPABILITIES, *SECCOMP, *PROC_MOUNT, *VOLUMES)
              if c.level == "restricted"]

METADATA = RuleMetadata(
    id="X197",
    aws_control="Pod Security Admission, built into and enabled on the EKS-managed API server",
    bpg=("pods: Use multiple Pod Security Admission (PSA) modes",),
    pss=tuple(dict.fromkeys(f"restricted: {c.name}" for c in RESTRICTED)),
)

configure_restricted_pod_security = StackValidationPolicy(
    name="kubernetes-pod-configure-restricted-pod-security",
    description="Pods in namespaces that enforce baseline or privileged should still meet the restricted standard "
                "(advice).",
    validate=rule_validator(RESTRICTED, advisory=True),
    severity=Severity.LOW,
    tags=METADATA.tags("kubernetes", "pod-security"),
    remediation_steps="Meet the restricted controls named in each finding, then label the namespace "
                      "pod-security.kubernetes.io/enforce: restricted.",
    url=PSS_URL,
    config_schema=config_schema(),
)
