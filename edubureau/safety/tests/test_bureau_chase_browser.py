"""Browser check of the city's 下级教育局情况 page at 375 px and 1366 px: the city's
safety staff see their counties side by side, drill into a county's overdue hazards
and chase the county (催办)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from edubureau.notifications.models import Notification
from edubureau.safety.models import BureauChase, Hazard
from edubureau.safety.services.overdue import BUREAU_CHASE_TOPIC
from edubureau.safety.tests.factories_hazards import make_hazard
from edubureau.testing.browser import login
from edubureau.testing.dates import today

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits(page, width: int) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", [375, 1366])
def test_the_city_sees_its_counties_and_chases_one(live_server, cast, browser, screenshot, width):
    long_ago = today() - timedelta(days=60)
    hazard = make_hazard(cast, reported_on=long_ago, description="围墙局部倒塌未修复")
    Hazard.objects.filter(pk=hazard.pk).update(overdue_level=5)
    make_hazard(cast, school=cast.sibling_school, reported_on=long_ago)
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    base = live_server.url
    login(page, base, "city_safety")
    page.goto(f"{base}/safety/hazards/")
    page.click("[data-testid=hazard-bureaus]")
    page.wait_for_selector("[data-testid=bureau-table]")
    rows = page.locator("[data-testid=bureau-row]")
    assert rows.count() == 3  # 市直学校, 甲县, 乙县
    county = page.locator(f"[data-testid=bureau-row][data-bureau='{cast.bureau.pk}']")
    assert county.locator("[data-testid=bureau-overdue]").inner_text() == "1"
    assert county.locator("[data-testid=bureau-supervised]").inner_text() == "1"
    assert _fits(page, width)
    screenshot(page, f"hazard-bureaus-{width}")

    county.locator("[data-testid=bureau-overdue]").click()
    page.wait_for_selector("[data-testid=hazard-table]")
    assert page.locator("[data-testid=hazard-row]").count() == 1
    assert "围墙局部倒塌未修复" in page.locator("[data-testid=hazard-table]").inner_text()
    page.go_back()

    county = page.locator(f"[data-testid=bureau-row][data-bureau='{cast.bureau.pk}']")
    county.locator("[data-testid=bureau-chase]").click()
    page.wait_for_selector("text=已向甲县发出催办通知")
    county = page.locator(f"[data-testid=bureau-row][data-bureau='{cast.bureau.pk}']")
    assert "今天已催办" in county.inner_text()
    assert not county.locator("[data-testid=bureau-chase]").count()
    assert _fits(page, width)
    screenshot(page, f"hazard-bureaus-chased-{width}")
    context.close()
    assert BureauChase.objects.get().target == cast.bureau
    assert {n.recipient for n in Notification.objects.filter(topic=BUREAU_CHASE_TOPIC)} == {
        cast.safety_staff
    }
