"""The annual work summary and the half-year summary of the demo county, drafted from the
plan, the safety record and the statistics: every number checked against a count made
here independently, 存在的主要问题 naming the tasks that lag. The demo is built once, on
a fixed reference date (never the clock)."""

from __future__ import annotations

import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import docx
import pytest
import time_machine
from django.db import transaction
from django.urls import reverse

from edubureau.core.facts import Period
from edubureau.orgs.demo import build_demo
from edubureau.orgs.models import School
from edubureau.orgs.scoping import system_scope
from edubureau.plans.models import ProgressReport, Task, WorkPlan
from edubureau.plans.progress import TaskStatus
from edubureau.reports import services
from edubureau.reports.genres.work_summary import INDICATORS
from edubureau.safety.models import Drill
from edubureau.stats import indicators
from edubureau.stats.models import ReturnStatus, StatReturn
from edubureau.stats.targets import targets_in_force

REFERENCE = dt.date(2026, 11, 16)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        moment = dt.datetime.combine(REFERENCE, dt.time(9), tzinfo=ZoneInfo("Asia/Shanghai"))
        with time_machine.travel(moment):
            ctx = build_demo(scale="county", reference_date=REFERENCE)
        yield ctx
        transaction.set_rollback(True)


@pytest.fixture
def county(demo, db):
    with time_machine.travel(dt.datetime(2026, 11, 16, 10, tzinfo=ZoneInfo("Asia/Shanghai"))):
        yield demo


def _text(client, report) -> str:
    data = client.get(reverse("reports:docx", args=[report.pk])).content
    return "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)


def test_the_annual_work_summary_counts_what_the_record_holds(county, client):
    office = county.users["office"]
    report = services.create_report(
        user=office, genre_key="annual_work", period=Period.calendar_year(2026)
    )
    client.force_login(office)
    text = _text(client, report)
    assert report.title == "示例县教育局2026年工作总结和2027年工作思路"
    assert "一、2026年主要工作" in text and "二、存在的主要问题" in text
    assert "三、2027年工作思路" in text
    assert "（一）坚持党建引领，全面从严治党治教。" in text
    plan = WorkPlan.objects.get(bureau=county.bureau, year=2026)
    assert f"紧扣年初确定的{plan.tasks.count()}项重点工作" in text

    # A reported target: the latest report up to the period's end, counted here.
    task = Task.objects.get(plan=plan, number=15)
    target = task.targets.get(position=1)
    latest = ProgressReport.objects.filter(task=task).order_by("-period_start").first()
    assert latest is not None
    reported = int(latest.values[str(target.pk)])
    assert f"培训中小学班主任{reported}人，为计划的" in text

    # The statistics: this census year's accepted and locked returns, summed here.
    kg = StatReturn.objects.filter(
        school__bureau=county.bureau,
        school_year__start_year=2026,
        status__in=(ReturnStatus.ACCEPTED, ReturnStatus.LOCKED),
    )
    enrolled = sum(r.values.get("kg.enrolled", 0) for r in kg)
    assert f"在园幼儿{enrolled}人" in text

    # The drills of the year to the reference date.
    drills = Drill.objects.filter(
        school__in=School.objects.filter(bureau=county.bureau), held_on__year=2026
    ).count()
    assert f"开展应急演练{drills}场次" in text

    # Every task lagging or overdue on the reference date is named among the problems.
    problems = text.split("二、存在的主要问题", 1)[1].split("三、", 1)[0]
    behind = Task.objects.filter(plan=plan, status__in=(TaskStatus.LAGGING, TaskStatus.OVERDUE))
    assert behind.exists()
    for lagging in behind:
        assert f"“{lagging.title}”完成进度" in problems, lagging.title
    # And every indicator the summary reports that falls short of its target in force.
    measures = indicators.compute(system_scope(county.bureau), 2026)
    chain = targets_in_force(county.bureau)
    short = [
        (code, words)
        for code, words in INDICATORS
        if measures[code].value is not None
        and (target := chain.in_force(code, 2026)) is not None
        and not target.met_by(measures[code].value)
    ]
    assert short  # the demo county is below its 学前三年毛入园率 target
    for code, words in short:
        assert f"{words}{measures[code].text}" in problems, words
    assert "2026年，示例县教育局坚持以人民为中心发展教育" in text
    assert "缺少数据" not in text and "数据缺失" not in text
    assert not re.search(r"[\u4e00-\u9fff][,;:()?!]", text)


def test_the_half_year_summary_plans_the_second_half(county, client):
    office = county.users["office"]
    report = services.create_report(
        user=office, genre_key="half_year_work", period=Period.half_year(2026, 1)
    )
    client.force_login(office)
    text = _text(client, report)
    assert report.title == "示例县教育局2026年上半年工作总结暨下半年工作计划"
    assert "三、下半年重点工作" in text
    plan = WorkPlan.objects.get(bureau=county.bureau, year=2026)
    # As of 30 June the reported totals are June's: the half-year does not read November.
    task = Task.objects.get(plan=plan, number=15)
    target = task.targets.get(position=1)
    june = ProgressReport.objects.filter(task=task, period_start__lte=dt.date(2026, 6, 30))
    value = int(june.order_by("-period_start").first().values[str(target.pk)])
    assert f"培训中小学班主任{value}人" in text
    assert "确保完成" in text.split("三、下半年重点工作", 1)[1]


def test_only_the_office_drafts_it(county):
    with pytest.raises(services.ReportError):
        services.create_report(
            user=county.users["safety"], genre_key="annual_work", period=Period.calendar_year(2026)
        )
