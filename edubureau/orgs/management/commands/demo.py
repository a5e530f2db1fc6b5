"""``edubureau demo``: build the demo organisation and serve it.

Migrates the database, builds the demo county (or city, or province with
``--scale``) unless a demo is already there, collects the static files, prints
the URL and one login per role, and serves on 127.0.0.1:8000 unless
``--no-serve``. The demo is dated from today, or from ``--date YYYY-MM-DD`` (to
reproduce a demo exactly). See :mod:`edubureau.orgs.demo` for what is built and
how later modules add their own demo data.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, connections
from django.db.models import Count
from django.utils import timezone

from edubureau.orgs.demo import (
    DemoConflict,
    DemoLogin,
    build_demo,
    existing_logins,
    find_demo_bureau,
    login_role,
    login_scope,
    login_unit,
)
from edubureau.orgs.demo_plan import SCALES, scale_of
from edubureau.orgs.models import DIRECT_LABELS, Bureau, BureauLevel, School, Township


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def sqlite_file() -> Path | None:
    """The SQLite database file, or None for PostgreSQL or an in-memory database."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.sqlite3":
        return None
    name = str(db["NAME"])
    if name == ":memory:" or "mode=memory" in name or name.startswith("file:"):
        return None
    return Path(name)


def iso_date(value: str) -> date:
    """``--date``: a YYYY-MM-DD date (argparse reports a ValueError as an invalid value)."""
    return date.fromisoformat(value)


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


