"""The safety figures a work plan's target may link to (:mod:`edubureau.core.metrics`):
read from :func:`~edubureau.safety.facts.safety_facts`, the same facts the dashboard and
the summaries print, for the caller's scope."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from edubureau.core.facts import Period
from edubureau.core.metrics import Reading
from edubureau.orgs.scoping import SchoolScope

MODULE = "学校安全"
METRICS: dict[str, tuple[str, str]] = {
    "drills.count": ("开展应急演练", "场次"),
    "drills.participants": ("参加应急演练", "人次"),
    "drills.frequency_rate": ("达到演练频次的学校比例", "%"),
    "hazards.found": ("排查发现隐患", "个"),
    "hazards.closed": ("隐患整改销号", "个"),
    "hazards.rectification_rate": ("隐患整改率", "%"),
    "hazards.on_time_rate": ("隐患按期整改率", "%"),
}


def readings(scope: SchoolScope, start: date, end: date) -> Mapping[str, Reading]:
    from edubureau.safety.facts import safety_facts

    period = Period(start, end, f"{start:%Y年%m月%d日}至{end:%Y年%m月%d日}")
    facts = safety_facts(scope=scope, period=period)
    return {
        key: Reading(value=facts[key].value, source=facts[key].source)
        for key in METRICS
        if key in facts
    }
