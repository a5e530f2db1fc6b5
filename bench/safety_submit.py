#!/usr/bin/env python3
"""A monthly self-inspection submit over HTTP, against a bare view doing the same
inserts, serially and under a month-start burst.

    DATABASE_URL=postgres://postgres@127.0.0.1:54330/postgres \\
        .venv/bin/python bench/safety_submit.py [--load-schools 400] [--concurrency 8]

In a fresh database (``edubureau_submit`` on the server of DATABASE_URL, dropped at
the end unless ``--keep``) it builds one county with the default checklist (87 items
for a primary school) and as many schools as the runs need, each with its safety
officer (a session made beforehand, as after a login) and its principal (who is told
of the hazards), and this month's self-inspection of each as a draft (the row the
form's first autosave creates). Then it starts gunicorn as production runs it
(``edubureau.wsgi``, ``--workers`` sync workers on loopback; settings
``bench/safety_submit_settings.py``, which add the bare view of
``bench/safety_submit_urls.py``) as the application's database role (no SUPERUSER,
no BYPASSRLS: the row-level security wall is up, as in production) and, with plain
``http.client`` requests carrying the whole form as the page posts it on 提交 (every
item's five fields, ``--failed`` of them failed as 一般 hazards; urlencoded without a
photo, multipart with one, never with empty file parts):

1. serially, one request at a time, alternating: the real submit
   (``/safety/inspections/<id>/edit/``) and the bare view, each school once — without
   a photo, with one phone-sized JPEG in the form, and without a photo but multipart
   (as the page sent it before 2026-12-03) — and prints p50 latency, the
   worker's CPU time and queries per request (from the bench middleware's headers)
   and the ratio of the speeds (bare p50 ÷ real p50; goal ≥ 0.8 without a photo);
2. under load: ``--load-schools`` schools each submitting once through
   ``--concurrency`` client threads, the real path then the bare view: submissions/s,
   p50/p95 latency (goal: ≥ 35/s with p95 ≤ 500 ms at concurrency 8);
3. the counts in the database afterwards: inspections submitted = schools, one per
   school and month, hazards, "report" steps and audit events = schools × failed,
   the audit chain intact.

Run it on the machine the figures are for, when it is otherwise quiet (the server,
PostgreSQL and the client threads share its cores). About 2–3 minutes.
"""

from __future__ import annotations

import argparse
import http.client
import io
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Collection, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import safety_province as sp  # noqa: E402  (database and output helpers, shared)

