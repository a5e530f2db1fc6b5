"""The hazard page as a verifier needs it: the inspection item's photos as "before"
beside the rectification's "after", the source inspection linked, every round with
its own photos, verify-and-close in one step where the bureau allows it, and bulk
verification from the 待复查 list."""

from __future__ import annotations

import re
import uuid
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from edubureau.audit.models import Action, AuditEvent
from edubureau.core.concurrency import version_token
from edubureau.rectification.lifecycle import (
    rectification_plan,
    rectification_rectify,
    rectification_verify,
    steps_for,
)
from edubureau.rectification.models import Status
from edubureau.safety.models import Hazard, HazardPhoto, InspectionPhoto, SafetySettings
from edubureau.safety.services.hazards import safety_settings_save
from edubureau.safety.services.verification import (
    hazard_verify_and_close,
    hazards_verify_bulk,
)
from edubureau.safety.tests.factories_hazards import (
    PLAN_BY_DEADLINE,
    hazard_in_state,
    make_hazard,
    png_bytes,
)
from edubureau.safety.tests.factories_inspections import (
    at,
    form_data,
    image_bytes,
    items_for,
    small_checklist,
)
from edubureau.testing.cast import SIBLING_MARKER

pytestmark = pytest.mark.time_machine(at(date(2026, 10, 12)))  # a Monday

