"""X191: no pod overrides or disables the runtime's default AppArmor profile (PSS baseline "AppArmor").

On nodes with AppArmor (Bottlerocket, Ubuntu) the container runtime confines every container with its default
profile. The baseline standard allows only that profile or one the node carries: the field
``securityContext.appArmorProfile.type`` (pod or container, since 1.30) must be ``RuntimeDefault`` or
``Localhost``, and the older annotation ``container.apparmor.security.beta.kubernetes.io/<container>`` on the
pod (template) must be ``runtime/default`` or ``localhost/<profile>``. ``Unconfined`` and ``unconfined`` turn
the confinement off. Judged on every pod outside ``exemptNamespaces`` whatever its namespace enforces (:mod:`_pss`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from _known import Deferred, get, known
from _metadata import RuleMetadata
from _pod_security import each_container, where
from _pods import ContainerView, PodView
from _pss import PSS_URL, Control, Standard, config_schema, rule_validator, template_annotations
from pulumi_policy import Severity, StackValidationPolicy

ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"
ALLOWED_TYPES = ("RuntimeDefault", "Localhost")
_FIX = ("Remove the AppArmor override, or set securityContext.appArmorProfile.type: RuntimeDefault (or Localhost with "
        "a profile the nodes load); never Unconfined.")


def _allowed_annotation(value: str) -> bool:
    return value in ("", "runtime/default") or value.startswith("localhost/")


def _check(view: PodView, config: Mapping[str, Any], later: Deferred, standard: Standard) -> Iterator[str]:
    annotations = template_annotations(view)
    for key in list(annotations):
        if str(key).startswith(ANNOTATION):
            value = str(known(get(annotations, key), f"annotations[\"{key}\"]")).strip()
            if not _allowed_annotation(value):
                yield (f"{view.describe()} sets annotation {key}: {value} on its pod: container "
                       f"'{str(key)[len(ANNOTATION):]}' runs without the runtime's AppArmor confinement. {_FIX}")
    path = f"{view.spec_path}.securityContext.appArmorProfile"
    kind = known(get(known(get(view.security, "appArmorProfile"), path), "type"), f"{path}.type")
    if kind is not None and kind not in ALLOWED_TYPES:
        yield f"{view.describe()} sets {path}.type: {kind} for every container. {_FIX}"

    def container(c: ContainerView) -> Iterator[str]:
        own = f"{c.path}.securityContext.appArmorProfile"
        value = known(get(c.security("appArmorProfile"), "type"), f"{own}.type")
        if value is not None and value not in ALLOWED_TYPES:
            yield f"{where(view, c)} sets {own}.type: {value}. {_FIX}"
    yield from each_container(view, later, container)


CONTROLS = [Control("AppArmor", "baseline", _check)]

METADATA = RuleMetadata(
    id="X191",
    aws_control="The container runtime's default AppArmor profile on EKS-optimized AMIs that enable AppArmor",
    bpg=("runtime",),
    pss=("baseline: AppArmor",),
)

disallow_apparmor_override = StackValidationPolicy(
    name="kubernetes-pod-disallow-apparmor-override",
    description="Pods must not set an AppArmor profile other than RuntimeDefault or Localhost (field or annotation).",
    validate=rule_validator(CONTROLS),
    severity=Severity.HIGH,
    tags=METADATA.tags("kubernetes", "pod-security"),
    remediation_steps=_FIX,
    url=PSS_URL,
    config_schema=config_schema(),
)
