"""Factories for the safety ledgers. Pass ``school=``; everything else has a
plausible default, dated relative to the test clock: held today, expiring well
outside the 30-day reminder window."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import factory
from openpyxl import Workbook, load_workbook

from edubureau.orgs.models import SchoolYear
from edubureau.safety.models.ledgers import (
    Canteen,
    Drill,
    DrillKind,
    EducationActivity,
    EmergencyPlan,
    LetterTier,
    ResponsibilityLetter,
    SecurityResources,
    Vehicle,
    VehicleKind,
)
from edubureau.testing.dates import in_days, school_year_start, today
from edubureau.testing.factories import SchoolFactory  # noqa: F401  (for the ledger tests)


class SchoolYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchoolYear
        django_get_or_create = ("bureau", "start_year")

    start_year = factory.LazyFunction(lambda: school_year_start(today()))
    starts_on = factory.LazyAttribute(lambda o: date(o.start_year, 9, 1))
    ends_on = factory.LazyAttribute(lambda o: date(o.start_year + 1, 8, 31))


class ResponsibilityLetterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResponsibilityLetter

    school_year = factory.SubFactory(
        SchoolYearFactory, bureau=factory.SelfAttribute("..school.bureau")
    )
    tier = LetterTier.BUREAU_SCHOOL
    due_count = 1
    signed_count = 1
    # Ten days into the school year, or today early in September.
    signed_on = factory.LazyAttribute(
        lambda o: min(o.school_year.starts_on + timedelta(days=9), today())
    )


class EmergencyPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmergencyPlan

    name = factory.Sequence(lambda n: f"校园安全综合应急预案{n}")
    kind = "综合预案"
    approved_on = in_days(-90)
    review_due = in_days(365)


class DrillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Drill

    held_on = factory.LazyFunction(today)
    kind = DrillKind.FIRE
    participants = 600
    duration_minutes = 5


class EducationActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EducationActivity

    held_on = factory.LazyFunction(today)
    kind = "安全第一课"
    title = factory.Sequence(lambda n: f"开学安全第一课{n}")
    sessions = 12
    participants = 540


class VehicleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vehicle

    kind = VehicleKind.SCHOOL_BUS
    plate = factory.Sequence(lambda n: f"川A{20000 + n:05d}")
    seats = 35
    driver_name = "王师傅"
    driver_licence_expires = in_days(3 * 365)
    inspection_expires = in_days(180)
    insurance_expires = in_days(180)
    gps_fitted = True
    route = "镇中心—村小"


class CanteenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Canteen

    name = factory.Sequence(lambda n: f"学生食堂{n}")
    grade = "A"
    licence_no = factory.Sequence(lambda n: f"JY351092100{n:05d}")
    licence_expires = in_days(2 * 365)
    operation = Canteen.Operation.SELF_RUN


class SecurityResourcesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SecurityResources

    guards_full_time = 2
    cameras = 48
    key_areas_covered = True
    one_key_alarm = True
    alarm_linked_to_police = True
    anti_collision_barriers = True


# Excel helpers for the ledger tests ------------------------------------------


def xlsx(headers: list[str], rows: list[list[Any]], title: str = "台账") -> io.BytesIO:
    """An uploaded workbook, as a browser would send it."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "ledger.xlsx"
    return buffer


def xlsx_rows(content: bytes) -> list[tuple[Any, ...]]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [tuple(r) for r in sheet.iter_rows(values_only=True)]
