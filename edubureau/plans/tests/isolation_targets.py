"""Isolation-check targets for the plans routes (see edubureau/testing/isolation.py):
a draft work plan of each party's bureau, its title carrying the party's marker.

An *issued* plan is read by the bureaus below its own (it is addressed to them), which
the walk's "nobody sees upward" would count as a leak; that rule has its own tests
(test_plan_access.py). School B's party has no bureau of its own: no plan."""

from __future__ import annotations

import io

from edubureau.core.photos import store_photo
from edubureau.plans.models import (
    FollowUp,
    PlanGroup,
    ProgressPhoto,
    ProgressReport,
    Target,
    Task,
    WorkPlan,
)
from edubureau.safety.tests.factories_hazards import png_bytes
from edubureau.testing.cast import Cast
from edubureau.testing.dates import today
from edubureau.testing.isolation import Party, register_rowless_route, register_target


def _plan(cast: Cast, party: Party) -> WorkPlan | None:
    if party.bureau is None:
        return None
    plan, _ = WorkPlan.objects.get_or_create(
        bureau=party.bureau,
        year=today().year,
        defaults={"title": f"{party.marker}{today().year}年工作要点"},
    )
    return plan


def _task(cast: Cast, party: Party) -> Task | None:
    plan = _plan(cast, party)
    if plan is None:
        return None
    group, _ = PlanGroup.objects.get_or_create(plan=plan, position=1, defaults={"title": "抓安全"})
    task, _ = Task.objects.get_or_create(
        plan=plan,
        number=1,
        defaults={"group": group, "title": f"{party.marker}开展应急演练", "text": party.marker},
    )
    return task


def _target(cast: Cast, party: Party) -> Target | None:
    task = _task(cast, party)
    if task is None:
        return None
    target, _ = Target.objects.get_or_create(
        task=task,
        position=1,
        defaults={"metric": f"{party.marker}演练", "unit": "场次", "value": 10},
    )
    return target


def _follow_up(cast: Cast, party: Party) -> FollowUp | None:
    task = _task(cast, party)
    if task is None:
        return None
    follow_up, _ = FollowUp.objects.get_or_create(
        task=task,
        defaults={
            "opened_on": today(),
            "reason": f"{party.marker}任务滞后",
            "respond_by": today(),
            "response": party.marker,
        },
    )
    return follow_up


def _photo(cast: Cast, party: Party) -> ProgressPhoto | None:
    task = _task(cast, party)
    if task is None:
        return None
    report, _ = ProgressReport.objects.get_or_create(
        task=task, period_start=today().replace(day=1), defaults={"narrative": party.marker}
    )
    photo = report.photos.first()
    if photo is None:
        # With its file (under the walk's MEDIA_ROOT), so that a reader gets 200.
        stored = store_photo(io.BytesIO(png_bytes()), folder="plans")
        photo = ProgressPhoto.objects.create(
            report=report, uploaded_by=cast.admin, **stored.fields()
        )
    return photo


register_target("plan_id", _plan, listed_by=("plans:plan-list",))
register_target("progressphoto_id", _photo)
register_target("follow_up_id", _follow_up, listed_by=("plans:follow-up-board",))
register_target("task_id", _task)
register_target("plan_target_id", _target)
register_rowless_route(
    "plans:plan-import", "a form: parses the pasted text and saves the user's own bureau's plan"
)
