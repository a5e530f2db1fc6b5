"""When failed logins lock a login: the one rule, used by the login (through
django-axes) and by the accounts page that shows and clears locks.

Usernames derive from public school codes, so a lock by username alone would let
a stranger lock every school account for half an hour. Three limits, counted over
the cool-off period (30 minutes):

* 5 failures for one username from one address lock that username at that address;
* 20 failures for one username from any addresses lock the username everywhere
  (slower, so a stranger needs many addresses to lock someone out);
* 50 failures from one address, whatever the usernames, lock the address.

A correct password during a lock still fails, with the same neutral message.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, QuerySet, Sum
from django.utils import timezone


def pair_limit() -> int:
    return int(settings.AXES_FAILURE_LIMIT)


def username_limit() -> int:
    return int(getattr(settings, "LOGIN_USERNAME_FAILURE_LIMIT", 20))


def address_limit() -> int:
    return int(getattr(settings, "LOGIN_IP_FAILURE_LIMIT", 50))


def recent_attempts() -> QuerySet[AccessAttempt]:
    attempts = AccessAttempt.objects.all()
    cool_off = get_cool_off()
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    return attempts


def locked_usernames(usernames: Iterable[str] | None = None) -> set[str]:
    """Usernames locked somewhere right now (at one address, or everywhere)."""
    attempts = recent_attempts().exclude(username=None)
    if usernames is not None:
        attempts = attempts.filter(username__in=list(usernames))
    rows = attempts.values("username").annotate(
        total=Sum("failures_since_start"), worst=Max("failures_since_start")
    )
    return {
        r["username"] for r in rows if r["worst"] >= pair_limit() or r["total"] >= username_limit()
    }


def is_locked_everywhere(username: str | None, address: str | None) -> bool:
    """The two wider limits; the pair limit is axes' own check."""
    attempts = recent_attempts()
    if username:
        total = attempts.filter(username=username).aggregate(n=Sum("failures_since_start"))["n"]
        if (total or 0) >= username_limit():
            return True
    if address:
        total = attempts.filter(ip_address=address).aggregate(n=Sum("failures_since_start"))["n"]
        if (total or 0) >= address_limit():
            return True
    return False


class LoginLimitsHandler(AxesDatabaseHandler):
    """axes' database handler, keyed by (username, address), plus the wider limits."""

    def is_locked(self, request: Any, credentials: dict | None = None) -> bool:
        if super().is_locked(request, credentials):
            return True
        address = getattr(request, "axes_ip_address", None)
        return is_locked_everywhere(get_client_username(request, credentials), address)
