"""A safety summary from draft to issued: generated from the record, edited,
regenerated without losing the edit, approved, numbered and frozen."""

from __future__ import annotations

import pytest
from django.utils import timezone

from edubureau.core.concurrency import EditConflict, version_token
from edubureau.core.facts import Period
from edubureau.rectification.models import Status
from edubureau.reports import services
from edubureau.reports.models import Report, ReportStatus
from edubureau.safety.models import Hazard
from edubureau.safety.tests.factories_hazards import hazard_in_state, make_hazard
from edubureau.safety.tests.factories_ledgers import DrillFactory

pytestmark = pytest.mark.django_db


def this_year() -> Period:
    return Period.calendar_year(timezone.localdate().year)


def draft(cast) -> Report:
    return services.create_report(
        user=cast.safety_staff, genre_key="annual_safety", period=this_year()
    )


def text_of(report: Report, key: str) -> str:
    from edubureau.reports import placeholders

    section = report.sections.get(key=key)
    return placeholders.render(section.text, section.values)


def test_the_draft_quotes_the_record(cast):
    for _ in range(2):
        hazard_in_state(cast, Status.CLOSED)
    make_hazard(cast, school=cast.school_b)
    DrillFactory(school=cast.school_a, participants=600)
    report = draft(cast)

    hazards = Hazard.objects.filter(
        school__bureau=cast.bureau, reported_on__year=timezone.localdate().year
    )
    found, closed = hazards.count(), hazards.filter(status=Status.CLOSED).count()
    text = text_of(report, "hazards")
    assert f"排查发现隐患{found}个" in text
    assert f"已整改销号{closed}个" in text
    assert "整改率66.7%" in text  # 2 of 3, half up
    assert "开展应急疏散演练1场次" in text_of(report, "education")
    assert report.title == f"{cast.bureau.name}{timezone.localdate().year}年学校安全工作总结"
    assert report.status == ReportStatus.DRAFT
    assert report.facts_snapshot["facts"]


def test_regenerating_keeps_an_edit_and_flags_the_changed_number(cast):
    make_hazard(cast)
    report = draft(cast)
    section = report.sections.get(key="hazards")
    edited = "今年我们共发现隐患{{hazards.found}}个，均已登记在册。"
    services.save_section(
        report,
        user=cast.safety_staff,
        key="hazards",
        heading=section.heading,
        text=edited,
        loaded_version=version_token(report),
    )
    make_hazard(cast, school=cast.school_b)
    report.refresh_from_db()
    changed = services.regenerate(
        report, user=cast.safety_staff, loaded_version=version_token(report)
    )
    section = report.sections.get(key="hazards")
    assert section.text == edited
    assert text_of(report, "hazards") == "今年我们共发现隐患2个，均已登记在册。"
    assert "hazards:hazards.found" in changed
    assert section.changed == ["hazards.found"]


def test_an_edit_naming_an_unknown_fact_is_refused_and_nothing_changes(cast):
    report = draft(cast)
    before = report.sections.get(key="hazards").text
    with pytest.raises(services.ReportError, match="不存在"):
        services.save_section(
            report,
            user=cast.safety_staff,
            key="hazards",
            heading="狠抓隐患整改",
            text="发现隐患{{hazards.nonsense}}个",
            loaded_version=version_token(report),
        )
    assert report.sections.get(key="hazards").text == before


def test_a_stale_editor_is_refused(cast):
    report = draft(cast)
    stale = version_token(report)
    services.save_section(
        report, user=cast.safety_staff, key="duty", heading="一", text="甲", loaded_version=stale
    )
    with pytest.raises(EditConflict):
        services.save_section(
            report,
            user=cast.safety_staff,
            key="duty",
            heading="一",
            text="乙",
            loaded_version=stale,
        )
    assert report.sections.get(key="duty").text == "甲"


def test_only_a_leader_approves_and_issuing_numbers_the_reports_in_order(cast):
    first, second = draft(cast), draft(cast)
    with pytest.raises(services.ReportError):
        services.approve(first, user=cast.safety_staff, loaded_version=version_token(first))
    with pytest.raises(services.ReportError):
        services.issue(first, user=cast.safety_staff, loaded_version=version_token(first))
    for report in (first, second):
        services.approve(report, user=cast.leader, loaded_version=version_token(report))
        services.issue(report, user=cast.safety_staff, loaded_version=version_token(report))
    year = timezone.localdate().year
    code = cast.bureau.issuer_code
    assert first.number == f"{code}〔{year}〕1号"
    assert second.number == f"{code}〔{year}〕2号"
    assert first.dated == timezone.localdate()
    with pytest.raises(services.ReportError):
        services.save_section(
            first,
            user=cast.safety_staff,
            key="duty",
            heading="一",
            text="改",
            loaded_version=version_token(first),
        )


def test_an_issued_report_exports_the_same_bytes_after_the_record_changes(cast):
    make_hazard(cast)
    report = draft(cast)
    services.approve(report, user=cast.leader, loaded_version=version_token(report))
    services.issue(report, user=cast.safety_staff, loaded_version=version_token(report))
    frozen = services.docx_of(report)
    make_hazard(cast, school=cast.school_b)
    Hazard.objects.filter(school=cast.school_a).update(description="改过的描述")
    report.refresh_from_db()
    assert services.docx_of(report) == frozen
    assert services.document_of(report) == services.document_of(Report.objects.get(pk=report.pk))
