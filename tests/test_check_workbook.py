"""`xlplugin check-workbook FILE [--json]`: the accessibility checks plus publishing warnings."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import xlsxwriter
from cli_runner import run_xlplugin

from xlplugin.report import build_report

MET = Path(__file__).parent / "data" / "examples" / "met-2020-visits.toml"
PREVENT = Path(__file__).parent / "data" / "examples" / "prevent-channel.csv"
STAMP = "2021-06-17T00:00:00Z"


def _run(*args: str) -> subprocess.CompletedProcess:
    return run_xlplugin("check-workbook", *args, text=True)


def _json(path: Path) -> tuple[int, dict]:
    done = _run(str(path), "--json")
    return done.returncode, json.loads(done.stdout)


def test_published_met_report_passes_without_warnings(tmp_path):
    path = build_report(MET, tmp_path / "met.xlsx", publish=True, timestamp=STAMP)
    code, doc = _json(path)
    assert code == 0 and doc["passes"] is True and doc["findings"] == [] and doc["warnings"] == []
    assert doc["checks"] >= 32
    text = _run(str(path))
    assert text.returncode == 0 and "passes all" in text.stdout and "warning" not in text.stdout


def test_formulas_and_a_bare_cover_are_warnings_not_failures(tmp_path):
    path = build_report(PREVENT, tmp_path / "prevent.xlsx", timestamp=STAMP)  # a CSV: no contact, no next update
    code, doc = _json(path)
    assert code == 0 and doc["passes"] is True
    kinds = {w["check"] for w in doc["warnings"]}
    assert kinds == {"formulas", "cover_contact", "cover_next_update"}
    formulas = [w for w in doc["warnings"] if w["check"] == "formulas"]
    assert {w["sheet"] for w in formulas} >= {"Funnel", "Denominators"}


def test_hidden_rows_columns_and_frozen_panes(tmp_path):
    path = tmp_path / "hidden.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Figures")
    ws.write_string(0, 0, "Figures")
    for r in range(1, 6):
        ws.write_number(r, 0, r)
    ws.set_row(3, None, None, {"hidden": True})
    ws.set_column(2, 3, None, None, {"hidden": True})
    ws.freeze_panes(1, 0)
    wb.close()
    code, doc = _json(path)
    assert code == 1 and doc["passes"] is False and doc["findings"]  # not an accessible publication either
    by_check = {w["check"]: w for w in doc["warnings"]}
    assert "4" in by_check["hidden_rows"]["message"]
    assert "3-4" in by_check["hidden_columns"]["message"]
    assert by_check["freeze_panes"]["sheet"] == "Figures"
    assert {"cover_contact", "cover_next_update"} <= set(by_check)


@pytest.mark.parametrize("content", [b"not a zip", b""])
def test_unreadable_file_is_bad_input(tmp_path, content):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(content)
    done = _run(str(path))
    assert done.returncode == 2 and "Traceback" not in done.stderr and done.stderr.strip()


def test_python_m_accessibility_still_works(tmp_path):
    path = build_report(MET, tmp_path / "met.xlsx", timestamp=STAMP)
    done = subprocess.run([sys.executable, "-m", "xlplugin.accessibility", str(path)], capture_output=True, text=True)
    assert done.returncode == 0 and "passes all" in done.stdout


def test_ods_is_checked_with_the_same_essentials(tmp_path):
    from xlplugin.accessibility.ods import ODS_CHECKS

    path = build_report(MET, tmp_path / "met.ods", publish=True, timestamp=STAMP)
    code, doc = _json(path)
    assert code == 0 and doc["passes"] is True and doc["checks"] == len(ODS_CHECKS)
    assert doc["findings"] == [] and doc["warnings"] == []
    with_formulas = build_report(PREVENT, tmp_path / "prevent.ods", timestamp=STAMP)
    code, doc = _json(with_formulas)
    assert code == 0 and {w["check"] for w in doc["warnings"]} == {"formulas", "cover_contact", "cover_next_update"}
