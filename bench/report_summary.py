#!/usr/bin/env python3
"""How long the annual safety summary takes, from the record to the .docx.

    .venv/bin/python bench/report_summary.py                      # the demo county, SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:54329/postgres \\
        .venv/bin/python bench/report_summary.py --scale province  # 30,000 schools

In a fresh database (``edubureau_reports`` on the server of DATABASE_URL, or a SQLite
file under /tmp; dropped at the end unless ``--keep``; ``--reuse`` times a kept one) it
builds the demo at ``--scale`` as ``edubureau demo`` does, then, as each level's
safety staff (the demo county's ``safety``, its city's ``shi.safety``, the province's
``sheng.safety`` where the scale has them), times:

- *generate*: ``reports.services.create_report`` — the facts of the bureau's subtree
  for the year with last year's, and every section drafted and filled;
- *render*: ``document_of`` + ``render_docx`` — the GB/T 9704 .docx of that draft;
- *docxtpl*: the same final text (title, 主送, headings and paragraphs) rendered by
  docxtpl alone from a plain template, side by side with *render* in the same runs;

and prints p50/p95 of each, generate + render against the goals (county < 2 s,
province < 10 s) and render ÷ docxtpl against ≤ 1.5.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import safety_province as sp  # noqa: E402  (database and output helpers, shared)

DB = "edubureau_reports"
VIEWERS = (("county", "safety"), ("city", "shi.safety"), ("province", "sheng.safety"))
GOALS_S = {"county": 2.0, "city": 10.0, "province": 10.0}
GOAL_RATIO = 1.5


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="county", choices=("county", "city", "province"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="time a database kept earlier")
    args = parser.parse_args(argv)
    args.db_name = DB
    args.allow_sqlite = True
    return args


def docxtpl_template() -> bytes:
    """A plain template: the title, 主送, then every heading and paragraph in order."""
    import docx

    doc = docx.Document()
    doc.add_paragraph("{{ title }}")
    doc.add_paragraph("{{ recipients }}")
    doc.add_paragraph("{%p for line in lines %}")
    doc.add_paragraph("{{ line }}")
    doc.add_paragraph("{%p endfor %}")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def lines_of(document: object) -> list[str]:
    out: list[str] = list(document.opening)  # type: ignore[attr-defined]

    def walk(sections: Sequence[object]) -> None:
        for s in sections:
            out.append(s.heading)  # type: ignore[attr-defined]
            out.extend(s.paragraphs)  # type: ignore[attr-defined]
            walk(s.children)  # type: ignore[attr-defined]

    walk(document.sections)  # type: ignore[attr-defined]
    return out


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    if args.reuse:
        import dj_database_url

        url = os.environ.get("DATABASE_URL", "")
        url = (
            sp._server_url(dj_database_url.parse(url), DB)
            if url.startswith("postgres")
            else f"sqlite:////tmp/{DB}.sqlite3"
        )
    else:
        url = sp.prepare_database(args)
    # Time the drafting itself: in the application a scope this large is drafted by
    # the worker (with a progress bar), which would leave nothing to time here.
    os.environ["REPORTS_BACKGROUND_SCHOOLS"] = str(10**9)
    sp.setup_django(url)

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from docxtpl import DocxTemplate

    from edubureau.core.facts import Period
    from edubureau.core.officialdoc import render_docx
    from edubureau.orgs import demo as orgs_demo
    from edubureau.orgs.models import School, User
    from edubureau.reports import services
    from edubureau.reports.models import Report

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
    sp.log(f"{connection.vendor}, schools {School.objects.count():,}, runs {args.runs}")
    template = docxtpl_template()
    year = Period.calendar_year(timezone.localdate().year)
    rows = []
    for level, username in VIEWERS:
        user = User.objects.filter(username=username).select_related("bureau").first()
        if user is None:
            continue
        generate, render, tpl = [], [], []
        for _ in range(args.runs):
            t = time.perf_counter()
            report = services.create_report(user=user, genre_key="annual_safety", period=year)
            generate.append(time.perf_counter() - t)
            # Side by side in one run: our layout, then docxtpl on the same text.
            t = time.perf_counter()
            document = services.document_of(report)
            data = render_docx(document)
            render.append(time.perf_counter() - t)
            t = time.perf_counter()
            plain = DocxTemplate(io.BytesIO(template))
            plain.render(
                {
                    "title": document.title,
                    "recipients": document.recipients,
                    "lines": lines_of(document),
                }
            )
            plain.save(io.BytesIO())
            tpl.append(time.perf_counter() - t)
            assert data[:2] == b"PK"
        Report.objects.filter(created_by=user).delete()
        total = [g + r for g, r in zip(generate, render, strict=True)]
        ratio = sp.percentile(render, 0.5) / sp.percentile(tpl, 0.5)
        rows.append((level, user.bureau.name, generate, render, tpl, total, ratio))
        p50, p95 = (lambda v: sp.percentile(v, 0.5)), (lambda v: sp.percentile(v, 0.95))
        sp.log(
            f"\n{level}: {username} of {user.bureau.name}\n"
            f"  generate  p50 {p50(generate):6.2f} s  p95 {p95(generate):6.2f} s\n"
            f"  render    p50 {p50(render) * 1000:6.0f} ms p95 {p95(render) * 1000:6.0f} ms\n"
            f"  docxtpl   p50 {p50(tpl) * 1000:6.0f} ms (same text)\n"
            f"  total     p95 {p95(total):6.2f} s (goal < {GOALS_S[level]:.0f} s) "
            f"{'met' if p95(total) < GOALS_S[level] else 'NOT met'}\n"
            f"  render ÷ docxtpl ×{ratio:.2f} (goal ≤ {GOAL_RATIO}) "
            f"{'met' if ratio <= GOAL_RATIO else 'NOT met'}"
        )
    sp.log(f"\ntotal {time.perf_counter() - started:,.0f} s")
    connection.close()
    if not args.keep and not args.reuse:
        sp.drop_database(args, url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
