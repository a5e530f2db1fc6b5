"""Every number of a generated summary equals a count made here over the rows,
without the facts code; a bureau in its first year compares with nothing."""

from __future__ import annotations

from datetime import datetime, time
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import timezone

from edubureau.core.facts import Period
from edubureau.core.officialdoc import OfficialDocument, Section
from edubureau.rectification.models import Status
from edubureau.reports import services
from edubureau.reports.models import Report
from edubureau.safety.models import Drill, Hazard
from edubureau.safety.tests.factories_hazards import hazard_in_state, make_hazard
from edubureau.safety.tests.factories_ledgers import DrillFactory

pytestmark = pytest.mark.django_db


def whole_text(report: Report) -> str:
    doc: OfficialDocument = services.document_of(report)

    def walk(sections: tuple[Section, ...]) -> str:
        return "".join(s.heading + "".join(s.paragraphs) + walk(s.children) for s in sections)

    return "".join(doc.opening) + walk(doc.sections)


def pct(part: int, whole: int) -> str:
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return "100%" if part == whole else f"{value}%"


def draft(cast) -> Report:
    year = timezone.localdate().year
    return services.create_report(
        user=cast.safety_staff, genre_key="annual_safety", period=Period.calendar_year(year)
    )


def test_each_number_is_a_count_over_the_rows(cast):
    today = timezone.localdate()
    last_year = today.replace(year=today.year - 1, month=1, day=1)
    cast.bureau.go_live = last_year.replace(year=last_year.year - 1)
    cast.bureau.save()
    for _ in range(3):
        hazard_in_state(cast, Status.CLOSED)
    make_hazard(cast, school=cast.school_b)
    for _ in range(2):
        hazard_in_state(cast, Status.CLOSED, reported_on=last_year)
    # Closed the day they were found last year (the factory closes them now), so they
    # count as closed within last year's span whatever day of the year the test runs.
    closed_then = timezone.make_aware(datetime.combine(last_year, time(18)))
    Hazard.objects.filter(reported_on=last_year).update(closed_at=closed_then)
    DrillFactory(school=cast.school_a, participants=640)
    DrillFactory(school=cast.school_b, participants=15000)

    text = whole_text(draft(cast))

    mine = Hazard.objects.filter(school__bureau=cast.bureau)
    found = mine.filter(reported_on__year=today.year, reported_on__lte=today).count()
    closed = mine.filter(reported_on__year=today.year, status=Status.CLOSED).count()
    before = mine.filter(reported_on__year=today.year - 1).count()
    before_closed = mine.filter(reported_on__year=today.year - 1, status=Status.CLOSED).count()
    assert (found, closed, before, before_closed) == (4, 3, 2, 2)  # the rows made above
    growth = (Decimal(found - before) * 100 / before).quantize(Decimal("0.01"), ROUND_HALF_UP)
    # A year still running is compared with the same span of last year; on 31 December
    # it is the whole year.
    compared = (
        "比上年" if Period.calendar_year(today.year).to_date(today).kind == "year" else "比上年同期"
    )
    assert f"共排查发现隐患{found}个，{compared}增加{found - before}个，增长{growth}%" in text
    assert f"已整改销号{closed}个，整改率{pct(closed, found)}" in text
    drop = Decimal(100) - Decimal(pct(closed, found).rstrip("%"))
    assert f"{compared}降低{drop}个百分点" in text
    drills = Drill.objects.filter(school__bureau=cast.bureau, held_on__year=today.year)
    people = sum(d.participants for d in drills)
    assert f"开展应急疏散演练{drills.count()}场次" in text
    assert f"参与师生{Decimal(people) / 10000:.2f}".rstrip("0").rstrip(".") + "万人次" in text


def test_a_first_year_bureau_compares_with_nothing(cast):
    today = timezone.localdate()
    cast.bureau.go_live = today.replace(month=1, day=1)
    cast.bureau.save()
    hazard_in_state(cast, Status.CLOSED)
    # Rows of last year exist (typed in by hand before go-live): still no comparison.
    hazard_in_state(cast, Status.CLOSED, reported_on=today.replace(year=today.year - 1, day=1))
    text = whole_text(draft(cast))
    assert "共排查发现隐患1个" in text
    assert "比上年" not in text
    assert "百分点" not in text
