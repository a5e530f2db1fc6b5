"""Due dates of monthly self-inspections, the missing list, 催报 and its command."""

from __future__ import annotations

import io
import uuid
from datetime import date

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from edubureau.audit.models import Action, AuditEvent
from edubureau.core.excel import XLSX_CONTENT_TYPE
from edubureau.notifications.models import Notification
from edubureau.orgs.models import School
from edubureau.safety.models import InspectionStatus
from edubureau.safety.services.chase import CHASE_TOPIC
from edubureau.safety.services.inspections import self_inspection_due_on
from edubureau.safety.tests.factories_inspections import (
    at,
    form_data,
    items_for,
    make_self_inspection,
    small_checklist,
)
from edubureau.safety.tests.factories_ledgers import xlsx_rows
from edubureau.testing.factories import SchoolFactory

MISSING = reverse("safety:self-inspection-missing")
CHASE = reverse("safety:self-inspection-chase")
EXPORT = reverse("safety:inspection-export")
EXPORT_MISSING = reverse("safety:self-inspection-missing-export")


@pytest.mark.parametrize(
    ("period", "working_day", "due"),
    [
        # 2026-10-01..07 National Day holiday; Sat 10-10 is a make-up working day:
        # working days 8 (Thu), 9 (Fri), 10 (Sat), 12 (Mon), 13 (Tue).
        (date(2026, 10, 1), 5, date(2026, 10, 13)),
        (date(2026, 10, 20), 3, date(2026, 10, 10)),
        # June 2026 starts on a Monday: the 5th working day is Friday the 5th.
        (date(2026, 6, 1), 5, date(2026, 6, 5)),
        # Spring Festival 2026 falls mid-February; its first week is ordinary.
        (date(2026, 2, 1), 5, date(2026, 2, 6)),
    ],
)
def test_it_makes_the_self_inspection_due_on_the_nth_working_day(db, period, working_day, due):
    assert self_inspection_due_on(period, working_day=working_day) == due


def test_it_reads_the_due_working_day_from_settings(db, settings):
    settings.SAFETY_SELF_INSPECTION_DUE_WORKING_DAY = 2
    assert self_inspection_due_on(date(2026, 10, 1)) == date(2026, 10, 9)


@pytest.fixture
def month(cast):
    """October 2026: school A has not started, school B has a draft, school C submitted."""
    small_checklist(cast.bureau)
    make_self_inspection(cast.school_b, period=date(2026, 10, 1))
    school_c = SchoolFactory(bureau=cast.bureau, township=cast.township_a, name="甲镇第二小学")
    make_self_inspection(
        school_c,
        period=date(2026, 10, 1),
        status=InspectionStatus.SUBMITTED,
        submitted_at=at(date(2026, 10, 9)),
    )
    return school_c


@time_machine.travel(at(date(2026, 10, 14)), tick=False)
def test_it_lists_the_schools_whose_self_inspection_is_missing(cast, client_for, month):
    page = client_for(cast.leader).get(MISSING, {"period": "2026-10"})
    assert page.status_code == 200
    table = page.text.split('data-testid="missing-table"')[1]
    assert cast.school_a.name in table and "未开始" in table
    assert cast.school_b.name in table and "草稿未提交" in table
    assert month.name not in table
    assert "已过应报日期" in page.text and "2026年10月13日" in page.text
    by_township = client_for(cast.leader).get(
        MISSING, {"period": "2026-10", "township": cast.township_a.pk}
    )
    assert cast.school_b.name not in by_township.text

    # Once school A submits, it leaves the list.
    items = items_for(small_checklist(cast.bureau), cast.school_a)
    client_for(cast.school_a_officer).post(
        reverse("safety:self-inspection-new"),
        form_data(items, {i.key: "pass" for i in items}, action="submit", client_id=uuid.uuid4()),
    )
    table = client_for(cast.leader).get(MISSING).text.split('data-testid="missing-table"')[1]
    assert cast.school_a.name not in table and cast.school_b.name in table


@time_machine.travel(at(date(2026, 10, 14)), tick=False)
def test_it_chases_the_missing_schools_once_a_day(cast, client_for, month):
    client = client_for(cast.safety_staff)
    response = client.post(CHASE, {"period": "2026-10"})
    assert response.status_code == 302
    notes = Notification.objects.filter(topic=CHASE_TOPIC)
    recipients = set(notes.values_list("recipient__username", flat=True))
    assert recipients == {"a_officer", "a_principal", "b_officer"}  # not the read-only teacher
    note = notes.get(recipient=cast.school_b_officer)
    assert note.school_id == cast.school_b.pk and "2026年10月" in note.title
    assert note.link == reverse("safety:self-inspection-new") + "?period=2026-10"

    again = client.post(CHASE, {"period": "2026-10"}, follow=True)
    assert "今天已催报过" in again.text
    assert Notification.objects.filter(topic=CHASE_TOPIC).count() == 3


