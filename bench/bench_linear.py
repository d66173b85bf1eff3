"""Linear cost: doubling ratios (time at 2n over time at n) for the two paths that were quadratic.

1. `refresh --table` growing a 10-row table to n rows, at n = 20k -> 40k -> 80k (a linear search
   per new row once made 40k -> 80k take 49 s).
2. The funnel reader (CSV -> validated funnel, here refused for its stage-pair limit) at
   16k -> 32k stages in one chain (the duplicate-stage and circular-base checks were quadratic:
   a 437 KB CSV of 32,000 stages took 38 s to be refused).

Linear cost gives about 2.0; the aim is at most 2.5 (n log n and noise). Each ratio is the
median of alternated runs (2n, n, 2n, n, ...). XLPLUGIN_BENCH_RUNS sets the runs (default 3).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from inputs import write_lines
from timing import alternate, main, row

RUNS = int(os.environ.get("XLPLUGIN_BENCH_RUNS", "3"))
AIM = "<= 2.5 (linear: 2.0)"


def _table_csv(path: Path, rows: int) -> Path:
    return write_lines(path, ["Region,Amount,Share"] + [f"region {i},{i * 3},{i / 7:.4f}" for i in range(rows)])


def _funnel_csv(path: Path, stages: int) -> Path:
    return write_lines(path, ["stage,count"] + [f"stage {i},{stages - i}" for i in range(stages)])


def run() -> list[dict]:
    import xlsxwriter

    from xlplugin.core.errors import InputError
    from xlplugin.inputs.spec import load_input_table
    from xlplugin.refresh import refresh_table

    folder = Path(tempfile.mkdtemp(prefix="xlplugin-bench-linear-"))
    book = folder / "book.xlsx"
    wb = xlsxwriter.Workbook(str(book))
    ws = wb.add_worksheet("Data")
    ws.add_table(
        "A1:C11",
        {
            "name": "T",
            "columns": [{"header": "Region"}, {"header": "Amount"}, {"header": "Share"}],
            "data": [[f"region {i}", i, i / 7] for i in range(10)],
        },
    )
    wb.close()
    counter = [0]

    def grow(csv: Path) -> None:
        counter[0] += 1
        refresh_table(book, csv, "T", output=folder / f"out{counter[0]}.xlsx")
        (folder / f"out{counter[0]}.xlsx").unlink()

    def read_funnel(csv: Path) -> None:
        with contextlib.suppress(InputError):  # refused for its stage pairs: the time to refusal is measured
            load_input_table(csv)

    results = []
    for small, large in ((20_000, 40_000), (40_000, 80_000)):
        a, b = _table_csv(folder / f"t{small}.csv", small), _table_csv(folder / f"t{large}.csv", large)
        timed = alternate(lambda b=b: grow(b), lambda a=a: grow(a), RUNS)
        results.append(row(f"refresh --table growth {large // 1000}k rows", f"{small // 1000}k rows", timed, AIM))
    a, b = _funnel_csv(folder / "f16k.csv", 16_000), _funnel_csv(folder / "f32k.csv", 32_000)
    timed = alternate(lambda: read_funnel(b), lambda: read_funnel(a), RUNS)
    results.append(row("funnel reader 32k stages", "16k stages", timed, AIM, "refused for its stage pairs"))
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()
    return results


if __name__ == "__main__":
    main(run)
