"""The pages: the school fills its return from the dictionary-made form, gets Chinese
errors inline, explains a warning, submits; the bureau's staff review from the detail
page; the list shows status and timeliness and filters by status and township."""

from __future__ import annotations

import pytest
from django.urls import reverse

from edubureau.core.concurrency import version_token
from edubureau.stats.dictionary import fields_for
from edubureau.stats.models import ReturnStatus, StatReturn
from edubureau.stats.tests.factories import StatReturnFactory, consistent_values
from edubureau.stats.tests.people import stats_staff
from edubureau.testing.dates import school_year_start, today

pytestmark = pytest.mark.django_db


def post_form(client, ret, values, action="submit", **extra):
    data = {"version": version_token(ret), "action": action, **values, **extra}
    return client.post(reverse("stats:return-edit", args=[ret.pk]), data)


def test_a_school_fills_and_submits_its_return(cast, client_for):
    client = client_for(cast.school_a_officer)
    page = client.get(reverse("stats:return-list"))
    assert page.status_code == 200 and "填报" in page.text
    started = client.post(reverse("stats:return-start"), {"year": school_year_start(today())})
    ret = StatReturn.objects.get(school=cast.school_a)
    assert started.url == reverse("stats:return-edit", args=[ret.pk])

    form = client.get(started.url)
    assert form.status_code == 200
    for spec in fields_for("primary"):
        assert f'name="{spec.code}"' in form.text
    assert "小学" in form.text and "在校生（六年级）" in form.text
    assert 'inputmode="numeric"' in form.text

    values = consistent_values("primary") | {"primary.grade1": 41}
    refused = post_form(client, ret, values)
    assert refused.status_code == 200
    assert "小学各年级在校生之和（241人）与小学在校生（240人）不一致。" in refused.text
    assert 'aria-invalid="true"' in refused.text
    assert 'value="41"' in refused.text  # what was typed stays on the page
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.DRAFT

    done = post_form(client, ret, consistent_values("primary"))
    assert done.status_code == 302 and done.url == reverse("stats:return-detail", args=[ret.pk])
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.SUBMITTED
    detail = client.get(done.url)
    assert "已上报" in detail.text and "审核记录" in detail.text
    # A submitted return's form sends the school to the detail page.
    assert client.get(reverse("stats:return-edit", args=[ret.pk])).status_code == 302


def test_a_draft_is_saved_with_its_problems_shown(cast, client_for):
    client = client_for(cast.school_a_officer)
    ret = StatReturnFactory.create(school=cast.school_a, values={})
    saved = post_form(client, ret, {"primary.grade1": "abc", "primary.grade2": "30"}, "save")
    assert saved.status_code == 200
    assert "已保存草稿" in saved.text
    ret.refresh_from_db()
    assert ret.values == {"primary.grade2": 30}
    # The typed text is kept on the page; its problem is shown in Chinese.
    assert "小学在校生（一年级）未填写（没有请填0）。" in saved.text


def test_a_stale_form_is_refused(cast, client_for):
    client = client_for(cast.school_a_officer)
    ret = StatReturnFactory.create(school=cast.school_a)
    stale = version_token(ret)
    post_form(client, ret, consistent_values("primary"), "save")
    response = client.post(
        reverse("stats:return-edit", args=[ret.pk]),
        {"version": stale, "action": "save", **consistent_values("primary")},
    )
    assert response.status_code == 409
    assert "已被他人修改" in response.text


def test_a_warning_asks_for_an_explanation(cast, client_for):
    year = school_year_start(today())
    StatReturnFactory.create(
        school=cast.school_a,
        status=ReturnStatus.ACCEPTED,
        school_year__start_year=year - 1,
        values=consistent_values("primary", per_grade=30),
    )
    ret = StatReturnFactory.create(school=cast.school_a, values={})
    client = client_for(cast.school_a_officer)
    refused = post_form(client, ret, consistent_values("primary"))
    assert "小学在校生比上年（180人）增加60人，增长33.33%" in refused.text
    assert 'name="explain-change.primary.enrolled"' in refused.text
    explained = post_form(
        client,
        ret,
        consistent_values("primary"),
        **{
            "explain-change.primary.enrolled": "新建小区入住",
            "explain-change.primary.entrants": "新建小区入住",
        },
    )
    assert explained.status_code == 302
    detail = client.get(explained.url).text
    assert "新建小区入住" in detail


