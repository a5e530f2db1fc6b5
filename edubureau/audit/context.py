"""Per-request facts (client IP, path) that services need for audit rows without
threading the request through every call."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestInfo:
    ip: str | None = None
    path: str = ""


_EMPTY = RequestInfo()
_current: ContextVar[RequestInfo] = ContextVar("edubureau_request", default=_EMPTY)


def current_request_info() -> RequestInfo:
    return _current.get()


def set_request_info(info: RequestInfo) -> object:
    return _current.set(info)


def reset_request_info(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]
