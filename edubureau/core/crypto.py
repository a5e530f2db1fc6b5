"""Personal data encrypted at rest: a text field stored as a Fernet token.

Fernet (AES-128-CBC with an HMAC-SHA256, from the ``cryptography`` package) is the
vetted recipe: authenticated, randomised, with a version byte. Keys come from the
environment (``FIELD_ENCRYPTION_KEYS``: comma-separated, the first encrypts, all
decrypt, so a key is rotated by putting a new one first). A stolen database or
backup without the key shows no phone number. The price: an encrypted column can
only be compared in Python, never searched or sorted by the database.

Where a deployment must use 国密 algorithms, SM4 is available from the same
package (``cryptography.hazmat.primitives.ciphers.algorithms.SM4``); see
docs/security.md.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "fernet:"


@cache
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must be Fernet keys (32 url-safe base64 bytes each)"
        ) from exc


def cipher() -> MultiFernet:
    keys = tuple(getattr(settings, "FIELD_ENCRYPTION_KEYS", ()) or ())
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set (see .env.example)")
    return _cipher(keys)


def fingerprint(value: str) -> str:
    """What the audit log keeps of an encrypted value: a keyed digest that shows
    whether it changed without revealing it (a plain hash of an 11-digit phone
    number would be reversed by trying them all)."""
    key = tuple(getattr(settings, "FIELD_ENCRYPTION_KEYS", ()) or ())[:1]
    digest = hmac.new("".join(key).encode(), value.encode(), hashlib.sha256).hexdigest()
    return f"（已加密，指纹{digest[:10]}）"


def encrypt(value: str) -> str:
    return PREFIX + cipher().encrypt(value.encode()).decode()


def decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX):
        return stored  # written before the column was encrypted
    try:
        return cipher().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "an encrypted value cannot be read with FIELD_ENCRYPTION_KEYS: "
            "was a key removed before its values were re-encrypted?"
        ) from exc


class EncryptedTextField(models.TextField):
    """Text stored encrypted; the empty string stays empty (nothing to hide)."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return decrypt(value) if value else value

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and value.startswith(PREFIX):
            return decrypt(value)
        return value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value in (None, "") or str(value).startswith(PREFIX):
            return value
        return encrypt(str(value))
