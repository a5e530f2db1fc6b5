"""Browser test at phone width (375 px): a school safety officer fills the monthly
self-inspection item by item (autosaved), photographs a failed item (resized in the
browser before upload) and submits; the hazard appears."""

from __future__ import annotations

import pytest
from PIL import Image

from edubureau.safety.models import Hazard, Inspection, InspectionPhoto, InspectionStatus
from edubureau.safety.tests.factories_inspections import image_bytes, items_for, small_checklist
from edubureau.testing.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 375


def test_it_fills_and_submits_a_self_inspection_on_a_phone(
    live_server, cast, phone_page, screenshot, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    base = live_server.url
    extinguishers, exits, railings = items_for(small_checklist(cast.bureau), cast.school_a)
    photo = tmp_path / "camera.jpg"
    photo.write_bytes(image_bytes("JPEG", size=(3200, 2400)))
    page = phone_page
    login(page, base, "a_officer")

    page.goto(f"{base}/safety/inspections/")
    page.click("[data-testid=self-inspection-start]")
    page.wait_for_selector("[data-testid=inspection-form]")
    assert _fits(page)

    # One item answered: saved at once, which creates the draft.
    page.click(f"#item-{exits.pk} .choice.pass")
    page.wait_for_selector(f"#item-{exits.pk} [data-save-state]:has-text('已保存')")
    assert Inspection.objects.get().status == InspectionStatus.DRAFT

    # A failed item: its hazard fields appear; a 12-megapixel photo is resized first.
    page.click(f"#item-{extinguishers.pk} .choice.hazard")
    page.fill(f"#d_{extinguishers.pk}", "一楼走廊灭火器压力表指针在红区")
    page.fill(f"#l_{extinguishers.pk}", "教学楼一楼走廊")
    # The photo button just above the sticky 保存/提交 bar: the thumbnail must not
    # end up under the bar.
    page.evaluate(
        """(id) => {
            const button = document.querySelector(`#item-${id} .photo-btn`).getBoundingClientRect();
            const bar = document.querySelector('.form-actions').getBoundingClientRect();
            window.scrollBy(0, button.bottom - bar.top + 2);
        }""",
        extinguishers.pk,
    )
    page.set_input_files(f"#item-{extinguishers.pk} input[type=file]", str(photo))
    page.wait_for_selector(f"#item-{extinguishers.pk} [data-thumbs] li img")
    page.wait_for_timeout(300)
    assert not page.evaluate(
        """(id) => {
            const thumb = document.querySelector(`#item-${id} [data-thumbs] li:last-child`);
            const bar = document.querySelector('.form-actions').getBoundingClientRect();
            return thumb.getBoundingClientRect().bottom > bar.top;
        }""",
        extinguishers.pk,
    ), "the new thumbnail is under the sticky bar"
    page.click(f"details:has(#item-{railings.pk}) > summary")  # categories fold
    page.click(f"#item-{railings.pk} .choice.na")
    page.wait_for_selector(f"#item-{railings.pk} [data-save-state]:has-text('已保存')")
    assert page.locator("[data-answered]").inner_text() == "3"
    assert _fits(page)
    screenshot(page, "inspection-form-375")

    page.click("[data-testid=submit-inspection]")
    page.wait_for_selector("[data-testid=inspection-hazards]")
    assert _fits(page)
    screenshot(page, "inspection-detail-375")
    # Printed, the record shows every item: folded categories open for the printer.
    assert page.locator("main details:not([open])").count() > 0
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert page.locator("main details:not([open])").count() == 0
    page.emulate_media(media="print")
    assert not page.is_visible("[data-testid=print-inspection]")
    screenshot(page, "inspection-detail-print")
    page.emulate_media(media="screen")
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    assert page.locator("main details:not([open])").count() > 0
    inspection = Inspection.objects.get()
    assert inspection.status == InspectionStatus.SUBMITTED
    hazard = Hazard.objects.get()
    assert hazard.description == "一楼走廊灭火器压力表指针在红区"
    stored = InspectionPhoto.objects.get()
    assert stored.item_id == extinguishers.pk and max(stored.width, stored.height) == 1600
    with Image.open(tmp_path / stored.path) as image:
        assert image.format == "JPEG"


def test_a_submit_right_after_a_change_sends_no_autosave_after_it(live_server, cast, phone_page):
    """Autosaves still waiting when 提交 is pressed are dropped (the submit carries
    every field), one in flight is waited for, and the submit, holding no photo, goes
    urlencoded (no file parts at all): nothing is answered 400 and the answers are all
    kept."""
    base = live_server.url
    items = items_for(small_checklist(cast.bureau), cast.school_a)
    page = phone_page
    login(page, base, "a_officer")
    page.goto(f"{base}/safety/inspections/self/")
    page.wait_for_selector("[data-testid=inspection-form]")

    posts: list[tuple[str, int, bytes, str]] = []
    page.on(
        "requestfinished",
        lambda r: (
            r.method == "POST"
            and posts.append(
                (
                    r.url,
                    r.response().status,
                    r.post_data_buffer or b"",
                    r.headers.get("content-type", ""),
                )
            )
        ),
    )
    page.click(f"#item-{items[0].pk} .choice.pass")
    page.wait_for_selector(f"#item-{items[0].pk} [data-save-state]:has-text('已保存')")
    for item in items[1:]:
        if not page.is_visible(f"#item-{item.pk}"):
            page.click(f"details:has(#item-{item.pk}) > summary")  # categories fold
        page.click(f"#item-{item.pk} .choice.pass")  # each starts a 150 ms autosave timer
    page.fill("#id_summary", "全部合格")  # and a 600 ms one
    page.click("[data-testid=submit-inspection]")
    page.wait_for_url(f"{base}/safety/inspections/*/")
    page.wait_for_timeout(1200)  # any dropped timer would have fired by now

    assert [status for _, status, _, _ in posts if status >= 400] == []
    submit = [(body, kind) for _, _, body, kind in posts if b"action=submit" in body]
    assert len(submit) == 1
    body, kind = submit[0]
    assert kind.startswith("application/x-www-form-urlencoded") and b"filename=" not in body
    inspection = Inspection.objects.get()
    assert inspection.status == InspectionStatus.SUBMITTED
    assert inspection.summary == "全部合格"


def test_an_answer_tapped_before_the_script_has_run_is_saved_when_it_runs(
    live_server, cast, phone_page
):
    """On a slow phone the deferred script can run after the first tap: that answer
    reached no listener, and is saved when the script starts."""
    base = live_server.url
    items = items_for(small_checklist(cast.bureau), cast.school_a)
    page = phone_page
    login(page, base, "a_officer")
    script_urls: list[str] = []

    def hold_back(route):
        script_urls.append(route.request.url)
        route.abort()

    page.route("**/js/inspection*.js", hold_back)
    page.goto(f"{base}/safety/inspections/self/")
    page.wait_for_selector("[data-testid=inspection-form]")
    assert script_urls, "the form page loads its script"
    page.click(f"#item-{items[0].pk} .choice.hazard")
    page.fill(f"#d_{items[0].pk}", "楼梯扶手松动")
    assert not Inspection.objects.exists()

    page.unroute("**/js/inspection*.js")
    page.add_script_tag(url=script_urls[0])
    page.wait_for_selector(f"#item-{items[0].pk} [data-save-state]:has-text('已保存')")
    assert page.get_attribute("[data-testid=inspection-form]", "data-ready") == "1"
    assert page.locator("[data-answered]").inner_text() == "1"
    inspection = Inspection.objects.get()
    assert inspection.status == InspectionStatus.DRAFT
    assert inspection.results[str(items[0].pk)]["r"] == "hazard"
    assert inspection.results[str(items[0].pk)]["d"] == "楼梯扶手松动"
