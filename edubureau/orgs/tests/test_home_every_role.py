"""Every role has a home page, and everything it offers opens. The audit administrator
(审计管理员) had none — signing in ended in a server error — and the account
administrator's home offered the audit log, which 三员分立 refuses them: a role added
without a home, or a link to a page the role may not open, fails here."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from edubureau.audit.models import Action
from edubureau.audit.services import audit_log
from edubureau.core.roles import Role
from edubureau.testing.dates import today
from edubureau.testing.workbench import assert_workbench_matches

pytestmark = pytest.mark.django_db

LINK = re.compile(r'href="(/[^"#]*)"')
# Links that do something rather than show something, or that are not pages.
NOT_PAGES = ("/accounts/logout/", "/static/", "/favicon.ico")


def account_of_every_role(cast):
    return {
        Role.BUREAU_LEADER: cast.leader,
        Role.DEPARTMENT_STAFF: cast.safety_staff,
        Role.TOWNSHIP_STAFF: cast.township_staff,
        Role.SCHOOL_USER: cast.school_a_officer,
        Role.INSPECTOR: cast.inspector,
        Role.ADMINISTRATOR: cast.admin,
        Role.AUDITOR: cast.auditor,
    }


def test_every_role_is_covered(cast):
    assert set(account_of_every_role(cast)) == set(Role.values)


@pytest.mark.parametrize("role", Role.values)
def test_every_role_has_a_home_whose_links_all_open(role, cast, client_for):
    user = account_of_every_role(cast)[role]
    client = client_for(user)
    home = client.get(reverse("home"))
    assert home.status_code == 200
    links = {
        link.replace("&amp;", "&")
        for link in LINK.findall(home.content.decode())
        if not link.startswith(NOT_PAGES)
    }
    assert links
    refused = {
        link: status for link in sorted(links) if (status := client.get(link).status_code) >= 400
    }
    assert refused == {}


def test_the_administrator_is_not_offered_the_audit_log(cast, client_for):
    page = client_for(cast.admin).get(reverse("home")).content.decode()
    assert reverse("audit:event-list") not in page


def test_the_auditors_workbench_counts_the_weeks_security_events(cast, client_for):
    day = today()
    # In the window: a probe of school B refused, two failed sign-ins, a lockout.
    audit_log(actor=cast.school_a_officer, action=Action.ACCESS_DENIED, detail="GET /x/")
    for _ in range(2):
        audit_log(actor=cast.school_a_principal, action=Action.LOGIN_FAILED)
    audit_log(actor=cast.school_a_principal, action=Action.LOCKED_OUT)
    # Not counted: a week and a day ago, and another county's.
    with time_machine.travel(day - timedelta(days=8)):
        audit_log(actor=cast.school_a_officer, action=Action.ACCESS_DENIED)
    audit_log(actor=cast.sibling_safety, action=Action.LOGIN_FAILED)

    items = assert_workbench_matches(client_for(cast.auditor))
    assert {key: item.count for key, item in items.items()} == {
        "audit.locked_out": 1,
        "audit.access_denied": 1,
        "audit.login_failed": 2,
    }
    # Nobody else is asked to review the log on their workbench, the leader included.
    leader_items = assert_workbench_matches(client_for(cast.leader))
    assert not [key for key in leader_items if key.startswith("audit.")]
