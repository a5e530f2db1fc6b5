"""The township's central school (中心校) verifies and closes the minor (一般) hazards of
its township's schools where the county delegates it (issue 8, item 2), and only then."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from edubureau.audit.models import Action, AuditEvent
from edubureau.core.concurrency import version_token
from edubureau.rectification.lifecycle import NotAllowed, rectification_verify
from edubureau.rectification.models import Severity, Status
from edubureau.safety.models import Hazard, SafetySettings
from edubureau.safety.services.hazards import safety_settings_save
from edubureau.safety.tests.factories_hazards import at, hazard_in_state

pytestmark = pytest.mark.time_machine(at(date(2026, 9, 10)))
SETTINGS = reverse("safety:safety-settings")


def _delegate(cast, value: bool = True) -> None:
    safety_settings_save(actor=cast.safety_staff, township_verifies_minor=value)


def _post(client, name: str, hazard: Hazard, data: dict) -> int:
    hazard.refresh_from_db()
    url = reverse(f"safety:hazard-{name}", kwargs={"hazard_id": hazard.pk})
    return client.post(url, data | {"version": version_token(hazard)}).status_code


def test_without_delegation_the_township_only_reads(cast, client_for):
    hazard = hazard_in_state(cast, Status.RECTIFIED, severity=Severity.MINOR)
    client = client_for(cast.township_staff)
    page = client.get(reverse("safety:hazard-detail", kwargs={"hazard_id": hazard.pk}))
    assert page.status_code == 200 and "verify_form" not in page.context
    assert _post(client, "verify", hazard, {"decision": "accept"}) == 403
    assert Hazard.objects.get(pk=hazard.pk).status == Status.RECTIFIED


def test_with_delegation_the_township_verifies_and_closes_a_minor_hazard(cast, client_for):
    _delegate(cast)
    hazard = hazard_in_state(cast, Status.RECTIFIED, severity=Severity.MINOR)
    client = client_for(cast.township_staff)
    page = client.get(reverse("safety:hazard-detail", kwargs={"hazard_id": hazard.pk}))
    assert "verify_form" in page.context and "plan_form" not in page.context
    assert _post(client, "verify", hazard, {"decision": "accept"}) == 302
    assert _post(client, "close", hazard, {"note": "中心校复查合格"}) == 302
    hazard.refresh_from_db()
    assert hazard.status == Status.CLOSED and hazard.verified_by == cast.township_staff
    # The county's safety department still may (the delegation adds, it takes nothing).
    other = hazard_in_state(cast, Status.RECTIFIED, severity=Severity.MINOR)
    rectification_verify(actor=cast.safety_staff, obj=other, accept=True)


def test_the_delegation_covers_minor_hazards_of_the_township_only(cast, client_for):
    _delegate(cast)
    major = hazard_in_state(cast, Status.RECTIFIED, severity=Severity.MAJOR)
    with pytest.raises(NotAllowed):
        rectification_verify(actor=cast.township_staff, obj=major, accept=True)
    # School B is in another township: out of reach altogether (404, audited).
    school_b = hazard_in_state(
        cast, Status.RECTIFIED, severity=Severity.MINOR, school=cast.school_b
    )
    client = client_for(cast.township_staff)
    assert _post(client, "verify", school_b, {"decision": "accept"}) == 404
    assert AuditEvent.objects.filter(
        action=Action.ACCESS_DENIED, actor=cast.township_staff
    ).exists()
    # A hazard a higher bureau keeps (its campaign found it) stays the city's to verify.
    kept = hazard_in_state(cast, Status.RECTIFIED, severity=Severity.MINOR)
    Hazard.objects.filter(pk=kept.pk).update(verifying_bureau=cast.city)
    with pytest.raises(NotAllowed):
        rectification_verify(actor=cast.township_staff, obj=kept, accept=True)
    assert set(Hazard.objects.verifiable_by(cast.township_staff)) == set(
        Hazard.objects.filter(
            severity=Severity.MINOR, school=cast.school_a, verifying_bureau__isnull=True
        )
    )


def test_another_countys_delegation_does_not_reach_this_county(cast):
    SafetySettings.objects.create(bureau=cast.sibling_bureau, township_verifies_minor=True)
    hazard = hazard_in_state(cast, Status.RECTIFIED, severity=Severity.MINOR)
    with pytest.raises(NotAllowed):
        rectification_verify(actor=cast.township_staff, obj=hazard, accept=True)


def test_the_county_safety_department_sets_the_delegation(cast, client_for):
    client = client_for(cast.safety_staff)
    page = client.get(SETTINGS)
    assert page.status_code == 200
    response = client.post(SETTINGS, {"township_verifies_minor": "on", "version": ""})
    assert response.status_code == 302
    settings = SafetySettings.objects.get(bureau=cast.bureau)
    assert settings.township_verifies_minor is True
    assert AuditEvent.objects.filter(
        action=Action.CREATE, actor=cast.safety_staff, model_label="safety.SafetySettings"
    ).exists()
    # A stale page is refused; the current one saves.
    stale = client.post(SETTINGS, {"version": ""})
    assert stale.status_code == 409
    fresh = client.post(SETTINGS, {"version": version_token(settings)})
    assert fresh.status_code == 302
    assert SafetySettings.objects.get(bureau=cast.bureau).township_verifies_minor is False


@pytest.mark.parametrize("who", ["township_staff", "admin", "leader", "city_safety"])
def test_nobody_else_sets_the_countys_delegation(cast, client_for, who):
    user = getattr(cast, who)
    response = client_for(user).post(SETTINGS, {"township_verifies_minor": "on", "version": ""})
    if who == "city_safety":
        # The city sets its own bureau's settings, never the county's.
        assert response.status_code == 302
        assert not SafetySettings.objects.filter(bureau=cast.bureau).exists()
        return
    assert response.status_code == 403
    assert not SafetySettings.objects.exists()
