"""送审 and the messages of a report's life: a drafter sends a draft for review; the
leader in charge of their department (or every leader, when none is set) is told and
finds it on the workbench; approving or sending it back tells the drafter, with the
reason; an issued 整改通知书 tells its school, which finds it on the workbench until it
answers, and the answer tells the drafter. Every workbench count equals its list."""

from __future__ import annotations

import pytest
from django.urls import reverse

from edubureau.core.concurrency import version_token
from edubureau.core.facts import Period
from edubureau.notifications.models import MutedTopic, Notification
from edubureau.orgs.models import Role
from edubureau.reports import services
from edubureau.reports.models import Report, ReportStatus
from edubureau.reports.notices import NOTICE_TOPIC, REVIEW_TOPIC
from edubureau.reports.selectors import pending
from edubureau.safety.tests.factories_hazards import make_hazard
from edubureau.testing.dates import today
from edubureau.testing.factories import UserFactory
from edubureau.testing.workbench import assert_workbench_matches

pytestmark = pytest.mark.django_db


def _draft(cast) -> Report:
    return services.create_report(
        user=cast.safety_staff,
        genre_key="annual_safety",
        period=Period.calendar_year(today().year),
    )


def _titles(user, topic: str) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user, topic=topic).values_list("title", flat=True)
    )


def _fresh(report: Report) -> Report:
    return Report.objects.get(pk=report.pk)


def _submit(report: Report, user) -> Report:
    services.submit_for_review(report, user=user, loaded_version=version_token(report))
    return _fresh(report)


@pytest.fixture
def deputy(cast):
    """A second leader of the bureau, 分管 safety."""
    deputy = UserFactory.create(
        bureau=cast.bureau, username="deputy", role=Role.BUREAU_LEADER, full_name="副局长"
    )
    cast.safety_dept.leader_in_charge = deputy
    cast.safety_dept.save()
    return deputy


def test_a_draft_sent_for_review_reaches_the_leader_in_charge_only(cast, deputy, client_for):
    report = _submit(_draft(cast), cast.safety_staff)

    assert report.awaits_review and report.state_label == "待审核"
    assert report.submitted_by == cast.safety_staff
    assert _titles(deputy, REVIEW_TOPIC) == [f"待审核：{report.title}"]
    assert _titles(cast.leader, REVIEW_TOPIC) == []
    assert list(pending(deputy, "review")) == [report]
    assert not pending(cast.leader, "review").exists()
    items = assert_workbench_matches(client_for(deputy))
    assert items["reports.review"].count == 1
    # Any leader of the bureau may still approve it.
    assert services.can_approve(cast.leader, report)
    # Sent once: a second 送审 is refused.
    assert not services.can_submit(cast.safety_staff, report)
    with pytest.raises(services.ReportError):
        _submit(report, cast.safety_staff)


def test_a_draft_regenerating_in_the_worker_waits_on_nobody_until_it_is_done(
    cast, deputy, client_for
):
    report = _submit(_draft(cast), cast.safety_staff)
    # The worker is redrafting it (services.regenerate of a large scope).
    Report.objects.filter(pk=report.pk).update(generating=True, progress=40)
    report = _fresh(report)

    assert not report.awaits_review and report.state_label == "正在生成"
    assert not pending(deputy, "review").exists()
    assert "reports.review" not in assert_workbench_matches(client_for(deputy))
    listed = client_for(cast.safety_staff).get(reverse("reports:list")).content.decode()
    assert "正在生成" in listed and "待审核" not in listed
    assert not services.can_approve(deputy, report) and not services.can_return(deputy, report)

    Report.objects.filter(pk=report.pk).update(generating=False, progress=100)
    report = _fresh(report)
    assert report.state_label == "待审核"
    assert assert_workbench_matches(client_for(deputy))["reports.review"].count == 1


def test_without_a_leader_in_charge_every_leader_is_asked(cast, client_for):
    second = UserFactory.create(bureau=cast.bureau, role=Role.BUREAU_LEADER)
    report = _submit(_draft(cast), cast.safety_staff)
    for leader in (cast.leader, second):
        assert _titles(leader, REVIEW_TOPIC) == [f"待审核：{report.title}"]
        assert assert_workbench_matches(client_for(leader))["reports.review"].count == 1


def test_approving_tells_the_drafter_and_clears_the_workbench(cast, deputy, client_for):
    report = _submit(_draft(cast), cast.safety_staff)
    services.approve(report, user=deputy, loaded_version=version_token(report))

    assert _fresh(report).status == ReportStatus.APPROVED
    assert _titles(cast.safety_staff, REVIEW_TOPIC) == [f"审核通过：{report.title}"]
    assert _titles(deputy, REVIEW_TOPIC) == [f"待审核：{report.title}"]  # not of their own step
    assert not pending(deputy, "review").exists()
    assert "reports.review" not in {
        key for key, item in assert_workbench_matches(client_for(deputy)).items() if item.shown
    }


