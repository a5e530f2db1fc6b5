"""Browser test (headless Chromium): department staff paste the text of seed 003, review
the recognised groups and tasks, choose the lead department of task 14, save; report
progress on task 14; the plan page shows its status — on a desktop and on a phone."""

from __future__ import annotations

from pathlib import Path

import pytest

from edubureau.plans.models import Task, WorkPlan
from edubureau.testing.browser import login
from edubureau.testing.dates import today

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEED_003 = (Path(__file__).parent / "data" / "seed_003.txt").read_text(encoding="utf-8")


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 375


def test_paste_review_save_report_and_see_the_status(
    live_server, cast, browser, phone_page, screenshot
):
    base = live_server.url
    desk = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = desk.new_page()
    login(page, base, "office")
    page.goto(f"{base}/plans/")
    page.click("[data-testid=plan-import]")
    page.fill("[data-testid=plan-text]", SEED_003)
    page.click("[data-testid=plan-parse]")
    page.wait_for_selector("[data-testid=plan-review]")
    assert page.locator("[data-testid=parsed-task]").count() == 24
    warnings = page.locator("[data-testid=plan-warnings]").inner_text()
    assert "第4组的序号“（三）”与第3组重复" in warnings
    assert page.input_value("#year") == "2017"  # recognised from the title
    # The bureau reuses the 2017 text as this year's plan: the year is corrected.
    page.fill("#year", str(today().year))
    page.select_option("#lead-14", label=cast.office.name)
    screenshot(page, "plans-import-review-1366")
    page.click("[data-testid=plan-save]")
    page.wait_for_selector("[data-testid=plan-tasks]")
    plan = WorkPlan.objects.get(bureau=cast.bureau)
    assert plan.tasks.count() == 24 and plan.year == today().year

    page.click("text=14．加强师资培训")
    page.wait_for_selector("[data-testid=task-report]")
    task = Task.objects.get(plan=plan, number=14)
    targets = list(task.targets.order_by("position"))
    assert len(targets) == 8
    for target in targets:
        page.fill(f"#value-{target.pk}", str(target.value.normalize()))
    page.fill("#narrative", "举办班主任、骨干教师培训班，培训任务全部完成")
    page.click("[data-testid=task-report-save]")
    page.wait_for_selector("[data-testid=task-status]:has-text('已完成')")
    screenshot(page, "plans-task-1366")

    page.click(f"text={plan.title}")
    done = page.locator("[data-testid=plan-summary] [data-status=done]").inner_text()
    assert done == "已完成1"
    desk.close()

    phone = phone_page
    login(phone, base, "office")
    phone.goto(f"{base}/plans/{plan.pk}/")
    assert phone.locator("[data-testid=plan-summary] [data-status=done]").inner_text() == "已完成1"
    assert _fits(phone)
    screenshot(phone, "plans-plan-375")
