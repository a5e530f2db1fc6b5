#!/usr/bin/env python3
"""The list pages a person waits on, at province scale, as the province and a county.

    DATABASE_URL=postgres://postgres@127.0.0.1:54330/postgres \\
        .venv/bin/python bench/pages_province.py [--runs 10] [--keep | --reuse]

Builds the demo at ``--scale`` (default province: 115 bureaus, 30,000 schools, 1,500
townships, a year and more of inspections) in a fresh database ``edubureau_viewers``
exactly as ``bench/safety_viewers.py`` does (``--reuse`` takes one kept by either
script with ``--keep``; it is migrated first, so new indexes are added), then requests
each page through Django's test Client (the whole stack: middleware, session, view,
template) as the province's safety department (``sheng.safety``) and the demo county's
(``safety``): the hazard list, the inspection list, the 未报送 list, two ledger lists
(drills; responsibility letters, the largest), the statistics returns, the safety
dashboard and the workbench home, each on what a bare visit opens (the list's default
filter), plus, for the province, the lists narrowed to one county through the place
chooser, the inspection list over every month and the 未报送 list's last page. Each
page is requested ``--warmup`` times, then ``--runs`` times; a last request runs under
tracemalloc for the peak memory Python allocated for it.

Prints per page and viewer p50 / p95 (ms), the response's size and that peak,
against the goals of issue 12 item 6: p95 < 1 s, < 300 KB, < 200 MB.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import tracemalloc
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import safety_province as sp  # noqa: E402  (database and timing helpers, shared)

DB = "edubureau_viewers"  # the same database as safety_viewers.py: one build serves both
VIEWERS = (("province", "sheng.safety"), ("county", "safety"))
GOAL_P95_MS = 1000.0
GOAL_BYTES = 300 * 1024
GOAL_PEAK = 200 * 1024 * 1024


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="province", choices=("county", "city", "province"))
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="use a database kept earlier")
    parser.add_argument("--allow-sqlite", action="store_true")
    args = parser.parse_args(argv)
    args.db_name = DB
    return args


def pages(user: object) -> list[tuple[str, str]]:
    """(label, address) of each page, as a bare visit lands on it (after the list's
    redirect to its default filter)."""
    from django.urls import reverse
    from django.utils import timezone

    month = f"{timezone.localdate():%Y-%m}"
    out = [
        ("工作台 home", reverse("home")),
        ("隐患列表 hazards", reverse("safety:hazard-list") + "?status=unresolved"),
        ("检查列表 inspections", reverse("safety:inspection-list") + f"?period={month}"),
        ("未报送 missing", reverse("safety:self-inspection-missing")),
        ("台账 drills", reverse("safety:drill-list")),
        ("台账 letters", reverse("safety:letter-list")),
        ("统计报表 returns", reverse("stats:return-list")),
        # Counted afresh, then as a second visit within the minute finds it (kept).
        ("安全看板 dashboard", reverse("safety:dashboard") + "?fresh=1"),
        ("安全看板 dashboard, kept", reverse("safety:dashboard")),
    ]
    return out


def narrowed_pages(user: object) -> list[tuple[str, str]]:
    """The same lists narrowed to one county through the place chooser (what a
    province user does next), and the inspection list sorted the other way."""
    from django.urls import reverse
    from django.utils import timezone

    from edubureau.orgs.models import Bureau, BureauLevel

    county = (
        Bureau.objects.filter(level=BureauLevel.COUNTY, path__startswith=user.bureau.path)  # type: ignore[attr-defined]
        .order_by("path")
        .first()
    )
    if county is None or county.pk == user.bureau_id:  # type: ignore[attr-defined]
        return []
    month = f"{timezone.localdate():%Y-%m}"
    b = f"bureau={county.pk}"
    return [
        ("隐患列表 one county", reverse("safety:hazard-list") + f"?status=unresolved&{b}"),
        ("检查列表 one county", reverse("safety:inspection-list") + f"?period={month}&{b}"),
        ("检查列表 all months", reverse("safety:inspection-list") + "?period="),
        ("未报送 one county", reverse("safety:self-inspection-missing") + f"?{b}"),
        ("未报送 last page", reverse("safety:self-inspection-missing") + "?page=9999"),
    ]


def measure(client: object, url: str, *, runs: int, warmup: int) -> dict[str, float]:
    for _ in range(warmup):
        response = client.get(url)  # type: ignore[attr-defined]
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)  # type: ignore[attr-defined]
        times.append((time.perf_counter() - started) * 1000)
    size = len(response.content)
    tracemalloc.start()
    tracemalloc.reset_peak()
    client.get(url)  # type: ignore[attr-defined]
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "p50": sp.percentile(times, 0.5),
        "p95": sp.percentile(times, 0.95),
        "size": size,
        "peak": peak,
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    if args.reuse:
        import dj_database_url

        url = sp._server_url(dj_database_url.parse(os.environ["DATABASE_URL"]), args.db_name)
    else:
        url = sp.prepare_database(args)
    sp.setup_django(url)

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from edubureau.orgs import demo as orgs_demo
    from edubureau.orgs.models import School, User
    from edubureau.safety.models import Hazard, Inspection

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # Static files are served by the web server; no collectstatic manifest is needed
    # to render the pages here (the addresses are the same but for the hash).
    static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    settings.STORAGES = {**settings.STORAGES, "staticfiles": static}
    with sp.step("迁移 migrate (new indexes included)"):
        call_command("migrate", interactive=False, verbosity=0)
    if not args.reuse:
        with sp.step(f"演示数据 demo --scale {args.scale}"):
            orgs_demo.build_demo(
                scale=args.scale, log=lambda label, s: sp.log(f"  {label:<58} {s:8.1f} s")
            )
    if connection.vendor == "postgresql":
        with sp.step("VACUUM ANALYZE"), connection.cursor() as c:
            c.execute("VACUUM ANALYZE")
    sp.log(
        f"schools {School.objects.count():,}, inspections {Inspection.objects.count():,}, "
        f"hazards {Hazard.objects.count():,}; load average {os.getloadavg()[0]:.1f}"
    )
    if connection.vendor == "postgresql":
        # Requested as production serves them: connected as the application's role, so
        # each request's wall (WallMiddleware) binds its queries.
        sp.use_app_role()
        sp.log(f"row-level security: up, as {sp.APP_ROLE}")
    results: list[tuple[str, str, dict[str, float]]] = []
    for level, username in VIEWERS:
        user = User.objects.filter(username=username).select_related("bureau").first()
        if user is None:
            sp.log(f"  no login {username} at this scale: {level} skipped")
            continue
        client = Client()
        client.force_login(user)
        sp.log(f"\n{level}: {username} of {user.bureau.name} ({args.runs} runs)")
        for label, address in pages(user) + narrowed_pages(user):
            m = measure(client, address, runs=args.runs, warmup=args.warmup)
            results.append((level, label, m))
            sp.log(
                f"  {label:<22} p50 {m['p50']:7.1f}  p95 {m['p95']:7.1f} ms  "
                f"{m['size'] / 1024:7.1f} KB  peak {sp.mb(int(m['peak']))}  {address}"
            )

    sp.log("\nsummary: p50 / p95 ms, size, peak Python memory per request")
    met = True
    for level, label, m in results:
        misses = []
        if m["p95"] >= GOAL_P95_MS:
            misses.append("p95")
        if m["size"] >= GOAL_BYTES:
            misses.append("size")
        if m["peak"] >= GOAL_PEAK:
            misses.append("memory")
        met = met and not misses
        mark = f"  ✗ {', '.join(misses)}" if misses else ""
        sp.log(
            f"  {level:<9} {label:<22} {m['p50']:7.1f} / {m['p95']:7.1f} ms "
            f"{m['size'] / 1024:7.1f} KB {sp.mb(int(m['peak'])):>10}{mark}"
        )
    sp.log(
        f"  goals (p95 < {GOAL_P95_MS:.0f} ms, < {GOAL_BYTES // 1024} KB, "
        f"< {GOAL_PEAK // 1024 // 1024} MB) "
        f"{'met by every page for every viewer' if met else 'NOT met everywhere (✗)'}"
    )
    # The whole process's high-water mark: an upper bound of any one request's memory.
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    sp.log(f"  process peak RSS (every request, Django and the data loaded) {sp.mb(rss)}")
    sp.log(f"  total {time.perf_counter() - started:,.0f} s")
    connection.close()
    if not args.keep and not args.reuse:
        sp.drop_database(args, url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
