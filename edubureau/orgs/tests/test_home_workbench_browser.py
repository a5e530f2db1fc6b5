"""The workbench on a school officer's phone (375 px): the to-dos fit the screen, each
row is a tap target, and tapping one opens the list it counts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from edubureau.safety.models import InspectionStatus
from edubureau.safety.tests.factories_hazards import make_hazard
from edubureau.safety.tests.factories_inspections import make_self_inspection
from edubureau.safety.tests.factories_ledgers import VehicleFactory
from edubureau.testing.browser import login
from edubureau.testing.dates import today

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_school_officer_works_from_the_workbench_on_a_phone(
    live_server, cast, phone_page, screenshot
):
    make_self_inspection(cast.school_a, status=InspectionStatus.DRAFT)
    make_hazard(cast, description="消防通道堆放杂物")
    make_hazard(cast, school=cast.school_b, description="乙校的隐患")
    VehicleFactory.create(school=cast.school_a, insurance_expires=today() + timedelta(days=5))
    page = phone_page
    login(page, live_server.url, cast.school_a_officer.username)
    rows = page.locator("[data-testid=work-item]")
    keys = [rows.nth(i).get_attribute("data-key") for i in range(rows.count())]
    assert {"safety.self_inspection", "safety.hazards_to_plan", "safety.expiring.vehicle"} <= set(
        keys
    )
    # Nothing wider than the phone; every row and button is a comfortable tap target.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    heights = page.eval_on_selector_all(
        ".wb-main, .wb-action", "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 44
    screenshot(page, "workbench-school-375")
    to_plan = page.locator("[data-key='safety.hazards_to_plan']")
    assert to_plan.locator(".wb-n").inner_text() == "1"
    to_plan.locator("a.wb-main").click()
    page.wait_for_selector("[data-testid=hazard-table]")
    assert page.locator("[data-testid=hazard-row]").count() == 1
    assert "消防通道堆放杂物" in page.content()
    assert "乙校的隐患" not in page.content()
