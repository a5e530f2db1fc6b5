#!/usr/bin/env python3
"""What the database wall (PostgreSQL row-level security, edubureau/orgs/wall.py) costs
the pages people wait on, measured side by side in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:54330/postgres \\
        .venv/bin/python bench/wall.py [--scale city] [--runs 15] [--keep | --reuse]

It builds the demo at ``--scale`` in ``edubureau_wall`` (``--reuse`` times one kept by
``--keep``), connecting as a superuser. Each page is then requested in process through
Django's test client, with every middleware, as a school's safety officer, a county's
leader, a city's leader and the province's, alternating two ways on the same
connection:

- **wall**: ``SET ROLE`` to a role that owns nothing and has no BYPASSRLS, as the
  application runs in production: the policies filter every walled table;
- **bare**: the superuser, whom row-level security does not bind.

Both run the middleware, so the one statement that puts up the wall is in both; it is
also timed alone. Printed: p50 of each, and wall/bare.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import safety_province as sp  # noqa: E402  (database and Django set-up, shared)

DB = "edubureau_wall"
APP_ROLE = sp.APP_ROLE
# The demo's logins: the province, the demo city, the demo county (orgs/demo_plan.py).
VIEWERS = (("province", "sheng.leader"), ("city", "shi.leader"), ("county", "leader"))
# The dashboard counted afresh (?fresh=1): a province's and a city's are otherwise kept
# a minute, and a kept page would time the cache, not the wall.
PAGES = (
    ("安全看板", "safety:dashboard"),
    ("隐患列表", "safety:hazard-list"),
    ("检查列表", "safety:inspection-list"),
)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="city", choices=("county", "city", "province"))
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="time a database kept earlier")
    args = parser.parse_args(argv)
    args.db_name = DB
    args.allow_sqlite = False
    return args


def main(argv: Sequence[str] | None = None) -> int:
    import os

    args = parse_args(argv)
    if args.reuse:
        import dj_database_url

        url = sp._server_url(dj_database_url.parse(os.environ["DATABASE_URL"]), DB)
    else:
        url = sp.prepare_database(args)
    sp.setup_django(url)

    from django.core import signals
    from django.core.management import call_command
    from django.db import close_old_connections, connection
    from django.test import Client
    from django.urls import reverse

    from edubureau.orgs import demo as orgs_demo
    from edubureau.orgs import wall
    from edubureau.orgs.models import Role, School, User
    from edubureau.safety.models import Hazard

    with sp.step("迁移 migrate"):
        call_command("migrate", interactive=False, verbosity=0)
    if not args.reuse:
        with sp.step(f"演示数据 demo --scale {args.scale}"):
            orgs_demo.build_demo(
                scale=args.scale, log=lambda label, s: sp.log(f"  {label:<58} {s:8.1f} s")
            )
    with connection.cursor() as c:
        c.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if not c.fetchone()[0]:
            sys.exit("connect as a superuser: the bare side is the one the wall does not bind")
        sp.grant_app_role(c)
        c.execute("VACUUM ANALYZE")
    sp.log(f"schools {School.objects.count():,}, hazards {Hazard.objects.count():,}")

    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # Static files are the web server's; the pages render without a collectstatic manifest.
    static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    settings.STORAGES = {**settings.STORAGES, "staticfiles": static}
    # One connection for the whole run: SET ROLE holds on it.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)

    officer = (
        User.objects.filter(role=Role.SCHOOL_USER, school__bureau__users__username="leader")
        .order_by("pk")
        .first()
    )
    viewers = [("school", officer.username if officer else ""), *VIEWERS]

    def set_role(walled: bool) -> None:
        with connection.cursor() as c:
            c.execute(f"SET ROLE {APP_ROLE}" if walled else "RESET ROLE")

    sp.log(f"\n{'viewer':<9} {'page':<8} {'bare p50':>9} {'wall p50':>9} {'wall/bare':>9}")
    ratios = []
    for level, username in viewers:
        user = User.objects.filter(username=username).select_related("bureau").first()
        if user is None:
            sp.log(f"{level:<9} no login at this scale")
            continue
        client = Client()
        client.force_login(user)
        for label, name in PAGES:
            path = reverse(name) + ("?fresh=1" if name == "safety:dashboard" else "")
            times: dict[bool, list[float]] = {False: [], True: []}
            for run in range(args.runs + 2):
                for walled in (False, True) if run % 2 else (True, False):
                    set_role(walled)
                    started = time.perf_counter()
                    response = client.get(path, follow=True)
                    elapsed = (time.perf_counter() - started) * 1000
                    if response.status_code != 200:
                        sys.exit(f"{username} {path}: {response.status_code}")
                    if run >= 2:  # two warm-up rounds
                        times[walled].append(elapsed)
            set_role(False)
            bare, walled_p50 = statistics.median(times[False]), statistics.median(times[True])
            ratios.append(walled_p50 / bare)
            sp.log(f"{level:<9} {label:<8} {bare:9.1f} {walled_p50:9.1f} {walled_p50 / bare:9.2f}")
        apply_times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            wall.apply(user)
            apply_times.append((time.perf_counter() - started) * 1000)
        wall.lift()
        sp.log(f"{level:<9} {'设置防线 wall.apply':<8} {statistics.median(apply_times):9.2f} ms")
    sp.log(f"\nwall/bare: median {statistics.median(ratios):.2f}, worst {max(ratios):.2f}")
    if not args.keep and not args.reuse:
        connection.close()
        sp.drop_database(args, url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
