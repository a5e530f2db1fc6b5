"""A large workbook is imported in the worker, never inside the request: the same
service, all rows or none, with a progress page, the counts or every rejected cell at
the end, one notification, and the uploaded file gone once read."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from edubureau.audit.models import Action, AuditEvent
from edubureau.core.excel import CHECKED_PREFIX
from edubureau.imports import services
from edubureau.imports.models import ImportJob, Status
from edubureau.notifications.models import Notification
from edubureau.orgs.models import Role, School
from edubureau.orgs.tests.test_school_directory import _sheet
from edubureau.safety.models import Drill
from edubureau.safety.tests.factories_ledgers import xlsx
from edubureau.testing.dates import today

pytestmark = pytest.mark.django_db

HEADERS = ["学校标识码", "学校名称", "所在乡镇", "演练日期", "演练类型", "参与人数", "用时（分钟）"]
IMPORT = reverse("safety:drill-import")
BACKGROUND = override_settings(IMPORT_INLINE_ROWS=1)


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def drills(n: int, *, bad_row: int | None = None) -> list[list]:
    first = today() - timedelta(days=60)
    rows = []
    for i in range(n):
        participants = 0 if i == bad_row else 600 + i
        rows.append(
            [
                "5109210001",
                "",
                "",
                (first + timedelta(days=i)).isoformat(),
                "消防疏散",
                participants,
                4,
            ]
        )
    return rows


def post(client, capture, data, **extra):
    with capture(execute=True):
        return client.post(IMPORT, {"file": data, **extra})


def stored_files(media: Path) -> list[Path]:
    return [p for p in (media / "imports").rglob("*") if p.is_file()] if media.exists() else []


def test_a_large_sheet_is_imported_by_the_worker_and_the_owner_sees_the_counts(
    cast, client_for, django_capture_on_commit_callbacks, media
):
    client = client_for(cast.school_a_officer)
    with BACKGROUND:
        response = post(client, django_capture_on_commit_callbacks, xlsx(HEADERS, drills(3)))
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("imports:detail", args=[job.pk])
    assert (job.owner, job.status, job.rows, job.filename) == (
        cast.school_a_officer,
        Status.DONE,
        3,
        "ledger.xlsx",
    )
    assert job.summary == "新增3条，更新0条，未变0条。"
    assert Drill.objects.filter(school=cast.school_a).count() == 3
    page = client.get(response["Location"]).text
    assert "导入成功：新增3条，更新0条，未变0条。" in page and "hx-get" not in page
    assert reverse("safety:drill-list") in page
    (note,) = Notification.objects.filter(topic=services.TOPIC)
    assert (note.recipient, note.title) == (cast.school_a_officer, "应急演练导入已完成")
    assert note.link == response["Location"]
    assert AuditEvent.objects.filter(action=Action.IMPORT, actor=cast.school_a_officer).count() == 1
    # The workbook (names, phones) is not kept once read.
    assert not job.file and stored_files(media) == []


def test_a_rejected_sheet_lists_every_cell_and_writes_nothing(
    cast, client_for, django_capture_on_commit_callbacks, media
):
    client = client_for(cast.school_a_officer)
    events = AuditEvent.objects.filter(action__in=[Action.CREATE, Action.IMPORT]).count()
    with BACKGROUND:
        response = post(
            client, django_capture_on_commit_callbacks, xlsx(HEADERS, drills(4, bad_row=2))
        )
    job = ImportJob.objects.get()
    assert job.status == Status.REJECTED and job.error == "发现1处问题，未导入任何数据。"
    assert job.errors == ["工作表“台账”第4行F列（“参与人数”）：参与人数应大于0"]
    assert Drill.objects.count() == 0
    assert AuditEvent.objects.filter(action__in=[Action.CREATE, Action.IMPORT]).count() == events
    page = client.get(response["Location"]).text
    assert "第4行F列（“参与人数”）：参与人数应大于0" in page
    assert f'href="{IMPORT}"' in page
    (note,) = Notification.objects.filter(topic=services.TOPIC)
    assert note.title == "应急演练导入未完成" and note.body == job.error
    assert stored_files(media) == []


def test_a_background_check_shows_what_the_import_would_do_and_keeps_nothing(
    cast, client_for, django_capture_on_commit_callbacks
):
    client = client_for(cast.school_a_officer)
    with BACKGROUND:
        post(client, django_capture_on_commit_callbacks, xlsx(HEADERS, drills(3)), check_only="on")
    job = ImportJob.objects.get()
    assert job.title == "应急演练导入（仅检查）"
    assert job.status == Status.DONE
    assert job.summary == f"{CHECKED_PREFIX}新增3条，更新0条，未变0条。"
    assert Drill.objects.count() == 0
    assert not AuditEvent.objects.filter(action=Action.IMPORT).exists()


def test_a_sheet_within_the_limit_is_imported_in_the_request(cast, client_for):
    with override_settings(IMPORT_INLINE_ROWS=3):
        response = client_for(cast.school_a_officer).post(
            IMPORT, {"file": xlsx(HEADERS, drills(3))}
        )
    assert response.status_code == 302 and response["Location"] == reverse("safety:drill-list")
    assert Drill.objects.count() == 3 and not ImportJob.objects.exists()


def test_the_school_directory_goes_through_the_same_rule(
    cast, client_for, django_capture_on_commit_callbacks
):
    row = ["5109210003", "甲镇第二幼儿园", "幼儿园", "民办", "镇区", "甲镇", "赵园长", 2012]
    with BACKGROUND, django_capture_on_commit_callbacks(execute=True):
        response = client_for(cast.admin).post(
            reverse("orgs:school-import"), {"file": _sheet([row, _other(row)])}
        )
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("imports:detail", args=[job.pk])
    assert job.status == Status.DONE and job.summary == "新增2所，更新0所，未变0所。"
    assert School.objects.filter(identifier__in=["5109210003", "5109210004"]).count() == 2


def _other(row: list) -> list:
    return ["5109210004", "甲镇第三幼儿园", *row[2:]]


def test_the_worker_imports_as_the_owner_is_now(
    cast, client_for, django_capture_on_commit_callbacks
):
    """Queued by an administrator who is no longer one when the worker runs: refused,
    nothing written."""
    client = client_for(cast.admin)
    row = ["5109210003", "甲镇第二幼儿园", "幼儿园", "民办", "镇区", "甲镇", "赵园长", 2012]
    with BACKGROUND:
        client.post(reverse("orgs:school-import"), {"file": _sheet([row, _other(row)])})
    job = ImportJob.objects.get()
    assert job.status == Status.QUEUED
    type(cast.admin).objects.filter(pk=cast.admin.pk).update(role=Role.BUREAU_LEADER)
    assert services.run_import(job_id=job.pk) == Status.FAILED
    job.refresh_from_db()
    assert job.error == services.DENIED
    assert not School.objects.filter(identifier="5109210003").exists()
    assert services.run_import(job_id=job.pk) == "skipped"  # a finished job is left alone


def test_the_page_shows_the_progress_the_worker_reports(cast, client_for):
    with BACKGROUND:
        client_for(cast.school_a_officer).post(IMPORT, {"file": xlsx(HEADERS, drills(4))})
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status=Status.RUNNING, started_at=timezone.now())
    job.refresh_from_db()
    services._Throttled(job)(2, 4)
    client = client_for(cast.school_a_officer)
    fragment = client.get(reverse("imports:progress", args=[job.pk])).text
    assert "50%，2/4行" in fragment and 'hx-trigger="every 1s"' in fragment
    assert (
        client_for(cast.school_b_officer)
        .get(reverse("imports:progress", args=[job.pk]))
        .status_code
        == 404
    )


def test_a_job_cut_off_by_a_restart_fails_and_old_jobs_are_pruned(cast, client_for, media):
    with BACKGROUND:
        client_for(cast.school_a_officer).post(IMPORT, {"file": xlsx(HEADERS, drills(4))})
    job = ImportJob.objects.get()
    started = timezone.now() - dt.timedelta(hours=1)
    ImportJob.objects.filter(pk=job.pk).update(status=Status.RUNNING, started_at=started)
    assert services.fail_stalled() == 1
    job.refresh_from_db()
    assert job.status == Status.FAILED and job.error == services.INTERRUPTED
    assert stored_files(media) == []
    later = timezone.now() + services.KEEP_FOR + dt.timedelta(days=1)
    assert services.prune_import_jobs(now=later) == 1
    assert not ImportJob.objects.exists()


def test_every_ledger_and_both_directories_have_an_import_kind():
    from edubureau.core import import_kinds
    from edubureau.safety.selectors.ledger_specs import LEDGERS

    keys = {k.key for k in import_kinds.all_kinds()}
    assert {"orgs.schools", "orgs.tree"} | {f"safety.ledger.{k}" for k in LEDGERS} == keys
    for kind in import_kinds.all_kinds():
        assert reverse(kind.form_url) != reverse(kind.done_url)  # both name real pages


def test_a_file_refused_as_a_whole_is_told_on_the_form_and_never_queued(cast, client_for):
    """A sheet of many rows with a DTD in it: refused on the form before any job."""
    source = zipfile.ZipFile(xlsx(HEADERS, drills(3)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            part = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                part = part.replace(b"<worksheet", b'<!DOCTYPE x [<!ENTITY a "b">]><worksheet', 1)
            target.writestr(info, part)
    out.seek(0)
    out.name = "ledger.xlsx"
    with BACKGROUND:
        response = client_for(cast.school_a_officer).post(IMPORT, {"file": out})
    assert response.status_code == 200
    assert not ImportJob.objects.exists() and not Drill.objects.exists()
    assert "DOCTYPE或ENTITY" in response.context["errors"][0]
