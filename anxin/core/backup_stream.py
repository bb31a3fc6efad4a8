"""The encrypted container of a backup: AES-256-GCM in chunks (the STREAM construction).

Layout of a backup file::

    b"ANXINBAK"  u16 big-endian header length  header (JSON, UTF-8)  chunk 0  chunk 1  …  chunk n

The header names the field key it was made with (``key_id``, an entry of ``ANXIN_FIELD_KEYS``), a
random 32-byte ``salt`` and a 16-byte ``check`` value. HKDF-SHA256 of that key and the salt gives
the file's own AES-256 key and the check value: a wrong key is told apart from a damaged file
before anything is decrypted. Each chunk is ``AES-GCM(file key, nonce, up to 1 MiB of plaintext,
associated data = the whole header)`` with nonce = the chunk's number (11 bytes) and a last-chunk
flag (1 byte), so the header, the order of the chunks and the end of the file are authenticated:
an altered, reordered, cut or extended file fails to decrypt. The key is unique to the file (random
salt), so counter nonces never repeat under one key.
"""

from __future__ import annotations

import base64
import hmac
import json
import os
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.utils.translation import gettext as _

from anxin.core import crypto

MAGIC = b"ANXINBAK"
FORMAT = 1
CHUNK = 1024 * 1024
TAG = 16
_INFO = b"anxin backup v1"


class BackupError(Exception):
    """A backup cannot be written, read or restored; the message says why, for the operator."""


def _derive(master: bytes, salt: bytes) -> tuple[bytes, bytes]:
    okm = HKDF(algorithm=hashes.SHA256(), length=48, salt=salt, info=_INFO).derive(master)
    return okm[:32], okm[32:]


def _nonce(counter: int, last: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


class EncryptingWriter:
    """A write-only file object: what is written goes out encrypted to ``out``."""

    def __init__(self, out: IO[bytes]) -> None:
        ring = crypto.keyring()
        salt = os.urandom(32)
        key, check = _derive(ring.keys[ring.current_id], salt)
        header = json.dumps(
            {
                "format": FORMAT,
                "cipher": "AES-256-GCM STREAM, 1 MiB chunks",
                "kdf": "HKDF-SHA256",
                "key_id": ring.current_id,
                "salt": base64.b64encode(salt).decode(),
                "check": base64.b64encode(check).decode(),
            },
            sort_keys=True,
        ).encode()
        self.key_id = ring.current_id
        self._aad = MAGIC + len(header).to_bytes(2, "big") + header
        self._aead = AESGCM(key)
        self._out = out
        self._buffer = bytearray()
        self._counter = 0
        self._closed = False
        out.write(self._aad)

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self._buffer += data
        # Keep at least one byte back: the last chunk is written by close(), with its flag set.
        while len(self._buffer) > CHUNK:
            self._seal(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]
        return len(data)

    def _seal(self, plaintext: bytes, *, last: bool) -> None:
        nonce = _nonce(self._counter, last)
        self._out.write(self._aead.encrypt(nonce, plaintext, self._aad))
        self._counter += 1

    def close(self) -> None:
        if not self._closed:
            self._seal(bytes(self._buffer), last=True)
            self._buffer.clear()
            self._closed = True

    def flush(self) -> None:
        self._out.flush()


def _parse_header(source: IO[bytes]) -> tuple[dict[str, Any], bytes]:
    head = source.read(len(MAGIC) + 2)
    if len(head) < len(MAGIC) + 2 or head[: len(MAGIC)] != MAGIC:
        raise BackupError(_("This is not an anxin backup file."))
    length = int.from_bytes(head[len(MAGIC) :], "big")
    raw = source.read(length)
    try:
        header = json.loads(raw.decode())
        assert isinstance(header, dict)
    except (ValueError, AssertionError) as exc:
        raise BackupError(_("The backup file is damaged: its header cannot be read.")) from exc
    if header.get("format") != FORMAT:
        raise BackupError(
            _("This backup has format %(format)s, which this version of anxin cannot read.")
            % {"format": header.get("format")}
        )
    return header, head + raw


class DecryptingReader:
    """A read-only file object: the plaintext of a backup file, checked chunk by chunk.

    Raises BackupError on a wrong key, or as soon as a chunk fails to authenticate (damaged,
    altered, truncated or extended file).
    """

    def __init__(self, source: IO[bytes]) -> None:
        header, self._aad = _parse_header(source)
        self.key_id = str(header.get("key_id", ""))
        ring = crypto.keyring()
        if self.key_id not in ring.keys:
            raise BackupError(
                _(
                    "This backup was encrypted with the key “%(key_id)s”, which is not in "
                    "ANXIN_FIELD_KEYS. Add that key (after the current one) to restore it."
                )
                % {"key_id": self.key_id}
            )
        try:
            salt = base64.b64decode(header["salt"], validate=True)
            check = base64.b64decode(header["check"], validate=True)
        except (KeyError, TypeError, ValueError) as exc:
            raise BackupError(_("The backup file is damaged: its header cannot be read.")) from exc
        key, expected = _derive(ring.keys[self.key_id], salt)
        if not hmac.compare_digest(check, expected):
            raise BackupError(
                _(
                    "This backup cannot be decrypted with this installation's key “%(key_id)s”: "
                    "it was made with a different key of the same name, or its header has been "
                    "altered."
                )
                % {"key_id": self.key_id}
            )
        self._aead = AESGCM(key)
        self._source = source
        self._counter = 0
        self._pending = self._read_sealed()
        self._buffer = b""
        self._offset = 0
        self._done = False

    def _damaged(self) -> BackupError:
        return BackupError(
            _(
                "The backup file is damaged, incomplete or has been altered (chunk %(chunk)d); "
                "it cannot be used."
            )
            % {"chunk": self._counter + 1}
        )

    def _read_sealed(self) -> bytes:
        parts: list[bytes] = []
        wanted = CHUNK + TAG
        while wanted:
            part = self._source.read(wanted)
            if not part:
                break
            parts.append(part)
            wanted -= len(part)
        return b"".join(parts)

    def _next_chunk(self) -> bytes:
        sealed = self._pending
        self._pending = self._read_sealed() if len(sealed) == CHUNK + TAG else b""
        last = not self._pending
        try:
            plaintext = self._aead.decrypt(_nonce(self._counter, last), sealed, self._aad)
        except InvalidTag as exc:
            raise self._damaged() from exc
        self._counter += 1
        if last:
            self._done = True
        return plaintext

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            parts = [self._buffer[self._offset :]]
            while not self._done:
                parts.append(self._next_chunk())
            self._buffer, self._offset = b"", 0
            return b"".join(parts)
        while len(self._buffer) - self._offset < size and not self._done:
            rest = self._buffer[self._offset :]
            self._buffer, self._offset = rest + self._next_chunk(), 0
        data = self._buffer[self._offset : self._offset + size]
        self._offset += len(data)
        return data

    def drain(self) -> None:
        """Read and check the rest of the file (trailing chunks after the archive's end)."""
        while not self._done:
            self._next_chunk()
        if self._source.read(1):
            raise self._damaged()
