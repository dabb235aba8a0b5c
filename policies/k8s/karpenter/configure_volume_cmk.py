"""M2: Karpenter EC2NodeClass block devices and EKS Auto Mode NodeClass ephemeral storage are encrypted with a
customer-managed KMS key (CKV_AWS_189 on volumes, analogous).

An EC2NodeClass without ``blockDeviceMappings`` gets its AMI family's root volume, which Karpenter encrypts with
the AWS-managed ``aws/ebs`` key; an Auto Mode NodeClass without ``ephemeralStorage.kmsKeyID`` encrypts with an
AWS-managed key too. Presence decides: a key this stack creates has an ARN unknown at the first preview, and is set.
"""

from __future__ import annotations

from _karpenter import items, of
from _known import get, is_set, known
from _metadata import RuleMetadata
from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity


def _aws_managed(key: object) -> bool:
    """A key named by an AWS-managed alias (``alias/aws/ebs``): AWS's key and policy, not the customer's."""
    return isinstance(key, str) and "alias/aws/" in key


def _ec2_node_class(view, report: ReportViolation) -> None:  # type: ignore[no-untyped-def]
    mappings = get(view.spec, "blockDeviceMappings")
    if mappings is None:
        if not view.is_patch:
            report(f"{view.describe()} sets no spec.blockDeviceMappings, so its nodes get the AMI's default root "
                   "volume, encrypted only with the AWS-managed aws/ebs key. Add a root mapping (rootVolume: true) "
                   "with ebs {encrypted: true, kmsKeyID: <customer-managed key ARN>}.")
        return
    for i, mapping in enumerate(items(mappings, "spec.blockDeviceMappings")):
        ebs = get(mapping, "ebs")
        if ebs is None:
            continue
        where = f"spec.blockDeviceMappings[{i}]"
        device = get(mapping, "deviceName")
        device = f" ({device})" if isinstance(device, str) else ""
        if known(get(ebs, "encrypted"), f"{where}.ebs.encrypted") is not True:
            report(f"{view.describe()} does not encrypt volume {where}{device} ({where}.ebs.encrypted is not true). "
                   f"Set {where}.ebs.encrypted: true and kmsKeyID to a customer-managed key ARN.")
        elif not is_set(ebs, "kmsKeyID") or _aws_managed(get(ebs, "kmsKeyID")):
            report(f"{view.describe()} encrypts volume {where}{device} with the AWS-managed aws/ebs key "
                   f"({where}.ebs.kmsKeyID is unset or an alias/aws/ key). Set kmsKeyID to a customer-managed key "
                   "ARN (the node-volume key).")


def _node_class(view, report: ReportViolation) -> None:  # type: ignore[no-untyped-def]
    storage = get(view.spec, "ephemeralStorage")
    if view.is_patch and storage is None:
        return
    if not is_set(storage, "kmsKeyID") or _aws_managed(get(storage, "kmsKeyID")):
        report(f"{view.describe()} leaves spec.ephemeralStorage.kmsKeyID unset (or on an AWS-managed alias), so EKS Auto Mode encrypts its nodes' "
               "ephemeral storage with an AWS-managed key. Set spec.ephemeralStorage.kmsKeyID to a customer-managed "
               "key ARN (the node-volume key).")


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    view = of(args, "EC2NodeClass", "NodeClass")
    if view is None:
        return
    if view.kind.startswith("EC2NodeClass"):
        _ec2_node_class(view, report)
    else:
        _node_class(view, report)


METADATA = RuleMetadata(
    id="M2",
    aws_control="EBS encryption with a customer-managed KMS key (AWS operates KMS; the key policy is the customer's)",
    bpg=("data: Encrypt data at rest",),
    checkov=("CKV_AWS_189 (analogous)",),
    ag=("encrypted-volumes (analogous)",),
)

configure_volume_cmk = ResourceValidationPolicy(
    name="kubernetes-nodeclass-configure-volume-cmk",
    description="Karpenter EC2NodeClasses and EKS Auto Mode NodeClasses must encrypt node storage with a "
                "customer-managed KMS key.",
    validate=_validate,
    severity=Severity.MEDIUM,
    tags=METADATA.tags("kubernetes", "karpenter", "auto-mode", "nodes", "encryption", "kms"),
    remediation_steps="EC2NodeClass: set spec.blockDeviceMappings[].ebs {encrypted: true, kmsKeyID: <key ARN>}; "
                      "NodeClass: set spec.ephemeralStorage.kmsKeyID to the node-volume key ARN.",
    url="https://karpenter.sh/docs/concepts/nodeclasses/",
)
