"""Plans demo data: the demo county's work plan for the reference year and its progress.

Called by ``edubureau demo`` through the contributor extension point of
:mod:`edubureau.orgs.demo`, for the county of the demo school (at every scale) and, at
the city scale, for the city.
The plan is :data:`~edubureau.plans.demo_text.PLAN_TEXT` read by the same parser a
pasted plan goes through and saved by the same service, issued in February; lead
departments, linked targets, deadlines and milestones from ``demo_text``. Then month
by month up to the reference date, each lead department reports its targets' running
totals (or a percentage) at the task's pace — most keep to it, a few lag
(``demo_text.PACE``), a few reports are skipped in the last months — and the statuses
are recomputed at each quarter's end and in the last two months, so their history
reads as it would have.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings

from edubureau.orgs.demo import DemoContext, historical_timestamps
from edubureau.orgs.models import BureauLevel, SchoolKind
from edubureau.orgs.scoping import system_scope
from edubureau.plans import services
from edubureau.plans.demo_text import LEADS, LINKED, PACE, PLAN_TEXT, SCHEDULE
from edubureau.plans.models import (
    Milestone,
    PlanStatus,
    ProgressReport,
    Target,
    TargetSource,
    Task,
    WorkPlan,
)
from edubureau.plans.textparse import parse_plan

# Targets the parser finds that are not totals to track: a per-school frequency
# ("每学期至少开展2次") and a per-month one ("每月至少督导1次").
DROPPED = {5: (0,), 19: (0,)}
ISSUED_ON = (2, 20)


def build(ctx: DemoContext) -> None:
    demo_county = (
        ctx.bureau.level == BureauLevel.COUNTY and ctx.demo_school.bureau_id == ctx.bureau.pk
    )
    city_on_top = (
        ctx.bureau.level == BureauLevel.CITY
        and bool(ctx.tree)
        and ctx.tree[0].bureau.pk == ctx.bureau.pk
    )
    if not (demo_county or city_on_top):
        return
    with ctx.step("工作要点"):
        DemoPlan(ctx).build()


class DemoPlan:
    def __init__(self, ctx: DemoContext) -> None:
        self.ctx = ctx
        self.rng = ctx.rng
        self.today = ctx.reference_date
        self.year = self.today.year
        self.tz = ZoneInfo(settings.TIME_ZONE)

    def build(self) -> None:
        ctx = self.ctx
        author = ctx.users["leader"]
        parsed = parse_plan(PLAN_TEXT.format(bureau=ctx.bureau.name, year=self.year))
        departments = ctx.departments
        choices = {
            task.number: services.TaskChoice(
                lead_department_id=departments[LEADS[task.number]].pk,
                keep_targets=tuple(
                    i for i in range(len(task.targets)) if i not in DROPPED.get(task.number, ())
                ),
            )
            for task in parsed.tasks
        }
        plan = services.save_parsed_plan(
            actor=author, parsed=parsed, year=self.year, choices=choices
        )
        WorkPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.ISSUED)
        tasks = list(plan.tasks.order_by("number"))
        self._schedule(tasks)
        self._link(tasks)
        self._schools(tasks)
        self._progress(plan, tasks)

    def _schedule(self, tasks: list[Task]) -> None:
        milestones = []
        for task in tasks:
            deadline, steps = SCHEDULE.get(task.number, ((12, 31), ()))
            task.start = date(self.year, 1, 1)
            task.deadline = date(self.year, *deadline)
            milestones += [
                Milestone(
                    task=task, due=date(self.year, *day), label="阶段目标", expected_percent=pct
                )
                for day, pct in steps
            ]
        Task.objects.bulk_update(tasks, ["start", "deadline"])
        Milestone.objects.bulk_create(milestones)

    def _link(self, tasks: list[Task]) -> None:
        by_number = {t.number: t for t in tasks}
        linked = []
        for (number, position), key in LINKED.items():
            target = Target.objects.get(task=by_number[number], position=position)
            target.source, target.metric_key = TargetSource.LINKED, key
            linked.append(target)
        Target.objects.bulk_update(linked, ["source", "metric_key"])

    def _schools(self, tasks: list[Task]) -> None:
        """The tasks that concern particular schools: new kindergartens, smart
        classrooms (the demo school among them), so school accounts see their tasks."""
        by_number = {t.number: t for t in tasks}
        kindergartens = [s for s in self.ctx.schools if s.kind == SchoolKind.KINDERGARTEN][:3]
        by_number[8].schools.set(kindergartens)
        others = [
            s
            for s in self.ctx.schools
            if s.kind == SchoolKind.PRIMARY and s != self.ctx.demo_school
        ]
        rooms = [self.ctx.demo_school, *others[:9]]
        by_number[20].schools.set(rooms)

    def _month_ends(self) -> list[date]:
        ends = []
        for month in range(1, self.today.month + 1):
            first = date(self.year, month, 1)
            end = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
            ends.append(min(end, self.today))
        return ends

    def _refreshed(self, day: date) -> bool:
        """The statuses are recomputed at each quarter's end and in the last two months
        (each recount reads the bureau's safety and statistics facts): a history that
        reads as the year went, for a few recounts."""
        return day.month % 3 == 0 or day.month >= self.today.month - 1

    def _progress(self, plan: WorkPlan, tasks: list[Task]) -> None:
        rng = self.rng
        # The demo is built without a viewer, like a job: the bureau's whole record.
        scope = system_scope(plan.bureau)
        # The department's demo account reports its tasks (安全股, 基础教育股); others'
        # accounts are not in the demo, so their reports carry no author.
        self.reporters = {
            u.department_id: u for u in self.ctx.users.values() if u.department_id is not None
        }
        targets = {t.pk: list(t.targets.all()) for t in tasks}
        pace = {t.number: PACE.get(t.number, rng.uniform(0.95, 1.1)) for t in tasks}
        for day in self._month_ends():
            reports = []
            for task in tasks:
                if day < date(self.year, *ISSUED_ON) and day.month == 1:
                    continue  # the plan is issued in February; January has no reports
                if day.month >= self.today.month - 1 and rng.random() < 0.12:
                    continue  # a department a month behind with its reports
                reports.append(self._report(task, targets[task.pk], day, pace[task.number]))
            with historical_timestamps(ProgressReport):
                ProgressReport.objects.bulk_create(reports)
            if self._refreshed(day):
                services.refresh_plan(plan, scope=scope, today=day)

    def _report(self, task: Task, targets: list[Target], day: date, pace: float) -> ProgressReport:
        start, deadline = (
            task.start or date(self.year, 1, 1),
            task.deadline or date(self.year, 12, 31),
        )
        elapsed = max(0.0, min(1.0, (day - start).days / max(1, (deadline - start).days)))
        done = min(1.0, elapsed * pace * self.rng.uniform(0.97, 1.03))
        values = {}
        parts = []
        for target in targets:
            if target.source == TargetSource.LINKED:
                continue
            value = (target.value * Decimal(str(round(done, 4)))).quantize(Decimal(1))
            values[str(target.pk)] = format(value, "f")
            parts.append(f"累计{target.metric}{value}{target.unit}")
        narrative = f"{task.title}工作有序推进" + ("，" + "，".join(parts) if parts else "") + "。"
        at = datetime.combine(day, time(17, 0), tzinfo=self.tz)
        return ProgressReport(
            task=task,
            period_start=day.replace(day=1),
            values=values,
            percent=None if targets else round(done * 100),
            narrative=narrative,
            reported_by=self.reporters.get(task.lead_department_id or 0),
            reported_at=at,
            updated_at=at,
        )
