"""`xlplugin report` as whole processes: against the least an xlsx writer costs, and as it grows.

1. The Met example report (`python -m xlplugin.cli report SPEC -o OUT --force`) against a
   process that imports XlsxWriter and saves an empty workbook: what a user waits for, beyond
   the floor any XlsxWriter-based tool pays (interpreter start, import, zip). Aim <= 1.5x.
2. A 500-programme CSV against a 50-programme one (3 stages each): linear growth means about
   10x; the fixed start-up cost makes a linear writer come in under that.

Runs alternate (ours, baseline, ours, ...) so drift hits both; each ratio is of medians.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from timing import alternate, run_process, runs

ROOT = Path(__file__).resolve().parent.parent
MET = ROOT / "workbooks" / "examples" / "met-2020-visits.toml"
RUNS = runs(7)

EMPTY_WORKBOOK = "import sys, xlsxwriter\nwb = xlsxwriter.Workbook(sys.argv[1])\nwb.add_worksheet()\nwb.close()\n"


def _alternate(a: list[str], b: list[str], runs: int = RUNS):
    """Two whole processes, alternated (see bench/timing.py)."""
    return alternate(lambda: run_process(a, cwd=ROOT), lambda: run_process(b, cwd=ROOT), runs)


def _report_cmd(source: Path, out: Path) -> list[str]:
    return [
        sys.executable, "-m", "xlplugin.cli", "report", str(source), "-o", str(out),
        "--force", "--timestamp", "2021-06-17T00:00:00Z",
    ]  # fmt: skip


def _programmes_csv(path: Path, programmes: int) -> Path:
    lines = ["programme,stage,count,base"]
    for i in range(programmes):
        referred = 2000 + (i * 7919) % 5000
        discussed = referred // 4 + (i * 31) % 100
        adopted = discussed // 2 + (i * 17) % 50
        name = f"Area {i:04d}"
        lines += [
            f"{name},Referred,{referred},",
            f"{name},Discussed,{discussed},Referred",
            f"{name},Adopted,{adopted},Discussed",
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run() -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        report_ratio, ours, floor = _alternate(
            _report_cmd(MET, folder / "met.xlsx"),
            [sys.executable, "-c", EMPTY_WORKBOOK, str(folder / "empty.xlsx")],
        )
        small = _programmes_csv(folder / "p50.csv", 50)
        large = _programmes_csv(folder / "p500.csv", 500)
        growth, t500, t50 = _alternate(
            _report_cmd(large, folder / "p500.xlsx"), _report_cmd(small, folder / "p50.xlsx"), 5
        )
    return [
        {
            "benchmark": "report: Met example workbook (whole process)",
            "baseline": "python importing XlsxWriter and saving an empty workbook",
            "ratio": report_ratio,
            "aim": "<= 1.5x",
            "notes": f"medians of {RUNS} alternated runs: {ours * 1000:.0f} ms vs {floor * 1000:.0f} ms",
        },
        {
            "benchmark": "report: 500-programme CSV (whole process)",
            "baseline": "report: 50-programme CSV (whole process)",
            "ratio": growth,
            "aim": "<= 10x (10x the data; linear growth)",
            "notes": f"medians of 5 alternated runs: {t500 * 1000:.0f} ms vs {t50 * 1000:.0f} ms",
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(f"{row['benchmark']}: {row['ratio']:.2f}x (aim {row['aim']}; {row['notes']})")
