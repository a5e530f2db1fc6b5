"""Refusals the audit log used to miss or show to the wrong people."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from edubureau.audit.models import Action, AuditEvent
from edubureau.audit.selectors import AuditFilter, audit_events
from edubureau.audit.services import audit_log
from edubureau.testing.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor(cast):
    return cast.auditor


def _denials(**filters) -> AuditEvent | None:
    return AuditEvent.objects.filter(action=Action.ACCESS_DENIED, **filters).last()


def test_a_rejected_csrf_token_is_audited_and_answered_in_chinese(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.admin)
    response = client.post(reverse("orgs:school-create"), {"name": "伪造的学校"})
    assert response.status_code == 403
    assert "页面已过期或请求来源不可信" in response.content.decode()
    event = _denials(actor=cast.admin)
    assert event is not None and "CSRF" in event.detail
    assert event.bureau_id == cast.bureau.pk


def test_an_anonymous_csrf_rejection_is_kept_for_the_platform_operator(cast, auditor):
    client = Client(enforce_csrf_checks=True)
    client.post(reverse("login"), {"username": "x", "password": "y"})
    event = _denials(actor__isnull=True)
    assert event is not None and event.bureau_id is None
    operator = UserFactory(bureau=None, role="", is_superuser=True, username="operator")
    assert event in audit_events(user=operator, filters=AuditFilter())
    assert event not in audit_events(user=auditor, filters=AuditFilter())


def test_a_probe_from_another_bureau_is_shown_to_the_probed_bureau(cast, auditor):
    client = Client()
    client.force_login(cast.other_admin)
    url = reverse("orgs:school-detail", kwargs={"school_id": cast.school_a.pk})
    assert client.get(url).status_code == 404
    event = _denials(actor=cast.other_admin)
    assert event.school_id == cast.school_a.pk
    assert event.bureau_id == cast.other_bureau.pk
    assert event.target_bureau_id == cast.bureau.pk
    assert event in audit_events(user=auditor, filters=AuditFilter())
    other_auditor = UserFactory(bureau=cast.other_bureau, role="auditor", username="auditor2")
    assert event in audit_events(user=other_auditor, filters=AuditFilter())
    sibling_auditor = UserFactory(bureau=cast.sibling_bureau, role="auditor", username="auditor3")
    assert event not in audit_events(user=sibling_auditor, filters=AuditFilter())


def test_a_probe_from_another_bureau_names_the_account_not_the_person(cast, auditor, client_for):
    """The probed bureau learns which account tried; the name of the person behind it
    belongs to the other bureau and is not shown."""
    cast.other_admin.full_name = "外局的张三"
    cast.other_admin.save(update_fields=["full_name"])
    probe = Client()
    probe.force_login(cast.other_admin)
    probe.get(reverse("orgs:school-detail", kwargs={"school_id": cast.school_a.pk}))
    page = client_for(auditor).get(reverse("audit:event-list")).content.decode()
    assert f"{cast.other_admin.username}（外单位账号）" in page
    assert "外局的张三" not in page
    other_auditor = UserFactory(bureau=cast.other_bureau, role="auditor", username="auditor2")
    own = client_for(other_auditor).get(reverse("audit:event-list")).content.decode()
    assert f"外局的张三（{cast.other_admin.username}）" in own


def test_a_refusal_on_a_bureau_owned_row_names_the_owning_bureau(cast, auditor):
    client = Client()
    client.force_login(cast.sibling_admin)
    url = reverse("orgs:department-edit", kwargs={"department_id": cast.safety_dept.pk})
    assert client.get(url).status_code == 404
    event = _denials(actor=cast.sibling_admin)
    assert event.target_bureau_id == cast.bureau.pk
    assert event in audit_events(user=auditor, filters=AuditFilter())


def test_failed_logins_with_unknown_usernames_reach_the_platform_operator(cast, auditor):
    Client().post(reverse("login"), {"username": "nobody-here", "password": TEST_PASSWORD})
    event = AuditEvent.objects.filter(action=Action.LOGIN_FAILED, actor_name="nobody-here").get()
    operator = UserFactory(bureau=None, role="", is_superuser=True, username="operator")
    assert event in audit_events(user=operator, filters=AuditFilter())
    assert event not in audit_events(user=auditor, filters=AuditFilter())


def test_the_account_administrator_cannot_read_the_audit_log(cast, auditor):
    """三员分立: the log records what administrators do; they do not read it."""
    admin = Client()
    admin.force_login(cast.admin)
    assert admin.get(reverse("audit:event-list")).status_code == 403
    assert not audit_events(user=cast.admin, filters=AuditFilter()).exists()
    reader = Client()
    reader.force_login(auditor)
    assert reader.get(reverse("audit:event-list")).status_code == 200


def test_the_log_says_what_and_who_in_words(cast, auditor, client_for):
    """安全隐患“…” and 姓名（账号）, a field's Chinese name and a choice's label,
    not ``safety.Hazard #1``, a bare username and ``status: rectified``."""
    cast.safety_staff.full_name = "王安全"
    cast.safety_staff.save(update_fields=["full_name"])
    audit_log(
        actor=cast.safety_staff,
        action=Action.UPDATE,
        obj=cast.school_a,
        changes={"name": ["旧名", cast.school_a.name], "kind": ["primary", "junior"]},
    )
    page = client_for(auditor).get(reverse("audit:event-list")).content.decode()
    row = next(r for r in page.split('data-testid="audit-row"')[1:] if "王安全" in r)
    assert f"王安全（{cast.safety_staff.username}）" in row
    assert f"学校“{cast.school_a.name}”" in row and "orgs.School" not in row
    assert f"学校名称：旧名 → {cast.school_a.name}" in row
    assert "办学类型：小学 → 初级中学" in row and "primary" not in row


def test_the_log_searches_and_sorts_by_time_either_way(cast, auditor, client_for):
    for text in ("第一条", "第二条", "第三条"):
        audit_log(actor=cast.admin, action=Action.UPDATE, obj=cast.school_a, detail=f"测试{text}")
    client = client_for(auditor)
    found = client.get(reverse("audit:event-list"), {"q": "测试第二"}).content.decode()
    assert found.count('data-testid="audit-row"') == 1 and "测试第二条" in found
    oldest = client.get(reverse("audit:event-list"), {"q": "测试", "sort": "created_at"})
    rows = oldest.content.decode().split('data-testid="audit-row"')[1:]
    assert "测试第一条" in rows[0] and "测试第三条" in rows[-1]
    assert client.get(reverse("audit:event-list"), {"sort": "hash"}).status_code == 400
