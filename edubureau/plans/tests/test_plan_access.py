"""Who reads and writes plans and tasks, beyond the generic isolation walk: an issued
plan is read by the bureaus below its own (it directs them); a draft is not; a school
account reads only the tasks that concern its school; a department keeps its own
tasks only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from edubureau.plans.models import PlanGroup, PlanStatus, ProgressReport, Task, WorkPlan
from edubureau.testing.dates import today


def _plan(bureau, *, status=PlanStatus.DRAFT):
    plan = WorkPlan.objects.create(
        bureau=bureau, year=today().year, title=f"{bureau.name}工作要点", status=status
    )
    group = PlanGroup.objects.create(plan=plan, position=1, title="抓安全")
    return plan, group


@pytest.fixture
def city_plan(cast):
    plan, group = _plan(cast.city, status=PlanStatus.ISSUED)
    Task.objects.create(plan=plan, group=group, number=1, title="各县区要开展防溺水教育", text="…")
    return plan


def test_an_issued_city_plan_is_read_by_its_counties_not_by_another_city(
    cast, client_for, city_plan
):
    url = reverse("plans:plan-detail", args=[city_plan.pk])
    own_county = client_for(cast.safety_staff).get(url)
    assert own_county.status_code == 200
    assert "各县区要开展防溺水教育" in own_county.content.decode()
    assert client_for(cast.sibling_safety).get(url).status_code == 200
    assert client_for(cast.other_admin).get(url).status_code == 404


def test_a_draft_is_read_by_its_bureau_and_those_above_only(cast, client_for):
    plan, _ = _plan(cast.city)
    url = reverse("plans:plan-detail", args=[plan.pk])
    assert client_for(cast.city_safety).get(url).status_code == 200
    assert client_for(cast.province_leader).get(url).status_code == 200
    assert client_for(cast.safety_staff).get(url).status_code == 404


def test_a_school_reads_only_the_tasks_that_concern_it(cast, client_for):
    plan, group = _plan(cast.bureau, status=PlanStatus.ISSUED)
    mine = Task.objects.create(plan=plan, group=group, number=1, title="甲校改造食堂", text="…")
    mine.schools.add(cast.school_a)
    other = Task.objects.create(plan=plan, group=group, number=2, title="乙校新建操场", text="…")
    other.schools.add(cast.school_b)
    Task.objects.create(plan=plan, group=group, number=3, title="机关作风建设", text="…")
    page = client_for(cast.school_a_principal).get(reverse("plans:plan-detail", args=[plan.pk]))
    text = page.content.decode()
    assert "甲校改造食堂" in text
    assert "乙校新建操场" not in text and "机关作风建设" not in text
    assert list(Task.objects.visible_to(cast.school_b_officer)) == [other]


def test_a_school_reads_no_draft(cast, client_for):
    plan, group = _plan(cast.bureau)
    task = Task.objects.create(plan=plan, group=group, number=1, title="甲校改造食堂", text="…")
    task.schools.add(cast.school_a)
    assert not Task.objects.visible_to(cast.school_a_principal).exists()
    url = reverse("plans:plan-detail", args=[plan.pk])
    assert client_for(cast.school_a_principal).get(url).status_code == 404


def test_a_department_writes_only_the_tasks_it_leads(cast):
    plan, group = _plan(cast.bureau)
    safety_task = Task.objects.create(
        plan=plan, group=group, number=1, title="安全", text="…", lead_department=cast.safety_dept
    )
    office_task = Task.objects.create(
        plan=plan, group=group, number=2, title="党建", text="…", lead_department=cast.office
    )
    assert list(Task.objects.writable_by(cast.safety_staff)) == [safety_task]
    assert list(Task.objects.writable_by(cast.office_staff)) == [office_task]
    assert not Task.objects.writable_by(cast.leader).exists()
    assert not Task.objects.writable_by(cast.sibling_safety).exists()


def test_every_figure_of_the_summary_opens_its_tasks(cast, client_for):
    plan, group = _plan(cast.bureau)
    day = today()
    # Well into its span with nothing done: lagging whatever day the suite runs.
    Task.objects.create(
        plan=plan, group=group, number=1, title="防溺水教育", text="…",
        lead_department=cast.safety_dept,
        start=day - timedelta(days=200), deadline=day + timedelta(days=10),
    )  # fmt: skip
    done = Task.objects.create(
        plan=plan, group=group, number=2, title="机关作风建设", text="…",
        lead_department=cast.office,
    )  # fmt: skip
    ProgressReport.objects.create(
        task=done, period_start=day.replace(day=1), percent=100, narrative="已完成"
    )
    client = client_for(cast.leader)
    url = reverse("plans:plan-detail", args=[plan.pk])
    page = client.get(url).content.decode()
    assert "?status=lagging#tasks" in page
    assert f"?department={cast.safety_dept.pk}&amp;status=lagging#tasks" in page
    narrowed = client.get(url, {"department": str(cast.office.pk)}).content.decode()
    tasks = narrowed.split('id="tasks"', 1)[1]
    assert "机关作风建设" in tasks and "防溺水教育" not in tasks
    bogus = client.get(url, {"status": "nonsense", "department": "x" * 50})
    assert bogus.status_code == 200
