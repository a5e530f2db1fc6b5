"""The menu: each app registers its own entries; the shell shows them in one fixed
order, each to the roles that may use it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from edubureau.core import navigation
from edubureau.core.navigation import Navigation
from edubureau.core.roles import Role
from edubureau.orgs.context_processors import navigation as navigation_context

EVERYONE = ["首页", "安全看板", "安全检查", "隐患整改", "安全台账", "学校名录"]
# Statistics, plans and reports: administrators and auditors keep accounts and logs,
# not them.
WITH_REPORTS = [*EVERYONE[:5], "教育统计", "工作要点", "总结报告", *EVERYONE[5:]]


def test_the_apps_register_the_menu_in_its_fixed_order():
    assert [(e.label, e.url_name) for e in navigation.entries()] == [
        ("首页", "home"),
        ("安全看板", "safety:dashboard"),
        ("安全检查", "safety:inspection-list"),
        ("隐患整改", "safety:hazard-list"),
        ("安全台账", "safety:ledger-home"),
        ("教育统计", "stats:return-list"),
        ("工作要点", "plans:plan-list"),
        ("总结报告", "reports:list"),
        ("学校名录", "orgs:school-list"),
        ("下级教育局", "orgs:bureau-list"),
        ("账号管理", "orgs:user-list"),
        ("工作日历", "core:calendar"),
        ("消息推送", "notifications:webhook-list"),
        ("审计日志", "audit:event-list"),
    ]


@pytest.mark.parametrize(
    ("role", "labels"),
    [
        (Role.ADMINISTRATOR, [*EVERYONE, "账号管理", "工作日历", "消息推送"]),
        (Role.AUDITOR, ["首页", "审计日志"]),
        (Role.BUREAU_LEADER, [*WITH_REPORTS, "工作日历", "审计日志"]),
        (Role.DEPARTMENT_STAFF, [*WITH_REPORTS, "工作日历"]),
        (Role.SCHOOL_USER, WITH_REPORTS),
        (Role.INSPECTOR, WITH_REPORTS),
    ],
)
def test_each_role_sees_its_entries(role, labels):
    request = RequestFactory().get("/safety/hazards/")
    request.user = SimpleNamespace(is_authenticated=True, role=role)
    items = navigation_context(request)["nav_items"]
    assert [item["label"] for item in items] == labels
    assert items[0] == {"label": "首页", "url": "/", "active": False}
    active = [item["label"] for item in items if item["active"]]
    # The audit administrator is not offered the hazard list it was on.
    assert active == ([] if role == Role.AUDITOR else ["隐患整改"])


def test_nobody_signed_in_sees_no_menu():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    assert navigation_context(request) == {"nav_items": []}


def test_an_entry_is_registered_once_and_orders_are_unique():
    menu = Navigation()
    menu.register("首页", "home", order=0)
    menu.register("首页", "home", order=0)  # ready() run again: no change
    with pytest.raises(ImproperlyConfigured, match="registered twice"):
        menu.register("主页", "home", order=0)
    with pytest.raises(ImproperlyConfigured, match="share order 0"):
        menu.register("学校名录", "orgs:school-list", order=0)
    menu.register("审计日志", "audit:event-list", roles={Role.ADMINISTRATOR}, order=800)
    menu.register("学校名录", "orgs:school-list", order=500)
    assert [e.url_name for e in menu.entries()] == ["home", "orgs:school-list", "audit:event-list"]


@pytest.mark.django_db
def test_only_an_administrator_whose_bureau_has_bureaus_below_sees_the_child_bureaus(cast):
    def labels(user):
        request = RequestFactory().get("/")
        request.user = user
        return [item["label"] for item in navigation_context(request)["nav_items"]]

    assert "下级教育局" in labels(cast.city_admin)
    assert "下级教育局" not in labels(cast.admin)  # a county's administrator
    assert "下级教育局" not in labels(cast.city_leader)


def test_an_entry_with_a_condition_is_shown_only_when_it_holds():
    menu = Navigation()
    menu.register("下级", "orgs:bureau-list", order=1, when=lambda user: user.pk == 1)
    request = RequestFactory().get("/")
    request.user = SimpleNamespace(is_authenticated=True, role=Role.ADMINISTRATOR, pk=1)
    assert [i["label"] for i in menu.items_for(request)] == ["下级"]
    request.user = SimpleNamespace(is_authenticated=True, role=Role.ADMINISTRATOR, pk=2)
    assert menu.items_for(request) == []
