"""Ad hoc hazard reports (walk-around, complaint, circular) and repeat detection."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from edubureau.rectification.lifecycle import steps_for
from edubureau.rectification.models import Severity, Status
from edubureau.safety.models import Checklist, Hazard, HazardPhoto, HazardSource
from edubureau.safety.tests.factories_hazards import (
    at,
    category,
    item,
    make_hazard,
    png_bytes,
)

pytestmark = pytest.mark.time_machine(at(date(2026, 9, 10)))

REPORT = reverse("safety:hazard-report")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _form(cast, school=None, **overrides):
    data = {
        "school": (school or cast.school_a).pk,
        "source": HazardSource.COMPLAINT,
        "reported_on": "2026-09-09",
        "category": category(cast.bureau, "fire").pk,
        "item": item(cast.bureau, "fire.exit").pk,
        "severity": Severity.MAJOR,
        "location": "综合楼一楼东侧",
        "description": "家长反映安全出口被杂物堵塞",
        "responsible_person": "李总务",
    }
    data.update(overrides)
    return data


def test_it_lets_a_school_officer_report_a_hazard_with_photos(cast, client_for, media):
    client = client_for(cast.school_a_officer)
    page = client.get(REPORT)
    assert page.status_code == 200
    assert 'type="hidden" name="school"' in page.text  # no choice of school to make
    data = _form(cast, photos=[SimpleUploadedFile("p.png", png_bytes(), content_type="image/png")])
    response = client.post(REPORT, data)
    hazard = Hazard.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("safety:hazard-detail", kwargs={"hazard_id": hazard.pk})
    assert (hazard.school, hazard.source, hazard.severity, hazard.status) == (
        cast.school_a,
        HazardSource.COMPLAINT,
        Severity.MAJOR,
        Status.REPORTED,
    )
    assert (hazard.item_key, hazard.category_key, hazard.reported_by) == (
        "fire.exit",
        "fire",
        cast.school_a_officer,
    )
    assert [p.stage for p in hazard.photos.all()] == [HazardPhoto.Stage.REPORT]
    assert [s.action for s in steps_for(hazard)] == ["report"]


def test_it_keeps_a_school_user_to_their_own_school(cast, client_for):
    response = client_for(cast.school_a_officer).post(REPORT, _form(cast, school=cast.school_b))
    assert response.status_code == 302
    assert Hazard.objects.get().school == cast.school_a


def test_it_lets_the_safety_department_report_for_any_school(cast, client_for):
    response = client_for(cast.safety_staff).post(REPORT, _form(cast, school=cast.school_b))
    assert response.status_code == 302
    assert Hazard.objects.get().school == cast.school_b


def test_it_lets_an_inspector_report_only_for_assigned_schools(cast, client_for):
    client = client_for(cast.inspector)
    assert client.post(REPORT, _form(cast, school=cast.school_b)).status_code == 400
    assert client.post(REPORT, _form(cast)).status_code == 302
    assert Hazard.objects.get().school == cast.school_a


@pytest.mark.parametrize("who", ["school_a_teacher", "office_staff", "leader", "admin"])
def test_it_forbids_reporting_to_users_who_may_not_write_hazards(cast, client_for, who):
    client = client_for(getattr(cast, who))
    assert client.get(REPORT).status_code == 403
    assert client.post(REPORT, _form(cast)).status_code == 403
    assert not Hazard.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"item": None}, None),  # an item is optional
        ({"category": "building"}, "所选事项不属于所选隐患类别"),
        ({"reported_on": "2026-09-11"}, "发现日期不能晚于今天"),
        ({"description": ""}, "该字段是必填项"),
        ({"source": HazardSource.INSPECTION}, "选择一个有效的选项"),
    ],
)
def test_it_validates_the_report(cast, client_for, overrides, message):
    if overrides.get("category") == "building":
        overrides = {"category": category(cast.bureau, "building").pk}
    data = {k: v for k, v in _form(cast, **overrides).items() if v is not None}
    response = client_for(cast.school_a_officer).post(REPORT, data)
    if message is None:
        assert response.status_code == 302
        assert Hazard.objects.get().item is None
    else:
        assert response.status_code == 400
        assert message in response.text
        assert not Hazard.objects.exists()


def test_it_refuses_a_file_that_is_not_a_photo(cast, client_for, media):
    data = _form(
        cast,
        photos=[SimpleUploadedFile("x.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg")],
    )
    response = client_for(cast.school_a_officer).post(REPORT, data)
    assert response.status_code == 400
    assert "不是有效的图片" in response.text
    assert not Hazard.objects.exists()
    assert [p for p in media.rglob("*") if p.is_file()] == []


def test_it_refuses_a_png_built_to_crash_pillow_or_exhaust_memory(cast, client_for, media):
    from edubureau.core.tests.test_photo_limits import HOSTILE

    for case in ("99.8 megapixels", "a 5 MB zTXt chunk"):
        build, message = HOSTILE[case]
        photo = SimpleUploadedFile("p.png", build(), content_type="image/png")
        response = client_for(cast.school_a_officer).post(REPORT, _form(cast, photos=[photo]))
        assert response.status_code == 400 and message in response.text, case
    assert not Hazard.objects.exists()
    assert [p for p in media.rglob("*") if p.is_file()] == []


def test_it_explains_when_the_bureau_has_no_current_checklist(cast, client_for):
    data = _form(cast)
    Checklist.objects.update(is_current=False)
    response = client_for(cast.school_a_officer).post(REPORT, data)
    assert response.status_code == 400
    assert "尚未发布现行的《排查指南》" in response.text


# Repeats --------------------------------------------------------------------------------


def test_it_flags_the_same_item_failing_again_within_the_window(cast, client_for):
    first = make_hazard(cast, item_key="fire.exit", reported_on=date(2026, 4, 1))
    client_for(cast.school_a_officer).post(REPORT, _form(cast))
    again = Hazard.objects.exclude(pk=first.pk).get()
    assert again.repeat_of == first
    page = client_for(cast.school_a_officer).get(
        reverse("safety:hazard-detail", kwargs={"hazard_id": again.pk})
    )
    assert 'data-testid="repeat-flag"' in page.text
    listed = client_for(cast.school_a_officer).get(reverse("safety:hazard-list"), {"repeat": "1"})
    assert f'href="/safety/hazards/{again.pk}/"' in listed.text
    assert f'href="/safety/hazards/{first.pk}/"' not in listed.text


def test_it_does_not_flag_a_failure_outside_the_window(cast, settings):
    settings.SAFETY_REPEAT_WINDOW_DAYS = 180
    found = date(2026, 9, 9)
    make_hazard(cast, item_key="fire.exit", reported_on=found - timedelta(days=181))
    inside = make_hazard(cast, item_key="fire.exit", reported_on=found - timedelta(days=180))
    assert make_hazard(cast, item_key="fire.exit", reported_on=found).repeat_of == inside
    settings.SAFETY_REPEAT_WINDOW_DAYS = 30
    assert make_hazard(cast, item_key="fire.exit", reported_on=date(2027, 2, 1)).repeat_of is None


def test_it_does_not_flag_another_item_or_another_school(cast):
    make_hazard(cast, item_key="fire.exit", reported_on=date(2026, 9, 1))
    assert make_hazard(cast, item_key="fire.extinguisher").repeat_of is None
    assert make_hazard(cast, school=cast.school_b, item_key="fire.exit").repeat_of is None
    assert make_hazard(cast).repeat_of is None  # no item: nothing to repeat