@time_machine.travel(at(date(2026, 10, 13)), tick=False)
def test_it_does_not_chase_before_the_due_date_has_passed(cast, client_for, month):
    """On the due day itself a school is not late: no 催报 is offered, and a forced
    one sends nothing."""
    client = client_for(cast.safety_staff)
    page = client.get(MISSING, {"period": "2026-10"}).text
    assert 'data-testid="chase"' not in page and 'data-testid="chase-not-due"' in page
    assert "尚未到应报日期" in page
    response = client.post(CHASE, {"period": "2026-10"}, follow=True)
    assert "应报日期过后才能催报" in response.text
    assert not Notification.objects.exists()
    with time_machine.travel(at(date(2026, 10, 14)), tick=False):
        page = client_for(cast.safety_staff).get(MISSING, {"period": "2026-10"}).text
        assert 'data-testid="chase"' in page


def test_it_lets_only_the_safety_department_chase(cast, client_for, month):
    for user in (cast.office_staff, cast.leader, cast.school_a_officer):
        assert client_for(user).post(CHASE, {"period": "2026-10"}).status_code == 403
    assert not Notification.objects.exists()


@time_machine.travel(at(date(2026, 10, 14)), tick=False)
def test_it_shows_a_school_only_itself(cast, client_for, month):
    client = client_for(cast.school_a_officer)
    # Another school is refused by the scoping door (404, audited), as on every list.
    assert client.get(MISSING, {"school": cast.school_b.pk}).status_code == 404
    page = client.get(MISSING, {"period": "2026-10"})
    assert page.context["missing_count"] == 1
    assert cast.school_b.name not in page.text
    assert 'data-testid="chase"' not in page.text


@time_machine.travel(at(date(2026, 10, 14)), tick=False)
def test_it_chases_from_the_command_only_after_the_due_date(cast, month):
    out = io.StringIO()
    call_command("safety_chase_self_inspections", "--date", "2026-10-13", stdout=out)
    assert "尚未到期" in out.getvalue()
    call_command("safety_chase_self_inspections", "--date", "2026-10-14", "--dry-run", stdout=out)
    assert "将催报2所学校" in out.getvalue()
    assert not Notification.objects.exists()

    out = io.StringIO()
    call_command("safety_chase_self_inspections", "--date", "2026-10-14", stdout=out)
    assert "已催报2所学校" in out.getvalue()
    assert Notification.objects.filter(topic=CHASE_TOPIC).count() == 3
    call_command("safety_chase_self_inspections", "--date", "2026-10-14", stdout=io.StringIO())
    assert Notification.objects.filter(topic=CHASE_TOPIC).count() == 3


@time_machine.travel(at(date(2026, 10, 17)), tick=False)
def test_it_runs_the_daily_job_on_working_days_only(cast, month):
    from edubureau.jobs.scheduler import registry
    from edubureau.safety.tasks import chase_self_inspections

    assert "safety.chase_self_inspections" in registry
    assert chase_self_inspections()["ran"] is False  # Saturday 17 October: nobody is chased
    with time_machine.travel(at(date(2026, 10, 19)), tick=False):
        outcome = chase_self_inspections()
    # Every school of every bureau but school C (submitted): A, B (a draft), the
    # sibling county's, the city's own 市直 school and the other city's county's.
    submitted = School.objects.filter(pk=month.pk)
    assert outcome["ran"] is True
    assert outcome["schools"] == School.objects.exclude(pk__in=submitted).count() == 5


@time_machine.travel(at(date(2026, 10, 14)), tick=False)
def test_it_exports_the_missing_schools_with_whom_to_call(cast, client_for, month):
    cast.school_a.principal, cast.school_a.phone = "王校长", "13800000001"
    cast.school_a.save()
    page = client_for(cast.leader).get(MISSING, {"period": "2026-10"}).text
    assert 'data-testid="missing-export"' in page
    response = client_for(cast.leader).get(EXPORT_MISSING, {"period": "2026-10"})
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    header, *rows = xlsx_rows(response.content)
    assert header == ("乡镇（街道）", "学校", "学校类型", "校长（园长）", "联系电话", "情况")
    by_school = {r[1]: r for r in rows}
    assert set(by_school) == {cast.school_a.name, cast.school_b.name}  # C has submitted
    assert by_school[cast.school_a.name][3:] == ("王校长", "13800000001", "未开始")
    assert by_school[cast.school_b.name][5] == "草稿未提交"
    assert AuditEvent.objects.filter(actor=cast.leader, action=Action.EXPORT).exists()
    # A township filter narrows the sheet as it narrows the page.
    only_a = client_for(cast.leader).get(
        EXPORT_MISSING, {"period": "2026-10", "township": cast.township_a.pk}
    )
    assert [r[1] for r in xlsx_rows(only_a.content)[1:]] == [cast.school_a.name]