class Command(BaseCommand):
    help = "生成演示数据（示例县教育局）并启动演示服务 / build the demo organisation and serve it"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-serve", action="store_true", help="只生成数据，不启动服务 / build only"
        )
        parser.add_argument(
            "--scale",
            choices=sorted(SCALES),
            default="county",
            help=(
                "规模：county 一个县150所 / city 一个市（8个县区）2,000所 / "
                "province 一个省（14个市、100个县区）30,000所学校（须PostgreSQL）"
            ),
        )
        parser.add_argument(
            "--reset", action="store_true", help="删除现有数据后重建 / delete and rebuild"
        )
        parser.add_argument(
            "--yes",
            action="store_true",
            help="确认在 PostgreSQL 上执行 --reset（会清空整个数据库）",
        )
        parser.add_argument(
            "--date",
            type=iso_date,
            default=None,
            metavar="YYYY-MM-DD",
            help="演示数据的基准日期（默认今天）/ the demo's reference date (default: today)",
        )
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--no-jobs",
            action="store_true",
            help="不在服务旁运行后台任务（worker、scheduler）/ serve without the background jobs",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        verbosity = int(options["verbosity"])
        scale = options["scale"]
        if options["reset"]:
            self.reset_database(confirmed=options["yes"])

        with self.step("迁移数据库 migrate"):
            call_command("migrate", interactive=False, verbosity=max(0, verbosity - 1))
        if options["reset"] and sqlite_file() is None:
            with self.step("清空数据库 flush"):
                call_command("flush", interactive=False, verbosity=max(0, verbosity - 1))

        bureau = find_demo_bureau()
        if bureau is not None:
            kept = scale_of(bureau)
            self.stdout.write(
                f"已有演示数据：{bureau.name}，保留现有数据 / keeping the existing demo. "
                "如需重建请加 --reset。"
            )
            if kept is not None and kept.name != scale:
                self.stdout.write(
                    self.style.WARNING(
                        f"注意：现有演示为{kept.label}规模，要生成 --scale {scale} 请加 --reset。"
                    )
                )
            if options["date"] is not None:
                self.stdout.write(
                    self.style.WARNING(
                        "注意：--date 只在生成演示数据时生效，要按新日期重建请加 --reset。"
                    )
                )
            logins = existing_logins(bureau)
        else:
            self.refuse_foreign_data(confirmed=options["yes"])
            if scale == "province" and not is_postgresql():
                raise CommandError(
                    "省级演示（3万所学校及一年的安全数据）须使用 PostgreSQL："
                    "请设置 DATABASE_URL=postgres://… 后重试。SQLite 可生成 county 或 city 规模。"
                    " / The province demo needs PostgreSQL (set DATABASE_URL)."
                )
            reference_date = options["date"] or timezone.localdate()
            self.stdout.write(
                f"生成演示数据（{SCALES[scale].bureau_name}，{reference_date:%Y-%m-%d}）"
                " / building the demo …"
            )
            try:
                ctx = build_demo(scale=scale, log=self.log, reference_date=reference_date)
            except DemoConflict as exc:
                raise CommandError(str(exc)) from exc
            bureau, logins = ctx.bureau, ctx.logins

        with self.step("收集静态文件 collectstatic"):
            call_command("collectstatic", interactive=False, verbosity=0)
        total = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(f"完成，共用时 {total:.1f} 秒 / done in {total:.1f} s")
        )

        host, port = options["host"], options["port"]
        url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"
        self.print_banner(bureau=bureau, logins=logins, url=url, serving=not options["no_serve"])
        if not options["no_serve"]:
            self.serve(host=host, port=port, jobs=not options["no_jobs"])

    # -- steps

    def step(self, label: str) -> _Step:
        return _Step(self, label)

    def log(self, label: str, elapsed: float) -> None:
        self.stdout.write(f"  {pad(label, 52)} {elapsed:7.2f} s")

    def reset_database(self, *, confirmed: bool) -> None:
        if is_postgresql() and not confirmed:
            raise CommandError(
                "DATABASE_URL 指向 PostgreSQL：--reset 会清空整个数据库的全部数据。"
                "确认无误请同时加 --yes。/ Refusing to wipe a PostgreSQL database without --yes."
            )
        path = sqlite_file()
        if path is None:
            return  # flushed after migrating
        connections.close_all()
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        self.stdout.write(f"已删除 deleted {path}")

    def refuse_foreign_data(self, *, confirmed: bool) -> None:
        others = list(Bureau.objects.values_list("name", flat=True)[:3])
        if others and not confirmed:
            raise CommandError(
                f"数据库中已有其他教育局的数据（{'、'.join(others)}），演示数据应生成在单独的数据库中"
                "（例如设置 EDUBUREAU_VAR_DIR）。确需加入请加 --yes。"
            )

    # -- output

    def print_banner(
        self, *, bureau: Bureau, logins: list[DemoLogin], url: str, serving: bool
    ) -> None:
        root = Bureau.objects.get(pk=bureau.ancestor_ids[0]) if bureau.ancestor_ids else bureau
        tree = root.subtree()
        levels = dict(tree.values_list("level").annotate(n=Count("id")).order_by())
        schools = School.objects.filter(bureau__in=tree)
        direct = dict(
            schools.filter(township__isnull=True)
            .values_list("bureau__level")
            .annotate(n=Count("id"))
            .order_by()
        )
        townships = Township.objects.filter(bureau__in=tree).count()
        departments = bureau.departments.count()
        rule = "=" * 110
        w = self.stdout.write
        w(rule)
        w(f"  {bureau.name} 演示环境 / edubureau demo")
        w(
            "  教育局："
            + " · ".join(
                f"{BureauLevel(level).label} {levels.get(level, 0)}"
                for level in (BureauLevel.PROVINCE, BureauLevel.CITY, BureauLevel.COUNTY)
            )
            + f"（{root.name}下）"
        )
        direct_text = "、".join(
            f"{DIRECT_LABELS[BureauLevel(level)]} {n:,}" for level, n in sorted(direct.items())
        )
        w(
            f"  学校 {schools.count():,} 所{f'（其中{direct_text}）' if direct_text else ''}"
            f" · 乡镇（街道） {townships:,} 个 · 本局股室 {departments} 个"
        )
        if serving:
            w(f"  网址 URL：{url}")
        else:
            w(
                f"  网址 URL：{url}"
                "（运行 `edubureau demo` 启动服务 / run `edubureau demo` to serve）"
            )
        w("  演示账号 demo logins（首次登录无需改密码 / no password change required）：")
        w("")
        header = (
            "单位 unit",
            "角色 role",
            "用户名 username",
            "密码 password",
            "可见范围 what they see",
        )
        rows = [
            (
                login_unit(login.user),
                login_role(login.user),
                login.user.username,
                login.password,
                login_scope(login.user),
            )
            for login in logins
        ]
        widths = [max(display_width(r[i]) for r in [header, *rows]) + 2 for i in range(4)]
        for row in [header, *rows]:
            w("  " + "".join(pad(cell, widths[i]) for i, cell in enumerate(row[:4])) + row[4])
        w(rule)

    def start_jobs(self) -> list[subprocess.Popen[bytes]]:
        """The worker and the scheduler beside the demo server, as in production (see
        edubureau/jobs/README.md): group-robot deliveries and the daily jobs (逾期督办,
        催报, 整改期限将至, 证照到期) run, so a newcomer sees notifications arrive. Their
        output goes to ``jobs.log`` in the var directory; they stop with the server."""
        if "immediate" in settings.TASKS["default"]["BACKEND"].lower():
            return []  # tasks already run as they are enqueued
        log = (Path(settings.VAR_DIR) / "jobs.log").open("ab")
        command = [sys.executable, "-m", "edubureau.cli"]
        procs = [
            subprocess.Popen([*command, *args], stdout=log, stderr=subprocess.STDOUT)
            for args in (["worker", "--interval", "1"], ["scheduler", "--interval", "30"])
        ]
        log.close()  # the children hold their own handles
        self.stdout.write(
            f"后台任务已启动（worker、scheduler），日志：{Path(settings.VAR_DIR) / 'jobs.log'}"
            " / background jobs running."
        )
        return procs

    def serve(self, *, host: str, port: int, jobs: bool = True) -> None:
        if host not in settings.ALLOWED_HOSTS and host not in ("0.0.0.0", "::"):
            self.stdout.write(
                self.style.WARNING(
                    f"注意：{host} 不在 ALLOWED_HOSTS 中，请同时设置 ALLOWED_HOSTS。"
                )
            )
        self.stdout.write("按 Ctrl+C 停止服务 / press Ctrl+C to stop.")
        addrport = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        procs = self.start_jobs() if jobs else []
        # Stopped by a service manager or `kill` (SIGTERM), not only by Ctrl+C: without
        # this, Python would exit at once and leave the worker and the scheduler running.
        previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
        try:
            call_command("runserver", addrport, use_reloader=False, skip_checks=True)
        finally:
            signal.signal(signal.SIGTERM, previous)
            for proc in procs:
                proc.terminate()
            for proc in procs:
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()


def _exit_on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


class _Step:
    """Times one step of the command and prints it."""

    def __init__(self, command: Command, label: str) -> None:
        self.command, self.label = command, label

    def __enter__(self) -> None:
        self.started = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.command.log(self.label, time.perf_counter() - self.started)
