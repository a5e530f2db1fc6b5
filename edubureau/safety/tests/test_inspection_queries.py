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