def test_the_bureau_reviews_from_the_detail_page(cast, client_for):
    staff = stats_staff(cast.bureau)
    ret = StatReturnFactory.create(school=cast.school_a, status=ReturnStatus.SUBMITTED)
    client = client_for(staff)
    page = client.get(reverse("stats:return-detail", args=[ret.pk]))
    assert 'data-testid="accept-return"' in page.text and "退回意见" in page.text
    review = reverse("stats:return-review", args=[ret.pk])
    client.post(review, {"action": "return", "comment": "", "version": version_token(ret)})
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.SUBMITTED  # no comment, no send-back
    client.post(review, {"action": "return", "comment": "请核对", "version": version_token(ret)})
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.RETURNED
    # The leader sees no review buttons and cannot post them.
    leader = client_for(cast.leader)
    assert (
        'data-testid="review-actions"'
        not in leader.get(reverse("stats:return-detail", args=[ret.pk])).text
    )
    assert (
        leader.post(review, {"action": "accept", "version": version_token(ret)}).status_code == 403
    )


def test_the_leader_unlocks_with_a_reason(cast, client_for):
    ret = StatReturnFactory.create(school=cast.school_a, status=ReturnStatus.LOCKED)
    leader = client_for(cast.leader)
    page = leader.get(reverse("stats:return-detail", args=[ret.pk]))
    assert "解锁理由" in page.text
    review = reverse("stats:return-review", args=[ret.pk])
    leader.post(review, {"action": "unlock", "comment": "核对有误", "version": version_token(ret)})
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.RETURNED


def test_the_list_shows_status_and_filters(cast, client_for):
    StatReturnFactory.create(school=cast.school_a, status=ReturnStatus.SUBMITTED)
    client = client_for(cast.leader)
    page = client.get(reverse("stats:return-list"))
    assert cast.school_a.name in page.text and cast.school_b.name in page.text
    assert "已上报" in page.text and "未填报" in page.text
    submitted = client.get(reverse("stats:return-list"), {"status": "submitted"}).text
    assert cast.school_a.name in submitted and cast.school_b.name not in submitted
    missing = client.get(reverse("stats:return-list"), {"status": "none"}).text
    assert cast.school_a.name not in missing and cast.school_b.name in missing
    by_township = client.get(reverse("stats:return-list"), {"township": cast.township_b.pk}).text
    assert cast.school_a.name not in by_township and cast.school_b.name in by_township


def test_a_form_posted_after_the_return_was_submitted_goes_to_its_page(cast, client_for):
    client = client_for(cast.school_a_officer)
    ret = StatReturnFactory.create(school=cast.school_a, status=ReturnStatus.LOCKED)
    response = post_form(client, ret, consistent_values("primary") | {"primary.teachers": 99})
    assert response.status_code == 302
    assert response.url == reverse("stats:return-detail", args=[ret.pk])
    ret.refresh_from_db()
    assert ret.values["primary.teachers"] == 12
    page = client.get(response.url).text
    assert "报表已锁定，不能修改；如需修改，请联系教育局领导解锁。" in page


def test_the_form_follows_the_kind_of_school(cast, client_for):
    from edubureau.testing.factories import SchoolFactory, UserFactory

    nine = SchoolFactory.create(bureau=cast.bureau, township=cast.township_a, kind="nine_year")
    kg = SchoolFactory.create(bureau=cast.bureau, township=cast.township_a, kind="kindergarten")
    for school, present, absent in (
        (nine, ["primary.grade6", "junior.grade3", "junior.migrant_public"], ["kg.grade1"]),
        (kg, ["kg.grade3", "kg.enrolled"], ["primary.grade1", "kg.migrant"]),
    ):
        user = UserFactory.create(bureau=cast.bureau, role="school_user", school=school)
        ret = StatReturnFactory.create(school=school, values={})
        page = client_for(user).get(reverse("stats:return-edit", args=[ret.pk])).text
        for code in present:
            assert f'name="{code}"' in page
        for code in absent:
            assert f'name="{code}"' not in page
        assert ('name="kg_category"' in page) == (school == kg)
    assert "在园幼儿（大班）" in page and "入园幼儿" in page
