"""Browser test of a moved school's history (orgs.moves): 甲县's school B moves to 乙县;
甲县's safety staff still find its hazard reported before the move, marked 已调出 in the
list, and its page says where the school went and offers nothing to do; 乙县's safety
staff, who keep the school now, are offered the plan form."""

from __future__ import annotations

from datetime import timedelta

import pytest

from edubureau.orgs.services.bureaus import school_move
from edubureau.safety.tests.factories_hazards import make_hazard
from edubureau.testing.browser import login
from edubureau.testing.dates import today

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_old_county_reads_a_moved_schools_history(
    live_server, cast, browser, phone_page, screenshot
):
    base = live_server.url
    hazard = make_hazard(
        cast,
        school=cast.school_b,
        reported_on=today() - timedelta(days=10),
        description="食堂后门消防通道堆放杂物",
    )
    school_move(
        actor=cast.city_admin,
        school=cast.school_b,
        to_bureau=cast.sibling_bureau,
        township=cast.sibling_school.township,
        moved_on=today() - timedelta(days=2),
        reason="区划调整",
    )

    for page, width in ((phone_page, 375), (None, 1366)):
        context = None
        if page is None:
            context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
            page = context.new_page()
        login(page, base, "safety")
        page.goto(f"{base}/safety/hazards/?status=all")
        row = page.locator("tr", has_text="食堂后门消防通道堆放杂物")
        assert row.locator("[data-testid=moved-away-tag]").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(page, f"moved-school-list-{width}")
        page.goto(f"{base}/safety/hazards/{hazard.pk}/")
        notice = page.locator("[data-testid=moved-away]")
        assert notice.is_visible()
        assert "调至乙县教育局" in notice.inner_text()
        assert page.locator("[data-testid=plan-form]").count() == 0
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(page, f"moved-school-hazard-{width}")
        if context is not None:
            context.close()

    # The county that keeps the school now plans the rectification.
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    login(page, base, "sibling_safety")
    page.goto(f"{base}/safety/hazards/{hazard.pk}/")
    assert page.locator("[data-testid=plan-form]").is_visible()
    assert page.locator("[data-testid=moved-away]").count() == 0
    context.close()
