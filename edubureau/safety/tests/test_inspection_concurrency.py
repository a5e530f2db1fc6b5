"""Autosaves arriving at the same time, over real HTTP, on the real server stack.

A phone on a patchy network fires saves for several items, retries a timed-out one and
uploads photos at once; the form's script queues its own saves, but nothing stops two
tabs or a retry from overlapping. Each request must answer 200 and every answer must
be kept: saves of one inspection are serialised (row lock on PostgreSQL, BEGIN
IMMEDIATE on SQLite), never interleaved and never lost.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from edubureau.safety.models import Inspection
from edubureau.safety.services.inspections import applicable_items, current_checklist_for

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 12


def _session(live_server, user) -> tuple[str, str]:
    """A real session cookie and CSRF token for ``user`` on the live server."""
    client = Client()
    client.force_login(user)
    session = client.cookies["sessionid"].value
    request = urllib.request.Request(
        f"{live_server.url}{reverse('safety:self-inspection-new')}",
        headers={"Cookie": f"sessionid={session}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        cookies = response.headers.get_all("Set-Cookie") or []
    token = next(c.split(";")[0].split("=", 1)[1] for c in cookies if c.startswith("csrftoken="))
    return session, token


def _poster(live_server, session: str, token: str) -> Callable[[str, dict[str, str]], dict]:
    def post(path: str, data: dict[str, str]) -> dict:
        request = urllib.request.Request(
            f"{live_server.url}{path}",
            data=urllib.parse.urlencode(data | {"_autosave": "1"}).encode(),
            headers={
                "Cookie": f"sessionid={session}; csrftoken={token}",
                "X-CSRFToken": token,
                "X-Requested-With": "fetch",
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return {"status": response.status, **json.loads(response.read())}

    return post


def _all_at_once(calls: list[Callable[[], dict]]) -> list[dict | BaseException]:
    """Run ``calls`` in threads released together; return each result or exception."""
    barrier = threading.Barrier(len(calls))
    results: list[dict | BaseException] = [RuntimeError("not run")] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except BaseException as exc:  # reported by the assertion below, with its body
            body = exc.read().decode(errors="replace")[:300] if hasattr(exc, "read") else ""
            results[i] = RuntimeError(f"{exc!r} {body}")

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def test_concurrent_autosaves_of_one_inspection_all_succeed_and_none_is_lost(live_server, cast):
    items = applicable_items(current_checklist_for(cast.bureau.pk), cast.school_a.kind)
    chosen = items[:THREADS]
    assert len(chosen) == THREADS
    session, token = _session(live_server, cast.school_a_officer)
    post = _poster(live_server, session, token)
    client_id = str(uuid.uuid4())
    new = reverse("safety:self-inspection-new")

    # The first saves of a new form race to create the draft: one row, same client id.
    first = _all_at_once(
        [
            lambda item=item: post(new, {"client_id": client_id, f"r_{item.pk}": "pass"})
            for item in chosen[:4]
        ]
    )
    assert all(isinstance(r, dict) and r["status"] == 200 and r["ok"] for r in first), first
    inspection = Inspection.objects.get(school=cast.school_a)
    edit = reverse("safety:inspection-edit", kwargs={"inspection_id": inspection.pk})

    # Then every item at once, each answer posted alone, as the form's autosave does.
    later = _all_at_once(
        [
            lambda item=item: post(
                edit, {f"r_{item.pk}": "hazard", f"d_{item.pk}": f"问题{item.pk}"}
            )
            for item in chosen[4:]
        ]
        + [lambda item=item: post(edit, {f"n_{item.pk}": "复查"}) for item in chosen[:4]]
    )
    assert all(isinstance(r, dict) and r["status"] == 200 and r["ok"] for r in later), later

    inspection.refresh_from_db()
    assert Inspection.objects.filter(school=cast.school_a).count() == 1
    results = inspection.results
    assert set(results) == {str(item.pk) for item in chosen}
    for item in chosen[:4]:
        assert results[str(item.pk)]["r"] == "pass"
        assert results[str(item.pk)]["n"] == "复查"
    for item in chosen[4:]:
        assert results[str(item.pk)] == {"r": "hazard", "d": f"问题{item.pk}"}
