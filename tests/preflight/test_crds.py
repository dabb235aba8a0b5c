"""Custom resources of issue 16 validated against the CRD schemas preflight ships (preflight/crds/): a misspelt
field is an invalid manifest at the first preview, even when the object holds values unknown until ``pulumi up``.
"""

from __future__ import annotations

import copy
import json
import runpy
from pathlib import Path
from typing import Any

import pytest

from preflight import k8s
from tests.conftest import REPO, preflight_json
from tests.policies.fixtures import GOLDEN

CRDS = REPO / "preflight" / "crds"
EC2NC = "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass"
NC = "kubernetes:eks.amazonaws.com/v1:NodeClass"
POOL = "kubernetes:karpenter.sh/v1:NodePool"
PARAMS = "kubernetes:eks.amazonaws.com/v1:IngressClassParams"
INGRESS_PARAMS = {"apiVersion": "eks.amazonaws.com/v1", "kind": "IngressClassParams", "metadata": {"name": "alb"},
                  "spec": {"scheme": "internal", "ipAddressType": "ipv4", "group": {"name": "platform"},
                           "certificateARNs": ["arn:aws:acm:us-west-2:111111111111:certificate/abc"],
                           "subnets": {"ids": ["subnet-0aaaaaaaaaaaaaaaa"]},
                           "tags": [{"key": "team", "value": "platform"}]}}


def test_the_committed_schemas_are_the_generator_s_output() -> None:
    generator = runpy.run_path(str(CRDS / "generate.py"))
    committed = sorted(p.name for p in CRDS.glob("*.json"))
    assert committed == sorted(generator["SCHEMAS"])
    for name, doc in generator["SCHEMAS"].items():
        assert (CRDS / name).read_text(encoding="utf-8") == generator["render"](doc), \
            f"{name} is stale: run python preflight/crds/generate.py"


@pytest.mark.parametrize("path", sorted(CRDS.glob("*.json")), ids=lambda p: p.name)
def test_each_schema_names_its_source_and_date(path: Path) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["source"] and doc["date"] == "2026-12-06"
    group, version = doc["apiVersion"].split("/")
    assert path.name == f"{group}_{version}_{doc['kind'].lower()}.json"
    assert doc["schema"]["properties"]["spec"]["additionalProperties"] is False


def test_the_package_declares_the_schemas_as_package_data() -> None:
    import tomllib

    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert "crds/*.json" in data["tool"]["setuptools"]["package-data"]["preflight"]


def errors(token: str, manifest: dict[str, Any]) -> list[tuple[str, str]]:
    found = k8s.validate_object("urn:x", token, manifest, "1.35")
    assert found is not None, token
    return [(e.path, e.message) for e in found]


@pytest.mark.parametrize(("token", "manifest"), [(EC2NC, GOLDEN[EC2NC]), (NC, GOLDEN[NC]), (POOL, GOLDEN[POOL]),
                                                 (PARAMS, INGRESS_PARAMS)], ids=["EC2NodeClass", "NodeClass",
                                                                                 "NodePool", "IngressClassParams"])
def test_the_objects_as_the_components_write_them_are_valid(token: str, manifest: dict[str, Any]) -> None:
    assert errors(token, copy.deepcopy(manifest)) == []
    assert k8s.is_custom_resource(token) and not k8s.is_custom_resource("kubernetes:apps/v1:Deployment")


def _changed(token: str, change: Any) -> dict[str, Any]:
    manifest = copy.deepcopy(GOLDEN[token])
    change(manifest["spec"])
    return manifest


@pytest.mark.parametrize(("token", "change", "path", "fragment"), [
    (POOL, lambda s: s["disruption"].update(consolidationPolicyy="WhenEmpty"), "spec.disruption",
     "Additional properties are not allowed ('consolidationPolicyy' was unexpected)"),
    (POOL, lambda s: s["disruption"].update(consolidationPolicy="Always"), "spec.disruption.consolidationPolicy",
     "'Always' is not one of ['WhenEmpty', 'WhenEmptyOrUnderutilized', 'Balanced']"),
    (POOL, lambda s: s["template"]["spec"].update(expireAfter="30d"), "spec.template.spec.expireAfter",
     "'30d' does not match"),
    (POOL, lambda s: s["template"]["spec"].pop("nodeClassRef"), "spec.template.spec",
     "'nodeClassRef' is a required property"),
    (POOL, lambda s: s.update(weight=500), "spec.weight", "500 is greater than the maximum of 100"),
    (EC2NC, lambda s: s["metadataOptions"].update(httpToken="required"), "spec.metadataOptions",
     "Additional properties are not allowed ('httpToken' was unexpected)"),
    (EC2NC, lambda s: s["metadataOptions"].update(httpPutResponseHopLimit=0),
     "spec.metadataOptions.httpPutResponseHopLimit", "0 is less than the minimum of 1"),
    (EC2NC, lambda s: s["blockDeviceMappings"][0]["ebs"].update(kmsKeyId="k"), "spec.blockDeviceMappings.0.ebs",
     "('kmsKeyId' was unexpected)"),
    (EC2NC, lambda s: s.pop("amiSelectorTerms"), "spec", "'amiSelectorTerms' is a required property"),
    (NC, lambda s: s["ephemeralStorage"].update(kmsKeyId="k"), "spec.ephemeralStorage", "('kmsKeyId' was unexpected)"),
    (NC, lambda s: s.update(networkPolicy="Deny"), "spec.networkPolicy",
     "'Deny' is not one of ['DefaultAllow', 'DefaultDeny']"),
])
def test_a_misspelt_or_invalid_field_is_an_error(token: str, change: Any, path: str, fragment: str) -> None:
    found = errors(token, _changed(token, change))
    assert len(found) == 1 and found[0][0] == path and fragment in found[0][1], found


