"""Issuing a plan as a notice: the 文号 from the bureau's counter, the document in the
shape of seed 003 (notice, then the plan with tasks numbered through the groups), who
may issue, bad dates refused."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

from django.urls import reverse
from docx import Document

from edubureau.plans.models import PlanStatus, WorkPlan
from edubureau.plans.services import save_parsed_plan
from edubureau.plans.textparse import parse_plan
from edubureau.testing.dates import today

SEED_003 = (Path(__file__).parent / "data" / "seed_003.txt").read_text(encoding="utf-8")


def _seed_plan(cast, year):
    return save_parsed_plan(actor=cast.leader, parsed=parse_plan(SEED_003), year=year)


def _text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    return "\n".join(p.text for p in document.paragraphs)


def test_the_leader_issues_and_the_notice_reads_like_seed_003(cast, client_for):
    day = today()
    plan = _seed_plan(cast, day.year)
    client = client_for(cast.leader)
    answer = client.post(
        reverse("plans:plan-issue", args=[plan.pk]),
        {
            "dated": day.isoformat(),
            "recipients": "各中小学、幼儿园,机关各股室",  # ASCII "," on purpose: stored full-width
            "version": plan.updated_at.isoformat(),
        },
    )
    assert answer.status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ISSUED
    assert plan.number == f"甲教发〔{day.year}〕1号" and plan.dated == day
    assert plan.recipients == "各中小学、幼儿园，机关各股室"

    notice = client.get(reverse("plans:plan-notice", args=[plan.pk]))
    assert notice.status_code == 200
    text = _text(notice.content)
    assert f"甲教发〔{day.year}〕1号" in text
    assert "各中小学、幼儿园，机关各股室：" in text
    assert "现将《大英县教育局2017年工作要点》印发给你们" in text
    assert "一、指导思想" in text and "三、工作举措" in text
    assert "（四）坚持均衡发展，抓好名优队伍工程" in text  # the duplicate （三） renumbered
    # Tasks run 1…24 through the groups, each a run-in heading with its text.
    assert "13.狠抓师德师风。进一步落实教育局" in text  # GB/T 9704's third level: "1."
    assert "24.丰富精神文化。" in text
    assert "," not in text.split("附件")[-1]


def test_numbers_continue_per_code_and_year_and_a_second_issue_is_refused(cast, client_for):
    cast.bureau.issuer_code = "甲教发"
    cast.bureau.save(update_fields=["issuer_code"])
    day = today()
    first, second = _seed_plan(cast, day.year), _seed_plan(cast, day.year + 1)
    client = client_for(cast.leader)
    for plan in (first, second):
        form = {"dated": day.isoformat(), "version": plan.updated_at.isoformat()}
        client.post(reverse("plans:plan-issue", args=[plan.pk]), form)
    numbers = list(WorkPlan.objects.order_by("year").values_list("number", flat=True))
    assert numbers == [f"甲教发〔{day.year}〕1号", f"甲教发〔{day.year}〕2号"]
    first.refresh_from_db()
    form = {"dated": day.isoformat(), "version": first.updated_at.isoformat()}
    again = client.post(reverse("plans:plan-issue", args=[first.pk]), form)
    assert again.status_code == 403


def test_bad_dates_a_missing_code_and_a_stale_form_are_refused(cast, client_for):
    cast.bureau.issuer_code = ""
    cast.bureau.save(update_fields=["issuer_code"])
    day = today()
    plan = _seed_plan(cast, day.year)
    client = client_for(cast.leader)
    url = reverse("plans:plan-issue", args=[plan.pk])
    form = {"dated": day.isoformat(), "version": plan.updated_at.isoformat()}
    page = client.post(url, form, follow=True).content.decode()
    assert "本局尚未设置发文机关代字" in page
    cast.bureau.issuer_code = "甲教发"
    cast.bureau.save(update_fields=["issuer_code"])
    form["dated"] = (day + timedelta(days=1)).isoformat()
    page = client.post(url, form, follow=True)
    assert "成文日期不能晚于今天。" in page.content.decode()
    page = client.post(url, {"dated": day.isoformat()}, follow=True)
    assert "缺少版本信息" in page.content.decode()
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT and not plan.number


def test_only_the_leader_or_the_office_issues(cast, client_for):
    cast.bureau.issuer_code = "甲教发"
    cast.bureau.save(update_fields=["issuer_code"])
    plan = _seed_plan(cast, today().year)
    url = reverse("plans:plan-issue", args=[plan.pk])
    assert (
        client_for(cast.safety_staff).post(url, {"dated": today().isoformat()}).status_code == 403
    )
    assert client_for(cast.admin).post(url, {"dated": today().isoformat()}).status_code == 403
    assert client_for(cast.city_leader).post(url, {"dated": today().isoformat()}).status_code == 403
    assert (
        client_for(cast.office_staff).post(url, {"dated": today().isoformat()}).status_code == 302
    )
