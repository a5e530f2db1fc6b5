"""The workbench (工作台): every role's home page, filled by the modules themselves.

core sits below every app and names none of them, so each module registers a
*contributor* from its ``AppConfig.ready()``::

    workbench.register("safety", safety_workbench.items, order=100)

A contributor is ``(user, today) -> list[WorkItem]``: the to-dos of its module for that
user, each with the count of rows and the link to the list that shows exactly those
rows (the home page's tests open every link and compare). A contributor computes its
counts with the selectors its list pages use, so the two cannot drift, and costs a
handful of queries whatever the size of the bureau.

Orders follow the menu's bands (``core.navigation``): safety 100s, stats 200, plans 250.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ImproperlyConfigured

# Urgency, most urgent first: what the page sorts by and colours with.
OVERDUE = "overdue"  # past its deadline, or escalated: red
DUE = "due"  # to do now, or due soon: amber
INFO = "info"  # worth knowing, nothing late: neutral
DONE = "done"  # done this period (shown so nobody wonders): green
URGENCIES = (OVERDUE, DUE, INFO, DONE)


@dataclass(frozen=True)
class WorkItem:
    key: str  # stable id, "safety.hazards_to_plan"
    group: str  # the module, as the page heads it: 安全工作, 教育统计, 工作要点
    label: str  # what is to be done, in Chinese
    count: int  # the rows of ``url``'s list
    url: str  # the list that shows exactly ``count`` rows (path and query string)
    urgency: str = INFO
    due: date | None = None
    detail: str = ""  # "11月7日前提交", "已退回：请修改后重新提交"
    # Where the thing is done when that is not the list (a form): a second button.
    action_url: str = ""
    action_label: str = ""

    def __post_init__(self) -> None:
        if self.urgency not in URGENCIES:
            raise ValueError(f"work item {self.key!r}: unknown urgency {self.urgency!r}")
        if self.count < 0:
            raise ValueError(f"work item {self.key!r}: negative count")

    @property
    def shown(self) -> bool:
        """Nothing to do is not shown, except a period's task reported done."""
        return self.count > 0 or self.urgency == DONE


Contributor = Callable[[Any, date], Sequence[WorkItem]]


@dataclass(frozen=True)
class _Registration:
    name: str
    fn: Contributor
    order: int


class Workbench:
    """A registry of contributors, one per module name."""

    def __init__(self) -> None:
        self._contributors: dict[str, _Registration] = {}

    def register(self, name: str, fn: Contributor, *, order: int) -> None:
        known = self._contributors.get(name)
        if known is not None and known.fn is fn and known.order == order:
            return  # ready() run again
        if known is not None:
            raise ImproperlyConfigured(f"Workbench contributor {name!r} registered twice")
        clash = next((r for r in self._contributors.values() if r.order == order), None)
        if clash is not None:
            # The page's order must never depend on which app happened to load first.
            raise ImproperlyConfigured(
                f"Workbench contributors {clash.name!r} and {name!r} share order {order}"
            )
        self._contributors[name] = _Registration(name, fn, order)

    def contributors(self) -> list[str]:
        return [r.name for r in sorted(self._contributors.values(), key=lambda r: r.order)]

    def items_for(self, user: Any, today: date) -> list[WorkItem]:
        """Every contributor's items for ``user`` that are worth showing: the most
        urgent first, then by module and in each module's own order."""
        found: list[tuple[int, int, int, WorkItem]] = []
        keys: set[str] = set()
        for registration in sorted(self._contributors.values(), key=lambda r: r.order):
            for position, item in enumerate(registration.fn(user, today)):
                if item.key in keys:
                    raise ImproperlyConfigured(f"Workbench item key {item.key!r} used twice")
                keys.add(item.key)
                if item.shown:
                    rank = URGENCIES.index(item.urgency)
                    found.append((rank, registration.order, position, item))
        return [item for *_, item in sorted(found, key=lambda t: t[:3])]


# The platform's workbench.
workbench = Workbench()
register = workbench.register
contributors = workbench.contributors
items_for = workbench.items_for
