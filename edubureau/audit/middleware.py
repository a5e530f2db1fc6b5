from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from edubureau.audit.context import RequestInfo, reset_request_info, set_request_info


def client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a proxy we run
    # rewrites it, and nginx is documented to set REMOTE_ADDR via the real-ip module.
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = set_request_info(RequestInfo(ip=client_ip(request), path=request.path[:300]))
        try:
            return self.get_response(request)
        finally:
            reset_request_info(token)