DB = "edubureau_submit"
BOUNDARY = "----BenchFormBoundary7MA4YWxkTrZu0gW"
GOAL_RATIO = 0.8
GOAL_RATE = 35.0
GOAL_P95_MS = 500.0


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--serial", type=int, default=40, help="serial submits per path (40)")
    parser.add_argument("--load-schools", type=int, default=400, help="schools in the burst")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads (8)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (4, as docs)")
    parser.add_argument("--failed", type=int, default=3, help="failed items per submit (3)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)
    args.db_name = DB
    args.allow_sqlite = False
    return args


# ------------------------------------------------------------------------ the data


@dataclass
class Officer:
    school_id: int
    inspection_id: int
    cookie: str
    csrf: str


def build(
    args: argparse.Namespace,
    counts: dict[str, int],
    without_draft: Collection[str] = (),
    parent: Any = None,
) -> dict[str, list[Officer]]:
    """The county, its schools with their officers' sessions and this month's drafts,
    in groups: ``counts`` says how many schools each group gets. The groups named in
    ``without_draft`` get no draft (``inspection_id`` 0: their first post creates it).
    ``parent``: a city to put the county under (else it is a bureau of its own)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from edubureau.orgs.models import (
        Bureau,
        BureauLevel,
        Department,
        Locality,
        Ownership,
        Role,
        School,
        SchoolKind,
        SchoolPosition,
        Township,
        User,
    )
    from edubureau.safety.services.checklists import checklist_install_default
    from edubureau.safety.services.inspections import inspection_start_self, month_start

    bureau = Bureau.objects.create(
        name="压测县教育局",
        short_name="压测县",
        issuer_code="压教发",
        parent=parent,
        level=BureauLevel.COUNTY,
    )
    Department.objects.create(bureau=bureau, name="安全股", code="safety")
    township = Township.objects.create(bureau=bureau, name="压测镇")
    checklist_install_default(bureau=bureau)
    total = sum(counts.values())
    schools = School.objects.bulk_create(
        School(
            bureau=bureau,
            township=township,
            identifier=f"{5100000000 + n:010d}",
            name=f"压测第{n}小学",
            kind=SchoolKind.PRIMARY,
            ownership=Ownership.PUBLIC,
            locality=Locality.TOWN,
        )
        for n in range(total)
    )
    users = []
    for school in schools:
        for position in (SchoolPosition.SAFETY_OFFICER, SchoolPosition.PRINCIPAL):
            user = User(
                username=f"{school.identifier}{position[:3]}",
                full_name=f"{school.name}{position}",
                bureau=bureau,
                role=Role.SCHOOL_USER,
                school=school,
                school_position=position,
            )
            user.set_unusable_password()
            users.append(user)
    User.objects.bulk_create(users)
    officers = User.objects.filter(
        school__in=schools, school_position=SchoolPosition.SAFETY_OFFICER
    ).order_by("school_id")
    period = month_start(timezone.localdate())
    backend = "edubureau.orgs.backends.AccountBackend"
    draftless, start = set(), 0
    for name, n in counts.items():
        if name in without_draft:
            draftless.update(s.pk for s in schools[start : start + n])
        start += n
    made: list[Officer] = []
    for user in officers.select_related("school"):
        assert user.school is not None
        inspection_id = 0
        if user.school_id not in draftless:
            draft = inspection_start_self(actor=user, school=user.school, period=period)
            inspection_id = draft.pk
        # A session as the login leaves it (orgs' idle timeout keys included).
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = backend
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session["started_at"] = session["last_seen"] = time.time()
        session.create()
        csrf = secrets.token_hex(16)  # a 32-character secret, as the CSRF cookie holds
        cookie = f"{settings.SESSION_COOKIE_NAME}={session.session_key}; csrftoken={csrf}"
        made.append(Officer(user.school_id or 0, inspection_id, cookie, csrf))
    groups: dict[str, list[Officer]] = {}
    start = 0
    for name, n in counts.items():
        groups[name] = made[start : start + n]
        start += n
    return groups


def phone_photo() -> bytes:
    """A JPEG as photos.js sends it: resized on the phone to 1600 px, ~0.3 MB."""
    from PIL import Image, ImageFilter

    noise = Image.effect_noise((1600, 1200), 40).filter(ImageFilter.GaussianBlur(1.2))
    image = Image.merge("RGB", (noise, noise.rotate(90, expand=False), noise.transpose(0)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82)
    return out.getvalue()


MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
URLENCODED = "application/x-www-form-urlencoded"


def form_body(
    officer: Officer,
    items: Sequence[Any],
    failed: int,
    photo: bytes | None = None,
    content_type: str | None = None,
    client_id: str = "00000000-0000-0000-0000-000000000000",
) -> tuple[bytes, str]:
    """The whole form as the page posts it on 提交: urlencoded when it holds no photo,
    multipart with one (``static/js/inspection.js``), never with empty file parts;
    ``content_type`` forces one. The page sends its inspection's ``client_id`` (a new
    form: one it made, kept on retries)."""
    if content_type is None:
        content_type = MULTIPART if photo is not None else URLENCODED
    fields = [
        ("csrfmiddlewaretoken", officer.csrf),
        ("client_id", client_id),
        ("inspected_on", time.strftime("%Y-%m-%d")),
        ("leader", "张校长"),
        ("participants", "王老师、李老师"),
        ("summary", "本月自查已完成。"),
    ]
    for n, item in enumerate(items):
        bad = n < failed
        fields += [
            (f"r_{item.pk}", "hazard" if bad else "pass"),
            (f"d_{item.pk}", f"第{n + 1}处隐患：灭火器压力不足" if bad else ""),
            (f"l_{item.pk}", "教学楼二楼东侧" if bad else ""),
            (f"s_{item.pk}", "minor"),
            (f"n_{item.pk}", ""),
        ]
    fields.append(("action", "submit"))
    if content_type == URLENCODED:
        assert photo is None
        return urllib.parse.urlencode(fields).encode(), content_type
    out = io.BytesIO()
    for name, value in fields:
        out.write(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode()
        )
    if photo is not None:
        out.write(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="photo_{items[0].pk}"; '
            f'filename="IMG_0001.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
        )
        out.write(photo + b"\r\n")
    out.write(f"--{BOUNDARY}--\r\n".encode())
    return out.getvalue(), content_type


# ---------------------------------------------------------------------- the server


def processes() -> Iterator[tuple[int, str, list[str]]]:
    """(pid, command name, the fields of ``/proc/<pid>/stat`` after the name) of every
    process now: state is field 0, parent 1, process group 2, session 3, user and
    system CPU ticks 11 and 12."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        # pid (comm) state …: comm may hold spaces, so split after its last ')'.
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        yield int(entry.name), name, stat[stat.rindex(")") + 2 :].split()


