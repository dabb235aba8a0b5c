"""Whole stacks: every environment synthesizes under preflight and passes its policy pack; bad config
stops the program with exit 2 before any resource is registered."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import FIXTURES, REPO, STACKS, preflight_json, run_preflight, scratch_program, shared_program

pytestmark = pytest.mark.e2e

#: (zones, NAT gateways, region) of the stacks this repository ships; any other stack file is held to what its
#: own config asks for.
ENVIRONMENTS = {"dev": (2, 1, "us-west-2"), "staging": (3, 3, "us-west-2"), "prod": (3, 3, "us-east-1")}
#: dev runs EKS Auto Mode; staging and prod run Karpenter (prod still retiring its `general` node group).
MODES = {"dev": "auto", "staging": "karpenter", "prod": "karpenter"}


def _config(stack: str) -> Any:
    """The stack file's validated config, read as the program reads it."""
    from tools.environments import load

    return load(stack)[0]


def _asked(stack: str) -> tuple[int, int, str]:
    """(zones, NAT gateways, region) the stack file asks for."""
    cfg = _config(stack)
    region = yaml.safe_load((REPO / f"Pulumi.{stack}.yaml").read_text())["config"]["aws:region"]
    return len(cfg.zones), len(cfg.zones) if cfg.highly_available_nat else 1, str(region)


