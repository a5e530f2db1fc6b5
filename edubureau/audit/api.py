"""DRF exception handler: refusals through the API are audited like page refusals."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from edubureau.audit.views import record_denied_request


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    response = drf_exception_handler(exc, context)
    if isinstance(exc, exceptions.PermissionDenied):
        record_denied_request(context["request"], exc)
    return response
