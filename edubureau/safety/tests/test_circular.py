"""Circulars: content read from the record, rendered as a .docx that opens with
python-docx, downloadable only by the safety department and bureau leaders; a
campaign's feedback to one school, downloadable by that school too."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date

import docx
import pytest
import time_machine
from django.urls import reverse
from docx.oxml.ns import qn

from edubureau.audit.models import Action, AuditEvent
from edubureau.core.officialdoc import (
    OfficialDocument,
    Section,
    Table,
    chinese_number,
    heading_number,
)
from edubureau.core.officialdoc import render_docx as render
from edubureau.orgs.scoping import scope_for
from edubureau.safety.circulars import (
    _problem_schools,
    _results,
    campaign_feedback,
    circular_for_campaign,
    circular_for_month,
    circular_outline,
)
from edubureau.safety.tests.factories_dashboard import local
from edubureau.safety.tests.scenario_2026 import TODAY, build_dataset
from edubureau.testing.cast import SCHOOL_B_MARKER
from edubureau.testing.isolation import OTHER_BUREAU_MARKER, response_text

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def data(cast):
    with time_machine.travel(local(TODAY), tick=False):
        yield build_dataset(cast)


def one(data, school):
    """One school, as the county's safety staff read it."""
    return scope_for(data.cast.safety_staff, school=school)


def opened(content: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(content))


def texts(document: docx.document.Document) -> list[str]:
    """The paragraphs with text, a title broken over lines as one."""
    return [p.text.replace("\n", "") for p in document.paragraphs if p.text]


def cells(document: docx.document.Document) -> list[list[str]]:
    return [
        [c.text.replace("\n", "") for c in row.cells] for t in document.tables for row in t.rows
    ]


def test_it_reads_a_campaign_circular_from_the_record(data):
    content = circular_for_campaign(
        campaign=data.campaign, scope=scope_for(data.cast.leader), today=TODAY
    )
    assert (content.schools_total, content.schools_inspected) == (2, 1)
    assert (content.found, content.closed, content.unresolved, content.overdue) == (2, 1, 1, 1)
    assert {c.key: c.found for c in content.by_category} == {"fire": 1, "building": 1}
    assert content.missing_schools == (data.cast.school_b.name,)
    assert [line.description for line in content.overdue_hazards] == ["教学楼外墙瓷砖空鼓"]
    assert content.overdue_hazards[0].working_days_overdue > 0
    assert [line.deadline for line in content.requirements] == [date(2026, 4, 1)]
    assert len(content.good_practice) == 2


def test_it_renders_the_campaign_circular_as_a_numbered_docx(data):
    content = circular_for_campaign(
        campaign=data.campaign, scope=scope_for(data.cast.leader), today=TODAY
    )
    document = opened(render(circular_outline(content)))
    lines = texts(document)
    assert lines[0] == "关于2026年春季开学安全专项检查情况的通报"
    assert lines[2].startswith("2026年3月21日至2026年3月28日，甲县教育局组织开展了")
    for heading in (
        "一、基本情况",
        "二、检查发现的问题",
        "（一）隐患类别分布",
        "（二）各校检查情况",
        "三、逾期未整改隐患",
        "四、好的做法",
        "五、整改要求",
    ):
        assert heading in lines, heading
    body = "\n".join(lines)
    assert "共发现安全隐患2个，已整改销号1个，整改率50.0%" in body
    assert "甲镇中心小学建立了隐患排查“日巡查、周检查、月总结”制度。" in body
    signed = lines.index("2026年6月15日")
    assert lines[signed - 1] == data.cast.bureau.name
    # The two-school table stays in the body; the overdue hazards and the rectifications
    # (their descriptions make them too wide for it) went to 附件s.
    assert lines[signed - 3 : signed - 1] == ["附件：1．逾期未整改隐患", "2．整改要求"]
    assert lines[signed + 1 :][:3] == ["附件1", "逾期未整改隐患", "附件2"]
    rows = cells(document)
    assert ["甲镇中心小学", "甲镇", "已检查", "2026-03-22", "2", "1", "1"] in rows
    assert ["合计", "2", "1", "1", "1"] in rows
    normal = document.styles["Normal"].element.rPr.rFonts
    assert normal.get(qn("w:eastAsia")) == "仿宋_GB2312"
    heading = document.styles["OD Heading 1"].element.rPr.rFonts
    assert heading.get(qn("w:eastAsia")) == "黑体"


