"""Read a Pulumi project the way the CLI does: Pulumi.yaml, Pulumi.<stack>.yaml and config.

The CLI hands the language host the stack's configuration as ``PULUMI_CONFIG`` (a JSON object of
``namespace:key`` to string) and the names of secret keys as ``PULUMI_CONFIG_SECRET_KEYS``. Project
level config declared in ``Pulumi.yaml`` supplies defaults and types; the stack file supplies values.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import yamlread
from .errors import PreflightError
from .secrets import Decrypter, SecretsUnavailable

#: Project config types the CLI accepts in ``Pulumi.yaml`` (``config: <key>: {type: ...}``).
_PROJECT_CONFIG_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str, int, float, bool),
    "integer": (int, str),
    "boolean": (bool, str),
    "array": (list,),
    "object": (dict,),
}


@dataclass(frozen=True)
class Project:
    """A Pulumi project and one of its stacks, ready to run."""

    root: Path
    """Directory holding ``Pulumi.yaml``."""
    name: str
    """Project name (``name:`` in ``Pulumi.yaml``)."""
    stack: str
    """Stack name."""
    main: Path
    """Program directory or file (``main:`` in ``Pulumi.yaml``, default: the project root)."""
    config: dict[str, str] = field(default_factory=dict)
    """Config as the language host receives it: ``namespace:key`` to a string (JSON for objects)."""
    secret_keys: tuple[str, ...] = ()
    """Config keys whose values are secrets (``secure:`` in the stack file)."""
    unreadable_secrets: tuple[str, ...] = ()
    """Secret keys preflight could not decrypt (no passphrase, or another secrets provider): placeholders."""
    unreadable_why: str = ""
    """What would let preflight read them."""
    warnings: tuple[str, ...] = ()
    """What the CLI would warn about while reading the stack (e.g. a key with no value)."""
    virtualenv: Path | None = None
    """The virtualenv ``runtime.options.virtualenv`` names (resolved against the project directory), if any."""
    tags: dict[str, str] = field(default_factory=dict)
    """Stack tags as Pulumi Cloud sets them: pulumi:project, pulumi:runtime, pulumi:description and the
    ``pulumi:tags`` config; they reach the policy pack's ``ConfigureStack``."""

    def config_value(self, key: str) -> Any:
        """Return a config value decoded from its wire string (JSON where it parses)."""
        raw = self.config.get(key)
        if raw is None:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return raw


