"""Browser acceptance at a phone's 375 px and a desk's 1366 px: the city's safety staff
open the dashboard, drill from the city to a county, a township and a school, and
open an overdue hazard; every page fits the screen (no sideways scrolling)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
import time_machine

from edubureau.safety.tests.factories_dashboard import local
from edubureau.safety.tests.scenario_city import TODAY, build_city
from edubureau.testing.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Copies of the screenshots, besides var/screenshots, for a look after the run.
SHOTS = Path(tempfile.gettempdir()) / "edubureau-bureau-dashboard"


def _fits(page, width: int) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= width


def _drill(page, unit: str) -> None:
    """Follow a part's name in the per-part table to its own dashboard."""
    link = page.locator(f'[data-testid=unit-row][data-unit="{unit}"] [data-testid=drill]')
    link.scroll_into_view_if_needed()
    with page.expect_navigation():
        link.click()
    page.wait_for_selector("[data-testid=headline]")


def _crumbs(page) -> list[str]:
    return [
        t.strip()
        for t in page.locator(
            "[data-testid=crumbs] a, [data-testid=crumbs] strong"
        ).all_inner_texts()
    ]


@pytest.mark.parametrize("width", [375, 1366])
def test_city_staff_drill_down_to_a_school_and_open_an_overdue_hazard(
    live_server, cast, browser, screenshot, width
):
    with time_machine.travel(local(TODAY), tick=True):
        city = build_city(cast)
        base = live_server.url
        context = browser.new_context(
            viewport={"width": width, "height": 812 if width == 375 else 900}, locale="zh-CN"
        )
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        shots: list[Path] = []

        def shoot(name: str) -> None:
            shots.append(screenshot(page, f"safety-bureau-{name}-{width}"))

        login(page, base, "city_safety")
        page.goto(f"{base}/safety/dashboard/?year=2026")
        page.wait_for_selector("[data-testid=units-table]")
        rows = page.locator("[data-testid=unit-row]")
        assert rows.count() == 4
        assert page.locator("[data-testid=units-table]").get_attribute("data-grouping") == "bureau"
        sibling = page.locator(f'[data-unit="bureau:{cast.sibling_bureau.pk}"]')
        assert "2 所" in sibling.inner_text()  # two of 乙县's schools have not reported
        assert _fits(page, width)
        shoot("1-city")

        _drill(page, f"bureau:{cast.bureau.pk}")
        assert "bureau=" in page.url
        assert _crumbs(page) == ["甲市", "甲县"]
        assert (
            page.locator("[data-testid=units-table]").get_attribute("data-grouping") == "township"
        )
        assert _fits(page, width)
        shoot("2-county")

        _drill(page, f"township:{cast.township_a.pk}")
        assert _crumbs(page) == ["甲市", "甲县", "甲镇"]
        assert page.locator("[data-testid=units-table]").get_attribute("data-grouping") == "school"
        assert _fits(page, width)
        shoot("3-township")

        _drill(page, f"school:{cast.school_a.pk}")
        assert _crumbs(page) == ["甲市", "甲县", "甲镇", "甲镇中心小学"]
        assert page.locator("[data-testid=own-status]").inner_text() == "已按时提交"
        assert page.locator("[data-testid=units]").count() == 0
        assert _fits(page, width)
        shoot("4-school")

        hazard = page.locator("[data-testid=overdue-hazard]").first
        hazard.scroll_into_view_if_needed()
        with page.expect_navigation():
            hazard.click()
        assert "/safety/hazards/" in page.url
        assert "教学楼外墙瓷砖空鼓" in page.content()
        assert _fits(page, width)
        shoot("5-hazard")
        assert not errors, errors
        context.close()
    SHOTS.mkdir(parents=True, exist_ok=True)
    for shot in shots:
        shutil.copy(shot, SHOTS / shot.name)
    assert city.cast is cast