def test_it_reads_a_month_circular_for_the_active_schools(data):
    content = circular_for_month(
        scope=scope_for(data.cast.leader), month=date(2026, 3, 9), today=TODAY
    )
    assert content.title == "关于2026年3月学校安全隐患排查整改情况的通报"
    assert (content.schools_total, content.schools_inspected, content.schools_on_time) == (4, 2, 2)
    assert set(content.missing_schools) == {data.cast.school_b.name, "乙镇幼儿园"}
    assert content.found == 4  # reported in March 2026
    assert len(content.overdue_hazards) == 3  # every hazard overdue today
    document = opened(render(circular_outline(content)))
    body = "\n".join(texts(document))
    assert "应报送月度自查学校4所，已报送2所，其中按时报送2所，按时报送率50.0%" in body
    assert "未按时报送月度自查的学校，须在3个工作日内补报" in body
    assert OTHER_BUREAU_MARKER not in response_text_of(document)


def response_text_of(document: docx.document.Document) -> str:
    return "\n".join(texts(document)) + "\n".join("|".join(r) for r in cells(document))


def test_it_numbers_headings_the_official_way():
    assert [chinese_number(n) for n in (1, 9, 10, 11, 20, 35)] == [
        "一",
        "九",
        "十",
        "十一",
        "二十",
        "三十五",
    ]
    assert heading_number(1, 3) == "三、"
    assert heading_number(2, 12) == "（十二）"
    assert heading_number(3, 2) == "2."
    outline = OfficialDocument(
        title="通报",
        recipients="各校：",
        opening=("开头。",),
        sections=(Section("甲", tables=(Table(("列",), (("值",),)),)),),
        issuer="甲县教育局",
        dated=date(2026, 1, 2),
    )
    document = opened(render(outline))
    assert texts(document)[:4] == ["通报", "各校：", "开头。", "一、甲"]
    assert cells(document) == [["列"], ["值"]]


def test_it_lets_safety_staff_and_leaders_download_circulars(data, client_for):
    url = reverse("safety:circular-campaign", args=[data.campaign.pk])
    response = client_for(data.cast.safety_staff).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX
    assert response["Content-Disposition"].startswith("attachment; filename*=UTF-8''")
    assert "逾期未整改隐患" in response_text(response)
    assert AuditEvent.objects.filter(actor=data.cast.safety_staff, action=Action.EXPORT).exists()
    month = reverse("safety:circular-month", args=[2026, 3])
    response = client_for(data.cast.leader).get(month)
    assert response.status_code == 200
    text = response_text(response)
    assert "2026年3月" in text and OTHER_BUREAU_MARKER not in text


