"""`xlplugin report` as whole processes: against the least an xlsx writer costs, and as it grows.

1. The Met example report (`python -m xlplugin.cli report SPEC -o OUT --force`) against a
   process that imports XlsxWriter and saves an empty workbook: what a user waits for, beyond
   the floor any XlsxWriter-based tool pays (interpreter start, import, zip). Aim <= 1.5x.
2. A 500-programme CSV against a 50-programme one (3 stages each): linear growth means about
   10x; the fixed start-up cost makes a linear writer come in under that.
3. Context for 1: the same floor after importing the standard modules `report` needs beyond
   XlsxWriter's own (bench_ods.NEEDED_STDLIB): the share of row 1 no change to xlplugin can save.

Runs alternate (ours, baseline, ours, ...) so drift hits both; each ratio is of medians.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from bench_ods import NEEDED_STDLIB
from inputs import MET, ROOT, programmes_csv, report_cmd
from timing import alternate, main, row, run_process, runs

RUNS = runs(7)

EMPTY_WORKBOOK = "import sys, xlsxwriter\nwb = xlsxwriter.Workbook(sys.argv[1])\nwb.add_worksheet()\nwb.close()\n"


def _alternate(a: list[str], b: list[str], runs: int = RUNS):
    """Two whole processes, alternated (see bench/timing.py)."""
    return alternate(lambda: run_process(a, cwd=ROOT), lambda: run_process(b, cwd=ROOT), runs)


def run() -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        report = _alternate(
            report_cmd(MET, folder / "met.xlsx"),
            [sys.executable, "-c", EMPTY_WORKBOOK, str(folder / "empty.xlsx")],
        )
        stdlib = _alternate(
            [sys.executable, "-c", NEEDED_STDLIB + EMPTY_WORKBOOK, str(folder / "needed.xlsx")],
            [sys.executable, "-c", EMPTY_WORKBOOK, str(folder / "empty.xlsx")],
        )
        small = programmes_csv(folder / "p50.csv", 50)
        large = programmes_csv(folder / "p500.csv", 500)
        growth = _alternate(report_cmd(large, folder / "p500.xlsx"), report_cmd(small, folder / "p50.xlsx"), 5)
    return [
        row(
            "report: Met example workbook (whole process)",
            "python importing XlsxWriter and saving an empty workbook",
            report,
            "<= 1.5x",
        ),
        row(
            "the same floor after the standard modules report needs",
            "python importing XlsxWriter and saving an empty workbook",
            stdlib,
            "- (context: the share of row 1 outside xlplugin's code)",
        ),
        row(
            "report: 500-programme CSV (whole process)",
            "report: 50-programme CSV (whole process)",
            growth,
            "<= 10x (10x the data; linear growth)",
        ),
    ]


if __name__ == "__main__":
    main(run)
