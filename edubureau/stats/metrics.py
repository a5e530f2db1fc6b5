"""The statistics a work plan's target may link to (:mod:`edubureau.core.metrics`): the
indicators and counts of :func:`~edubureau.stats.facts.stat_facts` for the caller's
scope, of the census year whose figures a plan period reports (the census of
1 September in the period's last year)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from edubureau.core.metrics import Reading
from edubureau.orgs.scoping import SchoolScope

MODULE = "教育统计"
METRICS: dict[str, tuple[str, str]] = {
    "indicator.kg_gross": ("学前三年毛入园率", "%"),
    "indicator.kg_affordable": ("普惠性幼儿园覆盖率", "%"),
    "indicator.kg_public": ("公办园在园幼儿占比", "%"),
    "indicator.consolidation_9": ("九年义务教育巩固率", "%"),
    "indicator.senior_gross": ("高中阶段毛入学率", "%"),
    "indicator.junior_dropout": ("初中年辍学率", "%"),
    "indicator.large_classes": ("大班额比例", "%"),
    "indicator.teachers_qualified": ("专任教师学历合格率", "%"),
    "indicator.migrant_public": ("随迁子女在公办学校就读比例", "%"),
    "count.senior.entrants": ("普通高中招生", "人"),
    "count.vocational.entrants": ("中职招生", "人"),
    "count.kg.enrolled": ("在园幼儿", "人"),
}


def readings(scope: SchoolScope, start: date, end: date) -> Mapping[str, Reading]:
    from edubureau.stats.facts import stat_facts
    from edubureau.stats.services import census_year

    facts = stat_facts(scope, census_year(end))
    return {
        key: Reading(value=facts[key].value, source=facts[key].source)
        for key in METRICS
        if key in facts
    }
