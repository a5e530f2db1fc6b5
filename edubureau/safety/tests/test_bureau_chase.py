"""Supervision upward (issue 8, item 6): a city sees its counties' overdue hazards and
missing self-inspections side by side, chases a county (催办), and hears of a county's
挂牌督办 hazards at the top of the escalation ladder."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from edubureau.audit.models import Action, AuditEvent
from edubureau.notifications.models import Notification
from edubureau.rectification.models import Severity
from edubureau.safety.models import BureauChase, Hazard, InspectionStatus
from edubureau.safety.selectors.hazards import bureau_rows, roll_up
from edubureau.safety.services.overdue import BUREAU_CHASE_TOPIC, hazards_mark_overdue
from edubureau.safety.tests.factories_hazards import at, make_hazard
from edubureau.safety.tests.factories_inspections import make_self_inspection
from edubureau.testing.cast import SIBLING_MARKER

# October 2026: the self-inspection is due on the 13th (after National Day).
TODAY = date(2026, 10, 20)
pytestmark = pytest.mark.time_machine(at(TODAY))
PAGE = reverse("safety:hazard-bureaus")


def _overdue(cast, school, *, level: int = 0, **kwargs) -> Hazard:
    with time_machine.travel(at(date(2026, 9, 1)), tick=False):
        hazard = make_hazard(cast, school=school, reported_on=date(2026, 9, 1), **kwargs)
    Hazard.objects.filter(pk=hazard.pk).update(overdue_level=level)
    return hazard


@pytest.fixture
def county_figures(cast):
    """甲县: two overdue hazards (one 挂牌督办), school A's October self-inspection
    submitted, school B's missing. 乙县: one overdue hazard, its school missing.
    市直: its school submitted."""
    _overdue(cast, cast.school_a, level=5)
    _overdue(cast, cast.school_b)
    _overdue(cast, cast.sibling_school)
    period = date(2026, 10, 1)
    for school in (cast.school_a, cast.city_school):
        make_self_inspection(school, period=period, status=InspectionStatus.SUBMITTED)
    return cast


def _rows(user):
    report = bureau_rows(user=user, today=TODAY, period=TODAY)
    return {row.label: row for row in report.rows}


def test_the_city_sees_its_counties_and_its_own_schools_side_by_side(county_figures, client_for):
    cast = county_figures
    rows = _rows(cast.city_safety)
    assert set(rows) == {"市直学校", "甲县", "乙县"}
    jia, yi, own = rows["甲县"], rows["乙县"], rows["市直学校"]
    assert (jia.schools, jia.unresolved, jia.overdue, jia.supervised, jia.missing) == (
        2,
        2,
        2,
        1,
        1,
    )
    assert (yi.schools, yi.overdue, yi.supervised, yi.missing) == (1, 1, 0, 1)
    assert (own.schools, own.overdue, own.missing) == (1, 0, 0)
    # The province sees 甲市 as one row: the sum of its counties and its own schools.
    province = _rows(cast.province_safety)
    assert province["甲市"].overdue == jia.overdue + yi.overdue + own.overdue
    assert province["甲市"].missing == jia.missing + yi.missing + own.missing
    # A county has nobody below it.
    assert _rows(cast.safety_staff) == {}

    page = client_for(cast.city_safety).get(PAGE)
    assert page.status_code == 200
    drill = f"{reverse('safety:hazard-list')}?bureau={cast.bureau.pk}&overdue=1"
    assert drill in page.text
    listed = client_for(cast.city_safety).get(
        reverse("safety:hazard-list"), {"bureau": cast.bureau.pk, "overdue": "1"}
    )
    assert listed.context["counts"]["total"] == 2
    supervised = client_for(cast.city_safety).get(
        reverse("safety:hazard-list"), {"bureau": cast.bureau.pk, "supervised": "1"}
    )
    assert supervised.context["counts"]["total"] == 1


def test_roll_up_sums_a_subtree_to_the_viewers_children(cast):
    counts = {
        cast.bureau.pk: {"n": 2},
        cast.sibling_bureau.pk: {"n": 3},
        cast.city.pk: {"n": 1},
        cast.other_bureau.pk: {"n": 7},
    }
    assert roll_up(cast.province, counts) == {cast.city.pk: {"n": 6}, cast.other_city.pk: {"n": 7}}
    assert roll_up(cast.city, counts) == {
        cast.city.pk: {"n": 1},
        cast.bureau.pk: {"n": 2},
        cast.sibling_bureau.pk: {"n": 3},
    }


def test_a_county_cannot_drill_into_its_sibling(county_figures, client_for):
    cast = county_figures
    response = client_for(cast.safety_staff).get(
        reverse("safety:hazard-list"), {"bureau": cast.sibling_bureau.pk}
    )
    assert response.status_code == 404 and SIBLING_MARKER not in response.text
    assert client_for(cast.school_a_officer).get(PAGE).status_code == 403


def test_the_city_chases_a_county_once_a_day_audited(county_figures, client_for):
    cast = county_figures
    url = reverse("safety:hazard-bureau-chase", kwargs={"bureau_id": cast.bureau.pk})
    client = client_for(cast.city_safety)
    response = client.post(url, {"period": "2026-10"})
    assert response.status_code == 302
    notes = Notification.objects.filter(topic=BUREAU_CHASE_TOPIC)
    assert {n.recipient for n in notes} == {cast.safety_staff}
    note = notes.get()
    assert "逾期未整改隐患2项，其中挂牌督办1项" in note.body
    assert "未报送学校1所" in note.body
    chase = BureauChase.objects.get()
    assert (chase.bureau, chase.target, chase.actor) == (cast.city, cast.bureau, cast.city_safety)
    assert (chase.overdue_hazards, chase.supervised_hazards, chase.missing_self_inspections) == (
        2,
        1,
        1,
    )
    assert AuditEvent.objects.filter(
        action=Action.CREATE, actor=cast.city_safety, model_label="safety.BureauChase"
    ).exists()
    # Pressed again the same day: nothing more is sent.
    client.post(url, {"period": "2026-10"})
    assert notes.count() == 1 and BureauChase.objects.count() == 1
    assert _rows(cast.city_safety)["甲县"].chased_today


@pytest.mark.parametrize("who", ["safety_staff", "city_leader", "city_admin", "sibling_safety"])
def test_only_the_safety_department_above_chases(county_figures, client_for, who):
    cast = county_figures
    user = getattr(cast, who)
    url = reverse("safety:hazard-bureau-chase", kwargs={"bureau_id": cast.bureau.pk})
    response = client_for(user).post(url)
    # A sibling does not see 甲县 at all (404); the others see it and may not chase it.
    assert response.status_code == (404 if who == "sibling_safety" else 403)
    assert AuditEvent.objects.filter(action=Action.ACCESS_DENIED, actor=user).exists()
    assert not BureauChase.objects.exists()
    assert not Notification.objects.filter(topic=BUREAU_CHASE_TOPIC).exists()


def test_a_city_cannot_chase_another_citys_county(county_figures, client_for):
    cast = county_figures
    url = reverse("safety:hazard-bureau-chase", kwargs={"bureau_id": cast.other_bureau.pk})
    assert client_for(cast.city_safety).post(url).status_code == 404
    assert AuditEvent.objects.filter(action=Action.ACCESS_DENIED, actor=cast.city_safety).exists()


def test_the_top_rung_tells_the_citys_safety_department_not_the_siblings(cast):
    hazard = _overdue(cast, cast.school_a, severity=Severity.MAJOR)
    hazards_mark_overdue(today=date(2026, 12, 31))  # far past every threshold
    told = set(
        Notification.objects.filter(topic="safety.hazard_overdue").values_list(
            "recipient__username", flat=True
        )
    )
    assert {"city_safety", "safety", "leader"} <= told
    assert told.isdisjoint({"sibling_safety", "province_safety", "city_leader"})
    assert Hazard.objects.get(pk=hazard.pk).overdue_level == 5
