"""Browser smoke test: the inbox on a phone, marking read without a page reload."""

from __future__ import annotations

import pytest

from edubureau.notifications.models import WebhookEndpoint, WebhookKind
from edubureau.notifications.services import notify
from edubureau.testing.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_marks_read_in_place_and_updates_the_badge(live_server, cast, phone_page, screenshot):
    from playwright.sync_api import expect

    notify(
        recipients=[cast.school_a_officer], title="月度安全自查即将截止", body="请于本周五前提交。"
    )
    notify(
        recipients=[cast.school_a_officer],
        title="隐患整改逾期",
        body="1项隐患已逾期3个工作日。",
        level="urgent",
    )
    page = phone_page
    login(page, live_server.url, "a_officer")
    assert page.inner_text("[data-testid=unread-count]") == "2"
    page.click(".usermenu .bell")
    page.wait_for_selector("[data-testid=notification-table]")
    assert page.locator("[data-testid=notification-row][data-unread]").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "notifications-inbox-375")
    page.locator("[data-testid=notification-row] button", has_text="标为已读").first.click()
    # Locator waits, not wait_for_function: Playwright evaluates a string predicate with
    # eval(), which the pages' Content-Security-Policy refuses.
    expect(page.locator("[data-testid=notification-row][data-unread]")).to_have_count(1)
    assert page.inner_text("[data-testid=unread-count]") == "1"
    page.click("text=全部标为已读")
    page.wait_for_selector("[data-testid=unread-count]", state="detached")
    assert page.locator("[data-testid=notification-row][data-unread]").count() == 0


def test_it_fits_the_webhook_pages_on_a_phone(live_server, cast, phone_page, screenshot):
    WebhookEndpoint.objects.create(
        bureau=cast.bureau,
        name="安全股工作群",
        kind=WebhookKind.DINGTALK,
        url="https://oapi.dingtalk.com/robot/send?access_token=b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6",
        secret="SECe4b6c1f0a9d84f2c9b3e7d1a5f6c8b2e0d4",
        topics="safety",
    )
    page = phone_page
    login(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/notifications/webhooks/")
    page.wait_for_selector("[data-testid=endpoint-table]")
    assert "b1c2d3e4f5a6" not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "webhooks-list-375")
    page.click("text=编辑")
    page.wait_for_selector("form.card")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "webhooks-edit-375")