def start_server(
    args: argparse.Namespace, env: dict[str, str], *, log: Path | None = None
) -> subprocess.Popen[bytes]:
    """gunicorn as production runs it; its output appended to ``log`` if given (else
    to ours)."""
    gunicorn = ROOT / ".venv" / "bin" / "gunicorn"
    command = [
        str(gunicorn),
        "edubureau.wsgi",
        "--workers",
        str(args.workers),
        "--bind",
        f"127.0.0.1:{args.port}",
        "--chdir",
        str(ROOT),
        "--log-level",
        "warning",
    ]
    if log is None:
        server = subprocess.Popen(command, env=env, start_new_session=True)
    else:
        with log.open("ab") as out:
            server = subprocess.Popen(
                command, env=env, start_new_session=True, stdout=out, stderr=subprocess.STDOUT
            )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", args.port), timeout=1).close()
            return server
        except OSError:
            if server.poll() is not None:
                sys.exit("gunicorn exited before it listened")
            time.sleep(0.05)
    server.kill()
    sys.exit("gunicorn did not start listening within 60 s")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


@dataclass
class Answer:
    status: int
    seconds: float
    cpu_ms: float
    queries: int


Job = tuple[str, Officer, tuple[bytes, str]]


def post(port: int, url: str, officer: Officer, form: tuple[bytes, str]) -> Answer:
    body, content_type = form
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(
            "POST",
            url,
            body=body,
            headers={
                "Content-Type": content_type,
                "Cookie": officer.cookie,
            },
        )
        response = conn.getresponse()
        response.read()
    finally:
        conn.close()
    return Answer(
        response.status,
        time.perf_counter() - started,
        float(response.getheader("X-Bench-CPU-ms") or "nan"),
        int(response.getheader("X-Bench-Queries") or -1),
    )


# ------------------------------------------------------------------------ the runs


def summary(answers: Sequence[Answer]) -> dict[str, float]:
    ok = [a for a in answers if a.status == 302]
    return {
        "n": len(answers),
        "errors": len(answers) - len(ok),
        "p50_ms": sp.percentile([a.seconds for a in ok], 0.5) * 1000 if ok else float("nan"),
        "p95_ms": sp.percentile([a.seconds for a in ok], 0.95) * 1000 if ok else float("nan"),
        "cpu_ms": sp.percentile([a.cpu_ms for a in ok], 0.5) if ok else float("nan"),
        "queries": sp.percentile([float(a.queries) for a in ok], 0.5) if ok else float("nan"),
    }


def serial(port: int, pairs: Sequence[tuple[Job, Job]]) -> Any:
    """Real then bare, one request at a time, alternating (so drift hits both)."""
    real: list[Answer] = []
    bare: list[Answer] = []
    for real_job, bare_job in pairs:
        real.append(post(port, *real_job))
        bare.append(post(port, *bare_job))
    return summary(real), summary(bare)


def burst(port: int, jobs: Sequence[Job], concurrency: int) -> Any:
    lock = threading.Lock()
    answers: list[Answer] = []

    def one(job: Job) -> None:
        answer = post(port, *job)
        with lock:
            answers.append(answer)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, jobs))
    wall = time.perf_counter() - started
    result = summary(answers)
    result["rate"] = len([a for a in answers if a.status == 302]) / wall
    result["wall_s"] = wall
    return result


