"""E7: internet-facing load balancers only where the stack's policy config allows them (PCP
``kubernetes-core-v1-service-disallow-load-balancer``; pulumi/examples ``no-public-services``).

A load balancer is internet-facing when:

* a ``Service`` of type ``LoadBalancer`` says ``service.beta.kubernetes.io/aws-load-balancer-scheme:
  internet-facing``, or has no scheme and is served by the in-tree controller, whose default is internet-facing
  (the AWS Load Balancer Controller, chosen by ``aws-load-balancer-type: external``/``nlb-ip`` or
  ``loadBalancerClass: service.k8s.aws/nlb``, and EKS Auto Mode, chosen by ``loadBalancerClass:
  eks.amazonaws.com/nlb``, default to internal);
* an ALB ``Ingress`` says ``alb.ingress.kubernetes.io/scheme: internet-facing`` (the default is internal).

It is allowed when its ``namespace/name`` matches a glob of ``allowedPublic``, or when it admits only listed
sources: ``spec.loadBalancerSourceRanges`` (Service) or ``alb.ingress.kubernetes.io/inbound-cidrs`` (Ingress)
set and without ``0.0.0.0/0`` or ``::/0``.
"""

from __future__ import annotations

from _metadata import RuleMetadata
from _network import (
    ALB_SCHEME,
    INBOUND_CIDRS,
    SCHEME,
    ingress_is_internet_facing,
    ingress_source_ranges,
    is_alb_ingress,
    is_load_balancer_service,
    matches_any,
    namespace_of,
    object_name,
    restricts_sources,
    service_is_internet_facing,
    service_source_ranges,
)
from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if is_load_balancer_service(args.resource_type, args.props):
        if not service_is_internet_facing(args.props) or restricts_sources(service_source_ranges(args.props)):
            return
        what, fix = "LoadBalancer Service", (f"annotate {SCHEME}: internal, or set spec.loadBalancerSourceRanges "
                                             "to the client CIDRs")
    elif is_alb_ingress(args.resource_type, args.props):
        if not ingress_is_internet_facing(args.props) or restricts_sources(ingress_source_ranges(args.props)):
            return
        what, fix = "ALB Ingress", f"set {ALB_SCHEME}: internal, or {INBOUND_CIDRS} to the client CIDRs"
    else:
        return
    qualified = f"{namespace_of(args.props, args.provider)}/{object_name(args.props, args.name)}"
    if matches_any(qualified, [str(g) for g in args.get_config().get("allowedPublic", [])]):
        return
    report(f"{what} '{qualified}' is internet-facing and open to every address. Make it internal ({fix}), or "
           f"add \"{qualified}\" to allowedPublic in the stack's policy config if it must serve the internet.")


METADATA = RuleMetadata(
    id="E7",
    aws_control=("Elastic Load Balancing schemes: AWS provisions an internal or internet-facing load balancer as "
                 "annotated"),
    pcp=("kubernetes-core-v1-service-disallow-load-balancer",),
)

disallow_public_load_balancer = ResourceValidationPolicy(
    name="kubernetes-loadbalancer-disallow-public-access",
    description="LoadBalancer Services and ALB Ingresses must be internal or source-restricted unless allowlisted.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("kubernetes", "network"),
    remediation_steps="Make the load balancer internal (service.beta.kubernetes.io/aws-load-balancer-scheme: "
                      "internal; alb.ingress.kubernetes.io/scheme: internal), restrict its sources "
                      "(spec.loadBalancerSourceRanges; alb.ingress.kubernetes.io/inbound-cidrs) without 0.0.0.0/0, "
                      "or allowlist its namespace/name in allowedPublic.",
    url="https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/annotations/",
    config_schema=PolicyConfigSchema(properties={
        "allowedPublic": {"type": "array", "items": {"type": "string"}, "default": [],
                          "description": "\"namespace/name\" globs of Services and Ingresses that may be "
                                         "internet-facing and open to every address."}}),
)
