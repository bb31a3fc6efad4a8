"""Encryption at rest (AES-GCM) and the HMAC blind index for equality look-ups.

A stored value is ``v1:<key id>:<base64(nonce || ciphertext)>``. The key id lets old values be read
after a new key becomes current (rotation); ``anxin rotate-keys`` re-encrypts everything with the
current key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "v1"


@dataclass(frozen=True)
class Keyring:
    current_id: str
    keys: dict[str, bytes]


def parse_keyring(spec: str) -> Keyring:
    keys: dict[str, bytes] = {}
    order: list[str] = []
    for part in [p.strip() for p in spec.split(",") if p.strip()]:
        if ":" not in part:
            raise ImproperlyConfigured("ANXIN_FIELD_KEYS entries must look like 'id:base64key'.")
        key_id, b64 = part.split(":", 1)
        key = base64.urlsafe_b64decode(b64.encode())
        if len(key) != 32:
            raise ImproperlyConfigured(f"Field key {key_id!r} must be 32 bytes (AES-256).")
        keys[key_id] = key
        order.append(key_id)
    if not order:
        raise ImproperlyConfigured("ANXIN_FIELD_KEYS holds no key.")
    return Keyring(current_id=order[0], keys=keys)


@lru_cache(maxsize=4)
def _keyring(spec: str) -> Keyring:
    return parse_keyring(spec)


def keyring() -> Keyring:
    return _keyring(settings.ANXIN_FIELD_KEYS)


def new_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def encrypt(plaintext: str) -> str:
    ring = keyring()
    nonce = os.urandom(12)
    data = AESGCM(ring.keys[ring.current_id]).encrypt(nonce, plaintext.encode("utf-8"), None)
    return f"{PREFIX}:{ring.current_id}:{base64.b64encode(nonce + data).decode()}"


def is_encrypted(value: str) -> bool:
    return value.startswith(PREFIX + ":") and value.count(":") >= 2


def decrypt(stored: str) -> str:
    _prefix, key_id, b64 = stored.split(":", 2)
    ring = keyring()
    if key_id not in ring.keys:
        raise ImproperlyConfigured(f"No key {key_id!r} in ANXIN_FIELD_KEYS to read stored data.")
    raw = base64.b64decode(b64)
    return AESGCM(ring.keys[key_id]).decrypt(raw[:12], raw[12:], None).decode("utf-8")


def key_id_of(stored: str) -> str | None:
    return stored.split(":", 2)[1] if is_encrypted(stored) else None


def blind_index(value: str, *, purpose: str) -> str:
    """Keyed HMAC of a normalised value: equal inputs give equal indexes, nothing else leaks."""
    key = settings.ANXIN_INDEX_KEY.encode()
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()
