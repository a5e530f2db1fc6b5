"""Factories for the safety ledgers. Pass ``school=``; everything else has a
plausible default (dates relative to 2026, when the tests freeze time)."""

from __future__ import annotations

import io
from datetime import date
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
from edubureau.testing.factories import SchoolFactory  # noqa: F401  (for the ledger tests)


class SchoolYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchoolYear
        django_get_or_create = ("bureau", "start_year")

    start_year = 2025
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
    signed_on = date(2025, 9, 10)


class EmergencyPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmergencyPlan

    name = factory.Sequence(lambda n: f"校园安全综合应急预案{n}")
    kind = "综合预案"
    approved_on = date(2025, 9, 1)
    review_due = date(2027, 9, 1)


class DrillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Drill

    held_on = date(2026, 3, 10)
    kind = DrillKind.FIRE
    participants = 600
    duration_minutes = 5


class EducationActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EducationActivity

    held_on = date(2026, 3, 2)
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
    driver_licence_expires = date(2030, 1, 1)
    inspection_expires = date(2027, 1, 1)
    insurance_expires = date(2027, 1, 1)
    gps_fitted = True
    route = "镇中心—村小"


class CanteenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Canteen

    name = factory.Sequence(lambda n: f"学生食堂{n}")
    grade = "A"
    licence_no = factory.Sequence(lambda n: f"JY351092100{n:05d}")
    licence_expires = date(2028, 6, 30)
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
