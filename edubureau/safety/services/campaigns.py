"""Campaigns: spot checks, special inspections and supervisory checks (检查活动).

A campaign is the bureau's check over a scope of schools, with dates and a team;
its inspections are started and filled through ``services.inspections``. Only the
safety department creates campaigns, with its own bureau's staff as the team, over
schools it can see (``schools_visible_to``): a county's own, or for a city (or the
province) any school of its subtree — its counties' and its own 市直 schools. What a
city's team finds at a county's school becomes the county's hazard, verified and
closed by the city unless the campaign delegates that (``verification_delegated``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction

from edubureau.audit.services import audit_create
from edubureau.orgs.models import Role, School, User
from edubureau.orgs.scoping import schools_visible_to
from edubureau.rectification.lifecycle import NotAllowed
from edubureau.safety import notices
from edubureau.safety.models import Campaign, Checklist, InspectionKind
from edubureau.safety.services.inspections import (
    InspectionError,
    current_checklist_for,
    is_safety_staff,
)

CAMPAIGN_KINDS = (InspectionKind.SPOT, InspectionKind.SPECIAL, InspectionKind.SUPERVISORY)


@dataclass(frozen=True)
class CampaignData:
    name: str
    kind: str
    starts_on: date
    ends_on: date
    schools: Sequence[School]
    theme: str = ""
    team: Sequence[User] = ()
    checklist: Checklist | None = None
    good_practice: str = ""
    verification_delegated: bool = False


@transaction.atomic
def campaign_create(*, actor: Any, data: CampaignData) -> Campaign:
    """A spot check, special inspection or supervisory check over chosen schools."""
    if not is_safety_staff(actor):
        raise NotAllowed("只有安全股工作人员可以创建检查活动")
    _check_campaign(actor, data)
    checklist = data.checklist or current_checklist_for(actor.bureau_id)
    campaign = Campaign.objects.create(
        bureau_id=actor.bureau_id,
        kind=data.kind,
        name=data.name.strip(),
        theme=data.theme.strip(),
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        checklist=checklist,
        good_practice=data.good_practice.strip(),
        verification_delegated=data.verification_delegated,
        created_by=actor,
    )
    campaign.schools.set(data.schools)
    campaign.team.set(data.team)
    audit_create(
        actor=actor,
        obj=campaign,
        detail=f"检查范围{len(data.schools)}所学校；检查组{len(data.team)}人",
    )
    notices.campaign_assigned(campaign=campaign, actor=actor)
    return campaign


def _check_campaign(actor: Any, data: CampaignData) -> None:
    if not data.name.strip():
        raise InspectionError("请填写检查活动名称")
    if data.kind not in CAMPAIGN_KINDS:
        raise InspectionError("请选择检查类型：抽查、专项检查或督查")
    if data.ends_on < data.starts_on:
        raise InspectionError("结束日期不能早于开始日期")
    if not data.schools:
        raise InspectionError("请选择检查范围（至少一所学校）")
    reachable = set(
        schools_visible_to(actor)
        .filter(pk__in=[s.pk for s in data.schools])
        .values_list("pk", flat=True)
    )
    if any(s.pk not in reachable for s in data.schools):
        raise InspectionError("检查范围中有不属于本局（含下级教育局）的学校")
    allowed_roles = (Role.DEPARTMENT_STAFF, Role.INSPECTOR, Role.BUREAU_LEADER)
    if any(u.bureau_id != actor.bureau_id or u.role not in allowed_roles for u in data.team):
        raise InspectionError("检查组成员只能是本局工作人员或责任督学")
    if data.checklist is not None and data.checklist.bureau_id != actor.bureau_id:
        raise InspectionError("排查指南无效")
