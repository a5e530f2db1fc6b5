"""Photo uploads built to exhaust a worker or crash Pillow are refused with a
Chinese message, leaving no file and no row behind."""

from __future__ import annotations

import io
import os
import struct
import zlib
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, PngImagePlugin

from edubureau.core import photos
from edubureau.core.photos import PhotoRejected, store_photos
from edubureau.safety.models import InspectionPhoto
from edubureau.safety.services.inspections import inspection_start_self
from edubureau.safety.tests.factories_inspections import at, image_bytes, small_checklist

pytestmark = pytest.mark.time_machine(at(date(2026, 10, 12)))


def _png(image: Image.Image, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", **options)
    return buffer.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _pixels_between_one_and_two_times_the_limit() -> bytes:
    # 9,990 × 9,990 = 99.8 million pixels: Pillow only warns below 100 million.
    return _png(Image.new("1", (9990, 9990)))


def _pixels_over_twice_the_limit() -> bytes:
    return _png(Image.new("1", (10_001, 10_001)))


def _text_chunk_before_the_pixels() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("comment", "A" * (5 * 1024 * 1024), zip=True)  # zTXt, ~5 KB
    return _png(Image.new("RGB", (10, 10)), pnginfo=info)


def _itxt_chunk_after_the_pixels() -> bytes:
    png = _png(Image.new("RGB", (10, 10)))
    text = b"comment\x00\x01\x00\x00\x00" + zlib.compress(b"A" * (5 * 1024 * 1024), 9)
    end = png.rindex(b"IEND") - 4
    return png[:end] + _chunk(b"iTXt", text) + png[end:]


def _truncated_png() -> bytes:
    return image_bytes("PNG", size=(400, 300))[:-300]


HOSTILE = {
    "99.8 megapixels": (_pixels_between_one_and_two_times_the_limit, "不能超过5000万像素"),
    "100 megapixels and more": (_pixels_over_twice_the_limit, "不能超过5000万像素"),
    "a 5 MB zTXt chunk": (_text_chunk_before_the_pixels, "文件不是有效的图片"),
    "a 5 MB iTXt chunk after the pixels": (_itxt_chunk_after_the_pixels, "文件不是有效的图片"),
    "a truncated PNG": (_truncated_png, "文件不是有效的图片"),
    "over 10 MB": (lambda: b"\x89PNG" + bytes(10 * 1024 * 1024), "照片不能超过10MB"),
}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(root) -> list[str]:
    return [os.path.join(d, f) for d, _, files in os.walk(root) for f in files]


@pytest.mark.parametrize("case", HOSTILE)
def test_store_photos_refuses_a_hostile_image_and_keeps_no_file(media, case):
    build, message = HOSTILE[case]
    good = io.BytesIO(image_bytes("PNG"))
    with pytest.raises(PhotoRejected, match=message):
        store_photos([good, io.BytesIO(build())], folder="tests")
    assert stored_files(media) == []  # the good photo stored first is removed too


def test_the_pixel_limit_is_checked_before_anything_is_decoded(media, monkeypatch):
    bomb = _pixels_between_one_and_two_times_the_limit()

    def no_decoding(self):
        raise AssertionError("decoded")

    monkeypatch.setattr(Image.Image, "load", no_decoding)
    with pytest.raises(PhotoRejected, match="不能超过5000万像素"):
        store_photos([io.BytesIO(bomb)], folder="t")


def test_an_image_at_the_limit_is_taken(media, monkeypatch):
    monkeypatch.setattr(photos, "MAX_PHOTO_PIXELS", 2400 * 1800)
    [stored] = store_photos([io.BytesIO(image_bytes("PNG", size=(2400, 1800)))], folder="t")
    assert (stored.width, stored.height) == (1600, 1200)
    with pytest.raises(PhotoRejected, match="照片像素过大"):
        store_photos([io.BytesIO(image_bytes("PNG", size=(2400, 1801)))], folder="t")


@pytest.mark.parametrize("case", HOSTILE)
def test_the_inspection_photo_upload_refuses_a_hostile_image(cast, client_for, media, case):
    build, message = HOSTILE[case]
    small_checklist(cast.bureau)
    draft = inspection_start_self(
        actor=cast.school_a_officer, school=cast.school_a, period=date(2026, 10, 1)
    )
    response = client_for(cast.school_a_officer).post(
        reverse("safety:inspection-photo-upload", args=[draft.pk]),
        {"photo": SimpleUploadedFile("photo.png", build(), content_type="image/png")},
        headers={"X-Requested-With": "fetch"},
    )
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not InspectionPhoto.objects.exists()
    assert stored_files(media) == []
