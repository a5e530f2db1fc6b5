"""Reports demo data: the documents a county bureau has in hand in any month, drafted
from the demo's own records through the same services a user goes through.

For the demo county only (the county whose logins ``edubureau demo`` prints, at every
scale):

- last year's annual school-safety summary, approved by the leader and issued with
  the bureau's 发文字号;
- last month's circular on hazard inspection (月度通报), sent for review (送审) to the
  leader in charge of safety: the leader's workbench asks for it;
- a 隐患整改通知书 to the demo school about the hazard the safety department's visit
  found there today, issued: the school's workbench asks for the 回执, the safety
  department's shows it outstanding;
- the office's work summary it is writing at this time of year, a draft.

The services date what they do from the clock, so this runs only when the demo is
built for today (``--date`` another day leaves the reports out).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from edubureau.core.concurrency import version_token
from edubureau.core.facts import Period
from edubureau.orgs.demo import DemoContext
from edubureau.orgs.models import BureauLevel
from edubureau.reports import services
from edubureau.reports.models import Report
from edubureau.safety.models import ChecklistCategory, HazardSource
from edubureau.safety.services.hazards import hazard_report_ad_hoc
from edubureau.safety.services.inspections import current_checklist_for


def build(ctx: DemoContext) -> None:
    if ctx.bureau.level != BureauLevel.COUNTY or not ctx.printed:
        return
    if ctx.reference_date != timezone.localdate():
        return
    with ctx.step("公文报告"):
        DemoReports(ctx).build()


class DemoReports:
    def __init__(self, ctx: DemoContext) -> None:
        self.ctx = ctx
        self.today = ctx.reference_date
        self.safety = ctx.users["safety"]
        self.leader = ctx.users["leader"]
        self.office = ctx.users["office"]

    def build(self) -> None:
        self._last_years_summary()
        self._month_circular()
        self._notice()
        self._work_summary()

    def _approve(self, report: Report) -> Report:
        services.approve(report, user=self.leader, loaded_version=version_token(report))
        return Report.objects.get(pk=report.pk)

    def _last_years_summary(self) -> None:
        year = self.today.year - 1
        report = services.create_report(
            user=self.safety, genre_key="annual_safety", period=Period.calendar_year(year)
        )
        report = self._approve(report)
        # Issued in the second week of January, as bureaus do.
        dated = max(date(self.today.year, 1, 12), report.period_end + timedelta(days=1))
        services.issue(
            report,
            user=self.safety,
            dated=min(dated, self.today),
            loaded_version=version_token(report),
        )

    def _month_circular(self) -> None:
        last = self.today.replace(day=1) - timedelta(days=1)
        period = Period.month(last.year, last.month)
        report = services.create_report(user=self.safety, genre_key="month_circular", period=period)
        services.submit_for_review(report, user=self.safety, loaded_version=version_token(report))

    def _notice(self) -> None:
        """The safety department's visit to the demo school finds what the notice then
        asks it to rectify (a notice goes only to a school with open hazards)."""
        school = self.ctx.demo_school
        category = ChecklistCategory.objects.get(
            checklist=current_checklist_for(school.bureau_id), key="traffic"
        )
        hazard_report_ad_hoc(
            actor=self.safety,
            school=school,
            category=category,
            description="校门口减速带损坏，上下学时段缺少交通警示标志",
            location="学校正门",
            source=HazardSource.WALKAROUND,
            reported_on=self.today,
        )
        report = services.create_report(
            user=self.safety, genre_key="rectification_notice", to_school=school
        )
        report = self._approve(report)
        services.issue(report, user=self.safety, loaded_version=version_token(report))

    def _work_summary(self) -> None:
        """The summary 办公室 is writing now: the year's from November, the first
        half-year's from July, else last year's (written in the new year)."""
        year, month = self.today.year, self.today.month
        if month >= 11:
            key, period = "annual_work", Period.calendar_year(year)
        elif month >= 7:
            key, period = "half_year_work", Period.half_year(year, 1)
        else:
            key, period = "annual_work", Period.calendar_year(year - 1)
        services.create_report(user=self.office, genre_key=key, period=period)
