from __future__ import annotations

import pytest

from edubureau.notifications.models import (
    DeliveryStatus,
    Level,
    Notification,
    WebhookDelivery,
    WebhookKind,
)
from edubureau.notifications.services import notify
from edubureau.notifications.tests.conftest import make_endpoint
from edubureau.orgs.models import User


def test_it_creates_one_notification_per_recipient(cast):
    notes = notify(
        recipients=[cast.school_a_officer, cast.school_a_principal, cast.school_a_officer],
        title="隐患整改逾期",
        body="甲镇中心小学有1项隐患逾期未整改。",
        link="/safety/hazards/1/",
        level=Level.URGENT,
        topic="safety.hazard_overdue",
        school_id=cast.school_a.pk,
    )
    assert len(notes) == 2
    rows = Notification.objects.order_by("recipient__username")
    assert [n.recipient for n in rows] == [cast.school_a_officer, cast.school_a_principal]
    assert {(n.level, n.topic, n.school_id, n.read_at) for n in rows} == {
        (Level.URGENT, "safety.hazard_overdue", cast.school_a.pk, None)
    }


def test_it_creates_one_delivery_per_matching_endpoint_not_per_recipient(
    cast, django_capture_on_commit_callbacks
):
    everything = make_endpoint(cast, "http://127.0.0.1:9", name="全局群")
    safety = make_endpoint(cast, "http://127.0.0.1:9", name="安全群", topics="safety")
    make_endpoint(cast, "http://127.0.0.1:9", name="计划群", topics="plans")
    own_school = make_endpoint(cast, "http://127.0.0.1:9", name="甲校群", school=cast.school_a)
    make_endpoint(cast, "http://127.0.0.1:9", name="乙校群", school=cast.school_b)
    make_endpoint(cast, "http://127.0.0.1:9", name="停用群", is_active=False)
    make_endpoint(cast, "http://127.0.0.1:9", name="外局群", bureau=cast.other_bureau)
    with django_capture_on_commit_callbacks() as callbacks:
        notify(
            recipients=[cast.school_a_officer, cast.school_a_principal, cast.safety_staff],
            title="隐患整改逾期",
            topic="safety.hazard_overdue",
            school_id=cast.school_a.pk,
        )
    deliveries = WebhookDelivery.objects.all()
    assert {d.endpoint for d in deliveries} == {everything, safety, own_school}
    assert {d.status for d in deliveries} == {DeliveryStatus.PENDING}
    # Sending waits for the commit: one task per delivery.
    assert len(callbacks) == 3


def test_it_sends_a_school_group_nothing_about_other_schools_or_the_bureau(cast):
    make_endpoint(cast, "http://127.0.0.1:9", name="甲校群", school=cast.school_a)
    notify(recipients=[cast.leader], title="全局通知")
    notify(recipients=[cast.leader], title="乙校的事", school_id=cast.school_b.pk)
    assert not WebhookDelivery.objects.exists()


def test_it_refuses_absolute_links_and_bad_levels(cast):
    for link in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)", "/\\evil"):
        with pytest.raises(ValueError):
            notify(recipients=[cast.leader], title="t", link=link)
    with pytest.raises(ValueError):
        notify(recipients=[cast.leader], title="t", level="loud")
    with pytest.raises(ValueError):
        notify(recipients=[cast.leader], title="  ")
    assert not Notification.objects.exists()


def test_it_builds_each_robots_payload_with_an_absolute_link(cast, settings):
    settings.SITE_URL = "https://edu.example.cn/"
    make_endpoint(cast, "http://127.0.0.1:9", name="企微")
    make_endpoint(cast, "http://127.0.0.1:9", kind=WebhookKind.DINGTALK, name="钉钉")
    notify(recipients=[cast.leader], title="逾期", body="正文", link="/plans/tasks/3/")
    wecom = WebhookDelivery.objects.get(endpoint__kind=WebhookKind.WECOM).payload
    dingtalk = WebhookDelivery.objects.get(endpoint__kind=WebhookKind.DINGTALK).payload
    assert wecom["msgtype"] == "markdown"
    assert "[查看详情](https://edu.example.cn/plans/tasks/3/)" in wecom["markdown"]["content"]
    assert dingtalk["markdown"]["title"] == "逾期"
    assert "正文" in dingtalk["markdown"]["text"]


ROBOT_CASES = {
    # name: (the robots made, whose users are notified, about which school, who gets it)
    "the school's bureau's robots, as a list would": (
        ("全局群", "安全群", "计划群", "甲校群", "乙校群", "停用群", "外局群"),
        "school_a",
        "school_a",
        {"全局群", "安全群", "甲校群"},
    ),
    "the school's bureau's robot, for users of another bureau": (
        ("全局群",),
        "city",
        "school_a",
        {"全局群"},
    ),
    "the school's bureau's robot, when the query finds nobody": (
        ("全局群",),
        "nobody",
        "school_a",
        {"全局群"},
    ),
    "no robot of another school or bureau": (
        ("乙校群", "外局群", "停用群"),
        "school_a",
        "school_a",
        set(),
    ),
}


@pytest.mark.parametrize("case", ROBOT_CASES)
def test_recipients_given_as_a_query_reach_the_same_robots_as_a_list(cast, case):
    made, whose, about, expected = ROBOT_CASES[case]
    robots = {
        "全局群": {},
        "安全群": {"topics": "safety"},
        "计划群": {"topics": "plans"},
        "甲校群": {"school": cast.school_a},
        "乙校群": {"school": cast.school_b},
        "停用群": {"is_active": False},
        "外局群": {"bureau": cast.other_bureau},
    }
    for name in made:
        make_endpoint(cast, "http://127.0.0.1:9", name=name, **robots[name])
    users = {
        "school_a": User.objects.filter(school=cast.school_a),
        "city": User.objects.filter(pk__in=[cast.city_safety.pk, cast.city_leader.pk]),
        "nobody": User.objects.none(),
    }[whose]
    school = {"school_a": cast.school_a}[about]
    reached = []
    for recipients in (list(users), users.all()):
        notify(
            recipients=recipients,
            title="隐患整改逾期",
            topic="safety.hazard_overdue",
            school_id=school.pk,
        )
        reached.append(set(WebhookDelivery.objects.values_list("endpoint__name", flat=True)))
        WebhookDelivery.objects.all().delete()
    assert reached == [expected, expected]
