"""Inline or background, the one rule; the worker's side; the weekly clean-up.

:func:`answer` is what an export or circular view returns once it has checked the
request and counted what it will write: the file itself when the size is at most the
kind's inline limit (measured so that it is made well under a second), otherwise a
queued :class:`Download` and a redirect to its page, where a progress bar is polled.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
import uuid
from pathlib import Path, PurePosixPath
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from edubureau.core import download_kinds as registry
from edubureau.core.downloads import attachment
from edubureau.core.listing import ListQueryError
from edubureau.downloads.models import Download, Status
from edubureau.notifications.models import Level
from edubureau.notifications.services import notify
from edubureau.orgs.models import User

logger = logging.getLogger(__name__)

TOPIC = "downloads.ready"
KEEP_FOR = dt.timedelta(days=7)
PROGRESS_EVERY_SECONDS = 0.5
GONE = "您已无权查看这些记录（或记录已不存在），文件未生成。"
BAD_PARAMS = "筛选条件无效，文件未生成：{}"
BROKEN = "生成文件时出错，请稍后重试；仍失败请联系管理员。"
# The slowest build measured takes seconds (bench/README.md); one still running after
# this was cut off (a worker killed or restarted mid-build) and will never finish.
STALLED_AFTER = dt.timedelta(minutes=30)
INTERRUPTED = "生成中断（后台服务曾重启），请重新下载。"


def answer(
    request: HttpRequest,
    kind: str,
    *,
    size: int,
    params: QueryDict | None = None,
    title: str = "",
) -> HttpResponse:
    """The file now (``size`` at most the kind's inline limit) or a background
    download's page. ``params`` (default: the request's query string) is what the
    build reads, now or in the worker."""
    spec = registry.get(kind)
    params = request.GET if params is None else params
    user: Any = request.user
    if size <= registry.inline_limit(kind):
        built = spec.build(user, params, registry.no_progress)
        content = built.content
        data = content.read_bytes() if isinstance(content, Path) else content
        return attachment(data, content_type=built.content_type, filename=built.filename)
    download = download_start(
        owner=user, kind=kind, params=params, title=title or spec.title, size=size
    )
    return redirect("downloads:detail", download_id=download.pk)


def download_start(
    *, owner: User, kind: str, params: QueryDict, title: str, size: int = 0
) -> Download:
    """Queue a download (or return the same one already waiting: a second click starts
    nothing new); the worker takes it once the transaction commits."""
    registry.get(kind)
    stored = registry.params_dict(params)
    fail_stalled()  # a stalled one must not be handed back as "already waiting"
    with transaction.atomic():
        for waiting in Download.objects.filter(
            owner=owner, kind=kind, status__in=(Status.QUEUED, Status.RUNNING)
        ):
            if waiting.params == stored:
                return waiting
        download = Download.objects.create(
            owner=owner,
            bureau_id=owner.bureau_id,
            school_id=owner.school_id,
            kind=kind,
            title=title,
            params=stored,
            total=max(size, 0),
        )
        pk = download.pk
        transaction.on_commit(lambda: _enqueue(pk))
    return download


def _enqueue(download_id: int) -> None:
    from edubureau.downloads.tasks import build_download

    build_download.enqueue(download_id=download_id)


class _Throttled:
    """Saves done/total at most every half second (and the last call of a run)."""

    def __init__(self, download_id: int) -> None:
        self.download_id = download_id
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY_SECONDS and done < total:
            return
        self.last = now
        Download.objects.filter(pk=self.download_id, status=Status.RUNNING).update(
            done=max(done, 0), total=max(total, done, 0)
        )


def run_download(*, download_id: int) -> str:
    """The worker's side: build the file as the owner, store it, tell the owner.
    Idempotent: a download no longer queued is left alone."""
    claimed = Download.objects.filter(pk=download_id, status=Status.QUEUED).update(
        status=Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return "skipped"
    download = Download.objects.select_related("owner").get(pk=download_id)
    owner = download.owner
    try:
        if not owner.is_active:
            raise registry.BuildRefused("账号已停用，文件未生成。")
        spec = registry.get(download.kind)
        built = spec.build(owner, registry.query_dict(download.params), _Throttled(download_id))
    except registry.BuildRefused as exc:
        return _failed(download, str(exc))
    except (Http404, PermissionDenied):
        return _failed(download, GONE)
    except ListQueryError as exc:
        return _failed(download, BAD_PARAMS.format(exc))
    except Exception:
        logger.exception("download %s (%s) failed", download_id, download.kind)
        return _failed(download, BROKEN)
    return _stored(download, built)


def _stored(download: Download, built: registry.Built) -> str:
    suffix = PurePosixPath(built.filename).suffix.lower()[:10]
    name = f"{uuid.uuid4().hex}{suffix}"
    content = built.content
    if isinstance(content, Path):
        with content.open("rb") as fh:
            download.file.save(name, File(fh), save=False)
        content.unlink(missing_ok=True)
    else:
        download.file.save(name, ContentFile(content), save=False)
    download.filename = built.filename[:200]
    download.content_type = built.content_type[:120]
    download.size = download.file.size
    download.status = Status.DONE
    download.done = max(download.total, download.done)
    download.finished_at = timezone.now()
    updated = Download.objects.filter(pk=download.pk, status=Status.RUNNING).update(
        file=download.file.name,
        filename=download.filename,
        content_type=download.content_type,
        size=download.size,
        status=Status.DONE,
        done=download.done,
        finished_at=download.finished_at,
    )
    if not updated:  # deleted (or finished) meanwhile: keep no orphan file
        download.file.delete(save=False)
        return "gone"
    notify(
        recipients=[download.owner],
        title=f"{download.title}已生成",
        body=f"{download.filename}（{_size(download.size)}），请在{KEEP_FOR.days}天内下载。",
        link=reverse("downloads:detail", kwargs={"download_id": download.pk}),
        topic=TOPIC,
    )
    return "done"


def _failed(download: Download, message: str) -> str:
    Download.objects.filter(pk=download.pk, status=Status.RUNNING).update(
        status=Status.FAILED, error=message[:500], finished_at=timezone.now()
    )
    notify(
        recipients=[download.owner],
        title=f"{download.title}生成失败",
        body=message,
        link=reverse("downloads:detail", kwargs={"download_id": download.pk}),
        level=Level.WARNING,
        topic=TOPIC,
    )
    return "failed"


def _size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f}MB"
    return f"{max(1, size // 1024)}KB"


def fail_stalled(*, now: dt.datetime | None = None) -> int:
    """Mark failed the downloads a worker started and never finished (it was killed
    or restarted: the task is not run again, and its claim keeps others out)."""
    now = now or timezone.now()
    return Download.objects.filter(
        status=Status.RUNNING, started_at__lt=now - STALLED_AFTER
    ).update(status=Status.FAILED, error=INTERRUPTED, finished_at=now)


def prune_downloads(*, now: dt.datetime | None = None) -> int:
    """Delete downloads older than seven days, their files with them; mark the
    stalled ones failed."""
    fail_stalled(now=now)
    cutoff = (now or timezone.now()) - KEEP_FOR
    old = Download.objects.filter(created_at__lt=cutoff)
    names = [n for n in old.values_list("file", flat=True) if n]
    deleted, _ = old.delete()
    storage = Download._meta.get_field("file").storage
    for name in names:
        with contextlib.suppress(OSError):
            storage.delete(name)
    return deleted
