"""Metrics the modules publish, for plan targets to link to.

A work plan's target ("开展应急演练不少于400场次", "学前三年毛入园率达到90%") is best
measured by the record itself. The plans app may not import safety's or stats'
internals (they sit in the same layer), so each module publishes, from its
``AppConfig.ready()``, a *source* — one function that returns its facts for a
:class:`~edubureau.orgs.scoping.SchoolScope` (the caller's: a viewer's, or a job's
system scope) over a date range — and the *metrics* (keys of those facts) a target
may link to. Plans asks :func:`actual` and never learns how the figure was counted; the
fact it gets carries its own link to the rows behind it.

Keys are ``<source>.<fact key>``: ``safety.drills.count``, ``stats.indicator.kg_gross``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

# (scope, first day, last day) -> {fact key: reading}
SourceFn = Callable[[Any, date, date], Mapping[str, "Reading"]]


@dataclass(frozen=True)
class Reading:
    value: Decimal | int | None
    source: str = ""  # the page listing the rows behind the value


@dataclass(frozen=True)
class Metric:
    key: str  # "safety.drills.count"
    label: str  # "开展应急演练"
    unit: str  # "场次", "人次", "%"
    module: str  # "学校安全"


_SOURCES: dict[str, tuple[str, SourceFn]] = {}
_METRICS: dict[str, Metric] = {}


def register_source(
    name: str, module: str, fn: SourceFn, metrics: Mapping[str, tuple[str, str]]
) -> None:
    """Publish source ``name`` (its facts from ``fn``) and the metrics a target may link
    to: ``{fact key: (label, unit)}``."""
    if name in _SOURCES and _SOURCES[name][1] is not fn:
        raise ValueError(f"metric source {name!r} registered twice")
    _SOURCES[name] = (module, fn)
    for fact_key, (label, unit) in metrics.items():
        key = f"{name}.{fact_key}"
        _METRICS[key] = Metric(key=key, label=label, unit=unit, module=module)


def metrics() -> list[Metric]:
    """Every published metric, by module then label."""
    return sorted(_METRICS.values(), key=lambda m: (m.module, m.label))


def metric(key: str) -> Metric | None:
    return _METRICS.get(key)


class Readings:
    """The facts of each source for one scope and date range, read once: a plan's
    page asks for many metrics of the same source."""

    def __init__(self, scope: Any, start: date, end: date) -> None:
        self.scope, self.start, self.end = scope, start, end
        self._read: dict[str, Mapping[str, Reading]] = {}

    def get(self, key: str) -> Reading | None:
        """The reading of metric ``key``; None for an unknown key or no value."""
        if key not in _METRICS:
            return None
        name, fact_key = key.split(".", 1)
        if name not in self._read:
            self._read[name] = _SOURCES[name][1](self.scope, self.start, self.end)
        return self._read[name].get(fact_key)


def actual(key: str, scope: Any, start: date, end: date) -> Reading | None:
    return Readings(scope, start, end).get(key)
