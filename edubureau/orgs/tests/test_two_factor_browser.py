"""The second factor on a phone (375 px): an administrator whose bureau requires it
signs in, is sent to enrolment, "scans" the code (reads the secret from the page and
computes the code, as an authenticator app would), keeps the recovery codes, logs out
and signs in again with password and code. The clock is moved (for the live server's
threads too) so the second code falls in a later 30-second step than the first."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest
import time_machine
from django.utils import timezone

from edubureau.orgs.models import Bureau
from edubureau.orgs.two_factor import TwoFactorGroup
from edubureau.testing.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_an_administrator_enrols_by_scanning_and_signs_in_with_the_code(
    live_server, cast, phone_page, screenshot
):
    Bureau.objects.filter(pk=cast.bureau.pk).update(
        two_factor_groups=[TwoFactorGroup.ADMINISTRATOR.value]
    )
    page = phone_page
    base = live_server.url
    with time_machine.travel(timezone.now(), tick=True) as clock:
        page.goto(f"{base}/accounts/login/")
        page.fill("#id_username", cast.admin.username)
        page.fill("#id_password", TEST_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/accounts/two-factor/setup/")
        assert "本单位要求您的账号启用两步验证" in page.content()
        qr = page.locator("[data-testid=totp-qr]")
        assert qr.get_attribute("src").startswith("data:image/svg+xml")
        assert qr.evaluate("img => img.naturalWidth") > 0  # the browser drew it (CSP allows)
        _fits(page)
        screenshot(page, "two-factor-setup-375")

        secret = page.locator("[data-testid=totp-secret]").inner_text().replace(" ", "")
        page.fill("#id_code", pyotp.TOTP(secret).at(timezone.now()))
        page.click("button:has-text('验证并启用')")
        codes = page.locator("[data-testid=recovery-codes] li")
        codes.first.wait_for()
        assert codes.count() == 10
        _fits(page)
        screenshot(page, "two-factor-recovery-codes-375")
        page.click("text=我已保存，进入工作台")
        page.wait_for_url(f"{base}/")

        page.locator("form[action='/accounts/logout/'] button").click()
        page.wait_for_url(f"{base}/accounts/login/")
        clock.shift(dt.timedelta(seconds=31))  # the next code, not the one just used

        page.fill("#id_username", cast.admin.username)
        page.fill("#id_password", TEST_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/accounts/login/verify/")
        _fits(page)
        page.fill("#id_code", "000000")
        page.click("button:has-text('验证并登录')")
        # the form posts to its own URL: wait for the answer, not the page being replaced
        page.get_by_text("验证码不正确").first.wait_for()
        screenshot(page, "two-factor-login-verify-375")
        page.fill("#id_code", pyotp.TOTP(secret).at(timezone.now()))
        page.click("button:has-text('验证并登录')")
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/accounts/two-factor/")
        assert page.locator("[data-testid=two-factor-on]").count() == 1
        assert "不能停用" in page.content()
        _fits(page)
        screenshot(page, "two-factor-status-375")
