"""If the audit event cannot be written, the change it records does not happen
(等保 8.1.4.3 d)): the services write their audit events inside their own
transaction, so a failing audit store rolls the business rows back with it."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone

from edubureau.audit.models import AuditEvent
from edubureau.orgs.models import School
from edubureau.orgs.services import schools as school_services
from edubureau.rectification.lifecycle import rectification_plan
from edubureau.rectification.models import RectificationStep, Status
from edubureau.safety.models import Hazard, HazardPhoto, HazardSource
from edubureau.safety.services.hazards import hazard_report_ad_hoc
from edubureau.safety.tests.factories_hazards import (
    PLAN_BY_DEADLINE,
    category,
    make_hazard,
    png_bytes,
)

pytestmark = pytest.mark.django_db


class AuditStoreDown(RuntimeError):
    pass


@pytest.fixture
def audit_down(monkeypatch):
    """Every way the services write audit events fails, as a full disk or a lost
    connection to the audit table would."""

    def refuse(*args, **kwargs):
        raise AuditStoreDown("audit store unavailable")

    monkeypatch.setattr("edubureau.audit.services.append", refuse)
    monkeypatch.setattr("edubureau.audit.services.append_many", refuse)


def test_a_hazard_is_not_reported_without_its_audit_event(cast, audit_down, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(AuditStoreDown):
        hazard_report_ad_hoc(
            actor=cast.school_a_officer,
            school=cast.school_a,
            category=category(cast.bureau),
            description="消防通道堆放杂物",
            source=HazardSource.WALKAROUND,
            reported_on=timezone.localdate(),
            photos=[io.BytesIO(png_bytes())],
        )
    assert not Hazard.objects.exists()
    assert not RectificationStep.objects.exists()
    assert not HazardPhoto.objects.exists()
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []  # the photo file too


def test_a_lifecycle_step_is_not_taken_without_its_audit_event(cast, monkeypatch):
    hazard = make_hazard(cast)
    steps, events = RectificationStep.objects.count(), AuditEvent.objects.count()

    def refuse(*args, **kwargs):
        raise AuditStoreDown("audit store unavailable")

    monkeypatch.setattr("edubureau.audit.services.append", refuse)
    monkeypatch.setattr("edubureau.audit.services.append_many", refuse)
    with pytest.raises(AuditStoreDown):
        rectification_plan(actor=cast.school_a_officer, obj=hazard, plan=PLAN_BY_DEADLINE)
    hazard.refresh_from_db()
    assert hazard.status == Status.REPORTED and hazard.plan_kind == ""
    assert RectificationStep.objects.count() == steps
    assert AuditEvent.objects.count() == events


def test_a_school_is_neither_created_nor_edited_without_its_audit_event(cast, audit_down):
    data = {
        "name": "新建的学校",
        "identifier": "5109219999",
        "kind": "primary",
        "ownership": "public",
        "locality": "rural",
    }
    schools = School.objects.count()
    with pytest.raises(AuditStoreDown):
        school_services.school_create(actor=cast.admin, data=data)
    assert School.objects.count() == schools
    before = School.objects.get(pk=cast.school_a.pk).name
    with pytest.raises(AuditStoreDown):
        school_services.school_update(
            actor=cast.admin, school=cast.school_a, data={"name": "改名后的学校"}
        )
    assert School.objects.get(pk=cast.school_a.pk).name == before
