"""A bureau's own targets: the target in force (nearest bureau wins for the same
indicator, kind and year; the strictest provincial or local one; else the national
one) and its effect on the light; who may set them; their checks, audit and
concurrency; the page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from edubureau.audit.models import Action, AuditEvent
from edubureau.core.concurrency import EditConflict
from edubureau.orgs.models import BureauLevel, Role
from edubureau.rectification.lifecycle import NotAllowed
from edubureau.stats import dashboard as dash
from edubureau.stats import target_services as ts
from edubureau.stats.indicators import BY_CODE, Measure
from edubureau.stats.models import LocalTarget, TargetKind
from edubureau.stats.targets import GREEN, RED, target_for, targets_in_force
from edubureau.stats.tests.people import stats_staff
from edubureau.testing.factories import (
    BureauFactory,
    DepartmentFactory,
    SchoolFactory,
    UserFactory,
)

QUALIFIED = BY_CODE["teachers_qualified"]


@pytest.fixture
def tree(db):
    province = BureauFactory.create(name="目标省教育厅", level=BureauLevel.PROVINCE)
    city = BureauFactory.create(name="目标市教育局", level=BureauLevel.CITY, parent=province)
    county = BureauFactory.create(name="目标县教育局", short_name="目标县", parent=city)
    return province, city, county


def _set(bureau, value, *, kind=TargetKind.LOCAL, year=2025, label="", indicator=None):
    return LocalTarget.objects.create(
        bureau=bureau,
        indicator=indicator or "teachers_qualified",
        kind=kind,
        year=year,
        value=Decimal(value),
        label=label or f"{bureau.name}{year}目标",
    )


def test_the_nearest_bureau_wins_and_the_strictest_kind_is_in_force(tree):
    province, city, county = tree
    _set(province, "97", kind=TargetKind.PROVINCIAL, label="全省2025目标")
    _set(city, "96", label="全市2025目标")
    _set(county, "98", label="本县2025目标")
    chain = targets_in_force(county)
    assert [t.label for t in chain.own] == ["本县2025目标"]
    # The city's local target is overridden by the county's (same indicator, kind, year).
    assert [t.label for t in chain.inherited] == ["全省2025目标"]
    assert chain.in_force("teachers_qualified", 2025).label == "本县2025目标"  # type: ignore[union-attr]
    # Without its own, the county answers to the stricter of the city's 96 and the
    # province's 97.
    LocalTarget.objects.filter(bureau=county).delete()
    chain = targets_in_force(county)
    assert chain.in_force("teachers_qualified", 2025).label == "全省2025目标"  # type: ignore[union-attr]
    # The city sees none of the county's.
    assert {t.label for t in targets_in_force(city).rows} == {"全省2025目标", "全市2025目标"}


def test_a_local_target_changes_the_light(tree):
    _, city, county = tree
    value = Measure(QUALIFIED, 9000, 10000)  # 90.00%
    national_only = targets_in_force(county)
    assert national_only.in_force("teachers_qualified", 2025) is None
    assert dash.judge(value, None).light_word == "无目标"
    _set(city, "85", label="全市2025目标")
    met = dash.judge(value, targets_in_force(county).in_force("teachers_qualified", 2025))
    assert (met.light, met.light_word) == (GREEN, "达标")
    assert met.gap == "高出全市2025目标5.00个百分点"
    # A stricter provincial target joins the city's local one and is the one in force.
    _set(county, "96", kind=TargetKind.PROVINCIAL, label="本县2025省定目标")
    short = dash.judge(value, targets_in_force(county).in_force("teachers_qualified", 2025))
    assert (short.light, short.light_word) == (RED, "未达标")  # 6 points short
    assert short.gap == "低于本县2025省定目标6.00个百分点"


def test_a_local_target_replaces_the_national_one_even_when_looser(tree):
    # The rule: a provincial or local target in force replaces the national one, even
    # when looser (the bureau's own planning answers to it); documented in the README.
    _, _, county = tree
    national = target_for("consolidation_9", 2025)
    assert national is not None and national.value == Decimal(96)
    _set(county, "95", indicator="consolidation_9", label="本县2025目标")
    chosen = targets_in_force(county).in_force("consolidation_9", 2025)
    assert chosen is not None and chosen.label == "本县2025目标"


def test_the_planning_year_in_force_follows_the_census_year(tree):
    _, _, county = tree
    _set(county, "95", year=2025, label="本县2025目标")
    _set(county, "97", year=2030, label="本县2030目标")
    chain = targets_in_force(county)
    assert chain.in_force("teachers_qualified", 2024).label == "本县2025目标"  # type: ignore[union-attr]
    assert chain.in_force("teachers_qualified", 2026).label == "本县2030目标"  # type: ignore[union-attr]
    assert chain.in_force("teachers_qualified", 2031).label == "本县2030目标"  # type: ignore[union-attr]


def _input(**changes):
    typed = {
        "indicator": "teachers_qualified",
        "kind": TargetKind.LOCAL,
        "year": "2025",
        "value": "98.5",
        "comparison": ">=",
        "label": "本县(2025)目标",
        "source": "《目标县教育发展规划》",
    }
    return ts.TargetInput(**(typed | changes))


def test_the_statistics_staff_and_leaders_set_their_bureaus_targets(tree):
    _, city, county = tree
    staff = stats_staff(county)
    row = ts.target_save(actor=staff, data=_input())
    assert row.bureau == county and row.value == Decimal("98.50")
    assert row.label == "本县（2025）目标"  # full-width
    assert AuditEvent.objects.filter(action=Action.CREATE, object_id=str(row.pk)).exists()
    leader = UserFactory.create(bureau=county, role=Role.BUREAU_LEADER)
    changed = ts.target_save(
        actor=leader, data=_input(value="99"), target=row, loaded_version=row.updated_at.isoformat()
    )
    assert changed.value == Decimal(99)
    with pytest.raises(EditConflict):
        ts.target_save(actor=leader, data=_input(value="97"), target=row, loaded_version="stale")
    # The city's leader reads the county's target but does not change or delete it.
    city_leader = UserFactory.create(bureau=city, role=Role.BUREAU_LEADER)
    with pytest.raises(NotAllowed):
        ts.target_save(actor=city_leader, data=_input(), target=row)
    with pytest.raises(NotAllowed):
        ts.target_delete(actor=city_leader, target=row)
    ts.target_delete(actor=leader, target=row)
    assert not LocalTarget.objects.filter(pk=row.pk).exists()
    assert AuditEvent.objects.filter(action=Action.DELETE, object_id=str(row.pk)).exists()


def test_others_cannot_set_targets(tree):
    _, _, county = tree
    school = SchoolFactory.create(bureau=county)
    for user in (
        UserFactory.create(bureau=county, role=Role.SCHOOL_USER, school=school),
        UserFactory.create(bureau=county, role=Role.ADMINISTRATOR),
        UserFactory.create(
            bureau=county,
            role=Role.DEPARTMENT_STAFF,
            department=DepartmentFactory.create(bureau=county, code="safety", name="安全股"),
        ),  # not statistics
    ):
        assert not ts.can_set_targets(user)
        with pytest.raises(NotAllowed):
            ts.target_save(actor=user, data=_input())
    assert not LocalTarget.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"indicator": "vocational_share"}, "indicator"),  # no sense to aim at
        ({"indicator": "nonsense"}, "indicator"),
        ({"comparison": "<="}, "comparison"),  # a rate that should be high
        ({"value": "200.01"}, "value"),
        ({"value": "-1"}, "value"),
        ({"value": "95.123"}, "value"),
        ({"value": "九十"}, "value"),
        ({"year": "1999"}, "year"),
        ({"year": "2101"}, "year"),
        ({"label": "  "}, "label"),
        ({"label": "目" * 41}, "label"),
        ({"kind": "national"}, "kind"),
    ],
)
def test_a_bad_target_is_refused_with_its_reason(tree, changes, field):
    staff = stats_staff(tree[2])
    with pytest.raises(ts.TargetInvalid) as refused:
        ts.target_save(actor=staff, data=_input(**changes))
    assert field in refused.value.errors
    message = refused.value.errors[field]
    assert not any(mark in message for mark in ",;:()?!")  # full-width punctuation
    assert not LocalTarget.objects.exists()


def test_a_pupil_teacher_ratio_target_is_a_ceiling(tree):
    staff = stats_staff(tree[2])
    row = ts.target_save(
        actor=staff,
        data=_input(indicator="primary_pupil_teacher", comparison="<=", value="19"),
    )
    target = targets_in_force(tree[2]).in_force("primary_pupil_teacher", 2025)
    assert target is not None and target.pk == row.pk
    judged = dash.judge(Measure(BY_CODE["primary_pupil_teacher"], 900, 65), target)
    assert judged.gap == "达到本县（2025）目标（不高于19:1）"  # 13.85:1
    with pytest.raises(ts.TargetInvalid):
        ts.target_save(actor=staff, data=_input(indicator="primary_pupil_teacher"))  # ">="


def test_a_second_target_of_the_same_year_is_refused(tree):
    staff = stats_staff(tree[2])
    ts.target_save(actor=staff, data=_input())
    with pytest.raises(ts.TargetInvalid) as refused:
        ts.target_save(actor=staff, data=_input(value="90"))
    assert "已设定" in refused.value.errors["year"]


def test_the_page_lists_national_inherited_and_own_targets(tree, client_for):
    _, city, county = tree
    _set(city, "86", label="全市2025目标", indicator="kg_affordable")
    _set(county, "98", label="本县2025目标")
    staff = stats_staff(county)
    page = client_for(staff).get(reverse("stats:targets"))
    assert page.status_code == 200
    text = page.text
    assert "国家2025目标" in text and "全市2025目标" in text and "本县2025目标" in text
    assert 'data-testid="target-form"' in text
    assert "残疾儿童少年义务教育入学率" in text and "disabled_enrolment" not in text
    # The city's statistics staff see the county's below their own.
    city_page = client_for(stats_staff(city, "jichu_city")).get(reverse("stats:targets")).text
    assert 'data-testid="below-targets"' in city_page and "本县2025目标" in city_page


def test_the_form_adds_edits_and_deletes_a_target(tree, client_for):
    county = tree[2]
    client = client_for(stats_staff(county))
    url = reverse("stats:targets")
    posted = {
        "indicator": "kg_affordable", "kind": "local", "year": "2025", "value": "88",
        "comparison": ">=", "label": "本县2025目标", "source": "",
    }  # fmt: skip
    assert client.post(url, posted).status_code == 302
    row = LocalTarget.objects.get(bureau=county)
    bad = client.post(url, posted | {"year": "2026", "value": "abc"})
    assert bad.status_code == 400 and "目标值应为0至200%之间的数" in bad.text
    edit = reverse("stats:target-edit", args=[row.pk])
    assert client.get(edit).status_code == 200
    stale = client.post(edit, posted | {"value": "90", "version": "old"})
    assert stale.status_code == 409
    fresh = client.post(edit, posted | {"value": "90", "version": row.updated_at.isoformat()})
    assert fresh.status_code == 302
    row.refresh_from_db()
    assert row.value == Decimal(90)
    delete = reverse("stats:target-delete", args=[row.pk])
    assert client.post(delete, {"version": row.updated_at.isoformat()}).status_code == 302
    assert not LocalTarget.objects.exists()


def test_a_school_user_cannot_set_targets_through_the_page(tree, client_for):
    county = tree[2]
    school = SchoolFactory.create(bureau=county)
    user = UserFactory.create(bureau=county, role=Role.SCHOOL_USER, school=school)
    client = client_for(user)
    page = client.get(reverse("stats:targets"))
    assert page.status_code == 200 and 'data-testid="target-form"' not in page.text
    posted = {"indicator": "kg_affordable", "kind": "local", "year": "2025", "value": "88",
              "comparison": ">=", "label": "本县2025目标"}  # fmt: skip
    assert client.post(reverse("stats:targets"), posted).status_code == 403
    row = _set(county, "90")
    assert client.post(reverse("stats:target-edit", args=[row.pk]), posted).status_code == 403
    assert client.post(reverse("stats:target-delete", args=[row.pk])).status_code == 403
    assert LocalTarget.objects.get().value == Decimal(90)
