"""The safety dashboard: the numbers it shows are the facts, a school sees only its
own, every figure links to a list, charts get their data from json_script, and the
number of queries does not grow with the number of schools."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse

from edubureau.core.calendar import working_days_between
from edubureau.core.facts import Period
from edubureau.orgs.scoping import scope_for
from edubureau.safety.facts import safety_facts
from edubureau.safety.models import Hazard
from edubureau.safety.tests.factories_dashboard import local, make_hazard_row
from edubureau.safety.tests.scenario_2026 import TODAY, build_dataset, many_schools
from edubureau.testing.cast import SCHOOL_B_MARKER

URL = "/safety/dashboard/"
YEAR = Period.calendar_year(2026)


@pytest.fixture
def frozen():
    with time_machine.travel(local(TODAY), tick=False):
        yield


@pytest.fixture
def data(cast, frozen):
    return build_dataset(cast)


def hrefs(html: str) -> list[str]:
    return [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]+)"', html)]


def test_it_shows_the_bureau_the_same_numbers_as_the_facts(data, client_for):
    response = client_for(data.cast.leader).get(URL, {"year": 2026})
    assert response.status_code == 200
    board = response.context["board"]
    facts = safety_facts(scope=scope_for(data.cast.leader), period=YEAR)
    for shown, key in (
        (board.found, "hazards.found"),
        (board.closed, "hazards.closed"),
        (board.rectification_rate, "hazards.rectification_rate"),
        (board.median_days, "hazards.median_days_to_close"),
        (board.repeats_total, "hazards.repeats"),
    ):
        assert shown.value == facts[key].value, key
        assert shown.source == facts[key].source, key
    vehicles = board.coverage.vehicles_expiring
    assert vehicles.value == facts["vehicles.expiring"].value == 2
    html = response.content.decode()
    assert '<div class="n">12</div><div class="l">2026年排查发现隐患' in html
    assert "33.3%" in html  # rectification rate, rounded half-up for display
    # June 2026: four active schools, A and B submitted, C (draft) and D missing.
    completion = board.completion
    assert (completion.due, completion.submitted, completion.missing) == (4, 2, 2)
    assert {s.name for s in completion.missing_schools} == {"甲镇第二小学", "乙镇幼儿园"}
    assert board.open_hazards.total.value == 8
    assert board.open_hazards.overdue.value == 3
    # Ledger coverage: this school year (2025—2026) and this semester (February–August).
    coverage = board.coverage
    assert coverage.school_year == "2025—2026学年"
    assert [(t.signed, t.due) for t in coverage.letters] == [(2, 2), (78, 80), (590, 600)]
    assert coverage.drills.value == 3 and coverage.schools_without_drill.value == 2


def test_it_lists_overdue_hazards_most_overdue_first_with_links(data, client_for):
    response = client_for(data.cast.safety_staff).get(URL)
    board = response.context["board"]
    deadlines = [line.deadline for line in board.overdue]
    assert deadlines == sorted(deadlines) and len(deadlines) == 3
    html = response.content.decode()
    for line in board.overdue:
        assert reverse("safety:hazard-detail", args=[line.hazard_id]) in html
    assert board.overdue[0].days > board.overdue[-1].days


def test_overdue_lines_count_working_days_and_show_the_hazards_fields(data, client_for):
    board = client_for(data.cast.safety_staff).get(URL).context["board"]
    hazards = {h.pk: h for h in Hazard.objects.select_related("school", "category")}
    for line in board.overdue:
        hazard = hazards[line.hazard_id]
        assert line.days == working_days_between(line.deadline, board.today) > 0
        assert (line.school, line.category) == (hazard.school.name, hazard.category.name)
        assert line.severity == hazard.get_severity_display()
        assert (line.deadline, line.escalation) == (hazard.deadline, hazard.overdue_level)
        assert line.description == hazard.description


def test_the_overdue_list_selects_what_the_overdue_filter_selects(cast, frozen):
    # The list is hand-written SQL; overdue_q (the hazard list's ?overdue=1) is the
    # definition. More overdue hazards than the list shows, deadline ties broken by
    # report date, and hazards that must never appear: not overdue yet, rectified or
    # closed with an old deadline, another bureau's.
    from edubureau.rectification.models import Status
    from edubureau.safety.selectors.dashboard import OVERDUE_TOP, safety_dashboard
    from edubureau.safety.selectors.hazards import HazardFilter, hazard_list

    for i in range(OVERDUE_TOP + 4):
        make_hazard_row(
            cast.school_a if i % 2 else cast.school_b,
            reported_on=date(2026, 3, 3 - i % 3),
            status=Status.PLANNED if i % 3 else Status.REPORTED,
            deadline=date(2026, 4, 1 + i // 3),
        )
    for status in (Status.RECTIFIED, Status.CLOSED):
        make_hazard_row(
            cast.school_a, reported_on=date(2026, 1, 5), status=status, deadline=date(2026, 1, 10)
        )
    make_hazard_row(cast.school_a, reported_on=TODAY, deadline=TODAY)
    make_hazard_row(cast.other_school, reported_on=date(2026, 1, 5), deadline=date(2026, 1, 10))

    board = safety_dashboard(scope=scope_for(cast.leader), period=YEAR, today=TODAY)
    expected = hazard_list(user=cast.leader, filters=HazardFilter(overdue=True), today=TODAY)
    expected = expected.order_by("deadline", "reported_on", "pk")[:OVERDUE_TOP]
    assert [line.hazard_id for line in board.overdue] == [h.pk for h in expected]
    assert len(board.overdue) == OVERDUE_TOP
    mine = safety_dashboard(scope=scope_for(cast.school_a_officer), period=YEAR, today=TODAY)
    assert {line.school for line in mine.overdue} == {cast.school_a.name}


def test_it_shows_a_school_only_its_own_numbers(data, client_for):
    response = client_for(data.cast.school_a_officer).get(URL, {"year": 2026})
    assert response.status_code == 200
    board = response.context["board"]
    mine = safety_facts(scope=scope_for(data.cast.school_a_officer), period=YEAR)
    assert board.user_is_school
    assert board.found.value == mine["hazards.found"].value == 3
    assert board.open_hazards.total.value == 1
    assert board.open_hazards.overdue.value == 1
    assert board.completion.own_status == "已按时提交"
    assert board.coverage.drills.value == 2
    html = response.content.decode()
    for other in (SCHOOL_B_MARKER, "甲镇第二小学", "乙镇幼儿园", "外局标记"):
        assert other not in html
    assert 'data-testid="circulars"' not in html  # schools do not download circulars
    assert 'data-testid="missing-townships"' not in html


def test_it_shows_an_inspector_only_their_assigned_schools(data, client_for):
    response = client_for(data.cast.inspector).get(URL, {"year": 2026})
    board = response.context["board"]
    assert board.found.value == 3  # school A's
    assert board.completion.due == 1
    assert SCHOOL_B_MARKER not in response.content.decode()


def test_it_links_every_figure_to_a_list_that_exists(data, client_for):
    html = client_for(data.cast.leader).get(URL, {"year": 2026}).content.decode()
    links = [h for h in hrefs(html) if h.startswith("/safety/")]
    assert len(links) > 40
    for href in links:
        resolve(href.split("?")[0])  # raises Resolver404 for a list that does not exist
    assert "/safety/inspections/missing/?period=2026-06" in links
    assert "/safety/inspections/?kind=self&period=2026-06&status=submitted" in links
    assert "/safety/hazards/?status=unresolved" in links
    assert "/safety/hazards/?overdue=1" in links
    township_b = data.cast.township_b.pk
    fire_b = f"/safety/hazards/?status=unresolved&category=fire&township={township_b}"
    assert f"{fire_b}&severity=critical" in links
    assert "/safety/ledgers/vehicles/?expiring=30" in links


def test_it_embeds_chart_data_as_json_and_no_inline_script(data, client_for):
    response = client_for(data.cast.leader).get(URL)
    html = response.content.decode()
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert "vendor/echarts/echarts-5.6.0.min.js" in html and "js/charts.js" in html
    found = re.search(r'<script id="chart-open" type="application/json">(.*?)</script>', html)
    assert found is not None
    chart = json.loads(found.group(1))
    board = response.context["board"]
    assert sum(sum(s["data"]) for s in chart["series"]) == board.open_hazards.total.value
    trend = json.loads(
        re.search(r'<script id="chart-trend" type="application/json">(.*?)</script>', html).group(1)
    )
    assert len(trend["categories"]) == 12 and trend["categories"][-1] == "2026-06"
    assert all(link.startswith("/safety/hazards/?") for s in trend["series"] for link in s["links"])


def test_it_reads_a_month_and_refuses_a_bad_period_with_a_message(data, client_for):
    client = client_for(data.cast.leader)
    board = client.get(URL, {"year": 2026, "month": 3}).context["board"]
    assert board.period.label == "2026年3月"
    assert board.completion.month.label == "2026年3月"
    assert board.completion.submitted == 2  # school B missed March
    assert board.found.value == 4  # hazards found in March 2026
    response = client.get(URL, {"year": "二〇二六", "month": "13"})
    assert response.status_code == 200
    assert response.context["board"].period == YEAR
    assert "无法识别的统计期间" in response.content.decode()


def test_it_shows_the_chosen_years_trend_ending_in_december(data, client_for):
    board = client_for(data.cast.leader).get(URL, {"year": 2025}).context["board"]
    assert board.trend[-1].month.isoformat() == "2025-12-01"
    assert board.completion.month.label == "2025年12月"
    assert board.found.value == 4


def _dashboard_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, {"year": 2026}).status_code == 200
    return len(queries)


def test_it_runs_the_same_number_of_queries_for_30_and_60_schools(
    cast, frozen, client_for, django_assert_max_num_queries
):
    townships = [cast.township_a.pk, cast.township_b.pk]
    many_schools(cast.bureau, townships, 30)
    client = client_for(cast.leader)
    client.get(URL)  # warm caches (calendar year, content types)
    with django_assert_max_num_queries(40):
        thirty = _dashboard_queries(client)
    many_schools(cast.bureau, townships, 30)
    with django_assert_max_num_queries(40):
        sixty = _dashboard_queries(client)
    assert thirty == sixty
    board = client.get(URL).context["board"]
    assert board.completion.due == 62  # 60 + schools A and B
    assert board.open_hazards.total.value == 60


def test_it_shows_administrators_the_bureau_and_nothing_of_another(data, client_for):
    board = client_for(data.cast.admin).get(URL, {"year": 2026}).context["board"]
    assert board.found.value == 12
    response = client_for(data.cast.other_admin).get(URL, {"year": 2026})
    other = response.context["board"]
    assert other.found.value == 1  # the other bureau's one hazard
    assert other.completion.due == 1
    html = response.content.decode()
    assert SCHOOL_B_MARKER not in html and "甲镇中心小学" not in html
    assert 'data-testid="circulars"' not in html  # administrators do not download circulars


def test_it_breaks_open_hazards_down_by_township_only_for_those_with_most(
    data, client_for, monkeypatch
):
    from edubureau.rectification.models import UNRESOLVED_STATUSES
    from edubureau.safety.models import Hazard
    from edubureau.safety.selectors import dashboard

    # Four open hazards in each township; a fifth puts township B ahead.
    make_hazard_row(data.cast.school_b, reported_on=date(2026, 6, 1))
    open_rows = Hazard.objects.filter(
        school__bureau=data.cast.bureau, status__in=UNRESOLVED_STATUSES
    )
    per_township = Counter(h.school.township_id for h in open_rows)
    per_category = Counter(h.category_key for h in open_rows)
    assert len(per_township) == 2 and len(set(per_township.values())) == 2
    monkeypatch.setattr(dashboard, "OPEN_TOWNSHIPS", 1)
    response = client_for(data.cast.leader).get(URL, {"year": 2026})
    shown = response.context["board"].open_hazards
    (top, _), *_ = per_township.most_common()
    assert top == data.cast.township_b.pk
    assert {r.township_id for r in shown.rows} == {top}
    assert sum(r.total.count for r in shown.rows) == per_township[top]
    assert shown.more_townships
    # Totals by category cover every township.
    assert {r.category_key: r.total.count for r in shown.by_category} == dict(per_category)
    assert sum(r.total.count for r in shown.by_category) == shown.total.value == 9
    html = response.content.decode()
    assert 'data-testid="open-more-townships"' in html and "查看全部未整改隐患" in html
    monkeypatch.setattr(dashboard, "OPEN_TOWNSHIPS", 2)
    shown = client_for(data.cast.leader).get(URL, {"year": 2026}).context["board"].open_hazards
    assert {r.township_id for r in shown.rows} == set(per_township) and not shown.more_townships


def test_each_trend_point_counts_what_its_list_shows_on_local_month_boundaries(
    cast, frozen, client_for
):
    from edubureau.rectification.models import Status

    school = cast.school_a
    # Closed at 00:30 on 1 May in Beijing is 30 April in UTC: a May close.
    make_hazard_row(
        school,
        reported_on=date(2026, 4, 20),
        status=Status.CLOSED,
        closed_at=local(date(2026, 5, 1), 0, 30),
    )
    # Closed at 23:30 on 31 May in Beijing: still May.
    make_hazard_row(
        school,
        reported_on=date(2026, 5, 2),
        status=Status.CLOSED,
        closed_at=local(date(2026, 5, 31), 23, 30),
    )
    # Found before the trend's twelve months, closed inside them: a close only.
    make_hazard_row(
        school,
        reported_on=date(2025, 5, 10),
        status=Status.CLOSED,
        closed_at=local(date(2026, 2, 3)),
    )
    # Found inside, closed after the trend's last month: a find only.
    make_hazard_row(school, reported_on=date(2026, 6, 1), status=Status.RECTIFIED)
    client = client_for(cast.leader)
    board = client.get(URL, {"year": 2026}).context["board"]
    by_month = {p.month: p for p in board.trend}
    assert by_month[date(2026, 4, 1)].found.count == 1
    assert by_month[date(2026, 5, 1)].found.count == 1
    assert by_month[date(2026, 5, 1)].closed.count == 2
    assert by_month[date(2026, 4, 1)].closed.count == 0
    assert by_month[date(2026, 2, 1)].closed.count == 1
    assert by_month[date(2026, 6, 1)].found.count == 1
    assert sum(p.found.count for p in board.trend) == 3
    for point in board.trend:
        for cell in (point.found, point.closed):
            listed = client.get(cell.url).context["page"].paginator.count
            assert listed == cell.count, (point.month, cell.url)
