#!/usr/bin/env python3
"""A soak: monthly self-inspection submits, a login storm and the bureau dashboard at
once, for minutes, on gunicorn and PostgreSQL with durable commits.

    DATABASE_URL=postgres://postgres@127.0.0.1:54330/postgres \\
        .venv/bin/python bench/soak.py [--seconds 300] [--submit-rate 35] [--login-rate 10]

In a fresh database (``edubureau_soak``, dropped at the end unless ``--keep``) it builds
one county with the default checklist and, through ``safety_submit.build``, enough
schools for ``--seconds`` × ``--submit-rate`` submits (each school's officer signed in,
this month's draft made), plus ``--login-accounts`` accounts with real passwords
(the production hashers: Argon2id) and the county leader's session. Then gunicorn starts as
production runs it (4 sync workers, production settings) and, for ``--seconds``, the
streams of ``edubureau.testing.load`` run at once:

- submit: the whole form of 87 items as the page posts it, 3 failed as hazards, one in
  ``--photo-every`` with a phone-resized JPEG, paced at ``--submit-rate`` per second;
- login: the login page and its form, paced at ``--login-rate`` per second;
- dashboard: the county leader's safety dashboard, ``--dashboard-rate`` per second
  (with ``--province`` the province's, kept a minute per viewer by each worker, as the
  page does; ``--dashboard-fresh`` counts it afresh at every request).

With ``--province`` the soak runs in a copy of the province demo that
``safety_viewers.py --keep`` left (``edubureau_viewers``: 30,000 schools, 385,000
inspections): the soak's county is put under the first city, and the dashboard stream
is the province department leader's (``sheng.leader``: the whole tree).

It prints each stream's requests, status codes, p50/p95 and the counts in the database
that prove nothing was lost or duplicated: submitted inspections = acknowledged submits,
one per school and month, hazards = submits × failed items, the audit chain intact.
Check that PostgreSQL runs with ``fsync=on`` and ``synchronous_commit=on`` (the script
prints both): the figures are for durable commits. The CI runs a 30-second version on
the live test server (``edubureau/testing/tests/test_load_smoke.py``).
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import safety_province as sp  # noqa: E402
import safety_submit as ss  # noqa: E402

from edubureau.core.field_keys import DEMO_SECRET_KEY, derived_field_key  # noqa: E402

DB = "edubureau_soak"
TICK = os.sysconf("SC_CLK_TCK")
PROVINCE_DB = "edubureau_viewers"  # the province demo that safety_viewers.py --keep leaves
PROVINCE_VIEWER = "sheng.leader"
# The key a demo built without FIELD_ENCRYPTION_KEYS (the province demo of
# safety_viewers.py) encrypted its columns with.
DEMO_FIELD_KEY = derived_field_key(DEMO_SECRET_KEY)
PASSWORD = "Soak-load-2026!"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=300, help="how long (300)")
    parser.add_argument("--submit-rate", type=float, default=35, help="submits per second")
    parser.add_argument("--login-rate", type=float, default=10, help="logins per second (10)")
    parser.add_argument("--dashboard-rate", type=float, default=1, help="dashboards per s (1)")
    parser.add_argument(
        "--dashboard-fresh",
        action="store_true",
        help="ask for the dashboard counted afresh every time (?fresh=1): a province's is "
        "otherwise kept a minute per viewer and worker",
    )
    parser.add_argument("--login-accounts", type=int, default=50)
    parser.add_argument("--photo-every", type=int, default=10, help="1 submit in N has a photo")
    parser.add_argument("--failed", type=int, default=3, help="failed items per submit (3)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (4)")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--province",
        action="store_true",
        help="soak in a copy of the province demo kept by safety_viewers.py --keep "
        "(edubureau_viewers): the county under its first city, the dashboard the province's",
    )
    args = parser.parse_args(argv)
    args.db_name = DB
    args.allow_sqlite = False
    return args


def cpu_seconds(server_session: int) -> dict[str, float]:
    """CPU seconds used so far on this machine, by whom: this process (the load's
    clients), the server (every process of its session: gunicorn and its workers),
    PostgreSQL, and the machine in all (busy time, from /proc/stat). Exited processes'
    time is lost, so compare two samples of long-lived processes only."""
    used = {"clients": 0.0, "gunicorn": 0.0, "postgres": 0.0}
    for pid, name, fields in ss.processes():
        seconds = (int(fields[11]) + int(fields[12])) / TICK  # utime + stime
        if pid == os.getpid():
            used["clients"] += seconds
        elif int(fields[3]) == server_session:  # the session id
            used["gunicorn"] += seconds
        elif name.startswith("postgres"):
            used["postgres"] += seconds
    first = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    idle = int(first[3]) + int(first[4])  # idle + iowait
    used["machine"] = (sum(int(v) for v in first[:8]) - idle) / TICK
    return used


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    begun = time.perf_counter()
    if args.province:
        url = sp.copy_database(os.environ["DATABASE_URL"], PROVINCE_DB, DB, replace=True)
    else:
        url = sp.prepare_database(args)
    media, static = Path(f"/tmp/{DB}-media"), Path(f"/tmp/{DB}-static")
    from cryptography.fernet import Fernet

    os.environ |= {
        "SECRET_KEY": secrets.token_urlsafe(50),
        # A fresh key encrypts; the province demo's phone numbers were encrypted with the
        # key settings.py derives for the demo, which stays as the key that decrypts
        # them (as after a key rotation in production).
        "FIELD_ENCRYPTION_KEYS": ",".join(
            [Fernet.generate_key().decode(), *([DEMO_FIELD_KEY] if args.province else [])]
        ),
        "EDUBUREAU_DEMO": "0",
        "MEDIA_ROOT": str(media),
        "STATIC_ROOT": str(static),
    }
    sp.setup_django(url)

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.db import connection
    from django.urls import reverse

    from edubureau.orgs.models import Bureau, BureauLevel, Role, User
    from edubureau.safety.models import Checklist
    from edubureau.safety.services.inspections import applicable_items
    from edubureau.testing import load

    with sp.step("迁移 migrate, collectstatic (production settings serve the manifest)"):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
    with connection.cursor() as c:
        c.execute("SHOW fsync")
        fsync = c.fetchone()[0]
        c.execute("SHOW synchronous_commit")
        sync = c.fetchone()[0]
    schools = int(args.seconds * args.submit_rate) + 20
    city = (
        Bureau.objects.filter(level=BureauLevel.CITY).order_by("path").first()
        if args.province
        else None
    )
    with sp.step(f"{schools} schools, officers' sessions, this month's drafts"):
        officers = ss.build(args, {"soak": schools}, parent=city)["soak"]
    bureau = Bureau.objects.get(name="压测县教育局")
    with sp.step(f"{args.login_accounts} accounts with passwords, the leader's session"):
        accounts = []
        for n in range(args.login_accounts):
            user = User(username=f"soak{n:03d}", bureau=bureau, role=Role.BUREAU_LEADER)
            user.set_password(PASSWORD)
            accounts.append(user)
        User.objects.bulk_create(accounts)
        leader = (
            # The province department's leader: the dashboard of the whole tree.
            User.objects.get(username=PROVINCE_VIEWER)
            if args.province
            else User.objects.create(username="soak_leader", bureau=bureau, role=Role.BUREAU_LEADER)
        )
        session = SessionStore()
        session[SESSION_KEY] = str(leader.pk)
        session[BACKEND_SESSION_KEY] = "edubureau.orgs.backends.AccountBackend"
        session[HASH_SESSION_KEY] = leader.get_session_auth_hash()
        session["started_at"] = session["last_seen"] = time.time()
        session.create()
        leader_cookie = f"{settings.SESSION_COOKIE_NAME}={session.session_key}"
        with connection.cursor() as c:
            c.execute("VACUUM ANALYZE")
            sp.grant_app_role(c)
    items = applicable_items(Checklist.objects.get(bureau=bureau), "primary")
    photo = ss.phone_photo()
    forms = [
        ss.form_body(o, items, args.failed, photo if n % args.photo_every == 0 else None)
        for n, o in enumerate(officers)
    ]
    queue = list(zip(officers, forms, strict=True))
    queue.reverse()
    lock = threading.Lock()
    acknowledged: list[int] = []

    def submit() -> int:
        with lock:
            if not queue:
                raise load.Done
            officer, (body, content_type) = queue.pop()
        target = reverse("safety:inspection-edit", kwargs={"inspection_id": officer.inspection_id})
        answer = load.request(
            args.port,
            "POST",
            target,
            body=body,
            headers={"Content-Type": content_type, "Cookie": officer.cookie},
        )
        if answer.status == 302:
            with lock:
                acknowledged.append(officer.school_id)
        return answer.status

    turn = iter(range(10**9))

    def sign_in() -> int:
        with lock:
            n = next(turn) % args.login_accounts
        return load.login(args.port, reverse("login"), f"soak{n:03d}", PASSWORD)

    board = reverse("safety:dashboard") + ("?fresh=1" if args.dashboard_fresh else "")

    def dashboard() -> int:
        return load.request(args.port, "GET", board, headers={"Cookie": leader_cookie}).status

    env = dict(os.environ)
    # The server connects as production's application role: the wall is up.
    env["DATABASE_URL"] = sp.app_role_url(os.environ["DATABASE_URL"])
    env.pop("EDUBUREAU_DEMO", None)
    env["PYTHONPATH"] = str(ROOT)
    server = ss.start_server(args, env)
    sp.log(
        f"  PostgreSQL fsync={fsync}, synchronous_commit={sync}; gunicorn {args.workers} "
        f"workers; {args.seconds:.0f} s"
    )
    try:
        streams = [
            load.Stream("submit", submit, threads=8, rate=args.submit_rate),
            load.Stream("login", sign_in, threads=8, rate=args.login_rate),
            load.Stream("dashboard", dashboard, threads=1, rate=args.dashboard_rate),
        ]
        started = time.perf_counter()
        cpu_before = cpu_seconds(server.pid)
        tallies = load.run(streams, seconds=args.seconds)
        cpu_after = cpu_seconds(server.pid)
        wall = time.perf_counter() - started
    finally:
        ss.stop_server(server)

    sp.log("")
    sp.log(f"  {'stream':<10} {'requests':>8} {'per s':>7} {'p50 ms':>8} {'p95 ms':>8}  statuses")
    for name, t in tallies.items():
        sp.log(
            f"  {name:<10} {t.count:8d} {t.count / wall:7.1f} {t.percentile(0.5) * 1000:8.0f} "
            f"{t.percentile(0.95) * 1000:8.0f}  {dict(sorted(t.statuses.items()))}"
            + (f"  connection errors {len(t.errors)}" if t.errors else "")
        )
    errors = sum(t.server_errors + len(t.errors) for t in tallies.values())
    sp.log(f"  server errors and failed connections: {errors}")
    sp.log(
        f"  CPU used, in cores ({os.cpu_count()} on this machine): "
        + ", ".join(
            f"{k} {(cpu_after[k] - cpu_before[k]) / wall:.2f}"
            for k in ("gunicorn", "postgres", "clients", "machine")
        )
    )
    sp.log("")
    sp.log("In the database afterwards:")
    from edubureau.safety.models import Inspection, InspectionStatus

    done = [o for o in officers if o.school_id in set(acknowledged)]
    stored = Inspection.objects.filter(
        school_id__in=[o.school_id for o in officers], status=InspectionStatus.SUBMITTED
    ).count()
    sp.log(f"  {'acknowledged submits':<24} {len(acknowledged)}")
    sp.log(f"  {'submitted, every school':<24} {stored} (must equal the acknowledged)")
    errors += stored != len(acknowledged)
    for key, value in ss.database_counts(done, args.failed).items():
        sp.log(f"  {key:<24} {value}")
    connection.close()
    if not args.keep:
        sp.drop_database(args, url)
    shutil.rmtree(media, ignore_errors=True)
    shutil.rmtree(static, ignore_errors=True)
    sp.log(f"\n{time.perf_counter() - begun:.0f} s in all")
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
