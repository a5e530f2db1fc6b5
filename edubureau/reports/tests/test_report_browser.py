"""The annual safety summary in a real browser, on a phone and on a desktop: generate
it, rewrite a sentence, regenerate (the sentence stays, its changed number is marked),
send it for review, the leader finds it on the workbench, approves and issues it,
download the .docx and the PDF."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import timezone

from edubureau.reports.models import Report, ReportStatus
from edubureau.safety.tests.factories_hazards import make_hazard
from edubureau.testing.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EDIT = "今年全县共发现隐患{{hazards.found}}个，已全部登记在册，逐项落实整改。"


def sign_in(page, url: str, username: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")


def sign_out(page) -> None:
    page.locator(".usermenu form button").click()
    page.wait_for_url("**/accounts/login/**")


@pytest.mark.parametrize("width", [375, 1366])
def test_generate_edit_regenerate_approve_issue_download(
    live_server, cast, browser, screenshot, width
):
    context = browser.new_context(
        viewport={"width": width, "height": 900}, locale="zh-CN", accept_downloads=True
    )
    page = context.new_page()
    make_hazard(cast)
    sign_in(page, live_server.url, cast.safety_staff.username)
    page.goto(f"{live_server.url}/reports/")
    page.select_option("#genre", "annual_safety")
    # The form proposes last year in the first half of a year: ask for this one, where
    # the hazards made above were found.
    page.select_option("#year", str(timezone.localdate().year))
    page.click("[data-testid=report-create] button[type=submit]")
    page.wait_for_selector("[data-testid=report-body]")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"report-draft-{width}")

    section = page.locator("#s-hazards")
    section.locator("summary", has_text="修改本段").click()
    section.locator("[data-testid=section-text]").fill(EDIT)
    section.locator("[data-testid=save-section]").click()
    page.wait_for_selector("#s-hazards [data-testid=edited-flag]")
    assert "今年全县共发现隐患1个" in page.locator("#s-hazards .report-text").inner_text()

    make_hazard(cast, school=cast.school_b)  # the record moves on
    page.click("[data-testid=regenerate]")
    page.wait_for_selector("[data-testid=changed-note]")
    text = page.locator("#s-hazards .report-text").inner_text()
    assert "今年全县共发现隐患2个，已全部登记在册" in text
    marked = page.locator("#s-hazards .fact.changed")
    assert marked.count() == 1 and marked.inner_text() == "2"
    # The number links to the rows it counts.
    assert "/safety/hazards/" in (marked.get_attribute("href") or "")
    screenshot(page, f"report-regenerated-{width}")

    page.click("[data-testid=submit-review]")
    page.wait_for_selector("[data-testid=review-note]")
    report = Report.objects.get()
    assert report.awaits_review
    sign_out(page)
    # The leader finds it on the workbench and opens it from there.
    sign_in(page, live_server.url, cast.leader.username)
    review = page.locator("[data-key='reports.review']")
    assert review.locator(".wb-n").inner_text() == "1"
    review.locator("a.wb-main").click()
    page.wait_for_selector("[data-testid=report-row]")
    page.click(f"text={report.title}")
    page.wait_for_selector("[data-testid=review-note]")
    page.click("[data-testid=approve]")
    page.wait_for_selector("[data-testid=issue]")
    page.click("[data-testid=issue]")
    page.wait_for_selector("[data-testid=report-number]")
    report.refresh_from_db()
    assert report.status == ReportStatus.ISSUED
    assert page.locator("[data-testid=report-number]").inner_text() == report.number
    # Approving is the review: no number is left marked as changed.
    assert page.locator(".fact.changed").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"report-issued-{width}")

    with page.expect_download() as docx:
        page.click("[data-testid=download-docx]")
    assert docx.value.suggested_filename.endswith(".docx")
    assert Path(docx.value.path()).read_bytes() == bytes(report.docx)
    with page.expect_download(timeout=120_000) as pdf:
        page.click("[data-testid=download-pdf]")
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF")
    context.close()
