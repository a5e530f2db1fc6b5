"""In a real browser, the Content-Security-Policy refuses nothing our pages need:
htmx, the ECharts dashboard, the scripts moved out of templates, the API docs."""

from __future__ import annotations

import pytest
from django.urls import reverse

from edubureau.testing.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _watch(page) -> list[str]:
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on(
        "console",
        lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return problems


def test_the_pages_run_under_the_policy(live_server, cast, browser):
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    problems = _watch(page)
    try:
        login(page, base, "admin")
        # The select-all box of bulk account creation (moved from an inline script).
        page.goto(base + reverse("orgs:user-bulk-create"))
        boxes = page.locator('input[name="schools"]')
        assert boxes.count() > 0
        page.check("[data-check-all]")
        assert all(boxes.nth(i).is_checked() for i in range(boxes.count()))
        # The API description and its Swagger page (start-up script served as a file).
        page.goto(base + reverse("api-docs"))
        page.wait_for_selector("#swagger-ui .info")
        # The dashboard draws its charts with ECharts.
        page.goto(base + reverse("safety:dashboard"))
        page.wait_for_selector("[data-chart] canvas")
        assert problems == []
    finally:
        context.close()


def test_a_confirm_button_asks_before_submitting(live_server, cast, browser):
    base = live_server.url
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    problems = _watch(page)
    try:
        login(page, base, "admin")
        page.goto(base + reverse("orgs:user-bulk-create"))
        page.evaluate(
            """() => {
              const b = document.createElement("button");
              b.type = "submit"; b.dataset.confirm = "确定？"; b.id = "probe";
              document.querySelector("form").appendChild(b);
            }"""
        )
        asked: list[str] = []

        def dismiss(dialog) -> None:
            asked.append(dialog.message)
            dialog.dismiss()

        page.once("dialog", dismiss)
        page.click("#probe")
        assert asked == ["确定？"]
        assert page.url == base + reverse("orgs:user-bulk-create")
        assert problems == []
    finally:
        context.close()
