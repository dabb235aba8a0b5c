"""The Pod Security Standards, judged at the level and version each pod's namespace enforces.

Pod Security Admission admits a pod when it meets the standard its namespace's
``pod-security.kubernetes.io/enforce`` label names (``privileged``, ``baseline``, ``restricted``), as defined at
the version its ``pod-security.kubernetes.io/enforce-version`` label names (``latest`` or ``v1.<minor>``). The
PSS rules of this pack judge each pod the same way:

* the level and version come from the Namespace the program declares (a ``kubernetes:core/v1:Namespace`` or
  ``NamespacePatch`` of the stack, found by name, or through the workload's ``metadata`` reference when the
  namespace name is an output of that Namespace); a namespace the program does not declare, or one without
  the label, is judged at the policy config's ``defaultLevel`` (``restricted`` unless configured) and
  ``defaultVersion`` (``latest``). An invalid level is judged as ``restricted`` and an invalid version as
  ``latest``, as Pod Security Admission does;
* a **baseline** control is judged on every pod outside ``exemptNamespaces``, whatever its namespace enforces:
  its findings keep the rule's own enforcement level (mandatory in this pack);
* a **restricted** control is judged, by its own rule, only on pods whose namespace enforces ``restricted``;
  on pods of ``baseline`` and ``privileged`` namespaces the same findings go to the advisory rule
  ``kubernetes-pod-advise-pod-security-restricted``, so a dev namespace that enforces baseline gets advice,
  not a blocked deployment;
* controls that change with the version (``since``, or a check that reads :attr:`Standard.minor`) follow the
  namespace's version: probe and lifecycle ``host`` from 1.34; ``container_engine_t`` among the SELinux
  types from 1.31; the safe sysctls of 1.27, 1.29 and 1.32; the ``hostUsers: false`` relaxation of
  ``procMount`` (baseline), ``runAsNonRoot`` and ``runAsUser`` from 1.35, where the relaxation became part of
  the standard rather than a feature gate off by default.

A rule is a list of :class:`Control`; :func:`validate_controls` runs it as a stack policy (it needs the
Namespaces), reporting each finding on the workload with the PSS level and control named.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from _known import UNKNOWN, Deferred, Undecided, get, known
from _pods import WORKLOADS, PodView, pod_view
from _resolve import referenced
from _workloads import EXEMPT_NAMESPACES_SCHEMA, exempt_namespaces, is_windows, namespace_of
from pulumi_policy import PolicyConfigSchema, ReportViolation, StackValidationArgs

PSS_URL = "https://kubernetes.io/docs/concepts/security/pod-security-standards/"
NAMESPACES = ("kubernetes:core/v1:Namespace", "kubernetes:core/v1:NamespacePatch")
ENFORCE = "pod-security.kubernetes.io/enforce"
ENFORCE_VERSION = "pod-security.kubernetes.io/enforce-version"
#: Pod Security Standards, least to most restrictive.
LEVELS = ("privileged", "baseline", "restricted")
DEFAULT_LEVEL = "restricted"
#: The newest Kubernetes minor version whose standard this module knows; ``latest`` is judged as this one.
LATEST_MINOR = 35
#: From this version a pod with ``hostUsers: false`` (its own user namespace) is relaxed from runAsNonRoot,
#: runAsUser and (baseline) procMount.
USER_NAMESPACE_RELAXATION = 35

DEFAULTS_SCHEMA: dict[str, Any] = {
    "exemptNamespaces": EXEMPT_NAMESPACES_SCHEMA,
    "defaultLevel": {
        "type": "string", "enum": ["baseline", "restricted"], "default": DEFAULT_LEVEL,
        "description": "The Pod Security Standard a pod is judged at when the program does not declare its "
                       "Namespace, or the Namespace sets no pod-security.kubernetes.io/enforce label."},
    "defaultVersion": {
        "type": "string", "pattern": r"^(latest|v1\.[0-9]+)$", "default": "latest",
        "description": "The standard's version (latest or v1.<minor>) when the Namespace sets no "
                       "pod-security.kubernetes.io/enforce-version label."},
}


def config_schema(**properties: Any) -> PolicyConfigSchema:
    """The config of a PSS rule: exemptNamespaces, defaultLevel, defaultVersion and the rule's own ``properties``."""
    return PolicyConfigSchema(properties={**DEFAULTS_SCHEMA, **properties})


