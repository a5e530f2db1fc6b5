"""我的下载: the user's own downloads, one download's page with its progress bar
(polled by htmx every second), and its file. Someone else's download answers 404
(audited by ``get_visible_or_404``), whatever the role."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from edubureau.core.listing import ListSpec, apply_list_query, list_context, read_list_query
from edubureau.downloads.models import Download, Status
from edubureau.orgs.access import get_visible_or_404
from edubureau.orgs.http import AuthedRequest

DOWNLOAD_LIST = ListSpec(
    filters=frozenset({"status"}),
    search=("title", "filename"),
    search_hint="名称或文件名",
    sorts={"created_at": ("created_at",), "title": ("title",)},
    default_sort="-created_at",
)


@login_required
@require_GET
def download_list(request: AuthedRequest) -> HttpResponse:
    listing = read_list_query(DOWNLOAD_LIST, request.GET)
    status = request.GET.get("status", "")
    rows: QuerySet[Download] = Download.objects.visible_to(request.user)
    if status in Status.values:
        rows = rows.filter(status=status)
    else:
        status = ""
    rows = apply_list_query(DOWNLOAD_LIST, rows, listing)
    context = {
        **list_context(request, DOWNLOAD_LIST, rows, listing),
        "status": status,
        "statuses": Status.choices,
    }
    return render(request, "downloads/list.html", context)


@login_required
@require_GET
def download_detail(request: AuthedRequest, download_id: int) -> HttpResponse:
    download = get_visible_or_404(Download, request.user, download_id)
    return render(request, "downloads/detail.html", {"download": download})


@login_required
@require_GET
def download_progress(request: AuthedRequest, download_id: int) -> HttpResponse:
    """The progress bar alone (htmx polls it while the file is being made)."""
    download = get_visible_or_404(Download, request.user, download_id)
    return render(request, "downloads/_progress.html", {"download": download})


@login_required
@require_GET
def download_file(request: AuthedRequest, download_id: int) -> FileResponse:
    download = get_visible_or_404(Download, request.user, download_id)
    if download.status != Status.DONE or not download.file:
        raise Http404("文件尚未生成或已删除")
    try:
        handle = download.file.open("rb")
    except OSError:
        raise Http404("文件已删除") from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=download.filename,
        content_type=download.content_type or "application/octet-stream",
    )
