"""The demo as a tree: the county demo under its city and province, the city demo
(8 counties and districts, 市直 schools) and the plan of the province demo."""

from __future__ import annotations

import io
import time
from collections import Counter
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from edubureau.orgs.demo import DEMO_PASSWORD, DemoContext, build_demo, find_demo_bureau
from edubureau.orgs.demo_plan import plan_organisation
from edubureau.orgs.management.commands import demo as demo_command
from edubureau.orgs.models import (
    Bureau,
    BureauLevel,
    Role,
    School,
    SchoolTransfer,
    Township,
    User,
)
from edubureau.testing.dates import today

REFERENCE_DATE = date(2026, 11, 16)


@pytest.fixture
def city(db: None) -> DemoContext:
    return build_demo(scale="city", contributors=[], reference_date=REFERENCE_DATE)


def _logs_in(username: str) -> bool:
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})
    return response.status_code == 302 and client.get(reverse("home")).status_code == 200


def test_the_county_demo_builds_in_a_few_seconds_under_its_city_and_province(db):
    started = time.perf_counter()
    ctx = build_demo(scale="county", contributors=[], reference_date=REFERENCE_DATE)
    elapsed = time.perf_counter() - started
    assert elapsed < 5, f"the county organisation took {elapsed:.1f} s"
    assert ctx.bureau.level == BureauLevel.COUNTY
    assert [c.bureau for c in ctx.tree] == [ctx.bureau]  # the parents are bare nodes
    province, city = Bureau.objects.filter(pk__in=ctx.bureau.ancestor_ids)
    assert (province.level, province.region_code) == (BureauLevel.PROVINCE, "510000")
    assert (city.level, city.region_code) == (BureauLevel.CITY, "510900")
    assert not School.objects.filter(bureau__in=[province, city]).exists()
    assert not User.objects.filter(bureau__in=[province, city]).exists()
    assert find_demo_bureau() == ctx.bureau


def test_the_city_demo_has_counties_city_schools_and_about_2000_schools(city):
    bureau = city.bureau
    assert (bureau.name, bureau.level, bureau.region_code) == ("示例市教育局", "city", "510900")
    assert bureau.parent is not None and bureau.parent.level == BureauLevel.PROVINCE
    counties = list(bureau.children.all())
    assert 7 <= len(counties) <= 9
    assert all(c.level == BureauLevel.COUNTY for c in counties)
    assert "示例县教育局" in {c.name for c in counties}
    # 6-digit division codes under the city's: districts 5109 02/03, counties 5109 21…
    codes = [c.region_code for c in counties]
    assert all(len(c) == 6 and c.startswith("5109") and not c.endswith("00") for c in codes)
    assert len(set(codes)) == len(codes)
    city_schools = School.objects.filter(bureau=bureau)
    assert 30 <= city_schools.count() <= 50
    assert not city_schools.filter(township__isnull=False).exists()
    assert {s.area_name for s in city_schools} == {"市直"}
    total = School.objects.filter(bureau__in=bureau.subtree())
    assert 1800 <= total.count() <= 2200
    assert Township.objects.filter(bureau__in=counties).count() == 15 * len(counties)
    per_county = Counter(total.exclude(bureau=bureau).values_list("bureau_id", flat=True))
    assert set(per_county) == {c.pk for c in counties}
    assert all(200 <= n <= 300 for n in per_county.values())
    identifiers = list(total.values_list("identifier", flat=True))
    assert all(len(i) == 10 and i.isdigit() for i in identifiers)
    assert {c.bureau for c in city.tree} == {bureau, *counties}
    assert find_demo_bureau() == bureau


def test_the_city_demo_prints_logins_at_every_level_and_each_works(city):
    listed = {login.user.username: login.user for login in city.logins}
    levels = {u.bureau.level for u in listed.values() if u.bureau}
    assert levels == {BureauLevel.CITY, BureauLevel.COUNTY}
    roles = Counter(u.role for u in listed.values())
    assert roles[Role.BUREAU_LEADER] == 2  # the city's and the county's
    assert roles[Role.TOWNSHIP_STAFF] == 1
    assert roles[Role.SCHOOL_USER] == 3
    assert {"shi.leader", "shi.safety", "shi.admin", "leader", "safety", "zhongxin"} <= set(listed)
    for username in listed:
        assert _logs_in(username), username


