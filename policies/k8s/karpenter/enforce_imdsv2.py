"""M1: Karpenter EC2NodeClasses require IMDSv2 with hop limit 1 (CKV_AWS_79/341 on launch templates, analogous).

An omitted ``metadataOptions`` is Karpenter v1's default, ``httpTokens: required`` with
``httpPutResponseHopLimit: 1`` (``pkg/apis/v1/ec2nodeclass.go``), and passes. A disabled endpoint exposes nothing.
"""

from __future__ import annotations

from _karpenter import of
from _known import get, known
from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

_PATH = "spec.metadataOptions"


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    view = of(args, "EC2NodeClass")
    if view is None or get(view.spec, "metadataOptions") is None:
        return  # omitted: required, hop limit 1
    options = known(get(view.spec, "metadataOptions"), _PATH)
    default = None if view.is_patch else "enabled"
    if str(known(get(options, "httpEndpoint", default), f"{_PATH}.httpEndpoint")) == "disabled":
        return
    tokens = known(get(options, "httpTokens", None if view.is_patch else "required"), f"{_PATH}.httpTokens")
    if tokens is not None and str(tokens) != "required":
        report(f"{view.describe()} allows IMDSv1 ({_PATH}.httpTokens is {tokens}): any pod that reaches the node's "
               "metadata service can read the node role's credentials without a session token. Set "
               f"{_PATH}.httpTokens: required (or omit metadataOptions: Karpenter's default is required).")
    hops = known(get(options, "httpPutResponseHopLimit", None if view.is_patch else 1),
                 f"{_PATH}.httpPutResponseHopLimit")
    if isinstance(hops, (int, float)) and not isinstance(hops, bool) and hops > 1:
        report(f"{view.describe()} sets {_PATH}.httpPutResponseHopLimit to {int(hops)}, so IMDSv2 tokens reach "
               "containers one hop away from the node and pods can take the node role's credentials. Set "
               f"{_PATH}.httpPutResponseHopLimit: 1 (Karpenter's default).")


METADATA = RuleMetadata(
    id="M1",
    aws_control="EC2 Instance Metadata Service v2 session tokens and the response hop limit, enforced by the instance "
                "host",
    bpg=("iam: Restrict access to the instance profile assigned to the worker node",),
    checkov=("CKV_AWS_79 (analogous)", "CKV_AWS_341 (analogous)"),
)

enforce_imdsv2 = ResourceValidationPolicy(
    name="kubernetes-ec2nodeclass-enforce-imdsv2",
    description="Karpenter EC2NodeClasses must require IMDSv2 session tokens with a response hop limit of 1.",
    validate=_validate,
    severity=Severity.HIGH,
    tags=METADATA.tags("kubernetes", "karpenter", "nodes", "imds"),
    remediation_steps="Set spec.metadataOptions {httpTokens: required, httpPutResponseHopLimit: 1} on the "
                      "EC2NodeClass, or omit metadataOptions to get Karpenter's default.",
    url="https://karpenter.sh/docs/concepts/nodeclasses/",
)
