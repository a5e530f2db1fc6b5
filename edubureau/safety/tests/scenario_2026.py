"""The dated county the dashboard, facts and circular tests share: 2025 and 2026 seen
from 15 June 2026.

These are a past period's records with exact dates on purpose — closed at 00:30 on New
Year's Day, rectified after a deadline, a holiday-shortened month — so the tests build
it only with the clock frozen at :data:`TODAY` (:func:`build_dataset` refuses
otherwise). 2026 is also a year whose public holidays chinesecalendar knows, which the
working-day figures depend on. Everything else in the suite dates itself from the
test clock (``edubureau.testing.dates``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone

from edubureau.orgs.models import Bureau, School, SchoolYear
from edubureau.rectification.models import PlanKind, Severity, Status
from edubureau.safety.models import Campaign, Hazard, Inspection, InspectionKind, InspectionStatus
from edubureau.safety.models.ledgers import DrillKind, LetterTier, VehicleKind
from edubureau.safety.tests import factories_ledgers as ledgers
from edubureau.safety.tests.factories_dashboard import (
    campaign_inspection,
    checklist_parts,
    local,
    make_campaign,
    make_hazard_row,
    make_self_inspection,
)
from edubureau.safety.tests.factories_hazards import current_checklist
from edubureau.testing.cast import SCHOOL_B_MARKER, Cast
from edubureau.testing.factories import SchoolFactory

TODAY = date(2026, 6, 15)


def _require_frozen_clock() -> None:
    if timezone.localdate() != TODAY:
        raise AssertionError(
            f"scenario_2026 is dated: build it under time_machine.travel(local(TODAY)), "
            f"not on {timezone.localdate()}"
        )


@dataclass
class Dataset:
    cast: Cast
    school_c: School
    school_d: School
    school_closed: School  # inactive
    campaign: Campaign
    campaign_2025: Campaign
    years: dict[int, SchoolYear] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)


def build_dataset(cast: Cast) -> Dataset:
    """A county of four active schools (A and C in 甲镇, B and D in 乙镇) and one
    closed school, with 2025 and 2026 records; "today" is :data:`TODAY` (2026-06-15)."""
    _require_frozen_clock()
    bureau = cast.bureau
    a, b = cast.school_a, cast.school_b
    c = SchoolFactory(bureau=bureau, township=cast.township_a, name="甲镇第二小学")
    d = SchoolFactory(bureau=bureau, township=cast.township_b, name="乙镇幼儿园")
    gone = SchoolFactory(bureau=bureau, township=cast.township_a, name="撤并村小", is_active=False)

    # Campaigns: one in 2026 (A, B scope; B not yet inspected), one in 2025.
    campaign = make_campaign(
        bureau,
        [a, b],
        name="2026年春季开学安全专项检查",
        starts_on=date(2026, 3, 21),
        ends_on=date(2026, 3, 28),
        inspected=[a],
        good_practice="甲镇中心小学建立了隐患排查“日巡查、周检查、月总结”制度。\n各校开学第一课全覆盖。",
    )
    campaign_2025 = make_campaign(
        bureau,
        [a, b, c],
        name="2025年汛期安全专项检查",
        starts_on=date(2025, 6, 2),
        ends_on=date(2025, 6, 6),
        kind=InspectionKind.SPOT,
    )
    in_campaign_a = campaign_inspection(campaign, a)

    # Hazards of 2026 ------------------------------------------------------------
    h1 = make_hazard_row(
        a,
        reported_on=date(2026, 1, 10),
        item="fire.extinguisher",
        status=Status.CLOSED,
        deadline=date(2026, 1, 17),
        rectified_on=date(2026, 1, 15),
        closed_at=local(date(2026, 1, 20)),
    )
    make_hazard_row(  # closed late (rectified after the deadline), via the campaign
        a,
        reported_on=date(2026, 3, 22),
        severity=Severity.MAJOR,
        status=Status.CLOSED,
        deadline=date(2026, 3, 27),
        rectified_on=date(2026, 4, 3),
        closed_at=local(date(2026, 4, 7)),
        inspection=in_campaign_a,
        description="消防通道堆放杂物",
    )
    make_hazard_row(  # overdue, in the campaign
        a,
        reported_on=date(2026, 3, 23),
        category="building",
        item="building.cracks",
        status=Status.PLANNED,
        deadline=date(2026, 4, 1),
        inspection=in_campaign_a,
        description="教学楼外墙瓷砖空鼓",
    )
    make_hazard_row(  # critical, reported, no deadline yet: not overdue
        b,
        reported_on=date(2026, 5, 20),
        severity=Severity.CRITICAL,
        description=f"实验室危化品柜未上锁{SCHOOL_B_MARKER}",
    )
    make_hazard_row(  # planned, deadline ahead
        b,
        reported_on=date(2026, 6, 1),
        category="food",
        item="food.storage",
        status=Status.PLANNED,
        deadline=date(2026, 6, 30),
    )
    make_hazard_row(  # rectified past its deadline, awaiting verification: not overdue
        b,
        reported_on=date(2026, 3, 1),
        status=Status.RECTIFIED,
        deadline=date(2026, 3, 10),
        rectified_on=date(2026, 3, 12),
    )
    make_hazard_row(  # repeat of h1, closed on time
        c,
        reported_on=date(2026, 3, 5),
        item="fire.extinguisher",
        status=Status.CLOSED,
        deadline=date(2026, 3, 12),
        rectified_on=date(2026, 3, 9),
        closed_at=local(date(2026, 3, 10), 16),
        repeat_of=h1,
    )
    make_hazard_row(  # repeat of h1, overdue
        c,
        reported_on=date(2026, 4, 5),
        item="fire.extinguisher",
        status=Status.PLANNED,
        deadline=date(2026, 4, 12),
        repeat_of=h1,
    )
    h_cracks = make_hazard_row(
        d,
        reported_on=date(2026, 2, 2),
        category="building",
        item="building.cracks",
        severity=Severity.MAJOR,
        status=Status.CLOSED,
        deadline=date(2026, 2, 20),
        rectified_on=date(2026, 2, 18),
        closed_at=local(date(2026, 3, 1)),
    )
    make_hazard_row(  # repeat by item, verified (not closed)
        b,
        reported_on=date(2026, 5, 2),
        category="building",
        item="building.cracks",
        severity=Severity.MAJOR,
        status=Status.VERIFIED,
        deadline=date(2026, 5, 20),
        rectified_on=date(2026, 5, 10),
        repeat_of=h_cracks,
    )
    make_hazard_row(  # deferred with no target date: never overdue
        d,
        reported_on=date(2026, 4, 20),
        category="building",
        status=Status.PLANNED,
        plan_kind=PlanKind.DEFERRED,
    )
    # Found at the end of 2025, closed 00:30 on New Year's Day 2026 (local time):
    # closed in 2026, not in 2025, although it is still 2025 in UTC.
    make_hazard_row(
        a,
        reported_on=date(2025, 12, 20),
        status=Status.CLOSED,
        deadline=date(2025, 12, 30),
        rectified_on=date(2025, 12, 31),
        closed_at=local(date(2026, 1, 1), 0, 30),
    )
    make_hazard_row(gone, reported_on=date(2026, 1, 5))  # closed school: still counts as found

    # Hazards of 2025 ------------------------------------------------------------
    make_hazard_row(
        a,
        reported_on=date(2025, 3, 3),
        status=Status.CLOSED,
        deadline=date(2025, 3, 10),
        rectified_on=date(2025, 3, 8),
        closed_at=local(date(2025, 3, 10)),
    )
    make_hazard_row(
        b,
        reported_on=date(2025, 5, 6),
        category="building",
        severity=Severity.MAJOR,
        status=Status.CLOSED,
        deadline=date(2025, 5, 20),
        rectified_on=date(2025, 5, 28),
        closed_at=local(date(2025, 6, 1)),
    )
    make_hazard_row(
        c, reported_on=date(2025, 9, 8), status=Status.PLANNED, deadline=date(2025, 9, 20)
    )

    # Self-inspections, January to June 2026 (and one of 2025) ---------------------
    for month in range(1, 7):
        first = date(2026, month, 1)
        make_self_inspection(a, first)
        if month == 2:
            make_self_inspection(b, first, submitted_on=date(2026, 2, 12))  # late
        elif month != 3:
            make_self_inspection(b, first)
        if month <= 4:
            make_self_inspection(c, first)
        elif month == 5:
            make_self_inspection(c, first, status=InspectionStatus.RETURNED)
        else:
            make_self_inspection(c, first, status=InspectionStatus.DRAFT)
    make_self_inspection(gone, date(2026, 1, 1))  # a closed school is not due
    make_self_inspection(a, date(2025, 6, 1))

    # Ledgers ----------------------------------------------------------------------
    years = {y: ledgers.SchoolYearFactory(bureau=bureau, start_year=y) for y in (2024, 2025, 2026)}
    ledgers.DrillFactory(school=a, held_on=date(2026, 3, 10), kind=DrillKind.FIRE, participants=600)
    ledgers.DrillFactory(
        school=a, held_on=date(2026, 5, 12), kind=DrillKind.EARTHQUAKE, participants=580
    )
    ledgers.DrillFactory(school=b, held_on=date(2026, 4, 1), kind=DrillKind.FIRE, participants=300)
    ledgers.DrillFactory(school=c, held_on=date(2025, 10, 9), kind=DrillKind.FIRE, participants=200)
    ledgers.EducationActivityFactory(
        school=a, held_on=date(2026, 3, 2), sessions=12, participants=540
    )
    ledgers.EducationActivityFactory(
        school=b, held_on=date(2026, 4, 20), sessions=3, participants=100
    )
    ledgers.EducationActivityFactory(
        school=a, held_on=date(2025, 3, 2), sessions=5, participants=200
    )
    letter = ledgers.ResponsibilityLetterFactory
    letter(school=a, school_year=years[2025], tier=LetterTier.BUREAU_SCHOOL)
    letter(
        school=a,
        school_year=years[2025],
        tier=LetterTier.SCHOOL_STAFF,
        due_count=50,
        signed_count=48,
    )
    letter(
        school=a,
        school_year=years[2025],
        tier=LetterTier.SCHOOL_PARENT,
        due_count=600,
        signed_count=590,
    )
    letter(school=b, school_year=years[2025], tier=LetterTier.BUREAU_SCHOOL)
    letter(
        school=b,
        school_year=years[2025],
        tier=LetterTier.SCHOOL_STAFF,
        due_count=30,
        signed_count=30,
    )
    letter(
        school=a, school_year=years[2026], tier=LetterTier.BUREAU_SCHOOL, signed_on=date(2026, 9, 5)
    )
    letter(
        school=c,
        school_year=years[2026],
        tier=LetterTier.BUREAU_SCHOOL,
        signed_count=0,
        signed_on=None,
    )
    letter(
        school=a,
        school_year=years[2024],
        tier=LetterTier.SCHOOL_STAFF,
        due_count=45,
        signed_count=40,
    )
    ledgers.VehicleFactory(  # licence runs out within 30 days
        school=a, driver_licence_expires=date(2026, 7, 1), gps_fitted=True
    )
    ledgers.VehicleFactory(  # inspection already expired
        school=b, kind=VehicleKind.SHUTTLE, gps_fitted=False, inspection_expires=date(2026, 5, 1)
    )
    ledgers.VehicleFactory(school=b, is_active=False, inspection_expires=date(2026, 5, 1))
    ledgers.VehicleFactory(school=c)
    ledgers.CanteenFactory(school=a, grade="A")
    ledgers.CanteenFactory(school=b, grade="B")
    ledgers.CanteenFactory(school=c, grade="A")
    ledgers.CanteenFactory(school=c, grade="C", is_active=False)
    ledgers.SecurityResourcesFactory(school=a, guards_full_time=2, cameras=48)
    ledgers.SecurityResourcesFactory(
        school=b, guards_full_time=1, cameras=10, one_key_alarm=False, key_areas_covered=False
    )

    # Another bureau: nothing of it may be counted ------------------------------------
    other = cast.other_school
    make_hazard_row(other, reported_on=date(2026, 2, 2), description="外局标记隐患")
    make_self_inspection(other, date(2026, 1, 1))
    ledgers.DrillFactory(school=other, held_on=date(2026, 3, 3))
    ledgers.VehicleFactory(school=other, driver_licence_expires=date(2026, 6, 20))
    ledgers.CanteenFactory(school=other)
    make_campaign(
        cast.other_bureau,
        [other],
        name="外局标记专项检查",
        starts_on=date(2026, 3, 21),
        ends_on=date(2026, 3, 28),
    )

    return Dataset(
        cast=cast,
        school_c=c,
        school_d=d,
        school_closed=gone,
        campaign=campaign,
        campaign_2025=campaign_2025,
        years=years,
    )


def many_schools(bureau: Bureau, township_ids: list[int], count: int) -> list[School]:
    """``count`` extra schools, each with a self-inspection, an open and a closed
    hazard, a drill and a vehicle (bulk-created: the point is the number of schools)."""
    _require_frozen_clock()
    from edubureau.safety.models import Drill, Vehicle

    start = School.objects.count()
    schools = School.objects.bulk_create(
        [
            School(
                bureau=bureau,
                township_id=township_ids[i % len(township_ids)],
                identifier=f"{4200000000 + start + i:010d}",
                name=f"批量学校{start + i}",
                kind="primary",
                ownership="public",
                locality="town",
            )
            for i in range(count)
        ]
    )
    categories, _ = checklist_parts(bureau)
    checklist = current_checklist(bureau)
    fire = categories["fire"]
    Inspection.objects.bulk_create(
        [
            Inspection(
                school=s,
                kind=InspectionKind.SELF,
                checklist=checklist,
                period=date(2026, 6, 1),
                due_on=date(2026, 6, 8),
                inspected_on=date(2026, 6, 5),
                status=InspectionStatus.SUBMITTED,
                submitted_at=local(date(2026, 6, 5)),
            )
            for s in schools[::2]
        ]
    )
    hazards = []
    for i, s in enumerate(schools):
        common = {"school": s, "category": fire, "category_key": "fire", "source": "walkaround"}
        hazards.append(
            Hazard(
                **common,
                description="批量隐患",
                reported_on=date(2026, 5, 1 + i % 20),
                status=Status.PLANNED,
                deadline=date(2026, 5, 25),
                item_key="fire.exit",
            )
        )
        hazards.append(
            Hazard(
                **common,
                description="批量已销号",
                reported_on=date(2026, 4, 1),
                status=Status.CLOSED,
                deadline=date(2026, 4, 10),
                rectified_on=date(2026, 4, 11),
                closed_at=local(date(2026, 4, 12)),
            )
        )
    Hazard.objects.bulk_create(hazards)
    Drill.objects.bulk_create(
        [Drill(school=s, held_on=date(2026, 3, 9), kind="fire", participants=100) for s in schools]
    )
    Vehicle.objects.bulk_create(
        [
            Vehicle(
                school=s,
                kind="school_bus",
                plate=f"川Z{start + i:05d}",
                seats=30,
                driver_name="司机",
                driver_licence_expires=date(2026, 7, 1),
                inspection_expires=date(2027, 1, 1),
            )
            for i, s in enumerate(schools)
        ]
    )
    return schools
