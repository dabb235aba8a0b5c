"""E6: load balancers terminate TLS (CIS EKS 5.4.5, BPG network "Use encryption with AWS Elastic load balancers").

* A ``Service`` of type ``LoadBalancer`` (NLB or Classic ELB) carries a certificate,
  ``service.beta.kubernetes.io/aws-load-balancer-ssl-cert``, and names its TLS listeners in
  ``service.beta.kubernetes.io/aws-load-balancer-ssl-ports`` (not empty).
* An ALB ``Ingress`` (class ``alb``) carries ``alb.ingress.kubernetes.io/certificate-arn`` and an HTTPS listener
  in ``alb.ingress.kubernetes.io/listen-ports`` (``[{"HTTPS": 443}]``).

A certificate ARN from a resource of the stack is unknown at the first preview: it is set, and presence decides.
"""

from __future__ import annotations

from _known import is_set, parse_json
from _metadata import RuleMetadata
from _network import (
    CERTIFICATE_ARN,
    LISTEN_PORTS,
    SSL_CERT,
    SSL_PORTS,
    annotations,
    is_alb_ingress,
    is_load_balancer_service,
    known_annotation,
    qualified_name,
)
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity


def _https_listener(listen_ports: str) -> bool | None:
    """Whether the listen-ports JSON has an HTTPS listener; None when it is not a JSON list of objects."""
    listeners = parse_json(listen_ports)
    if not isinstance(listeners, list) or not all(isinstance(x, dict) for x in listeners):
        return None
    return any("HTTPS" in x for x in listeners)


def _service(args: ResourceValidationArgs, report: ReportViolation, label: str) -> None:
    flaws = []
    if not is_set(annotations(args.props), SSL_CERT):
        flaws.append(f"no certificate ({SSL_CERT})")
    if not is_set(annotations(args.props), SSL_PORTS):
        flaws.append(f"no TLS listener ports ({SSL_PORTS} unset or empty)")
    if flaws:
        report(f"LoadBalancer {label} has {' and '.join(flaws)}, so its load balancer serves plaintext. Set "
               f"{SSL_CERT} to an ACM certificate ARN and {SSL_PORTS} to the TLS ports (e.g. \"443\").")


def _ingress(args: ResourceValidationArgs, report: ReportViolation, label: str) -> None:
    flaws = []
    if not is_set(annotations(args.props), CERTIFICATE_ARN):
        flaws.append(f"no certificate ({CERTIFICATE_ARN})")
    listen_ports = known_annotation(args.props, LISTEN_PORTS)
    if not listen_ports:
        flaws.append(f"no HTTPS listener ({LISTEN_PORTS} unset: HTTP on 80)")
    else:
        https = _https_listener(listen_ports)
        if https is None:
            flaws.append(f"an unreadable {LISTEN_PORTS} ({listen_ports!r} is not a JSON list of objects)")
        elif not https:
            flaws.append(f"no HTTPS listener ({LISTEN_PORTS} is {listen_ports})")
    if flaws:
        report(f"ALB {label} has {' and '.join(flaws)}, so its load balancer serves plaintext. Set "
               f"{CERTIFICATE_ARN} to an ACM certificate ARN and {LISTEN_PORTS} to '[{{\"HTTPS\": 443}}]' "
               "(with alb.ingress.kubernetes.io/ssl-redirect: \"443\" if HTTP must answer too).")


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if is_load_balancer_service(args.resource_type, args.props):
        _service(args, report, f"Service '{qualified_name(args.props, args.name, args.provider)}'")
    elif is_alb_ingress(args.resource_type, args.props):
        _ingress(args, report, f"Ingress '{qualified_name(args.props, args.name, args.provider)}'")


METADATA = RuleMetadata(
    id="E6",
    aws_control=("Elastic Load Balancing TLS listeners with ACM certificates (AWS terminates TLS and renews the "
                 "certificate)"),
    cis=("5.4.5",),
    bpg=("network: Use encryption with AWS Elastic load balancers",),
)

enable_load_balancer_tls = ResourceValidationPolicy(
    name="kubernetes-loadbalancer-enable-tls",
    description="LoadBalancer Services and ALB Ingresses must terminate TLS with a certificate.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("kubernetes", "network", "encryption", "in-transit"),
    remediation_steps="Services of type LoadBalancer: annotate service.beta.kubernetes.io/aws-load-balancer-ssl-cert "
                      "with an ACM certificate ARN and service.beta.kubernetes.io/aws-load-balancer-ssl-ports with "
                      "the TLS ports. ALB Ingresses: annotate alb.ingress.kubernetes.io/certificate-arn and "
                      "alb.ingress.kubernetes.io/listen-ports '[{\"HTTPS\": 443}]'.",
    url="https://docs.aws.amazon.com/eks/latest/best-practices/network-security.html",
)