def _load_yaml(path: Path) -> dict[str, Any]:
    """``path`` read as the CLI reads it (YAML 1.2 core schema, merge keys; aliases bounded): see yamlread."""
    try:
        data = yamlread.load(path).data
    except OSError as exc:
        raise PreflightError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise PreflightError(f"{path} is not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    except yamlread.YamlError as exc:
        where = f"{path}:{exc.line}" if exc.line else str(path)
        raise PreflightError(f"{where}: {exc.message}" if exc.checked else f"{where} is not valid YAML: "
                             f"{exc.message}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise PreflightError(f"{path} must hold a YAML mapping at the top level")
    return data


def _qualify(key: str, project: str) -> str:
    """Return ``key`` with its namespace; keys without one belong to the project."""
    return key if ":" in key else f"{project}:{key}"


def _to_wire(value: Any) -> str:
    """Encode a config value the way the CLI passes it to a program (strings stay bare)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), sort_keys=False)


def _secret_placeholder(key: str) -> str:
    return f"preflight-secret-{key.replace(':', '-')}"


def _strip_secure(key: str, value: Any, decrypter: Decrypter | None) -> tuple[Any, bool]:
    """Decrypt ``{secure: ...}`` values (placeholders without a decrypter); report whether any was found.

    The program receives the value as a secret either way; a placeholder is a stable string.
    """
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            plain = decrypter.decrypt(key, str(value["secure"])) if decrypter else _secret_placeholder(key)
            return plain, True
        found = False
        out = {}
        for k, v in value.items():
            out[k], f = _strip_secure(key, v, decrypter)
            found = found or f
        return out, found
    if isinstance(value, list):
        found = False
        items = []
        for v in value:
            item, f = _strip_secure(key, v, decrypter)
            items.append(item)
            found = found or f
        return items, found
    return value, False


def _stack_tags(project: str, runtime: str, description: Any, user: Any) -> dict[str, str]:
    tags = {"pulumi:project": project, "pulumi:runtime": runtime}
    if description:
        tags["pulumi:description"] = str(description)
    if isinstance(user, dict):
        tags.update({str(k): str(v) for k, v in user.items()})
    return tags


def _decrypter(stack_spec: dict[str, Any], stack_file: Path) -> tuple[Decrypter | None, str]:
    """The stack's decrypter, or None and why its secrets cannot be read offline."""
    salt = stack_spec.get("encryptionsalt")
    if not salt:
        provider = stack_spec.get("secretsprovider") or "Pulumi Cloud, the default"
        return None, f"the stack's secrets provider ({provider}) cannot be reached offline"
    try:
        return Decrypter(str(salt), stack_file), ""
    except SecretsUnavailable:
        return None, ("set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) to decrypt them, as "
                      "`pulumi preview` would")


def _project_defaults(spec: dict[str, Any], project: str,
                      path: Path) -> tuple[dict[str, Any], dict[str, str], set[str]]:
    """Return (defaults, declared types, keys declared ``secret: true``) from ``Pulumi.yaml``'s ``config:``."""
    defaults: dict[str, Any] = {}
    types: dict[str, str] = {}
    secrets: set[str] = set()
    for raw_key, decl in (spec or {}).items():
        key = _qualify(str(raw_key), project)
        other_namespace = key.split(":", 1)[0] != project
        if isinstance(decl, dict) and "default" in decl and "value" in decl:
            raise PreflightError(f"{path}: project config '{raw_key}' cannot have both a 'default' and 'value' "
                                 "attribute")
        if isinstance(decl, dict) and other_namespace:
            # Another package's key (pulumi:tags, aws:region): a value, never a declaration (as the CLI reads it).
            if "value" not in decl or "type" in decl or "default" in decl:
                raise PreflightError(f"{path}: Configuration key '{raw_key}' is namespaced and must provide an "
                                     "attribute 'value'")
            defaults[key] = decl["value"]
            continue
        if isinstance(decl, dict) and "value" in decl and "type" not in decl:
            defaults[key] = decl["value"]
            continue
        if isinstance(decl, dict):
            declared = decl.get("type")
            if declared not in _PROJECT_CONFIG_TYPES:
                raise PreflightError(
                    f"{path}: config key '{raw_key}' needs a type, one of "
                    f"{', '.join(sorted(_PROJECT_CONFIG_TYPES))} (the Pulumi CLI refuses other declarations)"
                )
            if declared == "array" and "items" not in decl:
                raise PreflightError(f"{path}: config key '{raw_key}' is an array and needs 'items: {{type: ...}}'")
            types[key] = declared
            if decl.get("secret") is True:
                secrets.add(key)
            if "default" in decl:
                defaults[key] = decl["default"]
        elif isinstance(decl, (str, int, bool, list)):
            defaults[key] = decl
        else:
            raise PreflightError(
                f"{path}: config key '{raw_key}' must be a string, integer, boolean or a type declaration"
            )
    return defaults, types, secrets


def _check_type(key: str, value: Any, declared: str, path: Path) -> None:
    """The CLI's check: scalars arrive as strings, so "3" is an integer and "true" a boolean, as 3 and true are."""
    expected = _PROJECT_CONFIG_TYPES[declared]
    ok = isinstance(value, expected)
    if declared == "integer":
        ok = not isinstance(value, bool) and str(value).lstrip("+-").isdigit()
    elif declared == "boolean":
        ok = isinstance(value, bool) or value in ("true", "false")
    if not ok:
        hint = ""
        if declared == "boolean" and isinstance(value, str) and value.lower() in ("y", "yes", "on", "n", "no", "off"):
            hint = (f" (the CLI reads YAML 1.2, where {value} is a string, not a boolean): write "
                    f"{'true' if value.lower() in ('y', 'yes', 'on') else 'false'}")
        raise PreflightError(
            f"{path}: config key '{key}' must be of type {declared} (declared in Pulumi.yaml), "
            f"got {type(value).__name__} {value!r}{hint}"
        )


def load_project(program_dir: Path, stack: str) -> Project:
    """Load ``Pulumi.yaml`` and ``Pulumi.<stack>.yaml`` from ``program_dir``.

    Raises :class:`PreflightError` with a message naming the file and key for anything the
    Pulumi CLI would refuse.
    """
    root = program_dir.resolve()
    project_file = next((root / n for n in ("Pulumi.yaml", "Pulumi.yml") if (root / n).is_file()), None)
    if project_file is None:
        raise PreflightError(f"no Pulumi.yaml in {root}; pass --program with a Pulumi project directory")
    spec = _load_yaml(project_file)

    name = spec.get("name")
    if not isinstance(name, str) or not name:
        raise PreflightError(f"{project_file}: 'name' is required (e.g. name: my-project)")
    runtime = spec.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if runtime_name != "python":
        raise PreflightError(
            f"{project_file}: runtime is {runtime_name!r}; preflight runs Python programs (runtime: python)"
        )

    options = runtime.get("options") if isinstance(runtime, dict) else None
    venv = options.get("virtualenv") if isinstance(options, dict) else None
    if venv is not None and (not isinstance(venv, str) or not venv.strip()):
        raise PreflightError(f"{project_file}: runtime.options.virtualenv must be a directory path (e.g. venv)")

    main = root / str(spec.get("main") or ".")
    if not main.exists():
        raise PreflightError(f"{project_file}: main points to {main}, which does not exist")
    if main.is_dir() and not (main / "__main__.py").is_file():
        raise PreflightError(f"{project_file}: main directory {main} has no __main__.py")

    config_dir = root / str(spec.get("stackConfigDir") or ".")
    stack_file = next(
        (config_dir / f"Pulumi.{stack}.{ext}" for ext in ("yaml", "yml") if (config_dir / f"Pulumi.{stack}.{ext}").is_file()),
        None,
    )
    if stack_file is None:
        raise PreflightError(
            f"no stack file Pulumi.{stack}.yaml in {config_dir}; create it or pick another stack with --stack"
        )
    stack_spec = _load_yaml(stack_file)

    defaults, types, declared_secret = _project_defaults(spec.get("config") or {}, name, project_file)
    values: dict[str, Any] = dict(defaults)
    secret_keys: list[str] = []
    empty: list[str] = []
    stack_config = stack_spec.get("config") or {}
    if not isinstance(stack_config, dict):
        raise PreflightError(f"{stack_file}: 'config' must be a mapping of keys to values")
    has_secrets = _strip_secure("", stack_config, None)[1]
    decrypter, why_unreadable = _decrypter(stack_spec, stack_file) if has_secrets else (None, "")
    for raw_key, value in stack_config.items():
        key = _qualify(str(raw_key), name)
        if value is None:  # the CLI reads a key with no value as "" (and warns)
            value = ""
            empty.append(key)
        value, is_secret = _strip_secure(key, value, decrypter)
        if is_secret:
            secret_keys.append(key)
        elif key in declared_secret and key in types:
            raise PreflightError(f"{stack_file}: Stack '{stack}' with configuration key '{raw_key}' must be encrypted "
                                 "as it's secret (secret: true in Pulumi.yaml): pulumi config set --secret")
        values[key] = value

    for key, declared in types.items():
        if key in values and values[key] is not None and (key not in secret_keys or decrypter is not None):
            value = values[key]
            if key in secret_keys and declared in ("array", "object") and isinstance(value, str):
                try:  # a secret array or object is stored as encrypted JSON text
                    value = json.loads(value)
                except ValueError:
                    pass
            _check_type(key, value, declared, stack_file)
    warnings = []
    if empty:
        keys = " and ".join(f'"{k}"' for k in empty) if len(empty) <= 2 else ", ".join(f'"{k}"' for k in empty)
        warnings.append(f"No value for configuration key{'s' if len(empty) > 1 else ''} {keys}. This is currently "
                        "treated as an empty string `\"\"`, as the Pulumi CLI does.")
    unreadable = tuple(sorted(secret_keys)) if secret_keys and decrypter is None else ()
    if unreadable:
        warnings.append(f"secret config key(s) {', '.join(unreadable)} hold placeholders: {why_unreadable}")

    config = {k: _to_wire(v) for k, v in sorted(values.items()) if v is not None}
    return Project(
        root=root,
        name=name,
        stack=stack,
        main=main,
        config=config,
        secret_keys=tuple(sorted(secret_keys)),
        tags=_stack_tags(name, runtime_name, spec.get("description"), values.get("pulumi:tags")),
        unreadable_secrets=unreadable,
        unreadable_why=why_unreadable if unreadable else "",
        warnings=tuple(warnings),
        virtualenv=root / venv if venv else None,
    )
