"""J27: no alpha or beta Kubernetes APIs (PCP ``kubernetes-*-disallow-alpha-resource``, ``…-disallow-beta-resource``).

An alpha API is off by default (EKS never turns alpha feature gates on) and may change or vanish in any
release; a beta API is removed a few releases after its stable version ships, and an EKS upgrade past that
release fails to apply the program (``batch/v1beta1`` CronJob and ``policy/v1beta1`` PodDisruptionBudget
were removed in 1.25, with PodSecurityPolicy). The version in the resource's type token says which API it
uses (``kubernetes:batch/v1beta1:CronJob``; ``*Patch`` variants too).

Only Kubernetes' own API groups, which pulumi-kubernetes generates types for, are judged: a
CustomResourceDefinition's kinds (``kubernetes:cert-manager.io/v1alpha2:Certificate``,
``kubernetes:autoscaling.k8s.io/v1beta2:VerticalPodAutoscaler``) are versioned by their project, not by
Kubernetes releases, and are not applicable.
"""

from __future__ import annotations

import re

from _metadata import RuleMetadata
from _workloads import object_name
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

#: The API groups of pulumi-kubernetes' generated types (its SDK modules); ``core`` is the legacy group ``v1``.
KUBERNETES_GROUPS = frozenset({
    "admissionregistration.k8s.io", "apiextensions.k8s.io", "apiregistration.k8s.io", "apiregistration", "apps",
    "auditregistration.k8s.io", "authentication.k8s.io", "authorization.k8s.io", "autoscaling", "batch",
    "certificates.k8s.io", "coordination.k8s.io", "core", "discovery.k8s.io", "events.k8s.io", "extensions",
    "flowcontrol.apiserver.k8s.io", "internal.apiserver.k8s.io", "lifecycle.k8s.io", "meta", "networking.k8s.io",
    "node.k8s.io", "policy", "rbac.authorization.k8s.io", "resource.k8s.io", "scheduling.k8s.io",
    "settings.k8s.io", "storage.k8s.io", "storagemigration.k8s.io",
})
_TOKEN = re.compile(r"^kubernetes:(?P<group>[^/:]+)/(?P<version>v\d+(?:(?P<stage>alpha|beta)\d*)?):(?P<kind>\w+)$")

#: Stable replacements of pre-release APIs that were removed, by (group/version, kind).
REPLACEMENTS = {
    ("batch/v1beta1", "CronJob"): "batch/v1 CronJob (v1beta1 was removed in Kubernetes 1.25)",
    ("batch/v2alpha1", "CronJob"): "batch/v1 CronJob",
    ("policy/v1beta1", "PodDisruptionBudget"): "policy/v1 PodDisruptionBudget (v1beta1 was removed in 1.25)",
    ("policy/v1beta1", "PodSecurityPolicy"): "Pod Security Admission namespace labels (PodSecurityPolicy was "
                                             "removed in 1.25)",
    ("autoscaling/v2beta1", "HorizontalPodAutoscaler"): "autoscaling/v2 HorizontalPodAutoscaler (v2beta1 was removed "
                                                        "in 1.25)",
    ("autoscaling/v2beta2", "HorizontalPodAutoscaler"): "autoscaling/v2 HorizontalPodAutoscaler (v2beta2 was removed "
                                                        "in 1.26)",
    ("discovery.k8s.io/v1beta1", "EndpointSlice"): "discovery.k8s.io/v1 EndpointSlice (v1beta1 was removed in 1.25)",
    ("networking.k8s.io/v1beta1", "Ingress"): "networking.k8s.io/v1 Ingress (v1beta1 was removed in 1.22)",
    ("extensions/v1beta1", "Ingress"): "networking.k8s.io/v1 Ingress (extensions/v1beta1 was removed in 1.22)",
    ("storage.k8s.io/v1beta1", "CSIStorageCapacity"): "storage.k8s.io/v1 CSIStorageCapacity (v1beta1 was removed "
                                                      "in 1.27)",
}


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    match = _TOKEN.match(args.resource_type)
    if match is None or match["stage"] is None or match["group"] not in KUBERNETES_GROUPS:
        return
    group_version = f"{match['group']}/{match['version']}"
    kind = match["kind"]
    base = kind.removesuffix("Patch")
    stable = REPLACEMENTS.get((group_version, base), f"the stable (v1, v2 ...) version of {base}")
    stage = match["stage"]
    risk = ("alpha APIs are off in EKS and may change or vanish in any release" if stage == "alpha" else
            "beta APIs are removed a few releases after the stable version ships, and the cluster upgrade that "
            "removes it makes this program fail to apply")
    report(f"{kind} '{object_name(args.props, args.name)}' uses the {stage} API {group_version} "
           f"({args.resource_type}): {risk}. Use {stable}; `kubectl api-resources` lists what the cluster serves.")


METADATA = RuleMetadata(
    id="J27",
    aws_control=("EKS control-plane upgrades: AWS serves only the APIs of the cluster's Kubernetes version, alpha APIs"
                 " off"),
    pcp=("kubernetes-*-disallow-alpha-resource", "kubernetes-*-disallow-beta-resource"),
)

disallow_alpha_beta_versions = ResourceValidationPolicy(
    name="kubernetes-api-disallow-alpha-beta-versions",
    description="Kubernetes resources must use stable API versions, not alpha or beta ones.",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("kubernetes", "lifecycle", "upgrades"),
    remediation_steps="Move the resource to the stable version of its API group (e.g. batch/v1 CronJob, policy/v1 "
                      "PodDisruptionBudget, autoscaling/v2 HorizontalPodAutoscaler).",
    url="https://kubernetes.io/docs/reference/using-api/deprecation-guide/",
)
