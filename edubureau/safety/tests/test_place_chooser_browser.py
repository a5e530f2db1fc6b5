"""Browser test: on a phone, the province's safety department narrows the hazard list
to one school through the place chooser, one choice a step (each choice reloads the
list with the next step's options), and the page fits 375 px throughout."""

from __future__ import annotations

import pytest

from edubureau.safety.tests.factories_hazards import make_hazard
from edubureau.testing.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 375


def _open_filters(page) -> None:
    """The filter panel starts folded on a phone (app.js, once the page has loaded)."""
    page.wait_for_load_state("load")
    if page.locator("details.filter-panel:not([open])").count():
        page.click("details.filter-panel > summary")


def test_the_province_reaches_one_schools_hazards_in_four_choices(
    live_server, cast, phone_page, screenshot
):
    make_hazard(cast, school=cast.school_a, description="甲校灭火器压力不足")
    make_hazard(cast, school=cast.school_b, description="乙校疏散通道堵塞")
    page = phone_page
    login(page, live_server.url, cast.province_safety.username)
    page.goto(f"{live_server.url}/safety/hazards/")
    _open_filters(page)
    for value in (cast.city.pk, cast.bureau.pk, cast.township_a.pk, cast.school_a.pk):
        select = page.locator("[data-testid=place-select]")
        with page.expect_navigation():
            select.select_option(str(value))  # choosing reloads the list (app.js)
        _open_filters(page)
        assert _fits(page)
    assert page.locator("[data-testid=place-current]").inner_text() == cast.school_a.name
    assert page.locator("[data-testid=place-select]").count() == 0
    rows = page.locator("[data-testid=hazard-row]")
    assert rows.count() == 1 and "甲校" in rows.first.inner_text()
    screenshot(page, "place-chooser-school-375")
    # Back up the trail: the county's townships again.
    with page.expect_navigation():
        page.click(f"[data-testid=place-up] >> text={cast.bureau.display_name}")
    _open_filters(page)
    assert page.locator("label[for=f-place]").inner_text() == "乡镇（街道）"
    assert page.locator("[data-testid=hazard-row]").count() == 2
    screenshot(page, "place-chooser-county-375")


def test_the_province_sees_the_missing_schools_by_city_on_a_phone(
    live_server, cast, phone_page, screenshot
):
    page = phone_page
    login(page, live_server.url, cast.province_safety.username)
    page.goto(f"{live_server.url}/safety/inspections/missing/")
    groups = page.locator("[data-testid=missing-groups] tbody tr")
    assert groups.count() == 2  # 甲市, 丙市, each with its count and a link
    assert _fits(page)
    screenshot(page, "missing-by-city-375")
    with page.expect_navigation():
        groups.first.locator("a").click()
    current = page.locator("[data-testid=place-current]").text_content()  # panel folded
    assert current == cast.city.display_name
    assert _fits(page)
