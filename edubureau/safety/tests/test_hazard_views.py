"""The hazard pages: list, export, detail and the lifecycle's action forms."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from edubureau.audit.models import Action, AuditEvent
from edubureau.core.concurrency import version_token
from edubureau.rectification.models import PlanKind, Severity, Status
from edubureau.safety.models import Hazard, HazardPhoto
from edubureau.safety.selectors.hazards import traffic_light
from edubureau.safety.tests.factories_hazards import (
    add_photo,
    at,
    hazard_in_state,
    make_hazard,
    png_bytes,
)
from edubureau.testing.cast import SCHOOL_B_MARKER

pytestmark = pytest.mark.time_machine(at(date(2026, 9, 10)))  # a Thursday

LIST = reverse("safety:hazard-list")
# Every status: a bare visit opens on the hazards not yet rectified (core.listing).
ALL = {"status": ""}
EXPORT = reverse("safety:hazard-export")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _url(name: str, hazard: Hazard) -> str:
    return reverse(f"safety:{name}", kwargs={"hazard_id": hazard.pk})


def _listed(response) -> list[int]:
    return [int(i) for i in re.findall(r'href="/safety/hazards/(\d+)/"', response.text)]


def _version(response, form: str) -> str:
    match = re.search(rf'name="version" value="([^"]*)" id="{form}_version"', response.text)
    assert match, f"no {form} form on the page"
    return match.group(1)


def _loaded(hazard: Hazard) -> dict[str, str]:
    """The version an editor opening the page now would post back."""
    return {"version": version_token(Hazard.objects.get(pk=hazard.pk))}


def _export_rows(response) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    return list(sheet.iter_rows(min_row=2, values_only=True))


# List ----------------------------------------------------------------------------


def test_it_lists_only_the_hazards_of_a_school_users_own_school(cast, client_for):
    own = make_hazard(cast)
    other = make_hazard(cast, school=cast.school_b, description=f"乙校隐患{SCHOOL_B_MARKER}")
    # A filter pointing outside the user's scope is refused by the door (and audited).
    response = client_for(cast.school_a_officer).get(LIST, {"school": cast.school_b.pk})
    assert response.status_code == 404
    assert AuditEvent.objects.filter(
        actor=cast.school_a_officer, action=Action.ACCESS_DENIED, school_id=cast.school_b.pk
    ).exists()
    assert _listed(client_for(cast.school_a_officer).get(LIST, ALL)) == [own.pk]
    assert SCHOOL_B_MARKER not in response.text
    assert set(_listed(client_for(cast.leader).get(LIST, ALL))) == {own.pk, other.pk}


def test_it_filters_by_every_shared_parameter(cast, client_for):
    fire = make_hazard(cast, reported_on=date(2026, 9, 1))
    building = make_hazard(
        cast,
        category_key="building",
        severity=Severity.MAJOR,
        reported_on=date(2026, 9, 9),
        description="围墙裂缝",
    )
    b_school = make_hazard(cast, school=cast.school_b, reported_on=date(2026, 9, 9))
    closed = hazard_in_state(cast, Status.CLOSED, reported_on=date(2026, 9, 7))
    planned = hazard_in_state(cast, Status.PLANNED, reported_on=date(2026, 9, 8))
    repeat = make_hazard(cast, item_key="fire.exit", reported_on=date(2026, 9, 2))
    repeat2 = make_hazard(cast, item_key="fire.exit", reported_on=date(2026, 9, 3))
    client = client_for(cast.safety_staff)

    def ids(**params) -> set[int]:
        return set(_listed(client.get(LIST, params or ALL)))

    everything = {fire.pk, building.pk, b_school.pk, closed.pk, planned.pk, repeat.pk, repeat2.pk}
    assert ids() == everything
    assert ids(status="closed") == {closed.pk}
    assert ids(status="planned") == {planned.pk}
    assert ids(status="unresolved") == everything - {closed.pk}
    assert ids(category="building") == {building.pk}
    assert ids(severity="major") == {building.pk}
    assert ids(township=cast.township_b.pk) == {b_school.pk}
    assert ids(school=cast.school_b.pk) == {b_school.pk}
    # Found 1 September, minor: due 8 September; today is 10 September.
    # Found 2 September: due 9 September; found 3 September: due today, not yet overdue.
    assert ids(overdue="1") == {fire.pk, repeat.pk}
    assert ids(repeat="1") == {repeat2.pk}
    assert ids(item="fire.exit") == {repeat.pk, repeat2.pk}
    Hazard.objects.filter(pk=closed.pk).update(
        rectified_on=date(2026, 9, 30), deadline=date(2026, 9, 14)
    )
    assert ids(late="1") == {closed.pk}
    assert ids(since="2026-09-08", until="2026-09-09") == {building.pk, b_school.pk, planned.pk}
    assert ids(closed_since="2026-09-10", closed_until="2026-09-10") == {closed.pk}
    assert ids(closed_until="2026-09-09") == set()
    # Malformed values are ignored, not an error page.
    assert ids(status="nonsense", since="2026-13-40", township="x") == everything


def test_it_shows_a_traffic_light_computed_from_the_deadline(cast, client_for):
    today = date(2026, 9, 10)
    red = make_hazard(cast, reported_on=date(2026, 9, 1))  # due 8 Sep: overdue
    yellow = make_hazard(cast, reported_on=date(2026, 9, 7))  # due 14 Sep: 2 working days
    green = make_hazard(cast, reported_on=date(2026, 9, 9))  # due 16 Sep
    done = hazard_in_state(cast, Status.RECTIFIED, reported_on=date(2026, 9, 1))
    lights = {h.pk: traffic_light(h, today=today) for h in (red, yellow, green, done)}
    assert (lights[red.pk].css, lights[red.pk].label) == ("bad", "逾期2个工作日")
    assert (lights[yellow.pk].css, lights[yellow.pk].label) == ("warn", "临近期限")
    assert (lights[green.pk].css, lights[green.pk].label) == ("ok", "按期推进")
    assert lights[done.pk].css == "ok"
    page = client_for(cast.school_a_officer).get(LIST, ALL).text
    rows = page.split('data-testid="hazard-row"')[1:]
    by_id = {int(re.search(r"/safety/hazards/(\d+)/", r).group(1)): r for r in rows}
    assert 'data-light="bad"' in by_id[red.pk]
    assert 'data-light="warn"' in by_id[yellow.pk]
    assert 'data-light="ok"' in by_id[green.pk]


def test_it_shows_the_repeat_flag_in_the_list(cast, client_for):
    first = make_hazard(cast, item_key="fire.exit", reported_on=date(2026, 9, 1))
    again = make_hazard(cast, item_key="fire.exit", reported_on=date(2026, 9, 8))
    page = client_for(cast.school_a_officer).get(LIST, ALL).text
    rows = {
        int(re.search(r"/safety/hazards/(\d+)/", r).group(1)): r
        for r in page.split('data-testid="hazard-row"')[1:]
    }
    assert 'data-testid="repeat-flag"' in rows[again.pk]
    assert 'data-testid="repeat-flag"' not in rows[first.pk]


def test_it_lists_with_a_constant_number_of_queries(cast, client_for):
    client = client_for(cast.safety_staff)
    make_hazard(cast)
    client.get(LIST, ALL)  # the session's first request writes it; measure steady pages
    with CaptureQueriesContext(connection) as few:
        client.get(LIST, ALL)
    for n in range(8):
        make_hazard(cast, school=cast.school_b if n % 2 else cast.school_a)
    with CaptureQueriesContext(connection) as many:
        client.get(LIST, ALL)
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


# Export --------------------------------------------------------------------------


def test_it_exports_the_filtered_list_within_the_users_scope(cast, client_for):
    own = make_hazard(cast, description="食堂燃气管道老化")
    make_hazard(cast, school=cast.school_b, description=f"乙校隐患{SCHOOL_B_MARKER}")
    hazard_in_state(cast, Status.CLOSED)
    response = client_for(cast.school_a_officer).get(
        EXPORT, {"school": cast.school_b.pk, "status": "reported"}
    )
    assert response.status_code == 404  # school B's filter is out of school A's scope
    assert SCHOOL_B_MARKER not in response.text
    response = client_for(cast.school_a_officer).get(EXPORT, {"status": "reported"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = _export_rows(response)
    assert [(r[0], r[4], r[9]) for r in rows] == [
        (cast.school_a.name, own.description, "待制定整改方案")
    ]
    assert AuditEvent.objects.filter(actor=cast.school_a_officer, action=Action.EXPORT).count() == 1


def test_it_exports_with_a_constant_number_of_queries(cast, client_for):
    """Whatever the rows, and whether a school has a township or is 市直 (its place is
    then its bureau's level): no query per row."""
    client = client_for(cast.city_safety)
    make_hazard(cast, school=cast.city_school)
    client.get(EXPORT)  # the session's first request writes it; measure steady ones
    with CaptureQueriesContext(connection) as few:
        assert len(_export_rows(client.get(EXPORT))) == 1
    for school in (cast.school_a, cast.school_b, cast.city_school, cast.sibling_school):
        make_hazard(cast, school=school)
    with CaptureQueriesContext(connection) as many:
        assert len(_export_rows(client.get(EXPORT))) == 5
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_it_refuses_an_export_too_big_to_use(cast, client_for, monkeypatch):
    from edubureau.core import downloads

    monkeypatch.setattr(downloads, "EXPORT_ROW_LIMIT", 1)
    make_hazard(cast)
    make_hazard(cast, school=cast.school_b)
    response = client_for(cast.safety_staff).get(EXPORT, follow=True)
    assert response.redirect_chain[0][0] == reverse("safety:hazard-list")
    assert "符合条件的记录有2条，超过单次导出上限1条" in response.content.decode()
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()
    one = client_for(cast.safety_staff).get(EXPORT, {"school": cast.school_b.pk})
    assert len(_export_rows(one)) == 1


def test_it_exports_every_school_to_the_safety_department(cast, client_for):
    make_hazard(cast)
    make_hazard(cast, school=cast.school_b)
    rows = _export_rows(client_for(cast.safety_staff).get(EXPORT))
    assert sorted(r[0] for r in rows) == sorted([cast.school_a.name, cast.school_b.name])


# Detail and who sees which action ------------------------------------------------------


def test_it_shows_the_facts_and_the_history_of_a_hazard(cast, client_for):
    hazard = hazard_in_state(cast, Status.RECTIFIED)
    response = client_for(cast.school_a_teacher).get(_url("hazard-detail", hazard))
    assert response.status_code == 200
    text = response.text
    assert hazard.description in text and "更换灭火器" in text and "已更换新灭火器" in text
    history = text.split('data-testid="hazard-history"')[1]
    assert [label in history for label in ("发现上报", "制定整改方案", "提交整改结果")] == [
        True
    ] * 3


def test_it_answers_404_for_another_schools_hazard(cast, client_for):
    hazard = make_hazard(cast, school=cast.school_b)
    client = client_for(cast.school_a_officer)
    assert client.get(_url("hazard-detail", hazard)).status_code == 404
    response = client.post(_url("hazard-verify", hazard), {"decision": "accept"})
    assert response.status_code == 404
    assert Hazard.objects.get(pk=hazard.pk).status == Status.REPORTED


FORMS = ("plan", "rectify", "verify", "close")


@pytest.mark.parametrize(
    ("who", "status", "offered"),
    [
        ("school_a_officer", Status.REPORTED, {"plan"}),
        ("school_a_officer", Status.PLANNED, {"plan", "rectify"}),
        ("school_a_officer", Status.RECTIFIED, set()),  # never its own verification
        ("school_a_principal", Status.VERIFIED, set()),
        ("school_a_teacher", Status.PLANNED, set()),
        ("leader", Status.RECTIFIED, set()),
        ("office_staff", Status.RECTIFIED, set()),
        ("safety_staff", Status.RECTIFIED, {"verify"}),
        ("inspector", Status.RECTIFIED, {"verify"}),
        ("inspector", Status.VERIFIED, {"close"}),
        ("safety_staff", Status.CLOSED, set()),
    ],
)
def test_it_offers_only_the_actions_the_user_may_take_now(cast, client_for, who, status, offered):
    hazard = hazard_in_state(cast, status)
    text = client_for(getattr(cast, who)).get(_url("hazard-detail", hazard)).text
    assert {f for f in FORMS if f'data-testid="{f}-form"' in text} == offered


# Actions ------------------------------------------------------------------------------


def test_it_plans_an_immediate_rectification(cast, client_for):
    hazard = make_hazard(cast, reported_on=date(2026, 9, 9))
    client = client_for(cast.school_a_officer)
    version = _version(client.get(_url("hazard-detail", hazard)), "plan")
    response = client.post(
        _url("hazard-plan", hazard),
        {"kind": PlanKind.IMMEDIATE, "responsible_person": "王后勤", "version": version},
    )
    assert response.status_code == 302
    stored = Hazard.objects.get(pk=hazard.pk)
    assert (stored.status, stored.plan_kind, stored.responsible_person) == (
        Status.PLANNED,
        PlanKind.IMMEDIATE,
        "王后勤",
    )
    assert stored.deadline == date(2026, 9, 11)


def test_it_plans_a_rectification_by_deadline(cast, client_for):
    hazard = make_hazard(cast, reported_on=date(2026, 9, 9))
    client = client_for(cast.school_a_officer)
    page = client.get(_url("hazard-detail", hazard))
    assert 'value="2026-09-16"' in page.text  # default: 5 working days for a minor hazard
    response = client.post(
        _url("hazard-plan", hazard),
        {
            "kind": PlanKind.BY_DEADLINE,
            "plan_text": "联系消防器材公司更换",
            "deadline": "2026-09-18",
            "version": _version(page, "plan"),
        },
    )
    assert response.status_code == 302
    stored = Hazard.objects.get(pk=hazard.pk)
    assert (stored.plan_text, stored.deadline) == ("联系消防器材公司更换", date(2026, 9, 18))


def test_it_plans_a_deferred_rectification(cast, client_for):
    hazard = make_hazard(cast, severity=Severity.MAJOR)
    response = client_for(cast.school_a_officer).post(
        _url("hazard-plan", hazard),
        {
            "kind": PlanKind.DEFERRED,
            "deferral_reason": "需整体拆除重建",
            "interim_measures": "封闭该楼梯，设置警示标志",
            "escalated_to": "县教育局安全股",
            "deadline": "2026-09-30",  # belongs to the other way: ignored
            **_loaded(hazard),
        },
    )
    assert response.status_code == 302
    stored = Hazard.objects.get(pk=hazard.pk)
    assert (stored.plan_kind, stored.escalated_to, stored.deadline) == (
        PlanKind.DEFERRED,
        "县教育局安全股",
        None,
    )


def test_it_shows_the_lifecycles_message_when_a_deferral_lacks_a_field(cast, client_for):
    hazard = make_hazard(cast)
    response = client_for(cast.school_a_officer).post(
        _url("hazard-plan", hazard),
        {
            "kind": PlanKind.DEFERRED,
            "deferral_reason": "需拆除重建",
            "escalated_to": "安全股",
            **_loaded(hazard),
        },
    )
    assert response.status_code == 400
    assert "暂无法整改须填写：临时管控措施" in response.text
    assert "需拆除重建" in response.text  # what was typed is kept
    assert Hazard.objects.get(pk=hazard.pk).status == Status.REPORTED


def test_it_refuses_a_new_deadline_in_the_past(cast, client_for):
    hazard = make_hazard(cast)
    response = client_for(cast.school_a_officer).post(
        _url("hazard-plan", hazard),
        {"kind": PlanKind.BY_DEADLINE, "plan_text": "更换", "deadline": "2026-09-09"},
    )
    assert response.status_code == 400
    assert "整改期限不能早于今天" in response.text
    assert Hazard.objects.get(pk=hazard.pk).status == Status.REPORTED


def test_it_forbids_a_read_only_teacher_to_plan(cast, client_for):
    hazard = make_hazard(cast)
    response = client_for(cast.school_a_teacher).post(
        _url("hazard-plan", hazard), {"kind": PlanKind.IMMEDIATE}
    )
    assert response.status_code == 403
    assert Hazard.objects.get(pk=hazard.pk).status == Status.REPORTED


def test_it_records_rectification_evidence_with_photos(cast, client_for, media):
    hazard = hazard_in_state(cast, Status.PLANNED)
    response = client_for(cast.school_a_officer).post(
        _url("hazard-rectify", hazard),
        {
            "evidence_text": "已更换两具4kg干粉灭火器",
            "rectified_on": "2026-09-10",
            "photos": [
                SimpleUploadedFile("a.png", png_bytes(), content_type="image/png"),
                SimpleUploadedFile("b.png", png_bytes(colour="blue"), content_type="image/png"),
            ],
            **_loaded(hazard),
        },
    )
    assert response.status_code == 302
    stored = Hazard.objects.get(pk=hazard.pk)
    assert (stored.status, stored.rectified_on) == (Status.RECTIFIED, date(2026, 9, 10))
    photos = list(stored.photos.all())
    assert [p.stage for p in photos] == [HazardPhoto.Stage.EVIDENCE] * 2
    assert all((media / p.path).is_file() for p in photos)


def test_it_refuses_a_bad_photo_and_changes_nothing(cast, client_for, media):
    hazard = hazard_in_state(cast, Status.PLANNED)
    response = client_for(cast.school_a_officer).post(
        _url("hazard-rectify", hazard),
        {
            "evidence_text": "已整改",
            "rectified_on": "2026-09-10",
            "photos": [
                SimpleUploadedFile("ok.png", png_bytes(), content_type="image/png"),
                SimpleUploadedFile("fake.jpg", b"not an image at all", content_type="image/jpeg"),
            ],
        },
    )
    assert response.status_code == 400
    assert "不是有效的图片" in response.text
    assert Hazard.objects.get(pk=hazard.pk).status == Status.PLANNED
    assert not HazardPhoto.objects.exists()
    assert [p for p in media.rglob("*") if p.is_file()] == []


def test_it_shows_the_transition_error_of_an_action_the_state_does_not_allow(cast, client_for):
    hazard = make_hazard(cast)
    response = client_for(cast.school_a_officer).post(
        _url("hazard-rectify", hazard),
        {"evidence_text": "已整改", "rectified_on": "2026-09-10", **_loaded(hazard)},
    )
    assert response.status_code == 400
    assert "当前状态为“待制定整改方案”，不能提交整改结果" in response.text
    assert Hazard.objects.get(pk=hazard.pk).status == Status.REPORTED


def test_it_lets_the_safety_department_accept_and_close(cast, client_for):
    hazard = hazard_in_state(cast, Status.RECTIFIED)
    client = client_for(cast.safety_staff)
    response = client.post(
        _url("hazard-verify", hazard), {"decision": "accept", "reason": "属实", **_loaded(hazard)}
    )
    assert response.status_code == 302
    assert Hazard.objects.get(pk=hazard.pk).status == Status.VERIFIED
    response = client.post(_url("hazard-close", hazard), {"note": "同意销号", **_loaded(hazard)})
    assert response.status_code == 302
    assert Hazard.objects.get(pk=hazard.pk).status == Status.CLOSED


def test_it_sends_a_rejected_rectification_back_to_the_school(cast, client_for):
    hazard = hazard_in_state(cast, Status.RECTIFIED)
    response = client_for(cast.inspector).post(
        _url("hazard-verify", hazard),
        {"decision": "reject", "reason": "灭火器仍为过期产品", **_loaded(hazard)},
    )
    assert response.status_code == 302
    stored = Hazard.objects.get(pk=hazard.pk)
    assert (stored.status, stored.rejection_count) == (Status.PLANNED, 1)
    page = client_for(cast.school_a_officer).get(_url("hazard-detail", hazard)).text
    assert "灭火器仍为过期产品" in page and 'data-testid="rectify-form"' in page


def test_it_requires_a_reason_to_reject_through_the_form(cast, client_for):
    hazard = hazard_in_state(cast, Status.RECTIFIED)
    response = client_for(cast.safety_staff).post(
        _url("hazard-verify", hazard), {"decision": "reject", **_loaded(hazard)}
    )
    assert response.status_code == 400
    assert "复查不通过须填写原因" in response.text
    assert Hazard.objects.get(pk=hazard.pk).status == Status.RECTIFIED


@pytest.mark.parametrize("who", ["school_a_officer", "school_a_principal"])
def test_it_forbids_a_school_to_verify_its_own_hazard(cast, client_for, who):
    hazard = hazard_in_state(cast, Status.RECTIFIED)
    response = client_for(getattr(cast, who)).post(
        _url("hazard-verify", hazard), {"decision": "accept"}
    )
    assert response.status_code == 403
    assert "学校不能复查" in response.text
    assert Hazard.objects.get(pk=hazard.pk).status == Status.RECTIFIED


def test_it_refuses_the_second_of_two_concurrent_edits(cast, client_for):
    hazard = make_hazard(cast)
    principal, officer = client_for(cast.school_a_principal), client_for(cast.school_a_officer)
    first = _version(principal.get(_url("hazard-detail", hazard)), "plan")
    second = _version(officer.get(_url("hazard-detail", hazard)), "plan")
    assert first == second
    response = principal.post(
        _url("hazard-plan", hazard),
        {"kind": PlanKind.BY_DEADLINE, "plan_text": "校长：本周内更换", "version": first},
    )
    assert response.status_code == 302
    response = officer.post(
        _url("hazard-plan", hazard),
        {"kind": PlanKind.BY_DEADLINE, "plan_text": "专干：下月更换", "version": second},
    )
    assert response.status_code == 409
    assert "该隐患已被他人修改，请刷新页面" in response.text
    assert Hazard.objects.get(pk=hazard.pk).plan_text == "校长：本周内更换"


# Photos -------------------------------------------------------------------------------


def test_it_serves_a_photo_privately_to_those_who_may_see_the_hazard(cast, client_for, media):
    photo = add_photo(make_hazard(cast), user=cast.school_a_officer)
    url = reverse("safety:hazard-photo", kwargs={"hazardphoto_id": photo.pk})
    response = client_for(cast.school_a_teacher).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "no-store, private"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert client_for(cast.school_b_officer).get(url).status_code == 404


def test_it_shows_report_and_evidence_photos_on_the_detail_page(cast, client_for, media):
    hazard = hazard_in_state(cast, Status.RECTIFIED)
    report = add_photo(hazard, user=cast.school_a_officer)
    evidence = add_photo(hazard, user=cast.school_a_officer, stage=HazardPhoto.Stage.EVIDENCE)
    text = client_for(cast.safety_staff).get(_url("hazard-detail", hazard)).text
    for photo in (report, evidence):
        assert reverse("safety:hazard-photo", kwargs={"hazardphoto_id": photo.pk}) in text


def test_a_bare_visit_opens_on_the_hazards_not_yet_closed(cast, client_for):
    """The default filter is in the address (未整改完成); 清除条件 (status=) shows all,
    closed ones included; search, sort and unknown fields follow the list component."""
    open_one = make_hazard(cast, description="一楼灭火器压力不足")
    closed = hazard_in_state(cast, Status.CLOSED)
    client = client_for(cast.safety_staff)
    response = client.get(LIST)
    assert response.status_code == 302 and response["Location"] == f"{LIST}?status=unresolved"
    assert _listed(client.get(response["Location"])) == [open_one.pk]
    assert set(_listed(client.get(LIST, ALL))) == {open_one.pk, closed.pk}
    assert _listed(client.get(LIST, {"status": "", "q": "灭火器 一楼"})) == [open_one.pk]
    assert client.get(LIST, {"sort": "description"}).status_code == 400
    page = client_for(cast.school_a_officer).get(LIST, ALL).text
    assert 'data-label="学校"' not in page
