"""Circulars up the tree: a city's month circular names its counties and their schools,
with a table per county (the dashboard's per-county figures); a city campaign's
circular counts county by county; a scheduled circular reads through the system door."""

from __future__ import annotations

import io
from datetime import date

import docx
import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from edubureau.audit.models import Action, AuditEvent
from edubureau.core.facts import Period
from edubureau.core.officialdoc import render_docx
from edubureau.orgs.scoping import scope_for
from edubureau.safety.circulars import circular_for_campaign, circular_for_month, circular_outline
from edubureau.safety.facts.units import unit_breakdown
from edubureau.safety.tests.factories_dashboard import local
from edubureau.safety.tests.scenario_city import TODAY, build_city
from edubureau.testing.cast import CITY_SCHOOL_MARKER
from edubureau.testing.isolation import OTHER_BUREAU_MARKER, response_text

JUNE = date(2026, 6, 1)


@pytest.fixture
def frozen():
    with time_machine.travel(local(TODAY), tick=False):
        yield


@pytest.fixture
def city(cast, frozen):
    return build_city(cast)


def rendered(content) -> docx.document.Document:
    return docx.Document(io.BytesIO(render_docx(circular_outline(content))))


def texts(document) -> list[str]:
    """The paragraphs with text, a title broken over lines as one."""
    return [p.text.replace("\n", "") for p in document.paragraphs if p.text]


def cells(document) -> list[list[str]]:
    return [
        [c.text.replace("\n", "") for c in row.cells] for t in document.tables for row in t.rows
    ]


def test_a_city_month_circular_counts_each_county_as_the_dashboard_does(city):
    scope = scope_for(city.cast.city_safety)
    content = circular_for_month(scope=scope, month=JUNE, today=TODAY)
    assert content.issuer == "甲市教育局" and content.part_heading == "县（区）"
    assert content.recipients == "各县（区）教育局，市直各学校"
    assert [p.name for p in content.by_part] == ["甲县", "乙县", "丁县", "市直"]
    month = Period.month(2026, 6)
    units = unit_breakdown(scope=scope, period=month, month=month, today=TODAY)
    assert units is not None
    for part, unit in zip(content.by_part, units.rows, strict=True):
        assert (part.schools, part.done, part.missing) == (
            unit.due,
            unit.submitted,
            unit.missing,
        )
        assert (part.found, part.closed, part.overdue) == (unit.found, unit.closed, unit.overdue)
    # The parts add up to the circular's own totals.
    assert sum(p.schools for p in content.by_part) == content.schools_total
    assert sum(p.done for p in content.by_part) == content.schools_inspected
    assert sum(p.found for p in content.by_part) == content.found
    assert sum(p.closed for p in content.by_part) == content.closed
    assert sum(p.overdue for p in content.by_part) == len(content.overdue_hazards)
    # Schools are named county by county.
    sibling = content.by_part[1]
    assert sibling.missing_schools == ("戊镇小学", "戊镇幼儿园")
    assert {h.part for h in content.overdue_hazards} == {"甲县", "乙县", "市直"}


def test_it_writes_the_city_circular_with_a_table_per_county(city):
    content = circular_for_month(scope=scope_for(city.cast.city_safety), month=JUNE, today=TODAY)
    document = rendered(content)
    lines = texts(document)
    assert lines[1] == "各县（区）教育局，市直各学校："
    for heading in (
        "一、基本情况",
        "二、各县（区）情况",
        "三、检查发现的问题",
        "四、未按要求报送月度自查的学校",
        "五、逾期未整改隐患",
        "六、整改要求",
    ):
        assert heading in lines, heading
    body = "\n".join(lines)
    assert "2026年6月全市应报送月度自查学校" in body
    assert "乙县（2所）：戊镇小学、戊镇幼儿园。" in body
    assert "未报送月度自查的学校分布在：" in body
    assert "各县（区）教育局要督促所属学校" in body
    rows = cells(document)
    assert rows[0][:4] == ["县（区）", "学校数", "已报送自查", "未报送自查"]
    sibling = next(r for r in rows if r[0] == "乙县")
    assert sibling[1:4] == ["4", "2", "2"]
    overdue_header = next(r for r in rows if "逾期（工作日）" in r)
    assert overdue_header[0] == "县（区）"
    text = body + "\n".join("|".join(r) for r in rows)
    assert OTHER_BUREAU_MARKER not in text
    # A city circular is no list of every school: only the 较大 and 重大 hazards to rectify.
    assert "各校自查情况" not in body


def test_a_county_circular_keeps_its_schools_table(city):
    content = circular_for_month(scope=scope_for(city.cast.leader), month=JUNE, today=TODAY)
    assert content.part_heading == "" and content.by_part == ()
    assert content.recipients == "各中小学、幼儿园"
    lines = texts(rendered(content))
    assert "（二）各校自查情况" in lines and CITY_SCHOOL_MARKER not in "\n".join(lines)


def test_the_citys_safety_staff_download_the_city_circular(city, client_for):
    client = client_for(city.cast.city_safety)
    response = client.get(reverse("safety:circular-month", args=[2026, 6]))
    assert response.status_code == 200
    text = response_text(response)
    assert "各县（区）情况" in text and "丁县" in text and "戊镇幼儿园" in text
    assert OTHER_BUREAU_MARKER not in text
    assert AuditEvent.objects.filter(actor=city.cast.city_safety, action=Action.EXPORT).exists()


def test_a_city_campaign_circular_counts_county_by_county(city):
    content = circular_for_campaign(
        campaign=city.city_campaign, scope=scope_for(city.cast.city_safety), today=TODAY
    )
    assert content.part_heading == "县（区）"
    parts = {p.name: p for p in content.by_part}
    assert list(parts) == ["甲县", "乙县", "市直"]
    assert [(p.schools, p.done, p.missing) for p in parts.values()] == [
        (1, 1, 0),
        (2, 1, 1),
        (1, 1, 0),
    ]
    assert (parts["乙县"].found, parts["乙县"].unresolved) == (1, 1)
    assert parts["乙县"].missing_schools == ("戊镇小学",)
    lines = texts(rendered(content))
    assert "（二）各县（区）检查情况" not in lines  # a section of its own, numbered one level up
    assert "二、各县（区）检查情况" in lines
    assert content.recipients == "各县（区）教育局，市直各学校"


def test_a_scheduled_circular_reads_the_subtree_through_the_system_door(city, tmp_path):
    out = tmp_path / "通报.docx"
    call_command(
        "safety_circular", bureau=str(city.cast.city.region_code), month="2026-06", out=str(out)
    )
    job = docx.Document(str(out))
    staff = rendered(
        circular_for_month(scope=scope_for(city.cast.city_safety), month=JUNE, today=TODAY)
    )
    assert cells(job) == cells(staff)
    assert texts(job) == texts(staff)
    assert AuditEvent.objects.filter(
        actor=None, actor_name="系统（通报任务）", action=Action.EXPORT
    ).exists()
