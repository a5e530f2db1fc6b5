"""The dashboard up the tree: a province or a city splits by child bureau first (and
its own schools), each part drillable to its own dashboard, down to township and
school; each part's figures are that part's dashboard's; missing self-inspections
and overdue hazards per county are the city's to see; ids outside the viewer's tree
answer 404; the number of queries does not grow with the counties."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse

from edubureau.audit.models import Action, AuditEvent
from edubureau.orgs.models import School
from edubureau.rectification.models import UNRESOLVED_STATUSES
from edubureau.safety.facts.units import MEASURES
from edubureau.safety.models import Hazard, Inspection
from edubureau.safety.selectors.hazards import overdue_q
from edubureau.safety.tests.factories_dashboard import local
from edubureau.safety.tests.scenario_city import TODAY, add_county, build_city
from edubureau.testing.cast import CITY_SCHOOL_MARKER, SIBLING_MARKER
from edubureau.testing.isolation import OTHER_BUREAU_MARKER

URL = "/safety/dashboard/"


@pytest.fixture
def frozen():
    with time_machine.travel(local(TODAY), tick=False):
        yield


@pytest.fixture
def city(cast, frozen):
    return build_city(cast)


def board_of(client, **params):
    response = client.get(URL, {"year": 2026, **params})
    assert response.status_code == 200, response.status_code
    return response.context["board"], response.content.decode()


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_the_city_splits_by_county_and_its_own_schools(city, client_for):
    board, html = board_of(client_for(city.cast.city_safety))
    units = board.units
    assert units is not None and units.grouping == "bureau" and units.heading == "县（区）"
    assert [line.unit.name for line in units.lines] == ["甲县", "乙县", "丁县", "市直"]
    assert 'data-testid="units-table"' in html and "各县（区）情况" in html
    # The total is the city's own headline.
    total = units.total.unit
    assert total.schools == board.completion.due
    assert total.submitted == board.completion.submitted
    assert total.unresolved == board.open_hazards.total.value
    assert total.overdue == board.open_hazards.overdue.value
    assert (total.found, total.closed) == (board.found.value, board.closed.value)
    # No township matrix above the county: the parts are the counties.
    assert board.open_hazards.rows == []


def test_each_countys_row_is_that_countys_own_dashboard(city, client_for):
    client = client_for(city.cast.city_safety)
    board, _ = board_of(client)
    for line in board.units.lines:
        params = query(line.drill)
        assert params["year"] == "2026"
        part, _ = board_of(client, **{k: v for k, v in params.items() if k != "year"})
        unit = line.unit
        assert unit.schools == part.completion.due, unit.name
        assert unit.submitted == part.completion.submitted, unit.name
        assert unit.missing == part.completion.missing, unit.name
        assert unit.unresolved == part.open_hazards.total.value, unit.name
        assert unit.overdue == part.open_hazards.overdue.value, unit.name
        assert (unit.found, unit.closed) == (part.found.value, part.closed.value), unit.name


def test_the_city_sees_missing_self_inspections_and_overdue_hazards_per_county(city, client_for):
    board, html = board_of(client_for(city.cast.city_safety))
    june = TODAY.replace(day=1)
    by_name = {line.unit.name: line for line in board.units.lines}
    for county in city.counties:
        schools = School.objects.filter(bureau=county, is_active=True)
        submitted = Inspection.objects.filter(
            school__in=schools, kind="self", status="submitted", period=june
        ).count()
        overdue = Hazard.objects.filter(overdue_q(TODAY), school__bureau=county).count()
        line = by_name[county.short_name]
        assert (line.unit.missing, line.unit.overdue) == (schools.count() - submitted, overdue)
        assert query(line.missing_url) == {"bureau": str(county.pk), "period": "2026-06"}
        assert query(line.overdue_url) == {"bureau": str(county.pk), "overdue": "1"}
    sibling = by_name["乙县"].unit
    assert sibling.missing == 2 and sibling.overdue == 3  # 戊镇 silent; 4 overdue hazards
    direct = by_name["市直"]
    assert query(direct.drill)["direct"] == "1"
    assert direct.unit.missing == 1  # 甲市第一中学's June report is a draft
    # The overdue list names each school's county.
    assert {line.bureau for line in board.overdue} >= {"甲县", "乙县"}
    assert 'data-testid="unit-missing"' in html and 'data-testid="unit-overdue"' in html


def test_drilling_from_the_city_to_a_county_a_township_and_a_school(city, client_for):
    cast = city.cast
    client = client_for(cast.city_safety)
    board, _ = board_of(client)
    assert [c.label for c in board.crumbs] == ["甲市"]

    county, html = board_of(client, bureau=cast.bureau.pk)
    assert county.scope_label == "甲县教育局全部学校"
    assert county.units.grouping == "township"
    assert [line.unit.name for line in county.units.lines] == ["甲镇", "乙镇"]
    assert [c.label for c in county.crumbs] == ["甲市", "甲县"]
    assert county.crumbs[0].url == f"{URL}?year=2026"
    assert CITY_SCHOOL_MARKER not in html and SIBLING_MARKER not in html

    township_line = county.units.lines[0]
    assert query(township_line.drill) == {"year": "2026", "township": str(cast.township_a.pk)}
    township, _ = board_of(client, township=cast.township_a.pk)
    assert township.units.grouping == "school"
    names = [line.unit.name for line in township.units.lines]
    assert names[:2] == ["甲镇中心小学", "甲镇第二小学"] and "撤并村小" in names
    assert [c.label for c in township.crumbs] == ["甲市", "甲县", "甲镇"]

    school, html = board_of(client, school=cast.school_a.pk)
    assert school.one_school and not school.user_is_school and school.units is None
    assert school.completion.own_status == "已按时提交"
    assert "该校本月自查" in html
    assert [c.label for c in school.crumbs] == ["甲市", "甲县", "甲镇", "甲镇中心小学"]
    assert school.crumbs[-1].url == ""
    # Its overdue hazard opens for the city, which reads (and does not own) it.
    (line,) = [h for h in school.overdue]
    detail = reverse("safety:hazard-detail", args=[line.hazard_id])
    assert detail in html
    assert client.get(detail).status_code == 200


def test_the_citys_own_schools_drill_to_a_list_of_them(city, client_for):
    client = client_for(city.cast.city_safety)
    direct, _ = board_of(client, bureau=city.cast.city.pk, direct=1)
    assert direct.scope_label == "甲市市直学校"
    assert direct.units.grouping == "school"
    assert [line.unit.name for line in direct.units.lines] == [
        s.name for s in sorted(city.direct_schools, key=lambda s: s.name)
    ]
    assert [c.label for c in direct.crumbs] == ["甲市", "市直"]
    one, _ = board_of(client, school=city.cast.city_school.pk)
    assert [c.label for c in one.crumbs] == ["甲市", "市直", city.cast.city_school.name]


def test_the_period_form_keeps_the_narrowing(city, client_for):
    _, html = board_of(client_for(city.cast.city_safety), bureau=city.cast.sibling_bureau.pk)
    assert f'<input type="hidden" name="bureau" value="{city.cast.sibling_bureau.pk}">' in html
    links = [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]+)"', html)]
    for href in links:
        if href.startswith("/safety/"):
            resolve(href.split("?")[0])
    # Every figure's list (the menu's plain links aside) carries the narrowing.
    narrowed = [
        h for h in links if h.startswith(("/safety/hazards/?", "/safety/inspections/")) and "?" in h
    ]
    assert narrowed and all(
        "bureau=" in h or "township=" in h or "school=" in h for h in narrowed
    ), [h for h in narrowed if "bureau=" not in h]


def test_the_province_splits_by_city(city, client_for):
    client = client_for(city.cast.province_safety)
    board, _ = board_of(client)
    assert board.units.grouping == "bureau" and board.units.heading == "市"
    names = [line.unit.name for line in board.units.lines]
    assert names[0] == "甲市" and len(names) == 2  # 甲市, 丙市; the province runs no school
    city_row = board.units.lines[0]
    city_board, _ = board_of(client_for(city.cast.city_safety))
    assert city_row.unit == city_board.units.total.unit.__class__(
        key=city_row.unit.key,
        name=city_row.unit.name,
        params=city_row.unit.params,
        **{m: getattr(city_board.units.total.unit, m) for m in MEASURES},
    )
    drilled, _ = board_of(client, bureau=city.cast.city.pk)
    assert [line.unit.name for line in drilled.units.lines] == ["甲县", "乙县", "丁县", "市直"]
    assert [c.label for c in drilled.crumbs] == ["省教育厅", "甲市"]


def test_a_county_sees_only_its_own_and_ids_beyond_answer_404(city, client_for):
    cast = city.cast
    client = client_for(cast.leader)
    board, html = board_of(client)
    assert board.units.grouping == "township"
    for marker in (SIBLING_MARKER, CITY_SCHOOL_MARKER, OTHER_BUREAU_MARKER, "乙县"):
        assert marker not in html
    for params in (
        {"bureau": cast.sibling_bureau.pk},
        {"bureau": cast.city.pk},
        {"bureau": cast.city.pk, "direct": 1},
        {"school": cast.city_school.pk},
        {"township": cast.sibling_school.township_id},
    ):
        response = client.get(URL, params)
        assert response.status_code == 404, params
        assert SIBLING_MARKER not in response.content.decode()
    assert AuditEvent.objects.filter(actor=cast.leader, action=Action.ACCESS_DENIED).count() == 5
    response = client_for(cast.city_safety).get(URL, {"bureau": cast.other_bureau.pk})
    assert response.status_code == 404


def test_the_inspection_list_honours_a_bureau(city, client_for):
    client = client_for(city.cast.city_safety)
    sibling = city.cast.sibling_bureau
    response = client.get("/safety/inspections/", {"bureau": sibling.pk, "kind": "self"})
    assert response.status_code == 200
    shown = {i.school.bureau_id for i in response.context["page"].object_list}
    assert shown == {sibling.pk}
    assert (
        client_for(city.cast.leader).get("/safety/inspections/", {"bureau": sibling.pk}).status_code
        == 404
    )


def _queries(client, **params) -> int:
    # Counted afresh: a city's and the province's figures are otherwise kept a minute.
    with CaptureQueriesContext(connection) as queries:
        board_of(client, fresh=1, **params)
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_the_counties(city, client_for):
    city_client = client_for(city.cast.city_safety)
    province_client = client_for(city.cast.province_safety)
    board_of(city_client)  # warm caches
    board_of(province_client)
    before = (_queries(city_client), _queries(province_client))
    county_before = _queries(city_client, bureau=city.cast.bureau.pk)
    add_county(city.cast.city, "戊县", schools=4)
    add_county(city.cast.city, "己县", schools=3)
    assert (_queries(city_client), _queries(province_client)) == before
    assert _queries(city_client, bureau=city.cast.bureau.pk) == county_before
    board, _ = board_of(city_client, fresh=1)
    assert len(board.units.lines) == 6
    assert max(before) <= 45


def test_open_hazards_the_parts_count_are_the_citys(city, client_for):
    board, _ = board_of(client_for(city.cast.city_safety))
    open_rows = Hazard.objects.filter(
        school__bureau__path__startswith=city.cast.city.path, status__in=UNRESOLVED_STATUSES
    ).count()
    assert sum(line.unit.unresolved for line in board.units.lines) == open_rows


def test_a_township_and_an_inspector_split_their_schools_their_own_way(city, client_for):
    cast = city.cast
    township, html = board_of(client_for(cast.township_staff))
    assert township.scope_label == "甲镇" and township.units.grouping == "school"
    assert {line.unit.name for line in township.units.lines} == {
        "甲镇中心小学",
        "甲镇第二小学",
        "撤并村小",
    }
    assert 'data-testid="crumbs"' not in html  # nothing above to go back to
    school, _ = board_of(client_for(cast.township_staff), school=cast.school_a.pk)
    assert [c.label for c in school.crumbs] == ["甲镇", "甲镇中心小学"]
    assert client_for(cast.township_staff).get(URL, {"school": cast.school_b.pk}).status_code == 404
    inspector, _ = board_of(client_for(cast.inspector))
    assert inspector.scope_label == "责任区学校" and inspector.units.grouping == "township"
    assert [line.unit.name for line in inspector.units.lines] == ["甲镇"]
    assert inspector.units.total.unit.schools == 1
