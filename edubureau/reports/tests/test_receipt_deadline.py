"""A 整改通知书's 回执期限: stored with the notice, shown, overdue after it, chased
(催回执) by the department that keeps the notice or by the daily job, once a day."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from edubureau.audit.models import AuditEvent
from edubureau.core.calendar import is_working_day
from edubureau.core.concurrency import version_token
from edubureau.core.phrasing import date_text
from edubureau.notifications.models import Notification
from edubureau.rectification.models import Severity
from edubureau.reports import services
from edubureau.reports.models import Report
from edubureau.reports.notices import NOTICE_TOPIC
from edubureau.reports.selectors import pending
from edubureau.reports.tasks import chase_receipts
from edubureau.safety.tests.factories_hazards import at, make_hazard
from edubureau.testing.dates import today
from edubureau.testing.workbench import assert_workbench_matches

CHASED = "【催办】请尽快填写回执"


def _issue(cast, **hazard) -> Report:
    make_hazard(cast, school=cast.school_a, **hazard)
    notice = services.create_report(
        user=cast.safety_staff, genre_key="rectification_notice", to_school=cast.school_a
    )
    services.approve(notice, user=cast.leader, loaded_version=version_token(notice))
    notice = Report.objects.get(pk=notice.pk)
    services.issue(notice, user=cast.safety_staff, loaded_version=version_token(notice))
    return Report.objects.get(pk=notice.pk)


def _chases(user) -> int:
    return Notification.objects.filter(
        recipient=user, topic=NOTICE_TOPIC, title__startswith=CHASED
    ).count()


def _working_day_from(day):
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def _text(report: Report) -> str:
    return "\n".join(s.text for s in report.sections.all())


def test_the_notice_asks_for_the_latest_deadline_ahead_and_keeps_it(cast, client_for):
    major = make_hazard(cast, school=cast.school_a, severity=Severity.MAJOR)
    notice = _issue(cast, severity=Severity.MINOR)
    deadlines = [h.deadline for h in cast.school_a.hazards.all()]
    assert notice.reply_by == max(deadlines) and major.deadline in deadlines
    # The stored day is the one the notice's text and the school's message give.
    assert f"请于{date_text(notice.reply_by)}前完成整改" in _text(notice)
    message = Notification.objects.get(recipient=cast.school_a_officer, topic=NOTICE_TOPIC)
    assert message.body.startswith(f"请于{date_text(notice.reply_by)}前")
    page = client_for(cast.school_a_officer).get(reverse("reports:detail", args=[notice.pk]))
    assert f"回执期限：{date_text(notice.reply_by)}" in page.text
    assert 'data-testid="receipt-overdue"' not in page.text


def test_without_a_deadline_ahead_the_school_has_fifteen_days(cast):
    make_hazard(cast, school=cast.school_a, reported_on=today() - timedelta(days=400))
    notice = _issue(cast, reported_on=today() - timedelta(days=300))
    assert all(h.deadline < today() for h in cast.school_a.hazards.all())
    assert notice.reply_by == today() + timedelta(days=15)


def test_before_its_deadline_a_missing_receipt_is_not_late_and_is_not_chased(cast, client_for):
    notice = _issue(cast)
    assert not notice.receipt_overdue(today())
    assert not services.can_chase_receipt(cast.safety_staff, notice, today())
    with pytest.raises(services.ReportError):
        services.chase_receipt(notice, user=cast.safety_staff, today=today())
    staff = client_for(cast.safety_staff)
    assert (
        'data-testid="chase-receipt"'
        not in staff.get(reverse("reports:detail", args=[notice.pk])).text
    )
    counts = assert_workbench_matches(staff)
    assert counts["reports.receipt"].count == 1
    school_item = assert_workbench_matches(client_for(cast.school_a_officer))["reports.receipt"]
    assert school_item.due == notice.reply_by
    assert f"{notice.reply_by.month}月{notice.reply_by.day}日前" in school_item.detail
    assert "reports.receipt_overdue" not in counts  # nothing overdue: not on the workbench
    assert chase_receipts() == 0


def test_after_its_deadline_it_is_overdue_everywhere_and_chased_once_a_day(
    cast, client_for, time_machine
):
    notice = _issue(cast)
    late_day = _working_day_from(notice.reply_by + timedelta(days=3))
    late = (late_day - notice.reply_by).days
    time_machine.move_to(at(late_day), tick=False)
    assert notice.receipt_overdue(late_day) and notice.receipt_days_overdue(late_day) == late

    officer, staff = client_for(cast.school_a_officer), client_for(cast.safety_staff)
    school_items = assert_workbench_matches(officer)
    assert school_items["reports.receipt_overdue"].count == 1
    assert school_items["reports.receipt_overdue"].urgency == "overdue"
    assert assert_workbench_matches(staff)["reports.receipt_overdue"].count == 1
    assert list(pending(cast.safety_staff, "receipt_overdue", today=late_day)) == [notice]
    assert not pending(cast.school_b_officer, "receipt_overdue", today=late_day).exists()
    listed = staff.get(reverse("reports:list") + "?pending=receipt_overdue").text
    assert notice.title in listed and 'class="tag bad" data-testid="awaits-receipt"' in listed
    detail = reverse("reports:detail", args=[notice.pk])
    assert f"已逾期{late}天" in officer.get(detail).text

    # The school cannot chase itself; the department can, once a day.
    assert not services.can_chase_receipt(cast.school_a_officer, notice, late_day)
    refused = officer.post(reverse("reports:chase-receipt", args=[notice.pk]), follow=True)
    assert "只有本局起草通知书的股室可以催办" in refused.text
    assert _chases(cast.school_a_officer) == 0
    loaded_by_school = version_token(notice)
    assert 'data-testid="chase-receipt"' in staff.get(detail).text
    done = staff.post(reverse("reports:chase-receipt", args=[notice.pk]), follow=True)
    assert "已催办，学校会收到通知。" in done.text
    assert _chases(cast.school_a_officer) == 1 and _chases(cast.school_a_principal) == 1
    assert _chases(cast.school_a_teacher) == 0  # read-only: cannot answer
    again = staff.post(reverse("reports:chase-receipt", args=[notice.pk]), follow=True)
    assert "今天已催办过该校" in again.text
    assert chase_receipts() == 0  # the daily job too: already reminded today
    assert _chases(cast.school_a_officer) == 1
    chased = AuditEvent.objects.filter(detail=f"催办回执（逾期{late}天）", actor=cast.safety_staff)
    assert chased.count() == 1

    # The next working day the job reminds the school by itself.
    next_day = _working_day_from(late_day + timedelta(days=1))
    time_machine.move_to(at(next_day), tick=False)
    assert chase_receipts() == 1
    assert _chases(cast.school_a_officer) == 2
    assert AuditEvent.objects.filter(detail__startswith="催办回执", actor=None).count() == 1

    # A reminder is not an edit: the school's page, opened before it, still answers.
    services.submit_receipt(
        Report.objects.get(pk=notice.pk),
        user=cast.school_a_officer,
        text="已整改",
        loaded_version=loaded_by_school,
    )
    answered = Report.objects.get(pk=notice.pk)
    assert not answered.receipt_overdue(next_day)
    assert not pending(cast.safety_staff, "receipt_overdue", today=next_day).exists()
    with pytest.raises(services.ReportError):
        services.chase_receipt(answered, user=cast.safety_staff, today=next_day)