@dataclass(frozen=True)
class Standard:
    """What a pod's namespace enforces."""

    level: str
    minor: int
    """The standard's Kubernetes minor version (``latest`` is :data:`LATEST_MINOR`)."""
    source: str
    """Where the level comes from, for messages."""

    def at_least(self, minor: int) -> bool:
        return self.minor >= minor

    @property
    def restricted(self) -> bool:
        return self.level == "restricted"


def parse_level(value: Any) -> str:
    level = str(value).strip().lower()
    return level if level in LEVELS else "restricted"  # PSA evaluates an invalid level as restricted


def parse_version(value: Any) -> int:
    match = re.fullmatch(r"v?1\.([0-9]+)", str(value).strip())
    return min(int(match.group(1)), LATEST_MINOR) if match else LATEST_MINOR  # latest, or invalid: latest


class Standards:
    """The standard each workload's namespace enforces, from the stack's Namespaces and the policy config."""

    def __init__(self, resources: Iterable[Any], config: Mapping[str, Any]) -> None:
        self.default_level = parse_level(config.get("defaultLevel", DEFAULT_LEVEL))
        self.default_minor = parse_version(config.get("defaultVersion", "latest"))
        self.by_name: dict[str, Any] = {}
        for r in resources:
            if r.resource_type in NAMESPACES:
                name = get(get(r.props, "metadata"), "name")
                if isinstance(name, str) and name and (name not in self.by_name or r.resource_type == NAMESPACES[0]):
                    self.by_name[name] = r

    def namespace(self, workload: Any) -> tuple[str, Any]:
        """(namespace name, declared Namespace or None); raises ``Undecided`` when neither can be told at preview."""
        declared = referenced(workload, "metadata", *NAMESPACES)
        name = namespace_of(workload.props, workload.provider)
        if name is UNKNOWN:
            if not declared:
                raise Undecided("metadata.namespace", "is taken from another resource of this stack, and the Pod "
                                                      "Security Standard its namespace enforces needs it")
            label = get(get(declared[0].props, "metadata"), "name")
            return (str(label) if isinstance(label, str) and label else declared[0].name), declared[0]
        return str(name), self.by_name.get(str(name)) or (declared[0] if declared else None)

    def of(self, name: str, declared: Any) -> Standard:
        fallback = f"policy config defaultLevel {self.default_level}"
        if declared is None:
            return Standard(self.default_level, self.default_minor, f"the program does not declare it; {fallback}")
        labels = known(get(get(declared.props, "metadata"), "labels") or {}, "metadata.labels",
                       f"of Namespace '{name}' is unknown at preview, and the Pod Security Standard it enforces needs it")
        level = known(get(labels, ENFORCE), f"metadata.labels[\"{ENFORCE}\"]", f"of Namespace '{name}' is unknown")
        version = known(get(labels, ENFORCE_VERSION), f"metadata.labels[\"{ENFORCE_VERSION}\"]",
                        f"of Namespace '{name}' is unknown")
        minor = self.default_minor if version is None else parse_version(version)
        if level is None:
            return Standard(self.default_level, minor, f"Namespace '{name}' sets no {ENFORCE} label; {fallback}")
        return Standard(parse_level(level), minor, f"label {ENFORCE}: {level} on Namespace '{name}'")


#: One PSS control's check: yields a message per flaw (wrapping per-container reads in ``later.item()``).
Check = Callable[[PodView, Mapping[str, Any], Deferred, Standard], Iterable[str]]


@dataclass(frozen=True)
class Control:
    """One control of the Pod Security Standards, at one level."""

    name: str
    """The control as the standard names it: ``Capabilities``, ``Volume Types``, ``/proc Mount Type``."""
    level: str
    """``baseline`` or ``restricted``."""
    check: Check
    since: int = 0
    """The first Kubernetes minor version whose standard has the control."""
    linux_only: str | None = None
    """The Linux-only field the control requires: Windows pods (``spec.os.name: windows``) are exempt."""


