"""Personal data encrypted at rest: a text field stored as an authenticated token.

Keys come from the environment (``FIELD_ENCRYPTION_KEYS``: comma-separated, the first
encrypts, all decrypt, so a key is rotated by putting a new one first). Two ciphers,
chosen by the first key:

- a Fernet key (32 url-safe base64 bytes): Fernet, AES-128-CBC with an HMAC-SHA256, the
  vetted recipe of the ``cryptography`` package; values stored as ``fernet:…``;
- ``sm4:`` and 32 hex digits (128 bits): 国密 SM4 in GCM mode (GB/T 32907, RFC 8998), for
  a deployment whose 密码应用 assessment (GB/T 39786) requires national algorithms; values
  stored as ``sm4:…`` (a version byte, the 12-byte nonce, the ciphertext, the 16-byte tag).

A value is read with whichever listed key made it, so a deployment moves from Fernet to
SM4 by putting an SM4 key first and keeping the Fernet key after it. A stolen database or
backup without the keys shows no phone number. The price: an encrypted column can only be
compared in Python, never searched or sorted by the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "fernet:"
SM4_PREFIX = "sm4:"
PREFIXES = (PREFIX, SM4_PREFIX)
# The first byte of an SM4 token: its layout, should it ever change.
_SM4_VERSION = b"\x01"
_NONCE = 12
_TAG = 16


@dataclass(frozen=True)
class _Keys:
    sm4_first: bool
    fernet: MultiFernet | None
    sm4: tuple[bytes, ...]


def _sm4_key(key: str) -> bytes:
    try:
        raw = bytes.fromhex(key[len(SM4_PREFIX) :])
    except ValueError:
        raw = b""
    if len(raw) != 16:
        raise ImproperlyConfigured(
            "an SM4 key in FIELD_ENCRYPTION_KEYS is sm4: and 32 hex digits (128 bits)"
        )
    return raw


@cache
def _keys(keys: tuple[str, ...]) -> _Keys:
    sm4 = tuple(_sm4_key(k) for k in keys if k.startswith(SM4_PREFIX))
    others = [k for k in keys if not k.startswith(SM4_PREFIX)]
    try:
        fernet = MultiFernet([Fernet(k.encode()) for k in others]) if others else None
    except ValueError as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must be Fernet keys (32 url-safe base64 bytes each) "
            "or SM4 keys (sm4: and 32 hex digits)"
        ) from exc
    return _Keys(sm4_first=keys[0].startswith(SM4_PREFIX), fernet=fernet, sm4=sm4)


def _configured() -> _Keys:
    keys = tuple(getattr(settings, "FIELD_ENCRYPTION_KEYS", ()) or ())
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set (see .env.example)")
    return _keys(keys)


def fingerprint(value: str) -> str:
    """What the audit log keeps of an encrypted value: a keyed digest that shows
    whether it changed without revealing it (a plain hash of an 11-digit phone
    number would be reversed by trying them all)."""
    key = tuple(getattr(settings, "FIELD_ENCRYPTION_KEYS", ()) or ())[:1]
    digest = hmac.new("".join(key).encode(), value.encode(), hashlib.sha256).hexdigest()
    return f"（已加密，指纹{digest[:10]}）"


def sm4_gcm_encrypt(
    key: bytes, nonce: bytes, data: bytes, *, aad: bytes = b""
) -> tuple[bytes, bytes]:
    """SM4-GCM of ``data`` (RFC 8998): (ciphertext, tag)."""
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    if aad:
        encryptor.authenticate_additional_data(aad)
    body = encryptor.update(data) + encryptor.finalize()
    return body, encryptor.tag


def sm4_gcm_decrypt(
    key: bytes, nonce: bytes, body: bytes, tag: bytes, *, aad: bytes = b""
) -> bytes:
    """The plaintext; ``InvalidTag`` if the key is not the one, or a byte was changed."""
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    if aad:
        decryptor.authenticate_additional_data(aad)
    return decryptor.update(body) + decryptor.finalize()


def encrypt(value: str) -> str:
    keys = _configured()
    if keys.sm4_first:
        nonce = os.urandom(_NONCE)
        body, tag = sm4_gcm_encrypt(keys.sm4[0], nonce, value.encode())
        token = base64.urlsafe_b64encode(_SM4_VERSION + nonce + body + tag)
        return SM4_PREFIX + token.decode()
    assert keys.fernet is not None
    return PREFIX + keys.fernet.encrypt(value.encode()).decode()


def _unreadable() -> ImproperlyConfigured:
    return ImproperlyConfigured(
        "an encrypted value cannot be read with FIELD_ENCRYPTION_KEYS: "
        "was a key removed before its values were re-encrypted?"
    )


def decrypt(stored: str) -> str:
    keys = _configured()
    if stored.startswith(SM4_PREFIX):
        try:
            raw = base64.urlsafe_b64decode(stored[len(SM4_PREFIX) :].encode())
        except ValueError as exc:
            raise _unreadable() from exc
        if raw[:1] != _SM4_VERSION or len(raw) < 1 + _NONCE + _TAG:
            raise _unreadable()
        nonce, body, tag = raw[1 : 1 + _NONCE], raw[1 + _NONCE : -_TAG], raw[-_TAG:]
        for key in keys.sm4:
            try:
                return sm4_gcm_decrypt(key, nonce, body, tag).decode()
            except InvalidTag:
                continue
        raise _unreadable()
    if not stored.startswith(PREFIX):
        return stored  # written before the column was encrypted
    if keys.fernet is None:
        raise _unreadable()
    try:
        return keys.fernet.decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken as exc:
        raise _unreadable() from exc


class EncryptedTextField(models.TextField):
    """Text stored encrypted; the empty string stays empty (nothing to hide)."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return decrypt(value) if value else value

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and value.startswith(PREFIXES):
            return decrypt(value)
        return value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value in (None, "") or str(value).startswith(PREFIXES):
            return value
        return encrypt(str(value))
