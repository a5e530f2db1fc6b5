#!/usr/bin/env python3
"""Fault injection: concurrent monthly self-inspection submits over HTTP while the
application server, or PostgreSQL, is killed; then every attempt replayed.

    .venv/bin/python bench/fault_injection.py [--scenario app|db|both] [--schools 300] [--seed N]

It starts its own PostgreSQL cluster in a temporary directory (``--pg-port``, 54331 by
default, or the next free port) with durable settings (``fsync``, ``synchronous_commit``
and ``full_page_writes`` on), and for each scenario, in a fresh database, builds what
``bench/safety_submit.py`` builds (one county, the default checklist of 87 items, each
school's safety officer with a session and its principal): half the schools get this
month's draft, as the form's first autosave leaves it, and submit it through
``/safety/inspections/<id>/edit/`` with the draft's ``client_id``; the other half have no
row yet and submit the new form (``/safety/inspections/self/``) with a ``client_id`` fixed
per school, as the page keeps it across retries. Every submit is the whole form, with
``--failed`` items failed as 一般 hazards. Then it starts gunicorn with the production
settings (``edubureau.wsgi``, ``--workers`` sync workers on loopback) and:

1. **load**: ``--concurrency`` client threads submit each school's inspection once,
   recording for each attempt whether it was acknowledged (a 302 to the inspection's
   page) and when it started and ended. A failed attempt makes its thread pause 0.2 s,
   as a person would before the next one. When a fraction of the schools (``--at``, by
   default drawn from ``--seed`` between 0.25 and 0.6) is acknowledged, the fault:
   - ``app``: ``kill -9`` of gunicorn's whole process group (the master and every
     worker, found by process group and checked gone in /proc, the port closed), then,
     after ``--outage`` seconds, gunicorn started again;
   - ``db``: ``pg_ctl stop -m immediate`` (the postmaster and every backend killed
     without a checkpoint: crash recovery at the next start), ``--outage`` seconds,
     ``pg_ctl start``; gunicorn is left running and must reconnect on its own
     (``CONN_MAX_AGE`` as in production);
2. **check**: every acknowledged submit is stored as submitted; no inspection is
   partial (a submitted one holds every item's answer and its counts, one hazard per
   failed item and no other, each hazard with one "report" step and one audit event,
   one submit audit event and one notification to the principal; a draft holds no
   answer, hazard, step or notification; no hazard without its inspection);
3. **replay**: every school's attempt posted again with the same ``client_id`` (all of
   them must now be acknowledged); in the db scenario PostgreSQL is then restarted once
   more with no traffic, and the next requests must succeed (each worker's kept
   connection is dead: ``CONN_HEALTH_CHECKS``); then the same checks, and every school
   has exactly one submitted inspection for the month, and the audit chain verifies
   (``verify_chain`` and ``edubureau audit-verify``).

It prints a table per scenario and exits 1 on any violation. About 1.5 minutes per
scenario on the 2-core machine with 300 schools (figures: bench/README.md). Everything
it starts (gunicorn, the cluster, its directory) is stopped and removed at the end.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import safety_province as sp  # noqa: E402  (database and output helpers, shared)
import safety_submit as ss  # noqa: E402  (the county, the sessions, the form, gunicorn)

DB = "edubureau_fault"
TEMPLATE = "edubureau_fault_template"
# After a failed attempt a client thread waits 0.2 s, doubling up to 2 s while it
# keeps failing (a person trying again a little later).
PAUSE_AFTER_FAILURE = 0.2
PAUSE_LIMIT = 2.0


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", choices=("app", "db", "both"), default="both")
    parser.add_argument("--schools", type=int, default=300, help="schools per scenario (300)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (printed)")
    parser.add_argument(
        "--at", type=float, default=None, help="fraction acknowledged before the fault"
    )
    parser.add_argument("--outage", type=float, default=1.0, help="seconds down (1)")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads (8)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (4)")
    parser.add_argument("--failed", type=int, default=3, help="failed items per submit (3)")
    parser.add_argument("--port", type=int, default=8766, help="gunicorn's port (8766)")
    parser.add_argument("--pg-port", type=int, default=54331, help="first port to try (54331)")
    args = parser.parse_args(argv)
    if args.schools < 20:
        parser.error("--schools must be at least 20")
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1, 1_000_000)
    args.db_name = DB
    args.allow_sqlite = False
    return args


def port_free(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return True
    return False


# --------------------------------------------------------------------- PostgreSQL


class Cluster:
    """A throw-away PostgreSQL cluster with durable settings, owned by this script."""

    def __init__(self, first_port: int) -> None:
        self.port = next(p for p in range(first_port, first_port + 50) if port_free(p))
        bindir = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
        if not bindir:
            sys.exit("PostgreSQL is not installed (/usr/lib/postgresql/*/bin)")
        self.bin = bindir[-1]
        self.dir = Path(tempfile.mkdtemp(prefix="edubureau-fault-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "log"
        self.started = False
        try:
            shutil.chown(self.dir, "postgres")
            self._as_postgres(
                "initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8"
            )
        except (OSError, LookupError, RuntimeError):
            shutil.rmtree(self.dir, ignore_errors=True)
            raise

    def _as_postgres(self, program: str, *arguments: str) -> None:
        command = [str(self.bin / program), *arguments]
        run = ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command
        done = subprocess.run(run, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(
                f"{program} {' '.join(arguments[-1:])} failed: {done.stderr.strip()[-500:]}"
            )

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=on -c synchronous_commit=on -c full_page_writes=on "
            "-c shared_buffers=256MB -c max_connections=50"
        )
        self._as_postgres(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start"
        )
        self.started = True

    def stop(self, mode: str = "fast") -> None:
        self._as_postgres("pg_ctl", "-D", str(self.data), "-m", mode, "stop")
        self.started = False

    def remove(self) -> None:
        if self.started:
            try:
                self.stop("fast")
            except RuntimeError as exc:
                sp.log(f"  cluster stop: {exc}")
                self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


def admin(url: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


# ------------------------------------------------------------------------ gunicorn


def group_members(pgid: int) -> list[tuple[int, str]]:
    """(pid, state) of every process in process group ``pgid``, zombies included."""
    return [(pid, fields[0]) for pid, _, fields in ss.processes() if int(fields[2]) == pgid]


def kill_server(server: subprocess.Popen[bytes], port: int) -> tuple[int, list[str]]:
    """kill -9 the master and every worker (one process group, gunicorn's session);
    how many were killed and what is wrong afterwards."""
    problems = []
    members = [pid for pid, state in group_members(server.pid) if state != "Z"]
    os.killpg(server.pid, signal.SIGKILL)
    server.wait(timeout=10)
    deadline = time.monotonic() + 5
    alive = members
    while time.monotonic() < deadline:
        alive = [pid for pid, state in group_members(server.pid) if state != "Z"]
        if not alive:
            break
        time.sleep(0.05)
    if alive:
        problems.append(f"processes of gunicorn's group survived kill -9: {alive}")
    if not port_free(port):
        problems.append(f"port {port} still accepts connections after kill -9")
    return len(members), problems


# ----------------------------------------------------------------------- the load


@dataclass
class Target:
    school_id: int
    url: str
    cookie: str
    body: bytes
    content_type: str


@dataclass
class Attempt:
    school_id: int
    started: float
    ended: float
    status: int | None  # None: no HTTP answer (refused, reset, timeout)
    location: str
    error: str

    @property
    def acknowledged(self) -> bool:
        # The submit's answer: a redirect to the inspection's page ("已提交" or
        # "重复提交已忽略"). A redirect back to the form would be a draft save.
        return self.status == 302 and "/edit/" not in self.location and "/safety/" in self.location


def post(port: int, target: Target) -> Attempt:
    started = time.monotonic()
    status: int | None = None
    location = error = ""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(
            "POST",
            target.url,
            body=target.body,
            headers={"Content-Type": target.content_type, "Cookie": target.cookie},
        )
        response = conn.getresponse()
        response.read()
        status, location = response.status, response.getheader("Location") or ""
    except (OSError, http.client.HTTPException) as exc:
        error = type(exc).__name__
    finally:
        conn.close()
    return Attempt(target.school_id, started, time.monotonic(), status, location, error)


@dataclass
class Fault:
    kind: str
    at: int  # acknowledged submits before it strikes
    began: float = 0.0
    recovered: float = 0.0
    killed: int = 0
    problems: list[str] = field(default_factory=list)


def run_load(
    port: int,
    targets: Sequence[Target],
    concurrency: int,
    fault: Fault | None = None,
    strike: Callable[[Fault], None] | None = None,
) -> list[Attempt]:
    """Each target posted once by ``concurrency`` threads; ``strike`` runs in its own
    thread once ``fault.at`` attempts were acknowledged."""
    lock = threading.Lock()
    pending = list(reversed(targets))
    attempts: list[Attempt] = []
    acknowledged = threading.Semaphore(0)

    def client() -> None:
        pause = PAUSE_AFTER_FAILURE
        while True:
            with lock:
                if not pending:
                    return
                target = pending.pop()
            attempt = post(port, target)
            with lock:
                attempts.append(attempt)
            if attempt.acknowledged:
                acknowledged.release()
                pause = PAUSE_AFTER_FAILURE
            else:
                time.sleep(pause)
                pause = min(2 * pause, PAUSE_LIMIT)

    def injector() -> None:
        assert fault is not None and strike is not None
        for _ in range(fault.at):
            acknowledged.acquire()
        try:
            strike(fault)
        except (Exception, SystemExit) as exc:  # the checks run and the cluster goes anyway
            fault.problems.append(f"fault injection failed: {exc!r}")

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    helper = threading.Thread(target=injector) if fault is not None else None
    for t in threads:
        t.start()
    if helper is not None:
        helper.start()
    for t in threads:
        t.join()
    if helper is not None:
        helper.join(timeout=300)
    return attempts


# ---------------------------------------------------------------------- the checks


def check(
    school_ids: Sequence[int],
    acknowledged: set[int],
    items: Sequence[Any],
    failed: int,
    *,
    final: bool,
) -> tuple[list[str], dict[str, Any]]:
    """The properties of the issue, on the rows: (violations, figures)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.utils import timezone

    from edubureau.audit.chain import verify_chain
    from edubureau.audit.models import Action, AuditEvent
    from edubureau.notifications.models import Notification
    from edubureau.rectification.models import RectificationStep
    from edubureau.safety.models import Hazard, Inspection, InspectionKind, InspectionStatus
    from edubureau.safety.services.inspections import month_start

    connection.close()  # a connection from before a PostgreSQL restart is gone
    problems: list[str] = []
    period = month_start(timezone.localdate())
    item_ids = {str(i.pk) for i in items}
    failed_ids = {i.pk for i in items[:failed]}
    inspections = list(
        Inspection.objects.filter(school_id__in=school_ids, kind=InspectionKind.SELF)
    )
    by_school = Counter(i.school_id for i in inspections)
    submitted = {i.pk: i for i in inspections if i.status == InspectionStatus.SUBMITTED}
    drafts = {i.pk: i for i in inspections if i.pk not in submitted}
    submitted_schools = {i.school_id for i in submitted.values()}

    def note(label: str, bad: Sequence[Any]) -> None:
        if bad:
            problems.append(f"{label}: {len(bad)} (e.g. {list(bad)[:5]})")

    note("acknowledged but not stored as submitted", sorted(acknowledged - submitted_schools))
    note("schools with more than one self-inspection", [s for s, n in by_school.items() if n > 1])
    note("self-inspections of another month", [i.pk for i in inspections if i.period != period])
    if final:
        note("schools without a submitted inspection", sorted(set(school_ids) - submitted_schools))
    note(
        "submitted without every item's answer or with wrong counts",
        [
            i.pk
            for i in submitted.values()
            if set(i.results) != item_ids
            or sum(1 for r in i.results.values() if r.get("r") == "hazard") != failed
            or i.items_total != len(items)
            or i.hazards_found != failed
            or i.submitted_at is None
        ],
    )
    note(
        "drafts holding answers, counts or a submit time",
        [i.pk for i in drafts.values() if i.results or i.hazards_found or i.submitted_at],
    )

    hazards = list(
        Hazard.objects.filter(school_id__in=school_ids).values("id", "inspection_id", "item_id")
    )
    per_item = Counter((h["inspection_id"], h["item_id"]) for h in hazards)
    note("hazards without a submitted inspection",
         [h["id"] for h in hazards if h["inspection_id"] not in submitted])  # fmt: skip
    note("hazards for an item that passed",
         [h["id"] for h in hazards if h["item_id"] not in failed_ids])  # fmt: skip
    note("failed items with more than one hazard", [k for k, n in per_item.items() if n > 1])
    note(
        "failed items without their hazard",
        [(pk, item) for pk in submitted for item in failed_ids if (pk, item) not in per_item],
    )
    hazard_ids = [h["id"] for h in hazards]
    steps = Counter(
        RectificationStep.objects.filter(
            content_type=ContentType.objects.get_for_model(Hazard),
            object_id__in=hazard_ids,
            action="report",
        ).values_list("object_id", flat=True)
    )
    note("hazards without exactly one report step",
         [h for h in hazard_ids if steps[h] != 1])  # fmt: skip
    hazard_events = Counter(
        AuditEvent.objects.filter(
            model_label=Hazard._meta.label,
            action=Action.CREATE,
            object_id__in=[str(h) for h in hazard_ids],
        ).values_list("object_id", flat=True)
    )
    note("hazards without exactly one audit event",
         [h for h in hazard_ids if hazard_events[str(h)] != 1])  # fmt: skip
    submit_events = Counter(
        AuditEvent.objects.filter(
            model_label=Inspection._meta.label,
            object_id__in=[str(i.pk) for i in inspections],
            detail="提交检查",
        ).values_list("object_id", flat=True)
    )
    note("submitted inspections without exactly one submit audit event",
         [pk for pk in submitted if submit_events[str(pk)] != 1])  # fmt: skip
    note("drafts with a submit audit event", [pk for pk in drafts if submit_events[str(pk)]])
    notices = Counter(
        Notification.objects.filter(school_id__in=school_ids).values_list("school_id", flat=True)
    )
    note("submitted schools whose principal was not told exactly once",
         sorted(s for s in submitted_schools if notices[s] != 1))  # fmt: skip
    note("unsubmitted schools with a notification",
         sorted(s for s in notices if s not in submitted_schools))  # fmt: skip
    chain = verify_chain()
    if not chain.ok:
        problems.append(f"audit chain broken: {chain.problems[:3]}")
    figures = {
        "submitted": len(submitted),
        "drafts": len(drafts),
        "hazards": len(hazards),
        "report steps": sum(steps.values()),
        "hazard audit events": sum(hazard_events.values()),
        "submit audit events": sum(submit_events.values()),
        "notifications": sum(notices.values()),
        "stored, not acknowledged": len(submitted_schools - acknowledged),
        "audit chain": f"intact ({chain.checked} events)" if chain.ok else "BROKEN",
    }
    connection.close()
    return problems, figures


# ---------------------------------------------------------------------- a scenario


@dataclass
class Outcome:
    scenario: str
    fault: Fault
    load: list[Attempt]
    replay: list[Attempt]
    probe: list[Attempt]
    after_load: dict[str, Any]
    after_replay: dict[str, Any]
    violations: list[str]
    seconds: float


def classify(attempts: Sequence[Attempt], fault: Fault) -> Counter[tuple[str, str]]:
    """(when, what) of each attempt: before the fault, in flight when it struck,
    started during the outage or after recovery; acknowledged, 5xx, no HTTP answer
    (refused, reset), or another status."""
    counts: Counter[tuple[str, str]] = Counter()
    for a in attempts:
        if not fault.began or a.ended < fault.began:
            when = "before"
        elif a.started < fault.began:
            when = "in flight"
        elif a.started < fault.recovered:
            when = "outage"
        else:
            when = "after"
        if a.acknowledged:
            what = "ack"
        elif a.status is None:
            what = "no answer"
        elif a.status >= 500:
            what = "5xx"
        else:
            what = "other"
        counts[when, what] += 1
    return counts


def run_scenario(
    name: str, args: argparse.Namespace, rng: random.Random, cluster: Cluster, env: dict[str, str]
) -> Outcome:
    from django.db import connection
    from django.urls import reverse
    from django.utils import timezone

    from edubureau.safety.models import Checklist, Inspection
    from edubureau.safety.services.inspections import applicable_items, clear_item_cache

    begun = time.monotonic()
    probe: list[Attempt] = []
    sp.log(f"\n== scenario {name}: {args.schools} schools ==")
    clear_item_cache()
    fresh = args.schools // 2
    with sp.step(f"{args.schools} schools, sessions, {args.schools - fresh} drafts"):
        groups = ss.build(
            args, {"draft": args.schools - fresh, "new": fresh}, without_draft={"new"}
        )
    checklist = Checklist.objects.get(bureau__name="压测县教育局")
    items = applicable_items(checklist, "primary")
    client_ids = dict(Inspection.objects.values_list("pk", "client_id"))
    new_url = reverse("safety:self-inspection-new") + f"?period={timezone.localdate():%Y-%m}"
    targets = []
    for officer in groups["draft"] + groups["new"]:
        if officer.inspection_id:
            url = reverse("safety:inspection-edit", args=[officer.inspection_id])
            client_id = str(client_ids[officer.inspection_id])
        else:
            url = new_url
            # Fixed per school, as the new form's page keeps it across retries.
            client_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{args.seed}/{officer.school_id}"))
        body, content_type = ss.form_body(officer, items, args.failed, client_id=client_id)
        targets.append(Target(officer.school_id, url, officer.cookie, body, content_type))
    rng.shuffle(targets)
    connection.close()

    fraction = args.at if args.at is not None else rng.uniform(0.25, 0.6)
    fault = Fault(kind=name, at=max(1, int(fraction * len(targets))))
    # The server's errors while it or the database is down are expected (500s, refused
    # connections): kept apart, counted, and shown only when something is violated.
    server_log = cluster.dir / f"gunicorn-{name}.log"
    server = ss.start_server(args, env, log=server_log)
    holder = {"server": server}

    def strike(f: Fault) -> None:
        f.began = time.monotonic()
        if f.kind == "app":
            f.killed, problems = kill_server(holder["server"], args.port)
            f.problems += problems
            time.sleep(args.outage)
            holder["server"] = ss.start_server(args, env, log=server_log)
        else:
            cluster.stop("immediate")
            time.sleep(args.outage)
            cluster.start()
        f.recovered = time.monotonic()

    try:
        # Every worker loads the URL map, the templates and the checklist on a GET.
        for officer in groups["draft"][: 3 * args.workers]:
            conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=60)
            conn.request(
                "GET",
                reverse("safety:inspection-edit", args=[officer.inspection_id]),
                headers={"Cookie": officer.cookie},
            )
            conn.getresponse().read()
            conn.close()
        # The build's WAL written out: the crash recovery replays the load's only.
        admin(cluster.url, "CHECKPOINT")
        sp.log(
            f"  load: {args.concurrency} client threads, {args.workers} workers; "
            f"the fault ({name}) after {fault.at} acknowledged submits ({fraction:.0%})"
        )
        load = run_load(args.port, targets, args.concurrency, fault, strike)
        if not fault.began:
            fault.problems.append("the fault never struck (too few acknowledgements)")
        acked = {a.school_id for a in load if a.acknowledged}
        violations, after_load = check(
            [t.school_id for t in targets], acked, items, args.failed, final=False
        )
        sp.log("  replay: every attempt again, same client ids")
        replay = run_load(args.port, targets, args.concurrency)
        not_acked = sorted(a.school_id for a in replay if not a.acknowledged)
        if not_acked:
            violations.append(f"replayed attempts not acknowledged: {len(not_acked)}")
        acked |= {a.school_id for a in replay if a.acknowledged}
        if name == "db":
            # PostgreSQL restarted while nobody posts: each worker still holds the
            # connection it made before (CONN_MAX_AGE), now dead. The next requests
            # must reconnect, not fail (they replay submitted schools: no change).
            sp.log("  reconnect probe: PostgreSQL restarted with no traffic, then one by one")
            cluster.stop("immediate")
            cluster.start()
            probe = [post(args.port, t) for t in targets[: 3 * args.workers]]
            failed = [a for a in probe if not a.acknowledged]
            if failed:
                statuses = Counter(a.status or a.error for a in failed)
                violations.append(
                    f"requests after PostgreSQL was back, none during its restart, "
                    f"not acknowledged: {len(failed)} of {len(probe)} ({dict(statuses)})"
                )
        final, after_replay = check(
            [t.school_id for t in targets], acked, items, args.failed, final=True
        )
        violations = [f"after the load: {v}" for v in violations] + [
            f"after the replay: {v}" for v in final
        ]
    finally:
        if holder["server"].poll() is None:
            ss.stop_server(holder["server"])
    verify = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "edubureau"), "audit_verify"],
        env=env | {"DJANGO_SETTINGS_MODULE": "edubureau.settings"},
        capture_output=True,
        text=True,
        check=False,
    )
    after_replay["edubureau audit-verify"] = f"exit {verify.returncode}"
    if verify.returncode != 0:
        violations.append(f"edubureau audit-verify: {verify.stderr.strip()[-300:]}")
    violations = fault.problems + violations
    logged = server_log.read_text(errors="replace") if server_log.exists() else ""
    tracebacks = logged.count("Traceback")
    sp.log(f"  the server logged {tracebacks} tracebacks (expected during the outage)")
    if violations and logged:
        sp.log("  the server log's last lines:\n" + "\n".join(logged.splitlines()[-60:]))
    return Outcome(
        name,
        fault,
        load,
        replay,
        probe,
        after_load,
        after_replay,
        violations,
        time.monotonic() - begun,
    )


