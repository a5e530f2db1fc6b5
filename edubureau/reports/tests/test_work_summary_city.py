"""The demo city's annual work summary: its own plan's tasks, and the record of its whole
subtree (the counties and the 市直 schools), each number counted here independently."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import docx
import time_machine
from django.urls import reverse

from edubureau.core.facts import Period
from edubureau.orgs.demo import build_demo
from edubureau.orgs.models import School
from edubureau.plans.models import WorkPlan
from edubureau.reports import services
from edubureau.safety.models import Drill

REFERENCE = dt.date(2026, 11, 16)


def test_the_city_summary_speaks_for_its_subtree(db, client):
    moment = dt.datetime.combine(REFERENCE, dt.time(9), tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(moment):
        ctx = build_demo(scale="city", reference_date=REFERENCE, schools=300)
        office = ctx.users["office"]
        assert office.bureau == ctx.bureau
        plan = WorkPlan.objects.get(bureau=ctx.bureau, year=2026)
        report = services.create_report(
            user=office, genre_key="annual_work", period=Period.calendar_year(2026)
        )
        client.force_login(office)
        data = client.get(reverse("reports:docx", args=[report.pk])).content
        text = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    assert report.title == "示例市教育局2026年工作总结和2027年工作思路"
    assert f"紧扣年初确定的{plan.tasks.count()}项重点工作" in text
    schools = School.objects.filter(bureau__path__startswith=ctx.bureau.path)
    drills = Drill.objects.filter(school__in=schools, held_on__year=2026).count()
    assert drills and f"开展应急演练{drills}场次" in text
    # Seed 001's city figures are the city's: the statistics speak for the subtree.
    assert "全市" in text and "缺少数据" not in text