@pytest.mark.parametrize("stack", STACKS)
def test_stack_synthesizes_and_passes_its_pack(stack: str) -> None:
    zones, nats, region = _asked(stack)
    assert ENVIRONMENTS.get(stack, (zones, nats, region)) == (zones, nats, region)
    code, data, stderr = preflight_json("--stack", stack, "--policy-pack-config",
                                        str(REPO / "policies" / "config" / f"{stack}.json"))
    assert code == 0, stderr
    assert data["summary"]["mandatoryViolations"] == 0
    assert data["summary"]["invalidManifests"] == 0
    by_type: dict[str, list[dict]] = {}  # type: ignore[type-arg]
    for r in data["resources"]:
        by_type.setdefault(r["type"], []).append(r)
    (network,) = by_type["eks-platform:components:Network"]
    assert network["urn"] == f"urn:pulumi:{stack}::eks-platform::eks-platform:components:Network::{stack}"
    assert len(by_type["aws:ec2/subnet:Subnet"]) == 2 * zones
    assert len(by_type["aws:ec2/natGateway:NatGateway"]) == nats
    assert all(s["inputs"]["availabilityZone"].startswith(region) for s in by_type["aws:ec2/subnet:Subnet"])
    children = [r for r in data["resources"] if "eks-platform:components:Network$" in r["urn"]]
    assert len(children) >= 20 and all(r["parent"] == network["urn"] for r in children), "parented to the component"
    assert not [r for r in data["resources"] if r["type"].startswith("aws:") and r["parent"] == data["resources"][0]["urn"]], \
        "no AWS resource is left outside a component"
    assert set(data["outputs"]) >= {"vpc_id", "private_subnet_ids", "public_subnet_ids", "cluster_name"}
    assert len(data["outputs"]["private_subnet_ids"]) == zones
    (cluster,) = by_type["aws:eks/cluster:Cluster"]
    vpc = cluster["inputs"]["vpcConfig"]
    assert vpc["endpointPrivateAccess"] is True
    if stack == "dev":
        assert vpc["endpointPublicAccess"] is True and vpc["publicAccessCidrs"] == ["203.0.113.0/24"]
    else:
        assert vpc["endpointPublicAccess"] is False and "publicAccessCidrs" not in vpc
    cfg = _config(stack)  # a stack this repository does not ship is held to what its own file asks for
    mode = MODES.get(stack, cfg.compute_mode)
    assert mode == cfg.compute_mode
    auto = mode == "auto"
    assert data["outputs"]["compute_mode"] == mode
    keys = by_type["aws:kms/key:Key"]
    assert {k["name"].removeprefix(f"{stack}-") for k in keys} == {
        "secrets-key", "logs-key", "flow-logs-key", "node-volume-key", "registry-key", "efs-key",
        *(["fsx-key", "ebs-key"] if stack != "dev" else ["auto-mode-volume-key"])}
    assert all(k["protect"] is k["retainOnDelete"] is (stack != "dev") for k in keys), "protected and kept outside dev"
    assert all(json.loads(k["inputs"]["policy"]) for k in keys), "every key has an explicit policy"
    repos = by_type["aws:ecr/repository:Repository"]
    assert {r["inputs"]["name"] for r in repos} == {f"{stack}/payments/api", f"{stack}/checkout/web"}
    assert all(r["protect"] is (stack != "dev") for r in repos)
    assert set(data["outputs"]["repository_urls"]) == {"payments/api", "checkout/web"}
    assert data["outputs"]["repository_urls"]["payments/api"].endswith(f".amazonaws.com/{stack}/payments/api")
    addons = {a["inputs"]["addonName"]: a for a in by_type["aws:eks/addon:Addon"]}
    # Auto Mode runs the data-plane add-ons and the EBS CSI driver itself; node groups repair with the agent.
    assert set(addons) == {"aws-efs-csi-driver", "metrics-server", *([] if auto else [
        "eks-pod-identity-agent", "vpc-cni", "kube-proxy", "coredns", "aws-ebs-csi-driver", "aws-fsx-csi-driver",
        "eks-node-monitoring-agent"])}
    classes = {c["inputs"]["metadata"]["name"]: c for c in by_type["kubernetes:storage.k8s.io/v1:StorageClass"]}
    assert data["outputs"]["storage_classes"] == {"ebs": "auto-ebs" if auto else "gp3", "efs": "efs",
                                                  **({"fsx": "fsx-lustre"} if stack != "dev" else {})}
    assert set(classes) == set(data["outputs"]["storage_classes"].values())
    assert {c["inputs"]["reclaimPolicy"] for c in classes.values()} == {"Delete" if stack == "dev" else "Retain"}
    file_systems = by_type["aws:efs/fileSystem:FileSystem"] + by_type.get("aws:fsx/lustreFileSystem:LustreFileSystem", [])
    assert len(file_systems) == (2 if stack == "prod" else 1), "prod adds a standing Lustre file system"
    assert all(fs["protect"] is fs["retainOnDelete"] is (stack != "dev") for fs in file_systems)
    assert all(g["inputs"].get("kmsKeyId") for g in by_type["aws:cloudwatch/logGroup:LogGroup"]), "logs encrypted"
    node_groups = by_type.get("aws:eks/nodeGroup:NodeGroup", [])
    assert len(node_groups) == {"dev": 0, "staging": 1, "prod": 2}.get(stack, len(cfg.node_groups)), \
        "the controller's group (+ prod's retiring)"
    assert all(ng["urn"] in addons["coredns"]["dependencies"] for ng in node_groups), "coredns waits for compute"
    assert all(ng["inputs"]["capacityType"] == "ON_DEMAND" for ng in node_groups)
    assert all(ng["inputs"]["nodeRepairConfig"] == {"enabled": True} for ng in node_groups), "auto repair on"
    assert all(len(ng["inputs"]["subnetIds"]) == zones for ng in node_groups), "node groups span every AZ"
    private = set(data["outputs"]["private_subnet_ids"])
    assert all(set(ng["inputs"]["subnetIds"]) == private for ng in node_groups), "nodes in every private subnet"
    if stack == "dev":
        (profile,) = by_type["aws:eks/fargateProfile:FargateProfile"]
        assert set(profile["inputs"]["subnetIds"]) == private
        assert data["outputs"]["ami_release_version"] == "1.35.0-20261101", "dev still resolves what staging promotes"
    else:
        assert all(ng["inputs"]["releaseVersion"] == "1.35.0-20261015" for ng in node_groups), "pinned, not latest"
        assert data["outputs"]["ami_release_version"] == "1.35.0-20261015"
        assert addons["coredns"]["inputs"]["addonVersion"] == "v1.12.5-eksbuild.1", "pinned"
    entry_types = sorted(e["inputs"]["type"] for e in by_type["aws:eks/accessEntry:AccessEntry"])
    nodes = {"dev": ["EC2"], "staging": ["EC2_LINUX"], "prod": ["EC2_LINUX", "EC2_LINUX"]}.get(
        stack, ["EC2" if auto else "EC2_LINUX"] + ["EC2_LINUX"] * len(cfg.self_managed_node_groups))
    assert entry_types == sorted(["STANDARD"] * 3 + nodes), "Karpenter's, Auto Mode's, the self-managed nodes' entries"
    assert len(by_type.get("eks:index:NodeGroupV2", [])) == (1 if stack == "prod" else 0), "prod: self-managed group"
    assert "eks-platform:components:ClusterAutoscaler" not in by_type, "Karpenter and Auto Mode scale nodes"
    assert len(by_type.get("eks-platform:components:Karpenter", [])) == (0 if auto else 1)
    assert len(by_type.get("eks-platform:components:AutoMode", [])) == (1 if auto else 0)
    pools = by_type["kubernetes:karpenter.sh/v1:NodePool"]
    assert all(p["inputs"]["spec"]["limits"]["cpu"] for p in pools) and pools
    assert "kubernetes:helm.sh/v4:Chart" in {n["type"] for n in data["notVisible"]}
    assert {r["inputs"]["metadata"]["name"] for r in by_type["kubernetes:core/v1:Namespace"]} == {"payments",
                                                                                                 "checkout"}
    namespaces = by_type["kubernetes:core/v1:Namespace"]
    assert all(n["aliases"] == [f"urn:pulumi:{stack}::eks-platform::eks-platform:components:Access"
                                f"$kubernetes:core/v1:Namespace::{stack}-access-ns-{n['inputs']['metadata']['name']}"]
               for n in namespaces), "moved from Access without replacing the namespaces"
    enforce = {n["inputs"]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] for n in namespaces}
    assert enforce == {"restricted" if stack == "prod" else "baseline"}
    apps = {w["name"]: w for w in by_type["kubernetes:apps/v1:Deployment"]}
    workloads = set(_config(stack).workloads)  # a new stack: the sample apps its own file declares
    assert set(apps) == {"dev": {"api"}, "staging": {"web"}, "prod": {"web", "worker"}}.get(stack, workloads) == workloads
    assert "eks-platform:components:PodAutoscaling" in by_type
    assert ("eks-platform:components:LoadBalancerController" in by_type) is not auto, "Auto Mode balances itself"
    if stack == "prod":
        assert "web-hpa" in {r["name"] for r in by_type["kubernetes:autoscaling/v2:HorizontalPodAutoscaler"]}
        assert apps["worker"]["inputs"]["spec"]["template"]["metadata"]["labels"]["eks-platform/compute"] == "fargate"
        assert by_type["kubernetes:networking.k8s.io/v1:Ingress"][0]["inputs"]["spec"]["ingressClassName"] == "alb"
    if stack == "dev":
        (nlb,) = [s for s in by_type["kubernetes:core/v1:Service"] if s["inputs"]["spec"]["type"] == "LoadBalancer"]
        assert nlb["inputs"]["spec"]["loadBalancerClass"] == "eks.amazonaws.com/nlb", "Auto Mode's NLB"
        assert "service.beta.kubernetes.io/aws-load-balancer-type" not in nlb["inputs"]["metadata"]["annotations"]
    policies = {p["name"]: p["enforcement"] for p in data["policyPacks"][0]["policies"]}
    assert policies["aws-ec2-securitygroup-disallow-public-internet-ingress"] == "mandatory"
    expected_flow = "advisory" if stack == "dev" else "mandatory"
    assert policies["aws-ec2-vpc-enable-flow-logs"] == expected_flow, "prod is mandatory where dev is advisory"