@pytest.mark.parametrize("who", ["school_a_officer", "school_a_principal", "office_staff"])
def test_it_refuses_circulars_to_schools_and_other_departments(data, client_for, who):
    user = getattr(data.cast, who)
    client = client_for(user)
    # The 2026 campaign covers school A: visible to its users, but not downloadable.
    for url in (
        reverse("safety:circular-campaign", args=[data.campaign.pk]),
        reverse("safety:circular-month", args=[2026, 3]),
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert SCHOOL_B_MARKER not in response.content.decode()
    assert AuditEvent.objects.filter(actor=user, action=Action.ACCESS_DENIED).count() == 2


def test_it_hides_a_campaign_of_other_schools_from_a_school_user(data, client_for):
    only_b = data.campaign
    only_b.schools.set([data.cast.school_b])
    response = client_for(data.cast.school_a_officer).get(
        reverse("safety:circular-campaign", args=[only_b.pk])
    )
    assert response.status_code == 404
    assert SCHOOL_B_MARKER not in response.content.decode()


def test_it_refuses_a_month_that_does_not_exist(data, client_for):
    response = client_for(data.cast.leader).get(reverse("safety:circular-month", args=[2026, 13]))
    assert response.status_code == 400
    assert "月份须在1至12之间" in response.content.decode()


def test_it_keeps_the_isolation_target_campaign_from_school_a(cast, client_for):
    from edubureau.safety.tests.isolation_dashboard import _school_b_campaign

    with time_machine.travel(local(TODAY), tick=False):
        url = reverse("safety:circular-campaign", args=[_school_b_campaign(cast).pk])
        for user in (cast.school_a_officer, cast.inspector):
            response = client_for(user).get(url)
            assert response.status_code == 404
            assert SCHOOL_B_MARKER not in response_text(response)
        # The leader's copy names school B: the marker check above is not vacuous.
        assert SCHOOL_B_MARKER in response_text(client_for(cast.leader).get(url))


# Feedback to one school ------------------------------------------------------------


def test_it_reads_a_campaigns_feedback_for_one_school(data):
    content = campaign_feedback(
        campaign=data.campaign, scope=one(data, data.cast.school_a), today=TODAY
    )
    assert content.kind == "feedback" and content.recipients == data.cast.school_a.name
    assert content.title == "2026年春季开学安全专项检查检查情况反馈"
    assert (content.found, content.closed, content.unresolved, content.overdue) == (2, 1, 1, 1)
    assert len(content.found_hazards) == 2
    assert {h.school for h in content.found_hazards} == {data.cast.school_a.name}
    assert [s.name for s in content.by_school] == [data.cast.school_a.name]


def test_it_renders_the_feedback_without_naming_other_schools(data):
    content = campaign_feedback(
        campaign=data.campaign, scope=one(data, data.cast.school_a), today=TODAY
    )
    lines = texts(opened(render(circular_outline(content))))
    assert lines[:2] == ["2026年春季开学安全专项检查检查情况反馈", f"{data.cast.school_a.name}："]
    body = "\n".join(lines)
    assert "检查组于2026年3月22日对你校（园）进行了检查，共发现安全隐患2个" in body
    assert "你校（园）要切实落实安全工作主体责任，对本反馈指出的问题" in body
    for heading in ("一、基本情况", "二、检查发现的问题", "三、逾期未整改隐患", "四、整改要求"):
        assert heading in lines, heading
    assert SCHOOL_B_MARKER not in body and "各校检查情况" not in body
    not_yet = campaign_feedback(
        campaign=data.campaign, scope=one(data, data.cast.school_b), today=TODAY
    )
    text = "\n".join(texts(opened(render(circular_outline(not_yet)))))
    assert "检查组尚未完成对你校（园）的检查" in text and "检查发现的问题" not in text


def test_it_lets_a_school_download_its_own_feedback(data, client_for):
    officer = data.cast.school_a_officer
    client = client_for(officer)
    page = client.get(reverse("safety:campaign-detail", args=[data.campaign.pk])).content.decode()
    own = reverse("safety:campaign-feedback", args=[data.campaign.pk, data.cast.school_a.pk])
    assert own in page and 'data-testid="campaign-circular"' not in page
    response = client.get(own)
    assert response.status_code == 200 and response["Content-Type"] == DOCX
    text = response_text(response)
    assert "检查情况反馈" in text and SCHOOL_B_MARKER not in text
    assert AuditEvent.objects.filter(actor=officer, action=Action.EXPORT).exists()
    other = reverse("safety:campaign-feedback", args=[data.campaign.pk, data.cast.school_b.pk])
    response = client.get(other)
    assert response.status_code == 404 and SCHOOL_B_MARKER not in response.content.decode()


def test_it_gives_bureau_staff_every_schools_feedback_and_the_circular(data, client_for):
    client = client_for(data.cast.safety_staff)
    page = client.get(reverse("safety:campaign-detail", args=[data.campaign.pk])).content.decode()
    assert 'data-testid="campaign-circular"' in page
    # Only the inspected school has a feedback link; school B has not been checked yet.
    assert page.count('data-testid="feedback"') == 1
    url = reverse("safety:campaign-feedback", args=[data.campaign.pk, data.cast.school_b.pk])
    response = client.get(url)
    assert response.status_code == 200 and "尚未完成" in response_text(response)
    outside = reverse("safety:campaign-feedback", args=[data.campaign.pk, data.school_c.pk])
    assert client.get(outside).status_code == 404  # school C is not in this campaign


def test_its_hazard_sentence_names_every_part_of_what_is_not_closed(data):
    """发现 = 已销号 + 未销号, and 未销号 is split into parts that add up to it, so a
    reader never finds hazards unaccounted for (待复查 used to go unnamed)."""
    content = circular_for_campaign(
        campaign=data.campaign, scope=scope_for(data.cast.leader), today=TODAY
    )
    assert content.awaiting == 0
    assert _results(content) == (
        "发现安全隐患2个，已整改销号1个，整改率50.0%；"
        "未销号1个，其中尚未整改完成1个（含逾期未整改1个）。"
    )
    mixed = replace(content, found=10, closed=4, unresolved=5, awaiting=2, overdue=1)
    assert _results(mixed) == (
        "发现安全隐患10个，已整改销号4个，整改率40.0%；未销号6个，其中尚未整改完成3个"
        "（含逾期未整改1个）、已整改待复查2个、复查通过待销号1个。"
    )
    done = replace(content, found=3, closed=3, unresolved=0, awaiting=0, overdue=0)
    assert _results(done) == "发现安全隐患3个，已整改销号3个，整改率100%。"


def test_the_body_names_the_schools_with_problems_whatever_happens_to_the_table(data):
    """The per-school table may go to an attachment (a city's 2,000 schools); the body
    still names who must act, overdue first, and a long list ends with 等N所."""
    content = circular_for_campaign(
        campaign=data.campaign, scope=scope_for(data.cast.leader), today=TODAY
    )
    body = "\n".join(texts(opened(render(circular_outline(content)))))
    assert "存在逾期未整改隐患的学校：甲镇中心小学（1个）。" in body
    many = tuple(
        replace(content.by_school[0], school_id=n, name=f"第{n:02d}小学", overdue=1)
        for n in range(40)
    )
    named = _problem_schools(replace(content, by_school=many))[0]
    assert named.count("（1个）") == 30 and named.endswith("等40所。")
    none_left = replace(content, by_school=(), found=2)
    assert _problem_schools(none_left) == ("各校检查发现的隐患均已整改销号。",)
