"""Checking a workbench against the lists it links to (issue 12: "workbench counts
equal the lists they link to, for every role").

Every list a workbench item links to renders its row count as ``data-total="N"``
(the shared pager, ``includes/pager.html``, does it for every paginated list; a list
without paging carries the attribute on its count). :func:`assert_workbench_matches`
opens the home page as the client's user, then every item's link, and compares.
"""

from __future__ import annotations

import re
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils.html import escape

TOTAL = re.compile(r'data-total="(\d+)"')


def list_total(client: Client, url: str) -> int:
    """The row count a list page declares (exactly one ``data-total`` on the page)."""
    response = client.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    found = TOTAL.findall(response.content.decode())
    assert len(found) == 1, f"{url}: expected one data-total marker, found {found}"
    return int(found[0])


def home_items(client: Client) -> list[Any]:
    response = client.get(reverse("home"))
    assert response.status_code == 200
    items = list(response.context["work_items"])
    body = response.content.decode()
    for item in items:
        # Shown as a link to its list, with its count (or ✓ when done).
        assert f'href="{escape(item.url)}"' in body, item.key
        assert f'data-count="{item.count}"' in body, item.key
    return items


def assert_workbench_matches(client: Client) -> dict[str, Any]:
    """Every item on the client's home page counts exactly the rows its link lists.
    Returns the items by key, for the caller to check which are there."""
    items = home_items(client)
    for item in items:
        total = list_total(client, item.url)
        assert total == item.count, f"{item.key}: workbench says {item.count}, list has {total}"
    return {item.key: item for item in items}
