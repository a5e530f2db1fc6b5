"""The circulars and the rectification notice go through the same lifecycle: drafted
from the record, approved, issued with a number; a notice reaches its school, which
answers with a receipt."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from edubureau.core.concurrency import version_token
from edubureau.core.facts import Period
from edubureau.rectification.models import Status
from edubureau.reports import services
from edubureau.reports.models import Report
from edubureau.safety.tests.factories_hazards import hazard_in_state, make_hazard
from edubureau.safety.tests.factories_inspections import make_campaign

pytestmark = pytest.mark.django_db


def issued(report: Report, cast) -> Report:
    services.approve(report, user=cast.leader, loaded_version=version_token(report))
    services.issue(report, user=cast.safety_staff, loaded_version=version_token(report))
    return report


def test_a_notice_lists_the_schools_open_hazards_and_is_answered_by_that_school(cast, client_for):
    make_hazard(cast, description="围墙有裂缝")
    hazard_in_state(cast, Status.PLANNED, description="消防通道堆放杂物")
    hazard_in_state(cast, Status.CLOSED, description="已整改的灯管")
    make_hazard(cast, school=cast.school_b, description="乙校的隐患")
    notice = services.create_report(
        user=cast.safety_staff, genre_key="rectification_notice", to_school=cast.school_a
    )
    table = notice.sections.get(key="s1").tables[0]
    described = [row[2] for row in table["rows"]]
    assert described == ["围墙有裂缝", "消防通道堆放杂物"]
    assert notice.title == f"关于{cast.school_a.name}安全隐患限期整改的通知书"

    school = client_for(cast.school_a_officer)
    detail = reverse("reports:detail", args=[notice.pk])
    assert school.get(detail).status_code == 404  # not before it is issued
    issued(notice, cast)
    assert notice.number.endswith(f"〔{timezone.localdate().year}〕1号")
    assert "待回执" in school.get(reverse("reports:list")).text
    assert client_for(cast.school_b_officer).get(detail).status_code == 404

    response = school.post(
        reverse("reports:reply", args=[notice.pk]),
        {"text": "已清理消防通道，围墙已修补。", "version": version_token(notice)},
    )
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.receipt_text == "已清理消防通道，围墙已修补。"
    assert notice.receipt_by == cast.school_a_officer
    assert "已清理消防通道" in client_for(cast.safety_staff).get(detail).text
    # The school cannot change the notice itself.
    edit = school.post(
        reverse("reports:edit", args=[notice.pk]),
        {"section": "opening", "text": "改", "version": version_token(notice)},
    )
    assert edit.status_code == 403


def test_a_notice_goes_only_to_a_school_with_hazards_to_rectify(cast):
    hazard_in_state(cast, Status.CLOSED)  # rectified and closed: nothing to ask for
    with pytest.raises(services.ReportError, match="有未完成整改隐患的学校"):
        services.create_report(
            user=cast.safety_staff, genre_key="rectification_notice", to_school=cast.school_a
        )
    assert not Report.objects.exists()


def test_a_notice_goes_only_to_a_school_the_bureau_keeps(cast):
    make_hazard(cast, school=cast.sibling_school, actor=cast.sibling_safety)
    with pytest.raises(services.ReportError):
        services.create_report(
            user=cast.safety_staff, genre_key="rectification_notice", to_school=cast.sibling_school
        )


def test_the_month_circular_is_issued_with_its_masthead_and_number(cast):
    make_hazard(cast)
    today = timezone.localdate()
    circular = services.create_report(
        user=cast.safety_staff,
        genre_key="month_circular",
        period=Period.month(today.year, today.month),
    )
    assert "通报" in circular.title
    assert circular.sections.filter(level=1).exists()
    issued(circular, cast)
    document = services.document_of(circular)
    assert document.masthead == f"{cast.bureau.name}文件"
    assert document.number == circular.number != ""


def test_the_campaign_circular_needs_the_bureaus_own_campaign(cast):
    campaign = make_campaign(cast.bureau, schools=[cast.school_a, cast.school_b])
    circular = services.create_report(
        user=cast.safety_staff, genre_key="campaign_circular", campaign=campaign
    )
    assert campaign.name in circular.title
    assert circular.period_label == campaign.name
    other = make_campaign(cast.sibling_bureau, schools=[cast.sibling_school])
    with pytest.raises(services.ReportError):
        services.create_report(
            user=cast.safety_staff, genre_key="campaign_circular", campaign=other
        )


def test_the_half_year_summary_plans_the_second_half(cast):
    year = timezone.localdate().year - 1
    report = services.create_report(
        user=cast.safety_staff, genre_key="half_year_safety", period=Period.half_year(year, 1)
    )
    assert report.title.endswith(f"{year}年上半年学校安全工作总结")
    assert report.sections.get(key="next").heading == "下半年工作打算"


def test_a_school_drafts_its_own_summary_from_its_own_records(cast):
    make_hazard(cast, school=cast.school_a)
    make_hazard(cast, school=cast.school_b)
    report = services.create_report(
        user=cast.school_a_officer,
        genre_key="annual_safety",
        period=Period.calendar_year(timezone.localdate().year),
    )
    assert report.school == cast.school_a
    text = " ".join(
        s.values.get("hazards.found", {}).get("text", "") for s in report.sections.all()
    )
    assert "1" in text.split()
    assert report.title.startswith(cast.school_a.name)


def test_an_inspector_reports_on_the_assigned_schools_only(cast, client_for):
    assigned = set(cast.inspector.assigned_schools.values_list("pk", flat=True))
    for school in (cast.school_a, cast.school_b):
        make_hazard(cast, school=school)
    report = services.create_report(
        user=cast.inspector,
        genre_key="annual_safety",
        period=Period.calendar_year(timezone.localdate().year),
    )
    assert report.inspector == cast.inspector and report.school is None
    expected = sum(1 for s in (cast.school_a, cast.school_b) if s.pk in assigned)
    assert 0 < expected < 2  # the cast assigns one of the two schools: the count tells
    found = report.sections.get(key="hazards").values.get("hazards.found", {}).get("text")
    assert found == str(expected)
    # The bureau's leaders read it; a school does not.
    assert (
        client_for(cast.leader).get(reverse("reports:detail", args=[report.pk])).status_code == 200
    )
    assert (
        client_for(cast.school_a_officer)
        .get(reverse("reports:detail", args=[report.pk]))
        .status_code
        == 404
    )
