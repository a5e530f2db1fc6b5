"""A bureau shapes its documents: parts reordered, renamed, left out, added; the shape
saved as the bureau's variant of the genre and applied to its next drafts only."""

from __future__ import annotations

import pytest
from django.utils import timezone

from edubureau.core.concurrency import version_token
from edubureau.core.facts import Period
from edubureau.reports import services
from edubureau.reports.models import GenreVariant, Report
from edubureau.safety.tests.factories_hazards import make_hazard

pytestmark = pytest.mark.django_db


def draft(user) -> Report:
    return services.create_report(
        user=user,
        genre_key="annual_safety",
        period=Period.calendar_year(timezone.localdate().year),
    )


def keys(report: Report) -> list[str]:
    return [s.key for s in report.sections.all()]


def layout(report: Report, key: str, action: str, **kwargs) -> None:
    report.refresh_from_db()
    services.change_layout(
        report,
        user=kwargs.pop("user"),
        key=key,
        action=action,
        loaded_version=version_token(report),
        **kwargs,
    )


def headings_in_document(report: Report) -> list[str]:
    def walk(sections) -> list[str]:
        return [h for s in sections for h in (s.heading, *walk(s.children))]

    return walk(services.document_of(report).sections)


def test_a_part_moves_is_left_out_and_one_is_added_and_regeneration_keeps_them(cast):
    make_hazard(cast)
    staff = cast.safety_staff
    report = draft(staff)
    layout(report, "hazards", "up", user=staff)
    assert keys(report).index("hazards") < keys(report).index("education")
    layout(report, "security", "drop", user=staff)
    layout(
        report,
        "hazards",
        "add",
        user=staff,
        heading="开展校园周边专项整治",
        text="联合公安、市场监管部门开展校园周边整治，排查隐患{{hazards.found}}个。",
        level=2,
    )
    assert keys(report)[keys(report).index("hazards") + 1] == "custom1"
    headings = headings_in_document(report)
    assert "开展校园周边专项整治" in headings
    assert not any("人防物防技防" in h for h in headings)

    make_hazard(cast, school=cast.school_b)
    report.refresh_from_db()
    services.regenerate(report, user=staff, loaded_version=version_token(report))
    added = report.sections.get(key="custom1")
    assert added.values["hazards.found"]["text"] == "2"
    assert not report.sections.get(key="security").enabled
    assert keys(report).index("hazards") < keys(report).index("education")


def test_a_generated_part_cannot_be_deleted_only_left_out(cast):
    report = draft(cast.safety_staff)
    with pytest.raises(services.ReportError, match="不纳入正文"):
        layout(report, "duty", "remove", user=cast.safety_staff)


def test_the_bureaus_variant_shapes_its_next_drafts_and_no_one_elses(cast):
    staff = cast.safety_staff
    report = draft(staff)
    layout(report, "next", "up", user=staff)
    section = report.sections.get(key="duty")
    services.save_section(
        report,
        user=staff,
        key="duty",
        heading="压实安全责任",
        text=section.text,
        loaded_version=version_token(report),
    )
    layout(report, "security", "drop", user=staff)
    layout(report, "security", "add", user=staff, heading="校车安全", text="加强校车管理。")
    services.save_variant(report, user=staff)
    assert GenreVariant.objects.filter(bureau=cast.bureau, genre="annual_safety").count() == 1

    again = draft(staff)
    assert keys(again) == keys(Report.objects.get(pk=report.pk))
    assert again.sections.get(key="duty").heading == "压实安全责任"
    assert not again.sections.get(key="security").enabled
    assert again.sections.get(key="custom1").text == "加强校车管理。"

    # Another bureau's drafts keep the genre's own shape; so do a school's.
    sibling = services.create_report(
        user=cast.sibling_safety,
        genre_key="annual_safety",
        period=Period.calendar_year(timezone.localdate().year),
    )
    assert "custom1" not in keys(sibling)
    assert sibling.sections.get(key="duty").heading != "压实安全责任"
    school = draft(cast.school_a_officer)
    assert "custom1" not in keys(school)


def test_only_the_bureaus_drafting_staff_save_a_variant(cast):
    report = draft(cast.safety_staff)
    for user in (cast.leader, cast.office_staff, cast.city_safety, cast.school_a_officer):
        with pytest.raises(services.ReportError):
            services.save_variant(report, user=user)
