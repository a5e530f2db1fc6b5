"""No secret in the logs or the audit log, checked over the whole test suite.

A pytest plugin (``pytest_plugins`` in the root conftest). While the suite runs it
learns every secret the application makes — session keys, API token keys, initial
passwords it generates, second-factor (TOTP) secrets and recovery codes — plus the
tests' own password, and it reads every log record (any logger, INFO and up,
tracebacks included) and every audit event as it is hashed into the chain
(``audit.chain.canonical`` sees each event's detail and changes). A test during which
a known secret appeared in either fails at teardown, naming where.

Why known values rather than patterns: a 32-character session key looks like a
request id and a token like a hash; matching the values the run actually issued has
no false alarms and misses nothing that was issued.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

# Short values (a digit, a role name) would match by chance; every real secret is longer.
MIN_SECRET_LENGTH = 8


_RUN = re.compile(r"[A-Za-z0-9]+")


@dataclass
class SecretScan:
    """Known secrets, looked up cheaply: thousands of session keys are issued in a run
    and tens of thousands of audit events hashed, so a text is cut into its
    alphanumeric runs and each window of a secret's length is looked up in a set
    (linear in the text) rather than every secret searched for in it."""

    what: dict[str, str] = field(default_factory=dict)  # value -> what it is
    by_length: dict[int, set[str]] = field(default_factory=dict)  # alphanumeric ones
    other: list[str] = field(default_factory=list)  # with symbols: searched for
    found: list[str] = field(default_factory=list)

    def learn(self, value: Any, what: str) -> None:
        if not isinstance(value, str) or len(value) < MIN_SECRET_LENGTH or value in self.what:
            return
        self.what[value] = what
        if value.isascii() and value.isalnum():
            self.by_length.setdefault(len(value), set()).add(value)
        else:
            self.other.append(value)

    def check(self, text: str, where: str) -> None:
        hits = [v for v in self.other if v in text]
        for match in _RUN.finditer(text):
            run = match.group()
            for length, values in self.by_length.items():
                hits += [
                    run[i : i + length]
                    for i in range(len(run) - length + 1)
                    if run[i : i + length] in values
                ]
        for value in hits:
            self.found.append(f"{self.what[value]} in {where}: …{_around(text, value)}…")

    def take(self) -> list[str]:
        found, self.found = self.found, []
        return found


def _around(text: str, value: str, width: int = 40) -> str:
    at = text.index(value)
    return text[max(0, at - width) : at + len(value) + width].replace("\n", " ")


SCAN = SecretScan()


class _ScanHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # a bad format string is the logger's bug, not a leak
            text = str(record.msg)
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        SCAN.check(text, f"log {record.name}")


def _learn_session(sender: Any, instance: Any, **kwargs: Any) -> None:
    SCAN.learn(instance.session_key, "a session key")


def _learn_token(sender: Any, instance: Any, **kwargs: Any) -> None:
    SCAN.learn(instance.key, "an API token")


def _learn_totp_secret(sender: Any, instance: Any, **kwargs: Any) -> None:
    SCAN.learn(instance.secret, "a TOTP secret")


@pytest.fixture(scope="session", autouse=True)
def _secret_scan() -> Iterator[SecretScan]:
    from django.contrib.sessions.models import Session
    from django.db.models.signals import post_save
    from rest_framework.authtoken.models import Token

    from edubureau.audit import chain
    from edubureau.orgs import two_factor
    from edubureau.orgs.models import TOTPDevice
    from edubureau.orgs.services import accounts
    from edubureau.testing.factories import TEST_PASSWORD

    SCAN.learn(TEST_PASSWORD, "the test password")
    post_save.connect(_learn_session, sender=Session, dispatch_uid="secret_scan_session")
    post_save.connect(_learn_token, sender=Token, dispatch_uid="secret_scan_token")
    post_save.connect(_learn_totp_secret, sender=TOTPDevice, dispatch_uid="secret_scan_totp")

    # Where the accounts service calls it (it imported the name).
    generate = accounts.generate_initial_password

    def generate_and_learn() -> str:
        password = generate()
        SCAN.learn(password, "an initial password")
        return password

    accounts.generate_initial_password = generate_and_learn

    new_recovery_codes = two_factor.new_recovery_codes

    def recovery_codes_and_learn() -> list[str]:
        codes = new_recovery_codes()
        for code in codes:
            SCAN.learn(code, "a recovery code")
            SCAN.learn(code.replace("-", ""), "a recovery code")
        return codes

    two_factor.new_recovery_codes = recovery_codes_and_learn

    canonical = chain.canonical

    def canonical_and_check(event: Any) -> str:
        text = canonical(event)
        SCAN.check(text, f"audit event {event.action!r}")
        return text

    chain.canonical = canonical_and_check

    root = logging.getLogger()
    handler = _ScanHandler(level=logging.INFO)
    # INFO records reach the scan; the console keeps the configured level.
    for existing in root.handlers:
        if existing.level == logging.NOTSET:
            existing.setLevel(root.level)
    root_level = root.level
    root.setLevel(min(root_level, logging.INFO))
    root.addHandler(handler)
    yield SCAN
    root.removeHandler(handler)
    root.setLevel(root_level)
    chain.canonical = canonical
    accounts.generate_initial_password = generate
    two_factor.new_recovery_codes = new_recovery_codes
    post_save.disconnect(dispatch_uid="secret_scan_totp", sender=TOTPDevice)
    post_save.disconnect(dispatch_uid="secret_scan_session", sender=Session)
    post_save.disconnect(dispatch_uid="secret_scan_token", sender=Token)


@pytest.fixture(autouse=True)
def _no_secret_leaked(_secret_scan: SecretScan) -> Iterator[None]:
    _secret_scan.take()  # what an earlier test's teardown left is not this test's
    yield
    found = _secret_scan.take()
    if found:
        pytest.fail("A secret reached the logs or the audit log:\n" + "\n".join(found))
