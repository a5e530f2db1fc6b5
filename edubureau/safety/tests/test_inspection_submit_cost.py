"""What a monthly self-inspection submit costs: a fixed number of queries however many
items failed (issue 12), with every hazard's rows still written: the hazard, its
"report" step and its audit event, in an unbroken audit chain."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from edubureau.audit.chain import verify_chain
from edubureau.audit.models import Action, AuditEvent
from edubureau.orgs.models import Role, SchoolKind, SchoolPosition
from edubureau.rectification.models import RectificationStep, Severity
from edubureau.safety.models import Hazard, Inspection, InspectionStatus
from edubureau.safety.services.checklists import checklist_install_default
from edubureau.safety.services.inspections import applicable_items, inspection_start_self
from edubureau.safety.tests.factories_hazards import make_hazard
from edubureau.safety.tests.factories_inspections import at
from edubureau.testing.factories import SchoolFactory, UserFactory

pytestmark = pytest.mark.time_machine(at(date(2026, 10, 12)))


def officer_of(cast, n):
    school = SchoolFactory(bureau=cast.bureau, township=cast.township_a)
    return UserFactory(
        bureau=cast.bureau,
        username=f"officer{n}",
        role=Role.SCHOOL_USER,
        school=school,
        school_position=SchoolPosition.SAFETY_OFFICER,
    )


def whole_form(items, failed):
    """The whole form as the page posts it on 提交: every item's five fields, the
    first ``failed`` items failed. 一般 (minor) hazards: each 较大/重大 one is in
    addition its own urgent message to the safety department, by design."""
    data = {"action": "submit", "inspected_on": "2026-10-12", "leader": "张校长"}
    for n, item in enumerate(items):
        bad = n < failed
        data |= {
            f"r_{item.pk}": "hazard" if bad else "pass",
            f"d_{item.pk}": f"第{n + 1}处隐患" if bad else "",
            f"l_{item.pk}": "教学楼" if bad else "",
            f"s_{item.pk}": Severity.MINOR,
            f"n_{item.pk}": "",
        }
    return data


@pytest.fixture
def default_items(cast):
    """The shipped default checklist (~90 items) for the county's primary schools."""
    checklist = checklist_install_default(bureau=cast.bureau)
    return applicable_items(checklist, cast.school_a.kind)


def submit(client_for, user, items, failed):
    inspection = inspection_start_self(actor=user, school=user.school, period=date(2026, 10, 1))
    url = reverse("safety:inspection-edit", kwargs={"inspection_id": inspection.pk})
    response = client_for(user).post(url, whole_form(items, failed))
    assert response.status_code == 302
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.SUBMITTED
    return inspection


def test_a_submit_costs_the_same_queries_with_two_or_twenty_failed_items(
    cast, client_for, default_items, django_assert_max_num_queries
):
    # Warm up: the working-day calendar, the content types, the cached items.
    submit(client_for, officer_of(cast, 0), default_items, failed=1)
    few_user, many_user = officer_of(cast, 1), officer_of(cast, 2)
    with CaptureQueriesContext(connection) as few:
        submit(client_for, few_user, default_items, failed=2)
    many = 20
    # The old submit wrote seven queries per hazard (the repeat lookup, the hazard,
    # its step, four for its audit event): 126 more here.
    with django_assert_max_num_queries(len(few.captured_queries)):
        inspection = submit(client_for, many_user, default_items, failed=many)
    assert inspection.hazards_found == many
    hazards = list(Hazard.objects.filter(inspection=inspection).order_by("id"))
    assert [h.description for h in hazards] == [f"第{n}处隐患" for n in range(1, many + 1)]
    steps = RectificationStep.objects.filter(
        content_type=ContentType.objects.get_for_model(Hazard),
        object_id__in=[h.pk for h in hazards],
    )
    assert sorted(steps.values_list("object_id", "action")) == [(h.pk, "report") for h in hazards]
    created = AuditEvent.objects.filter(
        model_label=Hazard._meta.label,
        action=Action.CREATE,
        object_id__in=[str(h.pk) for h in hazards],
    )
    assert created.count() == many
    # The hazards' events, then the inspection's, as consecutive links of the chain.
    last = AuditEvent.objects.filter(
        model_label=Inspection._meta.label, object_id=str(inspection.pk)
    )
    submitted = last.get(detail="提交检查")
    seqs = sorted(created.values_list("seq", flat=True))
    assert seqs == list(range(submitted.seq - many, submitted.seq))
    assert verify_chain().ok


def test_a_submit_reads_its_inspection_once_locked_and_its_recipients_once(
    cast, client_for, default_items
):
    submit(client_for, officer_of(cast, 0), default_items, failed=1)  # warm up
    user = officer_of(cast, 1)
    inspection = inspection_start_self(actor=user, school=user.school, period=date(2026, 10, 1))
    url = reverse("safety:inspection-edit", kwargs={"inspection_id": inspection.pk})
    client = client_for(user)
    with CaptureQueriesContext(connection) as seen:
        assert client.post(url, whole_form(default_items, 2)).status_code == 302
    reads = [q["sql"] for q in seen.captured_queries if q["sql"].startswith("SELECT")]
    of_inspection = [
        q
        for q in reads
        if q.split(" WHERE ")[0].endswith('FROM "safety_inspection"')
        or 'FROM "safety_inspection" INNER JOIN' in q.split(" WHERE ")[0]
    ]
    # Who may fill it, the row and its school and checklist: one read, the lock's.
    assert len(of_inspection) == 1
    if connection.features.has_select_for_update:
        assert "FOR UPDATE" in of_inspection[0]
    # The school's users with who muted the topic and whether a group robot may take
    # it: no query of the muted topics or the robots alone (the bureau has none).
    assert not [
        q
        for q in reads
        if q.split(" WHERE ")[0].endswith(
            ('FROM "notifications_mutedtopic"', 'FROM "notifications_webhookendpoint"')
        )
    ]
    # The inspection's row is written once, with the columns that changed only.
    writes = [
        q["sql"] for q in seen.captured_queries if q["sql"].startswith('UPDATE "safety_inspection"')
    ]
    assert len(writes) == 1
    written = set(re.findall(r'"(\w+)" = ', writes[0].split(" WHERE ")[0]))
    assert {"status", "results", "submitted_at", "submitted_by_id", "updated_at"} <= written
    assert not written & {"school_id", "kind", "checklist_id", "period", "due_on", "client_id"}


def test_a_hazard_found_again_is_flagged_as_a_repeat_in_a_bulk_submit(
    cast, client_for, default_items
):
    user = officer_of(cast, 1)
    again, fresh = default_items[0], default_items[1]
    earlier = make_hazard(
        cast, school=user.school, item_key=again.key, reported_on=date(2026, 9, 7)
    )
    inspection = submit(client_for, user, default_items, failed=2)
    found = {h.item_id: h for h in Hazard.objects.filter(inspection=inspection)}
    assert found[again.pk].repeat_of == earlier
    assert found[fresh.pk].repeat_of is None


def test_the_items_of_a_checklist_version_are_read_once(
    cast, default_items, django_assert_num_queries
):
    checklist = default_items[0].checklist
    with django_assert_num_queries(0):
        again = applicable_items(checklist, cast.school_a.kind)
    assert [i.pk for i in again] == [i.pk for i in default_items]
    # Another kind of school gets its own selection of the same items.
    kindergarten = {i.pk for i in applicable_items(checklist, SchoolKind.KINDERGARTEN)}
    assert kindergarten != {i.pk for i in again}
