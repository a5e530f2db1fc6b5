"""No edit form on an object's page makes a server error.

The companion of ``test_form_fuzz.py`` (routes without ids) for the routes with ids:
every object the isolation walk makes (every registered target, so an object route
added later is fuzzed too) is opened by accounts that may work on it — the county's
safety department, office and leader, its administrator and the school's own officer
on school B's rows, the city's safety department on the city's own records —, and
every form on the page is posted to where it posts (the page itself or an action such
as 复查 or 退回) with each field in turn set to a hostile value, then with every field
hostile at once. A 5xx is a failure; a refusal, a validation message or a redirect is
fine. Each post is rolled back, so that every form meets its object as the page
showed it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import reverse

from edubureau.testing.isolation import (
    CITY,
    SCHOOL_B,
    TARGETS,
    form_body,
    iter_routes,
    prepare,
    sample_value,
)
from edubureau.testing.isolation import SAMPLE_VALUES as NAMED
from edubureau.testing.tests.test_form_fuzz import _bodies

FORM_ACTION = re.compile(r"<form\b[^>]*>", re.IGNORECASE)
ACTION = re.compile(r"""action=["']([^"']*)["']""")
METHOD_POST = re.compile(r"""method=["']post["']""", re.IGNORECASE)
# Posting these would end the session the rest of the walk runs in.
NEVER_POSTED = ("/accounts/logout/", "/logout/")
# Actions the walk must reach, or it has stopped meeting the workflow's later steps.
MUST_POST = {
    "/safety/hazards/N/plan/",
    "/safety/hazards/N/rectify/",
    "/safety/hazards/N/verify/",
    "/safety/hazards/N/close/",
    "/safety/inspections/N/edit/",
    "/plans/tasks/N/edit/",
    "/users/N/edit/",
    "/schools/N/edit/",
}


def _post_targets(page: str, path: str) -> list[str]:
    """Where the page's POST forms post: the page itself and same-site actions."""
    out: list[str] = []
    for tag in FORM_ACTION.findall(page):
        if not METHOD_POST.search(tag):
            continue
        found = ACTION.search(tag)
        action = (found.group(1) if found else "").split("?")[0] or path
        if action.startswith("/") and action not in out and action not in NEVER_POSTED:
            out.append(action)
    return out


def _routes_with_ids() -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    routes = []
    for route in iter_routes():
        ids = route.id_kwargs
        others = tuple(k for k in route.kwargs if k not in ids)
        if ids and all(k in TARGETS for k in ids) and all(k in NAMED for k in others):
            routes.append((str(route.name), ids, others))
    return routes


def object_pages(walk: Any, party: str, later: dict[str, list[Any]]) -> Iterator[tuple[str, str]]:
    """(route name, URL) of every object route for ``party``'s objects (school B's
    further along their lifecycle too, for routes of one object)."""
    for name, ids, others in _routes_with_ids():
        choices = [[walk.objects.get(k, {}).get(party)] for k in ids]
        if party == SCHOOL_B and len(ids) == 1:
            choices[0] += later.get(ids[0], [])
        for objects in zip(*choices, strict=True):
            if any(o is None for o in objects):
                continue
            kwargs = {k: o.pk for k, o in zip(ids, objects, strict=True)}
            kwargs |= {k: sample_value(k) for k in others}
            yield name, reverse(name, kwargs=kwargs)


def _later_states(cast: Any) -> dict[str, list[Any]]:
    """School B's records further along their lifecycle than the walk's (whose hazard
    waits for a plan and whose inspection is a draft), so the forms of 整改, 复查,
    销号 and of a submitted inspection are posted too."""
    from edubureau.rectification.models import Status
    from edubureau.safety.models import Inspection, InspectionStatus
    from edubureau.safety.tests.factories_hazards import hazard_in_state

    hazards = [
        hazard_in_state(cast, status, school=cast.school_b)
        for status in (Status.PLANNED, Status.RECTIFIED, Status.VERIFIED)
    ]
    submitted = Inspection.objects.filter(
        school=cast.school_b, status=InspectionStatus.SUBMITTED
    ).first()
    return {"hazard_id": hazards, "inspection_id": [submitted] if submitted else []}


def _post(client: Client, user: Any, url: str, body: Any, **extra: Any) -> int:
    session = client.cookies.get(settings.SESSION_COOKIE_NAME)
    with transaction.atomic():
        status = client.post(url, body, **extra).status_code
        transaction.set_rollback(True)
    if client.cookies.get(settings.SESSION_COOKIE_NAME) != session:
        client.force_login(user)  # its new session was rolled back with the rest
    return status


@pytest.mark.walk
@pytest.mark.django_db
def test_no_object_form_body_makes_a_server_error(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    walk = prepare(cast)
    working = [
        (cast.safety_staff, SCHOOL_B),
        (cast.office_staff, SCHOOL_B),
        (cast.leader, SCHOOL_B),
        (cast.admin, SCHOOL_B),
        (cast.school_b_officer, SCHOOL_B),
        (cast.city_safety, CITY),
        (cast.city_leader, CITY),
    ]
    later = _later_states(cast)
    failures: list[str] = []
    posted: set[str] = set()
    forms_seen = 0
    for u, (user, party) in enumerate(working):
        client = Client(raise_request_exception=False)
        client.force_login(user)
        for _name, url in object_pages(walk, party, later):
            forms_seen += _fuzz_page(client, user, url, u, failures, posted)
    assert forms_seen > 20, f"the walk found only {forms_seen} forms on object pages"
    assert posted >= MUST_POST, f"forms never reached: {sorted(MUST_POST - posted)}"
    assert not failures, "\n".join(sorted(set(failures))[:30])


def _fuzz_page(
    client: Client, user: Any, url: str, shift: int, failures: list[str], posted: set[str]
) -> int:
    """Post every form of the page at ``url`` with hostile fields; the forms found."""
    page = client.get(url)
    if page.status_code != 200 or "text/html" not in page.get("Content-Type", ""):
        return 0
    text = page.content.decode()
    forms = 0
    for action in _post_targets(text, url):
        base = form_body(text, action)
        if not base:
            continue
        forms += 1
        posted.add(re.sub(r"/\d+/", "/N/", action))
        bodies = _bodies(base, shift=shift)
        for n, body in enumerate(bodies):
            answers = [("multipart", _post(client, user, action, body))]
            if n == len(bodies) - 1:  # all fields hostile: url-encoded too
                kind = "application/x-www-form-urlencoded"
                encoded = urlencode(body, doseq=True)
                answers.append(
                    ("urlencoded", _post(client, user, action, encoded, content_type=kind))
                )
            for how, status in answers:
                if status >= 500:
                    shown = {k: [v[:40] for v in vs] for k, vs in body.items()}
                    failures.append(
                        f"{user.username} on {url}: POST {action} ({how}, #{n}) {shown}"
                    )
    return forms
