"""The server side of bench/safety_submit.py (its settings make this the urlconf):
every route of the project, plus

- ``bench/bare-submit/<inspection_id>/``: the same submit request, read and written
  without the form and service layers — the inspection row updated with its results
  JSON and the counts, a hazard row for each failed item, and each posted photo's
  file and row (bytes written as posted: no decoding, no EXIF stripping). No access
  rule beyond "the user's own school", no audit events, no "report" steps, no
  notification, no completeness check: the floor a submit could cost on this stack;
- ``CostHeaders``: each response says what the request cost the worker —
  ``X-Bench-CPU-ms`` (process CPU time; a sync gunicorn worker runs one request at
  a time) and ``X-Bench-Queries``.
"""

from __future__ import annotations

import io
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST
from PIL import Image

from edubureau.rectification.lifecycle import default_deadline
from edubureau.rectification.models import Status
from edubureau.safety.models import (
    ChecklistItem,
    Hazard,
    HazardSource,
    Inspection,
    InspectionPhoto,
    InspectionStatus,
)
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
    now = timezone.now()
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
                InspectionPhoto.objects.create(
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
        Hazard.objects.bulk_create(
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
                )
                for item_id, entry in failed.items()
            ]
        )
    return HttpResponseRedirect(f"/safety/inspections/{inspection_id}/")


urlpatterns = [
    path("bench/bare-submit/<int:inspection_id>/", bare_submit),
    *project_urlpatterns,
]
