"""The list pages cost a fixed number of queries, however many rows they show."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from edubureau.safety.models import InspectionStatus
from edubureau.safety.tests.factories_inspections import at, make_self_inspection
from edubureau.testing.factories import SchoolFactory

pytestmark = pytest.mark.time_machine(at(date(2026, 10, 20)))


def count_queries(client, url, params):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx.captured_queries)


def add_schools(cast, n, *, submitted):
    for _ in range(n):
        school = SchoolFactory(bureau=cast.bureau, township=cast.township_a)
        if submitted:
            make_self_inspection(
                school, status=InspectionStatus.SUBMITTED, submitted_at=at(date(2026, 10, 9))
            )


@pytest.mark.parametrize(
    ("name", "submitted"),
    [("safety:inspection-list", True), ("safety:self-inspection-missing", False)],
)
def test_it_lists_with_a_fixed_number_of_queries(cast, client_for, name, submitted):
    client = client_for(cast.leader)
    url = reverse(name)
    add_schools(cast, 2, submitted=submitted)
    client.get(url)  # warm up: session save, the year's working-day calendar
    few = count_queries(client, url, {"period": "2026-10"})
    add_schools(cast, 6, submitted=submitted)
    many = count_queries(client, url, {"period": "2026-10"})
    assert many == few


def test_it_filters_by_date_range_self_by_month_others_by_date(cast, client_for):
    from edubureau.safety.models import Inspection, InspectionKind
    from edubureau.safety.tests.factories_inspections import make_campaign, small_checklist

    january = make_self_inspection(cast.school_a, period=date(2026, 1, 1))
    march = make_self_inspection(cast.school_a, period=date(2026, 3, 1))
    campaign = make_campaign(cast.bureau, schools=[cast.school_a])
    spot = Inspection.objects.create(
        school=cast.school_a,
        kind=InspectionKind.SPECIAL,
        campaign=campaign,
        checklist=small_checklist(cast.bureau),
        inspected_on=date(2026, 2, 10),
    )
    client = client_for(cast.leader)

    def ids(**params) -> set[int]:
        return {i.pk for i in client.get(reverse("safety:inspection-list"), params).context["page"]}

    assert ids(since="2026-02-01", until="2026-02-28") == {spot.pk}
    assert ids(since="2026-01-01", until="2026-03-31") == {january.pk, spot.pk, march.pk}
    assert ids(since="2026-03-01") == {march.pk}
    assert ids(until="2026-13-01") == {january.pk, spot.pk, march.pk}
