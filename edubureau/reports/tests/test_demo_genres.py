"""Every safety genre on the demo county: drafted from its record, opened in the editor,
exported as .docx (read back) and as PDF."""

from __future__ import annotations

import io
import re

import docx
import pytest
from django.urls import reverse
from django.utils import timezone

from edubureau.core.facts import Period
from edubureau.orgs.demo import build_demo
from edubureau.orgs.models import School, User
from edubureau.reports import services
from edubureau.reports.genres import GENRES
from edubureau.safety.models import Campaign

pytestmark = pytest.mark.django_db

# An ASCII , : ; ( ) ? ! next to a Chinese character: official text is full-width.
ASCII_BETWEEN_CHINESE = re.compile(r"[\u4e00-\u9fff][,:;()?!]|[,:;()?!][\u4e00-\u9fff]")


def test_each_safety_genre_drafts_opens_and_exports_on_the_demo_county(client):
    build_demo(scale="county")
    staff = User.objects.get(username="safety")
    today = timezone.localdate()
    last_month = (today.replace(day=1) - timezone.timedelta(days=1)).replace(day=1)
    campaign = Campaign.objects.filter(bureau=staff.bureau, starts_on__lte=today).latest(
        "starts_on"
    )
    # A school with open hazards if the demo has one that day, else any: the notice then
    # says there are none.
    school = (
        School.objects.filter(bureau=staff.bureau, hazards__status="reported").first()
        or School.objects.filter(bureau=staff.bureau, is_active=True).first()
    )
    made = {
        "annual_safety": dict(period=Period.calendar_year(today.year)),
        "half_year_safety": dict(period=Period.half_year(today.year - 1, 2)),
        "month_circular": dict(period=Period.month(last_month.year, last_month.month)),
        "campaign_circular": dict(campaign=campaign),
        "rectification_notice": dict(to_school=school),
    }
    assert set(made) == {k for k, g in GENRES.items() if g.owner_department == "safety"}
    client.force_login(staff)
    for key, arguments in made.items():
        report = services.create_report(user=staff, genre_key=key, **arguments)
        page = client.get(reverse("reports:detail", args=[report.pk]))
        assert page.status_code == 200, key
        assert report.title in page.text
        data = client.get(reverse("reports:docx", args=[report.pk])).content
        document = docx.Document(io.BytesIO(data))
        text = "\n".join(p.text for p in document.paragraphs)
        assert "数据缺失" not in text and "【缺少数据" not in text, key
        cells = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
        ascii_between = ASCII_BETWEEN_CHINESE.findall(text + "\n" + cells)
        assert not ascii_between, (key, ascii_between[:5])
        assert len(text) > 200, key
        pdf = client.get(reverse("reports:pdf", args=[report.pk]))
        assert pdf.status_code == 200, key
        assert pdf.content.startswith(b"%PDF"), key
    # The statistics department's bulletin of the last census year whose returns are in,
    # compared with the year before (the demo has three years of returns).
    stats_staff = User.objects.get(username="jichu")
    census = today.year - 1 if today.month < 11 else today.year
    bulletin = services.create_report(
        user=stats_staff, genre_key="stats_bulletin", period=Period.school_year(census)
    )
    data = client.get(reverse("reports:docx", args=[bulletin.pk])).content
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    assert "数据缺失" not in text and "尚无审核通过的学校统计报表" not in text
    assert re.search(r"在园幼儿\d+人，比上年(增加|减少)\d+人", text), text[:400]
