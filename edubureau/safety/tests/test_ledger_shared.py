"""Emergency plans and education activities go through the same machinery as the
other ledgers; these tests cover them and what every ledger shares."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from edubureau.audit.models import Action, AuditEvent
from edubureau.core.concurrency import version_token
from edubureau.safety.models import EducationActivity, EmergencyPlan
from edubureau.safety.selectors.ledger_specs import LEDGERS
from edubureau.safety.tests import factories_ledgers as f
from edubureau.safety.tests.factories_ledgers import xlsx


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime(2026, 3, 16, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)


def test_it_records_edits_and_deletes_an_emergency_plan(cast, client_for):
    client = client_for(cast.school_a_officer)
    data = {
        "school": cast.school_a.pk,
        "name": "防汛应急预案",
        "kind": "防汛",
        "approved_on": "2025-05-01",
        "review_due": "2026-05-01",
    }
    assert client.post(reverse("safety:plan-create"), data).status_code == 302
    plan = EmergencyPlan.objects.get()
    edit = reverse("safety:plan-edit", kwargs={"emergencyplan_id": plan.pk})
    data |= {"review_due": "2027-05-01", "version": version_token(plan)}
    assert client.post(edit, data).status_code == 302
    plan.refresh_from_db()
    assert plan.review_due == date(2027, 5, 1)
    client.post(reverse("safety:plan-delete", kwargs={"emergencyplan_id": plan.pk}))
    assert not EmergencyPlan.objects.exists()
    actions = set(
        AuditEvent.objects.filter(
            object_id=str(plan.pk), model_label="safety.EmergencyPlan"
        ).values_list("action", flat=True)
    )
    assert actions == {Action.CREATE, Action.UPDATE, Action.DELETE}


def test_it_requires_a_plans_review_date_after_its_approval(cast, client_for):
    response = client_for(cast.school_a_officer).post(
        reverse("safety:plan-create"),
        {
            "school": cast.school_a.pk,
            "name": "消防预案",
            "kind": "消防",
            "approved_on": "2025-05-01",
            "review_due": "2025-04-01",
        },
    )
    assert "修订到期日应晚于印发日期" in response.content.decode()
    assert not EmergencyPlan.objects.exists()


def test_it_records_an_education_activity_and_refuses_empty_ones(cast, client_for):
    client = client_for(cast.school_a_officer)
    url = reverse("safety:activity-create")
    data = {
        "school": cast.school_a.pk,
        "held_on": "2026-03-02",
        "kind": "安全第一课",
        "title": "开学安全第一课",
        "sessions": "24",
        "participants": "1080",
    }
    bad = client.post(url, data | {"sessions": "0", "participants": "0", "held_on": "2026-04-01"})
    body = bad.content.decode()
    assert "场次应大于0" in body and "参与人次应大于0" in body and "开展日期不能晚于今天" in body
    assert not EducationActivity.objects.exists()
    assert client.post(url, data).status_code == 302
    activity = EducationActivity.objects.get()
    assert (activity.sessions, activity.participants) == (24, 1080)


def test_it_totals_education_sessions_and_participants(cast, client_for):
    f.EducationActivityFactory(school=cast.school_a, sessions=10, participants=400)
    f.EducationActivityFactory(school=cast.school_b, sessions=5, participants=300)
    totals = client_for(cast.safety_staff).get(reverse("safety:activity-list")).context["totals"]
    assert dict(totals["figures"]) == {"场次": 15, "参与人次": 700}


def test_it_imports_activities_and_plans(cast, client_for):
    client = client_for(cast.school_a_officer)
    activities = xlsx(
        ["学校标识码", "开展日期", "活动类型", "主题", "场次", "参与人次"],
        [["5109210001", "2026-03-06", "主题班会", "防溺水主题班会", 18, 760]],
    )
    assert client.post(reverse("safety:activity-import"), {"file": activities}).status_code == 302
    assert EducationActivity.objects.get().title == "防溺水主题班会"
    plans = xlsx(
        ["学校标识码", "预案名称", "类别", "印发日期", "修订到期日"],
        [["5109210001", "校车安全应急预案", "校车", "2025-09-01", "2025-08-01"]],
        title="预案",
    )
    response = client.post(reverse("safety:plan-import"), {"file": plans})
    assert response.context["errors"] == [
        "工作表“预案”第2行E列（“修订到期日”）：修订到期日应晚于印发日期"
    ]


def test_it_rejects_a_file_that_is_not_a_workbook(cast, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("drills.xlsx", b"not a workbook")
    response = client_for(cast.school_a_officer).post(
        reverse("safety:drill-import"), {"file": upload}
    )
    assert "文件不是有效的Excel" in response.context["errors"][0]


@pytest.mark.parametrize("key", sorted(LEDGERS))
def test_it_renders_every_ledgers_pages(cast, client_for, key):
    spec = LEDGERS[key]
    client = client_for(cast.safety_staff)
    for name in ("list", "create", "import"):
        assert client.get(reverse(f"safety:{key}-{name}")).status_code == 200
    export = client.get(reverse(f"safety:{key}-export"))
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    factory = {
        "letter": f.ResponsibilityLetterFactory,
        "plan": f.EmergencyPlanFactory,
        "drill": f.DrillFactory,
        "activity": f.EducationActivityFactory,
        "vehicle": f.VehicleFactory,
        "canteen": f.CanteenFactory,
        "security": f.SecurityResourcesFactory,
    }[key]
    obj = factory(school=cast.school_a)
    for name in ("edit", "delete"):
        url = reverse(f"safety:{key}-{name}", kwargs={spec.id_kwarg: obj.pk})
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("key", sorted(LEDGERS))
def test_it_lists_a_ledger_in_a_constant_number_of_queries(cast, client_for, key):
    def add(n: int) -> None:
        school = f.SchoolFactory(bureau=cast.bureau, township=cast.township_a)
        {
            "letter": lambda: f.ResponsibilityLetterFactory(school=school),
            "plan": lambda: f.EmergencyPlanFactory(school=school),
            "drill": lambda: f.DrillFactory(school=school),
            "activity": lambda: f.EducationActivityFactory(school=school),
            "vehicle": lambda: f.VehicleFactory(school=school),
            "canteen": lambda: f.CanteenFactory(school=school),
            "security": lambda: f.SecurityResourcesFactory(school=school),
        }[key]()

    client = client_for(cast.safety_staff)
    url = reverse(f"safety:{key}-list")

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            response = client.get(url)
        assert response.status_code == 200
        return len(context)

    add(0)
    queries()  # the first request of a session does its own bookkeeping
    one = queries()
    for n in range(1, 20):
        add(n)
    assert queries() == one <= 14
