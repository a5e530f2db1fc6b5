"""Files a killed upload left behind are removed by the daily job; files a row
references, and uploads still in flight, are kept."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image

from edubureau.core.photos import orphan_photo_files, remove_orphan_photos, store_photo
from edubureau.jobs.scheduler import registry
from edubureau.safety.tests.factories_inspections import make_photo, make_self_inspection

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _png() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), "blue").save(buffer, format="PNG")
    buffer.seek(0)
    return buffer


def _age(path: Path, hours: float) -> None:
    """Date the file by the test clock, which may not be the machine's."""
    stamp = (timezone.now() - timedelta(hours=hours)).timestamp()
    os.utime(path, (stamp, stamp))


def test_only_old_unreferenced_files_are_removed(cast, media):
    inspection = make_self_inspection(cast.school_a)
    kept = store_photo(_png(), folder=f"inspections/{cast.school_a.pk}")
    make_photo(inspection, uploaded_by=cast.school_a_officer, path=kept.path)
    orphan = store_photo(_png(), folder=f"inspections/{cast.school_a.pk}")
    in_flight = store_photo(_png(), folder=f"hazards/{cast.school_a.pk}")
    other = media / "exports" / "report.docx"
    other.parent.mkdir()
    other.write_bytes(b"not a photo")
    for path in (kept.path, orphan.path, "exports/report.docx"):
        _age(media / path, hours=30)
    _age(media / in_flight.path, hours=1)

    assert orphan_photo_files(older_than=timedelta(hours=24)) == [media / orphan.path]
    assert remove_orphan_photos(older_than=timedelta(hours=24)) == 1
    assert (media / kept.path).exists() and (media / in_flight.path).exists()
    assert other.exists() and not (media / orphan.path).exists()


def test_a_file_left_by_an_upload_killed_mid_transaction_is_cleaned(cast, media):
    """A real kill -9: the child writes the photo inside a transaction and is killed
    before it commits, as a worker killed mid-upload would be."""
    script = (
        "import django, os, signal, io\n"
        "django.setup()\n"
        "from PIL import Image\n"
        "from edubureau.core.photos import store_photo\n"
        "buffer = io.BytesIO(); Image.new('RGB', (8, 8)).save(buffer, format='PNG')\n"
        "buffer.seek(0)\n"
        "stored = store_photo(buffer, folder='inspections/1')\n"
        "print(stored.path, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    env = {**os.environ, "MEDIA_ROOT": str(media), "DJANGO_SETTINGS_MODULE": "edubureau.settings"}
    env.setdefault("EDUBUREAU_TESTING", "1")
    child = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    left = media / child.stdout.strip()
    assert left.exists()
    _age(left, hours=25)
    assert remove_orphan_photos() == 1  # the default grace: 24 hours
    assert not left.exists()


def test_the_cleanup_runs_every_night():
    job = registry.get("core.remove_orphan_photos")
    assert job.daily_at is not None and job.daily_at.hour == 3
