"""X195: probes and lifecycle handlers do not name a host (PSS baseline "Host Probes / Lifecycle Hooks", 1.34+).

The kubelet runs ``httpGet`` and ``tcpSocket`` probes (liveness, readiness, startup) and lifecycle handlers
(``postStart``, ``preStop``) from the node: a ``host`` other than the pod's own IP makes the kubelet reach
any address the node can, on the pod's behalf. From 1.34 (the namespace's version) the baseline standard
allows only an unset or empty ``host``. Judged on every pod outside ``exemptNamespaces`` (:mod:`_pss`).
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

PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
HANDLERS = ("postStart", "preStop")
_FIX = "Remove host from the probe or handler: the kubelet then targets the pod's own IP."


def _hosts(handler: Any, path: str) -> Iterator[tuple[str, str]]:
    handler = known(handler, path)
    for action in ("httpGet", "tcpSocket"):
        host = known(get(known(get(handler, action), f"{path}.{action}"), "host"), f"{path}.{action}.host")
        if host not in (None, ""):
            yield f"{path}.{action}.host", str(host)


def _container(view: PodView, container: ContainerView) -> Iterator[str]:
    found = []
    for probe in PROBES:
        found += _hosts(container.get(probe), f"{container.path}.{probe}")
    lifecycle = known(container.get("lifecycle"), f"{container.path}.lifecycle")
    for handler in HANDLERS:
        found += _hosts(get(lifecycle, handler), f"{container.path}.lifecycle.{handler}")
    if found:
        shown = ", ".join(f"{path}: {host}" for path, host in found)
        yield (f"{where(view, container)} sends probes or lifecycle requests to another host ({shown}): the kubelet "
               f"reaches it from the node, on the pod's behalf. {_FIX}")


def _check(view: PodView, config: Mapping[str, Any], later: Deferred, standard: Standard) -> Iterator[str]:
    yield from each_container(view, later, lambda c: _container(view, c))


CONTROLS = [Control("Host Probes / Lifecycle Hooks", "baseline", _check, since=34)]

METADATA = RuleMetadata(
    id="X195",
    aws_control="The kubelet on EKS nodes, which runs probes and lifecycle handlers from the node's network",
    bpg=("network",),
    pss=("baseline: Host Probes / Lifecycle Hooks",),
)

disallow_probe_host = StackValidationPolicy(
    name="kubernetes-pod-disallow-probe-host",
    description="Probes and lifecycle handlers must not set httpGet.host or tcpSocket.host (Kubernetes 1.34 and later).",
    validate=rule_validator(CONTROLS),
    severity=Severity.MEDIUM,
    tags=METADATA.tags("kubernetes", "pod-security"),
    remediation_steps=_FIX,
    url=PSS_URL,
    config_schema=config_schema(),
)
