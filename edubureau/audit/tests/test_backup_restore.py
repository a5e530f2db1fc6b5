"""``edubureau backup`` and ``edubureau restore``: a round trip gives back the same
record (a report's .docx byte for byte, every photo, a verifiable audit chain); a
damaged backup, an existing backup directory and a database holding data are refused
before anything changes.

Every test commits (transaction=True): the backup reads the database through its own
connection (sqlite3's backup API, pg_dump), as it does beside a running server, and
the restore replaces the whole database. On PostgreSQL (DATABASE_URL in CI) the same
tests run pg_dump and pg_restore."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from edubureau.audit.chain import verify_chain
from edubureau.audit.models import AuditEvent
from edubureau.core.concurrency import version_token
from edubureau.core.facts import Period
from edubureau.rectification.models import Status
from edubureau.reports import services
from edubureau.reports.models import Report
from edubureau.safety.models import Hazard, HazardPhoto
from edubureau.safety.tests.factories_hazards import add_photo, hazard_in_state, make_hazard
from edubureau.safety.tests.factories_ledgers import DrillFactory
from edubureau.testing.cast import make_cast

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def media(settings, tmp_path):
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


def run(name: str, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(name, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refusal(name: str, *args: str) -> tuple[str, str]:
    """The command's refusal and what it wrote to stderr before it."""
    err = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command(name, *args, stdout=io.StringIO(), stderr=err)
    return str(caught.value), err.getvalue()


def digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def wipe(media: Path) -> None:
    """An empty database (as ``migrate`` leaves it) and an empty media store."""
    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(media)
    media.mkdir()


def small_record(media: Path):
    cast = make_cast()
    hazard = make_hazard(cast)
    add_photo(hazard, user=cast.school_a_officer)
    return cast, hazard


def test_a_round_trip_gives_back_the_same_report_photos_and_audit_chain(media, tmp_path):
    cast = make_cast()
    for _ in range(2):
        hazard_in_state(cast, Status.CLOSED)
    open_hazard = make_hazard(cast, description="围墙有裂缝")
    make_hazard(cast, school=cast.school_b)
    add_photo(open_hazard, user=cast.school_a_officer)
    add_photo(open_hazard, user=cast.school_a_officer, stage=HazardPhoto.Stage.EVIDENCE)
    DrillFactory(school=cast.school_a, participants=600)
    report = services.create_report(
        user=cast.safety_staff,
        genre_key="annual_safety",
        period=Period.calendar_year(timezone.localdate().year),
    )
    before = services.docx_of(report)
    assert services.docx_of(Report.objects.get(pk=report.pk)) == before  # deterministic
    # An issued notice keeps its .docx in the database: binary columns survive too.
    notice = services.create_report(
        user=cast.safety_staff, genre_key="rectification_notice", to_school=cast.school_a
    )
    services.approve(notice, user=cast.leader, loaded_version=version_token(notice))
    services.issue(notice, user=cast.safety_staff, loaded_version=version_token(notice))
    notice_docx = services.docx_of(Report.objects.get(pk=notice.pk))
    assert Report.objects.get(pk=notice.pk).is_issued
    photos = digests(media)
    assert len(photos) == 2
    events = AuditEvent.objects.count()

    out, _ = run("backup", "--output", str(tmp_path / "backup"))
    assert "已备份到" in out
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text(encoding="utf-8"))
    assert {f["path"] for f in manifest["files"] if f["path"].startswith("media/")} == {
        f"media/{p}" for p in photos
    }
    assert manifest["migrations"]["audit"] and manifest["audit_head"]["seq"] == events + 1

    wipe(media)
    assert not Report.objects.exists() and not Hazard.objects.exists()
    assert digests(media) == {}

    out, err = run("restore", str(tmp_path / "backup"))
    assert err == ""
    assert "审计日志校验通过" in out and "恢复完成" in out
    restored = Report.objects.get(pk=report.pk)
    assert services.docx_of(restored) == before
    assert services.docx_of(Report.objects.get(pk=notice.pk)) == notice_docx
    assert digests(media) == photos
    assert verify_chain().ok
    # The record as it was, the backup's and the restore's own events on top.
    assert AuditEvent.objects.count() == events + 2
    assert AuditEvent.objects.order_by("-seq").first().actor_name == "restore"


