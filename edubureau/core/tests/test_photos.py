"""core.photos.store_photo: content checks, EXIF stripped, scaled to 1600 px."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from edubureau.core.photos import PhotoRejected, photo_file_path, store_photo


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def image(fmt="JPEG", size=(64, 48), exif=None):
    out = io.BytesIO()
    kwargs = {"exif": exif} if exif is not None else {}
    Image.new("RGB", size, (10, 120, 200)).save(out, format=fmt, **kwargs)
    return io.BytesIO(out.getvalue())


def gps_exif():
    exif = Image.Exif()
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (30.0, 40.0, 12.5)
    gps[3], gps[4] = "E", (104.0, 3.0, 45.0)
    return exif.tobytes()


def test_it_strips_the_location_from_a_phone_photo(media):
    stored = store_photo(image(exif=gps_exif()), folder="t")
    saved = Image.open(photo_file_path(stored.path))
    assert saved.format == "JPEG" and stored.content_type == "image/jpeg"
    assert not saved.getexif().get_ifd(0x8825)
    assert str(photo_file_path(stored.path)).startswith(str(media))


def test_it_scales_a_large_photo_down(media):
    stored = store_photo(image("WEBP", size=(1000, 3200)), folder="t")
    assert (stored.width, stored.height) == (500, 1600)
    assert stored.content_type == "image/webp"


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (io.BytesIO(b"GIF89a not really"), "文件不是有效的图片"),
        (image("GIF"), "只能上传JPEG、PNG或WebP格式"),
        (io.BytesIO(b""), "照片文件为空"),
        (io.BytesIO(b"\x89PNG" + b"0" * (10 * 1024 * 1024)), "照片不能超过10MB"),
    ],
)
def test_it_refuses_what_is_not_an_acceptable_photo(media, upload, message):
    with pytest.raises(PhotoRejected, match=message):
        store_photo(upload, folder="t")
    assert not any(media.rglob("*.*"))
