#!/usr/bin/env python3
"""The safety dashboard at province scale, viewed from each level of the tree.

    DATABASE_URL=postgres://postgres@127.0.0.1:54330/postgres \\
        .venv/bin/python bench/safety_viewers.py [--scale province] [--runs 30] [--keep]

In a fresh database (``edubureau_viewers`` on the server of DATABASE_URL, dropped at
the end unless ``--keep``) it builds the demo at ``--scale`` exactly as
``edubureau demo --scale province`` does — one province, 14 cities, 100 counties,
30,000 schools, and each bureau's safety data (a year and more of monthly
self-inspections, campaigns, hazards with their history, ledgers) — then times each
part of the bureau dashboard (``bench/safety_province.py``'s ``dashboard_parts``:
through the Django selector and as the bare SQL it runs, interleaved) as three
viewers: the province department's leader (the whole tree), one city's leader (its
counties and 市直 schools) and one county's leader. It prints p50/p95 and the
selector/bare ratio of every part for every viewer, against the goals (p95 ≤ 200 ms,
ratio ≤ 1.5).

With ``--reuse`` it skips the build and times an existing database kept by ``--keep``
(migrated first, so indexes added since are there).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import safety_province as sp  # noqa: E402  (the timing helpers, shared)

DB = "edubureau_viewers"
# The demo's logins (edubureau/orgs/demo_plan.py): the province, the demo city, the demo county.
VIEWERS = (("province", "sheng.leader"), ("city", "shi.leader"), ("county", "leader"))


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="province", choices=("county", "city", "province"))
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="time a database kept earlier")
    parser.add_argument("--allow-sqlite", action="store_true")
    args = parser.parse_args(argv)
    args.db_name = DB
    return args


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
    from django.utils import timezone

    from edubureau.orgs import demo as orgs_demo
    from edubureau.orgs.models import Bureau, School, User
    from edubureau.safety.models import Hazard, Inspection

    # A kept database is migrated too, so indexes added since it was built are timed.
    with sp.step("迁移 migrate"):
        call_command("migrate", interactive=False, verbosity=0)
    if not args.reuse:
        with sp.step(f"演示数据 demo --scale {args.scale} (organisation and safety data)"):
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
    results: dict[str, list[sp.Timing]] = {}
    for level, username in VIEWERS:
        user = User.objects.filter(username=username).select_related("bureau").first()
        if user is None:
            sp.log(f"  no login {username} at this scale: {level} skipped")
            continue
        sp.log(f"\n{level}: {username} of {user.bureau.name} ({args.runs} runs)")
        timings = []
        for label, run in sp.dashboard_parts(user, today):
            t = sp.time_part(label, run, runs=args.runs, warmup=args.warmup)
            timings.append(t)
            sp.log(
                f"  {label:<42} p50 {t.p50:7.1f}  p95 {t.p95:7.1f} ms | bare p50 "
                f"{t.bare_p50:7.1f} | ×{t.ratio:.2f} ({t.queries} queries)"
            )
        results[level] = timings

    sp.log("\nsummary: p50 / p95 ms (ratio) per viewer")
    levels = list(results)
    sp.log(f"  {'part':<42} " + " ".join(f"{lv:>24}" for lv in levels))
    all_met = True
    for i, first in enumerate(results[levels[0]]):
        cells = []
        for lv in levels:
            t = results[lv][i]
            fast, lean = t.meets
            if not first.label.startswith("整个看板"):
                all_met = all_met and fast and lean
            mark = "" if fast and lean else " ✗"
            cells.append(f"{t.p50:6.1f}/{t.p95:6.1f} (×{t.ratio:.2f}){mark}")
        sp.log(f"  {first.label:<42} " + " ".join(f"{c:>24}" for c in cells))
    sp.log(
        f"  goals (p95 ≤ {sp.GOAL_P95_MS:.0f} ms, ratio ≤ {sp.GOAL_RATIO}) "
        f"{'met by every part for every viewer' if all_met else 'NOT met everywhere (✗)'}"
    )
    sp.log(f"  total {time.perf_counter() - started:,.0f} s")
    connection.close()
    if not args.keep and not args.reuse:
        sp.drop_database(args, url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
