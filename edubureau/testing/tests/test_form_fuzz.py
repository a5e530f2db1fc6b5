"""No form body makes a server error.

Every route without object ids that shows a form posting to itself is fetched as
accounts of several levels; its form is then posted with each field in turn set to a
hostile value (the rest as a browser would send them, multipart as our forms with a
file input send them), and with every field hostile at once, multipart and url-encoded.
A 5xx is a failure; a refusal, a validation message or a redirect is fine. The forms
are found on the pages themselves, so a form added later is fuzzed too.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.test import Client

from edubureau.testing.isolation import form_body
from edubureau.testing.tests.test_query_fuzz import HOSTILE, list_routes

# Fields the framework owns: a hostile CSRF token is the CSRF check's business
# (tested in audit/tests/test_audit_gaps.py), not a form's.
FRAMEWORK_FIELDS = {"csrfmiddlewaretoken"}


def _bodies(base: dict[str, list[str]], shift: int) -> list[dict[str, list[str]]]:
    fields = sorted(n for n in base if n not in FRAMEWORK_FIELDS)
    one_at_a_time = [
        {**base, name: [HOSTILE[(shift + j) % len(HOSTILE)]]} for j, name in enumerate(fields)
    ]
    all_at_once = {
        **base,
        **{name: [HOSTILE[(shift + 7 + j) % len(HOSTILE)]] for j, name in enumerate(fields)},
    }
    return [*one_at_a_time, all_at_once]


@pytest.mark.walk
@pytest.mark.django_db
def test_no_form_body_makes_a_server_error(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    users = [cast.admin, cast.school_a_officer, cast.safety_staff, cast.city_safety]
    failures: list[str] = []
    forms_seen = 0
    for u, user in enumerate(users):
        client = Client(raise_request_exception=False)
        client.force_login(user)
        for url in list_routes():
            page = client.get(url)
            if page.status_code != 200 or "text/html" not in page.get("Content-Type", ""):
                continue
            base = form_body(page.content.decode(), url)
            if not base:
                continue
            forms_seen += 1
            bodies = _bodies(base, shift=u)
            for n, body in enumerate(bodies):
                answers = [("multipart", client.post(url, body))]
                if n == len(bodies) - 1:  # all fields hostile: url-encoded too
                    encoded = urlencode(body, doseq=True)
                    kind = "application/x-www-form-urlencoded"
                    answers.append(("urlencoded", client.post(url, encoded, content_type=kind)))
                for how, response in answers:
                    if response.status_code >= 500:
                        shown = {k: [v[:40] for v in vs] for k, vs in body.items()}
                        failures.append(f"{user.username} POST {url} ({how}, #{n}) {shown}")
    assert forms_seen > 10, "the walk found too few forms to mean anything"
    assert not failures, "\n".join(sorted(set(failures))[:30])
