"""`xlplugin report -o OUT.ods` as a whole process, against the least our ODS writer costs.

1. The Met example report as .ods against a process that imports the same writer
   (`xlplugin.report.ods`, stdlib zipfile underneath) and saves an empty one-sheet ODS: what a
   user waits for beyond the floor (interpreter start, imports, zip). Aim <= 2x.
2. In process: rendering the 500-programme layout against the 50-programme one (3 stages each):
   linear cost means about 10x.

Runs alternate (ours, baseline, ...) so drift hits both; each ratio is a median of pair ratios.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from timing import alternate, run_process

ROOT = Path(__file__).resolve().parent.parent
MET = ROOT / "workbooks" / "examples" / "met-2020-visits.toml"
RUNS = 7

EMPTY_ODS = (
    "import sys\n"
    "from xlplugin.report.model import Layout, Sheet\n"
    "from xlplugin.report.ods import render\n"
    "sheet = Sheet(key='cover', name='Sheet1', title='Empty', description='')\n"
    "layout = Layout(title='Empty', sheets=(sheet,), notes=())\n"
    "open(sys.argv[1], 'wb').write(render(layout))\n"
)


def _programmes_csv(path: Path, programmes: int) -> Path:
    lines = ["programme,stage,count,base"]
    for i in range(programmes):
        referred = 2000 + (i * 7919) % 5000
        discussed = referred // 4 + (i * 31) % 100
        adopted = discussed // 2 + (i * 17) % 50
        lines += [f"Area {i:04d},Referred,{referred},", f"Area {i:04d},Discussed,{discussed},Referred",
                  f"Area {i:04d},Adopted,{adopted},Discussed"]  # fmt: skip
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run() -> list[dict]:
    sys.path.insert(0, str(ROOT))
    from xlplugin.report.build import load_report_layout
    from xlplugin.report.ods import render

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env_cmd = [sys.executable, "-m", "xlplugin.cli", "report", str(MET), "-o", str(folder / "met.ods")]
        ours = [*env_cmd, "--force", "--timestamp", "2021-06-17T00:00:00Z"]
        floor = [sys.executable, "-c", EMPTY_ODS, str(folder / "empty.ods")]
        report = alternate(lambda: run_process(ours, cwd=ROOT), lambda: run_process(floor, cwd=ROOT), RUNS)
        small = load_report_layout(_programmes_csv(folder / "p50.csv", 50), timestamp="2021-06-17")
        large = load_report_layout(_programmes_csv(folder / "p500.csv", 500), timestamp="2021-06-17")
        growth = alternate(lambda: render(large), lambda: render(small), 5)
    return [
        {
            "benchmark": "report -o .ods: Met example (whole process)",
            "baseline": "python saving an empty one-sheet ODS with the same writer",
            "ratio": report.ratio,
            "aim": "<= 2x",
            "notes": f"medians of {RUNS} alternated runs: {report.ours * 1000:.0f} ms vs "
            f"{report.baseline * 1000:.0f} ms",
        },
        {
            "benchmark": "ODS render: 500-programme layout (in process)",
            "baseline": "ODS render: 50-programme layout",
            "ratio": growth.ratio,
            "aim": "<= 10x (10x the data; linear growth)",
            "notes": f"medians of 5 alternated runs: {growth.ours * 1000:.0f} ms vs {growth.baseline * 1000:.0f} ms",
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(f"{row['benchmark']}: {row['ratio']:.2f}x (aim {row['aim']}; {row['notes']})")
