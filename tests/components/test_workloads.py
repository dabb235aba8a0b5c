"""Workload, Namespaces, the Load Balancer Controller and pod autoscaling under pulumi mocks.

Every Kubernetes object the components render is also validated against the OpenAPI schema of the cluster
version, as preflight validates them.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from components.load_balancer_controller import LoadBalancerController, LoadBalancerControllerArgs, controller_policy
from components.namespaces import Namespaces, NamespacesArgs, network_policies, psa_labels
from components.pod_autoscaling import PodAutoscaling, PodAutoscalingArgs
from components.workload import AlbSpec, HpaSpec, NlbSpec, VpaSpec, Workload, WorkloadArgs
from preflight.k8s import validate_object
from tests.conftest import synth

IMAGE = "123456789012.dkr.ecr.us-west-2.amazonaws.com/dev/payments/api@sha256:" + "ab" * 32
CERT = "arn:aws:acm:us-west-2:123456789012:certificate/6a1c2f0e-8d2b-4d0a-9c1e-2f4b7d9e0a11"


def _provider() -> pulumi.ProviderResource:
    return pulumi.ProviderResource("kubernetes", "k8s", {"kubeconfig": "{}"})


def _args(**kwargs: Any) -> WorkloadArgs:
    return WorkloadArgs(namespace="payments", image=kwargs.pop("image", IMAGE),
                        kubernetes_provider=kwargs.pop("provider", None), cluster_name="eks-test", **kwargs)  # type: ignore[arg-type]


def _valid(mocks: Any, name: str) -> dict[str, Any]:
    """The object's inputs, after checking them against the Kubernetes 1.35 schema."""
    created = mocks.created[name]
    errors = validate_object(f"urn:{name}", created.typ, json.loads(json.dumps(created.inputs)), "1.35")
    assert not errors, [e.message for e in errors or []]
    return created.inputs


