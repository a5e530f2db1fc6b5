from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from edubureau.audit.models import Action, AuditEvent
from edubureau.notifications.models import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookKind,
)
from edubureau.notifications.services import webhook_endpoint_create
from edubureau.notifications.testing import fake_robot
from edubureau.notifications.tests.conftest import (
    DINGTALK_SECRET,
    DINGTALK_TOKEN,
    WECOM_KEY,
    make_endpoint,
)

WECOM_URL = f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}"


def _form(**overrides) -> dict:
    data = {
        "name": "安全股工作群",
        "kind": "wecom",
        "url": WECOM_URL,
        "topics": "safety",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_it_creates_an_endpoint_and_audits_it_masked(cast, client_for):
    response = client_for(cast.admin).post(reverse("notifications:webhook-create"), _form())
    assert response.status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.bureau, endpoint.created_by, endpoint.url) == (
        cast.bureau,
        cast.admin,
        WECOM_URL,
    )
    event = AuditEvent.objects.get(
        action=Action.CREATE, model_label="notifications.WebhookEndpoint"
    )
    assert WECOM_KEY not in str(event.changes)
    assert event.changes["url"][1].endswith("key=693a****5aaa")


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/robot", "javascript:alert(1)", "file:///etc/passwd", "qyapi.weixin.qq.com"],
)
def test_it_refuses_addresses_that_are_not_http(cast, client_for, url):
    response = client_for(cast.admin).post(reverse("notifications:webhook-create"), _form(url=url))
    assert response.status_code == 200
    assert "请输入以 http:// 或 https:// 开头的有效地址" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()
    with pytest.raises(ValidationError):
        webhook_endpoint_create(actor=cast.admin, data={**_form(url=url), "school": None})


def test_it_refuses_a_secret_for_wecom_and_bad_topics(cast, client_for):
    client = client_for(cast.admin)
    response = client.post(reverse("notifications:webhook-create"), _form(secret="SECabc"))
    assert "企业微信群机器人没有加签设置" in response.content.decode()
    response = client.post(reverse("notifications:webhook-create"), _form(topics="安全"))
    assert "主题只能包含" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_it_never_shows_the_key_or_the_secret(cast, client_for):
    endpoint = make_endpoint(
        cast, "https://oapi.dingtalk.com", kind=WebhookKind.DINGTALK, secret=DINGTALK_SECRET
    )
    client = client_for(cast.admin)
    pages = [
        client.get(reverse("notifications:webhook-list")),
        client.get(reverse("notifications:webhook-edit", args=[endpoint.pk])),
    ]
    for page in pages:
        body = page.content.decode()
        assert page.status_code == 200
        assert DINGTALK_TOKEN not in body and DINGTALK_SECRET not in body
        assert "b1c2****d5e6" in body


def test_it_keeps_the_address_and_secret_when_left_empty_on_edit(cast, client_for):
    endpoint = make_endpoint(
        cast, "https://oapi.dingtalk.com", kind=WebhookKind.DINGTALK, secret=DINGTALK_SECRET
    )
    old_url = endpoint.url
    response = client_for(cast.admin).post(
        reverse("notifications:webhook-edit", args=[endpoint.pk]),
        _form(kind="dingtalk", url="", secret="", name="新名称", topics=""),
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.name, endpoint.url, endpoint.secret) == ("新名称", old_url, DINGTALK_SECRET)
    event = AuditEvent.objects.get(
        action=Action.UPDATE, model_label="notifications.WebhookEndpoint"
    )
    assert set(event.changes) == {"name"}


def test_it_audits_a_new_secret_without_recording_it(cast, client_for):
    endpoint = make_endpoint(
        cast, "https://oapi.dingtalk.com", kind=WebhookKind.DINGTALK, secret=DINGTALK_SECRET
    )
    new_secret = "SEC" + "f" * 60
    client_for(cast.admin).post(
        reverse("notifications:webhook-edit", args=[endpoint.pk]),
        _form(kind="dingtalk", url="", secret=new_secret, name=endpoint.name, topics=""),
    )
    endpoint.refresh_from_db()
    assert endpoint.secret == new_secret
    event = AuditEvent.objects.get(
        action=Action.UPDATE, model_label="notifications.WebhookEndpoint"
    )
    assert "secret_fingerprint" in event.changes
    assert new_secret not in str(event.changes) and DINGTALK_SECRET not in str(event.changes)


