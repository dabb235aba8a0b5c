"""X196: pods mount only the volume types the restricted standard allows (PSS restricted "Volume Types").

Every ``spec.volumes[*]`` must be one of ``configMap``, ``csi``, ``downwardAPI``, ``emptyDir``, ``ephemeral``,
``persistentVolumeClaim``, ``projected`` or ``secret``: storage of any other kind (``nfs``, ``iscsi``,
``awsElasticBlockStore``, ``gitRepo``...) is reached through a PersistentVolume and a claim, which a cluster
administrator controls. ``hostPath`` is J11's finding (baseline), not repeated here. A restricted control:
judged on pods whose namespace enforces restricted; elsewhere the advisory rule reports it (:mod:`_pss`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from _known import Deferred, get
from _metadata import RuleMetadata
from _pods import PodView
from _pss import PSS_URL, Control, Standard, config_schema, rule_validator
from pulumi_policy import Severity, StackValidationPolicy

ALLOWED = ("configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret")
_FIX = ("Mount the storage through a PersistentVolumeClaim (a StorageClass or a PersistentVolume the cluster "
        "administrator defines), or use one of configMap, csi, downwardAPI, emptyDir, ephemeral, projected, secret.")


def _check(view: PodView, config: Mapping[str, Any], later: Deferred, standard: Standard) -> Iterator[str]:
    for path, volume in view.volumes():
        with later.item():
            kinds = [str(k) for k in list(volume) if str(k) != "name"]
            refused = [k for k in kinds if k not in ALLOWED and k != "hostPath"]
            if refused:
                name = get(volume, "name", "?")
                yield (f"{view.describe()} volume '{name}' ({path}) is of type {', '.join(refused)}, which the restricted "
                       f"standard does not allow in a pod. {_FIX}")


CONTROLS = [Control("Volume Types", "restricted", _check)]

METADATA = RuleMetadata(
    id="X196",
    aws_control="EBS, EFS and FSx CSI drivers that AWS maintains as EKS add-ons, reached through PersistentVolumes",
    bpg=("pods: Restrict the use of hostPath",),
    pss=("restricted: Volume Types (partial: hostPath is J11's, at baseline)",),
)

disallow_restricted_volume_types = StackValidationPolicy(
    name="kubernetes-pod-disallow-restricted-volume-types",
    description="Pods in namespaces that enforce restricted must mount only configMap, csi, downwardAPI, emptyDir, "
                "ephemeral, persistentVolumeClaim, projected and secret volumes.",
    validate=rule_validator(CONTROLS),
    severity=Severity.MEDIUM,
    tags=METADATA.tags("kubernetes", "pod-security"),
    remediation_steps=_FIX,
    url=PSS_URL,
    config_schema=config_schema(),
)
