"""Webhook addresses may only reach the robot services (and hosts the operator
allows); never this machine or the internal network unless explicitly allowed."""

from __future__ import annotations

import socket

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from edubureau.notifications import url_policy, webhooks
from edubureau.notifications.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from edubureau.notifications.services import (
    notify,
    webhook_endpoint_create,
    webhook_endpoint_update,
)
from edubureau.notifications.testing import fake_robot
from edubureau.notifications.tests.conftest import WECOM_KEY, make_endpoint

SEND = f"/cgi-bin/webhook/send?key={WECOM_KEY}"


def _form(url: str) -> dict[str, str]:
    return {"name": "安全股工作群", "kind": "wecom", "url": url, "topics": "", "is_active": "on"}


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (f"http://127.0.0.1{SEND}", "必须以 https:// 开头"),
        (f"http://10.0.0.1{SEND}", "必须以 https:// 开头"),
        (f"http://evil.example.com{SEND}", "必须以 https:// 开头"),
        (f"https://127.0.0.1{SEND}", "只能推送到企业微信（qyapi.weixin.qq.com）或钉钉"),
        (f"https://10.0.0.1{SEND}", "只能推送到企业微信"),
        (f"https://169.254.169.254{SEND}", "只能推送到企业微信"),
        (f"https://[::1]{SEND}", "只能推送到企业微信"),
        (f"https://evil.example.com{SEND}", "只能推送到企业微信"),
        (f"https://qyapi.weixin.qq.com.evil.example.com{SEND}", "只能推送到企业微信"),
        (f"https://qyapi.weixin.qq.com@evil.example.com{SEND}", "不能包含用户名或密码"),
        (f"http://qyapi.weixin.qq.com{SEND}", "必须以 https:// 开头"),
    ],
)
def test_it_refuses_to_save_an_address_outside_the_robot_services(cast, client_for, url, message):
    response = client_for(cast.admin).post(reverse("notifications:webhook-create"), _form(url))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not WebhookEndpoint.objects.exists()
    with pytest.raises(ValidationError) as refused:
        webhook_endpoint_create(actor=cast.admin, data={**_form(url), "school": None})
    assert message in refused.value.message_dict["url"][0]


def test_it_refuses_a_new_address_on_edit_too(cast, client_for):
    endpoint = make_endpoint(cast, "https://qyapi.weixin.qq.com")
    with pytest.raises(ValidationError):
        webhook_endpoint_update(
            actor=cast.admin, endpoint=endpoint, data={"url": f"https://evil.example.com{SEND}"}
        )
    endpoint.refresh_from_db()
    assert endpoint.url.startswith("https://qyapi.weixin.qq.com/")


def test_it_accepts_the_robot_services_and_the_operators_hosts(cast, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["robot.example.gov.cn"]
    for url in (
        f"https://qyapi.weixin.qq.com{SEND}",
        "https://oapi.dingtalk.com/robot/send?access_token=abc",
        f"https://ROBOT.example.gov.cn:8443{SEND}",
    ):
        assert url_policy.address_refusal(url) is None, url


def test_a_listed_private_address_still_needs_the_explicit_flag(cast, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["10.0.0.1"]
    refusal = url_policy.address_refusal(f"https://10.0.0.1{SEND}")
    assert refusal == "不能推送到本机、内网或保留地址（10.0.0.1）。"
    settings.WEBHOOK_ALLOW_PRIVATE = True
    assert url_policy.address_refusal(f"http://10.0.0.1{SEND}") is None
    # Never the unspecified address, whatever the flags.
    settings.WEBHOOK_ALLOWED_HOSTS = ["0.0.0.0"]
    assert url_policy.address_refusal(f"http://0.0.0.0{SEND}") is not None


# At delivery, after resolving the host name ------------------------------------


def _resolving_to(monkeypatch, *addresses: str) -> None:
    def fake_getaddrinfo(host, port, *args, **kwargs):
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in addresses
        ]

    monkeypatch.setattr(url_policy.socket, "getaddrinfo", fake_getaddrinfo)


def _never_send(monkeypatch) -> None:
    def send(*args, **kwargs):
        raise AssertionError("a refused address must not be contacted")

    monkeypatch.setattr(webhooks, "send", send)


def _deliver(cast, capture) -> WebhookDelivery:
    with capture(execute=True):
        notify(recipients=[cast.school_a_officer], title="隐患整改逾期")
    return WebhookDelivery.objects.get()


@pytest.mark.parametrize(
    ("host", "addresses"),
    [
        ("robot.example.gov.cn", ["127.0.0.1"]),
        ("robot.example.gov.cn", ["140.207.54.77", "10.1.2.3"]),
        ("qyapi.weixin.qq.com", ["169.254.169.254"]),
        ("qyapi.weixin.qq.com", ["::ffff:127.0.0.1"]),
        ("oapi.dingtalk.com", ["::1"]),
    ],
)
def test_it_refuses_at_delivery_a_name_that_resolves_to_a_private_address(
    cast, settings, monkeypatch, django_capture_on_commit_callbacks, host, addresses
):
    settings.WEBHOOK_ALLOWED_HOSTS = ["robot.example.gov.cn"]
    make_endpoint(cast, f"https://{host}")
    _resolving_to(monkeypatch, *addresses)
    _never_send(monkeypatch)
    delivery = _deliver(cast, django_capture_on_commit_callbacks)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_error.startswith("推送地址不符合安全规则：不能推送到本机、内网或保留地址")


def test_it_refuses_a_name_that_does_not_resolve(
    cast, monkeypatch, django_capture_on_commit_callbacks
):
    make_endpoint(cast, "https://qyapi.weixin.qq.com")

    def unresolvable(*args, **kwargs):
        raise socket.gaierror("Name or service not known")

    monkeypatch.setattr(url_policy.socket, "getaddrinfo", unresolvable)
    _never_send(monkeypatch)
    delivery = _deliver(cast, django_capture_on_commit_callbacks)
    assert "无法解析推送地址的主机名（qyapi.weixin.qq.com）" in delivery.last_error


def test_it_sends_to_a_robot_service_that_resolves_to_a_public_address(
    cast, monkeypatch, django_capture_on_commit_callbacks
):
    make_endpoint(cast, "https://qyapi.weixin.qq.com")
    _resolving_to(monkeypatch, "140.207.54.76")
    sent = []
    monkeypatch.setattr(
        webhooks, "send", lambda *a, **k: sent.append(k["url"]) or webhooks.SendResult(True, 200)
    )
    delivery = _deliver(cast, django_capture_on_commit_callbacks)
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert sent == [f"https://qyapi.weixin.qq.com{SEND}"]


def test_a_local_receiver_stored_earlier_gets_nothing_unless_allowed(
    cast, settings, django_capture_on_commit_callbacks
):
    with fake_robot() as robot:
        make_endpoint(cast, robot.url)
        delivery = _deliver(cast, django_capture_on_commit_callbacks)
        assert robot.received == []
        assert delivery.status == DeliveryStatus.FAILED
        assert "推送地址不符合安全规则" in delivery.last_error


def test_the_local_receiver_works_when_the_operator_allows_it(
    cast, robot, django_capture_on_commit_callbacks
):
    # ``robot`` enables WEBHOOK_ALLOWED_HOSTS=127.0.0.1 and WEBHOOK_ALLOW_PRIVATE.
    make_endpoint(cast, robot.url)
    delivery = _deliver(cast, django_capture_on_commit_callbacks)
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert len(robot.received) == 1
