"""Content-Security-Policy on every HTML page (Django 5.2 has none built in).

Scripts run only from our own static files: no inline ``<script>`` (except
``type="application/json"`` data blocks, which are not executed), no ``on*=``
attributes, no ``javascript:`` URLs. A script injected into a page is not run.

``style-src`` allows ``'unsafe-inline'``: about seventy templates carry small
``style=""`` attributes (spacing, widths of progress bars), and ECharts and htmx
set inline styles. Inline styles cannot run code; rewriting them all into classes
buys little, so they stay allowed while scripts are locked down.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    """Adds the policy to HTML responses that do not set their own, and keeps every
    answer to a signed-in user (pages, exports, photos: personal data, children's
    included) out of browser and proxy caches."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        content_type = response.get("Content-Type", "")
        if content_type.startswith("text/html") and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "no-store, private"
        return response
