"""Photos uploaded from phones: checked by content, stripped of EXIF (location),
stored as files under MEDIA_ROOT (outside the web root) and served only through
views that check access.

Phones resize to at most 1600 px before upload (static/js/photos.js), so the
server re-encodes a small image; re-encoding a 12-megapixel original would cost
about 0.2 s of CPU per photo.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import timezone
from PIL import Image, ImageOps

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTO_SIDE = 1600
ALLOWED_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
# Decompression bombs: refuse anything claiming more pixels than a 50-megapixel camera
# (decoded, that is ~200 MB). Pillow itself only warns between one and two times its
# MAX_IMAGE_PIXELS, so store_photo checks the size from the header, before decoding.
MAX_PHOTO_PIXELS = 50_000_000
Image.MAX_IMAGE_PIXELS = MAX_PHOTO_PIXELS
NOT_AN_IMAGE = "文件不是有效的图片（只能上传JPEG、PNG或WebP格式的照片）"
TOO_MANY_PIXELS = (
    f"照片像素过大，不能超过{MAX_PHOTO_PIXELS // 10_000}万像素，请在手机上缩小后再上传"
)


class PhotoRejected(ValueError):
    """The upload is not an acceptable photo; the message says why, in Chinese."""


@dataclass(frozen=True)
class StoredPhoto:
    path: str  # relative to MEDIA_ROOT
    content_type: str
    size: int
    width: int
    height: int

    def fields(self) -> dict[str, Any]:
        """The columns of a :class:`PhotoFile` row for this file."""
        return asdict(self)


def store_photos(uploads: Iterable[IO[bytes]], *, folder: str) -> list[StoredPhoto]:
    """Check and store every upload, or none: a rejected photo removes the files
    stored before it (``PhotoRejected`` names the problem)."""
    stored: list[StoredPhoto] = []
    with removed_on_error(stored):
        for upload in uploads:
            stored.append(store_photo(upload, folder=folder))
    return stored


def remove_photo_files(paths: Iterable[str]) -> None:
    for path in paths:
        with contextlib.suppress(OSError, ValueError):
            photo_file_path(path).unlink(missing_ok=True)


@contextlib.contextmanager
def removed_on_error(stored: list[StoredPhoto]) -> Iterator[None]:
    """Files are written before the database transaction that records them; if that
    transaction fails, remove them so a refused change leaves no orphan file."""
    try:
        yield
    except BaseException:
        remove_photo_files(s.path for s in stored)
        raise


def store_photo(upload: IO[bytes], *, folder: str) -> StoredPhoto:
    data = upload.read(MAX_PHOTO_BYTES + 1)
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoRejected("照片不能超过10MB")
    if not data:
        raise PhotoRejected("照片文件为空")
    fmt, image = _decoded(data)
    content_type, ext = ALLOWED_FORMATS[fmt]
    out, image = _reencoded(image, fmt)
    today = timezone.localdate()
    relative = Path(folder) / f"{today:%Y}" / f"{today:%m}" / f"{uuid.uuid4().hex}.{ext}"
    target = Path(settings.MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        target.write_bytes(out.getvalue())
    except BaseException:
        target.unlink(missing_ok=True)  # no half-written file left behind
        raise
    return StoredPhoto(str(relative), content_type, out.tell(), image.width, image.height)


def _decoded(data: bytes) -> tuple[str, Image.Image]:
    """The image's format and pixels. Its size is read from the header (``open``
    decodes nothing) and refused before any decoding; whatever else Pillow cannot
    read (truncated data, an oversized text chunk: OSError, ValueError, ...) is
    refused as not an image, never a server error."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format or ""
            width, height = probe.size
            if fmt not in ALLOWED_FORMATS:
                raise PhotoRejected("只能上传JPEG、PNG或WebP格式的照片")
            if width * height > MAX_PHOTO_PIXELS:
                raise PhotoRejected(TOO_MANY_PIXELS)
            probe.verify()
        image: Image.Image = Image.open(io.BytesIO(data))
        image.load()
    except PhotoRejected:
        raise
    except Image.DecompressionBombError as exc:  # over twice the limit: open refuses
        raise PhotoRejected(TOO_MANY_PIXELS) from exc
    except Exception as exc:
        raise PhotoRejected(NOT_AN_IMAGE) from exc
    return fmt, image


