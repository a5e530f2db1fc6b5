"""A dated city for the upward tests: 甲市 with three counties and its 市直 schools,
seen from 15 June 2026 (the day of :mod:`scenario_2026`, whose county 甲县 it reuses).

    甲市 (city_safety, city_leader; 市直: 甲市第一中学, 甲市实验小学)
    ├── 甲县  scenario_2026's county: four schools, a year of records
    ├── 乙县  丁镇 and 戊镇: four schools, most hazards closed, one school silent
    └── 丁县  made here: 己镇 and 庚镇, three schools, one of them closed

The counties' rates differ (甲县 closes a third of what it finds, 乙县 nearly all,
the 市直 schools half), so a rate averaged over the parts is not the rate of the
whole: the tests can tell the two apart. A city campaign covers schools of 甲县,
乙县 and the 市直 ones; every bureau keeps its own school years. 丙市 (another city)
has records too, none of which may be counted.

Like scenario_2026 it is dated on purpose and refuses to be built unless the clock
is frozen at :data:`TODAY`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from edubureau.orgs.models import Bureau, BureauLevel, School, SchoolKind, Township
from edubureau.rectification.models import Severity, Status
from edubureau.safety.models import Campaign, InspectionKind, InspectionStatus
from edubureau.safety.models.ledgers import DrillKind, LetterTier, VehicleKind
from edubureau.safety.tests import factories_ledgers as ledgers
from edubureau.safety.tests.factories_dashboard import (
    campaign_inspection,
    local,
    make_campaign,
    make_hazard_row,
    make_self_inspection,
)
from edubureau.safety.tests.scenario_2026 import (
    TODAY,
    Dataset,
    _require_frozen_clock,
    build_dataset,
)
from edubureau.testing.cast import Cast
from edubureau.testing.factories import BureauFactory, SchoolFactory, TownshipFactory

__all__ = ["TODAY", "City", "add_county", "build_city"]


@dataclass
class City:
    county: Dataset  # 甲县, scenario_2026's
    cast: Cast
    ding: Bureau  # 丁县
    ding_towns: list[Township]
    sibling_schools: list[School]  # 乙县's, sibling_school first
    ding_schools: list[School]
    direct_schools: list[School]  # 市直, city_school first
    city_campaign: Campaign
    notes: dict[str, object] = field(default_factory=dict)

    @property
    def counties(self) -> list[Bureau]:
        return [self.cast.bureau, self.cast.sibling_bureau, self.ding]


def _years(bureau: Bureau) -> dict[int, object]:
    return {y: ledgers.SchoolYearFactory(bureau=bureau, start_year=y) for y in (2025, 2026)}


def _school_records(
    school: School, *, found: int, closed: int, overdue: int, month_gap: int
) -> None:
    """``found`` hazards reported in 2026 (``closed`` of them closed, ``overdue`` of the
    rest past their deadline), self-inspections January to June except ``month_gap``."""
    for i in range(found):
        day = date(2026, 1 + i % 5, 3 + i)
        if i < closed:
            make_hazard_row(
                school,
                reported_on=day,
                category=("fire", "building", "food")[i % 3],
                status=Status.CLOSED,
                deadline=date(day.year, day.month, day.day + 7),
                rectified_on=date(day.year, day.month, day.day + 5),
                closed_at=local(date(day.year, day.month, day.day + 6)),
            )
        elif i < closed + overdue:
            make_hazard_row(
                school,
                reported_on=day,
                severity=Severity.MAJOR,
                status=Status.PLANNED,
                deadline=date(2026, 6, 1),
                description=f"{school.name}消防通道堵塞",
            )
        else:
            make_hazard_row(
                school,
                reported_on=day,
                category="building",
                status=Status.PLANNED,
                deadline=date(2026, 7, 31),
            )
    for month in range(1, 7):
        if month != month_gap:
            make_self_inspection(school, date(2026, month, 1))


def _ledgers(school: School, years: dict[int, object], *, people: int) -> None:
    ledgers.DrillFactory(
        school=school, held_on=date(2026, 4, 8), kind=DrillKind.FIRE, participants=people
    )
    ledgers.EducationActivityFactory(
        school=school, held_on=date(2026, 3, 12), sessions=2, participants=people
    )
    ledgers.ResponsibilityLetterFactory(
        school=school, school_year=years[2025], tier=LetterTier.BUREAU_SCHOOL
    )
    ledgers.ResponsibilityLetterFactory(
        school=school,
        school_year=years[2026],
        tier=LetterTier.SCHOOL_STAFF,
        due_count=people // 10,
        signed_count=people // 10 - 1,
    )
    ledgers.VehicleFactory(
        school=school, kind=VehicleKind.SHUTTLE, driver_licence_expires=date(2026, 7, 1)
    )
    ledgers.CanteenFactory(school=school, grade="A" if people > 300 else "B")
    ledgers.SecurityResourcesFactory(school=school, guards_full_time=1, cameras=people // 20)


def add_county(
    city: Bureau, name: str, *, schools: int = 3, close_first: bool = True
) -> tuple[Bureau, list[Township], list[School]]:
    """A county of ``city`` with two townships and ``schools`` schools with a half
    year of records (the last one closed down, its records kept)."""
    _require_frozen_clock()
    county = BureauFactory(
        name=f"{name}教育局",
        short_name=name,
        issuer_code=f"{name[0]}教发",
        parent=city,
        level=BureauLevel.COUNTY,
    )
    towns = [
        TownshipFactory(bureau=county, name=f"{name}{t}镇", sort_order=i)
        for i, t in enumerate("东西")
    ]
    years = _years(county)
    made = []
    for i in range(schools):
        school = SchoolFactory(
            bureau=county,
            township=towns[i % 2],
            name=f"{name}{towns[i % 2].name[-2:]}第{i + 1}小学",
            is_active=i < schools - 1 or schools == 1,
        )
        made.append(school)
        _school_records(
            school, found=2 + i, closed=(2 + i) if close_first else 1, overdue=0, month_gap=0
        )
        _ledgers(school, years, people=200 + 50 * i)
    return county, towns, made


def build_city(cast: Cast) -> City:
    _require_frozen_clock()
    county = build_dataset(cast)  # 甲县, and 丙县's records (another city)
    city, sibling = cast.city, cast.sibling_bureau

    # 乙县: four schools in two townships; one never reports in March, one is silent.
    ding_town = cast.sibling_school.township
    wu_town = TownshipFactory(bureau=sibling, name="戊镇", sort_order=2)
    sibling_schools = [
        cast.sibling_school,
        SchoolFactory(bureau=sibling, township=ding_town, name="丁镇中学"),
        SchoolFactory(bureau=sibling, township=wu_town, name="戊镇小学"),
        SchoolFactory(
            bureau=sibling, township=wu_town, name="戊镇幼儿园", kind=SchoolKind.KINDERGARTEN
        ),
    ]
    years = _years(sibling)
    plan = [(3, 3, 0, 3), (2, 2, 0, 0), (4, 3, 1, 6), (1, 0, 1, 0)]
    for school, (found, closed, overdue, gap) in zip(sibling_schools[:3], plan, strict=False):
        _school_records(school, found=found, closed=closed, overdue=overdue, month_gap=gap)
        _ledgers(school, years, people=400)
    # 戊镇幼儿园 reports nothing at all and has one overdue hazard.
    found, closed, overdue, _ = plan[3]
    _school_records(sibling_schools[3], found=found, closed=closed, overdue=overdue, month_gap=0)
    from edubureau.safety.models import Inspection

    Inspection.objects.filter(school=sibling_schools[3]).delete()

    # 丁县, made here.
    ding, ding_towns, ding_schools = add_county(city, "丁县", schools=3, close_first=False)

    # 市直: two schools the city runs itself.
    direct_schools = [
        cast.city_school,
        SchoolFactory(bureau=city, township=None, name="甲市实验小学", kind=SchoolKind.PRIMARY),
    ]
    city_years = _years(city)
    _school_records(direct_schools[0], found=2, closed=1, overdue=1, month_gap=6)
    _school_records(direct_schools[1], found=2, closed=1, overdue=0, month_gap=0)
    for school in direct_schools:
        _ledgers(school, city_years, people=900)

    # A city campaign across two counties and the 市直 schools, its hazards in two.
    city_campaign = make_campaign(
        city,
        [cast.school_a, cast.sibling_school, sibling_schools[2], direct_schools[0]],
        name="2026年甲市汛期安全督查",
        starts_on=date(2026, 5, 11),
        ends_on=date(2026, 5, 15),
        inspected=[cast.school_a, cast.sibling_school, direct_schools[0]],
        kind=InspectionKind.SUPERVISORY,
    )
    make_hazard_row(
        cast.sibling_school,
        reported_on=date(2026, 5, 12),
        category="building",
        severity=Severity.MAJOR,
        status=Status.PLANNED,
        deadline=date(2026, 5, 30),
        inspection=campaign_inspection(city_campaign, cast.sibling_school),
        description="围墙局部倾斜",
    )
    make_hazard_row(
        direct_schools[0],
        reported_on=date(2026, 5, 13),
        status=Status.CLOSED,
        deadline=date(2026, 5, 20),
        rectified_on=date(2026, 5, 18),
        closed_at=local(date(2026, 5, 19)),
        inspection=campaign_inspection(city_campaign, direct_schools[0]),
    )
    # A draft self-inspection is not a report.
    make_self_inspection(direct_schools[0], date(2026, 6, 1), status=InspectionStatus.DRAFT)
    return City(
        county=county,
        cast=cast,
        ding=ding,
        ding_towns=ding_towns,
        sibling_schools=sibling_schools,
        ding_schools=ding_schools,
        direct_schools=direct_schools,
        city_campaign=city_campaign,
    )
