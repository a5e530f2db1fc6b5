"""The second factor (TOTP, 等保 8.1.4.1 d)): the rules, in one place.

* **Who must use it**: the bureau chooses groups of accounts
  (``Bureau.two_factor_groups``, keys of :class:`TwoFactorGroup`);
  :func:`two_factor_required` is the one rule, and :func:`enrolment_reason` says why
  an account must enrol before anything else — pages (``TwoFactorEnrolmentMiddleware``)
  and the API (``api_auth.PasswordChanged``) alike, like the forced password change.
* **Codes**: 6 digits, 30-second steps, one step either side for clock drift, computed
  by pyotp. A code is accepted once: the device keeps the newest step it accepted and
  refuses that step and every earlier one (:func:`verify_totp`).
* **Recovery codes**: ten, 10 characters from 31 unambiguous letters and digits (about
  49 bits each), shown once, stored as salted PBKDF2 hashes, each spent when used.
* **Sign-in**: after the password, an account with a device is *not* logged in: the
  session holds only a pending marker (:func:`start_pending`), which no view treats as
  a login, and Django's ``login()`` runs only after the code (``views_two_factor``).

Secrets and recovery codes are never logged or audited.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyotp
import segno
from django.contrib.auth.hashers import check_password, make_password
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from edubureau.core.roles import Role
from edubureau.orgs.models import RecoveryCode, TOTPDevice, User
from edubureau.orgs.passwords import INITIAL_PASSWORD_HASHER

ISSUER = "教育局工作平台"
DIGITS = 6
INTERVAL = 30
# Steps accepted either side of the current one (clock drift between phone and server).
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_LENGTH = 10
# The sign-in's second step must follow the password within this many seconds.
PENDING_SECONDS = 300
STUDENT_AID_DEPARTMENT = "student_aid"

ENROL_REQUIRED = "本单位要求您的账号启用两步验证（动态验证码），请先完成设置。"
API_ENROL_REQUIRED = "本单位要求您的账号启用两步验证，请先登录网页完成设置，再使用接口。"
CODE_FAILED = "动态验证码或恢复码错误"


class TwoFactorGroup(models.TextChoices):
    """The accounts a bureau can require the second factor of: every role, plus the
    student-aid centre's staff (family poverty status) and the accounts allowed to read
    students' sensitive data."""

    ADMINISTRATOR = Role.ADMINISTRATOR.value, "系统管理员"
    AUDITOR = Role.AUDITOR.value, "审计管理员"
    STUDENT_AID = "student_aid_staff", "学生资助管理中心工作人员（家庭经济困难学生信息）"
    SENSITIVE = "sensitive_readers", "可查看学生敏感信息的账号"
    BUREAU_LEADER = Role.BUREAU_LEADER.value, "局领导"
    DEPARTMENT_STAFF = Role.DEPARTMENT_STAFF.value, "全部股室工作人员"
    TOWNSHIP_STAFF = Role.TOWNSHIP_STAFF.value, "中心校（学区）工作人员"
    INSPECTOR = Role.INSPECTOR.value, "责任督学"
    SCHOOL_USER = Role.SCHOOL_USER.value, "学校用户"


# The groups a bureau is offered first (等保: administrators; PIPL: aid and sensitive data).
RECOMMENDED_GROUPS = (
    TwoFactorGroup.ADMINISTRATOR,
    TwoFactorGroup.AUDITOR,
    TwoFactorGroup.STUDENT_AID,
    TwoFactorGroup.SENSITIVE,
)


def _groups_of(user: Any) -> set[str]:
    bureau = getattr(user, "bureau", None) if getattr(user, "bureau_id", None) else None
    if bureau is None:
        return set()
    return {str(g) for g in (bureau.two_factor_groups or [])}


def two_factor_required(user: Any) -> bool:
    """Whether ``user``'s bureau requires a second factor of this account. The one rule."""
    if not getattr(user, "is_authenticated", False):
        return False
    groups = _groups_of(user)
    if not groups:
        return False
    if user.role in groups:
        return True
    if TwoFactorGroup.SENSITIVE in groups and user.can_read_sensitive:
        return True
    return bool(
        TwoFactorGroup.STUDENT_AID in groups
        and user.role == Role.DEPARTMENT_STAFF
        and user.department_id
        and user.department.code == STUDENT_AID_DEPARTMENT
    )


def has_device(user: Any) -> bool:
    """Whether the account signs in with a confirmed authenticator."""
    if not getattr(user, "pk", None):
        return False
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists()


def enrolment_reason(user: Any) -> str:
    """Why ``user`` must set up the second factor before anything else, in Chinese; ""
    when they need not. The one rule for pages, the API and token issue."""
    if two_factor_required(user) and not has_device(user):
        return ENROL_REQUIRED
    return ""


