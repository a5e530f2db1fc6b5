"""The scope object: made only by the door, narrowed only within what the viewer sees,
its rows exactly the door's rows, a model's own rules applied; the system door only
in jobs and commands."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest
from django.http import Http404, QueryDict
from django.urls import reverse

from edubureau.audit.models import Action, AuditEvent
from edubureau.orgs.models import Bureau, School, Township, User
from edubureau.orgs.scoping import (
    SchoolScope,
    schools_visible_to,
    scope_for,
    scope_from_params,
    system_scope,
)
from edubureau.rectification.models import Status
from edubureau.safety.models import Hazard
from edubureau.safety.tests.factories_dashboard import make_hazard_row
from edubureau.testing.factories import BureauFactory, SchoolFactory

ROLES = (
    "leader",
    "safety_staff",
    "office_staff",
    "admin",
    "inspector",
    "township_staff",
    "school_a_officer",
    "school_a_teacher",
    "city_leader",
    "city_safety",
    "city_admin",
    "sibling_safety",
    "province_leader",
    "province_safety",
    "other_admin",
)


@pytest.fixture
def hazards(cast):
    day = date(2026, 3, 2)
    return [
        make_hazard_row(school, reported_on=day, status=Status.REPORTED)
        for school in (
            cast.school_a,
            cast.school_b,
            cast.sibling_school,
            cast.city_school,
            cast.other_school,
        )
    ]


def ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


@pytest.mark.parametrize("role", ROLES)
def test_a_viewers_whole_scope_is_the_door_itself(cast, hazards, role):
    user = getattr(cast, role)
    scope = scope_for(user)
    assert ids(scope.schools()) == ids(schools_visible_to(user))
    assert ids(scope.rows(Hazard)) == ids(Hazard.objects.visible_to(user))
    assert scope.params == {} and not scope.narrowed and scope.viewer == user


def test_it_says_what_kind_of_scope_each_viewer_has(cast):
    assert scope_for(cast.city_safety).kind == "bureau"
    assert scope_for(cast.city_safety).bureau == cast.city
    assert scope_for(cast.township_staff).kind == "township"
    assert scope_for(cast.township_staff).township == cast.township_a
    assert scope_for(cast.school_a_officer).kind == "school"
    assert scope_for(cast.school_a_officer).label == cast.school_a.name
    assert scope_for(cast.inspector).kind == "assigned"
    assert scope_for(cast.leader).label == "甲县教育局全部学校"


def test_a_city_narrows_to_a_county_its_own_schools_a_township_or_a_school(cast, hazards):
    viewer = cast.city_safety
    county = scope_for(viewer, bureau=cast.bureau)
    assert ids(county.schools()) == {cast.school_a.pk, cast.school_b.pk}
    assert county.params == {"bureau": str(cast.bureau.pk)} and county.kind == "bureau"
    assert ids(county.rows(Hazard)) == {h.pk for h in hazards[:2]}
    direct = scope_for(viewer, bureau=cast.city, direct=True)
    assert ids(direct.schools()) == {cast.city_school.pk}
    assert direct.kind == "direct" and direct.params == {"bureau": str(cast.city.pk), "direct": "1"}
    assert direct.label == "甲市市直学校"
    assert ids(scope_for(viewer, direct=True).schools()) == {cast.city_school.pk}
    township = scope_for(viewer, township=cast.township_b)
    assert ids(township.schools()) == {cast.school_b.pk} and township.kind == "township"
    school = scope_for(viewer, school=cast.sibling_school.pk)
    assert ids(school.schools()) == {cast.sibling_school.pk} and school.kind == "school"
    assert school.bureau == cast.sibling_bureau
    # Narrowings meet: 甲县 and 乙县's school have nothing in common.
    assert not scope_for(viewer, bureau=cast.bureau, school=cast.sibling_school).schools().exists()
    assert ids(county.narrow(township=cast.township_a).schools()) == {cast.school_a.pk}


def test_narrowing_never_widens_what_the_viewer_sees(cast, hazards):
    # The inspector sees school A only, whatever the narrowing inside their bureau.
    scope = scope_for(cast.inspector, bureau=cast.bureau)
    assert ids(scope.schools()) == {cast.school_a.pk}
    assert not scope_for(cast.inspector, township=cast.township_b).schools().exists()
    assert ids(scope_for(cast.township_staff, bureau=cast.bureau).schools()) == {cast.school_a.pk}


@pytest.mark.parametrize(
    ("role", "target"),
    [
        ("leader", "sibling_bureau"),  # sideways
        ("leader", "city"),  # upwards
        ("sibling_safety", "bureau"),
        ("city_safety", "other_city"),
        ("city_safety", "other_bureau"),
        ("school_a_officer", "sibling_bureau"),
    ],
)
def test_a_bureau_outside_the_viewers_tree_answers_404_and_is_audited(cast, role, target):
    user, bureau = getattr(cast, role), getattr(cast, target)
    with pytest.raises(Http404):
        scope_for(user, bureau=bureau.pk)
    assert AuditEvent.objects.filter(
        actor=user,
        action=Action.ACCESS_DENIED,
        model_label=Bureau._meta.label,
        object_id=str(bureau.pk),
    ).exists()


def test_a_township_or_school_outside_answers_404_and_is_audited(cast):
    sibling_town = cast.sibling_school.township
    for user, model, kwargs in (
        (cast.leader, Township, {"township": sibling_town.pk}),
        (cast.leader, School, {"school": cast.city_school.pk}),
        (cast.city_safety, School, {"school": cast.other_school.pk}),
        (cast.school_a_officer, School, {"school": cast.school_b.pk}),
    ):
        with pytest.raises(Http404):
            scope_for(user, **kwargs)
        assert AuditEvent.objects.filter(
            actor=user, action=Action.ACCESS_DENIED, model_label=model._meta.label
        ).exists()


def test_it_reads_the_narrowing_from_a_pages_parameters(cast):
    params = QueryDict(f"bureau={cast.city.pk}&direct=1&year=2026")
    scope = scope_from_params(cast.city_safety, params)
    assert scope.kind == "direct" and ids(scope.schools()) == {cast.city_school.pk}
    # Malformed values are ignored, like every list filter.
    loose = scope_from_params(cast.city_safety, QueryDict("bureau=abc&township=-3&school="))
    assert loose.params == {} and loose.kind == "bureau"
    with pytest.raises(Http404):
        scope_from_params(cast.leader, QueryDict(f"school={cast.sibling_school.pk}"))


def test_a_models_own_rule_applies_through_the_scope(cast, hazards, monkeypatch):
    # Were hazards student personal data, administrators would read none of them.
    monkeypatch.setattr(Hazard, "sensitive", True, raising=False)
    assert not scope_for(cast.city_admin).rows(Hazard).exists()
    assert not scope_for(cast.city_admin, bureau=cast.bureau).rows(Hazard).exists()
    assert not Hazard.objects.filter(school__in=scope_for(cast.city_admin).school_ids(Hazard))
    assert scope_for(cast.city_safety).rows(Hazard).count() == 4
    monkeypatch.setattr(cast.city_admin, "can_read_sensitive", True)
    assert scope_for(cast.city_admin).rows(Hazard).count() == 4


def test_a_scope_is_made_only_by_the_door_and_never_changes(cast):
    with pytest.raises(TypeError):
        SchoolScope(
            object(),
            viewer=cast.leader,
            root=cast.province,
            kind="bureau",
            bureau=cast.province,
            township=None,
            school=None,
            narrowed={},
        )
    scope = scope_for(cast.leader)
    with pytest.raises(AttributeError):
        scope._bureau = cast.province  # type: ignore[misc]
    with pytest.raises(AttributeError):
        scope.kind = "bureau"  # type: ignore[misc]


def test_the_system_door_reads_a_bureaus_subtree_without_a_viewer(cast, hazards):
    scope = system_scope(cast.city)
    assert scope.is_system and scope.viewer is None and scope.params == {}
    expected = {cast.school_a.pk, cast.school_b.pk, cast.sibling_school.pk, cast.city_school.pk}
    assert ids(scope.schools()) == expected
    assert ids(scope.rows(Hazard)) == {h.pk for h in hazards[:4]}
    assert ids(system_scope(cast.city, direct=True).schools()) == {cast.city_school.pk}
    assert ids(scope.narrow(bureau=cast.sibling_bureau).schools()) == {cast.sibling_school.pk}
    with pytest.raises(LookupError):
        system_scope(cast.bureau, school=cast.sibling_school)
    with pytest.raises(LookupError):
        scope.narrow(bureau=cast.other_bureau)
    with pytest.raises(TypeError):
        system_scope(Bureau(name="未保存"))


def test_a_new_school_joins_the_scope_of_every_bureau_above_it(cast):
    school = SchoolFactory(bureau=cast.sibling_bureau, township=cast.sibling_school.township)
    for user in (cast.city_safety, cast.province_safety, cast.sibling_safety):
        assert school.pk in ids(scope_for(user).schools())
    assert school.pk not in ids(scope_for(cast.leader).schools())


def test_the_only_top_bureau_reads_every_school_with_no_condition_on_them(cast, hazards):
    """The province is the deployment's only top bureau: its subtree is every school, so
    its rows carry no condition on their school (no semi join over every school)."""
    user = User.objects.get(pk=cast.province_safety.pk)  # as a request loads it
    scope = scope_for(user)
    assert ids(scope.rows(Hazard)) == ids(Hazard.objects.all()) == {h.pk for h in hazards}
    assert School._meta.db_table not in str(scope.rows(Hazard).query)
    assert School._meta.db_table not in str(Hazard.objects.visible_to(user).query)
    # Narrowed, or below the top, the condition is there.
    assert School._meta.db_table in str(scope.narrow(bureau=cast.city).rows(Hazard).query)
    city = User.objects.get(pk=cast.city_safety.pk)
    assert ids(scope_for(city).rows(Hazard)) == {h.pk for h in hazards[:4]}


def test_every_model_the_door_reads_by_school_names_a_school():
    """The only top bureau's read rule is no condition at all: a row of such a model
    without a school would be read by it (and by nobody else). A model whose rows may
    name no school refines ``visible_to`` with a rule of its own."""
    from django.apps import apps

    from edubureau.orgs.scoping import SchoolScopedQuerySet, _refines_read_rule

    checked = []
    for model in apps.get_models():
        queryset = model._default_manager.all()
        if not isinstance(queryset, SchoolScopedQuerySet) or _refines_read_rule(queryset):
            continue
        field = getattr(model, "scope_field", "school")
        if field != "pk":
            assert not model._meta.get_field(field).null, model._meta.label
        checked.append(model._meta.label)
    assert {"safety.Hazard", "safety.Inspection", "stats.StatReturn"} <= set(checked)


def test_a_second_top_bureau_limits_the_first_to_its_tree_from_the_next_request(
    cast, hazards, client_for
):
    province = User.objects.get(pk=cast.province_safety.pk)
    assert ids(scope_for(province).rows(Hazard)) == {h.pk for h in hazards}
    beside = BureauFactory(parent=None, name="邻省教育厅", level="province")
    school = SchoolFactory(bureau=beside)
    foreign = make_hazard_row(
        school, reported_on=date(2026, 3, 2), status=Status.REPORTED, description="邻省学校隐患"
    )
    fresh = User.objects.get(pk=cast.province_safety.pk)
    assert foreign.pk not in ids(Hazard.objects.visible_to(fresh))
    assert ids(scope_for(fresh).rows(Hazard)) == {h.pk for h in hazards}
    assert school.pk not in ids(schools_visible_to(fresh))
    page = client_for(cast.province_safety).get(reverse("safety:hazard-list"), {"status": "all"})
    assert page.status_code == 200
    assert "邻省学校隐患" not in page.content.decode()
    assert hazards[0].description in page.content.decode()


ROOT = Path(__file__).resolve().parents[3]
# Where a scope without a viewer may be asked for: jobs and commands, and the door.
SYSTEM_DOOR_ALLOWED = (
    "management/commands/",
    "tasks.py",
    "orgs/scoping.py",
    # The weekly expiry reminder's service: only its job and its command call it.
    "safety/services/expiry.py",
    # The demo data, built without a viewer by the demo command.
    "/demo.py",
)


def test_the_system_door_is_called_only_from_jobs_and_commands():
    callers = []
    for path in (ROOT / "edubureau").rglob("*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if "/tests/" in relative or relative.startswith("edubureau/testing/"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = getattr(func, "id", None) or getattr(func, "attr", None)
                if name == "system_scope":
                    callers.append(relative)
    assert callers, "the scheduled circular uses system_scope"
    wrong = [c for c in callers if not any(part in c for part in SYSTEM_DOOR_ALLOWED)]
    assert not wrong, (
        f"system_scope (no viewer, no viewer's rules) called outside jobs and commands: {wrong}; "
        "a request has a user: use scope_for(request.user, …)"
    )
