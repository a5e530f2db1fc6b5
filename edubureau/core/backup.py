"""Backups of the whole record: the database and the media store (photos, downloads)
in one directory with a checksummed ``manifest.json``; and their restore.

The commands are ``edubureau backup`` and ``edubureau restore`` (in the audit app,
which notes the audit chain's head in the manifest and verifies the chain after a
restore); this module holds everything that needs no app:

- the database dump: SQLite through sqlite3's online backup API (a consistent copy
  while the server writes), PostgreSQL through ``pg_dump -Fc``;
- the media store, copied file by file;
- the manifest: format, time, engine, the latest migration of each app, the code's
  version and commit, and every file's path, size and sha256;
- the checks a restore makes before it changes anything (every checksum, no missing
  or extra file, the same engine, no migration the code does not know, an empty
  target unless the operator says yes), and the restore itself: the database in one
  transaction (SQLite's backup API into the live database, ``pg_restore
  --single-transaction``), the media files staged beside ``MEDIA_ROOT`` and moved in
  only once the database is restored.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = "edubureau-backup/1"
MANIFEST = "manifest.json"
MEDIA_DIR = "media"
SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.dump"
# Tables that a fresh ``edubureau migrate`` fills by itself: a database whose other
# tables are all empty holds nobody's work, and a restore may replace it unasked.
MIGRATE_FILLS = frozenset(
    {
        "django_migrations",
        "django_content_type",
        "auth_permission",
        "sqlite_sequence",
        "audit_auditchain",
    }
)


class BackupError(Exception):
    """A refusal or a failure, in Chinese, for the operator."""


# -- the engine ------------------------------------------------------------------


def engine() -> str:
    """``sqlite`` or ``postgresql``: what a backup of this database holds."""
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"不支持备份{vendor}数据库，只支持SQLite和PostgreSQL")
    return vendor


def _database_file(kind: str) -> str:
    return SQLITE_FILE if kind == "sqlite" else POSTGRES_FILE


def _pg_command(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"找不到{name}命令：请安装PostgreSQL客户端（Debian：apt-get install "
            f"postgresql-client），并使其版本不低于数据库服务器的版本 / {name} not on PATH"
        )
    return found


def _pg_args_env() -> tuple[list[str], dict[str, str]]:
    """Connection arguments and environment for pg_dump / pg_restore, from the
    settings Django connects with (the password through the environment, never
    on the command line)."""
    s = connection.settings_dict
    args: list[str] = []
    if s.get("HOST"):
        args += ["--host", str(s["HOST"])]
    if s.get("PORT"):
        args += ["--port", str(s["PORT"])]
    if s.get("USER"):
        args += ["--username", str(s["USER"])]
    args += ["--dbname", str(s["NAME"])]
    env = dict(os.environ)
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = str(s["PASSWORD"])
    options = s.get("OPTIONS") or {}
    if options.get("sslmode"):
        env["PGSSLMODE"] = str(options["sslmode"])
    return args, env


def _run(command: list[str], env: dict[str, str] | None = None) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise BackupError(
            f"{Path(command[0]).name}失败（退出码{done.returncode}）："
            + "；".join(detail[-5:] or ["无输出"])
        )


def dump_database(target: Path) -> None:
    """A consistent copy of the database at ``target``."""
    if engine() == "sqlite":
        source = sqlite3.connect(str(connection.settings_dict["NAME"]))
        copy = sqlite3.connect(str(target))
        try:
            # The online backup API copies a consistent snapshot while others write.
            source.backup(copy)
            # One self-contained file: no -wal beside it.
            copy.execute("PRAGMA journal_mode=DELETE")
        finally:
            copy.close()
            source.close()
        return
    args, env = _pg_args_env()
    # --enable-row-security: the tables of school records bind even their owner
    # (FORCE ROW LEVEL SECURITY, orgs/wall.py); outside a request the wall is down, so
    # the dump still holds every row. Without it pg_dump refuses those tables.
    _run(
        [
            _pg_command("pg_dump"),
            "--format=custom",
            "--enable-row-security",
            "--file",
            str(target),
            *args,
        ],
        env,
    )


def restore_database(source: Path, kind: str) -> None:
    """Replace the database with the dump at ``source``, all or nothing."""
    if kind == "sqlite":
        connection.close()
        connection.ensure_connection()
        backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            # One step copies every page inside one write transaction on the target:
            # the live database is either entirely the old one or entirely the backup.
            backup.backup(connection.connection)
        except sqlite3.Error as exc:
            raise BackupError(f"SQLite恢复失败，数据库未改变：{exc}") from exc
        finally:
            backup.close()
            connection.close()
        return
    foreign = _tables_missing_from_dump(source)
    if foreign:
        raise BackupError(
            "目标数据库中有备份里没有的表（"
            + "、".join(foreign[:10])
            + "），恢复后会残留：请恢复到新建的空数据库（createdb）"
        )
    args, env = _pg_args_env()
    connection.close()
    # --single-transaction: any error rolls the whole restore back (it implies
    # --exit-on-error). --clean --if-exists drops what the dump recreates, so a
    # freshly migrated database can be the target. The audit rows are loaded by COPY
    # before the dump's trigger is created, so nothing bypasses the trigger.
    # --no-owner --no-privileges: the restoring role (the schema owner) owns what it
    # creates, and a cluster without the application role does not fail the restore;
    # the grants of docs/security.md are run again afterwards.
    _run(
        [
            _pg_command("pg_restore"),
            "--single-transaction",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            *args,
            str(source),
        ],
        env,
    )


def _tables_missing_from_dump(dump: Path) -> list[str]:
    listing = subprocess.run(
        [_pg_command("pg_restore"), "--list", str(dump)],
        capture_output=True,
        text=True,
        check=False,
    )
    if listing.returncode != 0:
        raise BackupError(f"无法读取数据库备份文件：{listing.stderr.strip()}")
    in_dump = set()
    for line in listing.stdout.splitlines():
        # "215; 1259 16390 TABLE public audit_auditevent postgres"
        parts = line.split()
        if len(parts) >= 6 and not line.startswith(";") and parts[3] == "TABLE":
            in_dump.add(parts[5])
    return sorted(set(connection.introspection.table_names()) - in_dump)


# -- the state of the database -----------------------------------------------------


def applied_migrations() -> dict[str, str]:
    """The latest applied migration of each app (by name; Django's are numbered)."""
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        if name > latest.get(app, ""):
            latest[app] = name
    return dict(sorted(latest.items()))


def unknown_migrations(migrations: dict[str, str]) -> list[str]:
    """Migrations of a backup that this code does not have (a newer release's)."""
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    return [f"{app}.{name}" for app, name in sorted(migrations.items()) if (app, name) not in known]


def database_has_data() -> list[str]:
    """Tables holding rows that ``migrate`` did not put there (empty: nothing to lose)."""
    tables = [t for t in connection.introspection.table_names() if t not in MIGRATE_FILLS]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        found = []
        for table in tables:
            cursor.execute(f"SELECT 1 FROM {quote(table)} LIMIT 1")
            if cursor.fetchone():
                found.append(table)
    return found


def code_version() -> dict[str, str]:
    version: dict[str, str] = {}
    with contextlib.suppress(Exception):
        from importlib.metadata import version as dist_version

        version["version"] = dist_version("edubureau")
    project = getattr(settings, "PROJECT_DIR", None)
    if project is not None and (Path(project) / ".git").exists():
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            commit = subprocess.run(
                ["git", "-C", str(project), "rev-parse", "HEAD"],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            ).stdout.strip()
            if commit:
                version["commit"] = commit
    return version


# -- files and the manifest --------------------------------------------------------


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _files_under(root: Path) -> Iterator[Path]:
    for directory, _dirs, files in os.walk(root):
        for name in sorted(files):
            yield Path(directory) / name


def copy_media(source: Path, target: Path) -> None:
    """The media store, file by file (a file removed while we copy is skipped)."""
    target.mkdir(parents=True, exist_ok=True)
    if not source.exists():
        return
    for path in _files_under(source):
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            shutil.copy2(path, destination)


def file_entries(root: Path) -> list[dict[str, Any]]:
    entries = []
    for path in _files_under(root):
        relative = path.relative_to(root).as_posix()
        if relative == MANIFEST:
            continue
        entries.append({"path": relative, "size": path.stat().st_size, "sha256": sha256_of(path)})
    return sorted(entries, key=lambda e: e["path"])


def create_backup(target: Path, *, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Write a backup directory at ``target`` (which must not exist or be empty).
    It is written under a temporary name and renamed at the end, so a directory
    with the final name is always complete."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"备份目录已存在且不为空，不会覆盖：{target}")
    kind = engine()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    try:
        migrations = applied_migrations()
        # The database first, then the media: a photo's file is written before its
        # row, so every row in the dump finds its file (unless it is deleted between).
        dump_database(partial / _database_file(kind))
        copy_media(Path(settings.MEDIA_ROOT), partial / MEDIA_DIR)
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "database": {"engine": kind, "file": _database_file(kind)},
            "migrations": migrations,
            "code": code_version(),
            **(extra or {}),
            "files": file_entries(partial),
        }
        (partial / MANIFEST).write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        if target.exists():
            target.rmdir()
        partial.rename(target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return manifest


@dataclass
class Verified:
    manifest: dict[str, Any]
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_backup(root: Path) -> Verified:
    """Check every file against the manifest: missing, extra, altered."""
    path = root / MANIFEST
    if not root.is_dir():
        raise BackupError(f"备份目录不存在：{root}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BackupError(f"备份目录中没有{MANIFEST}：{root}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError(f"{MANIFEST}已损坏，无法读取：{exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"不是本系统的备份（格式应为{FORMAT}）：{root}")
    result = Verified(manifest)
    listed = {e["path"]: e for e in manifest.get("files", [])}
    present = {p.relative_to(root).as_posix(): p for p in _files_under(root)}
    present.pop(MANIFEST, None)
    for relative in sorted(set(listed) - set(present)):
        result.problems.append(f"缺少文件：{relative}")
    for relative in sorted(set(present) - set(listed)):
        result.problems.append(f"清单中没有的多余文件：{relative}")
    for relative in sorted(set(listed) & set(present)):
        entry, file = listed[relative], present[relative]
        if file.stat().st_size != entry["size"] or sha256_of(file) != entry["sha256"]:
            result.problems.append(f"文件内容与清单的校验和不符：{relative}")
    database = manifest.get("database") or {}
    if database.get("file") not in listed:
        result.problems.append(f"清单中没有数据库文件：{database.get('file')}")
    return result


def check_restorable(manifest: dict[str, Any]) -> None:
    """The same engine, and no migration the code does not have."""
    kind = manifest["database"]["engine"]
    here = engine()
    if kind != here:
        raise BackupError(
            f"备份来自{kind}数据库，当前数据库是{here}：不能跨数据库类型恢复"
            "（请在同类数据库上恢复，再用dumpdata/loaddata等方式迁移）"
        )
    unknown = unknown_migrations(manifest.get("migrations") or {})
    if unknown:
        raise BackupError(
            "备份的数据库结构比当前程序新（程序中没有这些迁移："
            + "、".join(unknown)
            + "）：请先升级程序再恢复"
        )


def media_has_files() -> bool:
    root = Path(settings.MEDIA_ROOT)
    return root.exists() and any(root.iterdir())


def stage_media(root: Path, entries: Iterable[dict[str, Any]]) -> Path:
    """The backup's media files copied (and checked again) into a new directory
    beside ``MEDIA_ROOT``, on the same file system, so that :func:`swap_media` only
    renames. Nothing is left behind if this fails."""
    media = Path(settings.MEDIA_ROOT)
    media.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{media.name}.restoring-", dir=media.parent))
    try:
        prefix = f"{MEDIA_DIR}/"
        for entry in entries:
            if not entry["path"].startswith(prefix):
                continue
            relative = entry["path"][len(prefix) :]
            if ".." in Path(relative).parts or Path(relative).is_absolute():
                raise BackupError(f"清单中的路径不合法：{entry['path']}")
            destination = stage / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / entry["path"], destination)
            if sha256_of(destination) != entry["sha256"]:
                raise BackupError(f"复制后的文件与清单不符：{entry['path']}")
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return stage


def preflight() -> str:
    """The engine, once its dump tool is known to be there."""
    kind = engine()
    if kind == "postgresql":
        _pg_command("pg_dump")
        _pg_command("pg_restore")
    return kind


def swap_media(stage: Path) -> Path | None:
    """Move the staged files into ``MEDIA_ROOT``; what was there before goes to a
    sibling directory, returned (None when ``MEDIA_ROOT`` was empty)."""
    media = Path(settings.MEDIA_ROOT)
    media.mkdir(parents=True, exist_ok=True)
    previous: Path | None = None
    old = list(media.iterdir())
    if old:
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        previous = Path(
            tempfile.mkdtemp(prefix=f"{media.name}.before-restore-{stamp}-", dir=media.parent)
        )
        for entry in old:
            entry.rename(previous / entry.name)
    for entry in list(stage.iterdir()):
        entry.rename(media / entry.name)
    stage.rmdir()
    return previous
