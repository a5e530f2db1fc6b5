"""The server side of bench/safety_submit.py (its settings make this the urlconf):
every route of the project, plus

- ``bench/bare-submit/<inspection_id>/``: the same submit request, read and written
  without the form and service layers, the same rows inserted as the real submit
  inserts: the inspection row updated with its results JSON and the counts, a hazard
  row and its "report" step for each failed item, one notification to the school's
  other users, each posted photo's file and row (bytes written as posted: no
  decoding, no EXIF stripping), and an audit event for each hazard, photo and the
  submit, holding what the real ones hold (every column of a new hazard; the
  inspection's changed columns, its answers among them), chained
  (``audit.chain.append_many``: the chain's head is the one lock every writer takes).
  What decides those rows is read in plain SQL: the school's other users with
  whether each turned the topic off and whether a group robot takes it (one query),
  and each failed item's latest earlier hazard at the school (the new hazard's
  ``repeat_of``). No access rule beyond "the user's own school", no completeness
  check, no ORM for those reads: the floor a submit that writes these rows could
  cost on this stack. (Until 2026-12-06 it skipped those reads, and so wrote the
  same rows only where nobody had muted the topic and no item was a repeat.)
- ``CostHeaders``: each response says what the request cost the worker —
  ``X-Bench-CPU-ms`` (process CPU time; a sync gunicorn worker runs one request at
  a time) and ``X-Bench-Queries``.
"""

from __future__ import annotations

import io
import time
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST
from PIL import Image

from edubureau.audit.chain import append_many
from edubureau.audit.models import Action, AuditEvent
from edubureau.notifications.models import MutedTopic, Notification, WebhookEndpoint
from edubureau.orgs.models import Role, User
from edubureau.rectification.lifecycle import default_deadline
from edubureau.rectification.models import RectificationStep, Status
from edubureau.safety.models import (
    ChecklistItem,
    Hazard,
    HazardSource,
    Inspection,
    InspectionPhoto,
    InspectionStatus,
)
from edubureau.safety.services.hazards import repeat_window_days
from edubureau.urls import urlpatterns as project_urlpatterns


class CostHeaders:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        queries = 0

        def count(execute: Any, sql: Any, params: Any, many: Any, context: Any) -> Any:
            nonlocal queries
            queries += 1
            return execute(sql, params, many, context)

        started = time.process_time()
        with connection.execute_wrapper(count):
            response = self.get_response(request)
        response["X-Bench-CPU-ms"] = f"{(time.process_time() - started) * 1000:.2f}"
        response["X-Bench-Queries"] = str(queries)
        return response


HAZARD_COLUMNS = Hazard._meta.concrete_fields
TOPIC = "safety.hazard_reported"
USERS, MUTED, ROBOTS, HAZARDS = (
    m._meta.db_table for m in (User, MutedTopic, WebhookEndpoint, Hazard)
)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


