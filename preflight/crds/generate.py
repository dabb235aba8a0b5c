"""Write ``preflight/crds/*.json``: structural schemas of the custom resources issue 16 creates, written for
preflight from their API references (the Go types of Karpenter v1, the EKS Auto Mode user guide), never copied
from a CRD file. Each file names its source and date. Run ``python preflight/crds/generate.py`` from the repository
root after editing; ``tests/preflight/test_crds.py`` fails while the committed files differ from this output.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent
DATE = "2026-12-06"
S = {"type": "string"}
B = {"type": "boolean"}
INT = {"type": "integer"}


def obj(props, required=(), strict=True, **extra):
    d = {"type": "object", "properties": props}
    if required:
        d["required"] = list(required)
    if strict:
        d["additionalProperties"] = False
    d.update(extra)
    return d


def arr(items, **extra):
    return {"type": "array", "items": items, **extra}


def strmap(**extra):
    return {"type": "object", "additionalProperties": S, **extra}


def rng(lo=None, hi=None):
    d = {"type": "integer"}
    if lo is not None:
        d["minimum"] = lo
    if hi is not None:
        d["maximum"] = hi
    return d


def enum(*values):
    return {"type": "string", "enum": list(values)}


QUANTITY = {"anyOf": [{"type": "integer"}, {"type": "number"}, {"type": "string", "pattern":
            r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$"}]}
VOLUME_SIZE = {"type": "string", "pattern": r"^((?:[1-9][0-9]{0,3}|[1-4][0-9]{4}|[5][0-8][0-9]{3}|59000)Gi|"
               r"(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|[6][0-3][0-9]{3}|64000)G|([1-9]||[1-5][0-7]|58)Ti|"
               r"([1-9]||[1-5][0-9]|6[0-3]|64)T)$"}
DURATION_OR_NEVER = {"type": "string", "pattern": r"^(([0-9]+(s|m|h))+|Never)$"}
TAGS = strmap(maxProperties=20)
METADATA = obj({"name": S, "namespace": S, "labels": strmap(), "annotations": strmap()}, strict=False)
TAINT = obj({"key": S, "value": S, "effect": enum("NoSchedule", "PreferNoSchedule", "NoExecute"), "timeAdded": S},
            required=("key", "effect"))


def document(api_version, kind, spec, source, required_spec=True):
    schema = obj({"apiVersion": {"const": api_version}, "kind": {"const": kind}, "metadata": METADATA, "spec": spec,
                  "status": {"type": "object"}}, required=("apiVersion", "kind") + (("spec",) if required_spec else ()))
    return {"apiVersion": api_version, "kind": kind, "source": source, "date": DATE,
            "notes": "Structural schema written for preflight from the API reference named in source (field names, "
                     "types, enums, ranges, patterns, required fields; unknown fields refused where the CRD prunes "
                     "them). CEL rules (x-kubernetes-validations) and defaults are not modelled.",
            "schema": {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}}


nodepool_spec = obj({
    "template": obj({
        "metadata": obj({"labels": strmap(maxProperties=100), "annotations": strmap()}),
        "spec": obj({
            "taints": arr(TAINT), "startupTaints": arr(TAINT),
            "requirements": arr(obj({"key": S, "operator": enum("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt",
                                                                 "Gte", "Lte"),
                                     "values": arr(S), "minValues": rng(1, 50)}, required=("key", "operator")),
                                maxItems=100),
            "nodeClassRef": obj({"group": {"type": "string", "pattern": "^[^/]*$"}, "kind": S, "name": S},
                                required=("group", "kind", "name")),
            "terminationGracePeriod": {"type": "string", "pattern": r"^([0-9]+(s|m|h))+$"},
            "expireAfter": DURATION_OR_NEVER,
        }, required=("requirements", "nodeClassRef")),
    }, required=("spec",)),
    "disruption": obj({
        "consolidateAfter": DURATION_OR_NEVER,
        "consolidationPolicy": enum("WhenEmpty", "WhenEmptyOrUnderutilized", "Balanced"),
        "budgets": arr(obj({
            "nodes": {"type": "string", "pattern": r"^((100|[0-9]{1,2})%|[0-9]+)$"},
            "schedule": {"type": "string", "pattern":
                         r"^(@(annually|yearly|monthly|weekly|daily|midnight|hourly))|((.+)\s(.+)\s(.+)\s(.+)\s(.+))$"},
            "duration": {"type": "string", "pattern": r"^((([0-9]+(h|m))|([0-9]+h[0-9]+m))(0s)?)$"},
            "reasons": arr(enum("Underutilized", "Empty", "Drifted"), maxItems=50)}), maxItems=50),
    }),
    "limits": {"type": "object", "additionalProperties": QUANTITY},
    "weight": rng(1, 100),
    "replicas": rng(0),
}, required=("template",))

def selector(id_pattern: str, *more: str) -> dict[str, Any]:
    return obj({"tags": TAGS, "id": {"type": "string", "pattern": id_pattern},
               **{k: S for k in more}})


ec2nodeclass_spec = obj({
    "subnetSelectorTerms": arr(selector("subnet-[0-9a-z]+"), minItems=1, maxItems=30),
    "securityGroupSelectorTerms": arr(selector("sg-[0-9a-z]+", "name"), minItems=1, maxItems=30),
    "capacityReservationSelectorTerms": arr(obj({
        "tags": TAGS, "id": {"type": "string", "pattern": "^cr-[0-9a-z]+$"},
        "ownerID": {"type": "string", "pattern": "^[0-9]{12}$"}, "instanceMatchCriteria": enum("open", "targeted")}),
        maxItems=30),
    "placementGroupSelector": obj({"name": {"type": "string", "minLength": 1},
                                   "id": {"type": "string", "pattern": "^pg-[0-9a-z]+$"}}),
    "associatePublicIPAddress": B,
    "ipPrefixCount": rng(0),
    "amiSelectorTerms": arr(obj({
        "alias": {"type": "string", "maxLength": 30, "pattern": "^[a-zA-Z0-9]+@.+$"}, "tags": TAGS,
        "id": {"type": "string", "pattern": "ami-[0-9a-z]+"}, "name": S, "owner": S, "ssmParameter": S}),
        minItems=1, maxItems=30),
    "amiFamily": enum("AL2", "AL2023", "Bottlerocket", "Custom", "Windows2019", "Windows2022", "Windows2025"),
    "userData": S,
    "role": {"type": "string", "minLength": 1},
    "instanceProfile": {"type": "string", "minLength": 1},
    "tags": strmap(),
    "kubelet": {"type": "object", "description": "Open map (x-kubernetes-preserve-unknown-fields): Karpenter validates "
                                                 "it from the controller."},
    "blockDeviceMappings": arr(obj({
        "deviceName": S, "rootVolume": B,
        "ebs": obj({"deleteOnTermination": B, "encrypted": B, "iops": INT, "kmsKeyID": S, "snapshotID": S,
                    "throughput": INT, "volumeInitializationRate": rng(100, 300), "volumeSize": VOLUME_SIZE,
                    "volumeType": enum("standard", "io1", "io2", "gp2", "sc1", "st1", "gp3")})}), maxItems=50),
    "instanceStorePolicy": enum("RAID0"),
    "networkInterfaces": arr(obj({"networkCardIndex": rng(0), "deviceIndex": rng(0),
                                  "interfaceType": enum("interface", "efa-only")},
                                 required=("networkCardIndex", "deviceIndex", "interfaceType")), maxItems=150),
    "detailedMonitoring": B,
    "metadataOptions": obj({"httpEndpoint": enum("enabled", "disabled"), "httpProtocolIPv6": enum("enabled", "disabled"),
                            "httpPutResponseHopLimit": rng(1, 64), "httpTokens": enum("required", "optional")}),
    "connectionTracking": obj({"tcpEstablishedTimeout": rng(60, 432000), "udpStreamTimeout": rng(60, 180),
                               "udpTimeout": rng(30, 60)}),
    "context": S,
    "cpuOptions": obj({"nestedVirtualization": enum("enabled", "disabled")}),
}, required=("amiSelectorTerms", "securityGroupSelectorTerms", "subnetSelectorTerms"))

nodeclass_spec = obj({
    "role": {"type": "string", "minLength": 1},
    "instanceProfile": {"type": "string", "minLength": 1},
    "subnetSelectorTerms": arr(selector("subnet-[0-9a-z]+"), minItems=1),
    "securityGroupSelectorTerms": arr(selector("sg-[0-9a-z]+", "name"), minItems=1),
    "podSubnetSelectorTerms": arr(selector("subnet-[0-9a-z]+")),
    "podSecurityGroupSelectorTerms": arr(selector("sg-[0-9a-z]+", "name")),
    "capacityReservationSelectorTerms": arr(obj({"tags": TAGS, "id": S, "owner": S})),
    "snatPolicy": enum("Random", "Disabled"),
    "networkPolicy": enum("DefaultAllow", "DefaultDeny"),
    "networkPolicyEventLogs": enum("Disabled", "Enabled"),
    "ephemeralStorage": obj({"size": VOLUME_SIZE, "iops": rng(3000, 16000), "throughput": rng(125, 1000),
                             "kmsKeyID": S}),
    "advancedNetworking": obj({"associatePublicIPAddress": B, "httpsProxy": {"type": "string", "maxLength": 255},
                               "noProxy": arr({"type": "string", "maxLength": 255}, maxItems=50),
                               "ipv4PrefixSize": S}),
    "advancedSecurity": obj({"fips": B}, strict=False),
    "certificateBundles": arr(obj({"name": S, "data": S}, required=("name", "data"))),
    "tags": strmap(),
}, required=("subnetSelectorTerms", "securityGroupSelectorTerms"),
    anyOf=[{"required": ["role"]}, {"required": ["instanceProfile"]}])

KEY_VALUE = obj({"key": S, "value": S}, required=("key", "value"))
ingressclassparams_spec = obj({
    "namespaceSelector": obj({"matchLabels": strmap(),
                              "matchExpressions": arr(obj({"key": S, "operator": enum("In", "NotIn", "Exists",
                                                                                     "DoesNotExist"),
                                                           "values": arr(S)}, required=("key", "operator")))}),
    "group": obj({"name": S}, required=("name",)),
    "scheme": enum("internal", "internet-facing"),
    "ipAddressType": enum("ipv4", "dualstack", "dualstack-without-public-ipv4"),
    "subnets": obj({"ids": arr(S), "matchTags": arr(obj({"key": S, "values": arr(S)}, required=("key",))),
                    "tags": {"type": "object"}}),
    "certificateARNs": arr(S),
    "sslPolicy": S,
    "inboundCIDRs": arr(S),
    "sslRedirectPort": S,
    "prefixListsIDs": arr(S),
    "tags": arr(KEY_VALUE),
    "loadBalancerAttributes": arr(KEY_VALUE),
    "listeners": arr(obj({"protocol": enum("HTTP", "HTTPS"), "port": rng(1, 65535), "attributes": arr(KEY_VALUE)})),
    "minimumLoadBalancerCapacity": obj({"capacityUnits": rng(1)}),
    "ipamConfiguration": obj({"ipv4IPAMPoolId": S}),
    "targetType": enum("instance", "ip"),
})

KARPENTER_CORE = ("kubernetes-sigs/karpenter pkg/apis/v1/nodepool.go and nodeclaim.go (NodePoolSpec, Disruption, "
                  "Budget, NodeClaimTemplate, NodeSelectorRequirementWithMinValues, NodeClassReference) at commit "
                  "2266468104f36373ed002241afaee2d3bbc26078 (2026-08-20)")
KARPENTER_AWS = ("aws/karpenter-provider-aws pkg/apis/v1/ec2nodeclass.go (EC2NodeClassSpec and its selector, block "
                 "device, metadata options types) at commit 1d927085dd81a9df9301e613f371dac5b4d16bfe (2026-08-21)")
EKS_NODECLASS = ("Amazon EKS User Guide, 'Create a Node Class for Amazon EKS' (Node Class Specification), "
                 "https://docs.aws.amazon.com/eks/latest/userguide/create-node-class.html; advancedNetworking and "
                 "advancedSecurity fields as the EKS Blueprints AutoModeNodeClassSpec reference lists them")
EKS_INGRESS = ("Amazon EKS User Guide, 'Create an IngressClass to configure an Application Load Balancer' "
               "(IngressClassParams reference and the changes from elbv2.k8s.aws/v1beta1), "
               "https://docs.aws.amazon.com/eks/latest/userguide/auto-configure-alb.html; fields the guide does not "
               "detail follow the AWS Load Balancer Controller's IngressClassParams reference")

SCHEMAS = {
    "karpenter.sh_v1_nodepool.json": document("karpenter.sh/v1", "NodePool", nodepool_spec, KARPENTER_CORE),
    "karpenter.k8s.aws_v1_ec2nodeclass.json": document("karpenter.k8s.aws/v1", "EC2NodeClass", ec2nodeclass_spec,
                                                       KARPENTER_AWS),
    "eks.amazonaws.com_v1_nodeclass.json": document("eks.amazonaws.com/v1", "NodeClass", nodeclass_spec, EKS_NODECLASS),
    "eks.amazonaws.com_v1_ingressclassparams.json": document("eks.amazonaws.com/v1", "IngressClassParams",
                                                             ingressclassparams_spec, EKS_INGRESS, required_spec=False),
}


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=1) + "\n"


def main() -> int:
    for name, doc in SCHEMAS.items():
        (OUT / name).write_text(render(doc), encoding="utf-8")
        print(f"{OUT / name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