# TOTP --------------------------------------------------------------------------


def new_secret() -> str:
    """A random base32 secret of 160 bits (RFC 4226's recommended length)."""
    return pyotp.random_base32(length=32)


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL)


def provisioning_uri(secret: str, username: str) -> str:
    """The otpauth:// URI an authenticator app scans."""
    return _totp(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_data_url(uri: str) -> str:
    """The URI as a QR code: an SVG ``data:`` URL made here (the CSP allows data:
    images; no external service ever sees the secret)."""
    return str(segno.make(uri, error="m").svg_data_uri(scale=5, border=2))


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp = _totp(secret)
    current = totp.timecode(now)
    found = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found


@transaction.atomic
def verify_totp(user: Any, code: str, *, confirmed: bool = True) -> bool:
    """Whether ``code`` is a current code of ``user``'s device not used before; a
    match moves the device's ``last_step``, so the same code (or an older one) is
    refused next time. ``confirmed=False`` checks the device being enrolled."""
    device = (
        TOTPDevice.objects.select_for_update().filter(user_id=user.pk, confirmed=confirmed).first()
    )
    if device is None:
        return False
    step = _matching_step(device.secret, code, timezone.now())
    if step is None or step <= device.last_step:
        return False
    device.last_step = step
    device.save(update_fields=["last_step"])
    return True


# Recovery codes ------------------------------------------------------------------


def _normalise_recovery(code: str) -> str:
    return "".join(c for c in code.lower() if c.isalnum())


def looks_like_recovery_code(code: str) -> bool:
    value = _normalise_recovery(code)
    return len(value) == RECOVERY_LENGTH and not value.isdigit()


def new_recovery_codes() -> list[str]:
    """Ten fresh codes as shown to the user (``abcde-fghjk``)."""
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def hash_recovery_code(code: str) -> str:
    # Salted PBKDF2 at the initial-password hasher's 10,000 iterations: each code
    # has ~49 random bits, so the iterations need not make up for a weak secret (see
    # passwords.InitialPasswordHasher), and checking all ten stays fast.
    return make_password(_normalise_recovery(code), hasher=INITIAL_PASSWORD_HASHER)


@transaction.atomic
def use_recovery_code(user: Any, code: str) -> int | None:
    """Spend ``code`` if it is one of ``user``'s unused recovery codes; returns how
    many are left, or None when it is not one."""
    if not looks_like_recovery_code(code):
        return None
    value = _normalise_recovery(code)
    unused = list(
        RecoveryCode.objects.select_for_update().filter(user_id=user.pk, used_at__isnull=True)
    )
    for row in unused:
        if check_password(value, row.code_hash):
            row.used_at = timezone.now()
            row.save(update_fields=["used_at"])
            return len(unused) - 1
    return None


def recovery_codes_left(user: Any) -> int:
    return RecoveryCode.objects.filter(user_id=user.pk, used_at__isnull=True).count()


@dataclass(frozen=True)
class Verified:
    """A second factor that passed: by a recovery code (``codes_left`` then counts the
    ones left) or by the authenticator."""

    by_recovery_code: bool = False
    codes_left: int = 0


def verify_second_factor(user: Any, code: str) -> Verified | None:
    """The code of ``user``'s authenticator, or one of their recovery codes (spent).
    The one check for the web sign-in and the token endpoint."""
    if looks_like_recovery_code(code):
        left = use_recovery_code(user, code)
        return None if left is None else Verified(by_recovery_code=True, codes_left=left)
    return Verified() if verify_totp(user, code) else None


# The pending sign-in --------------------------------------------------------------

_PENDING = "two_factor_pending"


def start_pending(request: HttpRequest, user: User, *, next_url: str) -> None:
    """The password was right and the account has a device: remember who is signing in,
    without logging in. A new session key, so the marker cannot be planted."""
    request.session.cycle_key()
    request.session[_PENDING] = {
        "user": user.pk,
        "backend": getattr(user, "backend", ""),
        "at": time.time(),
        "next": next_url,
    }


def pending_user(request: HttpRequest) -> tuple[User, str, str] | None:
    """(account, backend, next URL) of a sign-in waiting for its code, if still fresh."""
    pending = request.session.get(_PENDING)
    if not isinstance(pending, dict):
        return None
    if time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        end_pending(request)
        return None
    user = User.objects.filter(pk=pending.get("user"), is_active=True).first()
    if user is None:
        return None
    return user, str(pending.get("backend", "")), str(pending.get("next", ""))


def end_pending(request: HttpRequest) -> None:
    request.session.pop(_PENDING, None)
