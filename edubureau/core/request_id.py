"""A request id on every answer, every log line of the request and the error page,
so a user's "系统错误，请求编号 3f2a…" leads the operator to the log lines of that
request (and nothing else: the page shows no stack trace)."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template.loader import render_to_string

HEADER = "X-Request-ID"
# A proxy's id is kept when it looks like one; anything else could forge log lines.
_WELL_FORMED = re.compile(r"[A-Za-z0-9-]{8,64}")
_current: ContextVar[str] = ContextVar("edubureau_request_id", default="")


def current_request_id() -> str:
    return _current.get()


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(HEADER, "")
        request_id = incoming if _WELL_FORMED.fullmatch(incoming) else uuid.uuid4().hex[:16]
        request.request_id = request_id  # type: ignore[attr-defined]
        token = _current.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response[HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every log record ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id() or "-"
        return True


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the generic page with the request id, no details. Rendered without
    the request's context processors, which may be what failed."""
    return HttpResponseServerError(
        render_to_string("500.html", {"request_id": current_request_id()})
    )
