"""A 隐患整改通知书 and its 回执 in a real browser, on a phone and on a desktop: the safety
department drafts the notice to a school, the leader approves and issues it; the
school's officer finds it on the workbench and answers; the department finds the
answer on its workbench, sends it back once for what is missing, and accepts the
second answer, which the school then sees as accepted."""

from __future__ import annotations

import pytest

from edubureau.reports.models import Report
from edubureau.reports.tests.test_report_browser import sign_in, sign_out
from edubureau.safety.tests.factories_hazards import make_hazard

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def _from_workbench(page, key: str, count: int) -> None:
    item = page.locator(f"[data-key='{key}']")
    assert item.locator(".wb-n").inner_text() == str(count)
    item.locator("a.wb-main").click()
    page.wait_for_selector("[data-testid=report-row]")
    page.locator("[data-testid=report-row] a").first.click()
    page.wait_for_selector("[data-testid=receipt]")


@pytest.mark.parametrize("width", [375, 1366])
def test_a_notice_is_answered_sent_back_and_accepted(live_server, cast, browser, screenshot, width):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    url = live_server.url
    make_hazard(cast, school=cast.school_a)

    sign_in(page, url, cast.safety_staff.username)
    page.goto(f"{url}/reports/")
    page.select_option("#genre", "rectification_notice")
    page.select_option("#to_school", str(cast.school_a.pk))
    page.click("[data-testid=report-create] button[type=submit]")
    page.wait_for_selector("[data-testid=report-body]")
    page.click("[data-testid=submit-review]")
    page.wait_for_selector("[data-testid=review-note]")
    sign_out(page)

    sign_in(page, url, cast.leader.username)
    page.goto(f"{url}/reports/{Report.objects.get().pk}/")
    page.click("[data-testid=approve]")
    page.wait_for_selector("[data-testid=issue]")
    page.click("[data-testid=issue]")
    page.wait_for_selector("[data-testid=report-number]")
    sign_out(page)

    sign_in(page, url, cast.school_a_officer.username)
    _from_workbench(page, "reports.receipt", 1)
    page.fill("[data-testid=receipt] textarea", "已整改。")
    page.click("[data-testid=submit-receipt]")
    page.wait_for_selector("text=待教育局确认")
    sign_out(page)

    sign_in(page, url, cast.safety_staff.username)
    _from_workbench(page, "reports.receipt_check", 1)
    _fits(page, width)
    screenshot(page, f"notice-receipt-to-check-{width}")
    page.fill("[data-testid=receipt-note]", "请说明整改措施和完成日期")
    page.click("[data-testid=return-receipt]")
    page.wait_for_selector("[data-testid=receipt-returned]")
    sign_out(page)

    sign_in(page, url, cast.school_a_officer.username)
    _from_workbench(page, "reports.receipt", 1)
    assert "请说明整改措施和完成日期" in page.locator("[data-testid=receipt-returned]").inner_text()
    page.fill("[data-testid=receipt] textarea", "已于本周清理消防通道堆放物，责任人已落实。")
    page.click("[data-testid=submit-receipt]")
    page.wait_for_selector("text=待教育局确认")
    sign_out(page)

    sign_in(page, url, cast.safety_staff.username)
    _from_workbench(page, "reports.receipt_check", 1)
    page.click("[data-testid=accept-receipt]")
    page.wait_for_selector("[data-testid=receipt-checked]")
    sign_out(page)

    sign_in(page, url, cast.school_a_officer.username)
    assert page.locator("[data-key='reports.receipt']").count() == 0
    page.goto(f"{url}/reports/{Report.objects.get().pk}/")
    page.wait_for_selector("[data-testid=receipt-checked]")
    assert page.locator("[data-testid=submit-receipt]").count() == 0  # final
    _fits(page, width)
    screenshot(page, f"notice-receipt-accepted-{width}")
    context.close()
