"""The second factor (TOTP, 等保 8.1.4.1 d)): enrolment, the sign-in's second step,
replay, recovery codes, the bureau's requirement on every page and the API, an
administrator's reset, disabling, the API token's ``otp`` and the audit trail.

The clock is frozen at the start of a 30-second step taken from the test clock (never
a fixed date), and the codes are computed for that moment with pyotp."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from edubureau.audit.models import Action, AuditEvent
from edubureau.orgs import two_factor
from edubureau.orgs.models import Bureau, RecoveryCode, Role, TOTPDevice, User
from edubureau.orgs.services import two_factor as services
from edubureau.testing.factories import TEST_PASSWORD, DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture
def moment():
    """Frozen 5 seconds into a TOTP step of the test clock's now."""
    now = timezone.now().timestamp()
    start = dt.datetime.fromtimestamp((int(now) // 30) * 30 + 5, tz=dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        yield traveller


def _code(secret: str, shift_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(timezone.now() + dt.timedelta(seconds=30 * shift_steps))


def _enrol(user: User) -> tuple[str, list[str]]:
    device = services.two_factor_begin(user=user)
    codes = services.two_factor_confirm(user=user, code=_code(device.secret))
    return device.secret, codes


def _password_step(client: Client, username: str, next_url: str = ""):
    data = {"username": username, "password": TEST_PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login"), data)


def _next_step(traveller) -> None:
    traveller.shift(dt.timedelta(seconds=30))


# Enrolment --------------------------------------------------------------------------


def test_enrolment_shows_the_secret_as_qr_and_text_and_needs_a_code(cast, moment):
    user = cast.school_a_officer
    client = Client()
    client.force_login(user)
    page = client.get(reverse("two-factor-setup"))
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed
    html = page.content.decode()
    assert two_factor.grouped(device.secret) in html
    assert 'src="data:image/svg+xml' in html  # made here, no external service
    uri = two_factor.provisioning_uri(device.secret, user.username)
    assert pyotp.parse_uri(uri).issuer == "教育局工作平台"
    assert pyotp.parse_uri(uri).name == user.username
    # A reload shows the same secret (the app may already have scanned it).
    reloaded = client.get(reverse("two-factor-setup")).content.decode()
    assert two_factor.grouped(device.secret) in reloaded
    # The secret is encrypted at rest.
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM orgs_totpdevice WHERE id = %s", [device.pk])
        stored = cursor.fetchone()[0]
    assert device.secret not in stored

    wrong = client.post(reverse("two-factor-setup"), {"code": "000000"})
    assert wrong.status_code == 200 and "验证码不正确" in wrong.content.decode()
    assert not TOTPDevice.objects.get(user=user).confirmed

    done = client.post(reverse("two-factor-setup"), {"code": _code(device.secret)})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    for code in codes:
        assert code in done.content.decode()
    assert TOTPDevice.objects.get(user=user).confirmed
    hashes = list(RecoveryCode.objects.filter(user=user).values_list("code_hash", flat=True))
    assert len(hashes) == 10
    assert not any(code in h or code.replace("-", "") in h for h in hashes for code in codes)
    assert AuditEvent.objects.filter(
        action=Action.UPDATE, actor=user, detail=services.ENROLLED
    ).exists()
    # Shown once: the setup page now only leads back to the status page.
    assert client.get(reverse("two-factor-setup"))["Location"] == reverse("two-factor")
    assert "已启用" in client.get(reverse("two-factor")).content.decode()


# The sign-in -------------------------------------------------------------------------


def test_login_needs_the_code_and_nothing_is_open_before_it(cast, moment):
    user = cast.school_a_officer
    secret, _ = _enrol(user)
    _next_step(moment)
    client = Client()
    first = _password_step(client, user.username, next_url="/safety/hazards/")
    assert first.status_code == 302 and first["Location"] == reverse("login-verify")
    # Password alone: not logged in for anything, pages, downloads or the API.
    for url in ("/", "/schools/", "/schools/export.xlsx", "/downloads/", "/audit/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get("/api/v1/me/").status_code in (401, 403)
    assert not AuditEvent.objects.filter(action=Action.LOGIN, actor=user).exists()

    done = client.post(reverse("login-verify"), {"code": _code(secret)})
    assert done.status_code == 302 and done["Location"] == "/safety/hazards/"
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/me/").status_code == 200
    assert AuditEvent.objects.filter(action=Action.LOGIN, actor=user).count() == 1


def test_a_wrong_code_is_refused_audited_and_counts_toward_the_lockout(cast, moment):
    user = cast.school_a_officer
    secret, _ = _enrol(user)
    client = Client()
    _password_step(client, user.username)
    wrong = client.post(reverse("login-verify"), {"code": "123456"})
    assert wrong.status_code == 200 and "验证码不正确" in wrong.content.decode()
    assert client.get("/").status_code == 302
    event = AuditEvent.objects.get(action=Action.LOGIN_FAILED, actor=user)
    assert event.detail == two_factor.CODE_FAILED
    for _ in range(4):
        last = client.post(reverse("login-verify"), {"code": "123456"})
    assert last.status_code == 429  # the fifth failure locks, like five wrong passwords
    assert AuditEvent.objects.filter(action=Action.LOCKED_OUT, actor=user).exists()
    # Locked: the right password and then the right code no longer help.
    _next_step(moment)
    again = Client()
    assert _password_step(again, user.username).status_code == 429
    # Half an hour later the code opens the account again.
    moment.shift(dt.timedelta(minutes=31))
    again = Client()
    _password_step(again, user.username)
    assert again.post(reverse("login-verify"), {"code": _code(secret)}).status_code == 302


def test_a_code_is_accepted_once(cast, moment):
    user = cast.school_a_officer
    secret, _ = _enrol(user)
    _next_step(moment)
    code = _code(secret)
    first = Client()
    _password_step(first, user.username)
    assert first.post(reverse("login-verify"), {"code": code}).status_code == 302
    # Replayed within its window (from another browser): refused.
    second = Client()
    _password_step(second, user.username)
    replay = second.post(reverse("login-verify"), {"code": code})
    assert replay.status_code == 200 and "已使用过" in replay.content.decode()
    # So is the previous step's code, still inside the drift window.
    assert second.post(reverse("login-verify"), {"code": _code(secret, -1)}).status_code == 200
    _next_step(moment)
    assert second.post(reverse("login-verify"), {"code": _code(secret)}).status_code == 302


def test_a_recovery_code_signs_in_once_and_is_consumed(cast, moment):
    user = cast.school_a_officer
    _, codes = _enrol(user)
    client = Client()
    _password_step(client, user.username)
    assert client.post(reverse("login-verify"), {"code": codes[3].upper()}).status_code == 302
    assert RecoveryCode.objects.filter(user=user, used_at__isnull=False).count() == 1
    assert AuditEvent.objects.filter(
        actor=user, detail__startswith=services.RECOVERY_USED, detail__contains="剩余9个"
    ).exists()
    again = Client()
    _password_step(again, user.username)
    assert again.post(reverse("login-verify"), {"code": codes[3]}).status_code == 200
    assert again.get("/").status_code == 302


def test_the_pending_sign_in_expires(cast, moment):
    user = cast.school_a_officer
    secret, _ = _enrol(user)
    client = Client()
    _password_step(client, user.username)
    moment.shift(dt.timedelta(seconds=two_factor.PENDING_SECONDS + 1))
    late = client.post(reverse("login-verify"), {"code": _code(secret)})
    assert late.status_code == 302 and late["Location"] == reverse("login")
    assert client.get("/").status_code == 302


def test_accounts_without_a_device_sign_in_with_the_password_alone(cast):
    response = _password_step(Client(), "a_officer")
    assert response.status_code == 302 and response["Location"] == "/"


# The bureau's requirement ------------------------------------------------------------


def _require(bureau: Bureau, *groups: str) -> None:
    Bureau.objects.filter(pk=bureau.pk).update(two_factor_groups=list(groups))


def test_the_requirement_sends_the_account_to_enrolment_and_blocks_every_page_and_api(cast, moment):
    _require(cast.bureau, two_factor.TwoFactorGroup.ADMINISTRATOR)
    admin = cast.admin
    client = Client()
    assert _password_step(client, admin.username)["Location"] == "/"
    for url in ("/", "/schools/", "/schools/export.xlsx", "/users/", "/audit/", "/downloads/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("two-factor-setup")
    blocked = client.post("/schools/new/", {"name": "x"})
    assert blocked.status_code == 302 and blocked["Location"] == reverse("two-factor-setup")
    api = client.get("/api/v1/me/")
    assert api.status_code == 403 and api.json()["detail"] == two_factor.ENROL_REQUIRED
    # A token is refused, and a token issued before the requirement no longer works.
    assert (
        Client()
        .post(TOKEN_URL, {"username": admin.username, "password": TEST_PASSWORD})
        .status_code
        == 403
    )
    old = Token.objects.create(user=admin)
    refused = Client(HTTP_AUTHORIZATION=f"Token {old.key}").get("/api/v1/me/")
    assert refused.status_code == 403
    assert refused.json()["detail"] == two_factor.API_ENROL_REQUIRED
    # Other roles of the bureau are not affected.
    other = Client()
    other.force_login(cast.school_a_officer)
    assert other.get("/").status_code == 200

    page = client.get(reverse("two-factor-setup"))
    secret = TOTPDevice.objects.get(user=admin).secret
    assert "本单位要求您的账号启用两步验证" in page.content.decode()
    client.post(reverse("two-factor-setup"), {"code": _code(secret)})
    assert client.get("/users/").status_code == 200
    assert client.get("/api/v1/me/").status_code == 200
    assert not Token.objects.filter(user=admin).exists()  # enrolment revoked it
    # It cannot be switched off while required.
    status = client.get(reverse("two-factor")).content.decode()
    assert "不能停用" in status
    _next_step(moment)
    client.post(reverse("two-factor-disable"), {"password": TEST_PASSWORD, "code": _code(secret)})
    assert TOTPDevice.objects.filter(user=admin, confirmed=True).exists()


def test_a_forced_password_change_comes_before_enrolment(cast):
    _require(cast.bureau, two_factor.TwoFactorGroup.ADMINISTRATOR)
    User.objects.filter(pk=cast.admin.pk).update(must_change_password=True)
    client = Client()
    client.force_login(cast.admin)
    assert client.get("/")["Location"] == reverse("password-change")
    assert client.get(reverse("password-change")).status_code == 200


def test_the_groups_cover_student_aid_staff_and_sensitive_data_readers(cast):
    aid = DepartmentFactory(bureau=cast.bureau, name="学生资助管理中心", code="student_aid")
    aid_staff = UserFactory(bureau=cast.bureau, role=Role.DEPARTMENT_STAFF, department=aid)
    _require(cast.bureau, two_factor.TwoFactorGroup.STUDENT_AID)
    assert two_factor.two_factor_required(User.objects.get(pk=aid_staff.pk))
    assert not two_factor.two_factor_required(User.objects.get(pk=cast.safety_staff.pk))
    assert not two_factor.two_factor_required(User.objects.get(pk=cast.admin.pk))
    _require(cast.bureau, two_factor.TwoFactorGroup.SENSITIVE)
    User.objects.filter(pk=cast.admin.pk).update(can_read_sensitive=True)
    assert two_factor.two_factor_required(User.objects.get(pk=cast.admin.pk))
    assert not two_factor.two_factor_required(User.objects.get(pk=aid_staff.pk))
    # Another bureau's requirement is its own.
    assert not two_factor.two_factor_required(User.objects.get(pk=cast.other_admin.pk))


def test_the_administrator_sets_the_requirement_and_it_is_audited(cast):
    admin = Client()
    admin.force_login(cast.admin)
    page = admin.get(reverse("orgs:two-factor-policy"))
    assert page.status_code == 200 and "学生资助管理中心工作人员" in page.content.decode()
    saved = admin.post(
        reverse("orgs:two-factor-policy"), {"groups": ["administrator", "student_aid_staff"]}
    )
    assert saved.status_code == 302
    cast.bureau.refresh_from_db()
    assert cast.bureau.two_factor_groups == ["administrator", "student_aid_staff"]
    event = AuditEvent.objects.get(detail=services.POLICY)
    assert event.changes == {"two_factor_groups": [[], ["administrator", "student_aid_staff"]]}
    other = Client()
    other.force_login(cast.safety_staff)
    assert other.get(reverse("orgs:two-factor-policy")).status_code == 403


# An administrator's reset and disabling -----------------------------------------------


def test_an_administrator_removes_a_lost_device_and_the_account_enrols_again(cast, moment):
    user = cast.safety_staff
    _enrol(user)
    _require(cast.bureau, two_factor.TwoFactorGroup.DEPARTMENT_STAFF)
    url = reverse("orgs:user-two-factor-reset", args=[user.pk])
    staff = Client()
    staff.force_login(cast.school_a_officer)
    assert staff.post(url).status_code == 403
    foreign = Client()
    foreign.force_login(cast.other_admin)
    assert foreign.post(url).status_code == 404
    assert TOTPDevice.objects.filter(user=user).exists()

    admin = Client()
    admin.force_login(cast.admin)
    assert admin.get(reverse("orgs:user-detail", args=[user.pk])).status_code == 200
    assert admin.get(url).status_code == 200
    assert admin.post(url).status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not RecoveryCode.objects.filter(user=user).exists()
    event = AuditEvent.objects.get(detail=services.RESET)
    assert event.actor == cast.admin and event.object_id == str(user.pk)
    # Password alone now, then straight to enrolment.
    client = Client()
    assert _password_step(client, user.username)["Location"] == "/"
    assert client.get("/")["Location"] == reverse("two-factor-setup")


def test_disabling_needs_the_password_and_a_code(cast, moment):
    user = cast.school_a_officer
    secret, _ = _enrol(user)
    _next_step(moment)
    client = Client()
    client.force_login(user)
    client.post(reverse("two-factor-disable"), {"password": "wrong", "code": _code(secret)})
    assert TOTPDevice.objects.filter(user=user).exists()
    client.post(reverse("two-factor-disable"), {"password": TEST_PASSWORD, "code": "000000"})
    assert TOTPDevice.objects.filter(user=user).exists()
    client.post(reverse("two-factor-disable"), {"password": TEST_PASSWORD, "code": _code(secret)})
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert AuditEvent.objects.filter(actor=user, detail=services.DISABLED).exists()


# API tokens -------------------------------------------------------------------------


def test_a_token_needs_the_code_of_an_account_with_a_device(cast, moment):
    user = cast.school_a_officer
    secret, codes = _enrol(user)
    _next_step(moment)
    creds = {"username": user.username, "password": TEST_PASSWORD}
    missing = Client().post(TOKEN_URL, creds)
    assert missing.status_code == 400 and "otp" in missing.json()
    wrong = Client().post(TOKEN_URL, {**creds, "otp": "000000"})
    assert wrong.status_code == 400
    assert AuditEvent.objects.filter(
        action=Action.LOGIN_FAILED, actor=user, detail=two_factor.CODE_FAILED
    ).exists()
    assert not Token.objects.filter(user=user).exists()
    code = _code(secret)
    issued = Client().post(TOKEN_URL, {**creds, "otp": code})
    assert issued.status_code == 200
    assert (
        Client(HTTP_AUTHORIZATION=f"Token {issued.json()['token']}").get("/api/v1/me/").status_code
        == 200
    )
    assert Client().post(TOKEN_URL, {**creds, "otp": code}).status_code == 400  # replay
    assert Client().post(TOKEN_URL, {**creds, "otp": codes[0]}).status_code == 200


def test_token_failures_lock_the_account_like_failed_logins(cast, moment):
    user = cast.school_a_officer
    secret, _ = _enrol(user)
    creds = {"username": user.username, "password": TEST_PASSWORD}
    for _ in range(5):
        Client().post(TOKEN_URL, {**creds, "otp": "000000"})
    _next_step(moment)
    locked = Client().post(TOKEN_URL, {**creds, "otp": _code(secret)})
    assert locked.status_code != 200  # refused like a locked password login
    assert not Token.objects.filter(user=user).exists()


def test_an_account_without_a_device_gets_a_token_with_the_password(cast):
    response = Client().post(TOKEN_URL, {"username": "a_officer", "password": TEST_PASSWORD})
    assert response.status_code == 200
