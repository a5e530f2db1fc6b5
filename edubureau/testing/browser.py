"""Helpers for the browser tests (real headless Chromium through Playwright)."""

from __future__ import annotations

from typing import Any

from edubureau.testing.factories import TEST_PASSWORD


def login(page: Any, base: str, username: str, password: str = TEST_PASSWORD) -> None:
    """Sign in through the login form and wait for the home page."""
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
