#!/usr/bin/env python3
"""Downloads at city scale: the monthly circular and the inspection export, end to end.

    DATABASE_URL=postgres://postgres@127.0.0.1:54330/postgres \\
        .venv/bin/python bench/downloads_city.py [--runs 3] [--keep | --reuse]

In a fresh database (``edubureau_downloads``, dropped at the end unless ``--keep``) it
builds the demo at city scale exactly as ``edubureau demo --scale city`` does (one
city, its counties, 2,000 schools and their safety data), then times each download's
*build* — what the worker runs, the file's bytes included, the scoping door applied
as the user — as the city's safety staff (``shi.safety``) and the demo county's
(``safety``): the month circular (last month) and the inspection export (this month,
and every month). Goal: each under 5 s at city scale. It also prints the inline
limits (``edubureau.safety.downloads``) and the time of an export of that many rows,
and of the county's circular, which are made in the request: goal under 1 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import safety_province as sp  # noqa: E402  (database and output helpers, shared)

DB = "edubureau_downloads"
GOAL_BACKGROUND_S = 5.0
GOAL_INLINE_S = 1.0


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="city", choices=("county", "city"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="time a database kept earlier")
    parser.add_argument("--allow-sqlite", action="store_true")
    args = parser.parse_args(argv)
    args.db_name = DB
    return args


def timed(run: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """The median wall time (s) of ``runs`` runs, and the last result."""
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    if args.reuse:
        import dj_database_url

        url = sp._server_url(dj_database_url.parse(os.environ["DATABASE_URL"]), args.db_name)
    else:
        url = sp.prepare_database(args)
    sp.setup_django(url)

    from django.core.management import call_command
    from django.db import connection
    from django.http import QueryDict
    from django.utils import timezone

    from edubureau.core import download_kinds as registry
    from edubureau.orgs import demo as orgs_demo
    from edubureau.orgs.models import Bureau, School, User
    from edubureau.orgs.scoping import scope_for
    from edubureau.safety import downloads as sd
    from edubureau.safety.models import Hazard, Inspection

    if not args.reuse:
        with sp.step("迁移 migrate"):
            call_command("migrate", interactive=False, verbosity=0)
        with sp.step(f"演示数据 demo --scale {args.scale}"):
            orgs_demo.build_demo(
                scale=args.scale, log=lambda label, s: sp.log(f"  {label:<58} {s:8.1f} s")
            )
        if connection.vendor == "postgresql":
            with sp.step("VACUUM ANALYZE"), connection.cursor() as c:
                c.execute("VACUUM ANALYZE")
    sp.log(
        f"bureaus {Bureau.objects.count():,}, schools {School.objects.count():,}, "
        f"inspections {Inspection.objects.count():,}, hazards {Hazard.objects.count():,}"
    )
    today = timezone.localdate()
    last_month = (today.replace(day=1) - __import__("datetime").timedelta(days=1)).replace(day=1)
    month_params = sd.month_params(last_month.year, last_month.month)
    this_month = QueryDict(f"period={today:%Y-%m}")
    every_month = QueryDict("period=")
    rows: dict[str, float] = {}
    all_met = True
    for level, username in (("city", "shi.safety"), ("county", "safety")):
        user = User.objects.filter(username=username).select_related("bureau").first()
        if user is None:
            sp.log(f"no login {username} at this scale: skipped")
            continue
        schools = scope_for(user).schools().count()
        sp.log(f"\n{level}: {username} of {user.bureau.name}, {schools:,} schools")
        cases: list[tuple[str, str, QueryDict, int]] = [
            (f"月度通报 {last_month:%Y-%m}", sd.CIRCULAR_MONTH, month_params, schools),
        ]
        for label, params in (("本月", this_month), ("全部月份", every_month)):
            n = sd.inspection_export_queryset(user, params).count()
            cases.append((f"检查导出（{label}）", sd.INSPECTIONS, params, n))
        for label, kind, params, size in cases:
            spec = registry.get(kind)
            seconds, built = timed(
                lambda spec=spec, params=params, user=user: spec.build(
                    user, params, registry.no_progress
                ),
                args.runs,
            )
            inline = size <= registry.inline_limit(kind)
            goal = GOAL_INLINE_S if inline else GOAL_BACKGROUND_S
            met = seconds <= goal
            all_met = all_met and met
            where = "inline" if inline else "background"
            sp.log(
                f"  {label:<24} size {size:>7,}  {seconds:6.2f} s  "
                f"{len(built.content) / 1024:8.0f} KB"
                f"  [{where}, goal ≤ {goal:.0f} s {'met' if met else 'NOT met ✗'}]"
            )
            if kind == sd.INSPECTIONS and size:
                rows[f"{level} {label}"] = size / seconds
    if rows:
        rate = min(rows.values())
        limit = registry.inline_limit(sd.INSPECTIONS)
        estimate = limit / rate
        sp.log(
            f"\ninline limit: exports ≤ {limit:,} rows → ≈ {estimate:.2f} s at the slowest "
            f"measured rate ({rate:,.0f} rows/s); circulars ≤ "
            f"{registry.inline_limit(sd.CIRCULAR_MONTH):,} schools"
        )
        all_met = all_met and estimate <= GOAL_INLINE_S
    verdict = "met" if all_met else "NOT all met (✗)"
    sp.log(f"\ngoals {verdict}; total {time.perf_counter() - started:,.0f} s")
    connection.close()
    if not args.keep and not args.reuse:
        sp.drop_database(args, url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
