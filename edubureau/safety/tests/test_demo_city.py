"""Safety demo data of a city demo (a smaller one: the tree of the city scale, 400
schools): every bureau with schools keeps its own records, the city's 市直 schools
included."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction

from edubureau.orgs.demo import DemoContext, build_demo
from edubureau.orgs.models import Bureau, Role, School, SchoolTransfer, User
from edubureau.orgs.scoping import scope_for
from edubureau.rectification.models import Status
from edubureau.safety.models import (
    Campaign,
    Checklist,
    Hazard,
    Inspection,
    InspectionKind,
    Vehicle,
)

TODAY = dt.date(2026, 11, 16)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        moment = dt.datetime.combine(TODAY, dt.time(9), tzinfo=ZoneInfo("Asia/Shanghai"))
        with time_machine.travel(moment):
            ctx = build_demo(scale="city", reference_date=TODAY, schools=400)
        yield ctx
        transaction.set_rollback(True)


@pytest.fixture
def city(demo: DemoContext, db: None) -> DemoContext:
    return demo


def test_every_bureau_with_schools_has_its_checklist_campaigns_and_inspections(city):
    bureaus = [c.bureau for c in city.tree]
    assert len(bureaus) == 9  # the city and its 8 counties and districts
    for bureau in bureaus:
        assert Checklist.objects.filter(bureau=bureau).exists(), bureau
        assert Campaign.objects.filter(bureau=bureau).exists(), bureau
        schools = School.objects.filter(bureau=bureau)
        inspected = Inspection.objects.filter(school__in=schools, kind=InspectionKind.SELF)
        assert inspected.values("school").distinct().count() == schools.count(), bureau


def test_the_city_schools_have_hazards_kept_by_the_city(city):
    direct = School.objects.filter(bureau=city.bureau)
    assert direct.exists() and not direct.filter(township__isnull=False).exists()
    hazards = Hazard.objects.filter(school__in=direct)
    assert hazards.exists()
    city_staff = {city.users["safety"].pk, city.users["inspector"].pk}
    verifiers = set(hazards.exclude(verified_by=None).values_list("verified_by", flat=True))
    assert verifiers and verifiers <= city_staff


def bureau_on(school: School, day: dt.date) -> int:
    """Where ``school`` was on ``day``: the bureau it left, if it moved later."""
    later = school.transfers.filter(moved_on__gt=day).order_by("moved_on").first()
    return later.from_bureau_id if later is not None else school.bureau_id


def test_a_county_campaign_covers_only_schools_that_county_ran_when_it_began(city):
    for campaign in Campaign.objects.prefetch_related("schools__transfers"):
        bureaus = {bureau_on(s, campaign.starts_on) for s in campaign.schools.all()}
        assert bureaus <= {campaign.bureau_id}, campaign
    assert Bureau.objects.filter(parent=city.bureau).count() == 8


def test_one_school_moved_into_the_demo_county_keeps_its_history_where_it_was(city):
    transfer = SchoolTransfer.objects.select_related("school").get()
    county = User.objects.get(username="leader").bureau
    assert transfer.to_bureau == county and transfer.school.bureau == county
    assert transfer.from_bureau.parent == county.parent == city.bureau
    assert transfer.moved_on == TODAY
    school = transfer.school
    left = User.objects.filter(bureau=transfer.from_bureau, role=Role.BUREAU_LEADER).first()
    history = Inspection.objects.filter(school=school, record_on__lt=TODAY)
    assert history.exists()
    for viewer, sees_history in ((left, True), (User.objects.get(username="leader"), False)):
        dated = scope_for(viewer).by_record_date().rows(Inspection)
        assert dated.filter(pk__in=history).count() == (history.count() if sees_history else 0)
    # What is open now is chased where the school is now.
    open_now = Hazard.objects.filter(school=school).exclude(status=Status.CLOSED)
    assert open_now.exists()
    now = scope_for(User.objects.get(username="leader")).as_now().rows(Hazard)
    assert now.filter(pk__in=open_now).count() == open_now.count()


def test_plates_are_unique_across_the_tree_and_name_the_bureau(city):
    # Plates are unique site-wide: each bureau numbers its own (川J + code digits + 3).
    vehicles = list(Vehicle.objects.select_related("school__bureau"))
    assert vehicles
    for v in vehicles:
        code = v.school.bureau.region_code
        assert v.plate.startswith(f"川J{code[4:6]}") and len(v.plate) == 7, v.plate


def test_the_citys_facts_are_the_sums_of_its_counties_and_its_own_schools(city):
    """Issue 8's check on the demo data itself: every additive figure of the city
    equals the sum over its 8 counties and districts plus its 市直 schools."""
    from edubureau.core.facts import Period
    from edubureau.orgs.scoping import scope_for
    from edubureau.safety.facts import safety_facts
    from edubureau.safety.tests.test_bureau_facts import additive

    viewer = city.users["safety"]
    year = Period.calendar_year(TODAY.year)

    def figures(scope):
        return additive(safety_facts(scope=scope, period=year, today=TODAY))

    with time_machine.travel(
        dt.datetime.combine(TODAY, dt.time(9), tzinfo=ZoneInfo("Asia/Shanghai"))
    ):
        whole = figures(scope_for(viewer))
        counties = Bureau.objects.filter(parent=city.bureau)
        pieces = [figures(scope_for(viewer, bureau=c)) for c in counties]
        pieces.append(figures(scope_for(viewer, bureau=city.bureau, direct=True)))
    assert len(pieces) == 9
    keys = set(whole).union(*pieces)
    wrong = {
        k: (whole.get(k, 0), [p.get(k, 0) for p in pieces])
        for k in sorted(keys)
        if whole.get(k, 0) != sum(p.get(k, 0) for p in pieces)
    }
    assert not wrong
    assert whole["hazards.found"] > max(p["hazards.found"] for p in pieces) > 0
