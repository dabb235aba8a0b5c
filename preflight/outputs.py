"""Up-phase values for the outputs a provider computes, derived from the resource's type in its SDK.

A provider answers a create with the resource's whole state: the inputs, plus every output its schema marks
as always present (the Python SDKs type those ``Output[T]``; outputs the provider may leave out are
``Output[Optional[T]]``). The mock cloud's handlers give the outputs programs read most (EKS endpoints,
ARNs, ...); this module fills in the rest, so no output a real ``pulumi up`` gives is ``None``:

* the SDK class of a resource type is found through the resource modules the SDK registers when the
  program imports it (``pulumi.runtime.register_resource_module``), so any provider SDK the program uses
  is covered (pulumi-aws, aws-native, pulumi-kubernetes, ...);
* each required output the state lacks gets a value of its type, shaped after its name (``...Arn`` an ARN of
  the resource's service, ``...Id`` an ID, ``...Name`` the name, endpoints and URLs host names, timestamps a
  fixed date, other strings ``""``, numbers ``0``, lists and maps empty, nested objects their own required
  fields); optional outputs stay absent, as the provider leaves them;
* Kubernetes objects get what the API server fills in (:func:`kubernetes_object`).

Everything is derived from the resource's identity, never from time or randomness: the same program gives
the same values on every run. In the preview phase the monitor turns all of these into unknowns.
"""

from __future__ import annotations

import re
import sys
import types
import typing
import uuid
from typing import Any

#: Fixed creation time for every object (the mock cloud has no clock: runs must compare byte for byte).
CREATED = "2026-01-01T00:00:00Z"

#: How deep nested output types are filled (they can be recursive: JSON schema props, ...).
_MAX_DEPTH = 3

#: EC2-style ID prefixes for ``<prefix>Id`` output names.
_ID_PREFIX = {
    "vpc": "vpc", "subnet": "subnet", "securityGroup": "sg", "clusterSecurityGroup": "sg", "routeTable": "rtb",
    "mainRouteTable": "rtb", "defaultRouteTable": "rtb", "defaultSecurityGroup": "sg", "defaultNetworkAcl": "acl",
    "networkAcl": "acl", "internetGateway": "igw", "natGateway": "nat", "allocation": "eipalloc",
    "association": "eipassoc", "networkInterface": "eni", "primaryNetworkInterface": "eni", "instance": "i",
    "launchTemplate": "lt", "image": "ami", "ami": "ami", "dhcpOptions": "dopt", "volume": "vol",
    "snapshot": "snap", "vpcEndpoint": "vpce", "prefixList": "pl", "transitGateway": "tgw", "keyPair": "key",
    "fileSystem": "fs", "accessPoint": "fsap", "mountTarget": "fsmt",
}

_CLUSTER_SCOPED = frozenset({
    "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "StorageClass",
    "CustomResourceDefinition", "PriorityClass", "IngressClass", "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration", "APIService", "CSIDriver", "CSINode", "RuntimeClass", "VolumeAttachment",
    "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding", "PodSecurityPolicy", "CertificateSigningRequest", "ComponentStatus",
    "FlowSchema", "PriorityLevelConfiguration", "StorageVersion", "VolumeAttributesClass", "DeviceClass",
    "ClusterTrustBundle", "IPAddress", "ServiceCIDR", "StorageVersionMigration", "ResourceSlice",
})


def is_namespaced(kind: str) -> bool:
    """Whether objects of ``kind`` live in a namespace (custom resources are taken to: most are)."""
    return kind not in _CLUSTER_SCOPED


