"""The escalation ladder (督办), one for every kind of record that can fall behind: a
hazard past its rectification deadline, a plan task's follow-up left unanswered, a
supervision finding. The rules are written once, here:

- a record climbs one level after a configured number of **working days** past its
  deadline (holidays honoured; :class:`Ladder`);
- a run raises a record's level with a conditional UPDATE (``WHERE level = <the level
  read>``, :meth:`Policy.claim`) and acts only when that UPDATE changed the row, so a
  second run on the same day — or two workers racing — notifies once;
- a record that climbs several levels in one run (the job did not run for a while)
  reaches the people of every level it passed, once each (:attr:`Escalation.passed`);
- every climb is audited as the system's act, and recorded where the record keeps its
  history (:meth:`Policy.record`).

What differs per kind — which rows are open, who is told at each level, the words —
is the kind's :class:`Policy`. This module knows no hazard or task, and sends nothing
itself: the policy announces (the shared tier keeps rectification independent of
notifications).
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction

from edubureau.audit.models import Action
from edubureau.audit.services import audit_log
from edubureau.core.calendar import add_working_days, working_days_between


@dataclass(frozen=True)
class Ladder:
    """The levels of one kind's ladder: ``labels[n]`` names level n (1-based); level n
    begins ``thresholds[n - 1]`` working days past the deadline."""

    labels: Mapping[int, str]
    thresholds: tuple[int, ...]

    def __post_init__(self) -> None:
        if len(self.thresholds) != len(self.labels):
            raise ValueError("a ladder needs one threshold per level")
        if any(b < a for a, b in itertools.pairwise(self.thresholds)):
            raise ValueError("a ladder's thresholds must be non-decreasing")
        if self.thresholds and self.thresholds[0] < 0:
            raise ValueError("a ladder's thresholds cannot be negative")

    @property
    def top(self) -> int:
        return len(self.thresholds)

    def level(self, *, deadline: date, today: date) -> int:
        """The level reached on ``today`` by a record due on ``deadline`` (0: not yet
        past it). Working days past are those in ``(deadline, today]``: a record due
        on the Friday before a holiday is past due from Saturday (level 1 when it starts
        at 0 days) and has been for 0 working days until the next working day."""
        if deadline >= today:
            return 0
        days = working_days_between(deadline, today)
        return sum(1 for threshold in self.thresholds if days >= threshold)

    def label(self, level: int) -> str:
        return self.labels.get(level, "")


def thresholds_from_settings(name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    """A ladder's thresholds from setting ``name`` (one working-day count per level),
    else ``default``."""
    value = tuple(int(v) for v in getattr(settings, name, ()) or ()) or default
    if len(value) != len(default) or any(b < a for a, b in itertools.pairwise(value)):
        raise ValueError(f"{name} needs {len(default)} non-decreasing working-day counts")
    if value[0] < 0:
        raise ValueError(f"{name} cannot be negative")
    return value


@dataclass(frozen=True)
class Escalation:
    """One record raised from ``previous`` to ``level`` on ``today``."""

    obj: Any
    previous: int
    level: int
    days: int  # working days past the deadline
    since: date  # the first calendar day past it
    note: str

    @property
    def passed(self) -> range:
        """The levels reached by this climb (each one's people are told once)."""
        return range(self.previous + 1, self.level + 1)


class Policy(Protocol):
    """How one kind of record climbs its ladder."""

    ladder: Ladder
    actor_name: str  # the audit's actor: "系统（逾期督办任务）"

    def open_rows(self, today: date) -> Iterable[Any]:
        """The records past their deadline that may still climb."""

    def deadline_of(self, obj: Any) -> date: ...

    def level_of(self, obj: Any) -> int: ...

    def since_of(self, obj: Any) -> date | None: ...

    def claim(self, obj: Any, *, previous: int, level: int, since: date) -> bool:
        """Raise the stored level from ``previous`` to ``level`` with a conditional
        UPDATE; False if another run got there first (nothing else is done)."""

    def record(self, escalation: Escalation) -> None:
        """Keep the climb in the record's own history."""

    def announce(self, escalation: Escalation) -> int:
        """Tell the people of every level passed; the number of notifications."""


@dataclass
class LadderRun:
    """What one run did (or, for a dry run, would do)."""

    today: date
    dry_run: bool
    overdue: int = 0  # records past their deadline today
    escalated: Counter[int] = field(default_factory=Counter)  # new level -> records
    notified: int = 0
    ids: list[int] = field(default_factory=list)  # records raised this run

    @property
    def escalated_total(self) -> int:
        return sum(self.escalated.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "dry_run": self.dry_run,
            "overdue": self.overdue,
            "escalated": {str(k): v for k, v in sorted(self.escalated.items())},
            "notified": self.notified,
        }


def climb_note(ladder: Ladder, *, days: int, level: int) -> str:
    return f"逾期{days}个工作日，督办升级为第{level}级：{ladder.label(level)}"


def run(policy: Policy, *, today: date, dry_run: bool = False) -> LadderRun:
    """Climb every open record of ``policy`` to the level its lateness has reached."""
    result = LadderRun(today=today, dry_run=dry_run)
    for obj in policy.open_rows(today):
        result.overdue += 1
        level = policy.ladder.level(deadline=policy.deadline_of(obj), today=today)
        if level <= policy.level_of(obj):
            continue
        if dry_run:
            result.escalated[level] += 1
            result.ids.append(obj.pk)
            continue
        notes = escalate(policy, obj, level=level, today=today)
        if notes is not None:
            result.escalated[level] += 1
            result.ids.append(obj.pk)
            result.notified += notes
    return result


@transaction.atomic
def escalate(policy: Policy, obj: Any, *, level: int, today: date) -> int | None:
    """Raise one record to ``level``: claim, audit, record, announce. None if another
    run got there first."""
    previous, previous_since = policy.level_of(obj), policy.since_of(obj)
    deadline = policy.deadline_of(obj)
    since = previous_since or deadline + timedelta(days=1)
    if not policy.claim(obj, previous=previous, level=level, since=since):
        return None
    days = working_days_between(deadline, today)
    escalation = Escalation(
        obj=obj,
        previous=previous,
        level=level,
        days=days,
        since=since,
        note=climb_note(policy.ladder, days=days, level=level),
    )
    audit_log(
        actor=None,
        actor_name=policy.actor_name,
        action=Action.UPDATE,
        obj=obj,
        changes={
            "overdue_level": [previous, level],
            "overdue_since": [
                previous_since.isoformat() if previous_since else None,
                since.isoformat(),
            ],
        },
        detail=escalation.note,
    )
    policy.record(escalation)
    return policy.announce(escalation)


# The traffic light of anything with a deadline ----------------------------------------

WARN_WORKING_DAYS = 2


@dataclass(frozen=True)
class Light:
    """A computed signal: ``css`` is the tag class (ok / warn / bad / "": finished)."""

    css: str
    label: str

    @property
    def colour(self) -> str:
        return {"ok": "绿灯", "warn": "黄灯", "bad": "红灯"}.get(self.css, "")


def deadline_light(deadline: date | None, *, today: date, warn_until: date | None = None) -> Light:
    """Green on track, yellow when the deadline is within :data:`WARN_WORKING_DAYS`
    working days, red when past it; for an open record with a deadline (the caller
    says what finished means for its kind)."""
    if deadline is None:
        return Light("ok", "管控中")
    if deadline < today:
        days = working_days_between(deadline, today)
        return Light("bad", f"逾期{days}个工作日" if days else "已逾期")
    if warn_until is None:
        warn_until = add_working_days(today, WARN_WORKING_DAYS)
    if deadline <= warn_until:
        return Light("warn", "临近期限")
    return Light("ok", "按期推进")
