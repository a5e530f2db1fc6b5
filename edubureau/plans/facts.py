"""The plan's facts for reports: what was planned, what was done (with its source), how
each task stands, what was chased — over a period of the plan's year, as of its end.

Keys (``plan_facts``), each a number with its label, unit and source link:

- ``plan.tasks`` and ``plan.tasks.<status>`` — the tasks, by computed status at the
  period's end (``done``, ``on_track``, ``lagging``, ``overdue``, ``not_started``);
- ``plan.group.<g>`` — a group (label: its title; value: its tasks);
- ``plan.task.<n>`` — a task (label: its title; value: its progress, %), with
  ``plan.task.<n>.group`` (its group's position) and ``plan.task.<n>.status.<status>``
  (1) as parts;
- ``plan.task.<n>.target.<p>`` — a target's actual (label: the metric; unit: the
  target's), with ``.planned`` (the target value) and ``.share`` (actual ÷ planned, %)
  as parts; a linked target's source is the record's list behind it;
- ``plan.followups`` / ``plan.followups.answered`` — 督办 opened in the period, answered;
- ``plan.next.group.<g>`` / ``plan.next.task.<n>`` — next year's plan, when it exists
  (the summaries' "下一年重点工作").

Which tasks count: all of the plan's (the bureau's own plan: its summary speaks for the
whole bureau). Linked actuals are read over ``scope`` — a report's scope is its
bureau's subtree.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.urls import reverse

from edubureau.core.facts import Fact, FactSet, Period
from edubureau.orgs.models import Bureau
from edubureau.orgs.scoping import SchoolScope
from edubureau.plans import selectors
from edubureau.plans.models import FollowUp, WorkPlan
from edubureau.plans.progress import TaskStatus

HUNDRED = Decimal(100)


def plan_facts(*, bureau: Bureau, scope: SchoolScope, period: Period, today: date) -> FactSet:
    """The facts of ``bureau``'s plan of the period's year, as of the period's end (or
    ``today`` within a running period); an empty set without a plan."""
    year = period.start.year
    plan = WorkPlan.objects.filter(bureau=bureau, year=year).first()
    if plan is None:
        return FactSet(period=period, facts=(), as_of=today)
    as_of = min(period.end, today)
    link = reverse("plans:plan-detail", kwargs={"plan_id": plan.pk})
    tasks = list(
        plan.tasks.select_related("group", "plan__bureau", "lead_department").prefetch_related(
            "targets", "milestones"
        )
    )
    readings = selectors.readings_for(plan, scope, as_of)
    latest = selectors.latest_reports(tasks, until=as_of)
    facts: list[Fact] = []
    by_status = dict.fromkeys(TaskStatus.values, 0)
    for group in plan.groups.order_by("position"):
        count = sum(1 for t in tasks if t.group_id == group.pk)
        facts.append(Fact(f"plan.group.{group.position}", group.title, count, "项", link))
    for task in tasks:
        found = selectors.task_progress(
            task, today=as_of, readings=readings, latest=latest.get(task.pk)
        )
        by_status[found.status] += 1
        key = f"plan.task.{task.number}"
        task_link = reverse("plans:task-detail", kwargs={"task_id": task.pk})
        facts.append(
            Fact(
                key,
                task.title,
                Decimal(found.percent),
                "%",
                task_link,
                breakdown=(
                    Fact(f"{key}.group", task.group.title, task.group.position, "", task_link),
                    Fact(f"{key}.status.{found.status}", str(found.status.label), 1, "", task_link),
                ),
                places=0,
            )
        )
        for row in found.targets:
            target = row.target
            tkey = f"{key}.target.{target.position}"
            actual = row.actual
            value = (
                int(actual)
                if isinstance(actual, Decimal)
                and actual == actual.to_integral_value()
                and target.unit != "%"
                else actual
            )
            facts.append(
                Fact(
                    tkey,
                    target.metric,
                    value,
                    target.unit,
                    row.source or task_link,
                    breakdown=(
                        Fact(
                            f"{tkey}.planned",
                            "目标",
                            target.value,
                            target.unit,
                            task_link,
                            places=_places(target.value),
                        ),
                        Fact(
                            f"{tkey}.share",
                            "完成比例",
                            Decimal(row.share),
                            "%",
                            task_link,
                            places=0,
                        ),
                    ),
                    places=_places(value),
                )
            )
    facts.append(Fact("plan.tasks", "工作任务", len(tasks), "项", link))
    for status, count in by_status.items():
        facts.append(Fact(f"plan.tasks.{status}", str(TaskStatus(status).label), count, "项", link))
    opened = FollowUp.objects.filter(task__plan=plan, opened_on__range=(period.start, as_of))
    board = reverse("plans:follow-up-board")
    facts.append(Fact("plan.followups", "督办", opened.count(), "次", board))
    facts.append(
        Fact(
            "plan.followups.answered",
            "已答复的督办",
            opened.exclude(responded_at=None).count(),
            "次",
            board,
        )
    )
    facts += _next_year(bureau, year + 1)
    return FactSet(period=period, facts=tuple(facts), as_of=today)


def _next_year(bureau: Bureau, year: int) -> list[Fact]:
    plan = WorkPlan.objects.filter(bureau=bureau, year=year).first()
    if plan is None:
        return []
    link = reverse("plans:plan-detail", kwargs={"plan_id": plan.pk})
    facts = [
        Fact(f"plan.next.group.{g.position}", g.title, g.tasks.count(), "项", link)
        for g in plan.groups.order_by("position")
    ]
    facts += [
        Fact(f"plan.next.task.{t.number}", t.title, t.group.position, "", link)
        for t in plan.tasks.select_related("group").order_by("number")
    ]
    return facts


def _places(value: object) -> int:
    """A reported figure keeps the decimals it was typed with (at most two)."""
    if isinstance(value, Decimal) and value != value.to_integral_value():
        exponent = value.normalize().as_tuple().exponent
        return min(2, -exponent) if isinstance(exponent, int) else 2
    return 0
