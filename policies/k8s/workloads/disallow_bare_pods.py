"""J19: no bare Pods (PCP ``kubernetes-core-v1-pod-disallow-pod``).

A Pod created directly has no controller: when its node fails, is drained for an upgrade or is replaced by
Karpenter or a node-group rollout, the pod is gone for good, and nothing rolls out a new version of it. A
Deployment (or a StatefulSet, a DaemonSet) keeps the wanted number running; a Job runs work to completion
and retries it. A ``PodPatch`` changes a pod that exists already and is not judged.
"""

from __future__ import annotations

from _metadata import RuleMetadata
from _workloads import namespace_of, object_name
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

POD = "kubernetes:core/v1:Pod"


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != POD:
        return
    namespace = namespace_of(args.props, args.provider)
    where = "" if not isinstance(namespace, str) else f" in namespace '{namespace}'"
    report(f"Pod '{object_name(args.props, args.name)}'{where} is a bare Pod: no controller recreates it when its "
           "node fails, is drained or is replaced, and nothing rolls out a new version of it. Run it as a "
           "Deployment (or a StatefulSet or DaemonSet), or as a Job for work that runs to completion.")


METADATA = RuleMetadata(
    id="J19",
    aws_control="The EKS-managed controller manager recreates pods that a controller owns",
    pcp=("kubernetes-core-v1-pod-disallow-pod",),
)

disallow_bare_pods = ResourceValidationPolicy(
    name="kubernetes-pod-disallow-bare-pods",
    description="Pods must be created by a controller (Deployment, StatefulSet, DaemonSet, Job), not directly.",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("kubernetes", "workloads", "reliability"),
    remediation_steps="Replace the Pod with a Deployment (long-running) or a Job (run to completion) whose pod "
                      "template is the Pod's spec.",
    url="https://kubernetes.io/docs/concepts/workloads/pods/#working-with-pods",
)