def test_make_preview_target_is_the_dev_stack_text_report() -> None:
    proc = run_preflight("--stack", "dev", "--policy-pack-config", str(REPO / "policies" / "config" / "dev.json"))
    assert proc.returncode == 0
    assert "eks-platform:components:Network" in proc.stdout
    assert "eks-platform@v0.1.0" in proc.stdout
    assert proc.stdout.rstrip().endswith("result: PASS")


VIOLATIONS = FIXTURES / "programs" / "violations"


@pytest.mark.parametrize(("env", "flow_level"), [("dev", "advisory"), ("prod", "mandatory")])
def test_real_pack_end_to_end_on_violating_program(env: str, flow_level: str) -> None:
    code, data, _ = preflight_json("--program", str(VIOLATIONS), "--policy-pack-config",
                                   str(REPO / "policies" / "config" / f"{env}.json"))
    assert code == 1
    found = {(v["policy"], v["urn"].split("::")[-1], v["enforcement"]) for v in data["violations"]}
    assert ("aws-ec2-securitygroup-disallow-public-internet-ingress", "ssh-open", "mandatory") in found
    assert ("aws-ec2-vpc-enable-flow-logs", "bare", flow_level) in found
    assert ("aws-ec2-securitygroup-missing-description", "ssh-open", "advisory") in found
    silent = {name for _, name, _ in found}
    assert "logged" not in silent and "internal" not in silent, "compliant resources raise nothing"
    ssh = next(v for v in data["violations"] if v["policy"].endswith("public-internet-ingress"))
    assert ssh["urn"] == "urn:pulumi:dev::violations::aws:ec2/securityGroup:SecurityGroup::ssh-open"
    assert "allows port 22/tcp from 0.0.0.0/0" in ssh["message"]


