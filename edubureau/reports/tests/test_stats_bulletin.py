"""The statistical bulletin (教育事业发展统计公报) drafted from the school returns of seed
001's city: the seed's sentences, 职普比 3.1:6.9 and 26.83% where the seed printed 27%."""

from __future__ import annotations

import pytest

from edubureau.core.facts import Period
from edubureau.core.roles import Role
from edubureau.reports import placeholders, services
from edubureau.stats.models import StatReturn
from edubureau.stats.tests.test_stat_facts import Y, city  # noqa: F401  (the fixture)
from edubureau.testing.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def text_of(report) -> str:
    return "".join(placeholders.render(s.text, s.values) for s in report.sections.all())


def test_the_bulletin_writes_seed_001s_sentences(city):  # noqa: F811
    department = DepartmentFactory.create(
        bureau=city, code=StatReturn.owner_department_code, name="基础教育股"
    )
    staff = UserFactory.create(bureau=city, role=Role.DEPARTMENT_STAFF, department=department)
    report = services.create_report(
        user=staff, genre_key="stats_bulletin", period=Period.school_year(Y)
    )
    assert report.title == f"样例市教育局{Y}年教育事业发展统计公报"
    text = text_of(report)
    assert "普通高中招生46608人，比上年增加8301人，增长21.67%" in text
    assert "普通高中在校生115969人，比上年增加19852人，增长20.65%" in text
    assert "中职招生20800人，比上年增加4400人，增长26.83%" in text
    assert "中职在校生46268人，比上年增加8813人，增长23.53%" in text
    assert "职普比为3.1:6.9" in text
    # No sentence for a level without returns, no stray placeholder or comma.
    assert "在园幼儿" not in text and "【缺少数据" not in text and "，；" not in text
    # The same numbers in the .docx an office files.
    document = services.document_of(report)
    body = "".join(p for s in document.sections for p in s.paragraphs)
    assert "职普比为3.1:6.9" in body


def test_only_the_statistics_department_drafts_the_bulletin(cast):
    with pytest.raises(services.ReportError):
        services.create_report(
            user=cast.safety_staff, genre_key="stats_bulletin", period=Period.school_year(2025)
        )
