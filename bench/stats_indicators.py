#!/usr/bin/env python3
"""Every statistical indicator for the whole province and for every township, on
PostgreSQL, at province scale.

    DATABASE_URL=postgres://postgres@127.0.0.1:54329/postgres \\
        .venv/bin/python bench/stats_indicators.py [--schools 30000] [--runs 5] [--keep]

It creates a fresh database ``edubureau_stats_bench`` on the server of ``DATABASE_URL``
(dropping one left from an earlier run), migrates it and builds a province of 14
cities and 100 counties (40 schools per city run by the city itself, the rest in the
counties' 15 townships each; kindergartens, primary, junior, senior and vocational
schools), three years of locked returns for every school (figures that add up: grades
to the total, parts within their wholes) and every county's population by age. Then,
``--runs`` times after one warm-up, it times (wall clock, through the ORM, as a system
scope of the province):

- ``compute``: every indicator for the province (one aggregate per census year read,
  the population);
- ``compute_by township``: every indicator for every township, grouped;
- ``compute_by_child``: every indicator for each city and the 省直 schools;
- ``stat_facts``: the province's facts (counts and indicators, this year and last).

and prints p50 and max per step, and whether the goal of the issue (every indicator for
every township and the whole province under 2 s) is met. The database is dropped at
the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

BENCH_DB = "edubureau_stats_bench"
CITIES, COUNTIES, TOWNSHIPS, DIRECT_SCHOOLS = 14, 100, 15, 40
KINDS = ["kindergarten"] * 4 + ["primary"] * 4 + ["junior"] * 2 + ["senior", "vocational"]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schools", type=int, default=30000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    return parser.parse_args(argv)


def server_url(dbname: str) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("DATABASE_URL must point at a PostgreSQL server (see bench/README.md)")
    return urlunparse(urlparse(url)._replace(path=f"/{dbname}"))


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(server_url("postgres"), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")


def drop_database() -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(server_url("postgres"), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")


def values_for(kind: str, rng: random.Random) -> dict[str, int]:
    """A return whose figures add up (grades to the total, parts within wholes)."""
    from edubureau.stats.dictionary import GRADES, MIGRANT_LEVELS, levels_for

    out: dict[str, int] = {}
    for level in levels_for(kind):
        grades = [rng.randint(20, 120) for _ in range(GRADES[level])]
        enrolled = sum(grades)
        classes = max(1, enrolled // 45)
        teachers = max(1, enrolled // rng.randint(10, 20))
        out |= {f"{level}.grade{n}": g for n, g in enumerate(grades, 1)}
        out |= {
            f"{level}.enrolled": enrolled,
            f"{level}.enrolled_female": enrolled // 2,
            f"{level}.entrants": grades[0],
            f"{level}.graduates": grades[-1],
            f"{level}.dropouts": rng.randint(0, 2),
            f"{level}.transfers_in": rng.randint(0, 3),
            f"{level}.transfers_out": rng.randint(0, 3),
            f"{level}.classes": classes,
            f"{level}.classes_56_65": rng.randint(0, classes // 4),
            f"{level}.classes_66": 0,
            f"{level}.teachers": teachers,
            f"{level}.teachers_qualified": teachers - rng.randint(0, 1),
            f"{level}.disabled": rng.randint(0, 2),
        }
        if level in MIGRANT_LEVELS:
            migrant = rng.randint(0, enrolled // 5)
            out |= {f"{level}.migrant": migrant, f"{level}.migrant_public": migrant // 2}
    return out


def build(schools: int, year: int, rng: random.Random) -> Any:
    from edubureau.orgs.models import Bureau, BureauLevel, School, SchoolYear, Township
    from edubureau.stats.models import KgCategory, Population, ReturnStatus, StatReturn

    province = Bureau.objects.create(
        name="基准省教育厅", short_name="基准省", issuer_code="基", level=BureauLevel.PROVINCE
    )
    county_schools = (schools - CITIES * DIRECT_SCHOOLS) // COUNTIES
    years = (year - 2, year - 1, year)
    number = 0

    def add_schools(bureau: Any, townships: list[Any], count: int) -> None:
        nonlocal number
        school_years = [
            SchoolYear.objects.create(
                bureau=bureau,
                start_year=y,
                starts_on=date(y, 9, 1),
                ends_on=date(y + 1, 8, 31),
            )
            for y in years
        ]
        made = School.objects.bulk_create(
            School(
                bureau=bureau,
                township=townships[i % len(townships)] if townships else None,
                identifier=f"{number + i:010d}",
                name=f"基准学校{number + i}",
                kind=KINDS[i % len(KINDS)],
                ownership="public" if i % 7 else "private",
                locality=("urban", "town", "rural")[i % 3],
            )
            for i in range(count)
        )
        number += count
        StatReturn.objects.bulk_create(
            (
                StatReturn(
                    school=school,
                    school_year=school_year,
                    status=ReturnStatus.LOCKED,
                    values=values_for(school.kind, rng),
                    kg_category=(
                        rng.choice(list(KgCategory.values)) if school.kind == "kindergarten" else ""
                    ),
                )
                for school in made
                for school_year in school_years
            ),
            batch_size=5000,
        )

    for c in range(CITIES):
        city = Bureau.objects.create(
            name=f"基准{c}市教育局", issuer_code="基", level=BureauLevel.CITY, parent=province
        )
        add_schools(city, [], DIRECT_SCHOOLS)
        share = COUNTIES // CITIES + (1 if c < COUNTIES % CITIES else 0)
        for k in range(share):
            county = Bureau.objects.create(
                name=f"基准{c}市{k}县教育局",
                issuer_code="基",
                level=BureauLevel.COUNTY,
                parent=city,
            )
            townships = Township.objects.bulk_create(
                Township(bureau=county, name=f"基准镇{t}") for t in range(TOWNSHIPS)
            )
            add_schools(county, townships, county_schools)
            Population.objects.bulk_create(
                Population(bureau=county, year=year, age=age, count=rng.randint(2500, 3500))
                for age in range(26)
            )
    return province


def timed(label: str, step: Callable[[], Any], runs: int) -> float:
    step()  # warm-up: connection, plans, caches
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    p50 = statistics.median(times)
    print(f"  {label:<28} p50 {p50 * 1000:8.1f} ms   max {max(times) * 1000:8.1f} ms")
    return p50


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    os.environ["DATABASE_URL"] = server_url(BENCH_DB)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edubureau.settings")
    os.environ.setdefault("EDUBUREAU_TESTING", "1")
    recreate_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from edubureau.orgs.models import Township
    from edubureau.orgs.scoping import system_scope
    from edubureau.stats.facts import stat_facts
    from edubureau.stats.indicators import INDICATORS, compute, compute_by, compute_by_child
    from edubureau.stats.models import StatReturn

    try:
        call_command("migrate", verbosity=0)
        year = date.today().year
        start = time.perf_counter()
        province = build(args.schools, year, random.Random(args.seed))
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(
            f"built {StatReturn.objects.count()} returns of {args.schools} schools, "
            f"{Township.objects.count()} townships in {time.perf_counter() - start:.1f} s; "
            f"{len(INDICATORS)} indicators"
        )
        scope = system_scope(province)
        whole = timed("compute (province)", lambda: compute(scope, year), args.runs)
        townships = timed(
            "compute_by township", lambda: compute_by(scope, year, "township"), args.runs
        )
        timed("compute_by_child (cities)", lambda: compute_by_child(scope, year), args.runs)
        timed("stat_facts (province)", lambda: stat_facts(scope, year), args.runs)
        total = whole + townships
        verdict = "met" if total < 2 else "NOT met"
        print(f"province + every township: {total:.2f} s (goal under 2 s: {verdict})")
    finally:
        if not args.keep:
            drop_database()


if __name__ == "__main__":
    main()