def _project_with(tmp_path: Path, overrides: dict[str, object]) -> Path:
    """A copy of this project whose 'bad' stack is dev's config with ``overrides`` applied."""
    scratch_program(tmp_path)
    stack = yaml.safe_load((REPO / "Pulumi.dev.yaml").read_text())
    for key, value in overrides.items():
        if value is None:  # None removes the key
            stack["config"].pop(f"eks-platform:{key}", None)
        else:
            stack["config"][f"eks-platform:{key}"] = value
    (tmp_path / "Pulumi.bad.yaml").write_text(yaml.safe_dump(stack))
    return tmp_path


COUNT_REGISTRATIONS = """
import json, sys
from pathlib import Path
from preflight.errors import PreflightError
from preflight.mockcloud import MockCloud
from preflight.monitor import RecordingMonitor
from preflight.project import load_project
from preflight.runner import run_program
results = {}
for where in sys.argv[1:]:
    project = load_project(Path(where), "bad")
    monitor = RecordingMonitor(MockCloud(), project.config)
    error = None
    try:
        run_program(project, monitor)
    except PreflightError as exc:
        error = str(exc)
    results[where] = {"error": error, "types": sorted({r.type for r in monitor.records.values()})}
print(json.dumps(results))
"""

#: (config overrides, the key the message names, a fragment of the message).
BAD_CONFIGS = [
    ({"vpcCidr": "10.0.0.0/33"}, "eks-platform:vpcCidr", "is not an IPv4 CIDR. Example: 10.20.0.0/16"),
    ({"vpcCidr": "100.0.0.0/16"}, "eks-platform:vpcCidr", "is not a private range"),
    ({"availabilityZones": 1}, "eks-platform:availabilityZones", "must be a whole number from 2 to 6"),
    ({"availabilityZones": 5, "zones": None}, "eks-platform:availabilityZones", "requested but the region has only 4"),
    ({"availabilityZones": 2, "zones": None}, "eks-platform:availabilityZones",
     "Pin the zones instead; this keeps today's CIDRs and resource names. Replace availabilityZones in the stack "
     "file with:\n    eks-platform:zones:\n      us-west-2a: 0\n      us-west-2b: 1"),
    ({"zones": {"us-west-2a": 0, "us-west-2z": 1}}, "eks-platform:zones.us-west-2z",
     "the region does not offer this zone (it offers us-west-2a (usw2-az1), us-west-2b (usw2-az2)"),
    ({"zones": {"us-west-2a": 0, "us-west-2b": 0}}, "eks-platform:zones", "slot(s) 0 given to more than one zone"),
    ({"zones": None}, "eks-platform:zones", "required: the availability zones to use"),
    ({"kubernetesVersion": "1.21"}, "eks-platform:kubernetesVersion", "is not a version EKS offers"),
    ({"kubernetesVersoin": "1.35"}, "eks-platform:kubernetesVersoin", "did you mean eks-platform:kubernetesVersion?"),
    ({"endpointPublicAcess": True}, "eks-platform:endpointPublicAcess",
     "did you mean eks-platform:endpointPublicAccess?"),
    ({"nodeGroups": [{"instanceTypes": ["m7i.large"]}]}, "eks-platform:nodeGroups", "never a list"),
    ({"nodeGroups": {"general": {"instanceTypes": [], "minSize": 1, "maxSize": 1}}},
     "eks-platform:nodeGroups.general.instanceTypes", "needs at least 1 entry, got 0"),
]


