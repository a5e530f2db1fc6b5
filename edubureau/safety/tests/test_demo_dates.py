"""The demo is dated from the day it is built: built on another day (under
time_machine, as ``edubureau demo`` would be run on it), the county demo looks
current on that day, with nothing dated after it and no year of its own fixed.

2027-03-15 is past the years the holiday package knows (the working-day calendar
falls back to Monday–Friday) and in a spring semester; 2030-06-03 is years later,
on the first working day of a month, inside a campaign that has not ended. Each is
built once (a module-scoped fixture per date), inside a transaction rolled back at
the end, like test_demo_safety.py's 2026-11-16 demo."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.db.models import Q

from edubureau.orgs.demo import DemoContext, build_demo
from edubureau.orgs.models import School, SchoolYear
from edubureau.rectification.models import RectificationStep
from edubureau.safety.demo import county_first_month
from edubureau.safety.demo_data import campaigns_between
from edubureau.safety.models import (
    Campaign,
    Drill,
    EducationActivity,
    EmergencyPlan,
    Hazard,
    Inspection,
    InspectionKind,
    InspectionStatus,
    ResponsibilityLetter,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
DATES = [dt.date(2027, 3, 15), dt.date(2030, 6, 3)]


@pytest.fixture(scope="module", params=DATES, ids=str)
def demo(request, django_db_setup, django_db_blocker):
    today: dt.date = request.param
    with django_db_blocker.unblock(), transaction.atomic():
        with time_machine.travel(dt.datetime.combine(today, dt.time(9), tzinfo=SHANGHAI)):
            ctx = build_demo(scale="county")  # the reference date from the clock
        yield ctx
        transaction.set_rollback(True)


@pytest.fixture
def county(demo: DemoContext, db: None) -> DemoContext:
    return demo


def test_it_takes_its_reference_date_from_the_clock(county):
    assert county.reference_date in DATES


def test_it_fills_the_current_month_for_most_schools(county):
    today = county.reference_date
    this_month = today.replace(day=1)
    schools = School.objects.filter(bureau=county.bureau).count()
    self_inspections = Inspection.objects.filter(kind=InspectionKind.SELF)
    submitted = self_inspections.filter(period=this_month, status=InspectionStatus.SUBMITTED)
    assert 0.80 * schools <= submitted.count() < schools  # the demo school's is left
    months = sorted(set(self_inspections.values_list("period", flat=True)))
    assert months[-1] == this_month
    assert months[0] == county_first_month(today)
    assert months[0] <= dt.date(today.year - 1, 1, 1)  # a whole previous calendar year


def test_its_latest_school_year_contains_the_reference_date(county):
    today = county.reference_date
    years = list(SchoolYear.objects.filter(bureau=county.bureau).order_by("start_year"))
    assert len(years) == 3
    assert years[-1].starts_on <= today <= years[-1].ends_on
    current = years[-1].start_year
    assert [y.start_year for y in years] == [current - 2, current - 1, current]
    letters = set(ResponsibilityLetter.objects.values_list("school_year__start_year", flat=True))
    assert letters == {current - 1, current}


def test_it_has_campaigns_of_the_last_year_and_none_unfinished(county):
    today = county.reference_date
    campaigns = Campaign.objects.filter(bureau=county.bureau)
    assert campaigns.filter(ends_on__gte=today - dt.timedelta(days=365)).exists()
    assert not campaigns.filter(ends_on__gte=today).exists()
    assert {"节前", "汛期", "开学前", "督导"} <= set(campaigns.values_list("theme", flat=True))
    for c in campaigns:
        assert Inspection.objects.filter(campaign=c).exists(), c.name


def test_it_dates_no_row_after_the_reference_date(county):
    today = county.reference_date
    assert not Inspection.objects.filter(
        Q(inspected_on__gt=today) | Q(submitted_at__date__gt=today) | Q(created_at__date__gt=today)
    ).exists()
    assert not Hazard.objects.filter(
        Q(reported_on__gt=today)
        | Q(rectified_on__gt=today)
        | Q(verified_at__date__gt=today)
        | Q(closed_at__date__gt=today)
    ).exists()
    assert Hazard.objects.filter(reported_on__gte=today - dt.timedelta(days=30)).exists()
    assert not RectificationStep.objects.filter(created_at__date__gt=today).exists()
    assert not Drill.objects.filter(held_on__gt=today).exists()
    assert Drill.objects.filter(held_on__gte=today - dt.timedelta(days=120)).exists()
    assert not EducationActivity.objects.filter(held_on__gt=today).exists()
    assert not EmergencyPlan.objects.filter(approved_on__gt=today).exists()
    assert not ResponsibilityLetter.objects.filter(signed_on__gt=today).exists()
    assert not Campaign.objects.filter(starts_on__gt=today).exists()


def test_its_names_mention_the_right_years(county):
    today = county.reference_date
    for c in Campaign.objects.filter(bureau=county.bureau):
        assert re.findall(r"(\d{4})年", c.name) == [str(c.starts_on.year)], c.name
    names = Campaign.objects.values_list("name", flat=True)
    named = Counter(int(y) for name in names for y in re.findall(r"(\d{4})年", name))
    assert set(named) <= {today.year - 2, today.year - 1, today.year}
    assert named[today.year - 1] >= 4  # a whole year of campaigns
    current = SchoolYear.objects.filter(bureau=county.bureau).order_by("start_year").last()
    assert current is not None
    assert str(current) == f"{current.start_year}—{current.start_year + 1}学年"


# Without a database ------------------------------------------------------------------


def test_the_campaign_calendar_gives_each_year_its_campaigns():
    plans = campaigns_between(dt.date(2025, 1, 1), dt.date(2026, 11, 16))
    assert [p.starts_on.year for p in plans] == [2025] * 5 + [2026] * 5
    assert "2026年汛期校园安全专项检查" in [p.name for p in plans]
    assert all(p.starts_on < p.ends_on < dt.date(2026, 11, 16) for p in plans)
    later = campaigns_between(dt.date(2028, 9, 1), dt.date(2030, 6, 3))
    assert later[0].name == "2028年中秋国庆节前校园安全抽查"
    assert later[-1].name == "2030年寒假及春节前校园安全抽查"  # 汛期 2030 not over yet


def test_the_county_goes_back_far_enough_for_year_over_year_comparisons():
    assert county_first_month(dt.date(2026, 11, 16)) == dt.date(2025, 1, 1)  # 23 months
    assert county_first_month(dt.date(2026, 12, 2)) == dt.date(2025, 1, 1)  # 24
    assert county_first_month(dt.date(2027, 3, 15)) == dt.date(2025, 9, 1)  # 19
    assert county_first_month(dt.date(2027, 8, 31)) == dt.date(2025, 9, 1)  # 24
    assert county_first_month(dt.date(2027, 9, 1)) == dt.date(2026, 1, 1)  # 21
