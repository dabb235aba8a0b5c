"""Decrypt ``secure:`` config values of the passphrase secrets provider, as the Pulumi CLI does.

A stack using the passphrase provider carries ``encryptionsalt: v1:<salt>:v1:<nonce>:<ciphertext>`` in its
stack file. The key is PBKDF2-HMAC-SHA256 of the passphrase over the salt (1,000,000 rounds, 32 bytes);
every value is AES-256-GCM, written ``v1:<base64 nonce>:<base64 ciphertext with its tag>``, and the salt's
own ciphertext decrypts to ``pulumi`` when the passphrase is right (pulumi/pulumi
``pkg/secrets/passphrase/manager.go`` and ``sdk/go/common/resource/config/crypt.go``). The passphrase
comes from ``PULUMI_CONFIG_PASSPHRASE`` or the file named by ``PULUMI_CONFIG_PASSPHRASE_FILE``.
"""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from .errors import PreflightError

ROUNDS = 1_000_000
_CHECK = "pulumi"


class SecretsUnavailable(Exception):
    """No passphrase is set: the values cannot be read offline (not an error until a program needs them)."""


def passphrase() -> str | None:
    """The passphrase the CLI would use, or None when neither variable is set."""
    if "PULUMI_CONFIG_PASSPHRASE" in os.environ:
        return os.environ["PULUMI_CONFIG_PASSPHRASE"]
    path = os.environ.get("PULUMI_CONFIG_PASSPHRASE_FILE")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise PreflightError(f"cannot read PULUMI_CONFIG_PASSPHRASE_FILE {path}: {exc.strerror}") from None
    return None


def derive_key(phrase: str, salt: bytes) -> bytes:
    return PBKDF2HMAC(hashes.SHA256(), length=32, salt=salt, iterations=ROUNDS).derive(phrase.encode())


def _decrypt(key: bytes, value: str) -> str:
    parts = value.split(":")
    if len(parts) != 3:
        raise ValueError("bad value")
    if parts[0] != "v1":
        raise ValueError("unknown value version")
    nonce = base64.b64decode(parts[1], validate=True)
    if len(nonce) != 12:
        raise ValueError("bad value: nonce size is incorrect")
    return AESGCM(key).decrypt(nonce, base64.b64decode(parts[2], validate=True), None).decode("utf-8")


class Decrypter:
    """Decrypts one stack's ``secure:`` values with its ``encryptionsalt`` and the passphrase."""

    def __init__(self, salt_state: str, stack_file: Path) -> None:
        self._file = stack_file
        parts = str(salt_state).split(":", 2)
        if len(parts) != 3 or parts[0] != "v1":
            raise PreflightError(f"{stack_file}: encryptionsalt is not a passphrase salt (v1:<salt>:<check>)")
        phrase = passphrase()
        if phrase is None:
            raise SecretsUnavailable("PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) is not set")
        try:
            self._key = derive_key(phrase, base64.b64decode(parts[1], validate=True))
            ok = _decrypt(self._key, parts[2]) == _CHECK
        except (ValueError, InvalidTag, binascii.Error, UnicodeDecodeError):
            ok = False
        if not ok:
            raise PreflightError(f"{stack_file}: incorrect passphrase (PULUMI_CONFIG_PASSPHRASE does not decrypt "
                                 "this stack's encryptionsalt)")

    def decrypt(self, key: str, value: str) -> str:
        try:
            return _decrypt(self._key, value)
        except (ValueError, InvalidTag, binascii.Error, UnicodeDecodeError) as exc:
            raise PreflightError(f"{self._file}: config key '{key}': cannot decrypt its secure value "
                                 f"({exc or 'the ciphertext does not match the passphrase'})") from None
