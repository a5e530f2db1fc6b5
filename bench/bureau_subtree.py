#!/usr/bin/env python3
"""How to ask "the rows of every school in this bureau's subtree" at province scale.

    DATABASE_URL=postgres://postgres@127.0.0.1:54330/postgres \\
        .venv/bin/python bench/bureau_subtree.py [--schools 30000] [--rows 1500000]

It builds, in a fresh database (``edubureau_tree_bench``, dropped at the end), a
province of 14 cities and 100 counties (about 40 schools per city run directly by
the city), ``--schools`` schools and ``--rows`` school-owned rows (the shape of a
hazard or inspection: school, status, date), then times the same two questions —
how many rows this year, and rows by status — as the province, one city and one
county, with four ways to write "in the subtree", side by side and interleaved:

(a) subquery  ``school.bureau_id IN (SELECT id FROM bureau WHERE path LIKE '/1/5/%')``
    — the bureau keeps a materialised path, nothing is copied onto schools;
(b) path      ``school.bureau_path LIKE '/1/5/%'`` — the path copied onto every
    school (``text_pattern_ops`` index);
(c) ancestor  ``school.city_id = 5`` — one column per level copied onto schools;
(d) equality  ``school.bureau_id = 23`` — what a county asked before the tree
    (county viewer only), the floor to compare with.

It prints p50 and p95 in milliseconds for each, and the ratio of each to (a).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Sequence
from urllib.parse import urlparse, urlunparse

BENCH_DB = "edubureau_tree_bench"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schools", type=int, default=30000)
    parser.add_argument("--rows", type=int, default=1_500_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args(argv)


def connect(dbname: str | None = None):  # type: ignore[no-untyped-def]
    import psycopg

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("DATABASE_URL must point at a PostgreSQL server (see bench/README.md)")
    parts = urlparse(url)
    if dbname:
        parts = parts._replace(path=f"/{dbname}")
    return psycopg.connect(urlunparse(parts), autocommit=True)


SCHEMA = """
CREATE TABLE bureau (id int PRIMARY KEY, parent_id int REFERENCES bureau, level text, path text);
CREATE INDEX ON bureau (path text_pattern_ops);
CREATE TABLE school (
    id int PRIMARY KEY, bureau_id int NOT NULL REFERENCES bureau, bureau_path text NOT NULL,
    province_id int, city_id int, county_id int);
CREATE INDEX ON school (bureau_id);
CREATE INDEX ON school (bureau_path text_pattern_ops);
CREATE INDEX ON school (city_id);
CREATE INDEX ON school (county_id);
CREATE TABLE record (
    id bigserial PRIMARY KEY, school_id int NOT NULL REFERENCES school, status smallint,
    found_on date NOT NULL);
"""


def build(conn, schools: int, rows: int, rng: random.Random) -> dict[str, tuple[int, str]]:  # type: ignore[no-untyped-def]
    cur = conn.cursor()
    cur.execute(SCHEMA)
    bureaus = [(1, None, "province", "/1/")]
    cities, counties = [], []
    next_id = 2
    for _ in range(14):
        city = (next_id, 1, "city", f"/1/{next_id}/")
        next_id += 1
        bureaus.append(city)
        cities.append(city)
    for k in range(100):
        city = cities[k % 14]
        county = (next_id, city[0], "county", f"{city[3]}{next_id}/")
        next_id += 1
        bureaus.append(county)
        counties.append(county)
    with cur.copy("COPY bureau (id, parent_id, level, path) FROM STDIN") as copy:
        for b in bureaus:
            copy.write_row(b)
    direct = 40 * 14
    school_rows = []
    for s in range(1, schools + 1):
        if s <= direct:
            owner = cities[s % 14]
            row = (s, owner[0], owner[3], 1, owner[0], None)
        else:
            owner = counties[s % 100]
            row = (s, owner[0], owner[3], 1, owner[1], owner[0])
        school_rows.append(row)
    with cur.copy(
        "COPY school (id, bureau_id, bureau_path, province_id, city_id, county_id) FROM STDIN"
    ) as copy:
        for row in school_rows:
            copy.write_row(row)
    with cur.copy("COPY record (school_id, status, found_on) FROM STDIN") as copy:
        for _ in range(rows):
            day = f"{rng.choice((2025, 2026))}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            copy.write_row((rng.randint(1, schools), rng.randint(0, 4), day))
    cur.execute("CREATE INDEX ON record (school_id, found_on)")
    cur.execute("ANALYZE")
    city = cities[3]
    county = counties[3 + 14]  # a county of that city
    return {
        "province": (1, "/1/"),
        "city": (city[0], city[3]),
        "county": (county[0], county[3]),
    }


QUESTIONS = {
    "rows this year": "SELECT count(*) FROM record r JOIN school s ON s.id = r.school_id "
    "WHERE r.found_on >= '2026-01-01' AND {cond}",
    "rows by status": "SELECT r.status, count(*) FROM record r JOIN school s ON s.id = r.school_id "
    "WHERE {cond} GROUP BY r.status",
}
LEVEL_COLUMN = {"province": "province_id", "city": "city_id", "county": "county_id"}


def conditions(viewer: str, key: int, path: str) -> dict[str, tuple[str, tuple]]:
    conds = {
        "(a) subquery": (
            "s.bureau_id IN (SELECT id FROM bureau WHERE path LIKE %s)",
            (path + "%",),
        ),
        "(b) path": ("s.bureau_path LIKE %s", (path + "%",)),
        "(c) ancestor": (f"s.{LEVEL_COLUMN[viewer]} = %s", (key,)),
    }
    if viewer == "county":
        conds["(d) equality"] = ("s.bureau_id = %s", (key,))
    return conds


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    rng = random.Random(args.seed)
    admin = connect()
    admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
    admin.execute(f"CREATE DATABASE {BENCH_DB}")
    try:
        conn = connect(BENCH_DB)
        started = time.perf_counter()
        viewers = build(conn, args.schools, args.rows, rng)
        print(
            f"built {args.schools} schools, 115 bureaus, {args.rows} rows "
            f"in {time.perf_counter() - started:.0f} s"
        )
        cur = conn.cursor()
        print(f"{'viewer':<9} {'question':<15} {'way':<13} {'p50 ms':>7} {'p95 ms':>7} {'÷(a)':>5}")
        for viewer, (key, path) in viewers.items():
            for question, template in QUESTIONS.items():
                conds = conditions(viewer, key, path)
                timings: dict[str, list[float]] = {name: [] for name in conds}
                answers: dict[str, object] = {}
                for _ in range(args.runs + 2):
                    for name, (cond, params) in conds.items():
                        t = time.perf_counter()
                        cur.execute(template.format(cond=cond), params)
                        answers[name] = sorted(cur.fetchall())
                        timings[name].append((time.perf_counter() - t) * 1000)
                if len({repr(a) for a in answers.values()}) != 1:
                    sys.exit(f"the ways disagree for {viewer} / {question}: {answers}")
                base = statistics.median(timings["(a) subquery"][2:])
                for name, ts in timings.items():
                    ts = sorted(ts[2:])
                    p50 = statistics.median(ts)
                    p95 = ts[int(len(ts) * 0.95) - 1]
                    print(
                        f"{viewer:<9} {question:<15} {name:<13} {p50:7.1f} {p95:7.1f} "
                        f"{p50 / base:5.2f}"
                    )
        conn.close()
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")


if __name__ == "__main__":
    main()
