"""Reading Pulumi.yaml and stack files the way the CLI does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from preflight.errors import PreflightError
from preflight.project import load_project


def write(tmp: Path, project: str, stack: str | None = None, main: str | None = None) -> Path:
    (tmp / "Pulumi.yaml").write_text(project)
    if stack is not None:
        (tmp / "Pulumi.dev.yaml").write_text(stack)
    (tmp / (main or ".")).mkdir(exist_ok=True, parents=True)
    (tmp / (main or ".") / "__main__.py").write_text("")
    return tmp


def test_defaults_types_and_namespacing(tmp_path: Path) -> None:
    write(tmp_path, "name: demo\nruntime: python\nconfig:\n  size: {type: integer, default: 3}\n  mode: fast\n"
                    "  zones: {type: array, items: {type: string}, default: [a, b]}\n",
          "config:\n  aws:region: eu-west-1\n  demo:size: 5\n  demo:obj: {a: 1}\n")
    p = load_project(tmp_path, "dev")
    assert p.name == "demo" and p.stack == "dev" and p.main == tmp_path.resolve()
    assert p.config == {"aws:region": "eu-west-1", "demo:mode": "fast", "demo:obj": '{"a":1}', "demo:size": "5",
                        "demo:zones": '["a","b"]'}
    assert p.config_value("demo:obj") == {"a": 1}


def test_secure_values_become_marked_placeholders(tmp_path: Path) -> None:
    write(tmp_path, "name: demo\nruntime: python\n",
          "config:\n  demo:token:\n    secure: v1:abc:def\n  demo:nested:\n    user: me\n    pass:\n      secure: v1:x:y\n")
    p = load_project(tmp_path, "dev")
    assert p.secret_keys == ("demo:nested", "demo:token")
    assert p.config["demo:token"] == "preflight-secret-demo-token"
    assert json.loads(p.config["demo:nested"]) == {"user": "me", "pass": "preflight-secret-demo-nested"}


def test_main_and_stack_config_dir(tmp_path: Path) -> None:
    write(tmp_path, "name: demo\nruntime: {name: python, options: {virtualenv: venv}}\nmain: infra/\n"
                    "stackConfigDir: stacks\n", main="infra")
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "Pulumi.dev.yaml").write_text("config: {}\n")
    p = load_project(tmp_path, "dev")
    assert p.main == (tmp_path / "infra").resolve()


@pytest.mark.parametrize(("project", "stack", "fragment"), [
    ("name: demo\nruntime: nodejs\n", "config: {}\n", "runtime is 'nodejs'; preflight runs Python programs"),
    ("runtime: python\n", "config: {}\n", "'name' is required"),
    ("name: demo\nruntime: python\nconfig:\n  n: {type: integer}\n", "config:\n  demo:n: many\n",
     "config key 'demo:n' must be of type integer"),
    ("name: demo\nruntime: python\nconfig:\n  n: {type: float}\n", "config: {}\n", "config key 'n' needs a type"),
    ("name: demo\nruntime: python\nconfig:\n  n: {type: array}\n", "config: {}\n", "needs 'items"),
    ("name: demo\nruntime: python\nmain: nowhere/\n", "config: {}\n", "main points to"),
    ("name: demo\nruntime: python\n", "config: [1, 2]\n", "'config' must be a mapping"),
    ("name: [demo\n", "config: {}\n", "is not valid YAML"),
])
def test_refusals_name_file_and_key(tmp_path: Path, project: str, stack: str, fragment: str) -> None:
    (tmp_path / "Pulumi.yaml").write_text(project)
    (tmp_path / "Pulumi.dev.yaml").write_text(stack)
    (tmp_path / "__main__.py").write_text("")
    with pytest.raises(PreflightError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        load_project(tmp_path, "dev")


def test_missing_files(tmp_path: Path) -> None:
    with pytest.raises(PreflightError, match="no Pulumi.yaml"):
        load_project(tmp_path, "dev")
    write(tmp_path, "name: demo\nruntime: python\n")
    with pytest.raises(PreflightError, match=r"no stack file Pulumi.prod.yaml"):
        load_project(tmp_path, "prod")


@pytest.mark.parametrize(("text", "fragment"), [
    ("config:\n  eks-platform:vpcCidr: 10.1.0.0/16\n  eks-platform:vpcCidr: 10.2.0.0/16\n",
     "Pulumi.dev.yaml:3: key 'eks-platform:vpcCidr' is given twice in the same mapping (first on line 2); keep one"),
    ("config:\n  eks-platform:nodeGroups:\n    general: {minSize: 1}\n    general: {minSize: 2}\n",
     "Pulumi.dev.yaml:4: key 'general' is given twice"),
])
def test_a_key_given_twice_is_refused_naming_both_lines(tmp_path: Path, text: str, fragment: str) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: twice\nruntime: python\n")
    (tmp_path / "__main__.py").write_text("")
    (tmp_path / "Pulumi.dev.yaml").write_text(text)
    with pytest.raises(PreflightError) as caught:
        load_project(tmp_path, "dev")
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'Pulumi.dev.yaml'}:") and fragment in message


def _encrypter(passphrase: str) -> tuple[str, object]:
    """A passphrase stack's encryptionsalt and an encrypt function, written from the CLI's recipe."""
    import base64
    import os

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from preflight.secrets import derive_key

    salt = os.urandom(8)
    key = derive_key(passphrase, salt)

    def encrypt(text: str) -> str:
        nonce = os.urandom(12)
        sealed = AESGCM(key).encrypt(nonce, text.encode(), None)
        return f"v1:{base64.b64encode(nonce).decode()}:{base64.b64encode(sealed).decode()}"

    return f"v1:{base64.b64encode(salt).decode()}:{encrypt('pulumi')}", encrypt


def test_passphrase_secrets_are_decrypted_and_stay_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    salt, encrypt = _encrypter("correct horse")
    write(tmp_path, "name: demo\nruntime: python\nconfig:\n  size: {type: integer, secret: true}\n",
          f"encryptionsalt: {salt}\nconfig:\n  demo:size:\n    secure: {encrypt('7')}\n"  # type: ignore[operator]
          f"  demo:db:\n    user: app\n    password:\n      secure: {encrypt('s3cr3t')}\n")  # type: ignore[operator]
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "correct horse")
    p = load_project(tmp_path, "dev")
    assert p.config["demo:size"] == "7"
    assert json.loads(p.config["demo:db"]) == {"user": "app", "password": "s3cr3t"}
    assert p.secret_keys == ("demo:db", "demo:size") and p.unreadable_secrets == () and p.warnings == ()


def test_a_wrong_passphrase_is_refused_like_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    salt, encrypt = _encrypter("correct horse")
    write(tmp_path, "name: demo\nruntime: python\n",
          f"encryptionsalt: {salt}\nconfig:\n  demo:token:\n    secure: {encrypt('t')}\n")  # type: ignore[operator]
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "battery staple")
    with pytest.raises(PreflightError, match="incorrect passphrase"):
        load_project(tmp_path, "dev")


def test_without_a_passphrase_preflight_names_the_secret_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    salt, encrypt = _encrypter("correct horse")
    write(tmp_path, "name: demo\nruntime: python\n",
          f"encryptionsalt: {salt}\nconfig:\n  demo:token:\n    secure: {encrypt('t')}\n")  # type: ignore[operator]
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE", raising=False)
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE_FILE", raising=False)
    p = load_project(tmp_path, "dev")
    assert p.unreadable_secrets == ("demo:token",)
    assert p.warnings == ("secret config key(s) demo:token hold placeholders: set PULUMI_CONFIG_PASSPHRASE (or "
                          "PULUMI_CONFIG_PASSPHRASE_FILE) to decrypt them, as `pulumi preview` would",)


def test_a_declared_secret_in_plaintext_is_refused_like_the_cli(tmp_path: Path) -> None:
    write(tmp_path, "name: demo\nruntime: python\nconfig:\n  token: {type: string, secret: true}\n",
          "config:\n  demo:token: hunter2\n")
    with pytest.raises(PreflightError, match="Stack 'dev' with configuration key 'demo:token' must be encrypted "
                                             "as it's secret"):
        load_project(tmp_path, "dev")


@pytest.mark.parametrize(("declared", "value", "wire"), [
    ("integer", '"3"', "3"), ("integer", "3", "3"), ("boolean", '"true"', "true"), ("boolean", "false", "false"),
    ("string", "90", "90"),
])
def test_typed_keys_accept_what_the_cli_accepts(tmp_path: Path, declared: str, value: str, wire: str) -> None:
    write(tmp_path, f"name: demo\nruntime: python\nconfig:\n  k: {{type: {declared}}}\n", f"config:\n  demo:k: {value}\n")
    assert load_project(tmp_path, "dev").config["demo:k"] == wire


@pytest.mark.parametrize(("declared", "value"), [("integer", '"3.5"'), ("integer", "true"), ("boolean", '"yes"'),
                                                 ("integer", "null")])
def test_typed_keys_refuse_what_the_cli_refuses(tmp_path: Path, declared: str, value: str) -> None:
    write(tmp_path, f"name: demo\nruntime: python\nconfig:\n  k: {{type: {declared}}}\n", f"config:\n  demo:k: {value}\n")
    with pytest.raises(PreflightError, match=f"config key 'demo:k' must be of type {declared}"):
        load_project(tmp_path, "dev")


def test_a_key_with_no_value_is_an_empty_string_with_the_cli_warning(tmp_path: Path) -> None:
    write(tmp_path, "name: demo\nruntime: python\nconfig:\n  cidr: {type: string, default: 10.0.0.0/16}\n",
          "config:\n  demo:cidr:\n")
    p = load_project(tmp_path, "dev")
    assert p.config["demo:cidr"] == "", "not the default: the CLI treats a null as an empty string"
    assert p.warnings == ('No value for configuration key "demo:cidr". This is currently treated as an empty '
                          'string `""`, as the Pulumi CLI does.',)
