"""A school moved between counties (隶属关系调整) keeps its history under its old
county (orgs.moves): the old county reads, never writes, its records dated before the
move and counts them in its figures; the new county chases all of its records but
counts only those from the move on; the city still equals the sum of its parts.

戊镇小学 (乙县) moves to 丁县 on 1 March 2026, in the dated city of scenario_city: of
its four hazards (reported 3 January, 4 February, 5 March, 6 April), the first two are
乙县's history and the last two 丁县's."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from edubureau.core.facts import Period
from edubureau.orgs.models import Bureau, School, User
from edubureau.orgs.scoping import scope_for
from edubureau.orgs.services.bureaus import school_move
from edubureau.rectification.models import Severity, Status
from edubureau.safety.circulars import circular_for_month
from edubureau.safety.facts.units import MEASURES, unit_breakdown
from edubureau.safety.models import Drill, Hazard, Inspection
from edubureau.safety.tests.factories_dashboard import local
from edubureau.safety.tests.scenario_city import TODAY, build_city
from edubureau.safety.tests.test_bureau_facts import additive, facts_of, parts
from edubureau.testing.factories import DepartmentFactory, UserFactory

MOVED_ON = date(2026, 3, 1)


@pytest.fixture
def city(cast):
    with time_machine.travel(local(TODAY), tick=False):
        yield build_city(cast)


def _moved(city) -> School:
    return city.sibling_schools[2]


def _move(city) -> School:
    school = _moved(city)
    school_move(
        actor=city.cast.city_admin,
        school=school,
        to_bureau=city.ding,
        township=city.ding_towns[0],
        moved_on=MOVED_ON,
        reason="区划调整",
    )
    school.refresh_from_db()
    return school


def school_transfer_from(school: School):
    """The township the school left."""
    return school.transfers.get().from_township


def fresh(user: User) -> User:
    """The account as the next request loads it (its bureau's flags read afresh)."""
    return User.objects.select_related("bureau").get(pk=user.pk)


def _ding_safety(city):
    return UserFactory(
        role="department_staff",
        bureau=city.ding,
        department=DepartmentFactory(bureau=city.ding, name="安全股", code="safety"),
    )


def _found(scope) -> int:
    return facts_of(scope).get("hazards.found").value or 0


def test_the_old_county_reads_the_history_and_writes_none_of_it(city):
    school = _move(city)
    cast = city.cast
    before = set(Hazard.objects.filter(school=school, reported_on__lt=MOVED_ON))
    after = set(Hazard.objects.filter(school=school, reported_on__gte=MOVED_ON))
    assert len(before) == 2 and len(after) == 2
    old = fresh(cast.sibling_safety)
    assert set(Hazard.objects.visible_to(old).filter(school=school)) == before
    assert not Hazard.objects.writable_by(old).filter(school=school).exists()
    assert not Hazard.objects.verifiable_by(old).filter(school=school).exists()
    # Its inspections, photos' parents and drills likewise: by their own dates.
    inspections = Inspection.objects.visible_to(old).filter(school=school)
    assert {i.inspected_on < MOVED_ON for i in inspections} == {True}
    assert inspections.count() == 2  # January and February
    assert not Drill.objects.visible_to(old).filter(school=school).exists()  # held 8 April
    # The school itself is no longer the old county's.
    assert not School.objects.visible_to(old).filter(pk=school.pk).exists()
    # The new county reads and keeps all of it; the city reads all of it.
    new = fresh(_ding_safety(city))
    assert set(Hazard.objects.visible_to(new).filter(school=school)) == before | after
    assert set(Hazard.objects.writable_by(new).filter(school=school)) == before | after
    assert Hazard.objects.visible_to(fresh(cast.city_safety)).filter(school=school).count() == 4
    # The old township's 中心校 reads the history too; another township of 乙县 does not.
    old_town, other_town = school_transfer_from(school), cast.sibling_school.township
    assert old_town != other_town
    old_town_staff = fresh(
        UserFactory(role="township_staff", bureau=cast.sibling_bureau, township=old_town)
    )
    assert set(Hazard.objects.visible_to(old_town_staff).filter(school=school)) == before
    other_town_staff = fresh(
        UserFactory(role="township_staff", bureau=cast.sibling_bureau, township=other_town)
    )
    assert not Hazard.objects.visible_to(other_town_staff).filter(school=school).exists()
    # Nobody else reads any of it, history included: another city's bureau, the
    # sibling county 甲县 (its staff, its township, its inspector), another school.
    for outsider in (
        cast.other_admin,
        cast.safety_staff,
        cast.township_staff,
        cast.inspector,
        cast.school_a_officer,
    ):
        outsider = fresh(outsider)
        for model in (Hazard, Inspection, Drill):
            assert not model.objects.visible_to(outsider).filter(school=school).exists(), (
                outsider.username,
                model.__name__,
            )


def test_the_old_county_opens_its_history_and_is_refused_the_rest(city, client_for):
    school = _move(city)
    client = client_for(city.cast.sibling_safety)
    old_hazard = Hazard.objects.filter(school=school, reported_on__lt=MOVED_ON).first()
    # Still open: whoever keeps it now is offered the plan form.
    Hazard.objects.filter(pk=old_hazard.pk).update(status=Status.PLANNED)
    new_hazard = Hazard.objects.filter(school=school, reported_on__gte=MOVED_ON).first()
    page = client.get(reverse("safety:hazard-detail", args=[old_hazard.pk]))
    assert page.status_code == 200
    # It says why nothing can be done here: the school has gone.
    assert "该校已于2026年3月1日调至丁县教育局，本局可查看调整前的记录，不能修改。" in (
        page.content.decode()
    )
    assert 'data-testid="plan-form"' not in page.content.decode()
    inspection = Inspection.objects.filter(school=school, inspected_on__lt=MOVED_ON).first()
    page = client.get(reverse("safety:inspection-detail", args=[inspection.pk]))
    assert page.status_code == 200 and "调至丁县教育局" in page.content.decode()
    # The school's new county reads the same page without the notice.
    own = client_for(_ding_safety(city)).get(reverse("safety:hazard-detail", args=[old_hazard.pk]))
    assert own.status_code == 200 and 'data-testid="moved-away"' not in own.content.decode()
    assert 'data-testid="plan-form"' in own.content.decode()
    assert client.get(reverse("safety:hazard-detail", args=[new_hazard.pk])).status_code == 404
    listed = client.get(reverse("safety:hazard-list"), {"status": "all"}).content.decode()
    assert old_hazard.description in listed
    assert 'data-testid="moved-away-tag"' in listed
    listed = client.get(reverse("safety:inspection-list"), {"period": "2026-01"}).content.decode()
    assert 'data-testid="moved-away-tag"' in listed
    # Writing its history is refused.
    response = client.post(reverse("safety:hazard-plan", args=[old_hazard.pk]), {})
    assert response.status_code in (403, 404)


def test_figures_count_a_record_where_its_school_was_on_its_date(city):
    viewer = city.cast.city_safety
    old_scope = scope_for(viewer, bureau=city.cast.sibling_bureau)
    new_scope = scope_for(viewer, bureau=city.ding)
    old_before, new_before = _found(old_scope), _found(new_scope)
    _move(city)
    viewer = fresh(viewer)
    old_scope = scope_for(viewer, bureau=city.cast.sibling_bureau)
    new_scope = scope_for(viewer, bureau=city.ding)
    # Two hazards stay with 乙县's history, two go with the school to 丁县.
    assert _found(old_scope) == old_before - 2
    assert _found(new_scope) == new_before + 2
    # As 乙县 and 丁县 read themselves, the same.
    assert _found(scope_for(fresh(city.cast.sibling_safety))) == old_before - 2
    assert _found(scope_for(fresh(_ding_safety(city)))) == new_before + 2


def test_self_inspections_are_due_where_the_school_was_on_the_first_of_the_month(city):
    viewer = city.cast.city_safety

    def figures(bureau) -> tuple[int, int]:
        facts = facts_of(scope_for(fresh(viewer), bureau=bureau))
        return facts.get("inspections.self.due").value, facts.get(
            "inspections.self.submitted"
        ).value

    old_before, new_before = figures(city.cast.sibling_bureau), figures(city.ding)
    _move(city)
    old_after, new_after = figures(city.cast.sibling_bureau), figures(city.ding)
    # Due January to June (as of 15 June); submitted January to May.
    assert (old_before[0] - old_after[0], new_after[0] - new_before[0]) == (4, 4)
    assert (old_before[1] - old_after[1], new_after[1] - new_before[1]) == (3, 3)


def test_after_a_move_the_city_is_still_the_sum_of_its_parts(city):
    _move(city)
    city.cast.city_safety = fresh(city.cast.city_safety)
    whole = additive(facts_of(scope_for(city.cast.city_safety)))
    pieces = [additive(facts_of(p)) for p in parts(city)]
    keys = {k for k in set(whole).union(*pieces) if not k.endswith("@previous")}
    mismatches = {
        k: (whole.get(k), [p.get(k) for p in pieces])
        for k in sorted(keys)
        if whole.get(k, 0) != sum(p.get(k, 0) for p in pieces)
    }
    assert not mismatches
    assert len(keys) > 100


def test_only_a_scope_whose_edge_a_school_crossed_is_corrected(city):
    scope = scope_for(city.cast.city_safety, bureau=city.cast.sibling_bureau).by_record_date()
    assert not scope.moved(Hazard)
    assert scope.moved_stays() == {}
    _move(city)
    viewer = fresh(city.cast.city_safety)
    scope = scope_for(viewer, bureau=city.cast.sibling_bureau).by_record_date()
    assert scope.moved(Hazard) and list(scope.moved_stays()) == [_moved(city).pk]
    # Within the city the school never left: nothing is special for the city.
    assert not scope_for(viewer).moved(Hazard)


JANUARY, FEBRUARY, MARCH, APRIL = (date(2026, m, d) for m, d in ((1, 3), (2, 4), (3, 5), (4, 6)))


@pytest.mark.parametrize(
    ("mode", "old_county", "new_county"),
    [
        # Lists: the old county its history, the new county everything.
        ("visible", {JANUARY, FEBRUARY}, {JANUARY, FEBRUARY, MARCH, APRIL}),
        # A period's figures: each hazard where the school was on its date.
        ("dated", {JANUARY, FEBRUARY}, {MARCH, APRIL}),
        # The state things are in now: the school's hazards are the new county's.
        ("now", set(), {JANUARY, FEBRUARY, MARCH, APRIL}),
    ],
)
def test_the_rows_of_a_scope_in_each_mode(city, mode, old_county, new_county):
    school = _move(city)
    viewer = fresh(city.cast.city_safety)
    scopes = [
        scope_for(viewer, bureau=city.cast.sibling_bureau),
        scope_for(viewer, bureau=city.ding),
    ]
    by_mode = {
        "visible": lambda s: s,
        "dated": lambda s: s.by_record_date(),
        "now": lambda s: s.as_now(),
    }
    old, new = (by_mode[mode](s) for s in scopes)
    assert old.mode == new.mode == mode

    def dates(scope) -> set[date]:
        return set(scope.rows(Hazard).filter(school=school).values_list("reported_on", flat=True))

    assert (dates(old), dates(new)) == (old_county, new_county)
    # The city's own scope holds every one of them in every mode.
    assert len(dates(by_mode[mode](scope_for(viewer)))) == 4


def test_a_move_flags_the_subtrees_it_crossed_and_no_other(city):
    cast = city.cast
    _move(city)
    flagged = set(Bureau.objects.filter(has_moved_schools=True).values_list("name", flat=True))
    assert flagged == {
        cast.sibling_bureau.name,
        city.ding.name,
        cast.city.name,
        cast.province.name,
    }
    # 甲县 was not crossed: its readers never look for moved schools.
    assert not fresh(cast.safety_staff).bureau.has_moved_schools


@pytest.mark.parametrize("month", [date(2026, 2, 1), date(2026, 6, 1)])
def test_the_citys_table_of_counties_agrees_with_each_countys_own(city, month):
    """The city's per-county row is what the county's own dashboard totals, for a month
    before the move (the school still 乙县's) and after it (丁县's)."""
    _move(city)
    viewer = fresh(city.cast.city_safety)
    period = Period.calendar_year(2026)
    month_period = Period.month(month.year, month.month)

    def table(scope):
        return unit_breakdown(scope=scope, period=period, month=month_period, today=TODAY)

    rows = {u.key: u for u in table(scope_for(viewer)).rows}
    for county in (city.cast.sibling_bureau, city.ding):
        own = table(scope_for(viewer, bureau=county)).total
        row = rows[f"bureau:{county.pk}"]
        assert {m: getattr(row, m) for m in MEASURES} == {m: getattr(own, m) for m in MEASURES}
    sibling = rows[f"bureau:{city.cast.sibling_bureau.pk}"]
    ding = rows[f"bureau:{city.ding.pk}"]
    # The school is due where it was on the month's first day.
    # (乙县 has four schools due before it leaves; 丁县 two open ones of its own.)
    before = {date(2026, 2, 1): (4, 2), date(2026, 6, 1): (3, 3)}[month]
    assert (sibling.due, ding.due) == before
    # Its hazards found in the year: two each; its one open hazard is 丁县's now.
    own = table(scope_for(viewer, bureau=city.ding)).total
    assert own.unresolved >= 1


def test_a_move_within_a_city_splits_the_city_by_county_not_the_province_by_city(city):
    school = _move(city)
    cast = city.cast
    paths = dict(Bureau.objects.values_list("pk", "path"))

    def child_of(top: Bureau):
        depth = len(top.path.strip("/").split("/"))
        return lambda school_id, stay: paths[stay.bureau_id].strip("/").split("/")[depth]

    city_scope = scope_for(fresh(cast.city_safety)).by_record_date()
    province_scope = scope_for(fresh(cast.province_safety)).by_record_date()
    assert city_scope.moved_apart(child_of(cast.city)) == {school.pk}
    assert province_scope.moved_apart(child_of(cast.province)) == set()
    # The county it left counts it apart too: it crossed that county's edge.
    county_scope = scope_for(fresh(cast.sibling_safety)).by_record_date()
    assert county_scope.moved_apart(lambda school_id, stay: stay.township_id) == {school.pk}


def test_the_citys_circular_names_a_moved_school_by_the_county_it_was_in_that_month(city):
    """A month's lines name the county that counts them: the school's self-inspection
    of February and a hazard found then, 乙县's; June's, 丁县's. A hazard overdue now
    is chased, and named, where the school is now."""
    school = _move(city)
    february = Hazard.objects.filter(school=school, reported_on=date(2026, 2, 4))
    february.update(severity=Severity.MAJOR, status=Status.PLANNED, closed_at=None)
    viewer = fresh(city.cast.city_safety)
    old, new = city.cast.sibling_bureau.display_name, city.ding.display_name
    for month, county in ((date(2026, 2, 1), old), (date(2026, 6, 1), new)):
        content = circular_for_month(scope=scope_for(viewer), month=month, today=TODAY)
        (line,) = [r for r in content.by_school if r.name == school.name]
        assert line.part == county, month
        # The county's row counts what its lines say (June: the one not yet filed).
        part = {p.name: p for p in content.by_part}[county]
        assert (school.name in part.missing_schools) == (month.month == 6)
    content = circular_for_month(scope=scope_for(viewer), month=date(2026, 2, 1), today=TODAY)
    (found,) = [h for h in content.requirements if h.school == school.name]
    assert found.part == old
    # Overdue now: February's (past its deadline) and April's, both chased by 丁县.
    overdue = [h for h in content.overdue_hazards if h.school == school.name]
    assert found.hazard_id in {h.hazard_id for h in overdue}
    assert len(overdue) == 2 and {h.part for h in overdue} == {new}


def test_a_move_in_mid_month_leaves_that_months_self_inspection_where_it_was_due(city):
    """戊镇小学 moves on 15 March and inspects for March on the 20th: March's
    self-inspection was due at 乙县 (the school was there on the 1st), so it is filed,
    counted and kept there; neither county's March figures change."""
    school, cast = _moved(city), city.cast
    march = Inspection.objects.filter(school=school, period=date(2026, 3, 1))
    march.update(inspected_on=date(2026, 3, 20))
    viewer = fresh(cast.city_safety)

    def march_figures() -> dict[int, tuple[int, int]]:
        period, month = Period.calendar_year(2026), Period.month(2026, 3)
        rows = {
            u.key: u
            for u in unit_breakdown(
                scope=scope_for(fresh(viewer)), period=period, month=month, today=TODAY
            ).rows
        }
        return {
            county.pk: (rows[f"bureau:{county.pk}"].due, rows[f"bureau:{county.pk}"].submitted)
            for county in (cast.sibling_bureau, city.ding)
        }

    before = march_figures()
    school_move(
        actor=cast.city_admin,
        school=school,
        to_bureau=city.ding,
        township=city.ding_towns[0],
        moved_on=date(2026, 3, 15),
    )
    assert march_figures() == before
    assert march.get() in Inspection.objects.visible_to(fresh(cast.sibling_safety))
