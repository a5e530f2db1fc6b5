"""A bureau user asks for a large export on a phone: the download's page shows the
progress bar, htmx polls it, the link appears once the worker is done, the file
downloads."""

from __future__ import annotations

import pytest

from edubureau.downloads.models import Download
from edubureau.downloads.services import run_download
from edubureau.safety.tests.factories_inspections import make_self_inspection
from edubureau.testing.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_background_export_on_a_phone(
    live_server, cast, phone_page, screenshot, settings, monkeypatch, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    settings.DOWNLOAD_INLINE_LIMITS = {"safety.inspections": 1}
    # The worker is played by the test: queued downloads wait until it runs them.
    monkeypatch.setattr("edubureau.downloads.services._enqueue", lambda pk: None)
    make_self_inspection(cast.school_a)
    make_self_inspection(cast.school_b)
    page = phone_page
    login(page, live_server.url, cast.safety_staff.username)
    page.goto(f"{live_server.url}/safety/inspections/export/?period=")
    progress = page.locator("[data-testid=download-progress]")
    assert progress.get_attribute("data-status") == "queued"
    assert "已排队" in progress.inner_text()
    screenshot(page, "download-queued-375")
    run_download(download_id=Download.objects.get().pk)
    link = page.locator("[data-testid=download-link]")
    link.wait_for(timeout=5000)  # htmx polls every second
    screenshot(page, "download-ready-375")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    with page.expect_download() as info:
        link.click()
    name = info.value.suggested_filename
    assert name.startswith("安全检查-") and name.endswith(".xlsx")
    page.goto(f"{live_server.url}/downloads/")
    assert page.locator("[data-testid=download-row]").count() == 1
    screenshot(page, "downloads-list-375")
