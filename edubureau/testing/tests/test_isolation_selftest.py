"""The isolation check (edubureau/testing/isolation.py) fails on each leak it exists
to catch: the two that an earlier version missed, planted into the real views, and
one planted route for each of its other rules. Each walk is limited to the routes
concerned, and first run clean, so the failure is the plant's."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import include, path, reverse

from edubureau.core.roles import BUREAU_ROLES
from edubureau.orgs import wall
from edubureau.orgs.access import get_visible_or_404
from edubureau.orgs.models import School
from edubureau.safety.models import Drill, Hazard, Inspection
from edubureau.safety.models.ledgers import DrillKind
from edubureau.safety.selectors import hazards as hazard_selectors
from edubureau.safety.selectors import inspections as inspection_selectors
from edubureau.testing import isolation
from edubureau.testing.cast import SCHOOL_B_MARKER, SIBLING_MARKER
from edubureau.testing.dates import today


@pytest.fixture(autouse=True)
def _the_door_alone(monkeypatch):
    """The plants leak past the door, to prove the walk catches what the door lets
    through; on PostgreSQL the database wall (orgs/wall.py) would stop them first."""
    monkeypatch.setattr(wall, "ENABLED", False)


def walk_of(
    cast: Any, monkeypatch: Any, routes: Iterable[str], users: list[Any]
) -> list[isolation.Failure]:
    """The check over ``routes`` alone, as ``users``."""
    names = set(routes)
    every_route = isolation.iter_routes
    monkeypatch.setattr(
        isolation,
        "iter_routes",
        lambda urlconf=None: (r for r in every_route(urlconf) if r.name in names),
    )
    walked = isolation.check_isolation(cast, users)
    monkeypatch.setattr(isolation, "iter_routes", every_route)
    return walked


def problems(failures: list[isolation.Failure], route: str, user: str = "") -> str:
    return "\n".join(str(f) for f in failures if f.route == route and (not user or f.user == user))


# The two leaks an earlier version missed ---------------------------------------------


def test_it_catches_an_inspection_list_that_forgets_the_door(cast, monkeypatch):
    """Hole (a): school B's rows were made only when the walk reached the first
    inspection object route, after the list and the export had been walked. Now
    every party's rows exist before the walk: the list routes alone catch it."""
    routes = ["safety:inspection-list", "safety:inspection-export"]
    users = [cast.school_a_officer]
    assert walk_of(cast, monkeypatch, routes, users) == []

    def everything(*, user: Any, filters: Any) -> Any:
        return Inspection.objects.all().select_related("school__township", "campaign")

    monkeypatch.setattr(inspection_selectors, "inspection_list", everything)
    failures = walk_of(cast, monkeypatch, routes, users)
    for route in routes:
        assert SCHOOL_B_MARKER in problems(failures, route, "a_officer")
        assert "leaked" in problems(failures, route, "a_officer")


def test_it_catches_a_hazard_list_that_shows_bureau_roles_everything(cast, monkeypatch):
    """Hole (b): only school A's accounts were walked. Now every role of every level
    is: the county sees its sibling's and its city's rows, the city another city's."""
    routes = ["safety:hazard-list", "safety:hazard-export"]
    users = [cast.school_a_officer, cast.leader, cast.city_safety]
    assert walk_of(cast, monkeypatch, routes, users) == []
    original = hazard_selectors.hazard_list

    def leaky(*, user: Any, filters: Any, today: Any) -> Any:
        if user.role in BUREAU_ROLES:
            return Hazard.objects.select_related("school__township", "category").order_by("-id")
        return original(user=user, filters=filters, today=today)

    monkeypatch.setattr(hazard_selectors, "hazard_list", leaky)
    failures = walk_of(cast, monkeypatch, routes, users)
    assert problems(failures, "safety:hazard-list", "a_officer") == ""
    county = problems(failures, "safety:hazard-list", "leader")
    assert SIBLING_MARKER in county and isolation.CITY_SCHOOL_MARKER in county
    assert isolation.OTHER_BUREAU_MARKER in problems(
        failures, "safety:hazard-export", "city_safety"
    )


# Planted routes, one for each of the other rules ---------------------------------------


