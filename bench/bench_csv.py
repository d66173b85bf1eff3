"""CSV reading: `read_table` against the `csv` module reading the same file.

The baseline is the least any reader must do: open the file with the right encoding and
run `csv.reader` over it. Ours also sniffs the encoding and separator, normalises line
ends, checks limits, drops trailing empty fields and blank lines and records line numbers.
Two files: a clean UTF-8 comma file, and a cp1252 `;` CRLF file with trailing separators
and blank lines (what Excel for Windows writes in a decimal-comma locale).
"""

from __future__ import annotations

import csv
import random
import sys
import tempfile
from pathlib import Path

from timing import alternate, main, row

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from xlplugin.inputs.csvinput import read_table  # noqa: E402

ROWS = 100_000
RUNS = 7


def _write(path: Path, delimiter: str, newline: str, encoding: str, trailing: bool) -> None:
    rng = random.Random(1)
    towns = ["Oberösterreich", "Linz", "Wels, Stadt", "Steyr", "Braunau am Inn", "Café £5"]
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator=newline)
        writer.writerow(["programme", "stage", "count", "base", "unit", "rounding", "note", "code"])
        for i in range(ROWS):
            row = [
                f"Year {2015 + i % 10}",
                f"{rng.choice(towns)} stage {i}",
                f"{rng.randrange(10**6):,}",
                "" if i % 5 == 0 else f"Stage {i - 1}",
                rng.choice(["people", "contacts"]),
                "",
                rng.choice(["", "Engagements; not people", 'said "yes"', "66,9 %"]),
                f"{rng.randrange(10**8):08d}",
            ]
            writer.writerow(row + ([""] if trailing else []))
            if trailing and i % 1000 == 0:
                handle.write(newline)


def _baseline(path: Path, encoding: str, delimiter: str) -> int:
    with open(path, encoding=encoding, newline="") as handle:
        return len(list(csv.reader(handle, delimiter=delimiter)))


def run() -> list[dict]:
    results = []
    with tempfile.TemporaryDirectory() as folder:
        cases = [
            ("utf-8 ',' LF", "utf-8", ",", "\n", False),
            ("cp1252 ';' CRLF, trailing ';', blank lines", "cp1252", ";", "\r\n", True),
        ]
        for label, encoding, delimiter, newline, trailing in cases:
            path = Path(folder) / "big.csv"
            _write(path, delimiter, newline, encoding, trailing)
            size = path.stat().st_size
            table = read_table(path)
            assert len(table.rows) == ROWS and table.delimiter == delimiter, (len(table.rows), table.delimiter)
            timed = alternate(
                lambda p=path: read_table(p), lambda p=path, e=encoding, d=delimiter: _baseline(p, e, d), RUNS
            )
            benchmark = f"read_table, {ROWS:,} rows x 8 columns ({size / 1e6:.1f} MB, {label})"
            results.append(
                row(benchmark, "csv.reader on the same file, encoding and separator given", timed, "<= 2.5x")
            )
    return results


if __name__ == "__main__":
    main(run)
