"""Editing the checklist makes a new version; past inspections keep theirs."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from django.urls import reverse

from edubureau.core.concurrency import EditConflict
from edubureau.rectification.lifecycle import NotAllowed
from edubureau.rectification.models import Severity
from edubureau.safety.models import Checklist, Inspection
from edubureau.safety.services.checklists import (
    ChecklistChanges,
    ChecklistError,
    checklist_install_default,
    checklist_new_version,
)
from edubureau.safety.tests.factories_inspections import at, form_data, items_for

pytestmark = pytest.mark.time_machine(at(date(2026, 10, 12)))


@pytest.fixture
def v1(cast):
    return checklist_install_default(bureau=cast.bureau)


def test_a_form_opened_before_a_revision_is_refused_with_a_reason_and_keeps_nothing(
    cast, client_for, v1
):
    # The page was opened on v1; the safety department then revised the checklist, so
    # the form's first save makes an inspection on v2, whose items have other ids.
    items = items_for(v1, cast.school_a)
    changes = ChecklistChanges(note="删除一项", removals=["env_police"])
    checklist_new_version(actor=cast.safety_staff, base=v1, changes=changes)
    response = client_for(cast.school_a_officer).post(
        reverse("safety:self-inspection-new"),
        form_data(items, {i.key: "pass" for i in items}, action="submit", client_id=uuid.uuid4()),
    )
    assert response.status_code == 400
    assert "（检查表可能已更新），请刷新页面后重新填写" in response.text
    assert not Inspection.objects.exists()


def test_it_keeps_past_inspections_on_their_version(cast, client_for, v1):
    client = client_for(cast.school_a_officer)
    items = items_for(v1, cast.school_a)
    answers = {i.key: "pass" for i in items}
    client.post(
        reverse("safety:self-inspection-new"),
        form_data(items, answers, action="submit", client_id=uuid.uuid4()),
    )
    inspection = Inspection.objects.get()

    edit = {
        "fire_extinguishers": {"text": "灭火器每月检查一次并有记录", "default_severity": "major"}
    }
    changes = ChecklistChanges(note="细化灭火器检查要求", edits=edit, removals=["env_police"])
    v2 = checklist_new_version(actor=cast.safety_staff, base=v1, changes=changes)

    v1.refresh_from_db()
    assert (v1.is_current, v2.is_current, v2.version) == (False, True, 2)
    assert v2.items.count() == v1.items.count() - 1
    changed = v2.items.get(key="fire_extinguishers")
    assert (changed.text, changed.default_severity) == (
        "灭火器每月检查一次并有记录",
        Severity.MAJOR,
    )
    assert v1.items.get(key="fire_extinguishers").text == "灭火器按规定配置，在有效期内且压力正常"
    inspection.refresh_from_db()
    assert inspection.checklist == v1
    detail = client.get(reverse("safety:inspection-detail", args=[inspection.pk]))
    assert "灭火器按规定配置，在有效期内且压力正常" in detail.text
    assert "第1版" in detail.text
    # The next month's inspection uses the new version.
    assert Checklist.objects.get(bureau=cast.bureau, is_current=True) == v2


def test_it_refuses_a_stale_or_unauthorised_edit(cast, v1):
    changes = ChecklistChanges(note="x", removals=["env_police"])
    with pytest.raises(NotAllowed):
        checklist_new_version(actor=cast.office_staff, base=v1, changes=changes)
    checklist_new_version(actor=cast.safety_staff, base=v1, changes=changes)
    with pytest.raises(EditConflict):
        checklist_new_version(actor=cast.safety_staff, base=v1, changes=changes)
    with pytest.raises(ChecklistError, match="请填写修订说明"):
        current = Checklist.objects.get(bureau=cast.bureau, is_current=True)
        checklist_new_version(
            actor=cast.safety_staff, base=current, changes=ChecklistChanges(note=" ")
        )
    assert Checklist.objects.filter(bureau=cast.bureau).count() == 2


def test_it_edits_adds_and_removes_items_through_the_pages(cast, client_for, v1):
    client = client_for(cast.safety_staff)
    item = v1.items.get(key="drown_campus_water")
    url = reverse("safety:checklist-item-edit", args=[item.pk])
    assert client.get(url).status_code == 200
    data = {
        "category": item.category_id,
        "text": "校内水池、景观水体设防护栏和警示标识",
        "guidance": item.guidance,
        "basis": item.basis,
        "default_severity": "major",
        "applies_to": ["primary", "junior"],
        "note": "明确景观水体",
        "version": 1,
    }
    assert client.post(url, data).status_code == 302
    v2 = Checklist.objects.get(bureau=cast.bureau, is_current=True)
    edited = v2.items.get(key="drown_campus_water")
    assert (edited.text, edited.applies_to) == (data["text"], ["primary", "junior"])

    # A page loaded on version 1 can no longer save.
    stale = client.post(url, data)
    assert stale.status_code == 404  # the item belongs to an old version now

    add = reverse("safety:checklist-item-add") + "?category=drowning"
    new_item = dict(
        data, text="暑假前开展防溺水家访", applies_to=[], note="新增家访要求", version=2
    )
    new_item["category"] = v2.categories.get(key="drowning").pk
    assert client.post(add, new_item).status_code == 302
    v3 = Checklist.objects.get(bureau=cast.bureau, is_current=True)
    added = v3.items.get(text="暑假前开展防溺水家访")
    assert added.key == "drowning_x1" and added.applies_to == []

    remove = reverse("safety:checklist-item-remove", args=[added.pk])
    assert client.post(remove, {"note": "与现有事项重复", "version": 3}).status_code == 302
    v4 = Checklist.objects.get(bureau=cast.bureau, is_current=True)
    assert not v4.items.filter(key="drowning_x1").exists()
    versions = client.get(reverse("safety:checklist-versions"))
    for note in ("明确景观水体", "新增家访要求", "与现有事项重复"):
        assert note in versions.text
    # A key once used is never given to another item.
    new_item |= {"version": 4, "category": v4.categories.get(key="drowning").pk}
    assert client.post(add, new_item).status_code == 302
    assert (
        Checklist.objects.get(is_current=True, bureau=cast.bureau)
        .items.filter(key="drowning_x2")
        .exists()
    )


def test_it_refuses_a_version_conflict_on_the_page(cast, client_for, v1):
    client = client_for(cast.safety_staff)
    add = reverse("safety:checklist-item-add")
    data = {
        "category": v1.categories.first().pk,
        "text": "新事项",
        "default_severity": "minor",
        "note": "新增",
        "version": 0,
    }
    response = client.post(add, data)
    assert response.status_code == 400 and "已有更新的版本" in response.text
    assert Checklist.objects.filter(bureau=cast.bureau).count() == 1


def test_it_refuses_checklist_edits_to_others(cast, client_for, v1):
    item = v1.items.first()
    for user in (cast.office_staff, cast.leader, cast.school_a_officer):
        client = client_for(user)
        assert client.get(reverse("safety:checklist-item-edit", args=[item.pk])).status_code == 403
        assert client.get(reverse("safety:checklist-item-add")).status_code == 403
        assert client.post(reverse("safety:checklist-install")).status_code == 403
