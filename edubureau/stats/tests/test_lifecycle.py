"""The return's lifecycle: fill, submit (validated), send back with a comment,
resubmit, accept, lock; a locked return cannot change; unlocking needs a leader of
the school's own bureau and a reason, and is audited. Every round is kept."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from edubureau.audit.models import AuditEvent
from edubureau.core.concurrency import EditConflict, version_token
from edubureau.notifications.models import Notification
from edubureau.rectification.lifecycle import NotAllowed
from edubureau.stats import services
from edubureau.stats.models import ReturnStatus, RoundAction, StatReturn
from edubureau.stats.services import Filled, ReturnError, ReturnInvalid, Timeliness
from edubureau.stats.tests.factories import StatReturnFactory, consistent_values
from edubureau.stats.tests.people import stats_staff
from edubureau.testing.dates import school_year_start, today

pytestmark = pytest.mark.django_db


def year() -> int:
    return school_year_start(today())


def opened(cast):
    return services.return_open(
        actor=cast.school_a_officer, school=cast.school_a, start_year=year()
    )


def filled(kind="primary", **changes):
    return Filled(values=consistent_values(kind) | changes)


def test_the_whole_round_trip(cast):
    staff = stats_staff(cast.bureau)
    ret = opened(cast)
    assert ret.status == ReturnStatus.DRAFT and ret.values == {}
    # A broken sum blocks the submission and changes nothing.
    with pytest.raises(ReturnInvalid) as refused:
        services.return_submit(
            actor=cast.school_a_officer, stat_return=ret, filled=filled(**{"primary.grade1": 41})
        )
    assert [e.code for e in refused.value.errors] == ["sum.primary.grades"]
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.DRAFT and ret.values == {}

    ret = services.return_submit(actor=cast.school_a_officer, stat_return=ret, filled=filled())
    assert ret.status == ReturnStatus.SUBMITTED and ret.submitted_by == cast.school_a_officer
    first_submitted = ret.submitted_at

    # The school cannot change a submitted return.
    with pytest.raises(ReturnError, match="不能修改"):
        services.return_save(actor=cast.school_a_officer, stat_return=ret, filled=filled())

    ret = services.return_send_back(actor=staff, stat_return=ret, comment="六年级人数请核对")
    assert ret.status == ReturnStatus.RETURNED
    note = Notification.objects.get(recipient=cast.school_a_officer)
    assert "被退回" in note.title and "六年级人数请核对" in note.body

    ret = services.return_submit(
        actor=cast.school_a_officer, stat_return=ret, filled=filled(**{"primary.teachers": 13})
    )
    assert ret.status == ReturnStatus.SUBMITTED
    assert ret.submitted_at == first_submitted  # timeliness counts the first submission
    # The reviewers heard of both submissions.
    titles = list(
        Notification.objects.filter(recipient=staff).order_by("pk").values_list("title", flat=True)
    )
    year_ = ret.start_year
    assert titles == [
        f"甲镇中心小学已上报{year_}年统计报表，请审核",
        f"甲镇中心小学已重新上报{year_}年统计报表，请审核",
    ]
    ret = services.return_accept(actor=staff, stat_return=ret)
    assert ret.status == ReturnStatus.ACCEPTED and ret.reviewed_by == staff
    ret = services.return_lock(actor=staff, stat_return=ret)
    assert ret.status == ReturnStatus.LOCKED and ret.locked_by == staff

    rounds = list(ret.rounds.order_by("at", "id"))
    assert [r.action for r in rounds] == [
        RoundAction.SUBMIT, RoundAction.RETURN, RoundAction.SUBMIT,
        RoundAction.ACCEPT, RoundAction.LOCK,
    ]  # fmt: skip
    assert rounds[1].comment == "六年级人数请核对"
    assert rounds[0].values["primary.teachers"] == 12 and rounds[2].values["primary.teachers"] == 13
    details = list(
        AuditEvent.objects.filter(model_label=StatReturn._meta.label, object_id=str(ret.pk))
        .order_by("seq")
        .values_list("detail", flat=True)
    )
    assert details == [
        "开始填报统计报表",
        "上报统计报表",
        "退回统计报表：六年级人数请核对",
        "重新上报统计报表（退回后）",
        "统计报表审核通过",
        "锁定统计报表",
    ]


def test_a_locked_return_cannot_change(cast):
    staff = stats_staff(cast.bureau)
    ret = StatReturnFactory.create(school=cast.school_a, status=ReturnStatus.LOCKED)
    for attempt in (
        lambda: services.return_save(actor=cast.school_a_officer, stat_return=ret, filled=filled()),
        lambda: services.return_submit(
            actor=cast.school_a_officer, stat_return=ret, filled=filled()
        ),
        lambda: services.return_send_back(actor=staff, stat_return=ret, comment="再看看"),
        lambda: services.return_accept(actor=staff, stat_return=ret),
        lambda: services.return_lock(actor=staff, stat_return=ret),
    ):
        with pytest.raises(ReturnError):
            attempt()
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.LOCKED and ret.values == consistent_values("primary")
    # Staff cannot unlock: it is a leader's decision.
    with pytest.raises(NotAllowed):
        services.return_unlock(actor=staff, stat_return=ret, reason="改错了")


def test_unlocking_needs_the_schools_own_leader_and_a_reason(cast):
    ret = StatReturnFactory.create(school=cast.school_a, status=ReturnStatus.LOCKED)
    for outsider in (cast.city_leader, cast.province_leader, cast.admin, cast.school_a_principal):
        with pytest.raises(NotAllowed):
            services.return_unlock(actor=outsider, stat_return=ret, reason="核对")
    with pytest.raises(ReturnError, match="请填写解锁理由"):
        services.return_unlock(actor=cast.leader, stat_return=ret, reason="  ")
    ret = services.return_unlock(
        actor=cast.leader, stat_return=ret, reason="专任教师数与人事系统不一致"
    )
    assert ret.status == ReturnStatus.RETURNED and ret.locked_at is None
    (unlock,) = ret.rounds.filter(action=RoundAction.UNLOCK)
    assert unlock.actor == cast.leader and unlock.comment == "专任教师数与人事系统不一致"
    event = (
        AuditEvent.objects.filter(model_label=StatReturn._meta.label, object_id=str(ret.pk))
        .order_by("seq")
        .last()
    )
    assert event.actor == cast.leader
    assert event.detail == "解锁统计报表：专任教师数与人事系统不一致"
    # The school may correct it now.
    services.return_save(actor=cast.school_a_officer, stat_return=ret, filled=filled())


def test_only_the_schools_own_bureau_reviews(cast):
    county_staff = stats_staff(cast.bureau)
    city_staff = stats_staff(cast.city)
    ret = StatReturnFactory.create(school=cast.school_a, status=ReturnStatus.SUBMITTED)
    for actor in (
        city_staff,
        cast.safety_staff,
        cast.leader,
        cast.school_a_officer,
        cast.inspector,
    ):
        with pytest.raises(NotAllowed):
            services.return_accept(actor=actor, stat_return=ret)
    services.return_accept(actor=county_staff, stat_return=ret)
    # The city reviews its own 市直 school's return.
    city_return = StatReturnFactory.create(school=cast.city_school, status=ReturnStatus.SUBMITTED)
    with pytest.raises(NotAllowed):
        services.return_accept(actor=county_staff, stat_return=city_return)
    services.return_accept(actor=city_staff, stat_return=city_return)


def test_only_the_schools_writers_fill_it(cast):
    ret = opened(cast)
    for actor in (cast.school_a_teacher, cast.school_b_officer, cast.leader, cast.inspector):
        with pytest.raises(NotAllowed):
            services.return_save(actor=actor, stat_return=ret, filled=filled())
    with pytest.raises(NotAllowed):
        services.return_open(actor=cast.school_b_officer, school=cast.school_a, start_year=year())


def test_a_send_back_needs_a_comment(cast):
    staff = stats_staff(cast.bureau)
    ret = StatReturnFactory.create(school=cast.school_a, status=ReturnStatus.SUBMITTED)
    with pytest.raises(ReturnError, match="请填写退回意见"):
        services.return_send_back(actor=staff, stat_return=ret, comment=" ")
    with pytest.raises(ReturnError):
        services.return_lock(actor=staff, stat_return=ret)  # accept first


def test_every_edit_checks_the_version(cast):
    staff = stats_staff(cast.bureau)
    ret = opened(cast)
    loaded = version_token(ret)
    services.return_save(
        actor=cast.school_a_officer, stat_return=ret, filled=filled(), loaded_version=loaded
    )
    with pytest.raises(EditConflict):
        services.return_save(
            actor=cast.school_a_officer, stat_return=ret, filled=filled(), loaded_version=loaded
        )
    with pytest.raises(EditConflict):
        services.return_submit(actor=cast.school_a_officer, stat_return=ret, loaded_version="")
    ret.refresh_from_db()
    ret = services.return_submit(
        actor=cast.school_a_officer, stat_return=ret, loaded_version=version_token(ret)
    )
    with pytest.raises(EditConflict):
        services.return_accept(actor=staff, stat_return=ret, loaded_version=loaded)


def test_a_warning_needs_an_explanation(cast):
    last = StatReturnFactory.create(
        school=cast.school_a,
        status=ReturnStatus.LOCKED,
        school_year__start_year=year() - 1,
        values=consistent_values("primary", per_grade=30),
    )
    ret = opened(cast)
    assert ret.values == {
        "primary.classes": 6,
        "primary.teachers": 12,
        "primary.teachers_qualified": 12,
    }  # fmt: skip  (carried over)
    assert last.school_year.bureau == ret.school_year.bureau
    with pytest.raises(ReturnInvalid) as refused:
        services.return_submit(actor=cast.school_a_officer, stat_return=ret, filled=filled())
    assert refused.value.errors == []
    codes = [w.code for w in refused.value.unexplained]
    assert codes == ["change.primary.enrolled", "change.primary.entrants"]
    explained = Filled(
        values=consistent_values("primary"),
        explanations={code: "新建小区入住，学生增加" for code in codes} | {"stale": "x"},
    )
    ret = services.return_submit(actor=cast.school_a_officer, stat_return=ret, filled=explained)
    assert ret.status == ReturnStatus.SUBMITTED
    assert set(ret.explanations) == set(codes)  # explanations of nothing are dropped


def test_a_kindergarten_states_its_category(cast):
    from edubureau.testing.factories import SchoolFactory

    kg = SchoolFactory.create(bureau=cast.bureau, township=cast.township_a, kind="kindergarten")
    from edubureau.testing.factories import UserFactory

    user = UserFactory.create(bureau=cast.bureau, role="school_user", school=kg)
    ret = services.return_open(actor=user, school=kg, start_year=year())
    with pytest.raises(ReturnError, match="幼儿园类别"):
        services.return_submit(actor=user, stat_return=ret, filled=filled("kindergarten"))
    done = Filled(values=consistent_values("kindergarten"), kg_category="affordable")
    ret = services.return_submit(actor=user, stat_return=ret, filled=done)
    assert ret.kg_category == "affordable"


def test_timeliness_against_the_due_date(cast, settings):
    y = 2030
    assert services.due_date(y).isoformat() == "2030-09-20"
    settings.STATS_DUE_MONTH_DAY = (9, 25)
    assert services.due_date(y).isoformat() == "2030-09-25"
    ret = StatReturnFactory.build(school=cast.school_a)
    before, after = (datetime(y, 9, 10, 12, tzinfo=UTC), datetime(y, 9, 28, 12, tzinfo=UTC))
    with time_machine.travel(before, tick=False):
        assert services.timeliness(None, start_year=y, today=today()) == Timeliness.NOT_DUE
    with time_machine.travel(after, tick=False):
        assert services.timeliness(None, start_year=y, today=today()) == Timeliness.MISSING
    ret.submitted_at = before
    assert services.timeliness(ret, start_year=y, today=after.date()) == Timeliness.ON_TIME
    ret.submitted_at = after
    assert services.timeliness(ret, start_year=y, today=after.date()) == Timeliness.LATE