def test_it_deactivates_an_endpoint(cast, client_for):
    endpoint = make_endpoint(cast, "http://127.0.0.1:9")
    response = client_for(cast.admin).post(
        reverse("notifications:webhook-deactivate", args=[endpoint.pk])
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert AuditEvent.objects.filter(action=Action.UPDATE, detail="停用推送地址").exists()


@pytest.mark.usefixtures("local_robots_allowed")
def test_it_sends_a_test_message_and_logs_it(cast, client_for, django_capture_on_commit_callbacks):
    with fake_robot() as robot:
        endpoint = make_endpoint(cast, robot.url)
        client = client_for(cast.admin)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("notifications:webhook-test", args=[endpoint.pk]))
    delivery = WebhookDelivery.objects.get()
    assert response["Location"] == reverse("notifications:delivery-detail", args=[delivery.pk])
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.notification is None
    assert "测试消息" in robot.received[0].body["markdown"]["content"]
    body = client.get(response["Location"]).content.decode()
    assert "已送达" in body and "第1次" in body and WECOM_KEY not in body


@pytest.mark.usefixtures("local_robots_allowed")
def test_it_shows_failures_in_the_delivery_log_and_retries_on_request(
    cast, client_for, django_capture_on_commit_callbacks
):
    with fake_robot([(500, {}), (200, {"errcode": 0})]) as robot:
        endpoint = make_endpoint(cast, robot.url)
        client = client_for(cast.admin)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("notifications:webhook-test", args=[endpoint.pk]))
        delivery = WebhookDelivery.objects.get()
        log = client.get(reverse("notifications:delivery-list"), {"status": "failed"})
        assert [d.pk for d in log.context["page"]] == [delivery.pk]
        assert "HTTP 500" in log.content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("notifications:delivery-retry", args=[delivery.pk]))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SUCCEEDED, 2)
    assert len(robot.received) == 2


@pytest.mark.parametrize(
    "name,args",
    [
        ("notifications:webhook-list", []),
        ("notifications:webhook-create", []),
        ("notifications:delivery-list", []),
        ("notifications:webhook-edit", ["endpoint"]),
        ("notifications:delivery-detail", ["delivery"]),
    ],
)
def test_it_refuses_webhook_pages_to_everyone_but_administrators(cast, client_for, name, args):
    endpoint = make_endpoint(cast, "http://127.0.0.1:9")
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, title="t", payload={})
    ids = {"endpoint": endpoint.pk, "delivery": delivery.pk}
    url = reverse(name, args=[ids[a] for a in args])
    for user in (cast.leader, cast.safety_staff, cast.school_a_principal, cast.inspector):
        assert client_for(user).get(url).status_code == 403
    assert client_for(cast.admin).get(url).status_code == 200


def test_it_refuses_posts_from_non_administrators(cast, client_for):
    endpoint = make_endpoint(cast, "http://127.0.0.1:9")
    client = client_for(cast.leader)
    assert client.post(reverse("notifications:webhook-create"), _form()).status_code == 403
    for name in ("webhook-deactivate", "webhook-test", "webhook-edit"):
        url = reverse(f"notifications:{name}", args=[endpoint.pk])
        assert client.post(url).status_code == 403
    endpoint.refresh_from_db()
    assert endpoint.is_active and WebhookEndpoint.objects.count() == 1
    assert not WebhookDelivery.objects.exists()


def test_it_hides_another_bureaus_endpoints_from_its_administrator(cast, client_for):
    endpoint = make_endpoint(cast, "http://127.0.0.1:9", name="甲县群")
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, title="t", payload={})
    client = client_for(cast.other_admin)
    assert client.get(reverse("notifications:webhook-edit", args=[endpoint.pk])).status_code == 404
    url = reverse("notifications:delivery-detail", args=[delivery.pk])
    assert client.get(url).status_code == 404
    assert "甲县群" not in client.get(reverse("notifications:webhook-list")).content.decode()
    assert (
        AuditEvent.objects.filter(action=Action.ACCESS_DENIED, actor=cast.other_admin).count() == 2
    )
