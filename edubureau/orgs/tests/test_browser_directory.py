"""Browser smoke test: a school user on a phone sees exactly their own school."""

from __future__ import annotations

import pytest

from edubureau.testing.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_shows_a_school_user_exactly_one_school(live_server, cast, phone_page, screenshot):
    page = phone_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "a_officer")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.click("[data-toggle-nav]")
    page.click("text=学校名录")
    page.wait_for_selector("[data-testid=school-table]")
    rows = page.locator("[data-testid=school-row]")
    assert rows.count() == 1
    assert cast.school_a.name in rows.first.inner_text()
    assert cast.school_b.name not in page.content()
    # The stylesheet is served (a missing one leaves the header unstyled).
    header = page.evaluate("getComputedStyle(document.querySelector('.topbar')).backgroundColor")
    assert header == "rgb(179, 38, 30)"
    # The page fits a phone: nothing wider than the viewport.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "directory-school-user-375")


def test_an_administrator_sets_the_safety_departments_leader_on_a_phone(
    live_server, cast, phone_page, screenshot
):
    page = phone_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", cast.admin.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.click("text=股室与分管局领导")
    page.wait_for_selector("[data-testid=department-table]")
    page.locator("tr", has_text=cast.safety_dept.name).locator("text=编辑").click()
    page.select_option("#id_leader_in_charge", str(cast.leader.pk))
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "department-edit-admin-375")
    page.click("form.card button[type=submit]")  # not the header's 退出 button
    page.wait_for_selector("[data-testid=department-table]")
    row = page.locator("tr", has_text=cast.safety_dept.name)
    assert cast.leader.display_name in row.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "department-list-admin-375")
