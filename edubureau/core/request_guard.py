"""Refuse query strings and form posts (url-encoded or multipart) that carry NUL.

PostgreSQL text cannot hold a NUL byte: a filter value with one reaches the
database and fails as a server error, and SQLite would store it silently. No
Chinese or Latin text a person types contains one, so such a request is answered
400 at the door, once, instead of in every view that reads a parameter.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.http.multipartparser import MultiPartParserError

NUL = "\x00"
FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
MESSAGE = "请求参数中含有不允许的控制字符（NUL），请检查链接或表单后重试。"
MALFORMED = "表单数据格式错误，请刷新页面后重新提交。"


def _has_nul(data: QueryDict) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in data.lists())


class RejectNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            refused = _has_nul(request.GET) or self._form_post_has_nul(request)
        except MultiPartParserError:
            # A body that says multipart and is not (no boundary, cut short): the
            # client's error, answered here since this is where the body is first read.
            return HttpResponseBadRequest(MALFORMED, content_type="text/plain; charset=utf-8")
        if refused:
            return HttpResponseBadRequest(MESSAGE, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _form_post_has_nul(request: HttpRequest) -> bool:
        # Multipart text fields too: views read item fields such as an inspection's
        # notes straight from request.POST, not through a CharField. Parsing the body
        # here costs nothing extra, since the CSRF check reads request.POST on every
        # POST anyway (which is also why no view may swap its upload handlers).
        if request.method != "POST" or request.content_type not in FORM_TYPES:
            return False
        return _has_nul(request.POST)
