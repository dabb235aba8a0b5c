"""X192: no custom SELinux options (PSS baseline "SELinux").

``securityContext.seLinuxOptions`` (pod or container) may set a ``type`` only from the container types the
standard allows (``container_t``, ``container_init_t``, ``container_kvm_t``, and ``container_engine_t`` since
1.31, per the namespace's version) and never a ``user`` or ``role``: another type or a custom user or role can
lift the SELinux confinement of the container. ``level`` is free. Judged on every pod outside
``exemptNamespaces`` whatever its namespace enforces (:mod:`_pss`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from _known import Deferred, get, known
from _metadata import RuleMetadata
from _pod_security import each_container, where
from _pods import ContainerView, PodView
from _pss import PSS_URL, Control, Standard, config_schema, rule_validator
from pulumi_policy import Severity, StackValidationPolicy

TYPES = ("container_t", "container_init_t", "container_kvm_t")
TYPES_1_31 = (*TYPES, "container_engine_t")
_FIX = "Remove seLinuxOptions (the runtime assigns container_t and a per-pod level), or set only its level."


def allowed_types(standard: Standard) -> tuple[str, ...]:
    return TYPES_1_31 if standard.at_least(31) else TYPES


def _flaws(options: Any, path: str, standard: Standard) -> list[str]:
    options = known(options, path)
    if options is None:
        return []
    flaws = []
    kind = known(get(options, "type"), f"{path}.type")
    if kind not in (None, "") and kind not in allowed_types(standard):
        flaws.append(f"{path}.type {kind} is not one of {', '.join(allowed_types(standard))}")
    for field in ("user", "role"):
        value = known(get(options, field), f"{path}.{field}")
        if value not in (None, ""):
            flaws.append(f"{path}.{field} is set ({value})")
    return flaws


def _check(view: PodView, config: Mapping[str, Any], later: Deferred, standard: Standard) -> Iterator[str]:
    path = f"{view.spec_path}.securityContext.seLinuxOptions"
    flaws = _flaws(get(view.security, "seLinuxOptions"), path, standard)
    if flaws:
        yield f"{view.describe()} sets custom SELinux options for every container: {'; '.join(flaws)}. {_FIX}"

    def container(c: ContainerView) -> Iterator[str]:
        found = _flaws(c.security("seLinuxOptions"), f"{c.path}.securityContext.seLinuxOptions", standard)
        if found:
            yield f"{where(view, c)} sets custom SELinux options: {'; '.join(found)}. {_FIX}"
    yield from each_container(view, later, container)


CONTROLS = [Control("SELinux", "baseline", _check)]

METADATA = RuleMetadata(
    id="X192",
    aws_control="SELinux confinement of containers on nodes that enforce it (Bottlerocket)",
    bpg=("runtime",),
    pss=("baseline: SELinux",),
)

disallow_custom_selinux_options = StackValidationPolicy(
    name="kubernetes-pod-disallow-custom-selinux-options",
    description="Pods must not set an SELinux type outside the container types, nor an SELinux user or role.",
    validate=rule_validator(CONTROLS),
    severity=Severity.HIGH,
    tags=METADATA.tags("kubernetes", "pod-security"),
    remediation_steps=_FIX,
    url=PSS_URL,
    config_schema=config_schema(),
)
