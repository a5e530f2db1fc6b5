"""The safety issue's acceptance flow, end to end in headless Chromium at 375 px:
a school safety officer submits a monthly self-inspection with one failed item and
a photo; the hazard appears for the school; the school records rectification
evidence; the safety department verifies and closes it; the bureau dashboard's
counts follow each step."""

from __future__ import annotations

import pytest

from edubureau.rectification.models import Status
from edubureau.safety.models import Hazard, HazardPhoto, InspectionPhoto
from edubureau.safety.tests.factories_hazards import png_bytes
from edubureau.safety.tests.factories_inspections import image_bytes, items_for, small_checklist
from edubureau.testing.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 375


def _figure(page, base: str, testid: str) -> str:
    page.goto(f"{base}/safety/dashboard/")
    return page.locator(f"[data-testid={testid}] .n").inner_text().strip()


def test_it_runs_the_whole_loop_from_inspection_to_close_out(
    live_server, cast, browser, phone_page, screenshot, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    base = live_server.url
    extinguishers, exits, railings = items_for(small_checklist(cast.bureau), cast.school_a)
    photo = tmp_path / "camera.jpg"
    photo.write_bytes(image_bytes("JPEG", size=(3000, 2000)))

    bureau = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN")
    staff = bureau.new_page()
    login(staff, base, "safety")
    assert _figure(staff, base, "fig-open") == "0"
    completion_before = _figure(staff, base, "fig-completion")
    assert completion_before.startswith("0/")

    # 1. The school's safety officer fills and submits the month's self-inspection.
    school = phone_page
    login(school, base, "a_officer")
    school.goto(f"{base}/safety/inspections/")
    school.click("[data-testid=self-inspection-start]")
    school.wait_for_selector("[data-testid=inspection-form]")
    school.click(f"#item-{exits.pk} .choice.pass")
    school.click(f"#item-{extinguishers.pk} .choice.hazard")
    school.fill(f"#d_{extinguishers.pk}", "二楼走廊灭火器过期")
    school.fill(f"#l_{extinguishers.pk}", "教学楼二楼")
    school.set_input_files(f"#item-{extinguishers.pk} input[type=file]", str(photo))
    school.wait_for_selector(f"#item-{extinguishers.pk} [data-thumbs] li img")
    school.click(f"details:has(#item-{railings.pk}) > summary")
    school.click(f"#item-{railings.pk} .choice.na")
    school.wait_for_selector(f"#item-{railings.pk} [data-save-state]:has-text('已保存')")
    assert _fits(school)
    school.click("[data-testid=submit-inspection]")
    school.wait_for_selector("[data-testid=inspection-hazards]")
    screenshot(school, "loop-1-inspection-submitted-375")
    assert InspectionPhoto.objects.filter(school=cast.school_a).count() == 1

    # 2. The hazard appears in the school's list.
    hazard = Hazard.objects.get()
    school.goto(f"{base}/safety/hazards/")
    assert school.locator("[data-testid=hazard-row]").count() == 1
    assert "二楼走廊灭火器过期" in school.locator("[data-testid=hazard-table]").inner_text()
    assert _figure(staff, base, "fig-open") == "1"
    assert _figure(staff, base, "fig-found") == "1"
    assert _figure(staff, base, "fig-completion") != completion_before

    # 3. The school plans and records rectification evidence with a photo.
    school.goto(f"{base}/safety/hazards/{hazard.pk}/")
    school.check("#plan_kind_1")
    school.fill("#plan_plan_text", "三日内更换灭火器")
    school.click("[data-testid=plan-form] button[type=submit]")
    school.wait_for_selector("[data-testid=rectify-form]")
    school.fill("#rectify_evidence_text", "已更换两具干粉灭火器")
    school.set_input_files(
        "#rectify_photos", files=[{"name": "a.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    school.click("[data-testid=rectify-form] button[type=submit]")
    school.wait_for_selector("[data-testid=hazard-photos] img")
    # The school cannot verify its own hazard: no verification form is offered.
    assert school.locator("[data-testid=verify-form]").count() == 0
    screenshot(school, "loop-2-rectified-375")
    evidence = HazardPhoto.objects.get(hazard=hazard, stage="evidence")
    # The browser re-encoded the chosen PNG as JPEG before the form was sent.
    assert evidence.content_type == "image/jpeg"

    # 4. The safety department verifies and closes it out.
    staff.goto(f"{base}/safety/hazards/{hazard.pk}/")
    staff.check("#verify_decision_0")
    staff.click("[data-testid=verify-form] button[type=submit]")
    staff.wait_for_selector("[data-testid=close-form]")
    staff.click("[data-testid=close-form] button[type=submit]")
    staff.wait_for_selector("text=隐患已销号")
    assert Hazard.objects.get(pk=hazard.pk).status == Status.CLOSED

    # 5. The dashboard follows: nothing open, one closed, a 100% rectification rate.
    assert _figure(staff, base, "fig-open") == "0"
    assert _figure(staff, base, "fig-rate").startswith("100")
    assert _fits(staff)
    screenshot(staff, "loop-3-dashboard-after-close-375")
    bureau.close()