def _all_hazards(request: HttpRequest) -> HttpResponse:
    return HttpResponse(" ".join(Hazard.objects.values_list("description", flat=True)))


def _own_bureau_hazards(request: HttpRequest) -> HttpResponse:
    """Reads the door, then narrows to the viewer's own bureau: the subtree is lost."""
    rows = Hazard.objects.visible_to(request.user).filter(school__bureau_id=request.user.bureau_id)  # type: ignore[misc]
    return HttpResponse(" ".join(rows.values_list("description", flat=True)))


def _school_heading(request: HttpRequest) -> HttpResponse:
    """A heading naming the school of the ``?school=`` filter, read past the door."""
    school = School.objects.filter(pk=request.GET.get("school") or 0).first()
    return HttpResponse(school.name if school else "全部学校")


def _drill_anywhere(request: HttpRequest) -> HttpResponse:
    """Records a drill at whichever school is posted."""
    if request.method == "POST" and request.POST.get("school", "").isdigit():
        school = School.objects.filter(pk=request.POST["school"]).first()
        if school is not None:
            Drill.objects.create(
                school=school, held_on=today(), kind=DrillKind.FIRE, participants=1
            )
    return HttpResponse("ok")


def _hazard_note(request: HttpRequest, hazard_id: int) -> HttpResponse:
    """Any account that sees the hazard may change it (a bureau above included)."""
    hazard = get_visible_or_404(Hazard, request.user, hazard_id)
    if request.method == "POST":
        Hazard.objects.filter(pk=hazard.pk).update(location="已改")
    return HttpResponse("ok")


def _hazard_move(request: HttpRequest, hazard_id: int) -> HttpResponse:
    """Its writers may edit the hazard, and move it to whichever school is posted."""
    hazard = get_visible_or_404(Hazard, request.user, hazard_id, for_write=True)
    if request.method == "POST" and request.POST.get("school", "").isdigit():
        Hazard.objects.filter(pk=hazard.pk).update(school_id=request.POST["school"])
    return HttpResponse("ok")


@login_required
def _sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return HttpResponse("ok")


def _widget(request: HttpRequest, widget_id: int) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [
    path("", include("edubureau.urls")),
    path("planted/hazards/", _all_hazards, name="planted-all-hazards"),
    path("planted/own-bureau/", _own_bureau_hazards, name="planted-own-bureau"),
    path("planted/heading/", _school_heading, name="planted-heading"),
    path("planted/drills/", _drill_anywhere, name="planted-drill"),
    path("planted/hazards/<int:hazard_id>/note/", _hazard_note, name="planted-hazard-note"),
    path("planted/hazards/<int:hazard_id>/move/", _hazard_move, name="planted-hazard-move"),
    path("planted/sign-out/", _sign_out, name="planted-sign-out"),
    path("planted/widgets/<int:widget_id>/", _widget, name="planted-widget"),
    path("planted/undeclared/", _all_hazards, name="planted-undeclared"),
]


@pytest.fixture
def planted(monkeypatch):
    """Declare the planted lists (undone after the test)."""
    for name in ("planted-all-hazards", "planted-own-bureau"):
        monkeypatch.setitem(isolation.LISTINGS, name, {"hazard_id"})
    monkeypatch.setitem(isolation.LISTINGS, "planted-heading", {"school_id"})
    monkeypatch.setitem(isolation.ROWLESS_ROUTES, "planted-drill", "a planted form")
    monkeypatch.setitem(isolation.ROWLESS_ROUTES, "planted-sign-out", "a planted page")


pytestmark = pytest.mark.urls(__name__)


def test_it_flags_a_list_that_lists_every_school(cast, monkeypatch, planted):
    failures = walk_of(cast, monkeypatch, ["planted-all-hazards"], [cast.school_a_officer])
    assert "leaked" in problems(failures, "planted-all-hazards", "a_officer")


def test_it_flags_a_bureau_that_does_not_see_its_subtree(cast, monkeypatch, planted):
    users = [cast.leader, cast.city_leader]
    failures = walk_of(cast, monkeypatch, ["planted-own-bureau"], users)
    found = problems(failures, "planted-own-bureau", "city_leader")
    assert "does not list school_b's hazard_id rows" in found
    assert "does not list sibling's hazard_id rows" in found
    assert problems(failures, "planted-own-bureau", "leader") == ""


