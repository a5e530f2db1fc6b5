"""Reporting progress on a task and reading its status: a reported target, a target
linked to the record (its actual follows the drills logged), bad input, who may."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from PIL import Image

from edubureau.audit.models import AuditEvent
from edubureau.plans.models import (
    PlanGroup,
    ProgressPhoto,
    ProgressReport,
    Target,
    Task,
    TaskStatusChange,
    WorkPlan,
)
from edubureau.plans.progress import TaskStatus
from edubureau.safety.tests.factories_ledgers import DrillFactory
from edubureau.testing.dates import today


@pytest.fixture
def plan(cast):
    plan = WorkPlan.objects.create(bureau=cast.bureau, year=today().year, title="工作要点")
    PlanGroup.objects.create(plan=plan, position=1, title="抓队伍")
    return plan


def _task(plan, number, department, **fields):
    return Task.objects.create(
        plan=plan,
        group=plan.groups.get(),
        number=number,
        title=f"任务{number}",
        text="……",
        lead_department=department,
        **fields,
    )


def test_the_lead_department_reports_a_target_and_the_status_follows(cast, client_for, plan):
    task = _task(plan, 14, cast.office)
    target = Target.objects.create(task=task, metric="培训中小学班主任", unit="人", value=860)
    client = client_for(cast.office_staff)
    url = reverse("plans:task-report", args=[task.pk])
    answer = client.post(url, {"narrative": "举办班主任培训班两期", f"value-{target.pk}": "860"})
    assert answer.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.percent) == (TaskStatus.DONE, 100)
    report = ProgressReport.objects.get(task=task)
    assert report.values == {str(target.pk): "860"} and report.period_start == today().replace(
        day=1
    )
    assert TaskStatusChange.objects.filter(task=task, status=TaskStatus.DONE).exists()
    assert AuditEvent.objects.filter(model_label="plans.ProgressReport").exists()
    page = client.get(reverse("plans:task-detail", args=[task.pk])).content.decode()
    assert "已完成" in page and "培训中小学班主任" in page


def test_half_the_target_on_the_deadline_lags(cast, client_for, plan):
    day = today()
    task = _task(plan, 1, cast.office, start=day - timedelta(days=30), deadline=day)
    target = Target.objects.create(task=task, metric="培训校级干部", unit="人次", value=700)
    client_for(cast.office_staff).post(
        reverse("plans:task-report", args=[task.pk]),
        {"narrative": "已培训350人次", f"value-{target.pk}": "350"},
    )
    task.refresh_from_db()
    assert task.percent == 50 and task.status == TaskStatus.LAGGING


def test_bad_input_is_refused_in_chinese_and_nothing_is_saved(cast, client_for, plan):
    task = _task(plan, 2, cast.office)
    target = Target.objects.create(task=task, metric="培训农村教师", unit="人", value=1000)
    answer = client_for(cast.office_staff).post(
        reverse("plans:task-report", args=[task.pk]),
        {"narrative": " ", f"value-{target.pk}": "很多"},
    )
    assert answer.status_code == 400
    text = answer.content.decode()
    assert "请填写进展情况。" in text
    assert "“培训农村教师”的完成数应为不小于0的数字，填写的是“很多”。" in text
    assert not ProgressReport.objects.exists()


def test_a_task_without_targets_reports_a_whole_percentage(cast, client_for, plan):
    task = _task(plan, 3, cast.office)
    url = reverse("plans:task-report", args=[task.pk])
    client = client_for(cast.office_staff)
    assert client.post(url, {"narrative": "推进中", "percent": "120"}).status_code == 400
    assert client.post(url, {"narrative": "推进中", "percent": "60"}).status_code == 302
    assert ProgressReport.objects.get(task=task).percent == 60


def test_only_the_lead_department_reports(cast, client_for, plan):
    task = _task(plan, 4, cast.office)
    url = reverse("plans:task-report", args=[task.pk])
    for user in (cast.safety_staff, cast.leader):
        assert client_for(user).post(url, {"narrative": "x", "percent": "10"}).status_code == 403
    assert client_for(cast.sibling_safety).post(url, {"narrative": "x"}).status_code == 404
    assert not ProgressReport.objects.exists()


def test_a_stale_report_form_is_refused(cast, client_for, plan):
    task = _task(plan, 5, cast.office)
    url = reverse("plans:task-report", args=[task.pk])
    client = client_for(cast.office_staff)
    client.post(url, {"narrative": "第一次", "percent": "10"})
    stale = client.post(
        url, {"narrative": "第二次", "percent": "20", "version": "2000-01-01T00:00:00"}
    )
    assert stale.status_code == 302
    assert ProgressReport.objects.get(task=task).narrative == "第一次"


def test_a_linked_targets_actual_follows_the_record(cast, client_for, plan):
    task = _task(plan, 12, cast.safety_dept)
    target = Target.objects.create(task=task, metric="开展应急演练", unit="场次", value=4)
    client = client_for(cast.safety_staff)
    link = client.post(
        reverse("plans:target-link", args=[target.pk]), {"metric": "safety.drills.count"}
    )
    assert link.status_code == 302
    target.refresh_from_db()
    assert target.source == "linked" and target.metric_key == "safety.drills.count"
    day = today()
    DrillFactory.create(school=cast.school_a, held_on=day)
    page = client.get(reverse("plans:task-detail", args=[task.pk])).content.decode()
    assert "25%" in page
    DrillFactory.create(school=cast.school_b, held_on=day)
    DrillFactory.create(school=cast.school_b, held_on=date(day.year - 1, 6, 1))  # last year's
    page = client.get(reverse("plans:task-detail", args=[task.pk])).content.decode()
    assert "50%" in page
    unknown = client.post(reverse("plans:target-link", args=[target.pk]), {"metric": "safety.nope"})
    assert unknown.status_code == 302
    target.refresh_from_db()
    assert target.metric_key == "safety.drills.count"


def _png() -> io.BytesIO:
    data = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(data, format="PNG")
    data.seek(0)
    data.name = "现场.png"
    return data


def test_a_report_carries_photos_served_only_to_those_who_read_the_task(
    cast, client_for, plan, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    task = _task(plan, 6, cast.office)
    client = client_for(cast.office_staff)
    form = {"narrative": "举办培训班", "percent": "20", "photos": [_png(), _png()]}
    assert client.post(reverse("plans:task-report", args=[task.pk]), form).status_code == 302
    photos = list(ProgressPhoto.objects.filter(report__task=task))
    assert len(photos) == 2 and all(p.content_type == "image/png" for p in photos)
    url = reverse("plans:progress-photo", args=[photos[0].pk])
    served = client_for(cast.leader).get(url)
    assert served.status_code == 200 and served["X-Content-Type-Options"] == "nosniff"
    assert client_for(cast.sibling_safety).get(url).status_code == 404
    page = client.get(reverse("plans:task-detail", args=[task.pk])).content.decode()
    assert page.count('data-testid="progress-photo"') == 2


def test_a_file_that_is_not_a_photo_is_refused_and_nothing_is_kept(
    cast, client_for, plan, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    task = _task(plan, 7, cast.office)
    fake = io.BytesIO(b"%PDF-1.4 not an image")
    fake.name = "照片.jpg"
    form = {"narrative": "举办培训班", "percent": "20", "photos": [_png(), fake]}
    answer = client_for(cast.office_staff).post(reverse("plans:task-report", args=[task.pk]), form)
    assert answer.status_code == 400 and "文件不是有效的图片" in answer.content.decode()
    assert not ProgressReport.objects.filter(task=task).exists()
    assert not ProgressPhoto.objects.exists()
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]
