"""The pure helpers: masking, topic matching, signing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse

from edubureau.notifications import webhooks
from edubureau.notifications.tests.conftest import DINGTALK_SECRET, DINGTALK_TOKEN, WECOM_KEY


def test_it_masks_the_robot_key_and_the_secret():
    wecom = f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}"
    dingtalk = f"https://oapi.dingtalk.com/robot/send?access_token={DINGTALK_TOKEN}"
    assert webhooks.mask_url(wecom) == (
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a****5aaa"
    )
    assert DINGTALK_TOKEN not in webhooks.mask_url(dingtalk)
    assert webhooks.mask_secret(DINGTALK_SECRET) == "SEC****a3"
    assert webhooks.mask_secret("short") == "****"
    assert webhooks.mask_secret("") == ""


def test_it_scrubs_credentials_from_any_text():
    text = f"failed for key={WECOM_KEY} sign={urllib.parse.quote_plus(DINGTALK_SECRET)}"
    cleaned = webhooks.scrub(text, [WECOM_KEY, DINGTALK_SECRET])
    assert WECOM_KEY not in cleaned and DINGTALK_SECRET not in cleaned


def test_it_matches_topics_exactly_or_by_prefix():
    assert webhooks.topic_matches([], "anything")
    assert webhooks.topic_matches(["safety"], "safety.hazard_overdue")
    assert webhooks.topic_matches(["plans.task_overdue"], "plans.task_overdue")
    assert not webhooks.topic_matches(["safety"], "safetyx.y")
    assert not webhooks.topic_matches(["safety"], "")
    assert webhooks.split_topics(" safety, plans;aid ") == ["safety", "plans", "aid"]
    assert webhooks.invalid_topics(["safety", "Bad Topic", "a..b"]) == ["Bad Topic", "a..b"]


def test_topics_may_be_separated_as_the_help_text_shows_with_full_width_commas():
    assert webhooks.split_topics("safety，plans.task_overdue；aid") == [
        "safety",
        "plans.task_overdue",
        "aid",
    ]


def test_it_signs_as_dingtalk_documents():
    ts = 1700000000000
    digest = hmac.new(
        DINGTALK_SECRET.encode(), f"{ts}\n{DINGTALK_SECRET}".encode(), hashlib.sha256
    ).digest()
    expected = urllib.parse.quote_plus(base64.b64encode(digest))
    url = webhooks.signed_url(
        "https://x/robot/send?access_token=t", DINGTALK_SECRET, timestamp_ms=ts
    )
    assert url == f"https://x/robot/send?access_token=t&timestamp={ts}&sign={expected}"