def test_it_tries_every_filter_with_another_partys_ids(cast, monkeypatch, planted):
    failures = walk_of(cast, monkeypatch, ["planted-heading"], [cast.school_a_officer])
    found = problems(failures, "planted-heading", "a_officer")
    assert "{'school': " in found and "leaked" in found


def test_it_posts_other_partys_ids_to_forms(cast, monkeypatch, planted):
    failures = walk_of(cast, monkeypatch, ["planted-drill"], [cast.school_a_officer])
    found = problems(failures, "planted-drill", "a_officer")
    assert "changed rows it may not write" in found and "safety.Drill#" in found
    # Every POST of the walk is rolled back: the next viewer meets the rows as made.
    assert not Drill.objects.filter(school=cast.school_b, participants=1).exists()


def test_it_flags_a_form_that_moves_a_row_to_a_school_the_writer_hides(cast, monkeypatch, planted):
    """甲县's safety staff may edit school B's hazard: not move it to the sibling."""
    failures = walk_of(cast, monkeypatch, ["planted-hazard-move"], [cast.safety_staff])
    found = problems(failures, "planted-hazard-move", "safety")
    assert "changed rows it may not write: ['safety.Hazard#" in found


def test_it_flags_a_walk_signed_out_half_way(cast, monkeypatch, planted):
    failures = walk_of(cast, monkeypatch, ["planted-sign-out"], [cast.leader])
    assert "was sent to sign in" in problems(failures, "planted-sign-out", "leader")


def test_it_flags_a_higher_bureau_writing_a_countys_row(cast, monkeypatch, planted):
    users = [cast.school_a_officer, cast.city_safety]
    failures = walk_of(cast, monkeypatch, ["planted-hazard-note"], users)
    # School A's officer is refused (404, audited); the city reads the county's hazard
    # but may not change it.
    assert problems(failures, "planted-hazard-note", "a_officer") == ""
    found = problems(failures, "planted-hazard-note", "city_safety")
    assert "changed rows it may not write: ['safety.Hazard#" in found


def test_it_flags_a_list_walked_without_the_rows_it_lists(
    cast, monkeypatch, planted, settings, tmp_path
):
    """The walk proves it had something to leak: a listed row that is gone is a
    failure (here removed before the walk, as a leaky delete route would)."""
    every_route = isolation.iter_routes
    monkeypatch.setattr(
        isolation,
        "iter_routes",
        lambda urlconf=None: (r for r in every_route(urlconf) if r.name == "planted-all-hazards"),
    )
    settings.MEDIA_ROOT = tmp_path
    walk = isolation.prepare(cast)
    gone = walk.objects["hazard_id"]["sibling"]
    gone.photos.all().delete()
    Hazard.objects.filter(pk=gone.pk).delete()
    failures = isolation.run(walk, isolation.viewers_for(cast, [cast.school_a_officer]))
    assert "ran with no row of sibling for hazard_id" in problems(failures, "planted-all-hazards")


def test_it_fails_on_routes_it_cannot_interpret(cast, monkeypatch, planted):
    routes = ["planted-widget", "planted-undeclared"]
    failures = walk_of(cast, monkeypatch, routes, [cast.school_a_officer])
    assert "unknown to the isolation check" in problems(failures, "planted-widget")
    assert "must say what it lists" in problems(failures, "planted-undeclared")


@pytest.mark.parametrize(
    ("route", "model"), [("safety:drill-create", Drill), ("safety:hazard-report", Hazard)]
)
def test_its_forms_are_valid_but_for_the_forged_ids(cast, client_for, route, model):
    """The form the walk fills in from the page is accepted with the viewer's own
    school: when a forged POST changes nothing, the forged ids are why."""
    from edubureau.safety.tests.factories_hazards import current_checklist

    current_checklist(cast.bureau)
    client = client_for(cast.school_a_officer)
    url = reverse(route)
    body = isolation.form_body(client.get(url).content.decode(), url)
    body["school"] = [str(cast.school_a.pk)]
    response = client.post(url, body)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert model.objects.filter(school=cast.school_a).count() == 1
