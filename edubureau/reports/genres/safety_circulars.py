"""Circulars as issued documents: the monthly circular (月度隐患排查整改情况通报) and
a campaign's circular (专项检查情况通报), each with 版头, 发文字号 and its per-school
tables in 附件. The content and wording are safety's (:mod:`edubureau.safety.circulars`);
this module only hands them to the report lifecycle.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from edubureau.core.officialdoc import OfficialDocument
from edubureau.orgs.scoping import SchoolScope
from edubureau.reports.genres.base import GenreSpec
from edubureau.safety.circulars import circular_for_campaign, circular_for_month, circular_outline
from edubureau.safety.models import Hazard


def _month(*, report: Any, scope: SchoolScope, today: date) -> OfficialDocument:
    content = circular_for_month(scope=scope, month=report.period_start, today=today)
    return circular_outline(content)


def _campaign(*, report: Any, scope: SchoolScope, today: date) -> OfficialDocument:
    content = circular_for_campaign(campaign=report.campaign, scope=scope, today=today)
    return circular_outline(content)


MONTH_CIRCULAR = GenreSpec(
    key="month_circular",
    label="月度安全隐患排查整改情况通报",
    owner_department=Hazard.owner_department_code,
    period_kinds=("month",),
    scopes=("bureau",),
    outline=_month,
    masthead=True,
    summary="各校月度自查报送、隐患发现与整改、逾期隐患和整改要求",
)

CAMPAIGN_CIRCULAR = GenreSpec(
    key="campaign_circular",
    label="专项检查情况通报",
    owner_department=Hazard.owner_department_code,
    period_kinds=("campaign",),
    scopes=("bureau",),
    outline=_campaign,
    needs_campaign=True,
    masthead=True,
    summary="检查范围和时间、发现的问题（按类别）、好的做法、存在问题和整改要求",
)
