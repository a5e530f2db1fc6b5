"""Carrying a plan over to next year, and what a department owes this month."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from edubureau.plans.models import Milestone, PlanGroup, Target, Task, WorkPlan
from edubureau.plans.progress import TaskStatus
from edubureau.testing.dates import today


def _plan(cast, year):
    plan = WorkPlan.objects.create(
        bureau=cast.bureau, year=year, title=f"甲县教育局{year}年工作要点"
    )
    group = PlanGroup.objects.create(plan=plan, position=1, title="抓队伍")
    done = Task.objects.create(
        plan=plan, group=group, number=1, title="培训班主任", text="培训班主任。",
        lead_department=cast.office, status=TaskStatus.DONE, deadline=date(year, 2, 28),
    )  # fmt: skip
    Target.objects.create(task=done, metric="培训中小学班主任", unit="人", value=860)
    lagging = Task.objects.create(
        plan=plan, group=group, number=2, title="交流轮岗", text="交流轮岗。",
        lead_department=cast.office, status=TaskStatus.LAGGING, deadline=date(year, 12, 31),
    )  # fmt: skip
    lagging.schools.add(cast.school_a)
    Milestone.objects.create(task=lagging, due=date(year, 6, 30), label="过半", expected_percent=50)
    return plan


def test_next_years_plan_starts_as_a_copy_with_the_unfinished_marked(cast, client_for):
    year = today().year
    plan = _plan(cast, year)
    client = client_for(cast.office_staff)
    answer = client.post(reverse("plans:plan-carry-over", args=[plan.pk]))
    new = WorkPlan.objects.get(year=year + 1)
    assert answer["Location"] == reverse("plans:plan-detail", args=[new.pk])
    assert new.title == f"甲县教育局{year + 1}年工作要点" and new.carried_from == plan
    tasks = list(new.tasks.order_by("number"))
    assert [t.title for t in tasks] == ["培训班主任", "交流轮岗"]
    assert tasks[0].deadline == date(year + 1, 2, 28)
    assert [str(t) for t in tasks[0].targets.all()] == ["培训中小学班主任860人"]
    assert list(tasks[1].schools.all()) == [cast.school_a]
    assert tasks[1].milestones.get().due == date(year + 1, 6, 30)
    assert all(t.status == TaskStatus.NOT_STARTED for t in tasks)
    page = client.get(answer["Location"]).content.decode()
    assert page.count('data-testid="carried-unfinished"') == 1
    again = client.post(reverse("plans:plan-carry-over", args=[plan.pk]), follow=True)
    assert f"本局{year + 1}年的工作要点已经存在" in again.content.decode()
    assert WorkPlan.objects.count() == 2


def test_a_school_cannot_carry_over(cast, client_for):
    plan = _plan(cast, today().year)
    assert (
        client_for(cast.school_a_principal)
        .post(reverse("plans:plan-carry-over", args=[plan.pk]))
        .status_code
        == 404
    )
    assert (
        client_for(cast.admin).post(reverse("plans:plan-carry-over", args=[plan.pk])).status_code
        == 403
    )


def test_the_department_sees_what_it_owes_this_month(cast, client_for):
    plan = _plan(cast, today().year)
    client = client_for(cast.office_staff)
    page = client.get(reverse("plans:plan-list")).content.decode()
    assert page.count("未填报") == 2
    task = plan.tasks.get(number=2)
    client.post(
        reverse("plans:task-report", args=[task.pk]), {"narrative": "推进中", "percent": "30"}
    )
    page = client.get(reverse("plans:plan-list")).content.decode()
    assert page.count("未填报") == 1 and "已填报" in page
    assert (
        'data-testid="plan-owed"'
        not in client_for(cast.safety_staff).get(reverse("plans:plan-list")).content.decode()
    )
