"""The soak's smoke run in CI: for 30 seconds, school officers submit their monthly
self-inspections (every item, some failed), accounts sign in, and the bureau's leader
reads the safety dashboard, all at once against the live test server. No answer is a
server error, and the database holds exactly what was acknowledged: one submitted
inspection per 302, no duplicates, the failed items' hazards. The five-minute soak on
gunicorn and PostgreSQL is ``bench/soak.py``."""

from __future__ import annotations

import secrets
from urllib.parse import urlencode, urlparse

import pytest
from django.conf import settings
from django.db.models import Count
from django.test import Client
from django.urls import reverse

from edubureau.orgs.models import Role, SchoolPosition
from edubureau.safety.models import Hazard, Inspection, InspectionStatus
from edubureau.safety.services.inspections import inspection_start_self, month_start
from edubureau.safety.tests.factories_inspections import items_for, small_checklist
from edubureau.testing import load
from edubureau.testing.dates import today
from edubureau.testing.factories import TEST_PASSWORD, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

SCHOOLS = 60  # paced at 2 a second: submits through the whole run
FAILED = 1  # items failed per inspection, each a hazard
SECONDS = 30


def _session(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def test_a_mixed_load_answers_no_server_error_and_loses_nothing(cast, live_server):
    port = urlparse(live_server.url).port
    assert port is not None
    checklist = small_checklist(cast.bureau)
    period = month_start(today())
    jobs = []
    for n in range(SCHOOLS):
        school = SchoolFactory.create(
            bureau=cast.bureau, township=cast.township_a, name=f"压测{n}校"
        )
        officer = UserFactory.create(
            bureau=cast.bureau,
            role=Role.SCHOOL_USER,
            school=school,
            school_position=SchoolPosition.SAFETY_OFFICER,
        )
        draft = inspection_start_self(actor=officer, school=school, period=period)
        csrf = secrets.token_hex(16)
        fields = [
            ("csrfmiddlewaretoken", csrf),
            ("client_id", "00000000-0000-0000-0000-000000000000"),
            ("inspected_on", today().isoformat()),
            ("leader", "张校长"),
            ("participants", "王老师"),
            ("summary", "本月自查已完成。"),
        ]
        for i, item in enumerate(items_for(checklist, school)):
            bad = i < FAILED
            fields += [
                (f"r_{item.pk}", "hazard" if bad else "pass"),
                (f"d_{item.pk}", "灭火器压力不足" if bad else ""),
                (f"l_{item.pk}", "教学楼二楼" if bad else ""),
                (f"s_{item.pk}", "minor"),
                (f"n_{item.pk}", ""),
            ]
        fields.append(("action", "submit"))
        cookie = f"{settings.SESSION_COOKIE_NAME}={_session(officer)}; csrftoken={csrf}"
        url = reverse("safety:inspection-edit", kwargs={"inspection_id": draft.pk})
        jobs.append((url, urlencode(fields).encode(), cookie))
    leader = f"{settings.SESSION_COOKIE_NAME}={_session(cast.leader)}"
    signing_in = [cast.school_a_teacher, cast.school_a_principal, cast.office_staff]
    submitted: list[int] = []

    def submit() -> int:
        try:
            url, body, cookie = jobs.pop()
        except IndexError:
            raise load.Done from None
        answer = load.request(
            port,
            "POST",
            url,
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": cookie,
                "Referer": f"{live_server.url}{url}",
            },
        )
        if answer.status == 302:
            submitted.append(1)
        return answer.status

    turn = iter(range(10**9))

    def sign_in() -> int:
        user = signing_in[next(turn) % len(signing_in)]
        return load.login(port, reverse("login"), user.username, TEST_PASSWORD)

    def dashboard() -> int:
        return load.request(
            port, "GET", reverse("safety:dashboard"), headers={"Cookie": leader}
        ).status

    tallies = load.run(
        [
            load.Stream("submit", submit, threads=2, rate=2),
            load.Stream("login", sign_in, threads=1, rate=4),
            load.Stream("dashboard", dashboard, threads=1, rate=2),
        ],
        seconds=SECONDS,
    )
    for name, tally in tallies.items():
        print(name, tally.statuses, f"p95 {tally.percentile(0.95) * 1000:.0f} ms")
        assert not tally.errors, f"{name}: {tally.errors[:3]}"
        assert tally.server_errors == 0, f"{name}: {tally.statuses}"
    assert tallies["submit"].statuses == {302: len(submitted)} and submitted
    assert tallies["login"].statuses.get(302, 0) == tallies["login"].count > 0
    assert tallies["dashboard"].statuses.get(200, 0) == tallies["dashboard"].count > 0
    mine = Inspection.objects.filter(school__name__startswith="压测", period=period)
    assert mine.filter(status=InspectionStatus.SUBMITTED).count() == len(submitted)
    assert not mine.values("school_id").annotate(n=Count("id")).filter(n__gt=1).exists()
    hazards = Hazard.objects.filter(inspection__in=mine)
    assert hazards.count() == len(submitted) * FAILED