def report(outcome: Outcome) -> None:
    f = outcome.fault
    load = classify(outcome.load, f)
    replay = classify(outcome.replay, f)
    what = (
        f"kill -9 of gunicorn's group ({f.killed} processes: master and workers)"
        if f.kind == "app"
        else "pg_ctl stop -m immediate"
    )
    sp.log(f"\nScenario {outcome.scenario}: {what} after {f.at} acknowledged submits")
    back = "gunicorn listened" if f.kind == "app" else "PostgreSQL accepted"
    sp.log(f"  down for {f.recovered - f.began:.1f} s (until {back} again)")
    sp.log(f"  {'':<34} {'ack':>6} {'5xx':>6} {'no answer':>10} {'other':>6}")

    def row(label: str, counts: Counter[tuple[str, str]], *when: str) -> None:
        def n(what: str) -> int:
            return sum(v for (w, x), v in counts.items() if x == what and (not when or w in when))

        sp.log(f"  {label:<34} {n('ack'):6d} {n('5xx'):6d} {n('no answer'):10d} {n('other'):6d}")

    row("load: before the fault", load, "before")
    row("load: in flight at the fault", load, "in flight")
    row("load: started before restart done", load, "outage")
    row("load: started after recovery", load, "after")
    row("load: all", load)
    row("replay: all", replay)
    if outcome.probe:
        row("reconnect probe (db restarted idle)", classify(outcome.probe, f))
    sp.log(f"  {'rows':<34} {'after load':>12} {'after replay':>14}")
    for key in outcome.after_replay:
        sp.log(
            f"  {key:<34} {outcome.after_load.get(key, '')!s:>12} {outcome.after_replay[key]!s:>14}"
        )
    if outcome.violations:
        sp.log("  VIOLATIONS:")
        for v in outcome.violations:
            sp.log(f"    - {v}")
    else:
        sp.log("  no violation")
    sp.log(f"  {outcome.seconds:.0f} s")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    begun = time.monotonic()
    rng = random.Random(args.seed)
    scenarios = ["app", "db"] if args.scenario == "both" else [args.scenario]
    if not port_free(args.port):
        sys.exit(f"port {args.port} is taken: pass another --port")
    sp.log(f"seed {args.seed}; scenarios {', '.join(scenarios)}")
    cluster = Cluster(args.pg_port)
    media = Path(tempfile.mkdtemp(prefix="edubureau-fault-media-"))
    outcomes: list[Outcome] = []
    try:
        with sp.step(f"PostgreSQL {cluster.bin.parent.name} on port {cluster.port} (fsync on)"):
            cluster.start()
        os.environ["DATABASE_URL"] = cluster.url
        url = sp.prepare_database(args)
        from cryptography.fernet import Fernet

        os.environ |= {
            "SECRET_KEY": secrets.token_urlsafe(50),
            "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "EDUBUREAU_DEMO": "0",
            "MEDIA_ROOT": str(media / "media"),
            "STATIC_ROOT": str(media / "static"),
        }
        sp.setup_django(url)
        from django.core.management import call_command
        from django.db import connection

        with sp.step("迁移 migrate, collectstatic"):
            call_command("migrate", interactive=False, verbosity=0)
            # The production settings serve hashed static names from the manifest.
            call_command("collectstatic", interactive=False, verbosity=0)
        with connection.cursor() as c:
            sp.grant_app_role(c)  # copied with the database into the template
        connection.close()
        server_url = cluster.url
        admin(server_url, f'CREATE DATABASE "{TEMPLATE}" TEMPLATE "{DB}"')
        env = dict(os.environ)
        # The server connects as production's application role: the wall is up.
        env["DATABASE_URL"] = sp.app_role_url(url)
        env["DJANGO_SETTINGS_MODULE"] = "edubureau.settings"
        env.pop("EDUBUREAU_DEMO", None)
        env["PYTHONPATH"] = str(ROOT)
        for n, name in enumerate(scenarios):
            if n:
                connection.close()
                admin(
                    server_url,
                    f'DROP DATABASE "{DB}" WITH (FORCE)',
                    f'CREATE DATABASE "{DB}" TEMPLATE "{TEMPLATE}"',
                )
            outcomes.append(run_scenario(name, args, rng, cluster, env))
        connection.close()
    finally:
        cluster.remove()
        shutil.rmtree(media, ignore_errors=True)
    for outcome in outcomes:
        report(outcome)
    bad = sum(len(o.violations) for o in outcomes)
    sp.log(
        f"\nseed {args.seed}: {'no violation' if not bad else f'{bad} VIOLATIONS'}; "
        f"{time.monotonic() - begun:.0f} s in all"
    )
    return 1 if bad or len(outcomes) != len(scenarios) else 0


if __name__ == "__main__":
    sys.exit(main())
