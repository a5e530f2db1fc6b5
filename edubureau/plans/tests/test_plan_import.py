"""Importing a work plan from text, end to end through the pages: paste seed 003,
review the recognised groups, tasks and targets, choose a lead department, drop a
target, save; bad input answered in Chinese with nothing saved."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.urls import reverse
from docx import Document

from edubureau.audit.models import AuditEvent
from edubureau.plans.models import PlanGroup, Target, Task, WorkPlan
from edubureau.plans.services import PlanInvalid, save_parsed_plan
from edubureau.plans.textparse import parse_plan
from edubureau.testing.factories import DepartmentFactory

SEED_003 = (Path(__file__).parent / "data" / "seed_003.txt").read_text(encoding="utf-8")
URL = reverse("plans:plan-import")


def test_department_staff_paste_review_and_save_seed_003(cast, client_for):
    client = client_for(cast.office_staff)
    review = client.post(URL, {"year": "2017", "text": SEED_003, "action": "parse"})
    page = review.content.decode()
    assert review.status_code == 200
    assert page.count('data-testid="parsed-task"') == 24
    assert "与第3组重复" in page
    assert "培训中小学班主任：860人（原文“860名”）" in page

    training = cast.office  # the office leads task 14 in this test
    form = {"year": "2017", "text": SEED_003, "action": "save", "lead-14": str(training.pk)}
    kept = [0, 1, 2, 3, 4, 5, 6]  # the last target (2500人次) unticked
    form.update({f"target-14-{i}": "1" for i in kept})
    saved = client.post(URL, form)
    plan = WorkPlan.objects.get(bureau=cast.bureau, year=2017)
    assert saved.status_code == 302 and saved["Location"] == reverse(
        "plans:plan-detail", args=[plan.pk]
    )
    assert plan.title == "大英县教育局2017年工作要点"
    assert PlanGroup.objects.filter(plan=plan).count() == 6
    assert Task.objects.filter(plan=plan).count() == 24
    task = Task.objects.get(plan=plan, number=14)
    assert task.lead_department == training
    assert [str(t) for t in task.targets.all()] == [
        "培训中小学班主任860人",
        "培训教导主任、教科室主任550人次",
        "培训校级干部700人次",
        "培训农村教师1000人",
        "培训骨干教师200人次",
        "培训2017年招聘的新教师170人",
        "举办“校长大讲堂”5期",
    ]
    # Unticked targets of other tasks stay unticked: task 11's two standards were not posted.
    assert not Target.objects.filter(task__plan=plan, task__number=11).exists()
    assert "，" in plan.guiding_idea and "," not in plan.guiding_idea
    assert AuditEvent.objects.filter(model_label="plans.WorkPlan", object_id=str(plan.pk)).exists()

    detail = client.get(saved["Location"]).content.decode()
    assert "14．加强师资培训" in detail and "牵头：" + training.name in detail


def test_a_second_plan_for_the_year_is_refused_and_nothing_changes(cast, client_for):
    client = client_for(cast.office_staff)
    client.post(URL, {"year": "2017", "text": SEED_003, "action": "save"})
    tasks = Task.objects.count()
    again = client.post(URL, {"year": "2017", "text": SEED_003, "action": "save"})
    assert again.status_code == 200
    assert "本局2017年的工作要点已经存在，不能重复创建。" in again.content.decode()
    assert Task.objects.count() == tasks and WorkPlan.objects.count() == 1


def test_a_department_of_another_bureau_is_refused(cast):
    foreign = DepartmentFactory.create(bureau=cast.sibling_bureau, code="personnel", name="人事股")
    from edubureau.plans.services import TaskChoice

    with pytest.raises(PlanInvalid) as refused:
        save_parsed_plan(
            actor=cast.office_staff,
            parsed=parse_plan(SEED_003),
            year=2017,
            choices={14: TaskChoice(lead_department_id=foreign.pk)},
        )
    assert refused.value.problems == ["第14项的牵头股室不是本局的股室。"]
    assert not WorkPlan.objects.exists()


def test_school_users_and_administrators_cannot_import(cast, client_for):
    for user in (cast.school_a_principal, cast.admin, cast.inspector):
        assert client_for(user).get(URL).status_code == 403, user


def test_a_docx_upload_is_read_and_a_bad_file_refused(cast, client_for):
    document = Document()
    for line in SEED_003.splitlines():
        document.add_paragraph(line)
    data = io.BytesIO()
    document.save(data)
    client = client_for(cast.office_staff)
    upload = io.BytesIO(data.getvalue())
    upload.name = "工作要点.docx"
    page = client.post(URL, {"year": "2017", "file": upload, "action": "parse"}).content.decode()
    assert page.count('data-testid="parsed-task"') == 24

    bad = io.BytesIO(b"not a zip")
    bad.name = "工作要点.docx"
    page = client.post(URL, {"year": "2017", "file": bad, "action": "parse"}).content.decode()
    assert "无法读取该Word文件" in page
    doc = io.BytesIO(b"\xd0\xcf\x11\xe0")
    doc.name = "工作要点.doc"
    page = client.post(URL, {"year": "2017", "file": doc, "action": "parse"}).content.decode()
    assert "旧版.doc请先用Word另存为.docx" in page


def test_a_gb18030_text_file_is_read(cast, client_for):
    upload = io.BytesIO(SEED_003.encode("gb18030"))
    upload.name = "plan.txt"
    page = (
        client_for(cast.office_staff)
        .post(URL, {"file": upload, "action": "parse"})
        .content.decode()
    )
    assert page.count('data-testid="parsed-task"') == 24
    assert 'value="2017"' in page  # the year recognised from the title