def uid(*parts: str) -> str:
    """A deterministic UUID (the shape of Kubernetes ``uid`` and many AWS identifiers)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "\x1f".join(parts)))


# -- the SDK's view of a type ------------------------------------------------------------------

def sdk_class(token: str) -> type | None:
    """The Python class of resource type ``token`` in its SDK, if the program imported that SDK.

    Looked up in already-loaded modules only: the monitor runs on the SDK's executor threads while the
    program may be importing on its own, and the SDKs' lazily loaded modules are not safe to load from two
    threads at once (Python 3.11's ``LazyLoader``).
    """
    parts = token.split(":")
    if len(parts) != 3:
        return None
    from pulumi.runtime import rpc

    modules = getattr(rpc, "_RESOURCE_MODULES", {})
    for module in list(modules.get(f"{parts[0]}:{parts[1]}", [])):
        info = getattr(module, "mod_info", None)
        if isinstance(info, dict) and token in (info.get("classes") or {}):
            found = _loaded(f"{info['fqn']}.{info['classes'][token]}")
            return found if isinstance(found, type) else None
    return None


def _loaded(dotted: str, namespace: dict[str, Any] | None = None) -> Any:
    """The object a dotted name refers to, through modules already loaded; None if that needs an import."""
    found = _walk(dotted, namespace)
    if found is None and namespace is None and "." in dotted:  # a package that does not re-export the module
        module, _, name = dotted.rpartition(".")
        loaded = sys.modules.get(module)
        if loaded is not None and type(loaded) is types.ModuleType:
            found = object.__getattribute__(loaded, "__dict__").get(name)
    return found


def _walk(dotted: str, namespace: dict[str, Any] | None) -> Any:
    head, *rest = dotted.split(".")
    if namespace is not None and head in namespace:
        obj = namespace[head]
    else:
        obj = sys.modules.get(head)
    for part in rest:
        if isinstance(obj, types.ModuleType):
            if type(obj) is not types.ModuleType:  # a lazy module not loaded yet
                return None
            attrs = object.__getattribute__(obj, "__dict__")
            obj = attrs.get(part, sys.modules.get(f"{attrs.get('__name__')}.{part}"))
        else:
            obj = getattr(obj, part, None) if isinstance(obj, type) else None
        if obj is None:
            return None
    if isinstance(obj, types.ModuleType) and type(obj) is not types.ModuleType:
        return None
    return obj


_FIELDS: dict[type, dict[str, tuple[Any, bool]]] = {}


def fields(cls: type) -> dict[str, tuple[Any, bool]]:
    """Output properties of a resource class or output type: Pulumi name -> (type, optional).

    Types are normalised: ``str``, ``int``, ``float``, ``bool``, ``list``, ``dict``, ``Any``, a Literal, an
    output type or a resource class, or ``None`` where the annotation names something not loaded.
    """
    cached = _FIELDS.get(cls)
    if cached is not None:
        return cached
    out: dict[str, tuple[Any, bool]] = {}
    for klass in reversed(cls.__mro__):
        for prop in list(vars(klass).values()):
            fget = getattr(prop, "fget", None) if isinstance(prop, property) else None
            name = getattr(fget, "_pulumi_name", None)
            if not name:
                continue
            hint = getattr(fget, "__annotations__", {}).get("return")
            module = sys.modules.get(getattr(fget, "__module__", ""), None)
            namespace = dict(vars(module)) if module is not None and type(module) is types.ModuleType else {}
            typ, optional = _normalise(hint, namespace)
            out[str(name)] = (typ, optional)
    if all(typ is not None for typ, _ in out.values()):
        _FIELDS[cls] = out  # kept only when complete: a module loaded later may resolve the rest
    return out


_SEQUENCES = {list, tuple, set, frozenset}
_BUILTINS: dict[str, Any] = {"str": str, "int": int, "float": float, "bool": bool, "Any": Any}


def _normalise(hint: Any, namespace: dict[str, Any]) -> tuple[Any, bool]:
    """(type, optional) for a return annotation, resolving forward references without importing."""
    from pulumi import Output

    if isinstance(hint, typing.ForwardRef):
        hint = hint.__forward_arg__
    if isinstance(hint, str):
        hint = hint.strip()
        if hint in _BUILTINS:
            return _BUILTINS[hint], False
        if re.fullmatch(r"[A-Za-z_][\w.]*", hint):
            return _normalise(_loaded(hint, namespace), namespace) if _loaded(hint, namespace) is not None else (None, False)
        try:  # a whole annotation as text (a module with ``from __future__ import annotations``)
            return _normalise(eval(hint, dict(namespace)), namespace)  # noqa: S307 - the SDK's own annotation
        except Exception:  # noqa: BLE001 - a name not loaded: nothing to derive
            return None, False
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Output or hint is Output:
        return _normalise(args[0], namespace) if args else (Any, False)
    if origin is typing.Union or origin is types.UnionType:
        rest = [a for a in args if a is not type(None)]
        typ, _ = _normalise(rest[0], namespace) if len(rest) == 1 else (None, False)
        return typ, len(rest) != len(args)
    if origin is typing.Literal:
        return hint, False
    if origin in _SEQUENCES or _is_abc(origin, "Sequence"):
        return list, False
    if origin is dict or _is_abc(origin, "Mapping"):
        return dict, False
    if hint is Any or hint in (str, int, float, bool):
        return hint, False
    if isinstance(hint, type):
        return hint, False
    return None, False


# -- values ------------------------------------------------------------------------------------

class Context:
    """What a value is derived from: the resource's type, name, ID, and the cloud it lives in."""

    def __init__(self, token: str, name: str, resource_id: str, account: str, region: str, partition: str,
                 dns_suffix: str) -> None:
        self.token, self.name, self.id = token, name, resource_id
        self.account, self.region, self.partition, self.dns_suffix = account, region, partition, dns_suffix
        module = token.split(":")[1] if token.count(":") == 2 else ""
        self.service = module.split("/")[0].split(".")[0] or "resource"

    def hex(self, *parts: str, length: int = 16) -> str:
        return uid(self.token, self.name, *parts).replace("-", "")[:length]

    def arn(self, what: str) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{what}"


def _kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def _string(key: str, ctx: Context) -> str:
    lower = key.lower()
    if key == "id":
        return ctx.id
    if lower in ("ownerid", "accountid", "awsaccountid", "registryid"):
        return ctx.account
    if lower in ("region", "awsregion"):
        return ctx.region
    if lower == "availabilityzone":
        return ctx.region + "a"
    if lower == "availabilityzoneid":
        return ctx.region[:2] + ctx.region.split("-")[-1] + "-az1"
    if key == "arn":
        return ctx.arn(f"{_kebab(ctx.token.rsplit(':', 1)[-1])}/{ctx.id}")
    if key.endswith("Arn"):
        return ctx.arn(f"{_kebab(key[:-3])}/{ctx.name}-{ctx.hex(key, length=7)}")
    if lower.endswith("zoneid") and "availability" not in lower:
        return "Z" + ctx.hex(key, length=13).upper()  # a Route 53 hosted zone
    if key.endswith("Id"):
        prefix = _ID_PREFIX.get(key[:-2])
        return f"{prefix}-0{ctx.hex(key)}" if prefix else ctx.hex(key, length=20)
    if lower.endswith(("endpoint", "dnsname", "hostname", "domainname", "domain", "address", "fqdn")):
        return f"{ctx.name}-{ctx.hex(key, length=10)}.{ctx.service}.{ctx.region}.{ctx.dns_suffix}"
    if key == "name" or key.endswith("Name"):
        return ctx.id if key == "name" else f"{ctx.name}-{ctx.hex(key, length=7)}"
    if lower.endswith(("url", "uri")):
        return f"https://{ctx.name}-{ctx.hex(key, length=10)}.{ctx.service}.{ctx.region}.{ctx.dns_suffix}"
    if lower.endswith(("date", "time", "timestamp")) or key.endswith("At"):
        return CREATED
    return ""


def value_of(key: str, typ: Any, ctx: Context, depth: int = 0) -> Any:
    """A plausible value of type ``typ`` for the output ``key``; ``None`` where none can be made."""
    if typ is str:
        return _string(key, ctx)
    if typ is bool:
        return False
    if typ is int or typ is float:
        return typ(0)
    if typing.get_origin(typ) is typing.Literal:
        return typing.get_args(typ)[0]
    if typ is list:
        return []
    if typ is dict:
        return {}
    if typ is Any:
        return {}
    if isinstance(typ, type) and _is_output_type(typ):
        return object_of(typ, ctx, depth + 1) if depth < _MAX_DEPTH else {}
    return None  # resources (references), unions, unresolved names: nothing to invent


def _is_abc(origin: Any, name: str) -> bool:
    import collections.abc as abc

    return origin is not None and isinstance(origin, type) and issubclass(origin, getattr(abc, name))


def _is_output_type(cls: type) -> bool:
    from pulumi import _types

    return _types.is_output_type(cls)


def object_of(cls: type, ctx: Context, depth: int = 0) -> dict[str, Any]:
    """An object of output type ``cls`` with its required fields."""
    out: dict[str, Any] = {}
    for key, (typ, optional) in fields(cls).items():
        if optional:
            continue
        value = value_of(key, typ, ctx, depth)
        if value is not None:
            out[key] = value
    return out


def complete(state: dict[str, Any], ctx: Context) -> list[str]:
    """Add to ``state`` every required output of ``ctx.token``'s SDK class it lacks (nested ones too).

    Returns the dotted paths added.
    """
    cls = sdk_class(ctx.token)
    if cls is None:
        return []
    added: list[str] = []
    for key, (typ, optional) in fields(cls).items():
        if optional or key in ("urn",):
            continue
        if state.get(key) is None:
            value = value_of(key, typ, ctx)
            if value is not None:
                state[key] = value
                added.append(key)
        elif isinstance(state[key], dict) and isinstance(typ, type) and _is_output_type(typ):
            added += [f"{key}.{sub}" for sub in _complete_nested(state[key], typ, ctx, 1)]
    return added


def _complete_nested(obj: dict[str, Any], cls: type, ctx: Context, depth: int) -> list[str]:
    added: list[str] = []
    if depth > _MAX_DEPTH:
        return added
    for key, (typ, optional) in fields(cls).items():
        if optional:
            continue
        if obj.get(key) is None:
            value = value_of(key, typ, ctx, depth)
            if value is not None:
                obj[key] = value
                added.append(key)
    return added


# -- Kubernetes --------------------------------------------------------------------------------

def kubernetes_object(token: str, name: str, state: dict[str, Any], ctx: Context) -> list[str]:
    """What the API server (and pulumi-kubernetes) fill in on an object just created.

    ``metadata``: the name (pulumi-kubernetes auto-names ``<name>-<8 characters>``), the namespace
    (``default`` for namespaced kinds), ``uid``, ``creationTimestamp``, ``generation``,
    ``resourceVersion``; labels and annotations stay the program's. ``status`` is present and empty for
    kinds that have one; a Service of type LoadBalancer (and an Ingress) gets the load balancer's host name
    AWS gives it; a Service gets a cluster IP. Returns the dotted paths the server filled in.
    """
    before_meta = set(state["metadata"]) if isinstance(state.get("metadata"), dict) else set()
    before_spec = set(state["spec"]) if isinstance(state.get("spec"), dict) else set()
    had_status = "status" in state
    kind = str(state.get("kind") or token.rsplit(":", 1)[-1])
    metadata = state.get("metadata") if isinstance(state.get("metadata"), dict) else {}
    metadata = dict(metadata)
    if not metadata.get("name"):
        metadata["name"] = f"{name}-{ctx.hex('autoname', length=8)}"
    if is_namespaced(kind):
        metadata.setdefault("namespace", "default")
    metadata.setdefault("uid", uid(ctx.token, ctx.name, "uid"))
    metadata.setdefault("creationTimestamp", CREATED)
    metadata.setdefault("generation", 1)
    metadata.setdefault("resourceVersion", str(int(ctx.hex("rv", length=6), 16)))
    state["metadata"] = metadata
    cls = sdk_class(token)
    has_status = cls is not None and "status" in fields(cls)
    if kind == "Service":
        spec = dict(state.get("spec") or {}) if isinstance(state.get("spec"), dict) else {}
        spec.setdefault("type", "ClusterIP")
        if spec.get("clusterIP") != "None":
            octets = bytes.fromhex(ctx.hex("cluster-ip", length=4))
            spec.setdefault("clusterIP", f"10.100.{octets[0]}.{max(octets[1], 1)}")
        state["spec"] = spec
        ingress = [{"hostname": _elb_hostname(ctx, metadata["name"])}] if spec["type"] == "LoadBalancer" else None
        state.setdefault("status", {"loadBalancer": {"ingress": ingress} if ingress else {}})
    elif kind == "Ingress":
        state.setdefault("status", {"loadBalancer": {"ingress": [{"hostname": _elb_hostname(ctx, metadata["name"])}]}})
    elif has_status:
        state.setdefault("status", {})
    added = [f"metadata.{k}" for k in state["metadata"] if k not in before_meta and k != "name"]
    if isinstance(state.get("spec"), dict):
        added += [f"spec.{k}" for k in state["spec"] if k not in before_spec]
    return added + (["status"] if "status" in state and not had_status else [])


def _elb_hostname(ctx: Context, name: str) -> str:
    """The DNS name AWS gives a Service's load balancer (``<32 hex>-<10 digits>.<region>.elb.amazonaws.com``)."""
    digits = str(int(ctx.hex("elb-digits", length=10), 16))[:10]
    return f"a{ctx.hex('elb', name, length=31)}-{digits}.{ctx.region}.elb.{ctx.dns_suffix}"


# -- invokes preflight cannot answer -----------------------------------------------------------

#: Elements an unknown list result gets, so that a program indexing it (``ids[0]``, ``ids[1]``) still runs.
UNKNOWN_LIST_LENGTH = 2


def stand_in_result(token: str, ctx: Context) -> dict[str, Any] | None:
    """A result of invoke ``token`` with a stand-in of its type for every field; None if the type is not found.

    A plain invoke (``aws.ec2.get_vpc(...)``, not ``get_vpc_output``) hands its caller an object built at
    once, whose constructor checks each field's type: an unknown (or ``None`` everywhere) would end the
    program. Strings are shaped after their names (``id`` ``vpc-0...``, ``...Arn`` ARNs ...); lists of
    strings get :data:`UNKNOWN_LIST_LENGTH` IDs, so that ``ids[0]`` and ``ids[1]`` work.
    """
    cls = _result_class(token)
    if cls is None:
        return None
    result: dict[str, Any] = {}
    for key, (typ, _optional) in fields(cls).items():
        if typ is list and key.lower().endswith("ids"):
            prefix = ctx.id.split("-", 1)[0] + "-0" if "-" in ctx.id else ""
            result[key] = [f"{prefix}{ctx.hex(key, str(i))}" for i in range(UNKNOWN_LIST_LENGTH)]
            continue
        value = value_of(key, typ, ctx)
        if value is not None:
            result[key] = value
    return result


def _result_class(token: str) -> type | None:
    """``aws:ec2/getVpc:getVpc`` -> ``pulumi_aws.ec2.get_vpc.GetVpcResult`` (if that module is loaded)."""
    parts = token.split(":")
    if len(parts) != 3 or not parts[2]:
        return None
    package, module, function = parts
    from pulumi.runtime import rpc

    root = ""
    for key, modules in list(getattr(rpc, "_RESOURCE_MODULES", {}).items()):
        if key.split(":", 1)[0] == package:
            info = getattr(modules[0], "mod_info", None) if modules else None
            if isinstance(info, dict) and info.get("fqn"):
                root = str(info["fqn"]).split(".")[0]
                break
    if not root:
        root = "pulumi_" + package.replace("-", "_")
    sub = module.split("/")[0]
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", function).lower()
    result = function[:1].upper() + function[1:] + "Result"
    for path in (f"{root}.{sub}.{snake}", f"{root}.{snake}"):
        loaded = sys.modules.get(path)  # the function's own module (its package re-exports the function)
        if loaded is not None and type(loaded) is types.ModuleType:
            found = object.__getattribute__(loaded, "__dict__").get(result)
            if isinstance(found, type):
                return found
    return None