LIST = reverse("safety:hazard-list")
BULK = reverse("safety:hazard-bulk-verify")
FAILED = {"r": "hazard", "d": "二楼东侧灭火器压力不足", "l": "教学楼二楼东侧"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _url(name: str, hazard: Hazard) -> str:
    return reverse(f"safety:{name}", kwargs={"hazard_id": hazard.pk})


def _section(text: str, testid: str) -> str:
    """The HTML of the element carrying ``data-testid=testid`` up to its closing div."""
    match = re.search(rf'data-testid="{testid}">(.*?)</div>', text, re.S)
    assert match, f"no {testid} on the page"
    return match.group(1)


def _photo_urls(html: str) -> list[str]:
    return re.findall(r'<img src="([^"]+)"', html)


def _inspection_hazard(cast, client_for) -> tuple[Hazard, InspectionPhoto]:
    """A self-inspection submitted through the form with a photo of its failed item."""
    items = items_for(small_checklist(cast.bureau), cast.school_a)
    failed = next(i for i in items if i.key == "fire_extinguishers")
    answers = {"fire_extinguishers": FAILED, "fire_exits": "pass", "bld_railings": "na"}
    data = form_data(
        items, answers, action="submit", client_id=uuid.uuid4(), inspected_on="2026-10-12"
    )
    data[f"photo_{failed.pk}"] = SimpleUploadedFile("before.jpg", image_bytes())
    response = client_for(cast.school_a_officer).post(
        reverse("safety:self-inspection-new") + "?period=2026-10", data
    )
    assert response.status_code == 302
    return Hazard.objects.get(), InspectionPhoto.objects.get(item=failed)


def _rectify(client, hazard: Hazard, text: str, colour: str) -> None:
    page = client.get(_url("hazard-detail", hazard))
    version = re.search(r'name="version" value="([^"]*)" id="rectify_version"', page.text)
    assert version, "no rectify form"
    response = client.post(
        _url("hazard-rectify", hazard),
        {
            "version": version.group(1),
            "evidence_text": text,
            "rectified_on": "2026-10-12",
            "photos": [SimpleUploadedFile("after.png", png_bytes(colour=colour))],
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]


def _allow_verify_and_close(cast, bureau_staff=None) -> None:
    safety_settings_save(
        actor=bureau_staff or cast.safety_staff, township_verifies_minor=False, verify_closes=True
    )


# Before and after, the source inspection --------------------------------------------


def test_an_inspection_hazard_shows_the_items_photo_before_and_links_its_inspection(
    cast, client_for
):
    hazard, photo = _inspection_hazard(cast, client_for)
    photo_url = reverse("safety:inspection-photo", kwargs={"inspectionphoto_id": photo.pk})
    inspection_url = reverse(
        "safety:inspection-detail", kwargs={"inspection_id": hazard.inspection_id}
    )
    # One source of truth: no copy of the photo is made on the hazard.
    assert not HazardPhoto.objects.exists()
    for viewer in (cast.safety_staff, cast.school_a_officer, cast.inspector, cast.city_safety):
        client = client_for(viewer)
        page = client.get(_url("hazard-detail", hazard))
        assert page.status_code == 200
        assert _photo_urls(_section(page.text, "before-photos")) == [photo_url]
        assert "尚未提交整改结果" in _section(page.text, "after-photos")
        assert f'href="{inspection_url}" data-testid="source-inspection"' in page.text
        assert client.get(inspection_url).status_code == 200
        assert client.get(photo_url).status_code == 200
    # The hazard's history shows the photo on its report step.
    page = client_for(cast.safety_staff).get(_url("hazard-detail", hazard))
    assert photo_url in re.search(r'data-action="report">(.*?)</tr>', page.text, re.S).group(1)


def test_the_before_photos_and_the_link_stay_behind_the_door(cast, client_for):
    hazard, photo = _inspection_hazard(cast, client_for)
    for outsider in (cast.sibling_safety, cast.school_b_officer):
        client = client_for(outsider)
        assert client.get(_url("hazard-detail", hazard)).status_code == 404
        photo_url = reverse("safety:inspection-photo", kwargs={"inspectionphoto_id": photo.pk})
        assert client.get(photo_url).status_code == 404
        inspection = reverse(
            "safety:inspection-detail", kwargs={"inspection_id": hazard.inspection_id}
        )
        assert client.get(inspection).status_code == 404


def test_an_ad_hoc_hazard_without_an_inspection_has_no_link(cast, client_for):
    hazard = hazard_in_state(cast, Status.REPORTED)
    page = client_for(cast.safety_staff).get(_url("hazard-detail", hazard))
    assert "source-inspection" not in page.text
    assert "没有整改前照片" in _section(page.text, "before-photos")


# Rounds ----------------------------------------------------------------------------


def test_each_round_keeps_its_own_photos_and_text_after_a_rejection(cast, client_for):
    hazard, before = _inspection_hazard(cast, client_for)
    officer = client_for(cast.school_a_officer)
    rectification_plan(actor=cast.school_a_officer, obj=hazard, plan=PLAN_BY_DEADLINE)
    _rectify(officer, hazard, "第一次：已补充压力", "blue")
    first = HazardPhoto.objects.get()
    rectification_verify(
        actor=cast.safety_staff, obj=Hazard.objects.get(), accept=False, reason="压力仍不足"
    )
    _rectify(officer, hazard, "第二次：已更换新灭火器", "green")
    second = HazardPhoto.objects.exclude(pk=first.pk).get()
    # Every step of the same frozen second: the photos know their round by key, not time.
    assert first.step != second.step
    assert {first.step.action, second.step.action} == {"rectify"}

    page = client_for(cast.safety_staff).get(_url("hazard-detail", hazard))
    first_url = reverse("safety:hazard-photo", kwargs={"hazardphoto_id": first.pk})
    second_url = reverse("safety:hazard-photo", kwargs={"hazardphoto_id": second.pk})
    rows = dict(re.findall(r'data-round="(\d)">(.*?)</tr>', page.text, re.S))
    assert set(rows) == {"1", "2"}
    assert _photo_urls(rows["1"]) == [first_url] and "第一次：已补充压力" in rows["1"]
    assert _photo_urls(rows["2"]) == [second_url] and "第二次：已更换新灭火器" in rows["2"]
    assert "第1次提交整改结果" in rows["1"] and "第2次提交整改结果" in rows["2"]
    reject = re.search(r'data-action="reject">(.*?)</tr>', page.text, re.S).group(1)
    assert "压力仍不足" in reject
    # Side by side: the inspection's photo before, the latest round's after.
    before_url = reverse("safety:inspection-photo", kwargs={"inspectionphoto_id": before.pk})
    assert _photo_urls(_section(page.text, "before-photos")) == [before_url]
    assert _photo_urls(_section(page.text, "after-photos")) == [second_url]
    assert "第2次整改" in page.text
    actions = [s.action for s in steps_for(hazard)]
    assert actions == ["report", "plan", "rectify", "reject", "rectify"]


def test_the_rectify_form_has_the_inspection_forms_photo_button(cast, client_for):
    hazard = hazard_in_state(cast, Status.PLANNED)
    page = client_for(cast.school_a_officer).get(_url("hazard-detail", hazard))
    form = re.search(r'data-testid="rectify-form">(.*?)</form>', page.text, re.S).group(1)
    assert re.search(r'<label class="photo-btn">拍照[^<]*<input type="file" name="photos"', form)
    assert "multiple" in form and "data-photos" in form


# Verify and close in one step -------------------------------------------------------


def test_verify_and_close_is_offered_only_where_the_bureau_allows_it(cast, client_for):
    hazard = hazard_in_state(cast, Status.RECTIFIED)
    staff = client_for(cast.safety_staff)
    page = staff.get(_url("hazard-detail", hazard))
    assert "复查通过并销号" not in page.text
    refused = staff.post(
        _url("hazard-verify", hazard),
        {"version": version_token(hazard), "decision": "accept_close"},
    )
    assert refused.status_code == 400
    assert Hazard.objects.get().status == Status.RECTIFIED

    _allow_verify_and_close(cast)
    page = staff.get(_url("hazard-detail", hazard))
    assert 'value="accept_close"' in page.text and "复查通过并销号" in page.text
    version = re.search(r'name="version" value="([^"]*)" id="verify_version"', page.text)
    response = staff.post(
        _url("hazard-verify", hazard),
        {"version": version.group(1), "decision": "accept_close", "reason": "现场复查到位"},
    )
    assert response.status_code == 302
    hazard.refresh_from_db()
    assert hazard.status == Status.CLOSED and hazard.verified_by == cast.safety_staff
    assert [s.action for s in steps_for(hazard)][-2:] == ["verify", "close"]
    assert AuditEvent.objects.filter(object_id=str(hazard.pk), detail="close").exists()


def test_another_bureaus_setting_does_not_allow_it(cast):
    """The sibling county's setting is its own: 甲县's hazards still take two steps."""
    _allow_verify_and_close(cast, cast.sibling_safety)
    hazard = hazard_in_state(cast, Status.RECTIFIED)
    with pytest.raises(Exception, match="未开启"):
        hazard_verify_and_close(actor=cast.safety_staff, hazard=hazard)
    assert Hazard.objects.get().status == Status.RECTIFIED


def test_verify_and_close_still_refuses_the_school_and_the_rectifier(cast, client_for):
    _allow_verify_and_close(cast)
    hazard = hazard_in_state(cast, Status.PLANNED)
    # The inspector may both rectify and verify at their school, never the same hazard.
    hazard = rectification_rectify(
        actor=cast.inspector, obj=hazard, evidence_text="已更换", rectified_on=hazard.reported_on
    )
    for actor in (cast.school_a_officer, cast.inspector):
        response = client_for(actor).post(
            _url("hazard-verify", hazard),
            {"version": version_token(hazard), "decision": "accept_close"},
        )
        assert response.status_code in (400, 403)
        assert Hazard.objects.get().status == Status.RECTIFIED
    assert (
        "复查通过并销号" not in client_for(cast.inspector).get(_url("hazard-detail", hazard)).text
    )
    # Through the service the refusal is the lifecycle's, and nothing is half done.
    with pytest.raises(Exception, match="整改人以外"):
        hazard_verify_and_close(actor=cast.inspector, hazard=hazard)
    assert Hazard.objects.get().status == Status.RECTIFIED
    assert [s.action for s in steps_for(hazard)][-1] == "rectify"


def test_the_setting_is_saved_on_the_settings_page_and_audited(cast, client_for):
    client = client_for(cast.safety_staff)
    page = client.get(reverse("safety:safety-settings"))
    assert "复查通过即可销号" in page.text
    response = client.post(
        reverse("safety:safety-settings"), {"verify_closes": "on", "version": ""}
    )
    assert response.status_code == 302
    settings_row = SafetySettings.objects.get(bureau=cast.bureau)
    assert settings_row.verify_closes and not settings_row.township_verifies_minor
    assert AuditEvent.objects.filter(
        action=Action.CREATE, model_label="safety.SafetySettings", object_id=str(settings_row.pk)
    ).exists()
    response = client.post(
        reverse("safety:safety-settings"), {"version": version_token(settings_row)}
    )
    assert response.status_code == 302
    assert not SafetySettings.objects.get(bureau=cast.bureau).verify_closes
    change = AuditEvent.objects.filter(action=Action.UPDATE, model_label="safety.SafetySettings")
    assert change.get().changes["verify_closes"] == [True, False]
    # Only the bureau's safety department edits it.
    assert client_for(cast.inspector).get(reverse("safety:safety-settings")).status_code == 403


# Bulk verification from the 待复查 list ---------------------------------------------


def _bulk(client, hazards, *, close: bool = False, versions=None):
    data = {"hazard": [str(h.pk) for h in hazards], "close": "1" if close else "0"}
    for h in hazards:
        v = (versions or {}).get(h.pk)
        data[f"version_{h.pk}"] = v if v is not None else version_token(Hazard.objects.get(pk=h.pk))
    return client.post(BULK, data, follow=True)


def _sibling_hazard(cast) -> Hazard:
    hazard = make_hazard(
        cast,
        school=cast.sibling_school,
        actor=cast.sibling_safety,
        description=f"乙县隐患{SIBLING_MARKER}",
    )
    hazard = rectification_plan(actor=cast.sibling_safety, obj=hazard, plan=PLAN_BY_DEADLINE)
    return rectification_rectify(
        actor=cast.sibling_safety,
        obj=hazard,
        evidence_text="已整改",
        rectified_on=hazard.reported_on,
    )


def test_the_list_offers_bulk_verification_only_on_the_rows_a_verifier_may_verify(cast, client_for):
    mine = hazard_in_state(cast, Status.PLANNED, description="实验室灭火器过期")
    mine = rectification_rectify(
        actor=cast.inspector, obj=mine, evidence_text="已更换", rectified_on=mine.reported_on
    )
    theirs = hazard_in_state(cast, Status.RECTIFIED)
    page = client_for(cast.inspector).get(LIST, {"status": "rectified"})
    assert 'data-testid="bulk-verify-form"' in page.text
    ticks = re.findall(r'name="hazard" value="(\d+)"', page.text)
    assert ticks == [str(theirs.pk)]  # never the rectifier's own
    assert "复查通过并销号" not in page.text
    # Other statuses, and a school, get no boxes.
    everything = client_for(cast.inspector).get(LIST, follow=True).text
    assert "bulk-verify-form" not in everything and 'data-testid="to-verify"' in everything
    assert "to-verify" not in client_for(cast.school_a_officer).get(LIST, follow=True).text
    school_page = client_for(cast.school_a_officer).get(LIST, {"status": "rectified"})
    assert "bulk-verify-form" not in school_page.text and str(mine.pk) in school_page.text
    _allow_verify_and_close(cast)
    page = client_for(cast.safety_staff).get(LIST, {"status": "rectified"})
    assert 'data-testid="bulk-verify-close"' in page.text
    assert set(re.findall(r'name="hazard" value="(\d+)"', page.text)) == {
        str(mine.pk),
        str(theirs.pk),
    }


def test_bulk_verify_passes_the_allowed_and_names_each_refused_one(cast, client_for):
    first = hazard_in_state(cast, Status.RECTIFIED, description="一楼灭火器过期")
    second = hazard_in_state(cast, Status.RECTIFIED, description="二楼疏散指示灯不亮")
    planned = hazard_in_state(cast, Status.PLANNED, description="围墙裂缝")
    own = hazard_in_state(cast, Status.PLANNED, description="食堂燃气报警器失灵")
    own = rectification_rectify(
        actor=cast.inspector, obj=own, evidence_text="已更换", rectified_on=own.reported_on
    )
    foreign = _sibling_hazard(cast)
    stale = hazard_in_state(cast, Status.RECTIFIED, description="楼梯扶手松动")
    before_denied = AuditEvent.objects.filter(action=Action.ACCESS_DENIED).count()

    response = _bulk(
        client_for(cast.inspector),
        [first, second, planned, own, foreign, stale],
        versions={stale.pk: "2000-01-01T00:00:00+00:00"},
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "2条隐患复查通过，待销号" in text
    assert "4条未能复查" in text
    assert "围墙裂缝" in text and "不能复查" in text  # its state
    assert "食堂燃气报警器失灵" in text and "整改人以外" in text  # separation of duties
    assert "记录不存在或无权访问" in text and SIBLING_MARKER not in text
    assert "楼梯扶手松动" in text and "已被他人修改" in text
    statuses = dict(Hazard.objects.values_list("pk", "status"))
    assert statuses[first.pk] == statuses[second.pk] == Status.VERIFIED
    assert statuses[planned.pk] == Status.PLANNED
    assert statuses[own.pk] == statuses[stale.pk] == statuses[foreign.pk] == Status.RECTIFIED
    assert Hazard.objects.get(pk=foreign.pk).verified_by is None
    # Audited: each verification, the foreign id (naming its owner), the refused duty.
    for h in (first, second):
        assert AuditEvent.objects.filter(
            actor=cast.inspector, object_id=str(h.pk), detail="verify"
        ).exists()
    denied = AuditEvent.objects.filter(action=Action.ACCESS_DENIED)
    assert denied.count() == before_denied + 2
    probe = denied.get(object_id=str(foreign.pk))
    assert probe.model_label == "safety.Hazard" and probe.actor == cast.inspector
    assert denied.filter(object_id=str(own.pk)).exists()


def test_bulk_verify_and_close_where_the_bureau_allows_it(cast, client_for):
    hazards = [hazard_in_state(cast, Status.RECTIFIED) for _ in range(3)]
    client = client_for(cast.safety_staff)
    # Without the setting, asking to close verifies only.
    response = _bulk(client, hazards[:1], close=True)
    assert "1条隐患复查通过，待销号" in response.content.decode()
    assert Hazard.objects.get(pk=hazards[0].pk).status == Status.VERIFIED
    _allow_verify_and_close(cast)
    response = _bulk(client, hazards[1:], close=True)
    assert "2条隐患复查通过并已销号" in response.content.decode()
    for h in hazards[1:]:
        h.refresh_from_db()
        assert h.status == Status.CLOSED and h.closed_at is not None
        assert [s.action for s in steps_for(h)][-2:] == ["verify", "close"]
    # Posted again (a double click): refused for their state, nothing happens twice.
    response = _bulk(client, hazards[1:], close=True)
    assert "2条未能复查" in response.content.decode()
    assert [s.action for s in steps_for(hazards[1])].count("close") == 1


def test_bulk_verify_is_post_only_and_refuses_schools(cast, client_for):
    hazard = hazard_in_state(cast, Status.RECTIFIED)
    assert client_for(cast.safety_staff).get(BULK).status_code == 405
    response = client_for(cast.school_a_officer).post(BULK, {"hazard": [hazard.pk]})
    assert response.status_code == 403
    assert Hazard.objects.get().status == Status.RECTIFIED
    assert AuditEvent.objects.filter(
        actor=cast.school_a_officer, action=Action.ACCESS_DENIED
    ).exists()


def test_a_higher_bureau_cannot_bulk_verify_a_countys_hazard(cast, client_for):
    """The city reads 甲县's hazards but does not verify them (no campaign of its own)."""
    hazard = hazard_in_state(cast, Status.RECTIFIED, description="操场护栏松动")
    response = client_for(cast.city_safety).post(
        BULK, {"hazard": [hazard.pk], f"version_{hazard.pk}": version_token(hazard)}
    )
    assert response.status_code == 403  # it verifies nothing anywhere: refused, audited
    assert Hazard.objects.get().status == Status.RECTIFIED
    assert AuditEvent.objects.filter(actor=cast.city_safety, action=Action.ACCESS_DENIED).exists()
    # With a hazard of its own to verify (its 市直 school), the county's is refused by name.
    city_hazard = make_hazard(cast, school=cast.city_school, actor=cast.city_safety)
    rectification_plan(actor=cast.city_safety, obj=city_hazard, plan=PLAN_BY_DEADLINE)
    response = _bulk(client_for(cast.city_safety), [hazard])
    text = response.content.decode()
    assert "1条未能复查" in text and "操场护栏松动" in text and "没有复查" in text
    assert Hazard.objects.get(pk=hazard.pk).status == Status.RECTIFIED


def test_the_service_refuses_foreign_ids_without_touching_them(cast):
    foreign = _sibling_hazard(cast)
    other_city = make_hazard(cast, school=cast.other_school, actor=None)
    outcome = hazards_verify_bulk(
        actor=cast.safety_staff, hazard_ids=[foreign.pk, other_city.pk, 10**9]
    )
    assert not outcome.verified and len(outcome.refused) == 3
    assert all(r.label == "" for r in outcome.refused)
    assert Hazard.objects.get(pk=foreign.pk).status == Status.RECTIFIED
    denied = AuditEvent.objects.filter(actor=cast.safety_staff, action=Action.ACCESS_DENIED)
    assert set(denied.values_list("object_id", flat=True)) == {str(foreign.pk), str(other_city.pk)}


def test_the_migration_links_photos_stored_before_the_step_key(cast):
    """Photos stored before ``HazardPhoto.step`` existed get their step: a report photo
    the report, an evidence photo the round recorded at or before it."""
    import importlib

    import time_machine
    from django.apps import apps as django_apps

    from edubureau.safety.tests.factories_hazards import add_photo

    migration = importlib.import_module(
        "edubureau.safety.migrations.0005_hazard_photo_step_and_verify_closes"
    )
    hazard = hazard_in_state(cast, Status.PLANNED)
    report_photo = add_photo(hazard, user=cast.safety_staff)
    with time_machine.travel(at(date(2026, 10, 12), 11), tick=False):
        hazard = rectification_rectify(
            actor=cast.school_a_officer,
            obj=hazard,
            evidence_text="一",
            rectified_on=hazard.reported_on,
        )
        first = add_photo(hazard, user=cast.school_a_officer, stage=HazardPhoto.Stage.EVIDENCE)
        hazard = rectification_verify(
            actor=cast.safety_staff, obj=hazard, accept=False, reason="否"
        )
    with time_machine.travel(at(date(2026, 10, 12), 14), tick=False):
        hazard = rectification_rectify(
            actor=cast.school_a_officer,
            obj=hazard,
            evidence_text="二",
            rectified_on=hazard.reported_on,
        )
        second = add_photo(hazard, user=cast.school_a_officer, stage=HazardPhoto.Stage.EVIDENCE)
    assert not HazardPhoto.objects.filter(step__isnull=False).exists()

    migration.link_photos_to_steps(django_apps, None)

    report, round1, round2 = (s for s in steps_for(hazard) if s.action in ("report", "rectify"))
    linked = dict(HazardPhoto.objects.values_list("pk", "step_id"))
    assert linked == {report_photo.pk: report.pk, first.pk: round1.pk, second.pk: round2.pk}
