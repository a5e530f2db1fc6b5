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

The parts are timed as production runs them: connected as the application's role
(``safety_province.APP_ROLE``: no SUPERUSER, no BYPASSRLS) with the viewer's wall up
(``orgs/wall.py``), so both the selector and its bare SQL pass the row-level security
policies; ``--no-wall`` times them as the superuser, with the wall down.

With ``--moved N`` (and ``--reuse``) it times a copy of the kept database
(``edubureau_viewers_moved``, made from it once) in which N schools have moved between
counties 90 days ago through ``school_move`` (隶属关系调整, orgs.moves): half of them into
or out of the timed county, the rest between other counties of the same cities, so the
county reads its former schools' history and its figures count by record date, and the
city and the province group moved schools' records by the county of their date.
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
    parser.add_argument("--moved", type=int, default=0, help="schools moved (with --reuse)")
    parser.add_argument(
        "--viewer",
        action="append",
        choices=[level for level, _ in VIEWERS],
        help="time only this viewer (may be given more than once; all three by default)",
    )
    parser.add_argument(
        "--no-wall",
        action="store_true",
        help="time as the superuser, with PostgreSQL's row-level security down",
    )
    args = parser.parse_args(argv)
    args.db_name = DB
    if args.moved and not args.reuse:
        parser.error("--moved times a copy of a kept database: use it with --reuse")
    return args


def move_schools(count: int, county_login: str) -> None:
    """Move ``count`` schools between counties of the same city, 90 days ago (skipped
    when the copy already holds that many moves)."""
    import random
    from datetime import timedelta

    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from edubureau.orgs.models import Bureau, BureauLevel, Role, School, SchoolTransfer, User
    from edubureau.orgs.services.bureaus import school_move

    done = SchoolTransfer.objects.count()
    if done >= count:
        sp.log(f"moved schools: {done} already")
        return
    rng = random.Random(7)
    admin = User.objects.filter(role=Role.ADMINISTRATOR, bureau__parent__isnull=True).first()
    if admin is None:
        sys.exit("no administrator of the top bureau to move schools")
    timed = User.objects.get(username=county_login).bureau
    moved_on = timezone.localdate() - timedelta(days=90)
    counties = list(Bureau.objects.filter(level=BureauLevel.COUNTY).order_by("pk"))
    by_city: dict[int, list[Bureau]] = {}
    for c in counties:
        by_city.setdefault(int(c.parent_id or 0), []).append(c)
    siblings = [b for b in by_city[int(timed.parent_id or 0)] if b.pk != timed.pk]
    for n in range(done, count):
        if n % 2 == 0:  # into or out of the timed county
            source, target = (
                (timed, rng.choice(siblings)) if n % 4 == 0 else (rng.choice(siblings), timed)
            )
        else:
            city = rng.choice([ids for ids in by_city.values() if len(ids) > 1])
            source, target = rng.sample(city, 2)
        school = School.objects.filter(bureau=source, is_active=True).order_by("?").first()
        township = target.townships.order_by("pk").first()
        if school is None or township is None:
            continue
        try:
            school_move(
                actor=admin, school=school, to_bureau=target, township=township, moved_on=moved_on
            )
        except ValidationError:  # a school of the same name there already
            continue
    sp.log(f"moved schools: {SchoolTransfer.objects.count()}")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    if args.reuse:
        import dj_database_url

        url = sp._server_url(dj_database_url.parse(os.environ["DATABASE_URL"]), args.db_name)
        if args.moved:
            url = sp.copy_database(url, args.db_name, f"{args.db_name}_moved")
    else:
        url = sp.prepare_database(args)
    sp.setup_django(url)

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from edubureau.orgs import demo as orgs_demo
    from edubureau.orgs import wall
    from edubureau.orgs.models import Bureau, School, User
    from edubureau.safety.models import Hazard, Inspection

    # A kept database is migrated too, so indexes added since it was built are timed.
    with sp.step("迁移 migrate"):
        call_command("migrate", interactive=False, verbosity=0)
    if args.moved:
        with sp.step(f"学校隶属调整 {args.moved} schools moved"):
            move_schools(args.moved, VIEWERS[-1][1])
            if connection.vendor == "postgresql":
                with connection.cursor() as c:
                    c.execute("VACUUM ANALYZE")
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
    walled = connection.vendor == "postgresql" and not args.no_wall
    if walled:
        sp.use_app_role()
    sp.log(f"row-level security: {'up, as ' + sp.APP_ROLE if walled else 'down'}")
    results: dict[str, list[sp.Timing]] = {}
    for level, username in VIEWERS:
        if args.viewer and level not in args.viewer:
            continue
        user = User.objects.filter(username=username).select_related("bureau").first()
        if user is None:
            sp.log(f"  no login {username} at this scale: {level} skipped")
            continue
        sp.log(f"\n{level}: {username} of {user.bureau.name} ({args.runs} runs)")
        timings = []
        if walled:
            wall.apply(user)  # as WallMiddleware does at a request's first query
        for label, run in sp.dashboard_parts(user, today):
            t = sp.time_part(label, run, runs=args.runs, warmup=args.warmup)
            timings.append(t)
            sp.log(
                f"  {label:<42} p50 {t.p50:7.1f}  p95 {t.p95:7.1f} ms | bare p50 "
                f"{t.bare_p50:7.1f} | ×{t.ratio:.2f} ({t.queries} queries)"
            )
        results[level] = timings
        wall.lift()

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
