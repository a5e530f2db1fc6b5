#!/usr/bin/env python3
"""How fast core.workbook reads a province-scale return, against the alternatives.

    .venv/bin/python bench/workbook_read.py [--rows 30000] [--columns 30] [--runs 3]

Writes one .xlsx in memory (openpyxl, write-only): a title row, a two-row header,
then ``--rows`` data rows of a school code, a name and ``--columns`` counts. Then,
``--runs`` times each, interleaved, reads every cell of it with:

- *read_workbook*: ``core.workbook.read_workbook`` (the zip guard and the extent
  scan, calamine, then every row through ``Sheet.rows``, values normalised);
- *calamine bare*: ``python_calamine`` ``to_python()`` alone, no guard, raw values;
- *openpyxl read-only*: ``load_workbook(read_only=True, data_only=True)`` and
  ``iter_rows(values_only=True)``, as ``core.excel.read_sheet`` reads;
- *(its guard alone)*: ``core.workbook.check_zip``, the part of *read_workbook*
  that refuses zip bombs and oversized sheets before calamine parses;
- *pandas calamine*: ``pandas.read_excel(engine="calamine", header=None)``, only if
  pandas is installed (the project does not depend on it).

Prints the best time of each and data rows per second, side by side.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import python_calamine  # noqa: E402
from openpyxl import Workbook, load_workbook  # noqa: E402

from edubureau.core import workbook  # noqa: E402
from edubureau.core.workbook import read_workbook  # noqa: E402


def build(rows: int, columns: int) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("基层表")
    sheet.append(["2026年学校基本情况统计表"])
    sheet.append(["学校标识码", "学校名称", *["在校生"] * columns])
    sheet.append([None, None, *[f"{n // 2 + 1}年级{'男女'[n % 2]}" for n in range(columns)]])
    for row in range(rows):
        counts = [(row + n) % 97 for n in range(columns)]
        sheet.append([f"2510{row:06d}", f"第{row + 1}小学", *counts])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def with_read_workbook(data: bytes) -> int:
    sheet = read_workbook(data, "returns.xlsx").sheet("基层表")
    return sum(1 for _ in sheet.rows(4))


def guard_only(data: bytes) -> int:
    workbook.check_zip(data, "xlsx", workbook.Limits())
    return -1


def with_calamine(data: bytes) -> int:
    with python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)) as book:
        return len(book.get_sheet_by_name("基层表").to_python(skip_empty_area=False)) - 3


def with_openpyxl(data: bytes) -> int:
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        return sum(1 for _ in book["基层表"].iter_rows(min_row=4, values_only=True))
    finally:
        book.close()


def with_pandas(data: bytes) -> int:
    import pandas  # type: ignore[import-not-found]

    frame = pandas.read_excel(io.BytesIO(data), engine="calamine", header=None, sheet_name="基层表")
    return len(frame) - 3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=30_000)
    parser.add_argument("--columns", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    started = time.perf_counter()
    data = build(args.rows, args.columns)
    print(
        f"workbook: {args.rows} rows × {args.columns + 2} columns, "
        f"{len(data) / 1e6:.1f} MB, written in {time.perf_counter() - started:.1f} s"
    )
    readers: dict[str, Callable[[bytes], int]] = {
        "read_workbook": with_read_workbook,
        "calamine bare": with_calamine,
        "openpyxl read-only": with_openpyxl,
        "(its guard alone)": guard_only,
    }
    try:
        import pandas  # type: ignore[import-not-found]  # noqa: F401

        readers["pandas calamine"] = with_pandas
    except ImportError:
        print("pandas is not installed: pandas.read_excel(engine='calamine') left out")
    best = {name: float("inf") for name in readers}
    for _ in range(args.runs):
        for name, reader in readers.items():
            started = time.perf_counter()
            rows = reader(data)
            best[name] = min(best[name], time.perf_counter() - started)
            assert rows in (args.rows, -1), (name, rows)
    runs = f"best of {args.runs}"
    print(f"{'reader':<20} {runs:>10} {'rows/s':>10} {'vs read_workbook':>17}")
    for name, seconds in best.items():
        ratio = seconds / best["read_workbook"]
        print(f"{name:<20} {seconds:>9.2f}s {args.rows / seconds:>10,.0f} {ratio:>16.2f}×")


if __name__ == "__main__":
    main()
