"""Photo caps (issue 13, uploads): an inspection and a hazard hold a bounded number of
photos, and a school uploads a bounded number a day across every photo table; a
refused upload writes no file and no row and says why in Chinese."""

from __future__ import annotations

import datetime as dt
import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from edubureau.core.photos import PhotoRejected, ensure_photo_room
from edubureau.rectification.models import Status
from edubureau.safety.models import HazardPhoto, InspectionPhoto
from edubureau.safety.services import hazards as hazard_services
from edubureau.safety.services import inspections as inspection_services
from edubureau.safety.services.inspections import inspection_photo_add, inspection_start_self
from edubureau.safety.tests.factories_hazards import hazard_in_state, png_bytes
from edubureau.safety.tests.factories_inspections import small_checklist
from edubureau.testing.dates import month_start, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _files(root) -> int:
    return sum(len(files) for _, _, files in os.walk(root))


def _draft(cast):
    small_checklist(cast.bureau)
    return inspection_start_self(
        actor=cast.school_a_officer, school=cast.school_a, period=month_start(today())
    )


def test_an_inspection_takes_photos_up_to_its_cap(cast, client_for, media, monkeypatch):
    monkeypatch.setattr(inspection_services, "MAX_PHOTOS_PER_INSPECTION", 2)
    draft = _draft(cast)
    for _ in range(2):
        inspection_photo_add(
            actor=cast.school_a_officer, inspection=draft, upload=io.BytesIO(png_bytes())
        )
    response = client_for(cast.school_a_officer).post(
        reverse("safety:inspection-photo-upload", args=[draft.pk]),
        {"photo": SimpleUploadedFile("p.png", png_bytes(), content_type="image/png")},
        headers={"X-Requested-With": "fetch"},
    )
    assert response.status_code == 400
    assert "每次检查最多2张照片，已有2张" in response.json()["error"]
    assert InspectionPhoto.objects.count() == 2 and _files(media) == 2


def test_a_hazard_takes_photos_up_to_its_cap_across_rounds(cast, media, monkeypatch):
    monkeypatch.setattr(hazard_services, "MAX_PHOTOS_PER_HAZARD", 3)
    hazard = hazard_in_state(cast, Status.PLANNED)
    with pytest.raises(PhotoRejected, match="每条隐患（各轮整改合计）最多3张照片，已有0张"):
        hazard_services.hazard_rectify(
            actor=cast.school_a_officer,
            hazard=hazard,
            evidence_text="已更换",
            rectified_on=today(),
            photos=[io.BytesIO(png_bytes()) for _ in range(4)],
        )
    hazard.refresh_from_db()
    assert hazard.status == Status.PLANNED
    assert not HazardPhoto.objects.exists() and _files(media) == 0


def test_a_school_uploads_a_bounded_number_of_photos_a_day(cast, media, settings):
    settings.PHOTOS_PER_SCHOOL_PER_DAY = 3
    draft = _draft(cast)
    for _ in range(2):
        inspection_photo_add(
            actor=cast.school_a_officer, inspection=draft, upload=io.BytesIO(png_bytes())
        )
    hazard = hazard_in_state(cast, Status.PLANNED)
    # Two more, a hazard's this time, would be five today: the tables are counted together.
    with pytest.raises(PhotoRejected, match="本校今天已上传2张照片，每天最多3张"):
        hazard_services.hazard_rectify(
            actor=cast.school_a_officer,
            hazard=hazard,
            evidence_text="已更换",
            rectified_on=today(),
            photos=[io.BytesIO(png_bytes()) for _ in range(2)],
        )
    assert _files(media) == 2
    # Another school's quota is its own.
    ensure_photo_room(adding=3, school_id=cast.school_b.pk)
    # Yesterday's photos do not count today.
    InspectionPhoto.objects.update(created_at=timezone.now() - dt.timedelta(days=1))
    ensure_photo_room(adding=3, school_id=cast.school_a.pk)