#: dev's config with values quoted in the stack file: read as the Pulumi CLI reads them (a number, a boolean).
QUOTED = {"logRetentionDays": "90", "highlyAvailableNat": "false", "protectStatefulResources": "false"}


def _config_projects(root: Path) -> None:
    """A project per BAD_CONFIGS case (``root/<index>``) and one with :data:`QUOTED` (``root/quoted``); then what
    each registers before its program stops, or in all (``registrations.json``), from one process running their
    programs one after the other with preflight's project loader and runner, as preflight runs a program's phases."""
    for index, (overrides, _, _) in enumerate(BAD_CONFIGS):
        _project_with(root / str(index), overrides)
    _project_with(root / "quoted", QUOTED)
    projects = [str(root / str(index)) for index in range(len(BAD_CONFIGS))] + [str(root / "quoted")]
    counted = subprocess.run([sys.executable, "-c", COUNT_REGISTRATIONS, *projects], capture_output=True, text=True,
                             cwd=REPO, check=True, timeout=600)
    (root / "registrations.json").write_text(counted.stdout.strip().splitlines()[-1])


def _registrations() -> tuple[Path, dict[str, Any]]:
    root = shared_program("config-cases", _config_projects)  # built once for the session
    return root, json.loads((root / "registrations.json").read_text())


@pytest.mark.parametrize(("overrides", "key", "fragment"), BAD_CONFIGS)
def test_bad_config_exits_2_naming_the_key_with_nothing_registered(
        overrides: dict[str, object], key: str, fragment: str) -> None:
    index = BAD_CONFIGS.index((overrides, key, fragment))
    root, registrations = _registrations()
    program = root / str(index)
    # The program stops on its config whatever the pack does: the first case runs with the pack starting beside
    # it (preflight's default here, as `make preview`), the others without one.
    pack = () if index == 0 else ("--no-policy-pack",)
    proc = run_preflight("--program", str(program), "--stack", "bad", *pack)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert key in proc.stderr and fragment in proc.stderr, proc.stderr
    result = registrations[str(program)]
    assert key in result["error"]
    assert result["types"] == ["pulumi:pulumi:Stack"], "no resource is registered before config is validated"
    good = registrations[str(root / "quoted")]
    assert good["error"] is None and "aws:eks/cluster:Cluster" in good["types"], \
        "the same process sees the resources of a good config"


def test_wrongly_typed_value_is_refused_like_the_cli(tmp_path: Path) -> None:
    program = _project_with(tmp_path, {"availabilityZones": "three"})
    proc = run_preflight("--program", str(program), "--stack", "bad")
    assert proc.returncode == 2
    assert "config key 'eks-platform:availabilityZones' must be of type integer" in proc.stderr


def test_without_policy_config_the_pack_raises_its_baselines_to_mandatory() -> None:
    code, data, _ = preflight_json("--program", str(VIOLATIONS))
    assert code == 1
    levels = {v["policy"]: v["enforcement"] for v in data["violations"]}
    assert levels == {"aws-ec2-securitygroup-disallow-public-internet-ingress": "mandatory",
                      "aws-ec2-vpc-enable-flow-logs": "mandatory",
                      "aws-ec2-securitygroup-missing-description": "advisory"}


ACCESS_VIOLATIONS = FIXTURES / "programs" / "access-violations"
EXPECTED_ISSUE3 = {
    "aws-eks-cluster-disallow-api-endpoint-public-access": "insecure-cluster",
    "aws-eks-cluster-configure-public-access-cidrs": "insecure-cluster",
    "aws-eks-cluster-enable-secrets-encryption": "insecure-cluster",
    "aws-eks-cluster-configure-secrets-key-rotation": "stale-key",
    "aws-eks-cluster-enable-control-plane-logging": "insecure-cluster",
    "aws-eks-cluster-configure-supported-version": "insecure-cluster",
    "aws-eks-cluster-enforce-access-entry-api": "insecure-cluster",
    "aws-eks-cluster-disable-creator-admin": "insecure-cluster",
    "aws-eks-accessentry-disallow-system-masters": "user-entry",
    "aws-eks-accessentry-disallow-iam-users": "user-entry",
    "aws-eks-accesspolicyassociation-configure-cluster-admin-allowlist": "stranger-admin",
    "aws-iam-role-configure-irsa-trust-scope": "wide-irsa",
    "aws-iam-role-disallow-public-trust": "public-trust",
    "aws-iam-policy-disallow-admin-wildcards": "admin-attachment",
    "kubernetes-rbac-disallow-wildcards": "too-much",
    "kubernetes-rbac-disallow-secrets-read": "too-much",
    "kubernetes-rbac-disallow-escalation-verbs": "too-much",
    "kubernetes-rbac-configure-cluster-admin-binding-allowlist": "admin-for-anyone",
    "kubernetes-rbac-disallow-anonymous-bindings": "admin-for-anyone",
    "kubernetes-rbac-disallow-default-service-account-binding": "default-sa",
}


