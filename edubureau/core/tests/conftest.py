from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _cast_admin_operates_the_platform(request: pytest.FixtureRequest) -> None:
    # The cast is a deployment shared by two bureaus, where only the platform operator
    # (a superuser) keeps the national schedule (core.services.calendar_can_edit). Here
    # the cast's administrator is that operator; test_calendar_editors covers the rule.
    if "cast" in request.fixturenames:
        cast = request.getfixturevalue("cast")
        cast.admin.is_superuser = True
        cast.admin.save(update_fields=["is_superuser"])
