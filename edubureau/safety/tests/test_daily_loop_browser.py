"""Issue 12's acceptance, in a real browser at phone (375 px) and desk (1366 px) width:
the whole safety loop done by the people who do it, each from their workbench.

A school's safety officer sees this month's self-inspection due, fills it with one
failed item (a 较大 hazard, photographed) and submits; the county's safety staff see
the hazard on their workbench and were notified; the officer plans and records the
rectification with an "after" photo; the staff compare both photos on the hazard page
and close it from the 待复查 list; the school's workbench and notifications follow.
"""

from __future__ import annotations

import pytest

from edubureau.rectification.models import Severity, Status
from edubureau.safety.models import Hazard, Inspection, InspectionStatus
from edubureau.safety.services.hazards import safety_settings_save
from edubureau.safety.tests.factories_hazards import png_bytes
from edubureau.safety.tests.factories_inspections import image_bytes, items_for, small_checklist
from edubureau.testing.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [(375, 812), (1366, 900)]


def _fits(page, width: int) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= width


def _work_item(page, key: str):
    return page.locator(f"[data-testid=work-item][data-key='{key}']")


@pytest.mark.parametrize(("width", "height"), WIDTHS, ids=["phone", "desk"])
def test_the_safety_loop_from_the_workbench(
    live_server, cast, browser, screenshot, settings, tmp_path, width, height
):
    settings.MEDIA_ROOT = tmp_path
    base = live_server.url
    safety_settings_save(actor=cast.safety_staff, township_verifies_minor=False, verify_closes=True)
    extinguishers, exits, railings = items_for(small_checklist(cast.bureau), cast.school_a)
    camera = tmp_path / "camera.jpg"
    camera.write_bytes(image_bytes("JPEG", size=(1600, 1200)))

    def new_page():
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        return context, context.new_page()

    # 1. The school: this month's self-inspection is the first thing on the workbench.
    school_context, school = new_page()
    login(school, base, "a_officer")
    due = _work_item(school, "safety.self_inspection")
    assert "月度自查" in due.inner_text() and "未开始" in due.inner_text()
    assert _fits(school, width)
    screenshot(school, f"daily-loop-1-school-workbench-{width}")
    due.locator("[data-testid=work-item-action]").click()
    school.wait_for_selector("[data-testid=inspection-form]")

    # 2. ...fills it: one failed item, a 较大 hazard with a photo, and submits.
    school.click(f"#item-{exits.pk} .choice.pass")
    school.wait_for_selector(f"#item-{exits.pk} [data-save-state]:has-text('已保存')")
    school.click(f"#item-{extinguishers.pk} .choice.hazard")
    school.fill(f"#d_{extinguishers.pk}", "一楼走廊灭火器压力表指针在红区")
    school.fill(f"#l_{extinguishers.pk}", "教学楼一楼走廊")
    school.select_option(f"#s_{extinguishers.pk}", Severity.MAJOR)
    school.set_input_files(f"#item-{extinguishers.pk} input[type=file]", str(camera))
    school.wait_for_selector(f"#item-{extinguishers.pk} [data-thumbs] li img")
    if not school.is_visible(f"#item-{railings.pk}"):
        school.click(f"details:has(#item-{railings.pk}) > summary")  # categories fold
    school.click(f"#item-{railings.pk} .choice.na")
    school.wait_for_selector(f"#item-{railings.pk} [data-save-state]:has-text('已保存')")
    school.click("[data-testid=submit-inspection]")
    school.wait_for_selector("[data-testid=inspection-hazards]")
    assert Inspection.objects.get().status == InspectionStatus.SUBMITTED
    hazard = Hazard.objects.get()
    assert hazard.severity == Severity.MAJOR and hazard.status == Status.REPORTED
    screenshot(school, f"daily-loop-2-school-submitted-{width}")

    # 3. The county's safety staff: the 较大 hazard is on their workbench, and they
    # were told the moment it was reported.
    staff_context, staff = new_page()
    login(staff, base, "safety")
    serious = _work_item(staff, "safety.hazards_major_open")
    assert serious.locator(".wb-n").inner_text() == "1"
    assert staff.locator("[data-testid=unread-count]").inner_text() == "1"
    assert _fits(staff, width)
    screenshot(staff, f"daily-loop-3-staff-workbench-{width}")
    staff.goto(f"{base}/notifications/")
    row = staff.locator("[data-testid=notification-row]")
    assert row.count() == 1 and "较大隐患" in row.inner_text()

    # 4. The school plans the rectification and records it with an "after" photo.
    school.goto(f"{base}/")
    _work_item(school, "safety.hazards_to_plan").locator("a.wb-main").click()
    school.click(f"a[href='/safety/hazards/{hazard.pk}/']")
    school.wait_for_selector("[data-testid=plan-form]")
    school.check("#plan_kind_1")
    school.fill("#plan_plan_text", "本周内更换灭火器")
    school.click("[data-testid=plan-form] button[type=submit]")
    school.wait_for_selector("[data-testid=rectify-form]")
    school.fill("#rectify_evidence_text", "已更换两具干粉灭火器")
    school.set_input_files(
        "#rectify_photos",
        files=[{"name": "after.png", "mimeType": "image/png", "buffer": png_bytes(colour="green")}],
    )
    school.click("[data-testid=rectify-form] button[type=submit]")
    school.wait_for_selector("[data-testid=after-photos] img")
    assert Hazard.objects.get(pk=hazard.pk).status == Status.RECTIFIED

    # 5. The staff: 待复查 on the workbench; both photos on the hazard page; closed
    # from the 待复查 list in one step.
    staff.goto(f"{base}/")
    to_verify = _work_item(staff, "safety.hazards_to_verify")
    assert to_verify.locator(".wb-n").inner_text() == "1"
    staff.goto(f"{base}/safety/hazards/{hazard.pk}/")
    assert staff.locator("[data-testid=before-photos] img").count() == 1
    assert staff.locator("[data-testid=after-photos] img").count() == 1
    assert _fits(staff, width)
    screenshot(staff, f"daily-loop-5-staff-before-after-{width}")
    staff.goto(f"{base}/")
    to_verify.locator("a.wb-main").click()
    staff.wait_for_selector("[data-testid=bulk-verify-form]")
    staff.locator("[data-check-all]").check()
    staff.once("dialog", lambda dialog: dialog.accept())
    staff.click("[data-testid=bulk-verify-close]")
    staff.wait_for_selector("text=1条隐患复查通过并已销号")
    assert Hazard.objects.get(pk=hazard.pk).status == Status.CLOSED
    staff.goto(f"{base}/")
    assert _work_item(staff, "safety.hazards_to_verify").count() == 0
    assert _work_item(staff, "safety.hazards_major_open").count() == 0

    # 6. The school: the month is done, no hazard waits on it, and it was told.
    school.goto(f"{base}/")
    assert "已提交 ✓" in _work_item(school, "safety.self_inspection").inner_text()
    for key in ("safety.hazards_to_plan", "safety.hazards_to_rectify"):
        assert _work_item(school, key).count() == 0
    assert _fits(school, width)
    screenshot(school, f"daily-loop-6-school-workbench-done-{width}")
    school.goto(f"{base}/notifications/")
    titles = school.locator("[data-testid=notification-row]").all_inner_texts()
    assert any("已销号" in t for t in titles)
    screenshot(school, f"daily-loop-6-school-notifications-{width}")
    school_context.close()
    staff_context.close()