@pytest.mark.parametrize("damage", ["altered", "missing", "extra", "database"])
def test_a_damaged_backup_is_refused_naming_the_file_and_nothing_changes(media, tmp_path, damage):
    cast, _ = small_record(media)
    backup = tmp_path / "backup"
    run("backup", "--output", str(backup))
    photo = next(p for p in (backup / "media").rglob("*") if p.is_file())
    relative = photo.relative_to(backup).as_posix()
    if damage == "altered":
        data = bytearray(photo.read_bytes())
        data[len(data) // 2] ^= 0x01
        photo.write_bytes(bytes(data))
        expected = f"文件内容与清单的校验和不符：{relative}"
    elif damage == "missing":
        photo.unlink()
        expected = f"缺少文件：{relative}"
    elif damage == "extra":
        (backup / "media" / "planted.jpg").write_bytes(b"x")
        expected = "清单中没有的多余文件：media/planted.jpg"
    else:
        database = next(p for p in backup.iterdir() if p.name.startswith("database."))
        with database.open("ab") as f:
            f.write(b"\0")
        relative = database.name
        expected = f"文件内容与清单的校验和不符：{relative}"
    # Something written after the backup, which a restore would remove.
    later = make_hazard(cast)
    files = digests(media)

    message, err = refusal("restore", str(backup), "--yes")
    assert "备份校验未通过" in message and "未做任何改动" in message
    assert expected in err
    assert Hazard.objects.filter(pk=later.pk).exists()
    assert digests(media) == files
    assert not [p for p in media.parent.iterdir() if ".restoring-" in p.name]


def test_it_refuses_to_overwrite_an_existing_backup(media, tmp_path):
    small_record(media)
    backup = tmp_path / "backup"
    run("backup", "--output", str(backup))
    before = digests(backup)
    message, _ = refusal("backup", "--output", str(backup))
    assert message == f"备份目录已存在且不为空，不会覆盖：{backup}"
    assert digests(backup) == before
    # No half-written backup is left beside it either.
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".backup")] == []


def test_it_restores_over_existing_data_only_when_told_yes(media, tmp_path):
    _, hazard = small_record(media)
    backup = tmp_path / "backup"
    run("backup", "--output", str(backup))
    photos = digests(media)
    Hazard.objects.filter(pk=hazard.pk).update(description="备份之后的修改")
    (media / "later.jpg").write_bytes(b"later")

    message, _ = refusal("restore", str(backup))
    assert "数据库中已有数据" in message and "上传文件目录不为空" in message
    assert "--yes" in message and "未做任何改动" in message
    assert Hazard.objects.get(pk=hazard.pk).description == "备份之后的修改"
    assert (media / "later.jpg").exists()

    out, _ = run("restore", str(backup), "--yes")
    assert Hazard.objects.get(pk=hazard.pk).description == hazard.description
    assert digests(media) == photos
    moved = [p for p in media.parent.iterdir() if ".before-restore-" in p.name]
    assert len(moved) == 1 and (moved[0] / "later.jpg").read_bytes() == b"later"
    assert f"原有的上传文件已移到{moved[0]}" in out
    assert verify_chain().ok


@pytest.mark.parametrize("change", ["engine", "migration"])
def test_it_refuses_another_engine_or_a_newer_schema(media, tmp_path, change):
    small_record(media)
    backup = tmp_path / "backup"
    run("backup", "--output", str(backup))
    path = backup / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if change == "engine":
        other = "postgresql" if manifest["database"]["engine"] == "sqlite" else "sqlite"
        manifest["database"]["engine"] = other
        expected = "不能跨数据库类型恢复"
    else:
        manifest["migrations"]["safety"] = "9999_from_a_newer_release"
        expected = "程序中没有这些迁移：safety.9999_from_a_newer_release"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    wipe(media)

    message, _ = refusal("restore", str(backup))
    assert expected in message and "未做任何改动" in message
    assert not Hazard.objects.exists()


def test_without_pg_dump_on_the_path_the_error_says_what_to_install(monkeypatch):
    from edubureau.core.backup import BackupError, _pg_command

    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(BackupError, match="找不到pg_dump命令：请安装PostgreSQL客户端"):
        _pg_command("pg_dump")
