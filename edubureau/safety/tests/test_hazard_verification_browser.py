"""Browser test of the verifier's hazard page: the school records the rectification
of a hazard its self-inspection found (with the photo taken then); the safety
department sees both photos side by side (stacked at 375 px) and closes it from the
待复查 list in one step; the page prints without navigation or forms."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone

from edubureau.core.photos import store_photo
from edubureau.rectification.lifecycle import rectification_plan
from edubureau.rectification.models import Status
from edubureau.safety.models import Hazard, HazardSource, InspectionPhoto, InspectionStatus
from edubureau.safety.services.hazards import hazard_report, safety_settings_save
from edubureau.safety.tests.factories_hazards import PLAN_BY_DEADLINE, png_bytes
from edubureau.safety.tests.factories_inspections import (
    items_for,
    make_self_inspection,
    small_checklist,
)
from edubureau.testing.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _inspection_hazard(cast) -> Hazard:
    """A submitted self-inspection with a photo of its failed item, and the hazard it
    reported (as ``inspection_save`` makes them), planned by the school."""
    checklist = small_checklist(cast.bureau)
    item = items_for(checklist, cast.school_a)[0]
    inspection = make_self_inspection(
        cast.school_a,
        status=InspectionStatus.SUBMITTED,
        inspected_on=timezone.localdate(),
        created_by=cast.school_a_officer,
    )
    stored = store_photo(io.BytesIO(png_bytes(colour="red")), folder="inspections/x")
    InspectionPhoto.objects.create(
        school_id=cast.school_a.pk,
        inspection=inspection,
        item=item,
        uploaded_by=cast.school_a_officer,
        **stored.fields(),
    )
    hazard = hazard_report(
        actor=cast.school_a_officer,
        school=cast.school_a,
        category=item.category,
        item=item,
        inspection=inspection,
        description="二楼东侧灭火器压力不足",
        source=HazardSource.INSPECTION,
        reported_on=timezone.localdate(),
    )
    return rectification_plan(actor=cast.school_a_officer, obj=hazard, plan=PLAN_BY_DEADLINE)


def _box(page, testid: str) -> dict:
    return page.locator(f"[data-testid={testid}] img").first.bounding_box()


def test_the_verifier_compares_before_and_after_and_closes_from_the_list(
    live_server, cast, browser, phone_page, screenshot, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    base = live_server.url
    hazard = _inspection_hazard(cast)
    safety_settings_save(actor=cast.safety_staff, township_verifies_minor=False, verify_closes=True)

    # The school's officer records the rectification with a photo, on a phone.
    page = phone_page
    login(page, base, "a_officer")
    page.goto(f"{base}/safety/hazards/{hazard.pk}/")
    page.wait_for_selector("[data-testid=rectify-form] .photo-btn")
    page.fill("#rectify_evidence_text", "已更换两具干粉灭火器")
    page.set_input_files(
        "#rectify_photos",
        files=[{"name": "after.png", "mimeType": "image/png", "buffer": png_bytes(colour="green")}],
    )
    page.click("[data-testid=rectify-form] button[type=submit]")
    page.wait_for_selector("[data-testid=after-photos] img")
    assert Hazard.objects.get(pk=hazard.pk).status == Status.RECTIFIED
    # At 375 px the two stack: after below before, nothing wider than the screen.
    before, after = _box(page, "before-photos"), _box(page, "after-photos")
    assert after["y"] > before["y"] + before["height"] - 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "hazard-before-after-375")

    # The safety department sees them side by side on a desk screen...
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="zh-CN")
    staff = context.new_page()
    login(staff, base, "safety")
    staff.goto(f"{base}/safety/hazards/{hazard.pk}/")
    staff.wait_for_selector("[data-testid=after-photos] img")
    before, after = _box(staff, "before-photos"), _box(staff, "after-photos")
    assert abs(before["y"] - after["y"]) < 2 and after["x"] > before["x"] + before["width"]
    assert staff.locator("[data-testid=source-inspection]").count() == 1
    screenshot(staff, "hazard-before-after-desk")
    # ...prints the sheet without the menu or the forms...
    staff.emulate_media(media="print")
    assert staff.locator(".topbar").is_hidden()
    assert staff.locator("[data-testid=verify-form]").is_hidden()
    assert staff.locator("[data-testid=hazard-history]").is_visible()
    assert staff.locator("[data-testid=after-photos] img").is_visible()
    staff.emulate_media(media="screen")

    # ...and closes it from the 待复查 list in one step.
    staff.goto(f"{base}/safety/hazards/?status=rectified")
    staff.wait_for_selector("[data-testid=bulk-verify-form]")
    staff.locator("[data-check-all]").check()
    assert staff.locator("[data-testid=bulk-pick]").first.is_checked()
    screenshot(staff, "hazard-bulk-list")
    staff.once("dialog", lambda dialog: dialog.accept())
    staff.click("[data-testid=bulk-verify-close]")
    staff.wait_for_selector("text=1条隐患复查通过并已销号")
    screenshot(staff, "hazard-bulk-verified")
    context.close()
    assert Hazard.objects.get(pk=hazard.pk).status == Status.CLOSED
