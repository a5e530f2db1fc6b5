"""A school's safety officer uploads a large drill sheet on a phone: the import's page
shows it queued, htmx polls it, and the rejected cells appear once the worker is done;
the corrected sheet, sent again from a desktop, ends with the counts and a link to the
ledger."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import Workbook

from edubureau.imports.models import ImportJob, Status
from edubureau.imports.services import run_import
from edubureau.safety.models import Drill
from edubureau.testing.browser import login
from edubureau.testing.dates import today

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADERS = ["学校标识码", "学校名称", "所在乡镇", "演练日期", "演练类型", "参与人数", "用时（分钟）"]


def sheet(rows: int, *, bad: int | None = None) -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = "台账"
    ws.append(HEADERS)
    first = today() - timedelta(days=90)
    for i in range(rows):
        day = (first + timedelta(days=i)).isoformat()
        ws.append(["5109210001", "", "", day, "消防疏散", 0 if i == bad else 500 + i, 5])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(page, base: str, data: bytes) -> None:
    page.goto(f"{base}/safety/ledgers/drills/import/")
    page.set_input_files(
        "input[type=file]",
        files=[{"name": "演练.xlsx", "mimeType": "application/octet-stream", "buffer": data}],
    )
    page.get_by_role("button", name="上传并导入").click()


def test_a_background_import_on_a_phone_and_a_desktop(
    live_server, cast, browser, phone_page, screenshot, settings, monkeypatch, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    settings.IMPORT_INLINE_ROWS = 5
    # The worker is played by the test: queued imports wait until it runs them.
    monkeypatch.setattr("edubureau.imports.services._enqueue", lambda pk: None)
    page = phone_page
    login(page, live_server.url, cast.school_a_officer.username)
    upload(page, live_server.url, sheet(8, bad=3))
    progress = page.locator("[data-testid=import-progress]")
    assert progress.get_attribute("data-status") == "queued"
    assert "已排队" in progress.inner_text()
    screenshot(page, "import-queued-375")
    run_import(job_id=ImportJob.objects.get().pk)
    errors = page.locator("[data-testid=import-errors]")
    errors.wait_for(timeout=5000)  # htmx polls every second
    assert "第5行F列（“参与人数”）：参与人数应大于0" in errors.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "import-rejected-375")
    assert Drill.objects.count() == 0

    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    desk = context.new_page()
    login(desk, live_server.url, cast.school_a_officer.username)
    upload(desk, live_server.url, sheet(8))
    job = ImportJob.objects.exclude(status=Status.REJECTED).get()
    run_import(job_id=job.pk)
    summary = desk.locator("[data-testid=import-summary]")
    summary.wait_for(timeout=5000)
    assert summary.inner_text() == "导入成功：新增8条，更新0条，未变0条。"
    screenshot(desk, "import-done-1366")
    desk.get_by_role("link", name="查看导入的记录").click()
    desk.wait_for_url("**/safety/ledgers/drills/**")
    assert Drill.objects.filter(school=cast.school_a).count() == 8
    context.close()