def database_counts(officers: Sequence[Officer], failed: int) -> dict[str, Any]:
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Count

    from edubureau.audit.chain import verify_chain
    from edubureau.audit.models import Action, AuditEvent
    from edubureau.rectification.models import RectificationStep
    from edubureau.safety.models import Hazard, Inspection, InspectionStatus

    schools = [o.school_id for o in officers]
    inspections = Inspection.objects.filter(school_id__in=schools)
    hazards = Hazard.objects.filter(inspection__in=inspections)
    hazard_ids = list(hazards.values_list("id", flat=True))
    per_school = inspections.values("school_id", "period").annotate(n=Count("id"))
    per_item = hazards.values("inspection_id", "item_id").annotate(n=Count("id"))
    return {
        "schools": len(schools),
        "submitted": inspections.filter(status=InspectionStatus.SUBMITTED).count(),
        "duplicate inspections": sum(1 for r in per_school if r["n"] > 1),
        "hazards (expected)": f"{len(hazard_ids)} ({len(schools) * failed})",
        "duplicate hazards": sum(1 for r in per_item if r["n"] > 1),
        "report steps": RectificationStep.objects.filter(
            content_type=ContentType.objects.get_for_model(Hazard),
            object_id__in=hazard_ids,
            action="report",
        ).count(),
        "hazard audit events": AuditEvent.objects.filter(
            model_label=Hazard._meta.label,
            action=Action.CREATE,
            object_id__in=[str(i) for i in hazard_ids],
        ).count(),
        "audit chain": "intact" if verify_chain().ok else "BROKEN",
    }


