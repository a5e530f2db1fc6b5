"""The demo county holds the documents a bureau has in hand, drafted from its record
through the services: last year's safety summary issued with a number, last month's
circular waiting on the leader in charge, a 整改通知书 waiting on the demo school's
回执, and the office's work summary in draft. Each shows on the workbench of who must
act, and each count equals its list."""

from __future__ import annotations

import pytest
from django.test import Client

from edubureau.orgs.demo import build_demo
from edubureau.orgs.models import User
from edubureau.reports.models import Report, ReportStatus
from edubureau.testing.workbench import assert_workbench_matches

pytestmark = pytest.mark.django_db


def _client(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def test_the_demo_county_has_reports_waiting_on_the_people_who_must_act():
    ctx = build_demo(scale="county")
    issued = Report.objects.filter(status=ReportStatus.ISSUED)
    assert {r.genre for r in issued} == {"annual_safety", "rectification_notice"}
    assert all(r.number.startswith(ctx.bureau.issuer_code) for r in issued)
    waiting = Report.objects.get(submitted_at__isnull=False)
    assert waiting.genre == "month_circular" and waiting.is_draft
    assert Report.objects.filter(genre__endswith="_work", status=ReportStatus.DRAFT).count() == 1

    leader = assert_workbench_matches(_client("leader"))
    assert leader["reports.review"].count == 1
    officer = assert_workbench_matches(_client(ctx.users["safety_officer"].username))
    assert officer["reports.receipt"].count == 1
    safety = assert_workbench_matches(_client("safety"))
    assert safety["reports.receipt"].count == 1
