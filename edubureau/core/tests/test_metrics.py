"""The registry of metrics the modules publish for plan targets."""

from __future__ import annotations

from datetime import date

import pytest

from edubureau.core import metrics
from edubureau.core.metrics import Reading, Readings


def test_the_modules_publish_their_metrics():
    keys = {m.key for m in metrics.metrics()}
    assert {"safety.drills.count", "safety.hazards.rectification_rate"} <= keys
    assert {"stats.indicator.kg_gross", "stats.count.senior.entrants"} <= keys
    drills = metrics.metric("safety.drills.count")
    assert drills is not None and (drills.label, drills.unit) == ("开展应急演练", "场次")
    assert metrics.metric("safety.nothing") is None


def test_a_source_is_read_once_per_readings_and_unknown_keys_are_none(monkeypatch):
    calls: list[tuple[object, date, date]] = []

    def source(bureau, start, end):
        calls.append((bureau, start, end))
        return {"a": Reading(3, "/a/"), "b": Reading(None)}

    monkeypatch.setattr(metrics, "_SOURCES", {})
    monkeypatch.setattr(metrics, "_METRICS", {})
    metrics.register_source("t", "测试", source, {"a": ("甲", "个"), "b": ("乙", "个")})
    readings = Readings("bureau", date(2026, 1, 1), date(2026, 6, 30))
    assert readings.get("t.a") == Reading(3, "/a/")
    assert readings.get("t.b") == Reading(None)
    assert readings.get("t.c") is None and readings.get("x.a") is None
    assert len(calls) == 1
    with pytest.raises(ValueError, match="registered twice"):
        metrics.register_source("t", "测试", lambda *a: {}, {})
