#!/usr/bin/env python3
"""How fast a province's returns workbook is read and checked, against pandas.

    .venv/bin/python bench/stats_import.py [--schools 30000] [--runs 3] [--rebuild]

Builds once (and caches in ``var/bench/``) a bureau's workbook as
``stats.excel.returns_workbook`` lays it out — a sheet per level, a title row, the
two header rows, one row per school — for ``--schools`` schools of a realistic mix
(kindergartens, primary, junior, nine-year, senior, vocational schools; figures that
add up, ~1 in 50 schools with a grade off so that errors are reported too), written
with openpyxl's write-only mode (no merged header: the reader matches the headers by
their text either way). Then, ``--runs`` times each, interleaved:

- *pandas calamine*: ``pandas.read_excel(path, sheet_name=None, engine="calamine")``
  alone — every sheet into a DataFrame, no check at all;
- *parse + check*: what the preview does but store — ``excel.parse_returns`` (the
  zip guard and extent scan of ``core.workbook.read_workbook``, calamine, header
  matching, every row into raw figures) and ``excel.check_returns`` (each school
  found, its levels, duplicates, the return rules with last year's figures for half
  the schools, changes and cells). The schools are a synthetic in-memory map
  (identifier → ``SchoolInfo``), not a database: the preview's database work is one
  query per 2,000 identifiers, measured by the tests' scale, not here;
- *(parse alone)*: ``excel.parse_returns``, to tell the reading from the rules.

Prints the best time of each, data rows per second and the ratio to pandas (goal:
parse + check ≤ 3× pandas).
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edubureau.settings")
os.environ.setdefault("EDUBUREAU_TESTING", "1")

import django  # noqa: E402

django.setup()

from openpyxl import Workbook  # noqa: E402

from edubureau.stats import excel  # noqa: E402
from edubureau.stats.dictionary import GRADES, GROUPS, MIGRANT_LEVELS, Level, levels_for  # noqa: E402

YEAR = 2030
KINDS = (
    ["kindergarten"] * 4
    + ["primary"] * 4
    + ["junior"] * 2
    + ["nine_year", "senior", "vocational", "complete_secondary"]
)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--schools", type=int, default=30000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rebuild", action="store_true", help="write the workbook again")
    return parser.parse_args(argv)


def values_for(kind: str, rng: random.Random) -> dict[str, int]:
    """A return whose figures add up (grades to the total, parts within wholes)."""
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


def schools(count: int, seed: int) -> list[tuple[excel.SchoolInfo, dict[str, int]]]:
    """Each school's description (as the import service makes it) and this year's
    figures; half have last year's closed figures, for the year-over-year rules."""
    rng = random.Random(seed)
    out = []
    for n in range(count):
        kind = KINDS[n % len(KINDS)]
        values = values_for(kind, rng)
        if n % 50 == 7:
            first = f"{levels_for(kind)[0]}.grade1"
            values[first] += 1  # an error: the grades no longer add up
        # Last year's: this year's within 10% (1 school in 20 moved by a third).
        spread = 0.33 if n % 20 == 3 else 0.1
        previous = (
            {
                code: max(0, round(v * (1 + rng.uniform(-spread, spread))))
                for code, v in values.items()
            }
            if n % 2
            else None
        )
        info = excel.SchoolInfo(
            pk=n + 1,
            identifier=f"51{n:08d}",
            name=f"第{n + 1}学校",
            kind=kind,
            importable=True,
            previous=previous,
        )
        out.append((info, values))
    return out


def build(path: Path, every: list[tuple[excel.SchoolInfo, dict[str, int]]]) -> None:
    book = Workbook(write_only=True)
    for level in Level:
        specs = excel.level_fields(level)
        sheet = book.create_sheet(Level(level).label)
        sheet.append([excel.sheet_title(YEAR, level)])
        sheet.append([])
        lead = [excel.IDENTIFIER, excel.NAME] + ([excel.KG_CATEGORY] if level == Level.KG else [])
        groups: list[str | None] = []
        for spec in specs:
            group = GROUPS[spec.group]
            groups.append(group if group not in groups else None)
        sheet.append([*lead, *groups])
        sheet.append([None] * len(lead) + [excel.field_header(spec) for spec in specs])
        for info, values in every:
            if level not in levels_for(info.kind):
                continue
            kg = ["公办园"] if level == Level.KG else []
            sheet.append([info.identifier, info.name, *kg, *(values[s.code] for s in specs)])
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)


def best(runs: int, work: Callable[[], object]) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return min(times), result


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    every = schools(args.schools, args.seed)
    path = ROOT / "var" / "bench" / f"stats_import_{args.schools}_{args.seed}.xlsx"
    if args.rebuild or not path.exists():
        started = time.perf_counter()
        build(path, every)
        print(f"wrote {path.relative_to(ROOT)} in {time.perf_counter() - started:.1f} s")
    data = path.read_bytes()
    infos = {info.identifier: info for info, _ in every}
    rows = sum(len(levels_for(info.kind)) for info, _ in every)
    print(f"{args.schools} schools, {rows} data rows, {len(data) / 1e6:.1f} MB")

    import pandas  # a dev dependency only

    def with_pandas() -> object:
        return pandas.read_excel(io.BytesIO(data), sheet_name=None, engine="calamine")

    def parse_only() -> object:
        return excel.parse_returns(data, path.name, year=YEAR)

    def parse_and_check() -> object:
        parsed = excel.parse_returns(data, path.name, year=YEAR)
        return excel.check_returns(parsed, year=YEAR, schools=infos)

    timings: dict[str, float] = {}
    results: dict[str, object] = {}
    cases = {
        "pandas calamine": with_pandas,
        "parse + check": parse_and_check,
        "(parse alone)": parse_only,
    }
    for _ in range(args.runs):  # interleaved, so that a busy moment hits each alike
        for name, work in cases.items():
            seconds, result = best(1, work)
            timings[name] = min(timings.get(name, seconds), seconds)
            results[name] = result
    checked = results["parse + check"]
    assert isinstance(checked, excel.Checked)
    print(
        f"checked: {len(checked.schools)} schools' figures, {len(checked.errors)} errors, "
        f"{len(checked.warnings)} warnings"
    )
    base = timings["pandas calamine"]
    print(f"{'':18}{'best s':>9}{'rows/s':>11}{'× pandas':>10}")
    for name, seconds in timings.items():
        print(f"{name:18}{seconds:9.2f}{rows / seconds:11,.0f}{seconds / base:10.2f}")


if __name__ == "__main__":
    main()
