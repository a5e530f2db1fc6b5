"""File downloads: one way to answer with an attachment."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpResponse


def attachment(content: bytes, *, content_type: str, filename: str) -> HttpResponse:
    """``content`` as a download named ``filename`` (Chinese names included: RFC 5987)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
