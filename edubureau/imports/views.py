"""One background import's page, with its progress bar (polled by htmx every second)
and, at the end, its counts or every rejected cell. Someone else's import answers 404
(audited by ``get_visible_or_404``), whatever the role."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from edubureau.core import import_kinds
from edubureau.imports.models import ImportJob
from edubureau.orgs.access import get_visible_or_404
from edubureau.orgs.http import AuthedRequest


def _context(job: ImportJob) -> dict[str, object]:
    try:
        kind = import_kinds.get(job.kind)
        form_url, done_url = reverse(kind.form_url), reverse(kind.done_url)
    except (ImproperlyConfigured, NoReverseMatch):  # a kind removed since
        form_url = done_url = ""
    return {"job": job, "form_url": form_url, "done_url": done_url}


@login_required
@require_GET
def import_detail(request: AuthedRequest, job_id: int) -> HttpResponse:
    job = get_visible_or_404(ImportJob, request.user, job_id)
    return render(request, "imports/detail.html", _context(job))


@login_required
@require_GET
def import_progress(request: AuthedRequest, job_id: int) -> HttpResponse:
    """The progress and outcome alone (htmx polls it while the import runs)."""
    job = get_visible_or_404(ImportJob, request.user, job_id)
    return render(request, "imports/_progress.html", _context(job))
