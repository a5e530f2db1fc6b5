"""Content-Security-Policy: on every HTML page, and templates that need no exception."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from edubureau.core.security_headers import CONTENT_SECURITY_POLICY

APP_ROOT = Path(__file__).resolve().parents[2]


def test_the_policy_allows_scripts_from_our_files_only():
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "'unsafe-inline'" not in directives["default-src"]


def test_the_login_page_carries_the_policy():
    response = Client().get(reverse("login"))
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


@pytest.mark.parametrize(
    ("user", "url"),
    [
        ("admin", "home"),
        ("admin", "orgs:school-list"),
        ("admin", "notifications:webhook-list"),
        ("admin", "core:calendar"),
        ("leader", "safety:dashboard"),
        ("school_a_officer", "notifications:list"),
    ],
)
def test_every_html_page_carries_the_policy(cast, client_for, user, url):
    response = client_for(getattr(cast, user)).get(reverse(url))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_a_redirect_to_the_login_page_and_a_refusal_carry_it_too(cast, client_for):
    assert Client().get(reverse("orgs:school-list")).status_code == 302
    refused = client_for(cast.school_a_officer).get(reverse("notifications:webhook-list"))
    assert refused.status_code == 403
    assert refused["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def _templates() -> list[Path]:
    return sorted(p for p in APP_ROOT.rglob("templates/**/*.html"))


INLINE_SCRIPT = re.compile(
    r"<script\b(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>", re.I
)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)
JAVASCRIPT_URL = re.compile(r"javascript:", re.I)


def test_no_template_needs_inline_script():
    templates = _templates()
    assert len(templates) > 40
    offending = [
        f"{path.relative_to(APP_ROOT)}: {pattern.pattern}"
        for path in templates
        for pattern in (INLINE_SCRIPT, EVENT_HANDLER, JAVASCRIPT_URL)
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offending == []


@pytest.mark.parametrize("url", ["home", "orgs:school-list", "orgs:school-export"])
def test_answers_to_a_signed_in_user_are_never_cached(cast, url):
    client = Client()
    client.force_login(cast.admin)
    response = client.get(reverse(url))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store, private"