def test_a_draft_sent_back_carries_the_reason_to_the_drafter(cast, deputy, client_for):
    report = _submit(_draft(cast), cast.safety_staff)
    assert services.can_return(deputy, report)
    services.return_to_draft(
        report, user=deputy, reason="  第三部分数字请核对  ", loaded_version=version_token(report)
    )
    report = _fresh(report)

    assert report.is_draft and not report.awaits_review
    assert report.return_reason == "第三部分数字请核对"
    assert report.state_label == "退回修改"
    note = Notification.objects.get(recipient=cast.safety_staff, topic=REVIEW_TOPIC)
    assert note.title == f"退回修改：{report.title}"
    assert "第三部分数字请核对" in note.body
    staff = client_for(cast.safety_staff)
    assert assert_workbench_matches(staff)["reports.returned"].count == 1
    page = staff.get(reverse("reports:detail", kwargs={"report_id": report.pk}))
    assert "已退回修改：第三部分数字请核对" in page.content.decode()

    # Sent again: the reason is cleared and the reviewer asked again.
    report = _submit(report, cast.safety_staff)
    assert report.return_reason == "" and report.awaits_review
    assert not pending(cast.safety_staff, "returned").exists()
    assert _titles(deputy, REVIEW_TOPIC) == [f"待审核：{report.title}"] * 2


def test_only_who_may_edit_sends_for_review_and_only_a_reviewer_sends_back(cast, deputy):
    report = _draft(cast)
    for user in (cast.leader, cast.office_staff, cast.school_a_principal, cast.inspector):
        assert not services.can_submit(user, report), user.username
        with pytest.raises(services.ReportError):
            services.submit_for_review(report, user=user, loaded_version=version_token(report))
    report = _submit(report, cast.safety_staff)
    for user in (cast.safety_staff, cast.office_staff, cast.school_a_principal):
        assert not services.can_return(user, report), user.username
    # A plain draft (not sent) is not "sent back": the drafter is still writing it.
    assert not services.can_return(deputy, _draft(cast))


def test_sending_for_review_with_no_one_to_review_is_refused_and_changes_nothing(cast):
    type(cast.leader).objects.filter(pk=cast.leader.pk).update(is_active=False)
    report = _draft(cast)
    with pytest.raises(services.ReportError, match="本局局领导还没有可用的账号"):
        services.submit_for_review(
            report, user=cast.safety_staff, loaded_version=version_token(report)
        )
    assert _fresh(report).submitted_at is None
    assert not Notification.objects.filter(topic=REVIEW_TOPIC).exists()


def test_a_schools_own_report_goes_to_its_principal(cast, client_for):
    report = services.create_report(
        user=cast.school_a_officer,
        genre_key="annual_safety",
        period=Period.calendar_year(today().year),
    )
    report = _submit(report, cast.school_a_officer)
    assert _titles(cast.school_a_principal, REVIEW_TOPIC) == [f"待审核：{report.title}"]
    assert _titles(cast.leader, REVIEW_TOPIC) == []
    principal = client_for(cast.school_a_principal)
    assert assert_workbench_matches(principal)["reports.review"].count == 1
    services.approve(report, user=cast.school_a_principal, loaded_version=version_token(report))
    assert _titles(cast.school_a_officer, REVIEW_TOPIC) == [f"审核通过：{report.title}"]


def _issue_notice(cast) -> Report:
    """A 整改通知书 to school A about its open hazard: drafted, approved, issued."""
    make_hazard(cast, school=cast.school_a)
    notice = services.create_report(
        user=cast.safety_staff, genre_key="rectification_notice", to_school=cast.school_a
    )
    services.approve(notice, user=cast.leader, loaded_version=version_token(notice))
    notice = _fresh(notice)
    services.issue(notice, user=cast.safety_staff, loaded_version=version_token(notice))
    return _fresh(notice)


