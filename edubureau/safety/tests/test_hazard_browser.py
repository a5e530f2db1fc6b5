"""Browser smoke test at phone width: the school plans and rectifies a hazard with a
photo, the safety department verifies and closes it; every page fits 375 px."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from edubureau.rectification.models import Status
from edubureau.safety.models import Hazard
from edubureau.safety.tests.factories_hazards import make_hazard, png_bytes
from edubureau.testing.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 375


def test_it_runs_the_closed_loop_on_a_phone(
    live_server, cast, browser, phone_page, screenshot, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    base = live_server.url
    hazard = make_hazard(cast, reported_on=timezone.localdate() - timedelta(days=1))
    page = phone_page
    login(page, base, "a_officer")
    page.goto(f"{base}/safety/hazards/")
    page.wait_for_selector("[data-testid=hazard-table]")
    assert page.locator("[data-testid=hazard-row]").count() == 1
    assert _fits(page)
    screenshot(page, "hazard-list-375")

    page.click("text=登记隐患")
    page.wait_for_selector("[data-testid=hazard-report-form]")
    assert _fits(page)
    screenshot(page, "hazard-report-375")
    page.goto(f"{base}/safety/hazards/")

    page.click(f"a[href='/safety/hazards/{hazard.pk}/']")
    page.wait_for_selector("[data-testid=plan-form]")
    # Choosing "by deadline" hides the deferral fields.
    page.check("#plan_kind_1")
    assert page.locator("#plan_interim_measures").is_hidden()
    page.fill("#plan_plan_text", "本周内更换灭火器")
    assert _fits(page)
    screenshot(page, "hazard-detail-plan-375")
    page.click("[data-testid=plan-form] button[type=submit]")
    page.wait_for_selector("[data-testid=rectify-form]")

    page.fill("#rectify_evidence_text", "已更换两具干粉灭火器")
    page.set_input_files(
        "#rectify_photos", files=[{"name": "a.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    page.click("[data-testid=rectify-form] button[type=submit]")
    page.wait_for_selector("[data-testid=hazard-photos] img")
    assert not page.locator("[data-testid=verify-form]").count()
    assert _fits(page)
    screenshot(page, "hazard-detail-rectified-375")
    assert Hazard.objects.get(pk=hazard.pk).status == Status.RECTIFIED

    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN")
    staff = context.new_page()
    login(staff, base, "safety")
    staff.goto(f"{base}/safety/hazards/{hazard.pk}/")
    staff.check("#verify_decision_0")
    staff.click("[data-testid=verify-form] button[type=submit]")
    staff.wait_for_selector("[data-testid=close-form]")
    staff.click("[data-testid=close-form] button[type=submit]")
    staff.wait_for_selector("text=隐患已销号")
    assert _fits(staff)
    screenshot(staff, "hazard-detail-closed-375")
    context.close()
    assert Hazard.objects.get(pk=hazard.pk).status == Status.CLOSED
