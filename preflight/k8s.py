"""Check Kubernetes objects against the OpenAPI schemas of a Kubernetes version.

The schemas come from the ``kubernetes-validate`` package (strict variants: unknown fields are
errors, as ``kubectl apply --validate=strict`` would report). Validators are built once per
(version, kind) instead of re-reading the 1.5 MB definitions file for every object.

Custom resources the platform creates (Karpenter ``NodePool``/``EC2NodeClass``, EKS Auto Mode ``NodeClass`` and
``IngressClassParams``) are checked against the structural schemas shipped in ``preflight/crds/`` (each names its
API reference and date). Their objects usually hold values unknown at a first preview (a key ARN, a role name):
they are validated anyway, and an error about a value that is unknown is dropped, so a misspelt field is an
invalid manifest at preview, not a failed ``up``.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
from kubernetes_validate import utils as kv
from referencing import Registry, Resource

#: Structural schemas of custom resources, one JSON file per kind: ``{apiVersion, kind, source, date, schema}``.
CRD_DIR = Path(__file__).resolve().parent / "crds"
#: How ``report.plain`` renders a value unknown until ``pulumi up``.
UNKNOWN = "[unknown]"

#: Tokens that are not Kubernetes API objects (components, providers, patches, lists).
_NOT_OBJECTS = re.compile(r"^kubernetes:(helm\.sh/|yaml|kustomize)|Patch$|List$")


@dataclass(frozen=True)
class ManifestError:
    urn: str
    kind: str
    path: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"urn": self.urn, "kind": self.kind, "path": self.path, "message": self.message}


def supported_versions() -> list[str]:
    """The Kubernetes minor versions with OpenAPI schemas, oldest first (``1.25`` ... ``1.37``)."""
    minors = {kv.major_minor(v) for v in kv.all_versions()}
    return sorted(minors, key=lambda v: tuple(int(p) for p in v.split(".")))


def schema_version(requested: str) -> str:
    """The newest schema set that is not newer than ``requested`` (``1.35`` -> ``1.35.0``)."""
    wanted = tuple(int(p) for p in kv.major_minor(requested.lstrip("v")).split("."))
    candidates = [v for v in kv.all_versions() if tuple(int(p) for p in kv.major_minor(v).split(".")) <= wanted]
    if not candidates:
        raise ValueError(f"no Kubernetes schemas for {requested}; known: {', '.join(supported_versions())}")
    return candidates[-1]


@functools.lru_cache(maxsize=8)
def _registry(version: str) -> Registry:
    definitions = kv.schema_contents(f"kubernetes-json-schema/v{version}-local-strict/_definitions.json", version)
    return Resource.from_contents(definitions) @ Registry()


@functools.lru_cache(maxsize=512)
def _validator(version: str, api_version: str, kind: str) -> jsonschema.protocols.Validator | None:
    group = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    try:
        schema = kv.schema_contents(f"kubernetes-json-schema/v{version}-local-strict/{kind.lower()}-{group}.json", version)
    except (FileNotFoundError, kv.VersionNotSupportedError):
        return None
    registry = Resource.from_contents(schema) @ _registry(version)
    return jsonschema.validators.Draft202012Validator(schema, registry=registry)


@functools.lru_cache(maxsize=1)
def crd_schemas() -> dict[tuple[str, str], dict[str, Any]]:
    """The shipped custom resource schemas by (apiVersion, kind)."""
    found = {}
    for path in sorted(CRD_DIR.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        found[(doc["apiVersion"], doc["kind"])] = doc
    return found


@functools.lru_cache(maxsize=16)
def _crd_validator(api_version: str, kind: str) -> jsonschema.protocols.Validator | None:
    doc = crd_schemas().get((api_version, kind))
    return None if doc is None else jsonschema.validators.Draft202012Validator(doc["schema"])


def is_custom_resource(type_token: str) -> bool:
    """Whether preflight ships a schema for this custom resource kind (validated even with unknown values)."""
    return type_token.startswith("kubernetes:") and type_token.count(":") == 2 and \
        api_version_and_kind(type_token) in crd_schemas()


def is_kubernetes_object(type_token: str, custom: bool) -> bool:
    return custom and type_token.startswith("kubernetes:") and not _NOT_OBJECTS.search(type_token)


def api_version_and_kind(type_token: str) -> tuple[str, str]:
    """``kubernetes:apps/v1:Deployment`` -> (``apps/v1``, ``Deployment``); ``core/v1`` -> ``v1``."""
    _, group_version, kind = type_token.split(":", 2)
    if group_version.startswith("core/"):
        group_version = group_version.split("/", 1)[1]
    return group_version, kind


def _prune(value: Any) -> Any:
    """Drop nulls (unset inputs) the way the provider does before it sends an object."""
    if isinstance(value, dict):
        return {k: _prune(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_prune(v) for v in value if v is not None]
    return value


def validate_object(urn: str, type_token: str, manifest: dict[str, Any], version: str) -> list[ManifestError] | None:
    """Validate one object; ``None`` when no schema exists for its kind (e.g. a CRD)."""
    api_version, kind = api_version_and_kind(type_token)
    validator = _crd_validator(api_version, kind) or _validator(schema_version(version), api_version, kind)
    if validator is None:
        return None
    body = _prune(manifest)
    body.setdefault("apiVersion", api_version)
    body.setdefault("kind", kind)
    errors = []
    for err in sorted(validator.iter_errors(body), key=lambda e: list(map(str, e.absolute_path))):
        if _is_unknown(err.instance):
            continue  # known only at `pulumi up`: its type, pattern or enum cannot be judged yet
        path = ".".join(str(p) for p in err.absolute_path) or "(root)"
        errors.append(ManifestError(urn=urn, kind=f"{kind} ({api_version})", path=path, message=err.message))
    return errors


def _is_unknown(value: Any) -> bool:
    return value == UNKNOWN
