"""Browser smoke test: a school safety officer on a phone records a drill and the
ledger pages fit a 375-px screen."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from edubureau.safety.models import Drill
from edubureau.safety.tests import factories_ledgers as f
from edubureau.testing.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 375


def test_it_records_a_drill_from_a_phone(live_server, cast, phone_page, screenshot):
    held_on = date.today() - timedelta(days=3)
    f.VehicleFactory(school=cast.school_a, driver_licence_expires=date.today() + timedelta(days=9))
    page = phone_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "a_officer")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.click("[data-toggle-nav]")
    page.click("text=安全台账")
    page.wait_for_selector("[data-testid=ledger-cards]")
    assert page.locator("[data-testid=expiring-row]").count() == 1
    assert _fits(page)
    screenshot(page, "ledger-home-375")

    page.click("[data-testid=ledger-card-drill] >> text=登记")
    page.fill("#id_held_on", held_on.isoformat())
    page.select_option("#id_kind", "fire")
    page.fill("#id_participants", "640")
    assert _fits(page)
    screenshot(page, "ledger-drill-form-375")
    page.click("main button[type=submit]")
    page.wait_for_selector("[data-testid=ledger-table]")
    assert page.locator("[data-testid=ledger-row]").count() == 1
    assert "640" in page.locator("[data-testid=totals]").inner_text()
    assert _fits(page)
    screenshot(page, "ledger-drill-list-375")
    assert Drill.objects.get().participants == 640

    page.goto(f"{live_server.url}/safety/ledgers/vehicles/")
    page.wait_for_selector("[data-testid=ledger-table]")
    assert "天后到期" in page.locator("[data-testid=ledger-row]").first.inner_text()
    assert _fits(page)
    screenshot(page, "ledger-vehicle-list-375")
