"""Inline or background, the one rule for every Excel import; the worker's side.

:func:`answer` is what an import view returns once its form is valid: a workbook of
at most ``import_kinds.inline_rows()`` rows is imported in the request (the counts in
a message, or its rejected cells back to the form); a larger one is stored and queued,
and the user is sent to its page, where a progress bar is polled and, at the end, the
counts or every rejected cell are shown. Either way it is the module's own service
that imports, as the user, all rows or none.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import logging
import time
import uuid
from typing import IO, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from edubureau.core import import_kinds as registry
from edubureau.core.excel import (
    CHECKED_PREFIX,
    MAX_IMPORT_BYTES,
    ImportRejected,
    check_upload,
    count_rows,
)
from edubureau.core.excel import rehearse as rehearsed
from edubureau.imports.models import ImportJob, Status
from edubureau.notifications.models import Level
from edubureau.notifications.services import notify
from edubureau.orgs.models import User

logger = logging.getLogger(__name__)

TOPIC = "imports.finished"
KEEP_FOR = dt.timedelta(days=7)
PROGRESS_EVERY_SECONDS = 0.5
MAX_ERRORS_KEPT = 1000  # a sheet wrong on every row: the first thousand say enough
BROKEN = "导入时出错，未导入任何数据；请稍后重试，仍失败请联系管理员。"
DENIED = "您已无权导入这些数据，未导入任何数据。"
STALLED_AFTER = dt.timedelta(minutes=30)
INTERRUPTED = "导入中断（后台服务曾重启），未导入任何数据，请重新上传。"


def answer(
    request: HttpRequest, kind: str, *, upload: IO[bytes], check_only: bool
) -> HttpResponse | list[str]:
    """Import now or queue (see the module docstring); a sheet rejected now comes back
    as its error lines."""
    spec = registry.get(kind)
    user: Any = request.user
    data = upload.read(MAX_IMPORT_BYTES + 1)
    try:
        # A file refused as a whole (too big, not a workbook, a DTD, too many rows) is
        # told on the form at once, never queued: the check reads no cell.
        check_upload(data)
    except ImportRejected as exc:
        return [str(e) for e in exc.errors]
    rows = count_rows(data)
    if rows <= registry.inline_rows() + 1:  # + the header row
        try:
            summary = _run(spec, user, data, check_only, registry.no_progress)
        except ImportRejected as exc:
            return [str(e) for e in exc.errors]
        if check_only:
            messages.info(request, f"{CHECKED_PREFIX}{summary}")
            return redirect(spec.form_url)
        messages.success(request, f"导入成功：{summary}")
        return redirect(spec.done_url)
    job = import_start(
        owner=user,
        kind=kind,
        data=data,
        filename=str(getattr(upload, "name", "") or ""),
        check_only=check_only,
        rows=rows - 1,
    )
    return redirect("imports:detail", job_id=job.pk)


def _run(spec: registry.ImportKind, user: Any, data: bytes, check_only: bool, progress: Any) -> str:
    def run() -> str:
        return spec.run(user, io.BytesIO(data), progress)

    return rehearsed(run) if check_only else run()


def import_start(
    *, owner: User, kind: str, data: bytes, filename: str, check_only: bool, rows: int
) -> ImportJob:
    """Store the workbook and queue its import; the worker takes it once the
    transaction commits."""
    spec = registry.get(kind)
    fail_stalled()
    with transaction.atomic():
        job = ImportJob(
            owner=owner,
            bureau_id=owner.bureau_id,
            school_id=owner.school_id,
            kind=kind,
            title=f"{spec.title}（仅检查）" if check_only else spec.title,
            check_only=check_only,
            filename=filename[:200],
            rows=max(rows, 0),
            total=max(rows, 0),
        )
        job.file.save(f"{uuid.uuid4().hex}.xlsx", ContentFile(data), save=False)
        job.save()
        pk = job.pk
        transaction.on_commit(lambda: _enqueue(pk))
    return job


def _enqueue(job_id: int) -> None:
    from edubureau.imports.tasks import run_import_job

    run_import_job.enqueue(job_id=job_id)


class _Throttled:
    """Reports done/total at most every half second (and the last call of a run) in
    the job's progress file (see ``ImportJob.progress``)."""

    def __init__(self, job: ImportJob) -> None:
        self.path = job.progress_path
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY_SECONDS and done < total:
            return
        self.last = now
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_suffix(".tmp")
            partial.write_text(f"{max(done, 0)} {max(total, done, 0)}")
            partial.replace(self.path)  # the page never reads half a line


