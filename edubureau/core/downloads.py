"""File downloads: one way to answer with an attachment."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def attachment(content: bytes, *, content_type: str, filename: str) -> HttpResponse:
    """``content`` as a download named ``filename`` (Chinese names included: RFC 5987)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


# More rows than one sheet is of use for (a province's year is ~380,000 inspections):
# the user is asked to narrow the list instead.
EXPORT_ROW_LIMIT = 50_000


def export_refused(request: HttpRequest, total: int, *, list_url: str) -> HttpResponse | None:
    """Back to the list (with its filters) and a message if ``total`` rows are too many
    to export; None when the export may go ahead."""
    if total <= EXPORT_ROW_LIMIT:
        return None
    messages.error(
        request,
        f"符合条件的记录有{total}条，超过单次导出上限{EXPORT_ROW_LIMIT}条，"
        "请按时间、乡镇或类型缩小范围后再导出。",
    )
    query = request.GET.urlencode()
    return redirect(f"{list_url}?{query}" if query else list_url)
