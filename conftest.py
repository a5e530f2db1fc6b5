from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from edubureau.testing.cast import Cast, make_cast

pytest_plugins = ["edubureau.testing.clock", "edubureau.testing.secret_scan", "pytester"]


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    """The working-day calendar caches entered schedules per process; a test that
    saves one (then rolls back) must not leak it into the next test."""
    from edubureau.core import calendar

    calendar.invalidate_cache()
    yield
    calendar.invalidate_cache()


@pytest.fixture(autouse=True)
def _fresh_checklist_items():
    """Checklist items are cached per version and process; a rolled-back test's ids
    come back in the next test, which must not be served the old items."""
    from edubureau.safety.services.inspections import clear_item_cache

    clear_item_cache()
    yield
    clear_item_cache()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Kept dashboards live a minute in the process's cache; a rolled-back test's
    ids come back in the next test, which must count its own figures."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def cast(db: None) -> Cast:
    return make_cast()


@pytest.fixture
def client_for(client: Client):
    """``client_for(user)`` logs a fresh client in as ``user``."""

    def login(user) -> Client:
        c = Client()
        c.force_login(user)
        return c

    return login


CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent / "var" / "screenshots"


# Playwright's sync API runs an event loop in the test thread; Django's async-safety
# check would otherwise refuse ORM calls made by the test around it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium driven by Playwright (no browser download)."""
    if not CHROMIUM.exists():
        pytest.skip(
            "browser test skipped: /usr/bin/chromium not installed (apt-get install chromium)"
        )
    from playwright.sync_api import Page, sync_playwright

    original_wait = Page.wait_for_selector

    def wait_for_selector(self: Page, selector: str, **kwargs: Any) -> Any:
        # An element can be found while the page is still being parsed, before its
        # deferred scripts have run (the CI machine under load showed it: a click that
        # reached no listener). A test then acts on the page as it is once its scripts
        # have run; the product's own answer to an earlier tap is its scripts' catch-up
        # (inspection.js), tested apart with the script held back.
        found = original_wait(self, selector, **kwargs)
        self.wait_for_load_state("domcontentloaded")
        return found

    with pytest.MonkeyPatch.context() as patch, sync_playwright() as p:
        patch.setattr(Page, "wait_for_selector", wait_for_selector)
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def phone_page(browser):
    """A 375-px-wide page, as on a school staff member's phone."""
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
