"""Editing a task on its page: departments, schools concerned, dates, targets and
milestones, checked together; who may edit and who may reassign."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from edubureau.plans.models import PlanGroup, Task, WorkPlan
from edubureau.testing.dates import today


@pytest.fixture
def task(cast):
    plan = WorkPlan.objects.create(bureau=cast.bureau, year=today().year, title="工作要点")
    group = PlanGroup.objects.create(plan=plan, position=1, title="抓安全")
    return Task.objects.create(
        plan=plan, group=group, number=5, title="加强应急演练", text="……",
        lead_department=cast.safety_dept,
    )  # fmt: skip


def _form(task, **changes):
    year = task.plan.year
    form = {
        "version": task.updated_at.isoformat(),
        "title": "加强应急演练",
        "text": "各校每学期开展应急疏散演练。",
        "lead_department": str(task.lead_department_id),
        "supporting": [],
        "schools": [],
        "start": f"{year}-01-01",
        "deadline": f"{year}-12-31",
        "target_metric": ["开展应急演练", ""],
        "target_value": ["600", ""],
        "target_unit": ["场次", ""],
        "milestone_due": [f"{year}-06-30", ""],
        "milestone_label": ["上半年", ""],
        "milestone_percent": ["50", ""],
    }
    form.update(changes)
    return form


def test_the_lead_department_edits_its_task(cast, client_for, task):
    client = client_for(cast.safety_staff)
    url = reverse("plans:task-edit", args=[task.pk])
    assert client.get(url).status_code == 200
    form = _form(task, supporting=[str(cast.office.pk)], schools=[str(cast.school_a.pk)])
    answer = client.post(url, form)
    assert answer.status_code == 302
    task.refresh_from_db()
    year = task.plan.year
    assert (task.start, task.deadline) == (date(year, 1, 1), date(year, 12, 31))
    assert [str(t) for t in task.targets.all()] == ["开展应急演练600场次"]
    assert [(m.due, m.expected_percent) for m in task.milestones.all()] == [(date(year, 6, 30), 50)]
    assert list(task.supporting_departments.all()) == [cast.office]
    assert list(task.schools.all()) == [cast.school_a]
    # A target row cleared is deleted; a new one added.
    task.refresh_from_db()
    form = _form(
        task, target_metric=["", "培训安全专干"], target_value=["", "150"], target_unit=["", "人"]
    )
    assert client.post(url, form).status_code == 302
    assert [str(t) for t in task.targets.all()] == ["培训安全专干150人"]


def test_every_problem_is_reported_and_nothing_saved(cast, client_for, task):
    year = task.plan.year
    form = _form(
        task,
        title=" ",
        deadline=f"{year}-03-01",
        start=f"{year}-06-01",
        target_value=["很多", ""],
        milestone_percent=["150", ""],
        schools=[str(cast.sibling_school.pk)],
    )
    answer = client_for(cast.safety_staff).post(reverse("plans:task-edit", args=[task.pk]), form)
    assert answer.status_code == 400
    text = answer.content.decode()
    for message in (
        "请填写任务名称。",
        "完成时限不能早于开始日期。",
        "第1个目标的目标值应为大于0的数字，填写的是“很多”。",
        "第1个时间节点的应完成比例应为1—100的整数。",
        "涉及学校须是本局及下级的学校。",
    ):
        assert message in text, message
    task.refresh_from_db()
    assert task.start is None and not task.targets.exists()


def test_only_a_leader_or_the_office_reassigns_and_others_cannot_edit(cast, client_for, task):
    url = reverse("plans:task-edit", args=[task.pk])
    moved = _form(task, lead_department=str(cast.office.pk))
    answer = client_for(cast.safety_staff).post(url, moved)
    assert "只有局领导或办公室可以调整牵头股室。" in answer.content.decode()
    assert client_for(cast.office_staff).get(url).status_code == 403  # another department's
    assert client_for(cast.school_a_principal).get(url).status_code == 404
    assert client_for(cast.leader).post(url, moved).status_code == 302
    task.refresh_from_db()
    assert task.lead_department == cast.office
