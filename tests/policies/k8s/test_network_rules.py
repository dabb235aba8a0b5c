"""Kubernetes network rules: E4 (default-deny NetworkPolicy per namespace, a stack policy), E6 (TLS on
LoadBalancer Services and ALB Ingresses), E7 (internet-facing load balancers only where config allows).

Each rule: silent on a compliant object, firing on one changed field with a message naming the object, the flaw
and the fix, and deciding at a first preview where a certificate ARN is unknown (``UNKNOWN_STRING_VALUE``).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from _known import Undecided
from _network import service_is_internet_facing
from pulumi_policy import ResourceValidationArgs
from pulumi_policy.policy import PolicyProviderResource
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from k8s.network.disallow_public_load_balancer import disallow_public_load_balancer
from k8s.network.enable_load_balancer_tls import enable_load_balancer_tls
from k8s.network.missing_default_deny_network_policy import missing_default_deny_network_policy as e4
from tests.policies.fixtures import _opts, run, stack_args, stack_resource, urn_of

SERVICE = "kubernetes:core/v1:Service"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
NAMESPACE = "kubernetes:core/v1:Namespace"
NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
CERT = "arn:aws:acm:us-west-2:111111111111:certificate/0f0e0d0c-0b0a-0908-0706-050403020100"
S = "service.beta.kubernetes.io/"
A = "alb.ingress.kubernetes.io/"


def messages(policy: Any, args: Any) -> list[str]:
    return [message for message, _ in run(policy, args)]


def args_of(token: str, props: dict[str, Any], config: dict[str, Any] | None = None) -> ResourceValidationArgs:
    name = props["metadata"].get("name", "subject")
    return ResourceValidationArgs(token, unknown_checking_proxy(props), urn_of(token, name), name, _opts(), None,
                                  config or {})


def service(annotations: dict[str, str], name: str = "api", namespace: str | None = "payments",
            **spec: Any) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "annotations": annotations}
    if namespace is not None:
        metadata["namespace"] = namespace
    return {"metadata": metadata, "spec": {"type": "LoadBalancer", "selector": {"app": name},
                                           "ports": [{"port": 443, "targetPort": 8443}], **spec}}


def ingress(annotations: dict[str, str], name: str = "web", cls: str | None = "alb") -> dict[str, Any]:
    spec: dict[str, Any] = {"rules": [{"http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {
        "service": {"name": name, "port": {"number": 443}}}}]}}]}
    if cls is not None:
        spec["ingressClassName"] = cls
    return {"metadata": {"name": name, "namespace": "payments", "annotations": annotations}, "spec": spec}


#: Internal NLB through the AWS Load Balancer Controller, TLS on 443, clients from the VPN only.
TLS_NLB = {S + "aws-load-balancer-type": "external", S + "aws-load-balancer-scheme": "internal",
           S + "aws-load-balancer-ssl-cert": CERT, S + "aws-load-balancer-ssl-ports": "443"}
TLS_ALB = {A + "scheme": "internal", A + "certificate-arn": CERT, A + "listen-ports": '[{"HTTPS": 443}]'}


def changed(base: dict[str, str], **changes: str | None) -> dict[str, str]:
    """``base`` with annotations changed (keys use ``_`` for ``-``, with the prefix dropped); None removes one."""
    out = copy.deepcopy(base)
    prefix = S if any(k.startswith(S) for k in base) else A
    for key, value in changes.items():
        full = prefix + key.replace("_", "-")
        if value is None:
            out.pop(full, None)
        else:
            out[full] = value
    return out


# --- E6 TLS ------------------------------------------------------------------------------------------------------

def test_e6_silent_on_tls_load_balancers() -> None:
    assert messages(enable_load_balancer_tls, args_of(SERVICE, service(TLS_NLB))) == []
    assert messages(enable_load_balancer_tls, args_of(INGRESS, ingress(TLS_ALB))) == []


def test_e6_a_certificate_unknown_at_preview_is_present() -> None:
    nlb = changed(TLS_NLB, aws_load_balancer_ssl_cert=UNKNOWN_STRING_VALUE)
    alb = changed(TLS_ALB, certificate_arn=UNKNOWN_STRING_VALUE)
    assert messages(enable_load_balancer_tls, args_of(SERVICE, service(nlb))) == []
    assert messages(enable_load_balancer_tls, args_of(INGRESS, ingress(alb))) == []


def test_e6_fires_on_a_plaintext_nlb() -> None:
    annotations = changed(TLS_NLB, aws_load_balancer_ssl_cert=None, aws_load_balancer_ssl_ports=None)
    (message,) = messages(enable_load_balancer_tls, args_of(SERVICE, service(annotations, name="plaintext-nlb")))
    assert message.startswith(f"LoadBalancer Service 'payments/plaintext-nlb' has no certificate ({S}aws-load-"
                              f"balancer-ssl-cert) and no TLS listener ports ({S}aws-load-balancer-ssl-ports unset "
                              "or empty), so its load balancer serves plaintext. Set ")


def test_e6_fires_on_empty_ssl_ports() -> None:
    (message,) = messages(enable_load_balancer_tls, args_of(SERVICE, service(changed(TLS_NLB,
                                                                                     aws_load_balancer_ssl_ports=""))))
    assert "has no TLS listener ports" in message and "no certificate" not in message


def test_e6_names_the_default_namespace() -> None:
    (message,) = messages(enable_load_balancer_tls, args_of(SERVICE, service({}, namespace=None)))
    assert message.startswith("LoadBalancer Service 'default/api' has no certificate")


@pytest.mark.parametrize("kind", ["ClusterIP", "NodePort"])
def test_e6_ignores_services_without_a_load_balancer(kind: str) -> None:
    assert messages(enable_load_balancer_tls, args_of(SERVICE, service({}, type=kind))) == []


@pytest.mark.parametrize(("changes", "fragment"), [
    ({"certificate_arn": None}, f"has no certificate ({A}certificate-arn), so"),
    ({"listen_ports": None}, f"has no HTTPS listener ({A}listen-ports unset: HTTP on 80)"),
    ({"listen_ports": '[{"HTTP": 80}]'}, f"has no HTTPS listener ({A}listen-ports is [{{\"HTTP\": 80}}])"),
    ({"listen_ports": "HTTPS:443"}, "an unreadable"),
])
def test_e6_fires_on_a_plaintext_alb(changes: dict[str, str | None], fragment: str) -> None:
    (message,) = messages(enable_load_balancer_tls, args_of(INGRESS, ingress(changed(TLS_ALB, **changes))))
    assert message.startswith("ALB Ingress 'payments/web' has ")
    assert fragment in message
    assert "'[{\"HTTPS\": 443}]'" in message


def test_e6_an_https_listener_next_to_http_is_tls() -> None:
    annotations = changed(TLS_ALB, listen_ports='[{"HTTP": 80}, {"HTTPS": 443}]')
    assert messages(enable_load_balancer_tls, args_of(INGRESS, ingress(annotations))) == []


def test_e6_alb_by_legacy_class_annotation_and_other_classes_ignored() -> None:
    legacy = ingress({"kubernetes.io/ingress.class": "alb"}, cls=None)
    assert len(messages(enable_load_balancer_tls, args_of(INGRESS, legacy))) == 1
    assert messages(enable_load_balancer_tls, args_of(INGRESS, ingress({}, cls="nginx"))) == []
    assert messages(enable_load_balancer_tls, args_of(INGRESS, ingress({}, cls=None))) == []


def test_e6_an_unknown_listen_ports_is_undecided() -> None:
    annotations = changed(TLS_ALB, listen_ports=UNKNOWN_STRING_VALUE)
    with pytest.raises(Undecided, match="listen-ports"):
        run(enable_load_balancer_tls, args_of(INGRESS, ingress(annotations)))


# --- E7 public load balancers ---------------------------------------------------------------------------------------

def test_e7_silent_on_internal_load_balancers() -> None:
    assert messages(disallow_public_load_balancer, args_of(SERVICE, service(TLS_NLB))) == []
    assert messages(disallow_public_load_balancer, args_of(INGRESS, ingress(TLS_ALB))) == []


@pytest.mark.parametrize(("annotations", "spec", "public"), [
    ({}, {}, True),  # in-tree controller: internet-facing by default
    ({S + "aws-load-balancer-type": "nlb"}, {}, True),  # in-tree NLB
    ({S + "aws-load-balancer-type": "external"}, {}, False),  # AWS Load Balancer Controller: internal by default
    ({S + "aws-load-balancer-type": "nlb-ip"}, {}, False),
    ({}, {"loadBalancerClass": "service.k8s.aws/nlb"}, False),
    ({}, {"loadBalancerClass": "eks.amazonaws.com/nlb"}, False),  # EKS Auto Mode: internal by default
    ({S + "aws-load-balancer-scheme": "internet-facing"}, {"loadBalancerClass": "eks.amazonaws.com/nlb"}, True),
    ({S + "aws-load-balancer-internal": "true"}, {}, False),
    ({S + "aws-load-balancer-type": "external", S + "aws-load-balancer-scheme": "internet-facing"}, {}, True),
    ({S + "aws-load-balancer-scheme": "internal"}, {}, False),
])
def test_e7_service_scheme(annotations: dict[str, str], spec: dict[str, Any], public: bool) -> None:
    props = unknown_checking_proxy(service(annotations, **spec))
    assert service_is_internet_facing(props) is public


def test_e7_fires_on_an_open_internet_facing_service() -> None:
    annotations = {**TLS_NLB, S + "aws-load-balancer-scheme": "internet-facing"}
    (message,) = messages(disallow_public_load_balancer, args_of(SERVICE, service(annotations, name="open-nlb")))
    assert message == ("LoadBalancer Service 'payments/open-nlb' is internet-facing and open to every address. Make "
                       f"it internal (annotate {S}aws-load-balancer-scheme: internal, or set "
                       "spec.loadBalancerSourceRanges to the client CIDRs), or add \"payments/open-nlb\" to "
                       "allowedPublic in the stack's policy config if it must serve the internet.")


def test_e7_fires_on_an_in_tree_service_without_a_scheme() -> None:
    assert len(messages(disallow_public_load_balancer, args_of(SERVICE, service({})))) == 1


@pytest.mark.parametrize(("ranges", "fires"), [
    (["203.0.113.0/24"], False), (["203.0.113.0/24", "0.0.0.0/0"], True), (["::/0"], True), ([], True)])
def test_e7_source_ranges_restrict_a_public_service(ranges: list[str], fires: bool) -> None:
    props = service({S + "aws-load-balancer-scheme": "internet-facing"}, loadBalancerSourceRanges=ranges)
    assert bool(messages(disallow_public_load_balancer, args_of(SERVICE, props))) is fires


def test_e7_legacy_source_ranges_annotation() -> None:
    props = service({S + "load-balancer-source-ranges": "203.0.113.0/24, 198.51.100.0/24"})
    assert messages(disallow_public_load_balancer, args_of(SERVICE, props)) == []


def test_e7_fires_on_an_open_internet_facing_alb() -> None:
    annotations = changed(TLS_ALB, scheme="internet-facing")
    (message,) = messages(disallow_public_load_balancer, args_of(INGRESS, ingress(annotations, name="open-alb")))
    assert message.startswith("ALB Ingress 'payments/open-alb' is internet-facing and open to every address. Make it "
                              f"internal (set {A}scheme: internal, or {A}inbound-cidrs to the client CIDRs)")


@pytest.mark.parametrize(("cidrs", "fires"), [("203.0.113.0/24", False), ("10.0.0.0/8,0.0.0.0/0", True), ("", True)])
def test_e7_inbound_cidrs_restrict_a_public_alb(cidrs: str, fires: bool) -> None:
    annotations = changed(TLS_ALB, scheme="internet-facing", inbound_cidrs=cidrs)
    assert bool(messages(disallow_public_load_balancer, args_of(INGRESS, ingress(annotations)))) is fires


@pytest.mark.parametrize(("allowed", "fires"), [
    (["payments/api"], False), (["payments/*"], False), (["*/api"], False), (["payments/web"], True),
    (["pay*/api-*"], True), ([], True)])
def test_e7_allowed_public_globs(allowed: list[str], fires: bool) -> None:
    props = service({S + "aws-load-balancer-scheme": "internet-facing"})
    found = messages(disallow_public_load_balancer, args_of(SERVICE, props, {"allowedPublic": allowed}))
    assert bool(found) is fires


def test_e7_allowed_public_matches_the_default_namespace() -> None:
    props = service({}, namespace=None)
    assert messages(disallow_public_load_balancer, args_of(SERVICE, props, {"allowedPublic": ["default/api"]})) == []


def test_e7_ignores_other_services_and_ingress_classes() -> None:
    assert messages(disallow_public_load_balancer, args_of(SERVICE, service({}, type="ClusterIP"))) == []
    public_nginx = ingress({A + "scheme": "internet-facing"}, cls="nginx")
    assert messages(disallow_public_load_balancer, args_of(INGRESS, public_nginx)) == []


def test_e7_an_unknown_scheme_is_undecided() -> None:
    with pytest.raises(Undecided, match="aws-load-balancer-scheme"):
        run(disallow_public_load_balancer, args_of(SERVICE, service({S + "aws-load-balancer-scheme":
                                                                     UNKNOWN_STRING_VALUE})))


# --- E4 default-deny NetworkPolicy (stack) --------------------------------------------------------------------------

def namespace(name: str, resource: str | None = None) -> Any:
    return stack_resource(NAMESPACE, resource or name, {"metadata": {"name": name}})


def netpol(resource: str, ns: str | None, types: list[str] | None = None, selector: dict[str, Any] | None = None,
           depends_on: Any = None, **rules: Any) -> Any:
    metadata: dict[str, Any] = {"name": resource}
    if ns is not None:
        metadata["namespace"] = ns
    spec: dict[str, Any] = {"podSelector": {} if selector is None else selector, **rules}
    if types is not None:
        spec["policyTypes"] = types
    deps = {"metadata": [depends_on]} if depends_on is not None else None
    return stack_resource(NETPOL, resource, {"metadata": metadata, "spec": spec}, deps)


def deployment(name: str, ns: str | None, depends_on: Any = None) -> Any:
    metadata: dict[str, Any] = {"name": name}
    if ns is not None:
        metadata["namespace"] = ns
    deps = {"metadata": [depends_on]} if depends_on is not None else None
    return stack_resource(DEPLOYMENT, name, {"metadata": metadata, "spec": {"template": {"spec": {"containers": []}}}},
                          deps)


def e4_run(resources: list[Any], require_egress: bool = False) -> list[tuple[str, str | None]]:
    return run(e4, stack_args(resources, {"requireEgress": require_egress}))


def test_e4_silent_with_a_default_deny_policy() -> None:
    sealed = namespace("sealed-ns")
    assert e4_run([sealed, netpol("sealed-ns-default-deny", "sealed-ns", ["Ingress", "Egress"])], True) == []


def test_e4_fires_on_a_namespace_without_one_on_its_urn() -> None:
    sealed, open_ns = namespace("sealed-ns"), namespace("open-ns")
    ((message, urn),) = e4_run([sealed, open_ns, netpol("deny", "sealed-ns", ["Ingress"])])
    assert urn == open_ns.urn
    assert message == ("Namespace 'open-ns' has no default-deny NetworkPolicy for Ingress: every pod in it accepts "
                       "traffic from any pod of the cluster. Add a NetworkPolicy in it with podSelector: {} and "
                       "policyTypes: [Ingress] and no rules, then allow what each workload needs.")


def test_e4_skips_system_namespaces() -> None:
    assert e4_run([namespace("kube-system"), namespace("kube-public"), namespace("kube-node-lease"),
                   deployment("coredns", "kube-system")]) == []


def test_e4_require_egress() -> None:
    sealed = namespace("sealed-ns")
    ingress_only = netpol("deny-ingress", "sealed-ns", ["Ingress"])
    assert e4_run([sealed, ingress_only]) == []
    ((message, urn),) = e4_run([sealed, ingress_only], require_egress=True)
    assert urn == sealed.urn
    assert message.startswith("Namespace 'sealed-ns' has no default-deny NetworkPolicy for Egress (it denies Ingress "
                              "only): every pod in it can reach any pod of the cluster and the internet. Add a "
                              "NetworkPolicy in it with podSelector: {} and policyTypes: [Ingress, Egress]")
    # two policies may share the directions
    assert e4_run([sealed, ingress_only, netpol("deny-egress", "sealed-ns", ["Egress"])], require_egress=True) == []


def test_e4_without_policy_types_kubernetes_takes_ingress_and_egress_when_it_has_egress_rules() -> None:
    sealed = namespace("sealed-ns")
    assert e4_run([sealed, netpol("deny", "sealed-ns")]) == []
    assert len(e4_run([sealed, netpol("deny", "sealed-ns")], require_egress=True)) == 1
    only_dns = [{"ports": [{"port": 53, "protocol": "UDP"}]}]
    assert e4_run([sealed, netpol("deny", "sealed-ns", egress=only_dns)], require_egress=True) == []


@pytest.mark.parametrize("policy", [
    netpol("web-only", "sealed-ns", ["Ingress"], selector={"matchLabels": {"app": "web"}}),
    netpol("web-only", "sealed-ns", ["Ingress"], selector={"matchExpressions": [
        {"key": "app", "operator": "In", "values": ["web"]}]}),
    netpol("allow-all", "sealed-ns", ["Ingress"], ingress=[{}]),
    netpol("other-ns", "open-ns", ["Ingress"]),
    netpol("in-default", None, ["Ingress"]),
], ids=["labels", "expressions", "allow-all-rule", "other-namespace", "default-namespace"])
def test_e4_policies_that_are_not_a_default_deny_here(policy: Any) -> None:
    sealed = namespace("sealed-ns")
    found = [(m, u) for m, u in e4_run([sealed, policy]) if u == sealed.urn]
    assert len(found) == 1


def test_e4_rules_that_allow_some_traffic_keep_the_default_deny() -> None:
    sealed = namespace("sealed-ns")
    from_ingress_ns = [{"from": [{"namespaceSelector": {"matchLabels": {"name": "ingress"}}}]}]
    assert e4_run([sealed, netpol("mostly-deny", "sealed-ns", ["Ingress"], ingress=from_ingress_ns)]) == []


def test_e4_namespaces_used_by_workloads() -> None:
    ((message, urn),) = e4_run([deployment("web", "apps"), deployment("worker", "apps")])
    assert urn is None, "a namespace the stack does not create is reported on the stack"
    assert message.startswith("Namespace 'apps', used by Deployment 'web' (and 1 more), has no default-deny "
                              "NetworkPolicy for Ingress")
    assert e4_run([deployment("web", "apps"), netpol("deny", "apps", ["Ingress"])]) == []
    ((message, _),) = e4_run([deployment("web", None)])
    assert message.startswith("Namespace 'default', used by Deployment 'web', has no default-deny")


def test_e4_workload_in_a_namespace_of_the_stack_is_reported_once_on_the_namespace() -> None:
    apps = namespace("apps")
    ((message, urn),) = e4_run([apps, deployment("web", "apps")])
    assert urn == apps.urn and "used by Deployment 'web'" in message


def test_e4_follows_the_property_dependency_when_the_namespace_is_unknown() -> None:
    apps = namespace("apps")
    policy = netpol("deny", UNKNOWN_STRING_VALUE, ["Ingress"], depends_on=apps)
    web = deployment("web", UNKNOWN_STRING_VALUE, depends_on=apps)
    assert e4_run([apps, policy, web]) == []
    ((_, urn),) = e4_run([apps, web])
    assert urn == apps.urn


def test_e4_decides_what_it_can_then_names_the_undecided_policy() -> None:
    open_ns, sealed = namespace("open-ns"), namespace("sealed-ns")
    unknown_types = netpol("deny", "sealed-ns", [UNKNOWN_STRING_VALUE])
    found: list[tuple[str, str | None]] = []
    with pytest.raises(Undecided, match=r"NetworkPolicy 'deny': \.spec\.policyTypes"):
        e4.validate(stack_args([open_ns, sealed, unknown_types], {}), lambda m, u=None: found.append((m, u)))
    assert [u for _, u in found] == [open_ns.urn], "open-ns is decided before the undecided one is named"


def test_e4_names_both_directions_and_an_auto_named_namespace_by_its_resource() -> None:
    auto = stack_resource(NAMESPACE, "team-ns", {"metadata": {"name": UNKNOWN_STRING_VALUE}})
    ((message, urn),) = e4_run([auto], require_egress=True)
    assert urn == auto.urn
    assert message.startswith("Namespace 'team-ns' has no default-deny NetworkPolicy for Ingress and Egress: every "
                              "pod in it accepts traffic from, and can reach, any pod of the cluster.")


def test_e4_a_stack_without_namespaces_or_workloads_is_silent() -> None:
    assert e4_run([stack_resource(SERVICE, "svc", service({}))]) == []


# --- a Kubernetes provider's default namespace -------------------------------------------------------------------

PROVIDER = PolicyProviderResource("pulumi:providers:kubernetes", unknown_checking_proxy({"namespace": "apps"}),
                                  "urn:pulumi:dev::eks-platform::pulumi:providers:kubernetes::apps", "apps")


def test_e4_places_objects_without_a_namespace_in_their_provider_s_default() -> None:
    web = deployment("web", None)
    web.provider = PROVIDER
    deny = netpol("deny", None, ["Ingress"])
    deny.provider = PROVIDER
    assert e4_run([web, deny]) == []
    ((message, _),) = e4_run([web])
    assert message.startswith("Namespace 'apps', used by Deployment 'web', has no default-deny")


def test_e7_allowlist_uses_the_provider_s_default_namespace() -> None:
    props = service({}, namespace=None)
    args = ResourceValidationArgs(SERVICE, unknown_checking_proxy(props), urn_of(SERVICE, "api"), "api", _opts(),
                                  PROVIDER, {"allowedPublic": ["apps/api"]})
    assert messages(disallow_public_load_balancer, args) == []
