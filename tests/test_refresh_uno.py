"""End to end, with LibreOffice playing the user through its Python UNO bridge (issue 5).

Open a report, add a sheet with numbers, a formula (one reading a report cell), a chart, a
comment, a text box, conditional formatting and a named range, save as xlsx; refresh with a
CSV that adds a stage and changes every count; then LibreOffice recalculates and every
addition is there and working, and the report shows the new figures only.

Debian's python3-uno imports only in the system Python, so `refresh_uno_user.py` runs as a
subprocess of /usr/bin/python3 (env XLPLUGIN_UNO_PYTHON overrides).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import lo_harness
import pytest
from oracles import unavailable
from test_refresh_report import NEW_CSV, OLD_CSV, count_cell

from xlplugin.core.intervals import proportion_ci
from xlplugin.ooxml.book import open_book
from xlplugin.ooxml.package import open_package
from xlplugin.refresh import refresh_workbook
from xlplugin.report import build_report

HERE = Path(__file__).resolve().parent
UNO_PYTHON = os.environ.get("XLPLUGIN_UNO_PYTHON", "/usr/bin/python3")


def _require_uno() -> None:
    lo_harness.require_soffice()
    ok = (
        Path(UNO_PYTHON).exists()
        and subprocess.run([UNO_PYTHON, "-c", "import uno"], capture_output=True).returncode == 0
    )
    if not ok:
        unavailable(f"{UNO_PYTHON} cannot import uno (Debian package python3-uno)")


def _uno(*args: str) -> dict:
    done = subprocess.run(
        [UNO_PYTHON, str(HERE / "refresh_uno_user.py"), *args], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.libreoffice
def test_user_additions_survive_and_report_shows_new_figures_only(tmp_path):
    _require_uno()
    csv = tmp_path / "met.csv"
    csv.write_text(OLD_CSV, encoding="utf-8")
    report = build_report(csv, tmp_path / "met.xlsx")
    edited = tmp_path / "edited.xlsx"
    visited = count_cell(report, 1)
    _uno("edit", str(report), str(edited), visited)
    new_csv = tmp_path / "met-2021.csv"
    new_csv.write_text(NEW_CSV, encoding="utf-8")
    refresh_workbook(edited, new_csv, backup=True)  # in place, no --force: the user edited no owned cell
    assert (tmp_path / "edited.bak.xlsx").exists()
    seen = _uno("inspect", str(edited))

    # everything the user added is there and working
    assert seen["sheets"][-1] == "Mine"
    assert seen["mine_values"] == [10.0, 20.0, 30.0, 60.0, 1600.0]  # A5 = the Visited count * 2 = 800 * 2
    assert seen["mine_formulas"] == ["=SUM(A1:A3)", f"=$Funnel.{visited}*2"]
    assert seen["mine_label"] == "my label"
    assert len(seen["charts"]) == 1
    assert seen["comments"] == ["my comment"]
    assert "my text box" in seen["text_shapes"]
    assert seen["conditional_formats"] == 1
    assert seen["named_ranges"]["my_range"] == "$Mine.$A$1:$A$3"
    assert seen["funnel_comments"] == ["reviewer note"]  # a comment on an owned sheet is carried over
    # text boxes drawn on owned sheets are carried over, beside the report's refreshed chart
    assert "note on the table" in seen["owned_drawings"]["Funnel"]["texts"]
    assert "note on the chart" in seen["owned_drawings"]["Funnel chart"]["texts"]
    assert seen["owned_drawings"]["Funnel chart"]["charts"] == 1
    # ... and that chart is the new one: alt text and series cache state the new counts
    with open_package(edited) as package:
        book = open_book(package, edited)
        sheet = book.sheet_named("Funnel chart")
        drawing = next(r.part for r in package.rels(sheet.part) if r.type.endswith("/drawing"))
        drawing_xml = package.read(drawing).decode()
        chart = next(r.part for r in package.rels(drawing) if r.type.endswith("/chart"))
        chart_xml = package.read(chart).decode()
    assert "1,200" in drawing_xml and "669" not in drawing_xml
    assert "<c:v>1200</c:v>" in chart_xml and "<c:v>669</c:v>" not in chart_xml

    # LibreOffice's calculation of the report shows the new figures, and only those
    rows = {row[0]: row for row in seen["funnel"] if row and isinstance(row[0], str)}
    counts = {
        "Identified for a visit": 1200,
        "Visited": 800,
        "Follow-up engagements": 200,
        "Interested in diversion": 90,
        "Started diversion": 40,
        "Contacted police about diversion": 25,
    }
    for stage, count in counts.items():
        assert rows[stage][1] == count, stage
    for stage, (x, n) in {
        "Visited": (800, 1200),
        "Interested in diversion": (90, 800),
        "Started diversion": (40, 90),
    }.items():
        lower, upper = proportion_ci(x, n)
        assert abs(rows[stage][4] - x / n) < 1e-9, stage
        assert abs(rows[stage][5] - lower) < 1e-9 and abs(rows[stage][6] - upper) < 1e-9, stage
        assert abs(rows[stage][7] - x / 1200) < 1e-9, stage
    table = [row for row in seen["funnel"] if row and row[0] in counts]
    assert len(table) == 6
    old_counts = {1000.0, 669.0, 156.0, 62.0, 20.0}
    assert not old_counts & {v for row in table for v in row if isinstance(v, float)}
