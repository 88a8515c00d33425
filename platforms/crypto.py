"""Encryption of platform tokens at rest: AES-256-GCM with a key ring.

A stored token is ``v1.<key id>.<nonce>.<ciphertext+tag>`` (URL-safe base64 parts). The key id
is the first 8 hex characters of SHA-256 of the key, so several keys can be configured and a
token names the one that sealed it. The associated data binds a ciphertext to its row and field
(``platformconnection:<uuid>:access_token``): a ciphertext copied to another row or field fails
to open. Errors never carry the plaintext or the ciphertext.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from clipmaker.redaction import secret_register

VERSION = "v1"
NONCE_BYTES = 12


class TokenDecryptionError(Exception):
    """A stored token could not be opened (tampered, wrong key, or moved to another row)."""


class TokenKeyError(Exception):
    """The key ring is misconfigured."""


@dataclass(frozen=True)
class Key:
    id: str
    aead: AESGCM


def _b64e(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _parse_key(hex_key: str) -> Key:
    try:
        raw = bytes.fromhex(hex_key.strip())
    except ValueError:
        raise TokenKeyError("PLATFORM_TOKEN_SECRET must be 64 hex characters (32 bytes).") from None
    if len(raw) != 32:
        raise TokenKeyError("PLATFORM_TOKEN_SECRET must be 64 hex characters (32 bytes).")
    return Key(id=hashlib.sha256(raw).hexdigest()[:8], aead=AESGCM(raw))


@lru_cache(maxsize=8)
def _ring(primary: str, old: tuple[str, ...]) -> tuple[Key, dict[str, Key]]:
    newest = _parse_key(primary)
    keys = {newest.id: newest}
    for hex_key in old:
        if hex_key.strip():
            key = _parse_key(hex_key)
            keys.setdefault(key.id, key)
    return newest, keys


def key_ring() -> tuple[Key, dict[str, Key]]:
    """The newest key and every key accepted for reading, from settings."""
    return _ring(settings.PLATFORM_TOKEN_SECRET, tuple(settings.PLATFORM_TOKEN_OLD_SECRETS))


def associated_data(*, table: str, row_id: str, field: str) -> bytes:
    return f"{table}:{row_id}:{field}".encode()


def encrypt(plaintext: str, *, aad: bytes) -> str:
    # A token being sealed is in use: the log redaction hides it literally from now on.
    secret_register(plaintext)
    newest, _ = key_ring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = newest.aead.encrypt(nonce, plaintext.encode("utf-8"), aad)
    return ".".join((VERSION, newest.id, _b64e(nonce), _b64e(sealed)))


def decrypt(stored: str, *, aad: bytes) -> str:
    try:
        version, key_id, nonce_b64, sealed_b64 = stored.split(".")
    except ValueError:
        raise TokenDecryptionError("Stored token is malformed.") from None
    if version != VERSION:
        raise TokenDecryptionError(f"Unknown token format version {version!r}.")
    _, keys = key_ring()
    key = keys.get(key_id)
    if key is None:
        raise TokenDecryptionError(
            f"Token was sealed with key {key_id}, which is not configured "
            "(add it to PLATFORM_TOKEN_OLD_SECRETS)."
        )
    try:
        nonce, sealed = _b64d(nonce_b64), _b64d(sealed_b64)
        plaintext = key.aead.decrypt(nonce, sealed, aad).decode("utf-8")
    except (InvalidTag, ValueError):
        raise TokenDecryptionError(
            "Token failed authentication: it was altered, sealed with another key, "
            "or belongs to another row."
        ) from None
    secret_register(plaintext)
    return plaintext


def key_id_of(stored: str) -> str | None:
    parts = stored.split(".")
    return parts[1] if len(parts) == 4 else None


def needs_rotation(stored: str) -> bool:
    newest, _ = key_ring()
    return key_id_of(stored) != newest.id
