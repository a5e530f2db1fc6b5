"""A save that comes back without the version the editor loaded is refused like a
stale one: it cannot prove it saw the latest row, so it must not overwrite it."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from edubureau.core.concurrency import UNCHECKED, EditConflict, ensure_unchanged, version_token
from edubureau.orgs.models import School
from edubureau.orgs.services.schools import school_update
from edubureau.rectification.models import PlanKind
from edubureau.safety.models import EmergencyPlan, Hazard
from edubureau.safety.tests.factories_hazards import at, make_hazard

pytestmark = pytest.mark.time_machine(at(date(2026, 9, 10)))

MISSING = "缺少版本信息"
# Omitted from the form, or sent empty.
WITHOUT_VERSION = [pytest.param(None, id="omitted"), pytest.param("", id="empty")]


def _with_version(data: dict, version: str | None) -> dict:
    return data if version is None else data | {"version": version}


def test_ensure_unchanged_refuses_a_missing_or_stale_token():
    row = SimpleNamespace(updated_at=timezone.now())
    current = version_token(row)
    ensure_unchanged(row, current)
    ensure_unchanged(row, UNCHECKED)  # no editor behind the call
    for token in (None, ""):
        with pytest.raises(EditConflict, match=f"该记录的编辑页面{MISSING}"):
            ensure_unchanged(row, token)
    with pytest.raises(EditConflict, match="该记录已被他人修改，请刷新页面"):
        ensure_unchanged(row, "2000-01-01T00:00:00+00:00")


# School edit -----------------------------------------------------------------------


def _school_data() -> dict:
    return {"address": "新地址", "principal": "王校长", "phone": "123"}


@pytest.mark.parametrize("version", WITHOUT_VERSION)
def test_a_school_edit_without_the_version_is_refused(cast, client_for, version):
    url = reverse("orgs:school-edit", kwargs={"school_id": cast.school_a.pk})
    before = School.objects.filter(pk=cast.school_a.pk).values().get()
    response = client_for(cast.school_a_principal).post(url, _with_version(_school_data(), version))
    assert response.status_code == 200
    assert MISSING in response.content.decode()
    assert School.objects.filter(pk=cast.school_a.pk).values().get() == before


def test_a_school_edit_with_the_version_is_saved(cast, client_for):
    url = reverse("orgs:school-edit", kwargs={"school_id": cast.school_a.pk})
    data = _school_data() | {"version": version_token(cast.school_a)}
    assert client_for(cast.school_a_principal).post(url, data).status_code == 302
    cast.school_a.refresh_from_db()
    assert cast.school_a.address == "新地址"


# A safety ledger edit -------------------------------------------------------------


def _plan_data(cast) -> dict:
    today = timezone.localdate()
    return {
        "school": cast.school_a.pk,
        "name": "防汛应急预案",
        "kind": "防汛",
        "approved_on": date(today.year - 1, 5, 1).isoformat(),
        "review_due": date(today.year + 1, 5, 1).isoformat(),
    }


@pytest.mark.parametrize("version", WITHOUT_VERSION)
def test_a_ledger_edit_without_the_version_is_refused(cast, client_for, version):
    model, data = EmergencyPlan, _plan_data(cast)
    client = client_for(cast.school_a_officer)
    assert client.post(reverse("safety:plan-create"), data).status_code == 302
    plan = model.objects.get()
    edit = reverse("safety:plan-edit", kwargs={"emergencyplan_id": plan.pk})
    before = model.objects.filter(pk=plan.pk).values().get()
    response = client.post(edit, _with_version(data | {"name": "改过的预案"}, version))
    assert response.status_code == 200
    assert MISSING in response.content.decode()
    assert model.objects.filter(pk=plan.pk).values().get() == before
    data |= {"name": "改过的预案", "version": version_token(plan)}
    assert client.post(edit, data).status_code == 302
    assert model.objects.get().name == "改过的预案"


# The hazard's lifecycle forms --------------------------------------------------------


@pytest.mark.parametrize("version", WITHOUT_VERSION)
def test_a_hazard_plan_without_the_version_is_refused(cast, client_for, version):
    hazard = make_hazard(cast)
    url = reverse("safety:hazard-plan", kwargs={"hazard_id": hazard.pk})
    data = {"kind": PlanKind.BY_DEADLINE, "plan_text": "本周内更换"}
    client = client_for(cast.school_a_officer)
    before = Hazard.objects.filter(pk=hazard.pk).values().get()
    response = client.post(url, _with_version(data, version))
    assert response.status_code == 409
    assert MISSING in response.text
    assert Hazard.objects.filter(pk=hazard.pk).values().get() == before
    response = client.post(url, data | {"version": version_token(hazard)})
    assert response.status_code == 302
    assert Hazard.objects.get(pk=hazard.pk).plan_text == "本周内更换"


def test_a_stale_school_edit_is_refused_naming_the_other_persons_change(cast, client_for):
    """The refused editor is told who saved in between, when, and what they changed."""
    url = reverse("orgs:school-edit", kwargs={"school_id": cast.school_a.pk})
    loaded = version_token(cast.school_a)
    cast.admin.full_name = "李管理"
    cast.admin.save(update_fields=["full_name"])
    school_update(actor=cast.admin, school=cast.school_a, data={"principal": "赵校长"})
    late = _school_data() | {"principal": "钱校长", "version": loaded}
    response = client_for(cast.school_a_principal).post(url, late)
    text = response.content.decode()
    assert response.status_code == 200 and "已被他人修改，请刷新页面" in text
    assert f"最近一次修改：李管理（{cast.admin.username}）" in text
    assert "→ 赵校长" in text
    assert School.objects.get(pk=cast.school_a.pk).principal == "赵校长"
