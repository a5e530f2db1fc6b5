"""The statistics dashboard on a county whose figures were worked out by hand (the
expected texts below are written out, not recomputed by the code under test): the
cards (value, 比上年, the gap to the target in force and the light with its word), the
key counts, a city's comparison by county, the drill-down summing to the figure, the
Excel exports, and the number of queries, which does not grow with the townships."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from edubureau.orgs.models import BureauLevel, Role, SchoolKind
from edubureau.orgs.scoping import scope_for, system_scope
from edubureau.stats import dashboard as dash
from edubureau.stats.indicators import BY_CODE, DIRECT, compute
from edubureau.stats.models import LocalTarget, ReturnStatus, TargetKind
from edubureau.stats.tests.factories_returns import census_year, file_return
from edubureau.testing.factories import BureauFactory, SchoolFactory, TownshipFactory, UserFactory

Y = census_year()
QUALIFIED = BY_CODE["teachers_qualified"]
DROPOUT = BY_CODE["primary_dropout"]


def _school(county, township, name, kind):
    return SchoolFactory.create(bureau=county, township=township, name=name, kind=kind)


def _county(parent, name, *, extra_townships=0):
    """Two primary schools (东镇, 西镇) and a junior school (东镇), this year and last.

    This year: 在校生 600 + 300 + 450 = 1350, 招生 100 + 50 + 160 = 310, 专任教师
    40 + 25 + 36 = 101 (学历合格 39 + 25 + 34 = 98); last year 1340, 295, 99 (93)."""
    county = BureauFactory.create(name=f"{name}教育局", short_name=name, parent=parent)
    east = TownshipFactory.create(bureau=county, name=f"{name}东镇", sort_order=1)
    west = TownshipFactory.create(bureau=county, name=f"{name}西镇", sort_order=2)
    p1 = _school(county, east, f"{name}东镇小学", SchoolKind.PRIMARY)
    p2 = _school(county, west, f"{name}西镇小学", SchoolKind.PRIMARY)
    j1 = _school(county, east, f"{name}东镇中学", SchoolKind.JUNIOR)
    file_return(p1, Y, {
        "primary.enrolled": 600, "primary.entrants": 100, "primary.teachers": 40,
        "primary.teachers_qualified": 39, "primary.dropouts": 3,
    })  # fmt: skip
    file_return(p2, Y, {
        "primary.enrolled": 300, "primary.entrants": 50, "primary.teachers": 25,
        "primary.teachers_qualified": 25, "primary.dropouts": 0,
    }, status=ReturnStatus.LOCKED)  # fmt: skip
    file_return(j1, Y, {
        "junior.enrolled": 450, "junior.entrants": 160, "junior.teachers": 36,
        "junior.teachers_qualified": 34,
    })  # fmt: skip
    file_return(p1, Y - 1, {"primary.enrolled": 580, "primary.entrants": 90,
                            "primary.teachers": 38, "primary.teachers_qualified": 36})  # fmt: skip
    file_return(p2, Y - 1, {"primary.enrolled": 320, "primary.entrants": 55,
                            "primary.teachers": 25, "primary.teachers_qualified": 24})  # fmt: skip
    file_return(j1, Y - 1, {"junior.enrolled": 440, "junior.entrants": 150,
                            "junior.teachers": 36, "junior.teachers_qualified": 33})  # fmt: skip
    # A submitted return: counted only in the provisional view.
    pending = _school(county, west, f"{name}西镇待审小学", SchoolKind.PRIMARY)
    figures = {"primary.enrolled": 50, "primary.teachers": 10, "primary.teachers_qualified": 2}
    file_return(pending, Y, figures, status=ReturnStatus.SUBMITTED)
    for i in range(extra_townships):
        town = TownshipFactory.create(bureau=county, name=f"{name}新镇{i}", sort_order=10 + i)
        school = _school(county, town, f"{name}新镇{i}小学", SchoolKind.PRIMARY)
        file_return(school, Y, {"primary.enrolled": 10, "primary.teachers": 1,
                                "primary.teachers_qualified": 1})  # fmt: skip
    county.east, county.west, county.p1, county.p2, county.j1 = east, west, p1, p2, j1
    return county


@pytest.fixture
def city(db):
    province = BureauFactory.create(name="样例省教育厅", level=BureauLevel.PROVINCE)
    city = BureauFactory.create(name="样例市教育局", level=BureauLevel.CITY, parent=province)
    city.province = province
    city.one = _county(city, "一县")
    city.two = _county(city, "二县")
    direct = SchoolFactory.create(
        bureau=city, township=None, name="市直中学", kind=SchoolKind.JUNIOR
    )
    file_return(direct, Y, {"junior.enrolled": 200, "junior.teachers": 20,
                            "junior.teachers_qualified": 20})  # fmt: skip
    return city


def card(board, code):
    return next(c for c in board.cards if c.code == code)


def test_the_cards_of_a_hand_computed_county(city):
    county = city.one
    b = dash.board(system_scope(county), Y, indicator=QUALIFIED)
    qualified = card(b, "teachers_qualified")
    assert qualified.text == "97.03%"  # 98 / 101
    assert qualified.change == "比上年提高3.09个百分点"  # 97.03 − 93.94 (93 / 99)
    assert qualified.judged.target is None and qualified.judged.light_word == "无目标"
    assert card(b, "primary_dropout").text == "0.33%"  # 3 / last year's 900
    assert card(b, "primary_pupil_teacher").text == "13.85:1"  # 900 / 65
    assert card(b, "primary_pupil_teacher").change == ""  # a ratio has no set phrase
    counts = {c.key: (c.value, c.change) for c in b.counts}
    assert counts == {
        "students": (1350, "比上年增加10人，增长0.75%"),
        "entrants": (310, "比上年增加15人，增长5.08%"),
        "teachers": (101, "比上年增加2人，增长2.02%"),
    }
    assert (b.schools_counted, b.schools_in_scope, b.schools_previous) == (3, 4, 3)
    assert b.schools_change == "与上年持平"
    # The provisional view counts the submitted return too: 98 + 2 over 101 + 10.
    provisional = dash.board(system_scope(county), Y, indicator=QUALIFIED, provisional=True)
    assert card(provisional, "teachers_qualified").text == "90.09%"
    assert provisional.schools_counted == 4


def test_a_target_set_by_the_county_gives_the_gap_and_the_light(city):
    county = city.one
    LocalTarget.objects.create(
        bureau=county, indicator="teachers_qualified", kind=TargetKind.LOCAL, year=2025,
        value=Decimal(98), label="本县2025目标",
    )  # fmt: skip
    qualified = card(dash.board(system_scope(county), Y, indicator=QUALIFIED), "teachers_qualified")
    assert qualified.judged.gap == "低于本县2025目标0.97个百分点"  # 97.0297 − 98
    assert (qualified.judged.light, qualified.judged.light_word) == ("amber", "接近目标")


def test_a_city_compared_by_county_equals_the_counties_own_figures(city):
    b = dash.board(system_scope(city), Y, indicator=QUALIFIED)
    area = b.comparisons[0]
    assert area.group == dash.CHILD
    lines = {line.key: line for line in area.lines}
    for county in (city.one, city.two):
        own = compute(system_scope(county), Y, indicators=(QUALIFIED,))["teachers_qualified"]
        line = lines[str(county.pk)]
        assert line.name == county.short_name
        assert (line.measure.numerator, line.measure.denominator) == (own.numerator, 101)
        assert line.text == "97.03%"
    assert lines[DIRECT].name == "市直学校" and lines[DIRECT].text == "100%"
    assert area.total.text == "97.30%"  # (98 + 98 + 20) / (101 + 101 + 20) = 216 / 222
    assert card(b, "teachers_qualified").text == area.total.text
    # The chart draws the same lines and opens their drill-downs.
    assert area.chart["categories"] == ["一县", "二县", "市直学校"]
    assert area.chart["series"][0]["links"][0] == lines[str(city.one.pk)].url


def test_the_drill_down_rows_add_up_to_the_figure(city):
    scope = system_scope(city.one)
    b = dash.board(scope, Y, indicator=QUALIFIED)
    shown = card(b, "teachers_qualified").measure
    whole = dash.drill(scope, Y, indicator=QUALIFIED)
    assert [r.school for r in whole.rows] == ["一县东镇中学", "一县东镇小学", "一县西镇小学"]
    assert sum(r.numerator or 0 for r in whole.rows) == shown.numerator == 98
    assert sum(r.denominator or 0 for r in whole.rows) == shown.denominator == 101
    assert whole.rest is None and whole.figure_text == "97.03%"
    # A township of the comparison: its line's figure is its schools' sum.
    township = next(c for c in b.comparisons if c.group == dash.TOWNSHIP)
    east = next(line for line in township.lines if line.name == "一县东镇")
    part = dash.drill(scope, Y, indicator=QUALIFIED, group=dash.TOWNSHIP, key=east.key)
    assert {r.school for r in part.rows} == {"一县东镇小学", "一县东镇中学"}
    assert sum(r.numerator or 0 for r in part.rows) == east.measure.numerator == 73
    assert sum(r.denominator or 0 for r in part.rows) == east.measure.denominator == 76
    # A kind: only the junior school.
    junior = dash.drill(scope, Y, indicator=QUALIFIED, group=dash.KIND, key="junior")
    assert [(r.school, r.numerator, r.denominator) for r in junior.rows] == [
        ("一县东镇中学", 34, 36)
    ]
    # The dropout rate divides by last year's returns: each school's own.
    dropout = dash.drill(scope, Y, indicator=DROPOUT)
    assert sum(r.numerator or 0 for r in dropout.rows) == 3
    assert sum(r.denominator or 0 for r in dropout.rows) == 900 == dropout.denominator
    # A key count.
    students = dash.drill(scope, Y, count="students")
    assert sum(r.numerator or 0 for r in students.rows) == 1350 == b.counts[0].value


def test_the_drill_down_of_a_school_that_filed_none_this_year_shows_the_rest(city):
    # p2 filed last year only (its this-year return is a draft): the dropout
    # denominator keeps its 320; no listed school carries it.
    county = city.two
    county.p2.stat_returns.filter(school_year__start_year=Y).update(status=ReturnStatus.DRAFT)
    found = dash.drill(system_scope(county), Y, indicator=DROPOUT)
    assert found.denominator == 900
    assert sum(r.denominator or 0 for r in found.rows) == 580
    assert found.rest == (0, 320)


def test_the_drill_down_never_lists_a_school_outside_the_viewers_scope(city, client_for):
    leader = UserFactory.create(bureau=city.one, role=Role.BUREAU_LEADER)
    client = client_for(leader)
    url = reverse("stats:dashboard-schools")
    page = client.get(url, {"indicator": "teachers_qualified", "year": Y})
    assert page.status_code == 200
    assert "一县东镇小学" in page.text and "二县" not in page.text
    # Another county's township or bureau answers 404, through the door.
    assert client.get(url, {"group": "township", "key": city.two.east.pk}).status_code == 404
    assert client.get(url, {"bureau": city.two.pk}).status_code == 404
    assert client.get(url, {"group": "kind", "key": "nonsense"}).status_code == 404
    # The city's leader drills into the second county.
    city_leader = UserFactory.create(bureau=city, role=Role.BUREAU_LEADER)
    page = client_for(city_leader).get(
        url, {"indicator": "teachers_qualified", "year": Y, "group": "child", "key": city.two.pk}
    )
    assert "二县东镇小学" in page.text and "一县东镇小学" not in page.text


def test_township_staff_compare_their_own_schools(city, client_for):
    staff = UserFactory.create(bureau=city.one, role=Role.TOWNSHIP_STAFF, township=city.one.east)
    b = dash.board(scope_for(staff), Y, indicator=QUALIFIED)
    by_school = b.comparisons[0]
    assert by_school.group == dash.SCHOOL
    assert [(line.name, line.text) for line in by_school.lines] == [
        ("一县东镇中学", "94.44%"),  # 34 / 36
        ("一县东镇小学", "97.50%"),  # 39 / 40
    ]
    assert by_school.total.text == "96.05%"  # 73 / 76
    page = client_for(staff).get(reverse("stats:dashboard"), {"year": Y}).text
    assert "一县东镇小学" in page and "一县西镇小学" not in page


def test_the_page_shows_the_cards_with_a_word_beside_the_colour(city, client_for):
    LocalTarget.objects.create(
        bureau=city.one, indicator="teachers_qualified", kind=TargetKind.LOCAL, year=2025,
        value=Decimal(98), label="本县2025目标",
    )  # fmt: skip
    leader = UserFactory.create(bureau=city.one, role=Role.BUREAU_LEADER)
    page = client_for(leader).get(reverse("stats:dashboard"), {"year": Y})
    assert page.status_code == 200
    text = page.text
    assert "97.03%" in text and "比上年提高3.09个百分点" in text
    assert "低于本县2025目标0.97个百分点" in text and "接近目标" in text
    assert "compare-township" in text and "一县东镇" in text


def test_every_table_exports_to_excel(city, client_for):
    leader = UserFactory.create(bureau=city, role=Role.BUREAU_LEADER)
    client = client_for(leader)
    url = reverse("stats:dashboard")
    cards = client.get(url, {"year": Y, "format": "xlsx", "table": "cards"})
    assert cards["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(cards.content)).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][:4] == ["指标", "数值", "分子", "分母"]
    assert ["专任教师学历合格率", "97.30%", 216, 222] in [r[:4] for r in rows]
    child = client.get(url, {"year": Y, "format": "xlsx", "table": "child",
                             "indicator": "teachers_qualified"})  # fmt: skip
    rows = [list(r) for r in load_workbook(io.BytesIO(child.content)).worksheets[0].values]
    assert rows[0][:2] == ["单位", "专任教师学历合格率"]
    assert [r[:4] for r in rows[1:]] == [
        ["一县", "97.03%", 98, 101],
        ["二县", "97.03%", 98, 101],
        ["市直学校", "100%", 20, 20],
        ["合计", "97.30%", 216, 222],
    ]
    counts = client.get(url, {"year": Y, "format": "xlsx", "table": "counts"})
    rows = [list(r) for r in load_workbook(io.BytesIO(counts.content)).worksheets[0].values]
    assert rows[1][:3] == ["在校生（含在园幼儿）", 2900, 2680]  # 1350 × 2 + 200; 1340 × 2
    # A city has no table by township.
    assert client.get(url, {"format": "xlsx", "table": "township"}).status_code == 404
    query = {"year": Y, "indicator": "teachers_qualified", "format": "xlsx"}
    drill = client.get(reverse("stats:dashboard-schools"), query)
    rows = [list(r) for r in load_workbook(io.BytesIO(drill.content)).worksheets[0].values]
    assert rows[0] == ["学校", "乡镇（街道）", "报表状态", "分子", "分母", "专任教师学历合格率"]
    assert rows[-1][3:] == [216, 222, "97.30%"]
    assert sum(r[3] for r in rows[1:-1]) == 216


def _queries(scope):
    with CaptureQueriesContext(connection) as captured:
        dash.board(scope, Y, indicator=QUALIFIED)
    return len(captured)


def test_the_queries_do_not_grow_with_the_townships(db, django_assert_max_num_queries):
    small = _county(None, "小县")
    large = _county(None, "大县", extra_townships=6)
    assert _queries(system_scope(small)) == _queries(system_scope(large))
    with django_assert_max_num_queries(19):
        dash.board(system_scope(large), Y, indicator=BY_CODE["primary_gross"])


def test_the_city_board_reads_a_bounded_number_of_queries(city, django_assert_max_num_queries):
    leader = UserFactory.create(bureau=city, role=Role.BUREAU_LEADER)
    scope = scope_for(leader)
    with django_assert_max_num_queries(24):
        dash.board(scope, Y, indicator=BY_CODE["primary_gross"])


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_board_on_a_phone_and_a_desktop(city, live_server, browser, phone_page, screenshot):
    from edubureau.testing.browser import login

    UserFactory.create(bureau=city, role=Role.BUREAU_LEADER, username="board_leader")
    base = live_server.url
    page = phone_page
    login(page, base, "board_leader")
    page.goto(f"{base}/stats/dashboard/?year={Y}&indicator=teachers_qualified")
    page.wait_for_selector("[data-chart=chart-child] canvas")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    qualified = page.locator("[data-testid=card][data-code=teachers_qualified]")
    assert "97.30%" in qualified.inner_text() and "无目标" in qualified.inner_text()
    screenshot(page, "stats-dashboard-375")
    qualified.click()
    page.wait_for_selector("[data-testid=drill-table]")
    assert page.locator("[data-testid=drill-row]").count() == 7  # 3 + 3 + 市直
    assert page.locator("[data-testid=drill-figure]").inner_text() == "97.30%"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "stats-dashboard-schools-375")
    page.goto(f"{base}/stats/targets/")
    page.fill("#t-year", "2025")
    page.fill("#t-value", "98")
    page.fill("#t-label", "全市2025目标")
    page.select_option("#t-indicator", "teachers_qualified")
    page.click("[data-testid=target-form] button[type=submit]")
    page.wait_for_selector("[data-testid=own-target]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "stats-targets-375")
    page.goto(f"{base}/stats/dashboard/?year={Y}")
    qualified = page.locator("[data-testid=card][data-code=teachers_qualified]").inner_text()
    assert "低于全市2025目标0.70个百分点" in qualified and "接近目标" in qualified
    desk = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    wide = desk.new_page()
    login(wide, base, "board_leader")
    wide.goto(f"{base}/stats/dashboard/?year={Y}&indicator=teachers_qualified")
    wide.wait_for_selector("[data-chart=chart-trend] canvas")
    screenshot(wide, "stats-dashboard-1366")
    desk.close()


def test_a_long_drill_down_is_made_in_the_background_with_the_same_rows(
    city, client_for, settings, tmp_path, django_capture_on_commit_callbacks
):
    from edubureau.downloads.models import Download, Status

    settings.MEDIA_ROOT = tmp_path
    leader = UserFactory.create(bureau=city, role=Role.BUREAU_LEADER)
    client = client_for(leader)
    url = reverse("stats:dashboard-schools")
    query = {"indicator": "teachers_qualified", "format": "xlsx"}  # no year: the latest
    inline = client.get(url, query)
    settings.DOWNLOAD_INLINE_LIMITS = {"stats.drill": 0}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(url, query)
    download = Download.objects.get()
    assert response["Location"] == reverse("downloads:detail", args=[download.pk])
    assert download.status == Status.DONE, download.error
    assert download.params["year"] == [str(Y)]  # pinned when asked
    made = b"".join(client.get(reverse("downloads:file", args=[download.pk])).streaming_content)

    def rows(data):
        return [list(r) for r in load_workbook(io.BytesIO(data)).worksheets[0].values]

    assert rows(made) == rows(inline.content) and rows(made)[-1][3:] == [216, 222, "97.30%"]