def test_each_demo_login_sees_its_own_subtree(city):
    city_leader = User.objects.get(username="shi.leader")
    county_leader = User.objects.get(username="leader")
    township = User.objects.get(username="zhongxin")
    all_schools = School.objects.filter(bureau__in=city.bureau.subtree()).count()
    assert School.objects.visible_to(city_leader).count() == all_schools
    county = county_leader.bureau
    assert set(School.objects.visible_to(county_leader)) == set(
        School.objects.filter(bureau=county)
    )
    seen = School.objects.visible_to(township)
    assert seen.exists() and set(seen.values_list("township", flat=True)) == {township.township_id}
    # Other counties have their accounts too (their safety data needs them).
    other = Bureau.objects.filter(parent=city.bureau).exclude(pk=county.pk).first()
    assert other is not None
    assert User.objects.get(username=f"{other.region_code}.safety").bureau == other


def test_a_smaller_city_keeps_the_tree(db):
    ctx = build_demo(scale="city", contributors=[], reference_date=REFERENCE_DATE, schools=300)
    counties = Bureau.objects.filter(parent=ctx.bureau)
    assert counties.count() == 8
    assert School.objects.filter(bureau__in=ctx.bureau.subtree()).count() == 300
    assert School.objects.filter(bureau=ctx.bureau).count() == 6


def test_the_province_plan_has_14_cities_100_counties_and_30000_schools():
    plan = plan_organisation(scale="province")
    levels = Counter(b.level for b in plan.bureaus)
    assert levels == {BureauLevel.PROVINCE: 1, BureauLevel.CITY: 14, BureauLevel.COUNTY: 100}
    codes = [b.code for b in plan.bureaus]
    assert len(set(codes)) == len(codes) and all(len(c) == 6 and c.isdigit() for c in codes)
    by_code = {b.code: b for b in plan.bureaus}
    for b in plan.bureaus:
        if b.parent:
            head = 2 if b.level == BureauLevel.CITY else 4
            assert b.code[:head] == b.parent[:head], b
            assert by_code[b.parent].level != b.level
    assert len(plan.schools) == 30000
    direct = Counter(s.bureau for s in plan.schools if not s.township)
    assert 15 <= direct["510000"] <= 25  # 省直
    city_counts = [n for code, n in direct.items() if code != "510000"]
    assert len(city_counts) == 14 and all(30 <= n <= 50 for n in city_counts)
    assert len({b.name for b in plan.bureaus}) == len(plan.bureaus)
    assert {"示例省教育厅", "示例市教育局", "示例县教育局"} <= {b.name for b in plan.bureaus}
    listed = {a.username for a in plan.accounts if a.listed}
    assert {"sheng.leader", "sheng.safety", "sheng.admin", "shi.leader", "leader"} <= listed
    assert "zhongxin" in listed


def test_the_command_asks_for_postgresql_at_province_scale(db, monkeypatch, settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    monkeypatch.setattr(demo_command, "is_postgresql", lambda: False)
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("demo", "--no-serve", "--scale", "province", stdout=io.StringIO())
    assert not Bureau.objects.exists()


def test_the_city_demo_moves_one_school_into_the_demo_county_on_its_day(db):
    day = today()
    build_demo(scale="city", contributors=[], reference_date=day, schools=300)
    transfer = SchoolTransfer.objects.select_related("school", "from_bureau").get()
    county = User.objects.get(username="leader").bureau
    assert transfer.school.bureau == county and transfer.moved_on == day
    assert transfer.from_bureau.parent_id == county.parent_id
    assert county.parent_id is not None


def test_a_demo_dated_ahead_of_the_clock_moves_no_school(db):
    ahead = today() + timedelta(days=30)
    build_demo(scale="city", contributors=[], reference_date=ahead, schools=300)
    assert not SchoolTransfer.objects.exists()