def test_deployment_is_hardened_spread_and_budgeted(mocks) -> None:  # type: ignore[no-untyped-def]
    synth(lambda: Workload("api", _args(provider=_provider(), env={"LOG_LEVEL": "info"})))
    deployment = _valid(mocks, "api")
    pod = deployment["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "api" and pod["automountServiceAccountToken"] is False
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] >= 10000
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    (container,) = pod["containers"]
    security = container["securityContext"]
    assert security["allowPrivilegeEscalation"] is False and security["readOnlyRootFilesystem"] is True
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert container["resources"]["requests"] == {"cpu": "100m", "memory": "128Mi"}
    assert container["resources"]["limits"] == {"memory": "256Mi"}
    assert container["env"] == [{"name": "LOG_LEVEL", "value": "info"}]
    assert container["readinessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    (spread,) = pod["topologySpreadConstraints"]
    assert spread["topologyKey"] == "topology.kubernetes.io/zone"
    assert deployment["spec"]["replicas"] == 2
    account = _valid(mocks, "api-sa")
    assert account["automountServiceAccountToken"] is False
    budget = _valid(mocks, "api-pdb")
    assert budget["spec"] == {"minAvailable": 1, "selector": deployment["spec"]["selector"]}
    assert "api-role" not in mocks.created and "api-nlb" not in mocks.created and "api-ingress" not in mocks.created


def test_hpa_and_vpa_never_scale_the_same_metric(mocks) -> None:  # type: ignore[no-untyped-def]
    synth(lambda: Workload("web", _args(provider=_provider(), hpa=HpaSpec(min_replicas=3, max_replicas=9),
                                        vpa=VpaSpec(mode="Off"))))
    hpa = _valid(mocks, "web-hpa")["spec"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (3, 9)
    assert [m["resource"]["name"] for m in hpa["metrics"]] == ["cpu"]
    vpa = mocks.created["web-vpa"].inputs
    assert (vpa["apiVersion"], vpa["kind"]) == ("autoscaling.k8s.io/v1", "VerticalPodAutoscaler")
    (policy,) = vpa["spec"]["resourcePolicy"]["containerPolicies"]
    assert policy["controlledResources"] == ["memory"], "the HPA owns CPU"
    assert vpa["spec"]["updatePolicy"] == {"updateMode": "Off"}
    assert mocks.created["web"].inputs["spec"]["replicas"] == 3


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"hpa": HpaSpec(cpu_utilization=70, memory_utilization=80), "vpa": VpaSpec()}, "never a resource the HPA"),
    ({"hpa": HpaSpec(cpu_utilization=70), "vpa": VpaSpec(resources=("cpu",))}, "never a resource the HPA"),
    ({"image": "docker.io/library/nginx:1.27"}, "not an image of an ECR repository"),
    ({"image": IMAGE.split("@")[0] + ":latest"}, "'latest' moves"),
    ({"replicas": 1}, "at least 2"),
    ({"port": 80}, "unprivileged port"),
    ({"exposure": NlbSpec(certificate_arn=CERT, internet_facing=True)}, "needs source_ranges"),
    ({"exposure": AlbSpec(certificate_arn=CERT, inbound_cidrs=("0.0.0.0/0",))}, "not the whole internet"),
])
def test_workload_args_refuse_unsafe_or_conflicting_specs(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _args(**kwargs)


def test_nlb_service_is_an_internal_tls_nlb_with_ip_targets(mocks) -> None:  # type: ignore[no-untyped-def]
    synth(lambda: Workload("api", _args(provider=_provider(), exposure=NlbSpec(certificate_arn=CERT))))
    service = _valid(mocks, "api-nlb")
    annotations = service["metadata"]["annotations"]
    prefix = "service.beta.kubernetes.io/aws-load-balancer-"
    assert (annotations[f"{prefix}type"], annotations[f"{prefix}nlb-target-type"],
            annotations[f"{prefix}scheme"]) == ("external", "ip", "internal")
    assert annotations[f"{prefix}ssl-cert"] == CERT and annotations[f"{prefix}ssl-ports"] == "443"
    assert service["spec"]["type"] == "LoadBalancer"
    pod_labels = mocks.created["api"].inputs["spec"]["template"]["metadata"]["labels"]
    assert pod_labels["eks-platform/exposed"] == "true", "the namespace's load-balancer allow selects it"


def test_alb_ingress_redirects_to_https_with_ip_targets(mocks) -> None:  # type: ignore[no-untyped-def]
    synth(lambda: Workload("web", _args(provider=_provider(), exposure=AlbSpec(
        certificate_arn=CERT, internet_facing=True, host="shop.example.com", group="public"))))
    ingress = _valid(mocks, "web-ingress")
    annotations = ingress["metadata"]["annotations"]
    prefix = "alb.ingress.kubernetes.io/"
    assert ingress["spec"]["ingressClassName"] == "alb"
    assert annotations[f"{prefix}target-type"] == "ip" and annotations[f"{prefix}scheme"] == "internet-facing"
    assert json.loads(annotations[f"{prefix}listen-ports"]) == [{"HTTP": 80}, {"HTTPS": 443}]
    assert annotations[f"{prefix}ssl-redirect"] == "443" and annotations[f"{prefix}certificate-arn"] == CERT
    assert annotations[f"{prefix}group.name"] == "public"
    assert ingress["spec"]["rules"][0]["host"] == "shop.example.com"
    assert _valid(mocks, "web-svc")["spec"]["type"] == "ClusterIP"


def test_fargate_workloads_carry_the_profile_label_and_roles_use_pod_identity(mocks) -> None:  # type: ignore[no-untyped-def]
    policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sqs:ReceiveMessage", "Resource": "arn:aws:sqs:us-west-2:123456789012:jobs"}]})
    synth(lambda: Workload("worker", _args(provider=_provider(), fargate=True, role_policy=policy)))
    template = _valid(mocks, "worker")["spec"]["template"]
    assert template["metadata"]["labels"]["eks-platform/compute"] == "fargate"
    assert "nodeSelector" not in template["spec"], "Fargate schedules by profile, not node labels"
    association = mocks.created["worker-pod-identity"].inputs
    assert (association["namespace"], association["serviceAccount"]) == ("payments", "worker")
    trust = json.loads(mocks.created["worker-role"].inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "pods.eks.amazonaws.com"}


# -- Namespaces ------------------------------------------------------------------------------

def test_namespaces_are_fenced_budgeted_and_labelled(mocks) -> None:  # type: ignore[no-untyped-def]
    moved = "urn:pulumi:test::eks-platform::eks-platform:components:Access$kubernetes:core/v1:Namespace::x-ns-payments"
    synth(lambda: Namespaces("ns", NamespacesArgs(namespaces=["payments", "checkout"], kubernetes_provider=_provider(),
                                                  vpc_cidr="10.20.0.0/16", pod_security="baseline",
                                                  moved_from={"payments": moved})))
    labels = _valid(mocks, "ns-payments")["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "baseline"
    assert labels["pod-security.kubernetes.io/warn"] == labels["pod-security.kubernetes.io/audit"] == "restricted"
    for role in ("default-deny", "allow-dns", "allow-aws", "allow-load-balancer"):
        _valid(mocks, f"ns-checkout-{role}")
    deny = mocks.created["ns-payments-default-deny"].inputs["spec"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    quota = _valid(mocks, "ns-payments-quota")["spec"]["hard"]
    assert {"requests.cpu", "requests.memory", "limits.memory", "pods"} <= set(quota)
    _valid(mocks, "ns-payments-limits")


def test_network_policy_allows_are_narrow() -> None:
    policies = network_policies("payments", "10.20.0.0/16")
    dns = policies["allow-dns"]["egress"][0]
    assert {p["port"] for p in dns["ports"]} == {53}
    agent, https = policies["allow-aws"]["egress"]
    assert agent["to"] == [{"ipBlock": {"cidr": "169.254.170.23/32"}}] and agent["ports"] == [{"protocol": "TCP", "port": 80}]
    assert https == {"ports": [{"protocol": "TCP", "port": 443}]}
    balancers = policies["allow-load-balancer"]
    assert balancers["podSelector"] == {"matchLabels": {"eks-platform/exposed": "true"}}
    assert balancers["ingress"] == [{"from": [{"ipBlock": {"cidr": "10.20.0.0/16"}}]}]
    assert psa_labels("restricted")["pod-security.kubernetes.io/enforce"] == "restricted"


def test_namespaces_refuse_kubernetes_own() -> None:
    with pytest.raises(ValueError, match="kube-system belong"):
        NamespacesArgs(namespaces=["kube-system"], kubernetes_provider=None, vpc_cidr="10.0.0.0/16")  # type: ignore[arg-type]


# -- cluster add-ons -------------------------------------------------------------------------

def test_load_balancer_controller_role_chart_and_policy(mocks) -> None:  # type: ignore[no-untyped-def]
    synth(lambda: LoadBalancerController("lbc", LoadBalancerControllerArgs(
        cluster_name="eks-test", region="us-west-2", vpc_id="vpc-0123", kubernetes_provider=_provider())))
    association = mocks.created["lbc-pod-identity"].inputs
    assert (association["namespace"], association["serviceAccount"]) == ("kube-system", "aws-load-balancer-controller")
    chart = mocks.created["lbc-chart"]
    assert chart.typ == "kubernetes:helm.sh/v4:Chart" and chart.inputs["version"] == "1.13.4"
    assert chart.inputs["values"]["clusterName"] == "eks-test" and chart.inputs["values"]["vpcId"] == "vpc-0123"
    statements = json.loads(controller_policy("aws"))["Statement"]
    actions = [a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])]
    assert not [a for a in actions if "*" in a], "every action spelled out"
    owned = next(s for s in statements if s["Sid"] == "OwnBalancers")
    assert owned["Condition"] == {"Null": {"aws:ResourceTag/elbv2.k8s.aws/cluster": "false"}}
    assert "elasticloadbalancing:DeleteLoadBalancer" in owned["Action"], "deletes only what it tagged"


def test_pod_autoscaling_installs_metrics_server_add_on_and_vpa_chart(mocks) -> None:  # type: ignore[no-untyped-def]
    synth(lambda: PodAutoscaling("pa", PodAutoscalingArgs(cluster="eks-test", kubernetes_version="1.35",
                                                         kubernetes_provider=_provider())))
    assert mocks.created["pa-metrics-server"].inputs["addonName"] == "metrics-server"
    assert mocks.created["pa-vpa"].typ == "kubernetes:helm.sh/v4:Chart"
    with pytest.raises(ValueError, match="nothing to install"):
        PodAutoscalingArgs(cluster="c", kubernetes_version="1.35", kubernetes_provider=None,  # type: ignore[arg-type]
                           metrics_server=False, vpa=False)