def _reencoded(image: Image.Image, fmt: str) -> tuple[io.BytesIO, Image.Image]:
    """Apply the camera's rotation, then drop every metadata block (EXIF holds GPS)."""
    try:
        image = ImageOps.exif_transpose(image)
        if max(image.size) > MAX_PHOTO_SIDE:
            image.thumbnail((MAX_PHOTO_SIDE, MAX_PHOTO_SIDE))
        if fmt == "JPEG" and image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        out = io.BytesIO()
        save_kwargs = {"quality": 85} if fmt in ("JPEG", "WEBP") else {}
        image.save(out, format=fmt, **save_kwargs)
    except Exception as exc:  # a malformed EXIF block, say
        raise PhotoRejected(NOT_AN_IMAGE) from exc
    return out, image


def photo_file_path(relative: str) -> Path:
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / relative).resolve()
    if root not in path.parents:
        raise PhotoRejected("非法路径")
    return path


class PhotoFile(models.Model):
    """Fields every stored photo row has; concrete models add ``school`` and their owner."""

    path = models.CharField(max_length=300)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["id"]


# Caps ------------------------------------------------------------------------------
#
# A photo costs ~300 KB on disk for years; a school that uploads in a loop (a stuck
# phone, a script) must not fill the store. Each record has a cap of its own (an
# inspection, a hazard: the callers pass it) and a school a daily one across every
# photo table; both are checked before any file is written. Two uploads racing may
# both pass the last slot: the caps bound the store, they are not an exact quota.

MAX_PHOTOS_PER_SCHOOL_PER_DAY = 300


def ensure_photo_room(
    *,
    adding: int,
    school_id: int | None,
    already: int = 0,
    cap: int | None = None,
    what: str = "",
) -> None:
    """Refuse (``PhotoRejected``) ``adding`` photos that would take a record past
    ``cap`` (it holds ``already``) or the school past its daily cap."""
    if adding <= 0:
        return
    if cap is not None and already + adding > cap:
        raise PhotoRejected(f"{what}最多{cap}张照片，已有{already}张，本次不能再上传{adding}张")
    if school_id is None:
        return
    daily = getattr(settings, "PHOTOS_PER_SCHOOL_PER_DAY", MAX_PHOTOS_PER_SCHOOL_PER_DAY)
    since = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time.min))
    # The school-owned photo tables (a plan's progress photos belong to no school).
    owned = [m for m in photo_models() if any(f.attname == "school_id" for f in m._meta.fields)]
    today = 0
    for model in owned:
        rows: models.QuerySet[Any] = model._default_manager.all()
        today += rows.filter(school_id=school_id, created_at__gte=since).count()
    if today + adding > daily:
        raise PhotoRejected(
            f"本校今天已上传{today}张照片，每天最多{daily}张，请明天再上传或联系教育局管理员"
        )


# Orphan files ---------------------------------------------------------------------

PHOTO_SUFFIXES = {f".{ext}" for _, ext in ALLOWED_FORMATS.values()}
ORPHAN_CHECK_BATCH = 1000


def photo_models() -> list[type[PhotoFile]]:
    """Every concrete photo table, whichever app defines it (core imports none)."""
    return [m for m in apps.get_models() if issubclass(m, PhotoFile)]


def orphan_photo_files(*, older_than: dt.timedelta) -> list[Path]:
    """Photo files under MEDIA_ROOT that no photo row references and that were
    written more than ``older_than`` ago. A file is written before the transaction
    that records it; if the process dies in between (kill -9, a crash), nothing
    else removes it. The grace period spares uploads still in flight."""
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return []
    cutoff = (timezone.now() - older_than).timestamp()
    candidates = (
        p
        for p in root.rglob("*")
        if p.suffix.lower() in PHOTO_SUFFIXES and p.is_file() and p.stat().st_mtime < cutoff
    )
    orphans: list[Path] = []
    models_ = photo_models()
    batch: list[Path] = []
    for path in candidates:
        batch.append(path)
        if len(batch) >= ORPHAN_CHECK_BATCH:
            orphans.extend(_unreferenced(batch, root, models_))
            batch = []
    orphans.extend(_unreferenced(batch, root, models_))
    return orphans


def _unreferenced(batch: list[Path], root: Path, models_: list[type[PhotoFile]]) -> list[Path]:
    if not batch:
        return []
    relative = {str(p.relative_to(root)): p for p in batch}
    referenced: set[str] = set()
    for model in models_:
        referenced.update(
            model._base_manager.filter(path__in=list(relative)).values_list("path", flat=True)
        )
    return [p for rel, p in relative.items() if rel not in referenced]


def remove_orphan_photos(*, older_than: dt.timedelta | None = None) -> int:
    """Delete the files :func:`orphan_photo_files` finds; returns how many."""
    grace = older_than or dt.timedelta(hours=int(getattr(settings, "PHOTO_ORPHAN_GRACE_HOURS", 24)))
    orphans = orphan_photo_files(older_than=grace)
    for path in orphans:
        path.unlink(missing_ok=True)
    return len(orphans)