def test_an_issued_notice_waits_on_its_school_until_it_answers(cast, client_for):
    # The school turned the topic off: a notice reaches it anyway (it must act).
    MutedTopic.objects.create(user=cast.school_a_officer, topic=NOTICE_TOPIC)
    notice = _issue_notice(cast)

    for user in (cast.school_a_officer, cast.school_a_principal):
        assert _titles(user, NOTICE_TOPIC) == [f"整改通知书：{notice.title}（{notice.number}）"]
    # The school reads it as the document lays it out: every paragraph its own, indented.
    page = client_for(cast.school_a_officer).get(
        reverse("reports:detail", kwargs={"report_id": notice.pk})
    )
    lines = sum(len(s.text.split("\n")) for s in notice.sections.all() if s.text)
    assert lines > notice.sections.exclude(text="").count()  # a part has two paragraphs
    assert page.content.decode().count('<p class="report-text">') == lines
    assert _titles(cast.school_a_teacher, NOTICE_TOPIC) == []  # read-only: cannot answer
    assert _titles(cast.school_b_officer, NOTICE_TOPIC) == []
    officer = client_for(cast.school_a_officer)
    assert assert_workbench_matches(officer)["reports.receipt"].count == 1
    staff = client_for(cast.safety_staff)
    assert assert_workbench_matches(staff)["reports.receipt"].count == 1
    assert not pending(cast.school_b_officer, "receipt").exists()

    services.submit_receipt(
        notice,
        user=cast.school_a_officer,
        text="已全部整改完毕",
        loaded_version=version_token(notice),
    )
    answered = f"{cast.school_a.name}已回执：{notice.title}"
    assert _titles(cast.safety_staff, NOTICE_TOPIC) == [answered]
    assert not pending(cast.school_a_officer, "receipt").exists()
    assert not pending(cast.safety_staff, "receipt").exists()
    assert assert_workbench_matches(staff)["reports.receipt_check"].count == 1


def _issued_notice(cast) -> Report:
    """A notice issued to school A and answered."""
    notice = _issue_notice(cast)
    services.submit_receipt(
        notice, user=cast.school_a_officer, text="已整改", loaded_version=version_token(notice)
    )
    return _fresh(notice)


def _check(notice: Report, user, *, accept: bool, note: str = "") -> Report:
    services.check_receipt(
        notice, user=user, accept=accept, note=note, loaded_version=version_token(notice)
    )
    return _fresh(notice)


def test_the_department_sends_a_thin_receipt_back_and_accepts_the_next(cast, client_for):
    notice = _issued_notice(cast)
    for user in (cast.leader, cast.office_staff, cast.school_a_officer, cast.inspector):
        assert not services.can_check_receipt(user, notice), user.username
    with pytest.raises(services.ReportError, match="请说明"):
        _check(notice, cast.safety_staff, accept=False, note="  ")

    notice = _check(notice, cast.safety_staff, accept=False, note="请附整改后照片说明")
    assert notice.receipt_at is None and notice.receipt_text == "已整改"
    note = Notification.objects.get(
        recipient=cast.school_a_officer, topic=NOTICE_TOPIC, title__startswith="回执被退回"
    )
    assert "请附整改后照片说明" in note.body
    officer = client_for(cast.school_a_officer)
    assert assert_workbench_matches(officer)["reports.receipt"].count == 1
    page = officer.get(reverse("reports:detail", kwargs={"report_id": notice.pk}))
    assert "回执被退回：请附整改后照片说明" in page.content.decode()

    services.submit_receipt(
        notice,
        user=cast.school_a_officer,
        text="已整改，消防通道已清理，照片见附件",
        loaded_version=version_token(notice),
    )
    notice = _check(_fresh(notice), cast.safety_staff, accept=True)
    assert notice.receipt_checked_by == cast.safety_staff and notice.receipt_note == ""
    assert f"回执已确认：{notice.title}" in _titles(cast.school_a_principal, NOTICE_TOPIC)
    # Accepted: the loop is closed; the school can no longer change its answer.
    assert not services.can_reply(cast.school_a_officer, notice)
    with pytest.raises(services.ReportError):
        services.submit_receipt(
            notice, user=cast.school_a_officer, text="改", loaded_version=version_token(notice)
        )
    assert not services.can_check_receipt(cast.safety_staff, notice)
    for kind in ("receipt", "receipt_check"):
        assert not pending(cast.safety_staff, kind).exists()
        assert not pending(cast.school_a_officer, kind).exists()


def test_the_list_refuses_unknown_parameters_and_keeps_to_the_door(cast, client_for):
    report = _submit(_draft(cast), cast.safety_staff)
    leader = client_for(cast.leader)
    assert leader.get(reverse("reports:list"), {"school": cast.other_school.pk}).status_code == 400
    assert leader.get(reverse("reports:list"), {"sort": "created_by"}).status_code == 400
    body = leader.get(reverse("reports:list"), {"pending": "review"}).content.decode()
    assert report.title in body and 'data-total="1"' in body
    # An unknown value of a known filter is ignored, as every list does.
    assert leader.get(reverse("reports:list"), {"pending": "x"}).status_code == 200
    # A leader of another county is asked nothing and lists nothing of this one.
    other = UserFactory.create(bureau=cast.sibling_bureau, role=Role.BUREAU_LEADER)
    assert not pending(other, "review").exists()
    body = client_for(other).get(reverse("reports:list"), {"q": report.title}).content.decode()
    assert 'data-total="0"' in body