@login_required
@require_POST
def bare_submit(request: HttpRequest, inspection_id: int) -> HttpResponse:
    post = request.POST
    user: Any = request.user
    results: dict[str, dict[str, str]] = {}
    failed: dict[int, dict[str, str]] = {}
    for name, value in post.items():
        if not name.startswith("r_") or not value:
            continue
        item_id = name[2:]
        entry = {"r": value, "n": post.get(f"n_{item_id}", "")}
        if value == "hazard":
            entry |= {k: post.get(f"{k}_{item_id}", "") for k in ("d", "l", "s")}
            failed[int(item_id)] = entry
        results[item_id] = {k: v for k, v in entry.items() if v}
    items = {
        i.pk: i
        for i in ChecklistItem.objects.filter(pk__in=failed)
        .select_related("category")
        .only("id", "key", "default_severity", "category__id", "category__key")
    }
    today = timezone.localdate()
    with connection.cursor() as cursor:
        # The school's other users, with what decides the rows made for them: whether
        # they turned the topic off, and whether a group robot of the bureau takes it.
        cursor.execute(
            f"SELECT u.id, EXISTS(SELECT 1 FROM {MUTED} m WHERE m.user_id = u.id"
            f" AND m.topic = %s), EXISTS(SELECT 1 FROM {ROBOTS} w WHERE w.is_active"
            " AND w.bureau_id = u.bureau_id AND (w.school_id IS NULL OR w.school_id = %s))"
            f" FROM {USERS} u WHERE u.school_id = %s AND u.role = %s AND u.is_active"
            " AND NOT u.read_only AND u.id <> %s",
            [TOPIC, user.school_id, user.school_id, Role.SCHOOL_USER, user.pk],
        )
        users = cursor.fetchall()
        # The latest earlier hazard of each failed item at the school in the window:
        # the new hazard's repeat_of.
        keys = sorted({items[pk].key for pk in failed})
        cursor.execute(
            f"SELECT item_key, id FROM {HAZARDS} WHERE school_id = %s AND item_key = ANY(%s)"
            " AND reported_on BETWEEN %s AND %s ORDER BY item_key, reported_on, id",
            [user.school_id, keys, today - timedelta(days=repeat_window_days()), today],
        )
        repeats = dict(cursor.fetchall())
    # The bench's bureau has no robot: a bare view that met one would have to write
    # its delivery, as the real one does.
    assert not any(robot for _, _, robot in users), "the bench's bare view sends to no robot"
    others = [pk for pk, muted, _ in users if not muted]
    now = timezone.now()
    events: list[AuditEvent] = []

    def event(action: str, obj: Any, changes: dict[str, Any], text: str = "") -> None:
        events.append(
            AuditEvent(
                created_at=now,
                actor=user,
                actor_name=user.username,
                action=action,
                model_label=obj._meta.label,
                object_id=str(obj.pk),
                object_repr=(text or str(obj))[:200],
                school_id=user.school_id,
                bureau_id=user.bureau_id,
                path=request.path,
                changes=changes,
            )
        )

    with transaction.atomic():
        for name, uploads in request.FILES.lists():
            item_id = name.removeprefix("photo_")
            for upload in uploads:
                data = upload.read()
                width, height = Image.open(io.BytesIO(data)).size  # the header only
                relative = Path(f"inspections/{user.school_id}/bare/{uuid.uuid4().hex}.jpg")
                target = Path(settings.MEDIA_ROOT) / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                photo = InspectionPhoto.objects.create(
                    school_id=user.school_id,
                    inspection_id=inspection_id,
                    item_id=int(item_id) if item_id.isdigit() else None,
                    uploaded_by=user,
                    path=str(relative),
                    content_type="image/jpeg",
                    size=len(data),
                    width=width,
                    height=height,
                )
                changes = {"path": [None, str(relative)], "size": [None, len(data)]}
                event(Action.CREATE, photo, changes, f"照片 {relative.name}")
        updated = Inspection.objects.filter(
            pk=inspection_id, school_id=user.school_id, status=InspectionStatus.DRAFT
        ).update(
            results=results,
            status=InspectionStatus.SUBMITTED,
            submitted_at=now,
            submitted_by=user,
            inspected_on=today,
            items_total=sum(1 for e in results.values() if e["r"] != "na"),
            hazards_found=len(failed),
        )
        if not updated:
            return HttpResponse(status=409)
        hazards = Hazard.objects.bulk_create(
            [
                Hazard(
                    school_id=user.school_id,
                    source=HazardSource.INSPECTION,
                    inspection_id=inspection_id,
                    item_id=item_id,
                    item_key=items[item_id].key,
                    category_id=items[item_id].category_id,
                    category_key=items[item_id].category.key,
                    severity=entry["s"] or items[item_id].default_severity,
                    description=entry["d"],
                    location=entry["l"],
                    reported_on=today,
                    reported_by=user,
                    deadline=default_deadline(severity=entry["s"] or "minor", found_on=today),
                    status=Status.REPORTED,
                    repeat_of_id=repeats.get(items[item_id].key),
                )
                for item_id, entry in failed.items()
            ]
        )
        hazard_type = ContentType.objects.get_for_model(Hazard)
        RectificationStep.objects.bulk_create(
            RectificationStep(
                school_id=user.school_id,
                content_type=hazard_type,
                object_id=h.pk,
                action="report",
                from_status="",
                to_status=Status.REPORTED,
                actor=user,
            )
            for h in hazards
        )
        if hazards and others:
            body = "\n".join(f"{n}. {h.description}（一般隐患）" for n, h in enumerate(hazards, 1))
            Notification.objects.bulk_create(
                Notification(
                    recipient_id=pk,
                    title=f"本月自查发现{len(hazards)}处隐患",
                    body=body,
                    link=f"/safety/hazards/?inspection={inspection_id}",
                    topic=TOPIC,
                    school_id=user.school_id,
                    created_at=now,
                )
                for pk in others
            )
        # The events hold what the real submit's do: every column of a new hazard, and
        # the inspection's changed columns, its answers (empty before) among them.
        for h in hazards:
            row = {f.attname: [None, _plain(getattr(h, f.attname))] for f in HAZARD_COLUMNS}
            event(Action.CREATE, h, row, h.description)
        event(
            Action.UPDATE,
            Inspection(pk=inspection_id),
            {
                "hazards_found": [0, len(failed)],
                "inspected_on": [None, today.isoformat()],
                "items_total": [0, sum(1 for e in results.values() if e["r"] != "na")],
                "results": [{}, results],
                "status": ["draft", "submitted"],
                "submitted_at": [None, now.isoformat()],
                "submitted_by_id": [None, user.pk],
            },
            text=f"学校{user.school_id} 月度自查 {today:%Y-%m-%d}",
        )
        append_many(events)
    return HttpResponseRedirect(f"/safety/inspections/{inspection_id}/")


urlpatterns = [
    path("bench/bare-submit/<int:inspection_id>/", bare_submit),
    *project_urlpatterns,
]