def test_control_plane_and_access_rules_through_the_real_pack() -> None:
    code, data, stderr = preflight_json("--program", str(ACCESS_VIOLATIONS), "--policy-pack-config",
                                        str(REPO / "policies" / "config" / "prod.json"))
    assert code == 1, stderr
    found = {(v["policy"], v["urn"].split("::")[-1]) for v in data["violations"] if v["enforcement"] == "mandatory"}
    for policy, resource in EXPECTED_ISSUE3.items():
        assert (policy, resource) in found, (policy, resource)
    cluster_rules = {p for p in EXPECTED_ISSUE3 if p.startswith("aws-eks-cluster-") and "rotation" not in p}
    assert not {(p, r) for p, r in found if p in cluster_rules and r == "stale-key-cluster"}, \
        "the compliant cluster raises nothing but A4 (on its key)"


def test_compute_stack_policies_through_the_real_pack() -> None:
    code, data, stderr = preflight_json("--program", str(FIXTURES / "programs" / "compute-violations"),
                                        "--policy-pack-config", str(REPO / "policies" / "config" / "prod.json"))
    assert code == 1, stderr
    found: dict[tuple[str, str], str] = {}
    for v in data["violations"]:
        key = (v["policy"], v["urn"].split("::")[-1])
        found[key] = found.get(key, "") + v["message"] + "\n"
    assert "maps public IPs on launch" in found[("aws-eks-nodegroup-disallow-public-subnets", "public-nodes")]
    assert "routes 0.0.0.0/0 to an internet gateway" in found[("aws-eks-fargateprofile-disallow-public-subnets",
                                                               "public-fargate")]
    d2 = found[("aws-eks-fargateprofile-configure-minimal-pod-execution-role", "fat-role")]
    assert "trust statement 0 lets" in d2 and "AmazonS3FullAccess" in d2
    assert "does not scan images" in found[("aws-ecr-repository-enable-image-scan", "unscanned")]
    assert "has no lifecycle policy" in found[("aws-ecr-repository-configure-lifecycle-policy", "unscanned")]
    assert "AmazonEC2ContainerRegistryPowerUser" in found[("aws-iam-role-disallow-ecr-write-for-workloads",
                                                           "pushy-nodes-power")]
    for compliant in ("private-nodes", "private-fargate", "lean-role", "scanned"):
        assert not [k for k in found if k[1] == compliant], compliant


def test_quoted_scalars_are_read_as_the_cli_reads_them() -> None:
    # The whole program runs with them (preflight's loader and runner, in the process that runs the bad configs).
    root, registrations = _registrations()
    result = registrations[str(root / "quoted")]
    assert result["error"] is None, result["error"]
    assert {"aws:eks/cluster:Cluster", "aws:eks/addon:Addon", "aws:cloudwatch/logGroup:LogGroup"} <= \
        set(result["types"]), "the whole program ran"


def test_a_key_with_no_value_is_refused_not_defaulted(tmp_path: Path) -> None:
    program = _project_with(tmp_path, {})
    stack = program / "Pulumi.bad.yaml"
    stack.write_text(stack.read_text().replace("eks-platform:vpcCidr: 10.10.0.0/16", "eks-platform:vpcCidr: null"))
    proc = run_preflight("--program", str(program), "--stack", "bad", "--no-policy-pack")
    assert proc.returncode == 2
    assert 'preflight: warning: No value for configuration key "eks-platform:vpcCidr"' in proc.stderr
    assert "eks-platform:vpcCidr: '' is not an IPv4 CIDR" in proc.stderr
