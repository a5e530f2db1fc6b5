"""An account the scoping door gives no school at all — the audit administrator, whose
menu offers the dashboard like everyone's — opens it as an empty dashboard. Its overdue
list, the dashboard's one hand-written query, compiled the empty scope, which Django
refuses to write as SQL, and the page failed with a server error."""

from __future__ import annotations

import pytest
from django.urls import reverse

from edubureau.core.roles import Role
from edubureau.safety.tests.factories_hazards import make_hazard
from edubureau.testing.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.INSPECTOR])
def test_an_account_without_schools_sees_an_empty_dashboard(role, cast, client_for):
    make_hazard(cast)  # school A's: never theirs
    account = UserFactory.create(bureau=cast.bureau, role=role, username="noschools")
    response = client_for(account).get(reverse("safety:dashboard"))
    assert response.status_code == 200
    assert response.context["board"].overdue == []