def bare_counts(officers: Sequence[Officer], failed: int) -> dict[str, Any]:
    from edubureau.safety.models import Hazard, Inspection, InspectionStatus

    inspections = Inspection.objects.filter(school_id__in=[o.school_id for o in officers])
    return {
        "submitted": inspections.filter(status=InspectionStatus.SUBMITTED).count(),
        "hazards (expected)": (
            f"{Hazard.objects.filter(inspection__in=inspections).count()} "
            f"({len(officers) * failed})"
        ),
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    begun = time.perf_counter()
    url = sp.prepare_database(args)
    media = Path(f"/tmp/{DB}-media")
    static = Path(f"/tmp/{DB}-static")
    # Production settings (no demo shortcuts), shared with the server: the sessions
    # made here are signed with the key the server checks.
    from cryptography.fernet import Fernet

    os.environ |= {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "EDUBUREAU_DEMO": "0",
        "MEDIA_ROOT": str(media),
        "STATIC_ROOT": str(static),
    }
    sp.setup_django(url)

    from django.core.management import call_command
    from django.db import connection
    from django.urls import reverse

    from edubureau.safety.models import Checklist
    from edubureau.safety.services.inspections import applicable_items

    with sp.step("迁移 migrate"):
        call_command("migrate", interactive=False, verbosity=0)
    n, load = args.serial, args.load_schools
    counts = {
        "warm real": 4 * args.workers,
        "warm bare": 4 * args.workers,
        "serial real": n,
        "serial bare": n,
        "photo real": n,
        "photo bare": n,
        "url real": n,
        "url bare": n,
        "load real": load,
        "load bare": load,
    }
    with sp.step(f"{sum(counts.values())} schools, officers' sessions, this month's drafts"):
        groups = build(args, counts)
        if connection.vendor == "postgresql":
            with connection.cursor() as c:
                c.execute("VACUUM ANALYZE")
                sp.grant_app_role(c)
    checklist = Checklist.objects.get(bureau__name="压测县教育局")
    items = applicable_items(checklist, "primary")
    photo = phone_photo()

    def real(o: Officer, photo: bytes | None = None, encoding: str | None = None) -> Job:
        target = reverse("safety:inspection-edit", kwargs={"inspection_id": o.inspection_id})
        return target, o, form_body(o, items, args.failed, photo, encoding)

    def bare(o: Officer, photo: bytes | None = None, encoding: str | None = None) -> Job:
        target = f"/bench/bare-submit/{o.inspection_id}/"
        return target, o, form_body(o, items, args.failed, photo, encoding)

    def pairs(group: str, *form: Any) -> list[tuple[Job, Job]]:
        real_bare = zip(groups[f"{group} real"], groups[f"{group} bare"], strict=True)
        return [(real(r, *form), bare(b, *form)) for r, b in real_bare]

    size = len(real(groups["serial real"][0])[2][0])
    sp.log(
        f"  form: {len(items)} items, {args.failed} failed (一般), {size / 1024:.0f} KB "
        f"urlencoded ({5 * len(items) + 7} fields); photo {len(photo) / 1024:.0f} KB"
    )
    env = dict(os.environ)
    if connection.vendor == "postgresql":
        # The server connects as production's application role: the wall is up.
        env["DATABASE_URL"] = sp.app_role_url(url)
    env["DJANGO_SETTINGS_MODULE"] = "bench.safety_submit_settings"
    env.pop("EDUBUREAU_DEMO", None)
    env["PYTHONPATH"] = str(ROOT)
    server = start_server(args, env)
    try:
        # Every worker: its first requests load the URL map, the calendar, the items.
        for o in groups["warm real"]:
            post(args.port, *real(o))
        for o in groups["warm bare"]:
            post(args.port, *bare(o))
        plain = serial(args.port, pairs("serial"))
        with_photo = serial(args.port, pairs("photo", photo))
        multipart = serial(args.port, pairs("url", None, MULTIPART))
        real_jobs = [real(o) for o in groups["load real"]]
        bare_jobs = [bare(o) for o in groups["load bare"]]
        loaded_real = burst(args.port, real_jobs, args.concurrency)
        loaded_bare = burst(args.port, bare_jobs, args.concurrency)
    finally:
        stop_server(server)

    sp.log("")
    sp.log(f"Serially, one request at a time ({args.serial} submits of each, alternating):")
    sp.log(f"  {'':<24} {'p50 ms':>8} {'p95 ms':>8} {'CPU ms':>8} {'queries':>8} {'errors':>7}")
    for label, (r, b) in (
        ("no photo", plain),
        ("one photo", with_photo),
        ("no photo, multipart", multipart),
    ):
        for name, s in ((f"real, {label}", r), (f"bare, {label}", b)):
            sp.log(
                f"  {name:<24} {s['p50_ms']:8.1f} {s['p95_ms']:8.1f} {s['cpu_ms']:8.1f} "
                f"{s['queries']:8.0f} {s['errors']:7d}"
            )
        ratio = b["p50_ms"] / r["p50_ms"]
        goal = f" (goal ≥ {GOAL_RATIO}: {'met' if ratio >= GOAL_RATIO else 'NOT met'})"
        goal = goal if label == "no photo" else ""
        sp.log(f"  speed real ÷ bare, {label}: {ratio:.2f}×{goal}")
    sp.log("")
    sp.log(
        f"Under load: {load} schools each submitting once, {args.concurrency} client threads, "
        f"{args.workers} gunicorn sync workers:"
    )
    sp.log(f"  {'':<8} {'subm./s':>8} {'p50 ms':>8} {'p95 ms':>8} {'CPU ms':>8} {'errors':>7}")
    for name, s in (("real", loaded_real), ("bare", loaded_bare)):
        sp.log(
            f"  {name:<8} {s['rate']:8.1f} {s['p50_ms']:8.1f} {s['p95_ms']:8.1f} "
            f"{s['cpu_ms']:8.1f} {s['errors']:7d}"
        )
    met = loaded_real["rate"] >= GOAL_RATE and loaded_real["p95_ms"] <= GOAL_P95_MS
    sp.log(
        f"  goal ≥ {GOAL_RATE:.0f}/s with p95 ≤ {GOAL_P95_MS:.0f} ms: {'met' if met else 'NOT met'}"
    )
    sp.log("")
    sp.log("In the database afterwards (the real path's burst):")
    for key, value in database_counts(groups["load real"], args.failed).items():
        sp.log(f"  {key:<24} {value}")
    sp.log("  the bare view's burst: " + ", ".join(
        f"{k} {v}" for k, v in bare_counts(groups["load bare"], args.failed).items()
    ))  # fmt: skip
    connection.close()
    if not args.keep:
        sp.drop_database(args, url)
    shutil.rmtree(media, ignore_errors=True)
    shutil.rmtree(static, ignore_errors=True)
    sp.log(f"\n{time.perf_counter() - begun:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
