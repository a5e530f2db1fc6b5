"""Browser test (headless Chromium): a school fills its return on a phone (375 px),
gets a validation error in Chinese, fixes it and submits; the bureau's statistics
staff send it back with a comment; the school corrects and resubmits; the staff
accept and lock it, and the dashboard's figures change."""

from __future__ import annotations

import pytest

from edubureau.stats.dictionary import fields_for
from edubureau.stats.models import ReturnStatus, StatReturn
from edubureau.stats.tests.factories import consistent_values
from edubureau.stats.tests.people import stats_staff
from edubureau.testing.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 375


def _fill(page, values) -> None:
    for spec in fields_for("primary"):
        page.fill(f"[name='{spec.code}']", str(values[spec.code]))


def test_a_return_goes_round_on_a_phone_and_a_desktop(
    live_server, cast, browser, phone_page, screenshot
):
    base = live_server.url
    stats_staff(cast.bureau, username="jichu")
    page = phone_page
    login(page, base, "a_officer")
    page.goto(f"{base}/stats/")
    assert _fits(page)
    page.click("[data-testid=own-return] button[type=submit]")
    page.wait_for_selector("[data-testid=return-form]")
    assert _fits(page)

    values = consistent_values("primary")
    _fill(page, values | {"primary.grade6": 39})
    # The form adds up the grades as they are typed.
    grade_sum = page.locator("[data-grade-sum=primary]")
    assert grade_sum.inner_text() == "各年级合计：239（与合计不一致）"
    page.click("[data-testid=submit-return]")
    page.wait_for_selector("[data-testid=return-errors]")
    errors = page.locator("[data-testid=return-errors]").inner_text()
    assert "小学各年级在校生之和（239人）与小学在校生（240人）不一致。" in errors
    assert _fits(page)
    screenshot(page, "stats-return-error-375")

    page.fill("[name='primary.grade6']", "40")
    page.click("[data-testid=submit-return]")
    page.wait_for_selector("[data-testid=return-status]:has-text('已上报')")
    assert _fits(page)
    ret = StatReturn.objects.get(school=cast.school_a)
    assert ret.status == ReturnStatus.SUBMITTED and ret.values == values

    desk = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    staff = desk.new_page()
    login(staff, base, "jichu")
    staff.goto(f"{base}/stats/?status=submitted")
    staff.click(f"text={cast.school_a.name}")
    staff.fill("#comment-return", "专任教师数请与人事系统核对")
    staff.click("[data-testid=send-back-return]")
    staff.wait_for_selector("[data-testid=return-status]:has-text('已退回')")

    page.goto(f"{base}/stats/returns/{ret.pk}/")
    page.click("[data-testid=edit-return]")
    comment = page.locator("[data-testid=return-comment]").inner_text()
    assert "专任教师数请与人事系统核对" in comment
    page.fill("[name='primary.teachers']", "13")
    page.click("[data-testid=submit-return]")
    page.wait_for_selector("[data-testid=return-status]:has-text('已上报')")
    screenshot(page, "stats-return-detail-375")
    assert _fits(page)

    staff.goto(f"{base}/stats/dashboard/")
    counted = staff.locator("[data-testid=count-schools] .n").inner_text()
    assert counted.startswith("0")  # a submitted return does not count yet
    staff.goto(f"{base}/stats/returns/{ret.pk}/")
    staff.click("[data-testid=accept-return]")
    staff.wait_for_selector("[data-testid=return-status]:has-text('已审核')")
    staff.click("[data-testid=lock-return]")
    staff.wait_for_selector("[data-testid=return-status]:has-text('已锁定')")
    screenshot(staff, "stats-return-locked-1366")
    staff.goto(f"{base}/stats/dashboard/")
    assert staff.locator("[data-testid=count-schools] .n").inner_text().startswith("1")
    teachers = staff.locator("[data-testid=card][data-code=primary_pupil_teacher] .n")
    assert teachers.inner_text().startswith(f"{240 / 13:.2f}")  # 240 pupils, 13 teachers
    screenshot(staff, "stats-dashboard-after-lock-1366")
    desk.close()
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.LOCKED and ret.values["primary.teachers"] == 13
    assert list(ret.rounds.values_list("action", flat=True)) == [
        "submit", "return", "submit", "accept", "lock",
    ]  # fmt: skip
