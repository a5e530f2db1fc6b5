"""The demo county's work plan: parsed from its text by the same parser, issued, with a
realistic mix of statuses from months of progress reports and targets linked to the
record. Built once for the module on a fixed reference date (never the clock)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse

from edubureau.orgs.demo import build_demo
from edubureau.plans.models import (
    PlanStatus,
    ProgressReport,
    Target,
    TargetSource,
    Task,
    TaskStatusChange,
    WorkPlan,
)
from edubureau.plans.progress import TaskStatus

REFERENCE = dt.date(2026, 11, 16)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        moment = dt.datetime.combine(REFERENCE, dt.time(9), tzinfo=ZoneInfo("Asia/Shanghai"))
        with time_machine.travel(moment):
            ctx = build_demo(scale="county", reference_date=REFERENCE)
        yield ctx
        transaction.set_rollback(True)


@pytest.fixture
def county(demo, db):
    return demo


def test_the_county_has_its_issued_plan_of_the_year(county):
    plan = WorkPlan.objects.get(bureau=county.bureau)
    assert (plan.year, plan.status) == (2026, PlanStatus.ISSUED)
    assert plan.title == "示例县教育局2026年工作要点"
    assert plan.groups.count() == 5 and plan.tasks.count() == 20
    assert not plan.tasks.filter(lead_department=None).exists()


def test_targets_are_linked_to_the_record_and_reported(county):
    linked = Target.objects.filter(source=TargetSource.LINKED)
    assert set(linked.values_list("metric_key", flat=True)) >= {
        "safety.drills.count",
        "stats.indicator.kg_gross",
    }
    reported = Target.objects.filter(source=TargetSource.REPORTED)
    assert reported.count() > 15


def test_a_realistic_mix_of_statuses_with_their_history(county):
    statuses = Counter(Task.objects.values_list("status", flat=True))
    assert statuses[TaskStatus.ON_TRACK] + statuses[TaskStatus.DONE] >= 10
    assert statuses[TaskStatus.LAGGING] + statuses[TaskStatus.OVERDUE] >= 3
    assert ProgressReport.objects.filter(period_start__month=1).count() == 0
    assert ProgressReport.objects.filter(period_start__month=10).count() >= 15
    # The history was kept month by month, not written at the end.
    days = set(TaskStatusChange.objects.values_list("on", flat=True))
    assert len({d.month for d in days}) >= 3


def test_the_plan_page_shows_it_and_the_demo_school_sees_its_task(county, client):
    plan = WorkPlan.objects.get(bureau=county.bureau)
    client.force_login(county.users["leader"])
    page = client.get(reverse("plans:plan-detail", args=[plan.pk])).content.decode()
    assert "滞后和逾期的任务" in page and "20．推进教育信息化" in page
    client.force_login(county.users["principal"])
    page = client.get(reverse("plans:plan-detail", args=[plan.pk])).content.decode()
    assert "20．推进教育信息化" in page and "1．加强党的建设" not in page