def test_values_unknown_at_preview_are_not_judged_but_misspelt_keys_are() -> None:
    manifest = _changed(EC2NC, lambda s: s.update(role=k8s.UNKNOWN))
    manifest["spec"]["blockDeviceMappings"][0]["ebs"]["kmsKeyID"] = k8s.UNKNOWN
    manifest["spec"]["subnetSelectorTerms"] = k8s.UNKNOWN
    assert errors(EC2NC, manifest) == []
    manifest["spec"]["metadataOptions"]["httpToken"] = k8s.UNKNOWN
    assert [p for p, _ in errors(EC2NC, manifest)] == ["spec.metadataOptions"]


PROGRAM = """
import pulumi_aws as aws
import pulumi_kubernetes as k8s

role = aws.iam.Role("nodes", assume_role_policy='{"Version": "2012-10-17", "Statement": []}')
key = aws.kms.Key("volumes")
k8s.apiextensions.CustomResource("default", api_version="karpenter.k8s.aws/v1", kind="EC2NodeClass",
    metadata={"name": "default"},
    spec={"role": role.name, "amiSelectorTerms": [{"alias": "al2023@v20261015"}],
          "subnetSelectorTerms": [{"tags": {"karpenter.sh/discovery": "eks-dev"}}],
          "securityGroupSelectorTerms": [{"tags": {"karpenter.sh/discovery": "eks-dev"}}],
          "metadataOptions": {"%(tokens)s": "required", "httpPutResponseHopLimit": 1},
          "blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"volumeSize": "50Gi", "encrypted": True,
                                                                       "kmsKeyID": key.arn}}]})
k8s.apiextensions.CustomResource("general", api_version="karpenter.sh/v1", kind="NodePool",
    metadata={"name": "general"},
    spec={"template": {"spec": {"nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass",
                                                 "name": "default"},
                                "requirements": [{"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]}]}},
          "disruption": {"%(policy)s": "WhenEmpty"}, "limits": {"cpu": "8", "memory": "32Gi"}})
"""


def _program(tmp_path: Path, tokens: str, policy: str) -> Path:
    (tmp_path / "Pulumi.yaml").write_text("name: crds\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  aws:region: us-west-2\n")
    (tmp_path / "__main__.py").write_text(PROGRAM % {"tokens": tokens, "policy": policy})
    return tmp_path


@pytest.mark.e2e
@pytest.mark.parametrize("phase", ["preview", "up"])
def test_a_misspelt_field_is_an_invalid_manifest_in_both_phases(tmp_path: Path, phase: str) -> None:
    program = _program(tmp_path, "httpToken", "consolidationPolicyy")
    code, data, stderr = preflight_json("--program", str(program), "--phase", phase, "--no-policy-pack")
    assert code == 1, stderr
    found = {(e["urn"].split("::")[-1], e["path"], e["kind"]): e["message"] for e in data["manifestErrors"]}
    assert found == {
        ("default", "spec.metadataOptions", "EC2NodeClass (karpenter.k8s.aws/v1)"):
            "Additional properties are not allowed ('httpToken' was unexpected)",
        ("general", "spec.disruption", "NodePool (karpenter.sh/v1)"):
            "Additional properties are not allowed ('consolidationPolicyy' was unexpected)"}
    assert data["summary"]["invalidManifests"] == 2 and data["notVisible"] == []


@pytest.mark.e2e
@pytest.mark.parametrize("phase", ["preview", "up"])
def test_the_same_objects_spelt_right_pass(tmp_path: Path, phase: str) -> None:
    program = _program(tmp_path, "httpTokens", "consolidationPolicy")
    code, data, stderr = preflight_json("--program", str(program), "--phase", phase, "--no-policy-pack")
    assert code == 0, stderr
    assert data["manifestErrors"] == [] and data["summary"]["manifestsChecked"] == 2
