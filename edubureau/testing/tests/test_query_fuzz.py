"""No query string makes a server error.

Every route that answers GET without object ids is requested, as accounts of
several levels, with every query parameter name the code reads (found by scanning
the source, so a parameter added later is fuzzed too) set to hostile values:
integers past the database's range, dates past the calendar's, formulas, NUL
bytes, overlong text. A 5xx is a failure; the answer itself may be anything else.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

from edubureau.testing.isolation import SAMPLE_VALUES, SKIP_ROUTE_NAMES, iter_routes

SOURCE = Path(__file__).resolve().parents[2]
PARAM_READ = re.compile(r"""(?:GET|params|query_params)\.get(?:list)?\(\s*["']([a-z_]+)["']""")

HOSTILE = [
    "99999999999999999999",
    "9223372036854775808",
    "-1",
    "0",
    "0001-01",
    "9999-12-31",
    "0000-00-00",
    "2026-02-30",
    "1e999999x",
    "NaN",
    "１２３",
    '=HYPERLINK("http://x")',
    "' OR '1'='1",
    "%00",
    "\x00",
    "[]",
    "a" * 3000,
    "all",
]


ROUNDS = 6


def query_param_names() -> list[str]:
    names: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        names.update(PARAM_READ.findall(path.read_text(encoding="utf-8")))
    return sorted(names)


def list_routes() -> list[str]:
    urls = []
    for route in iter_routes():
        if route.name is None or route.name in SKIP_ROUTE_NAMES:
            continue
        if any(k.endswith("_id") or k not in SAMPLE_VALUES for k in route.kwargs):
            continue
        urls.append(reverse(route.name, kwargs={k: SAMPLE_VALUES[k] for k in route.kwargs}))
    return urls


def test_the_scan_finds_the_parameters_the_lists_read():
    names = query_param_names()
    assert {"school", "township", "period", "since", "until", "page", "q"} <= set(names)


@pytest.mark.walk
@pytest.mark.django_db
def test_no_query_string_makes_a_server_error(cast):
    names = query_param_names()
    urls = list_routes()
    assert len(urls) > 20
    users = [cast.leader, cast.school_a_officer, cast.city_safety]
    failures = []
    for u, user in enumerate(users):
        client = Client(raise_request_exception=False)
        client.force_login(user)
        for k in range(ROUNDS):
            # Each name gets another hostile value in each round and for each user, so
            # every name meets most values without a request per (name, value) pair.
            shift = k * len(users) + u
            params = {n: HOSTILE[(shift + j) % len(HOSTILE)] for j, n in enumerate(names)}
            for url in urls:
                response = client.get(f"{url}?{urlencode(params)}")
                if response.status_code >= 500:
                    failures.append(f"{user.username} GET {url}?{urlencode(params)[:300]}")
    assert not failures, "\n".join(sorted(set(failures))[:40])
