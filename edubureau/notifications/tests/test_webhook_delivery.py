"""Delivery to a real HTTP receiver on 127.0.0.1, retries with back-off, give-up."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import socket
from zoneinfo import ZoneInfo

import pytest
import time_machine

from edubureau.notifications.models import DeliveryStatus, WebhookDelivery, WebhookKind
from edubureau.notifications.services import (
    notify,
    webhook_delivery_attempt,
    webhook_retry_due,
)
from edubureau.notifications.testing import fake_robot
from edubureau.notifications.tests.conftest import (
    DINGTALK_SECRET,
    DINGTALK_TOKEN,
    WECOM_KEY,
    make_endpoint,
)

T0 = dt.datetime(2026, 3, 10, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

# The receivers here are on http://127.0.0.1: allowed for this module only.
pytestmark = pytest.mark.usefixtures("local_robots_allowed")


def _notify(cast, capture, **kwargs):
    with capture(execute=True):
        notify(recipients=[cast.school_a_officer], **{"title": "隐患整改逾期", **kwargs})


def _sweep(capture) -> int:
    with capture(execute=True):
        return webhook_retry_due()


def test_it_posts_the_wecom_markdown_payload(cast, robot, django_capture_on_commit_callbacks):
    make_endpoint(cast, robot.url)
    _notify(cast, django_capture_on_commit_callbacks, body="请于3日内整改。", level="urgent")
    [request] = robot.received
    assert request.path == "/cgi-bin/webhook/send"
    assert request.query == {"key": [WECOM_KEY]}
    assert request.headers["Content-Type"].startswith("application/json")
    assert set(request.body) == {"msgtype", "markdown"}
    assert request.body["msgtype"] == "markdown"
    content = request.body["markdown"]["content"]
    assert list(request.body["markdown"]) == ["content"]
    assert "隐患整改逾期" in content and "请于3日内整改。" in content and "【紧急】" in content
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        DeliveryStatus.SUCCEEDED,
        1,
        200,
    )
    assert delivery.delivered_at is not None and delivery.next_attempt_at is None


def test_it_signs_dingtalk_requests(cast, robot, django_capture_on_commit_callbacks):
    make_endpoint(cast, robot.url, kind=WebhookKind.DINGTALK, secret=DINGTALK_SECRET)
    with time_machine.travel(T0, tick=False):
        _notify(cast, django_capture_on_commit_callbacks, body="正文")
    [request] = robot.received
    assert request.path == "/robot/send"
    assert request.body["msgtype"] == "markdown"
    assert set(request.body["markdown"]) == {"title", "text"}
    assert request.body["markdown"]["title"] == "隐患整改逾期"
    assert "正文" in request.body["markdown"]["text"]
    timestamp = request.query["timestamp"][0]
    assert timestamp == str(int(T0.timestamp() * 1000))
    expected = base64.b64encode(
        hmac.new(
            DINGTALK_SECRET.encode(), f"{timestamp}\n{DINGTALK_SECRET}".encode(), hashlib.sha256
        ).digest()
    ).decode()
    assert request.query["sign"] == [expected]
    assert request.query["access_token"] == [DINGTALK_TOKEN]
    assert WebhookDelivery.objects.get().status == DeliveryStatus.SUCCEEDED


def test_it_does_not_sign_without_a_secret(cast, robot, django_capture_on_commit_callbacks):
    make_endpoint(cast, robot.url, kind=WebhookKind.DINGTALK)
    _notify(cast, django_capture_on_commit_callbacks)
    assert set(robot.received[0].query) == {"access_token"}


def test_it_retries_after_a_server_error_and_a_robot_error(
    cast, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_ATTEMPTS = 5
    replies = [
        (500, {"error": "busy"}),
        (200, {"errcode": 93000, "errmsg": "invalid webhook url"}),
        (200, {"errcode": 0, "errmsg": "ok"}),
    ]
    with fake_robot(replies) as robot, time_machine.travel(T0, tick=False) as traveller:
        make_endpoint(cast, robot.url)
        _notify(cast, django_capture_on_commit_callbacks)
        delivery = WebhookDelivery.objects.get()
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)
        assert delivery.last_status_code == 500 and delivery.last_error == "HTTP 500"
        assert delivery.next_attempt_at == T0 + dt.timedelta(minutes=1)

        traveller.move_to(T0 + dt.timedelta(seconds=59))
        assert _sweep(django_capture_on_commit_callbacks) == 0
        traveller.move_to(T0 + dt.timedelta(minutes=1))
        assert _sweep(django_capture_on_commit_callbacks) == 1
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 2)
        assert "errcode=93000" in delivery.last_error
        assert delivery.next_attempt_at == T0 + dt.timedelta(minutes=1 + 2)

        traveller.move_to(T0 + dt.timedelta(minutes=3))
        _sweep(django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        DeliveryStatus.SUCCEEDED,
        3,
        "",
    )
    assert len(robot.received) == 3
    log = list(delivery.attempt_log.values_list("number", "status_code", "succeeded"))
    assert log == [(1, 500, False), (2, 200, False), (3, 200, True)]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_it_backs_off_1_2_4_8_minutes_then_gives_up(
    cast, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_ATTEMPTS = 5
    make_endpoint(cast, f"http://127.0.0.1:{_closed_port()}")
    with time_machine.travel(T0, tick=False) as traveller:
        _notify(cast, django_capture_on_commit_callbacks)
        delivery = WebhookDelivery.objects.get()
        waits = []
        now = T0
        while delivery.status == DeliveryStatus.FAILED:
            assert "连接失败" in delivery.last_error
            assert delivery.last_status_code is None
            waits.append(delivery.next_attempt_at - now)
            now = delivery.next_attempt_at
            traveller.move_to(now)
            _sweep(django_capture_on_commit_callbacks)
            delivery.refresh_from_db()
        assert waits == [dt.timedelta(minutes=m) for m in (1, 2, 4, 8)]
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.GAVE_UP, 5)
        assert delivery.next_attempt_at is None
        assert delivery.attempt_log.count() == 5
        traveller.move_to(now + dt.timedelta(days=1))
        assert _sweep(django_capture_on_commit_callbacks) == 0


def test_it_sends_an_attempt_once_even_if_enqueued_twice(
    cast, robot, django_capture_on_commit_callbacks
):
    make_endpoint(cast, robot.url)
    with django_capture_on_commit_callbacks(execute=False):
        notify(recipients=[cast.leader], title="t")
    delivery = WebhookDelivery.objects.get()
    assert webhook_delivery_attempt(delivery_id=delivery.pk, attempt=1) == "succeeded"
    assert webhook_delivery_attempt(delivery_id=delivery.pk, attempt=1) is None
    assert len(robot.received) == 1


def test_it_picks_up_deliveries_a_dead_worker_never_sent(
    cast, robot, django_capture_on_commit_callbacks
):
    make_endpoint(cast, robot.url)
    with time_machine.travel(T0, tick=False) as traveller:
        with django_capture_on_commit_callbacks(execute=False):
            notify(recipients=[cast.leader], title="t")  # the enqueued task is lost
        assert _sweep(django_capture_on_commit_callbacks) == 0
        traveller.move_to(T0 + dt.timedelta(minutes=10))
        assert _sweep(django_capture_on_commit_callbacks) == 1
    assert WebhookDelivery.objects.get().status == DeliveryStatus.SUCCEEDED
    assert len(robot.received) == 1


def test_it_gives_up_on_a_deactivated_endpoint(cast, robot, django_capture_on_commit_callbacks):
    endpoint = make_endpoint(cast, robot.url)
    with django_capture_on_commit_callbacks(execute=False):
        notify(recipients=[cast.leader], title="t")
    endpoint.is_active = False
    endpoint.save()
    webhook_delivery_attempt(delivery_id=WebhookDelivery.objects.get().pk, attempt=1)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_error) == (DeliveryStatus.GAVE_UP, "推送地址已停用")
    assert robot.received == []


@pytest.mark.parametrize("kind", [WebhookKind.WECOM, WebhookKind.DINGTALK])
def test_it_keeps_robot_credentials_out_of_the_error_log(
    cast, kind, django_capture_on_commit_callbacks
):
    with fake_robot([(404, {"errcode": 1})]) as robot:
        make_endpoint(
            cast, robot.url, kind=kind, secret=DINGTALK_SECRET if kind == "dingtalk" else ""
        )
        _notify(cast, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    attempt = delivery.attempt_log.get()
    for text in (delivery.last_error, attempt.error, attempt.response):
        assert WECOM_KEY not in text and DINGTALK_TOKEN not in text and DINGTALK_SECRET not in text
    assert delivery.last_error == "HTTP 404"
