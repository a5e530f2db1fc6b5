"""Downloads: one rule sends a large export or circular to the worker and answers a
small one at once; the worker builds the same file as the owner, tells them once;
the download is the owner's alone; a failure is told in Chinese; old ones go."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from edubureau.audit.models import Action, AuditEvent
from edubureau.core import download_kinds as registry
from edubureau.downloads.models import Download, Status
from edubureau.downloads.services import TOPIC, prune_downloads
from edubureau.notifications.models import Notification
from edubureau.safety.models import InspectionStatus
from edubureau.safety.tests.factories_inspections import at, make_self_inspection

pytestmark = pytest.mark.time_machine(at(date(2026, 10, 20)))
EXPORT = reverse("safety:inspection-export")
BACKGROUND = override_settings(
    DOWNLOAD_INLINE_LIMITS={"safety.inspections": 1, "safety.circular_month": 0}
)


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def month(cast):
    make_self_inspection(cast.school_a, period=date(2026, 10, 1), hazards_found=1)
    make_self_inspection(
        cast.school_b, period=date(2026, 10, 1), status=InspectionStatus.SUBMITTED, hazards_found=3
    )
    make_self_inspection(cast.school_b, period=date(2026, 9, 1))
    make_self_inspection(cast.sibling_school, period=date(2026, 10, 1))


def sheet_rows(data: bytes) -> list[tuple]:
    return [tuple(r) for r in load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)]


def start(client, django_capture_on_commit_callbacks, url=EXPORT, params=None):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(url, {"period": ""} if params is None else params)
    return response


def test_a_small_export_is_answered_at_once(cast, client_for, month):
    with BACKGROUND:
        response = client_for(cast.safety_staff).get(EXPORT, {"period": "2026-09"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert len(sheet_rows(response.content)) == 2  # the header and school B's September
    assert not Download.objects.exists()


def test_a_large_export_is_made_in_the_background_with_the_same_rows(
    cast, client_for, month, django_capture_on_commit_callbacks
):
    client = client_for(cast.safety_staff)
    inline = client.get(EXPORT, {"period": ""})
    with BACKGROUND:
        response = start(client, django_capture_on_commit_callbacks)
    download = Download.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("downloads:detail", args=[download.pk])
    assert download.owner == cast.safety_staff and download.status == Status.DONE
    assert download.params == {"period": [""]} and download.total == 3
    assert download.filename == "安全检查-20261020.xlsx"
    page = client.get(response["Location"]).text
    assert 'data-testid="download-link"' in page and "hx-get" not in page
    file = client.get(reverse("downloads:file", args=[download.pk]))
    data = b"".join(file.streaming_content)
    assert file.status_code == 200 and "filename*=utf-8''" in file["Content-Disposition"]
    assert sheet_rows(data) == sheet_rows(inline.content)
    assert len(sheet_rows(data)) == 4 and cast.sibling_school.name not in str(sheet_rows(data))
    exports = AuditEvent.objects.filter(action=Action.EXPORT, actor=cast.safety_staff)
    assert [e.detail for e in exports] == ["导出安全检查3条", "导出安全检查3条"]


def test_the_owner_is_told_exactly_once(
    cast, client_for, month, django_capture_on_commit_callbacks
):
    with BACKGROUND:
        start(client_for(cast.safety_staff), django_capture_on_commit_callbacks)
    download = Download.objects.get()
    (note,) = Notification.objects.filter(topic=TOPIC)
    assert note.recipient == cast.safety_staff and note.title == "安全检查导出已生成"
    assert note.link == reverse("downloads:detail", args=[download.pk])
    assert Notification.objects.filter(recipient=cast.safety_staff).count() == 1


def test_a_second_click_while_waiting_starts_nothing_new(cast, client_for, month):
    client = client_for(cast.safety_staff)
    with BACKGROUND:  # no commit callbacks run: the first stays queued
        first = client.get(EXPORT, {"period": ""})
        second = client.get(EXPORT, {"period": ""})
    assert first["Location"] == second["Location"] and Download.objects.count() == 1
    page = client.get(first["Location"]).text
    assert "已排队" in page and "hx-get" in page and "every 1s" in page


@pytest.mark.parametrize("who", ["school_b_officer", "other_admin", "leader", "city_safety"])
def test_another_user_gets_404_audited(
    cast, client_for, month, django_capture_on_commit_callbacks, who
):
    with BACKGROUND:
        start(client_for(cast.safety_staff), django_capture_on_commit_callbacks)
    download = Download.objects.get()
    client = client_for(getattr(cast, who))
    for name in ("detail", "progress", "file"):
        before = AuditEvent.objects.filter(action=Action.ACCESS_DENIED).count()
        assert client.get(reverse(f"downloads:{name}", args=[download.pk])).status_code == 404
        assert AuditEvent.objects.filter(action=Action.ACCESS_DENIED).count() == before + 1
    assert "安全检查导出" not in client.get(reverse("downloads:list")).text


def test_the_list_shows_the_owners_downloads(
    cast, client_for, month, django_capture_on_commit_callbacks
):
    client = client_for(cast.safety_staff)
    with BACKGROUND:
        start(client, django_capture_on_commit_callbacks)
    page = client.get(reverse("downloads:list")).text
    assert page.count('data-testid="download-row"') == 1 and "安全检查-20261020.xlsx" in page
    assert client.get(reverse("downloads:list"), {"sort": "owner"}).status_code == 400
    assert "我的下载" in client.get(reverse("home"), follow=True).text


def test_bad_params_are_a_400_and_start_nothing(cast, client_for, month):
    client = client_for(cast.safety_staff)
    with BACKGROUND:
        response = client.get(EXPORT, {"period": "", "sort": "school__bureau__name"})
    assert response.status_code == 400 and not Download.objects.exists()


def _broken(user, params, progress):
    raise RuntimeError("disk full")


def _refused(user, params, progress):
    raise registry.BuildRefused("没有可导出的记录。")


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (_broken, "生成文件时出错，请稍后重试；仍失败请联系管理员。"),
        (_refused, "没有可导出的记录。"),
    ],
)
def test_a_failing_build_ends_failed_in_chinese_without_a_file(
    cast, client_for, month, django_capture_on_commit_callbacks, monkeypatch, build, message
):
    spec = registry.get("safety.inspections")
    monkeypatch.setitem(
        registry._REGISTRY, spec.key, spec.__class__(spec.key, spec.title, build, 0)
    )
    client = client_for(cast.safety_staff)
    response = start(client, django_capture_on_commit_callbacks)
    download = Download.objects.get()
    assert download.status == Status.FAILED and download.error == message
    assert not download.file and not download.filename
    assert message in client.get(response["Location"]).text
    assert client.get(reverse("downloads:file", args=[download.pk])).status_code == 404
    (note,) = Notification.objects.filter(recipient=cast.safety_staff)
    assert note.title == "安全检查导出生成失败"


def test_prune_deletes_old_downloads_with_their_files(cast, tmp_path):
    def made(days_ago: int) -> Download:
        d = Download(owner=cast.safety_staff, kind="safety.inspections", title="安全检查导出")
        d.status = Status.DONE
        d.file.save("x.xlsx", ContentFile(b"data"), save=False)
        d.save()
        Download.objects.filter(pk=d.pk).update(
            created_at=timezone.now() - dt.timedelta(days=days_ago)
        )
        return d

    old, recent = made(8), made(6)
    assert (tmp_path / old.file.name).exists()
    assert prune_downloads() == 1
    assert not (tmp_path / old.file.name).exists() and (tmp_path / recent.file.name).exists()
    assert list(Download.objects.all()) == [recent]


def docx_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".xml"))


def test_a_large_circular_is_made_in_the_background_within_the_owners_scope(
    cast, client_for, month, django_capture_on_commit_callbacks
):
    client = client_for(cast.safety_staff)
    url = reverse("safety:circular-month", kwargs={"year": 2026, "month": 10})
    inline = client.get(url)
    assert inline.status_code == 200 and not Download.objects.exists()
    with BACKGROUND:
        response = start(client, django_capture_on_commit_callbacks, url=url, params={})
    download = Download.objects.get()
    assert response["Location"] == reverse("downloads:detail", args=[download.pk])
    assert download.status == Status.DONE, download.error
    assert download.filename == "2026年10月安全隐患排查整改情况通报.docx"
    data = b"".join(client.get(reverse("downloads:file", args=[download.pk])).streaming_content)
    text = docx_text(data)
    assert cast.school_b.name in text
    for hidden in (cast.sibling_school, cast.city_school, cast.other_school):
        assert hidden.name not in text


def test_a_circular_for_a_scope_the_owner_lost_fails(
    cast, client_for, month, django_capture_on_commit_callbacks
):
    client = client_for(cast.safety_staff)
    url = reverse("safety:circular-month", kwargs={"year": 2026, "month": 10})
    with BACKGROUND:
        client.get(url)  # queued; the owner leaves the safety department before it runs
    type(cast.safety_staff).objects.filter(pk=cast.safety_staff.pk).update(department=cast.office)
    from edubureau.downloads.services import run_download

    assert run_download(download_id=Download.objects.get().pk) == "failed"
    assert "无权" in Download.objects.get().error


def test_a_download_cut_off_by_a_worker_restart_does_not_block_the_next_click(
    cast, client_for, month
):
    """A worker killed mid-build leaves its download running for ever (the task is
    not run again); after STALLED_AFTER it is failed, with a message saying so, and the
    next click queues a new one instead of handing that one back."""
    client = client_for(cast.safety_staff)
    with BACKGROUND:
        first = client.get(EXPORT, {"period": ""})
    stuck = Download.objects.get()
    started = timezone.now() - dt.timedelta(minutes=31)
    Download.objects.filter(pk=stuck.pk).update(status=Status.RUNNING, started_at=started)
    with BACKGROUND:
        second = client.get(EXPORT, {"period": ""})
    assert second["Location"] != first["Location"]
    stuck.refresh_from_db()
    assert stuck.status == Status.FAILED and "生成中断" in stuck.error
    assert "生成中断（后台服务曾重启），请重新下载。" in client.get(first["Location"]).text
    # One running for less than that is still waited for.
    fresh = Download.objects.exclude(pk=stuck.pk).get()
    Download.objects.filter(pk=fresh.pk).update(
        status=Status.RUNNING, started_at=timezone.now() - dt.timedelta(minutes=5)
    )
    with BACKGROUND:
        third = client.get(EXPORT, {"period": ""})
    assert third["Location"] == second["Location"]


def _background_file(client, url, params, kind, django_capture_on_commit_callbacks):
    """The same export answered inline, then made in the worker (limit 0): both files."""
    inline = client.get(url, params)
    assert inline.status_code == 200 and not Download.objects.exists()
    with override_settings(DOWNLOAD_INLINE_LIMITS={kind: 0}):
        response = start(client, django_capture_on_commit_callbacks, url=url, params=params)
    assert response.status_code == 302, (response.status_code, response.get("Location"))
    download = Download.objects.get(kind=kind)
    assert response["Location"] == reverse("downloads:detail", args=[download.pk])
    assert download.status == Status.DONE, download.error
    file = client.get(reverse("downloads:file", args=[download.pk]))
    return download, inline.content, b"".join(file.streaming_content)


def test_a_long_missing_list_is_made_in_the_background_for_the_month_asked(
    cast, client_for, month, django_capture_on_commit_callbacks
):
    client = client_for(cast.safety_staff)
    url = reverse("safety:self-inspection-missing-export")
    download, inline, made = _background_file(
        client,
        url,
        {"period": ""},
        "safety.missing_self_inspections",
        django_capture_on_commit_callbacks,
    )
    # The month is pinned when it is asked for, not when the worker runs.
    assert download.params["period"] == ["2026-10"]
    assert download.filename == "2026年10月未报送月度自查.xlsx"
    assert sheet_rows(made) == sheet_rows(inline)
    assert [r[1] for r in sheet_rows(made)[1:]] == [cast.school_a.name]  # B submitted
    assert cast.sibling_school.name not in str(sheet_rows(made))


def test_a_large_ledger_export_is_made_in_the_background_within_the_owners_scope(
    cast, client_for, django_capture_on_commit_callbacks
):
    from edubureau.safety.models import Drill

    for school in (cast.school_a, cast.school_b, cast.sibling_school):
        Drill.objects.create(
            school=school, held_on=date(2026, 9, 10), kind="fire", participants=300
        )
    client = client_for(cast.safety_staff)
    download, inline, made = _background_file(
        client,
        reverse("safety:drill-export"),
        {},
        "safety.ledger.drill",
        django_capture_on_commit_callbacks,
    )
    assert sheet_rows(made) == sheet_rows(inline)
    schools = {r[1] for r in sheet_rows(made)[1:]}
    assert schools == {cast.school_a.name, cast.school_b.name}
    assert download.total == 2
    details = AuditEvent.objects.filter(action=Action.EXPORT, actor=cast.safety_staff)
    assert [e.detail for e in details] == ["导出应急演练2条", "导出应急演练2条"]
