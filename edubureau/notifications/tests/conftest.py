from __future__ import annotations

import pytest

from edubureau.notifications.models import WebhookEndpoint, WebhookKind
from edubureau.notifications.testing import fake_robot

WECOM_KEY = "693a91f6-7a1b-4bc4-97a0-0ec2af5a5aaa"
DINGTALK_TOKEN = "b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6"
DINGTALK_SECRET = "SECe4b6c1f0a9d84f2c9b3e7d1a5f6c8b2e0d4a9f7c3b1e5d8a2f6c4b0e9d7a3"


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    # The fake robots live on 127.0.0.1; never send their traffic to a proxy.
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def local_robots_allowed(settings):
    """The fake robots listen on http://127.0.0.1, which the delivery policy refuses
    unless the operator allows it (notifications/url_policy.py); these tests do."""
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.WEBHOOK_ALLOW_PRIVATE = True


@pytest.fixture
def robot(local_robots_allowed):
    with fake_robot() as r:
        yield r


def make_endpoint(cast, robot_url: str, kind: str = WebhookKind.WECOM, **kwargs) -> WebhookEndpoint:
    if kind == WebhookKind.WECOM:
        url = f"{robot_url}/cgi-bin/webhook/send?key={WECOM_KEY}"
    else:
        url = f"{robot_url}/robot/send?access_token={DINGTALK_TOKEN}"
    defaults = {"bureau": cast.bureau, "name": f"{kind}群", "kind": kind, "url": url}
    defaults.update(kwargs)
    return WebhookEndpoint.objects.create(**defaults)
