from __future__ import annotations

import secrets
import string
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import (
    Argon2PasswordHasher,
    PBKDF2PasswordHasher,
    make_password,
)
from django.core.exceptions import ValidationError
from django.utils import timezone

_CLASSES = (
    ("大写字母", set(string.ascii_uppercase)),
    ("小写字母", set(string.ascii_lowercase)),
    ("数字", set(string.digits)),
    ("符号", set(string.punctuation)),
)


class CharacterClassValidator:
    """Requires characters from at least ``min_classes`` of: upper case, lower
    case, digits, symbols (the common 等保 rule of 3 of 4)."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        present = sum(1 for _, chars in _CLASSES if any(c in chars for c in password))
        if present < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return f"密码须包含大写字母、小写字母、数字、符号中的至少{self.min_classes}类。"


# Stored passwords ------------------------------------------------------------


class Argon2idHasher(Argon2PasswordHasher):
    """Every password a person chooses: Argon2id (RFC 9106) at OWASP's first
    recommended setting, 19 MiB of memory, 2 passes, 1 lane.

    Memory-hard, so a guesser's GPU gains little over our CPU, which PBKDF2 (Django's
    default, 1,000,000 rounds of SHA-256) cannot say; and about 25 ms of one core per
    check where PBKDF2 took 250 ms, so a month-start login storm of 10 sign-ins a
    second costs a quarter of a core instead of two and a half (docs/security.md,
    bench/README.md). Django's own Argon2 setting (100 MiB, 8 lanes) costs nearly as
    much CPU as PBKDF2 here. A stored hash of another kind (PBKDF2 from before, an initial
    password's) is checked by its own hasher and re-hashed with this one at the next
    sign-in; one at other Argon2 settings likewise (``must_update``).
    """

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1


# Initial passwords -----------------------------------------------------------

# Letters and digits that cannot be mistaken for one another when read off a
# printed sheet or a phone screen: no 0/O, no 1/l/I. No symbols either, since
# they are the characters people mistype most; three classes satisfy the
# 3-of-4 rule above. 57 symbols, 12 characters: about 70 bits of entropy.
INITIAL_PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ" + "abcdefghijkmnopqrstuvwxyz" + "23456789"
INITIAL_PASSWORD_LENGTH = 12
INITIAL_PASSWORD_HASHER = "pbkdf2_sha256_initial"


def generate_initial_password() -> str:
    """A random machine-generated password that passes the character-class rule.

    Drawn uniformly from the alphabet and redrawn when a class is missing (about
    one draw in six has no digit), so every accepted password is equally likely."""
    validator = CharacterClassValidator(min_classes=3)
    while True:
        password = "".join(
            secrets.choice(INITIAL_PASSWORD_ALPHABET) for _ in range(INITIAL_PASSWORD_LENGTH)
        )
        try:
            validator.validate(password)
        except ValidationError:
            continue
        return password


def make_initial_password_hash(password: str) -> str:
    return make_password(password, hasher=INITIAL_PASSWORD_HASHER)


class InitialPasswordHasher(PBKDF2PasswordHasher):
    """PBKDF2-SHA256 with far fewer iterations, for machine-generated initial
    passwords only.

    The cost of the hasher for chosen passwords (:class:`Argon2idHasher`) exists to
    slow down guessing of *human-chosen* passwords, which have little entropy.
    An initial password here is 12 characters drawn by ``secrets`` from 57
    symbols — about 70 bits — so even a leaked hash at 10,000 iterations
    (about 3 ms) cannot be brute-forced: 2^70 guesses is out of reach at any
    iteration count. It is also short-lived: the account must change it at first
    login, and the new, human-chosen password is hashed by the default hasher
    (Django also re-hashes with the preferred hasher at that first successful
    login). The saving is what makes bulk creation usable: 300 school accounts
    take about a second (at PBKDF2's default cost, a minute and a half).

    Never use it for a password a person chose; :func:`make_initial_password_hash`
    is the only caller.
    """

    algorithm = INITIAL_PASSWORD_HASHER
    iterations = 10_000


# Password rules beyond Django's ---------------------------------------------------


class NoIdentityValidator:
    """A password may not contain the account's username, its school's 10-digit
    identifier or its bureau's division code: all three are public."""

    def validate(self, password: str, user: Any = None) -> None:
        if user is None:
            return
        lowered = password.lower()
        school = getattr(user, "school", None) if getattr(user, "school_id", None) else None
        bureau = getattr(user, "bureau", None) if getattr(user, "bureau_id", None) else None
        public = [
            getattr(user, "username", "") or "",
            getattr(school, "identifier", "") or "",
            getattr(bureau, "region_code", "") or "",
        ]
        for value in public:
            if len(value) >= 4 and value.lower() in lowered:
                raise ValidationError(self.get_help_text(), code="password_contains_identity")

    def get_help_text(self) -> str:
        return "密码不能包含用户名、学校标识码或行政区划代码。"


class PasswordHistoryValidator:
    """A new password may not be one of the account's last ``keep`` passwords."""

    def __init__(self, keep: int = 5) -> None:
        self.keep = keep

    def validate(self, password: str, user: Any = None) -> None:
        if user is None or not getattr(user, "pk", None):
            return
        from django.contrib.auth.hashers import check_password

        recent = [user.password, *self._history(user)[: self.keep]]
        if any(h and check_password(password, h) for h in recent):
            raise ValidationError(self.get_help_text(), code="password_reused")

    def password_changed(self, password: str, user: Any = None) -> None:
        """Called by Django after a password is set and saved: remember its hash."""
        if user is None or not getattr(user, "pk", None):
            return
        from edubureau.orgs.models import PasswordHistory

        now = timezone.now()
        user.password_changed_at = now
        type(user).objects.filter(pk=user.pk).update(password_changed_at=now)
        PasswordHistory.objects.create(user=user, password=user.password)
        stale = user.password_history.order_by("-created_at", "-id").values_list("pk", flat=True)[
            self.keep :
        ]
        PasswordHistory.objects.filter(pk__in=list(stale)).delete()

    def get_help_text(self) -> str:
        return f"新密码不能与最近{self.keep}次使用过的密码相同。"

    @staticmethod
    def _history(user: Any) -> list[str]:
        return list(
            user.password_history.order_by("-created_at", "-id").values_list("password", flat=True)
        )


# Rotation (等保 8.1.4.1 a) 定期更换; ASVS 6.2.10 disagrees, see docs/security.md).
PASSWORD_EXPIRY_WARNING_DAYS = 14
INITIAL_PASSWORD = "请先修改初始密码。"


def password_expires_at(user: Any) -> datetime | None:
    """When ``user``'s password stops being accepted for work: PASSWORD_MAX_AGE_DAYS
    after it was set (never when the setting is 0)."""
    days = getattr(settings, "PASSWORD_MAX_AGE_DAYS", 0)
    changed = getattr(user, "password_changed_at", None)
    if not days or changed is None:
        return None
    return changed + timedelta(days=days)


def password_change_reason(user: Any, *, now: datetime | None = None) -> str:
    """Why ``user`` must change the password before doing anything else, in Chinese;
    "" when they need not. The one rule for pages, the API and token issue."""
    if getattr(user, "must_change_password", False):
        return INITIAL_PASSWORD
    expires = password_expires_at(user)
    if expires is not None and (now or timezone.now()) >= expires:
        days = settings.PASSWORD_MAX_AGE_DAYS
        return f"密码已使用超过{days}天，请先修改密码。"
    return ""


def password_expiry_warning(user: Any, *, now: datetime | None = None) -> str:
    """The prompt shown in the last PASSWORD_EXPIRY_WARNING_DAYS before expiry."""
    expires = password_expires_at(user)
    if expires is None:
        return ""
    left = expires - (now or timezone.now())
    if left <= timedelta(0) or left > timedelta(days=PASSWORD_EXPIRY_WARNING_DAYS):
        return ""
    days = max(1, left.days + (1 if left.seconds else 0))
    return f"您的密码将在{days}天后到期，请及时修改密码。"
