"""Workbook input: `read_workbook` against openpyxl's own read-only iteration of the same sheet.

The baseline is the least any openpyxl reader does: `load_workbook(read_only=True,
data_only=True)` and `iter_rows(values_only=True)` over the sheet. Ours also runs the package
checks first (every entry inflated once against its declared size and CRC, DTDs refused), finds the
header and the data block, scans the sheet for hidden rows and merged cells, and turns each value
into the text a CSV would hold. A second row shows the cost is linear: twice the rows, about twice
the time.
"""

from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path

from timing import alternate, main, row

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from xlplugin.inputs.xlsxinput import read_workbook  # noqa: E402

ROWS = 100_000
RUNS = 3


def _write(path: Path, rows: int) -> None:
    import xlsxwriter

    rng = random.Random(1)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Data")
    sheet.write_row(0, 0, ["programme", "stage", "count", "base", "unit", "rounding", "note", "code"])
    for i in range(rows):
        sheet.write_row(
            i + 1,
            0,
            [
                f"Year {2015 + i % 10}",
                f"Stage {i}",
                rng.randrange(10**6),
                "" if i % 5 == 0 else f"Stage {i - 1}",
                rng.choice(["people", "contacts"]),
                "",
                rng.choice(["", "Engagements; not people", 'said "yes"']),
                rng.randrange(10**8),
            ],
        )
    book.close()


def _baseline(data: bytes) -> int:
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        return sum(1 for _ in book["Data"].iter_rows(values_only=True))
    finally:
        book.close()


def run() -> list[dict]:
    results = []
    with tempfile.TemporaryDirectory() as folder:
        data = {}
        for rows in (ROWS // 2, ROWS):
            path = Path(folder) / f"big-{rows}.xlsx"
            _write(path, rows)
            data[rows] = path.read_bytes()
        big = data[ROWS]
        table = read_workbook(big, "big.xlsx")
        assert len(table.rows) == ROWS and len(table.header) == 8, (len(table.rows), table.header)
        timed = alternate(lambda: read_workbook(big, "big.xlsx"), lambda: _baseline(big), RUNS)
        benchmark = f"read_workbook, {ROWS:,} rows x 8 columns ({len(big) / 1e6:.1f} MB xlsx)"
        results.append(
            row(benchmark, "openpyxl read-only iter_rows(values_only=True) over the same sheet", timed, "<= 1.5x")
        )
        half = data[ROWS // 2]
        timed = alternate(
            lambda: read_workbook(big, "big.xlsx"), lambda: read_workbook(half, "half.xlsx"), RUNS, warmup=False
        )
        benchmark = f"read_workbook, {ROWS:,} rows against {ROWS // 2:,} (doubling)"
        results.append(row(benchmark, f"read_workbook of {ROWS // 2:,} rows x 8 columns", timed, "about 2x (linear)"))
    return results


if __name__ == "__main__":
    main(run)