def run_import(*, job_id: int) -> str:
    """The worker's side: import as the owner, keep the counts or the rejected cells,
    delete the workbook, tell the owner. Idempotent: a job no longer queued is left
    alone."""
    claimed = ImportJob.objects.filter(pk=job_id, status=Status.QUEUED).update(
        status=Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return "skipped"
    job = ImportJob.objects.select_related("owner").get(pk=job_id)
    try:
        with job.file.open("rb") as fh:
            data = fh.read()
        if not job.owner.is_active:
            raise PermissionDenied
        spec = registry.get(job.kind)
        summary = _run(spec, job.owner, data, job.check_only, _Throttled(job))
    except ImportRejected as exc:
        errors = [str(e) for e in exc.errors]
        return _finish(
            job,
            Status.REJECTED,
            errors=errors[:MAX_ERRORS_KEPT],
            error=f"发现{len(errors)}处问题，未导入任何数据。",
        )
    except PermissionDenied:
        return _finish(job, Status.FAILED, error=DENIED)
    except Exception:
        logger.exception("import %s (%s) failed", job_id, job.kind)
        return _finish(job, Status.FAILED, error=BROKEN)
    if job.check_only:
        summary = f"{CHECKED_PREFIX}{summary}"
    return _finish(job, Status.DONE, summary=summary)


def _finish(
    job: ImportJob,
    status: str,
    *,
    summary: str = "",
    errors: list[str] | None = None,
    error: str = "",
) -> str:
    updated = ImportJob.objects.filter(pk=job.pk, status=Status.RUNNING).update(
        status=status,
        summary=summary[:500],
        errors=errors or [],
        error=error[:500],
        finished_at=timezone.now(),
        file="",
    )
    with contextlib.suppress(OSError):
        job.file.delete(save=False)
        job.progress_path.unlink(missing_ok=True)
    if not updated:
        return "gone"
    if status == Status.DONE:
        title, body, level = f"{job.title}已完成", summary, Level.INFO
    else:
        title, body, level = f"{job.title}未完成", error, Level.WARNING
    notify(
        recipients=[job.owner],
        title=title,
        body=body,
        link=reverse("imports:detail", kwargs={"job_id": job.pk}),
        level=level,
        topic=TOPIC,
    )
    return str(status)


def fail_stalled(*, now: dt.datetime | None = None) -> int:
    """Mark failed the jobs a worker started and never finished (it was killed or
    restarted: the import's transaction rolled back, so nothing was kept)."""
    now = now or timezone.now()
    stalled = ImportJob.objects.filter(status=Status.RUNNING, started_at__lt=now - STALLED_AFTER)
    names = [n for n in stalled.values_list("file", flat=True) if n]
    count = stalled.update(status=Status.FAILED, error=INTERRUPTED, finished_at=now, file="")
    _delete_files(names)
    return count


def prune_import_jobs(*, now: dt.datetime | None = None) -> int:
    """Delete import jobs older than seven days (and any workbook still stored)."""
    fail_stalled(now=now)
    old = ImportJob.objects.filter(created_at__lt=(now or timezone.now()) - KEEP_FOR)
    names = [n for n in old.values_list("file", flat=True) if n]
    deleted, _ = old.delete()
    _delete_files(names)
    return deleted


def _delete_files(names: list[str]) -> None:
    storage = ImportJob._meta.get_field("file").storage
    for name in names:
        with contextlib.suppress(OSError):
            storage.delete(name)
