"""The key of the encrypted columns where no ``FIELD_ENCRYPTION_KEYS`` is given: the
embedded default, the demo and the tests derive it from their secret key. Here, not in
settings, so that a benchmark that reads a demo database decrypts it with the same key."""

from __future__ import annotations

import base64
import hashlib

# The secret key of a demo served with DEBUG or EDUBUREAU_DEMO and no SECRET_KEY.
DEMO_SECRET_KEY = "insecure-demo-key-never-use-in-production"


def derived_field_key(secret_key: str) -> str:
    """A Fernet key (32 bytes, url-safe base64) derived from ``secret_key``."""
    digest = hashlib.sha256(f"field-encryption:{secret_key}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()