@time_machine.travel(at(date(2026, 10, 14)), tick=False)
def test_it_exports_the_filtered_inspection_list_in_the_users_scope(cast, client_for, month):
    response = client_for(cast.leader).get(EXPORT, {"kind": "self", "period": "2026-10"})
    assert response.status_code == 200
    header, *rows = xlsx_rows(response.content)
    assert header[:4] == ("学校", "乡镇（街道）", "检查类型", "月份或检查活动")
    by_school = {r[0]: r for r in rows}
    assert set(by_school) == {cast.school_b.name, month.name}
    assert by_school[month.name][3] == "2026年10月"
    assert by_school[month.name][5] == "已提交" and by_school[month.name][7] == "按时"
    assert by_school[cast.school_b.name][7] in ("", None)  # a draft has no timeliness yet
    # School B's own user gets its own row only.
    own = xlsx_rows(client_for(cast.school_b_officer).get(EXPORT).content)[1:]
    assert [r[0] for r in own] == [cast.school_b.name]


@time_machine.travel(at(date(2026, 10, 14)), tick=False)
def test_it_refuses_an_export_too_big_to_use_and_asks_to_narrow_it(
    cast, client_for, month, monkeypatch
):
    from edubureau.core import downloads

    monkeypatch.setattr(downloads, "EXPORT_ROW_LIMIT", 1)
    response = client_for(cast.leader).get(EXPORT, {"kind": "self"}, follow=True)
    assert response.redirect_chain[-1][0] == f"{reverse('safety:inspection-list')}?kind=self"
    assert "超过单次导出上限1条" in response.content.decode()
    narrow = client_for(cast.leader).get(EXPORT, {"school": month.pk})
    assert narrow["Content-Type"] == XLSX_CONTENT_TYPE


@time_machine.travel(at(date(2026, 10, 20)), tick=False)
def test_it_pages_the_missing_schools_and_counts_them_one_step_down(cast, client_for, month):
    SchoolFactory.create_batch(55, bureau=cast.bureau, township=cast.township_a)
    client = client_for(cast.leader)
    first = client.get(MISSING, {"period": "2026-10"})
    total = first.context["missing_count"]
    assert total > 50 and len(first.context["page"].object_list) == 50
    assert f'data-total="{total}"' in first.text
    rest = client.get(MISSING, {"period": "2026-10", "page": 2}).context["page"].object_list
    assert len(rest) == total - 50
    # The county's townships, each with its count and a link narrowing to it.
    groups = first.context["groups"]
    assert {g.label for g in groups} == {cast.township_a.name, cast.township_b.name}
    assert sum(g.missing for g in groups) == total
    assert f"township={cast.township_a.pk}" in groups[0].query
    # The province sees its cities' counts, adding up to its whole list.
    province = client_for(cast.province_leader).get(MISSING, {"period": "2026-10"})
    groups = province.context["groups"]
    assert {g.label for g in groups} == {cast.city.name, cast.other_city.name}
    assert sum(g.missing for g in groups) == province.context["missing_count"]


@time_machine.travel(at(date(2026, 10, 14)), tick=False)
def test_it_chases_only_the_place_the_list_is_narrowed_to(cast, client_for, month):
    client = client_for(cast.province_safety)
    page = client.get(MISSING, {"period": "2026-10", "township": cast.township_b.pk})
    assert (
        f'name="township" value="{cast.township_b.pk}"'
        in page.text.split('data-testid="chase"')[0].rsplit("<form", 1)[1]
    )
    response = client.post(CHASE, {"period": "2026-10", "township": cast.township_b.pk})
    assert response.url.endswith(f"?period=2026-10&township={cast.township_b.pk}")
    chased = set(Notification.objects.filter(topic=CHASE_TOPIC).values_list("school_id", flat=True))
    assert chased == {cast.school_b.pk}
    # A place outside the viewer's scope is refused, as on the list.
    foreign = {"period": "2026-10", "bureau": cast.other_bureau.pk}
    assert client_for(cast.safety_staff).post(CHASE, foreign).status_code == 404
