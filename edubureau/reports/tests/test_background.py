"""A large scope is drafted in the worker with a progress bar; a failure is kept on
the report, in Chinese, not lost in a log."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from edubureau.core.facts import Period
from edubureau.reports import services
from edubureau.reports.models import Report

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("cast")]


def queue(cast, capture) -> tuple[Report, list]:
    with override_settings(REPORTS_BACKGROUND_SCHOOLS=1), capture(execute=False) as callbacks:
        report = services.create_report(
            user=cast.safety_staff,
            genre_key="annual_safety",
            period=Period.calendar_year(timezone.localdate().year),
        )
    return report, callbacks


def test_a_large_scope_is_queued_then_drafted_in_the_worker(
    cast, client_for, django_capture_on_commit_callbacks
):
    report, callbacks = queue(cast, django_capture_on_commit_callbacks)
    assert report.generating and report.progress == 5
    assert not report.sections.exists()
    client = client_for(cast.safety_staff)
    progress = reverse("reports:progress", args=[report.pk])
    page = client.get(progress, headers={"HX-Request": "true"})
    assert 'hx-trigger="every 1s"' in page.text and "HX-Refresh" not in page
    assert not services.can_edit(cast.safety_staff, report)

    for callback in callbacks:
        callback()  # the immediate task backend runs the task now, as the worker would
    report.refresh_from_db()
    assert not report.generating and report.progress == 100
    assert report.sections.filter(key="hazards").exists()
    assert report.title.endswith("学校安全工作总结")
    assert client.get(progress, headers={"HX-Request": "true"})["HX-Refresh"] == "true"


def test_a_failed_generation_says_why_and_blocks_approval(
    cast, client_for, django_capture_on_commit_callbacks, monkeypatch
):
    report, callbacks = queue(cast, django_capture_on_commit_callbacks)

    def broken(*args, **kwargs):
        raise RuntimeError("数据库连接中断")

    monkeypatch.setattr(
        "edubureau.reports.genres.base.GenreSpec.fact_set", lambda self, **kw: broken()
    )
    for callback in callbacks:
        callback()
    report.refresh_from_db()
    assert not report.generating
    assert report.generation_error == "生成失败：数据库连接中断"
    assert not services.can_approve(cast.leader, report)
    page = client_for(cast.safety_staff).get(reverse("reports:detail", args=[report.pk]))
    assert "生成失败：数据库连接中断" in page.text
