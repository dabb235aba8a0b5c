"""L1: workloads are visible to policy: no ``kubernetes:helm.sh/v3:Release`` (derived from the pulumi-kubernetes
``helm.sh/v4`` Chart documentation).

A Helm Release is one Pulumi resource: the provider runs ``helm install`` and the Deployments, Roles and
Services the chart renders never become Pulumi resources, so no rule of this pack (pod security, RBAC,
images, namespaces) sees them, in a preview or in ``pulumi up``; only the Release's ``values`` are visible.
``kubernetes:helm.sh/v4:Chart`` (or ``yaml/v2``) renders the chart into registered resources instead, which
every policy checks ("This allows you to apply Pulumi Transformations and Pulumi Policies to the Kubernetes
resources"). Advisory: a Release is the right tool for charts that rely on Helm hooks or ``lookup``, which a
Chart does not run.
"""

from __future__ import annotations

from _known import UNKNOWN, get
from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

RELEASE = "kubernetes:helm.sh/v3:Release"


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != RELEASE:
        return
    chart = get(args.props, "chart")
    version = get(args.props, "version")
    shown = "" if chart is UNKNOWN or not chart else f" (chart {chart}{'' if version is UNKNOWN or not version else f' {version}'})"
    report(f"Helm Release '{args.name}'{shown} installs objects that are never Pulumi resources, so no policy "
           "(pod security, RBAC, images, namespaces) checks them, in preview or in `pulumi up`. Deploy the chart "
           "with kubernetes.helm.v4.Chart, which registers every rendered object as a resource; keep a Release only "
           "for charts that need Helm hooks or lookup, and review their manifests by hand.")


METADATA = RuleMetadata(
    id="L1",
    aws_control=("The EKS API server alone (Pod Security Admission still applies); a Release's objects never reach "
                 "this pack"),
)

disallow_release = ResourceValidationPolicy(
    name="kubernetes-helm-disallow-release",
    description="Helm charts should be deployed with helm.sh/v4 Chart, whose objects policies can check, not "
                "helm.sh/v3 Release.",
    validate=_validate,
    severity=Severity.LOW,
    tags=METADATA.tags("kubernetes", "helm", "policy-visibility", "derived"),
    remediation_steps="Replace kubernetes.helm.v3.Release with kubernetes.helm.v4.Chart (same chart, version and "
                      "values); charts that need hooks stay Releases and get a manual manifest review.",
    url="https://www.pulumi.com/registry/packages/kubernetes/api-docs/helm/v4/chart/",
)