def host_users_relaxed(view: PodView, standard: Standard) -> bool:
    """``hostUsers: false``: the pod runs in its own user namespace, which relaxes some controls from 1.35."""
    return standard.at_least(USER_NAMESPACE_RELAXATION) and view.field("hostUsers") is False


def template_annotations(view: PodView) -> Any:
    """The pod's annotations: ``metadata`` of a Pod, ``<template>.metadata`` of the other kinds."""
    path = WORKLOADS[view.token][:-1] + ("metadata",)
    holder: Any = view.args.props
    for part in path:
        holder = get(holder, part)
    return known(get(holder, "annotations") or {}, ".".join(path) + ".annotations")


def _applies(control: Control, standard: Standard, advisory: bool) -> bool:
    if not standard.at_least(control.since):
        return False
    if control.level == "baseline":
        return not advisory
    return standard.restricted != advisory


def _suffix(control: Control, namespace: str, standard: Standard, advisory: bool) -> str:
    since = f", since 1.{control.since}" if control.since >= 25 else ""  # older ones predate every supported version
    label = f"Pod Security Standard {control.level}, control \"{control.name}\"{since}"
    if control.level == "baseline":
        return f" ({label}.)"
    if advisory:
        return (f" ({label}: advisory, because namespace '{namespace}' enforces {standard.level} "
                f"({standard.source}), which admits the pod; a restricted namespace would refuse it.)")
    return f" ({label}; namespace '{namespace}' enforces restricted: {standard.source}.)"


def validate_controls(args: StackValidationArgs, report: ReportViolation, controls: Sequence[Control],
                      advisory: bool = False) -> None:
    """Judge every workload of the stack on ``controls`` at its namespace's standard (see the module doc).

    ``advisory``: report the restricted controls on pods whose namespace does not enforce restricted (and
    nothing else), for the advisory rule. Every finding on a known value is reported before the first value
    unknown at preview is named; a workload none of whose controls apply makes the rule not applicable.
    """
    config = args.get_config()
    standards = Standards(args.resources, config)
    exempt = exempt_namespaces(config)
    workloads = [r for r in args.resources if r.resource_type in WORKLOADS]
    if not workloads:
        args.not_applicable("the stack has no workloads")
    skipped: list[str] = []
    judged = 0
    later = Deferred()
    for workload in workloads:
        with later.item():
            view = pod_view(workload)
            assert view is not None
            try:
                namespace, declared = standards.namespace(workload)
                standard: Standard | None = standards.of(namespace, declared)
                undecided: Undecided | None = None
            except Undecided as error:  # judge at the strictest, latest standard; decide only if it finds a flaw
                namespace, standard, undecided = "?", None, error
            if namespace in exempt:
                skipped.append(f"namespace '{namespace}' is in exemptNamespaces")
                continue
            strictest = standard or Standard("restricted", LATEST_MINOR, "")
            windows = is_windows(view)
            # An undecided standard is judged at the strictest (a finding then waits for `pulumi up`): for the advice,
            # that is every restricted control.
            applicable = [c for c in controls if _applies(c, strictest, advisory)
                          or (standard is None and advisory and c.level == "restricted")]
            if windows:
                exempted = [c for c in applicable if c.linux_only]
                applicable = [c for c in applicable if not c.linux_only]
                if exempted and not applicable:
                    skipped.append(f"a Windows pod (spec.os.name: windows) cannot set {exempted[0].linux_only}")
            if not applicable:
                continue
            judged += 1
            found: list[str] = []
            inner = Deferred()
            for control in applicable:
                with inner.item():
                    for message in control.check(view, config, inner, strictest):
                        found.append(message + _suffix(control, namespace, strictest, advisory))
            if found and undecided is not None:
                raise undecided
            for message in found:
                report(message, workload.urn)
            inner.done()
    if not judged and skipped and later.count == 0:
        args.not_applicable("; ".join(dict.fromkeys(skipped)))
    later.done()


def rule_validator(controls: Sequence[Control], advisory: bool = False) -> Callable[[StackValidationArgs,
                                                                                     ReportViolation], None]:
    """The ``validate`` of a stack policy judging ``controls``."""
    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        validate_controls(args, report, controls, advisory)
    return validate
