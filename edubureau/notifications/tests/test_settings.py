"""通知设置: each user chooses which topics reach their inbox; notify() honours it;
urgent topics cannot be turned off; one user's choice never touches another's."""

from __future__ import annotations

import pytest
from django.urls import reverse

from edubureau.core.roles import Role
from edubureau.notifications import topics
from edubureau.notifications.models import MutedTopic, Notification, WebhookDelivery
from edubureau.notifications.services import notification_settings_save, notify
from edubureau.notifications.tests.conftest import make_endpoint
from edubureau.orgs.models import User

URL = "/notifications/settings/"


@pytest.fixture
def test_topics(monkeypatch):
    """Two topics of a pretend module, one urgent, one only for bureau staff."""
    registry = dict(topics._REGISTRY)
    monkeypatch.setattr(topics, "_REGISTRY", registry)
    topics.register("demo.minor", "一般事项提醒", module="测试模块")
    topics.register("demo.urgent", "紧急事项", module="测试模块", mutable=False)
    topics.register("demo.digest", "每周汇总", module="测试模块二", roles=(Role.DEPARTMENT_STAFF,))
    return registry


def test_the_url_is_where_the_issue_says(cast):
    assert reverse("notifications:settings") == URL


def test_a_muted_topic_is_not_delivered_in_the_app(cast, test_topics):
    MutedTopic.objects.create(user=cast.school_a_principal, topic="demo.minor")
    notes = notify(
        recipients=[cast.school_a_officer, cast.school_a_principal],
        title="一般事项",
        topic="demo.minor",
    )
    assert [n.recipient for n in notes] == [cast.school_a_officer]
    assert not Notification.objects.filter(recipient=cast.school_a_principal).exists()


@pytest.mark.parametrize("given", ["query", "evaluated query"])
def test_recipients_given_as_a_query_are_read_with_their_muted_topic_in_one_query(
    cast, test_topics, given, django_assert_num_queries
):
    MutedTopic.objects.create(user=cast.school_a_principal, topic="demo.minor")
    MutedTopic.objects.create(user=cast.school_a_officer, topic="demo.other")

    def school_users():
        return User.objects.filter(school=cast.school_a, role=Role.SCHOOL_USER).order_by("pk")

    everyone = list(school_users())
    expected = [u for u in everyone if u != cast.school_a_principal]
    assert expected and len(expected) < len(everyone)
    users = school_users()
    if given == "evaluated query":
        list(users)  # read already: used as it is, and the muted topic asked apart
    # A query: the recipients with their muted topic and whether a robot may take it
    # (the bureau has none), then the notifications. Read already: the muted topics,
    # the notifications, the robots.
    with django_assert_num_queries(2 if given == "query" else 3):
        notes = notify(recipients=users, title="一般事项", topic="demo.minor")
    assert [n.recipient for n in notes] == expected


def test_urgent_and_unregistered_topics_reach_everyone(cast, test_topics):
    for topic in ("demo.urgent", "demo.unknown"):
        MutedTopic.objects.create(user=cast.school_a_principal, topic=topic)
        notify(recipients=[cast.school_a_principal], title="紧急", topic=topic)
    assert Notification.objects.filter(recipient=cast.school_a_principal).count() == 2


def test_robots_are_the_bureaus_and_do_not_follow_a_users_choice(cast, test_topics):
    make_endpoint(cast, "http://127.0.0.1:9", name="全局群")
    MutedTopic.objects.create(user=cast.safety_staff, topic="demo.minor")
    notes = notify(recipients=[cast.safety_staff], title="一般事项", topic="demo.minor")
    assert notes == []
    assert WebhookDelivery.objects.count() == 1


def test_the_page_offers_the_users_topics_grouped_by_module(cast, client_for, test_topics):
    body = client_for(cast.school_a_officer).get(URL).content.decode()
    assert "测试模块" in body and "一般事项提醒" in body
    assert 'value="demo.urgent" checked disabled' in body  # shown, never off
    assert "每周汇总" not in body  # another role's topic
    staff = client_for(cast.safety_staff).get(URL).content.decode()
    assert "每周汇总" in staff and "测试模块二" in staff


def test_saving_mutes_the_unticked_topics_of_that_user_only(cast, client_for, test_topics):
    MutedTopic.objects.create(user=cast.school_a_principal, topic="demo.minor")
    client = client_for(cast.school_a_officer)
    # Ticking nothing: the mutable topics are muted, the urgent one cannot be.
    response = client.post(URL, {"receive": []})
    assert response.status_code == 302
    mine = set(
        MutedTopic.objects.filter(user=cast.school_a_officer).values_list("topic", flat=True)
    )
    assert "demo.minor" in mine and "demo.urgent" not in mine
    # A forged post cannot store another role's topic or junk.
    assert "demo.digest" not in mine
    client.post(URL, {"receive": ["demo.minor"]})
    mine = set(
        MutedTopic.objects.filter(user=cast.school_a_officer).values_list("topic", flat=True)
    )
    assert "demo.minor" not in mine
    # The principal's own choice is untouched.
    assert MutedTopic.objects.filter(user=cast.school_a_principal, topic="demo.minor").exists()
    page = client.get(URL).content.decode()
    assert 'value="demo.minor" checked' in page


def test_the_service_leaves_unknown_and_urgent_topics_alone(cast, test_topics):
    muted = notification_settings_save(actor=cast.safety_staff, receive=["demo.urgent", "x.y"])
    assert "demo.urgent" not in muted and "demo.digest" in muted and "demo.minor" in muted
    assert not MutedTopic.objects.filter(topic__in=["demo.urgent", "x.y"]).exists()


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_inbox_searches_the_users_own_notifications(cast, client_for):
    notify(recipients=[cast.school_a_officer], title="灭火器过期提醒", body="请更换")
    notify(recipients=[cast.school_a_officer], title="催报月度自查")
    notify(recipients=[cast.school_b_officer], title="灭火器过期提醒（乙校）")
    page = client_for(cast.school_a_officer).get("/notifications/", {"q": "灭火器"}).text
    assert page.count('data-testid="notification-row"') == 1 and "（乙校）" not in page
    assert client_for(cast.school_a_officer).get("/notifications/", {"x": "1"}).status_code == 400


def test_statistics_and_plans_name_their_topics():
    from edubureau.plans.followups import TOPIC as FOLLOW_UP
    from edubureau.stats.chase import CHASE_TOPIC
    from edubureau.stats.services import RETURN_TOPIC, SUBMITTED_TOPIC

    for key in (SUBMITTED_TOPIC, RETURN_TOPIC, CHASE_TOPIC, FOLLOW_UP):
        topic = topics.get(key)
        assert topic is not None and topic.label, key
    # What must be acted on cannot be turned off.
    assert not topics.get(CHASE_TOPIC).mutable and not topics.get(FOLLOW_UP).mutable
    assert topics.get(SUBMITTED_TOPIC).offered_to(Role.DEPARTMENT_STAFF)
    assert not topics.get(SUBMITTED_TOPIC).offered_to(Role.SCHOOL_USER)
