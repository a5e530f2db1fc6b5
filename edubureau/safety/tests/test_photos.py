"""Inspection photos: upload checks (type, size, content), EXIF location stripped,
large images scaled down, served only to those who may see the inspection."""

from __future__ import annotations

import io
import os
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from edubureau.safety.models import InspectionPhoto
from edubureau.safety.services.inspections import inspection_start_self
from edubureau.safety.tests.factories_inspections import (
    at,
    form_data,
    image_bytes,
    items_for,
    jpeg_with_gps,
    small_checklist,
)

pytestmark = pytest.mark.time_machine(at(date(2026, 10, 12)))


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def draft(cast, media):
    small_checklist(cast.bureau)
    return inspection_start_self(
        actor=cast.school_a_officer, school=cast.school_a, period=date(2026, 10, 1)
    )


def upload(client, inspection, content, name="photo.jpg", item=None):
    url = reverse("safety:inspection-photo-upload", args=[inspection.pk])
    data = {"photo": SimpleUploadedFile(name, content, content_type="image/jpeg")}
    if item is not None:
        data["item"] = item.pk
    return client.post(url, data, headers={"X-Requested-With": "fetch"})


def stored_files(root):
    return [os.path.join(d, f) for d, _, files in os.walk(root) for f in files]


def test_it_strips_the_gps_position_and_serves_the_photo_privately(cast, client_for, draft, media):
    original = Image.open(io.BytesIO(jpeg_with_gps()))
    assert original.getexif().get_ifd(0x8825)  # the test image really has a position
    client = client_for(cast.school_a_officer)
    item = items_for(draft.checklist, cast.school_a)[0]
    response = upload(client, draft, jpeg_with_gps(), item=item)
    assert response.status_code == 200 and response.json()["ok"] is True
    photo = InspectionPhoto.objects.get()
    assert (photo.item, photo.school) == (item, cast.school_a)

    served = client.get(response.json()["url"])
    assert served.status_code == 200
    assert served["Cache-Control"] == "no-store, private"
    body = b"".join(served.streaming_content)
    stored = Image.open(io.BytesIO(body))
    assert not stored.getexif().get_ifd(0x8825)
    assert b"TestPhone" not in body
    # Stored under MEDIA_ROOT, never in the static web root.
    assert stored_files(media) == [str(media / photo.path)]


def test_it_scales_large_images_down_to_1600_px(cast, client_for, draft):
    big = image_bytes("PNG", size=(2400, 1800))
    assert upload(client_for(cast.school_a_officer), draft, big, "big.png").status_code == 200
    photo = InspectionPhoto.objects.get()
    assert (photo.width, photo.height) == (1600, 1200)


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"this is not a photo at all", "fake.jpg", "文件不是有效的图片"),
        (image_bytes("GIF"), "anim.gif", "只能上传JPEG、PNG或WebP格式的照片"),
        (b"\xff\xd8\xff" + b"0" * (10 * 1024 * 1024), "huge.jpg", "照片不能超过10MB"),
    ],
)
def test_it_refuses_bad_uploads_and_stores_nothing(
    cast, client_for, draft, media, content, name, message
):
    response = upload(client_for(cast.school_a_officer), draft, content, name)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not InspectionPhoto.objects.exists()
    assert stored_files(media) == []


def test_it_refuses_a_bad_photo_in_the_whole_form_and_saves_nothing(cast, client_for, draft, media):
    items = items_for(draft.checklist, cast.school_a)
    data = form_data(items, {"fire_exits": "pass"})
    data[f"photo_{items[1].pk}"] = SimpleUploadedFile("x.jpg", b"not an image")
    response = client_for(cast.school_a_officer).post(
        reverse("safety:inspection-edit", args=[draft.pk]), data
    )
    assert response.status_code == 400 and "文件不是有效的图片" in response.text
    draft.refresh_from_db()
    assert draft.results == {} and not InspectionPhoto.objects.exists()
    assert stored_files(media) == []


def test_it_takes_photos_posted_with_the_whole_form(cast, client_for, draft):
    items = items_for(draft.checklist, cast.school_a)
    data = form_data(items, {"fire_exits": "pass"})
    data[f"photo_{items[1].pk}"] = SimpleUploadedFile("p.jpg", image_bytes())
    response = client_for(cast.school_a_officer).post(
        reverse("safety:inspection-edit", args=[draft.pk]), data
    )
    assert response.status_code == 302
    assert InspectionPhoto.objects.get().item == items[1]


def test_it_serves_and_takes_photos_only_within_scope(cast, client_for, draft):
    upload(client_for(cast.school_a_officer), draft, image_bytes())
    photo = InspectionPhoto.objects.get()
    url = reverse("safety:inspection-photo", args=[photo.pk])
    assert client_for(cast.school_b_officer).get(url).status_code == 404
    assert client_for(cast.leader).get(url).status_code == 200
    assert upload(client_for(cast.school_b_officer), draft, image_bytes()).status_code == 404
    assert upload(client_for(cast.school_a_teacher), draft, image_bytes()).status_code == 403
    delete = reverse("safety:inspection-photo-delete", args=[photo.pk])
    assert client_for(cast.school_b_officer).post(delete).status_code == 404
    assert client_for(cast.school_a_officer).post(delete).status_code == 302
    assert not InspectionPhoto.objects.exists()
