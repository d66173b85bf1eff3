"""Refresh keeps the cover's data-driven fields and the tab order true to the new figures."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from xlplugin.ooxml.book import open_book
from xlplugin.ooxml.package import open_package, write_package
from xlplugin.refresh import refresh_table, refresh_workbook
from xlplugin.report import build_report

EXAMPLES = Path(__file__).parent / "data" / "examples"
MET_SPEC = EXAMPLES / "met-2020-visits.toml"
MET_CSV = EXAMPLES / "met-2020-visits.csv"
PREVENT = EXAMPLES / "prevent-channel.csv"
MET_2022 = Path(__file__).parent / "data" / "comparison" / "met-2022-visits.csv"
STAMP = "2026-01-01T00:00:00Z"

openpyxl = pytest.importorskip("openpyxl")


def _tabs(path: Path) -> list[str]:
    wb = zipfile.ZipFile(path).read("xl/workbook.xml").decode()
    return re.findall(r'<sheet [^>]*name="([^"]+)"', wb)


def _contents(path: Path) -> list[str]:
    book = openpyxl.load_workbook(path)
    rows = [r[0].value for r in book["Contents"].iter_rows(min_row=1)]
    return rows[rows.index("Sheet name") + 1 :]


def _cover(path: Path) -> list[str]:
    return [r[0].value for r in openpyxl.load_workbook(path)["Cover"].iter_rows(max_col=1) if r[0].value]


def test_cover_example_and_period_come_from_the_data():
    from xlplugin.report import load_report_layout

    met = load_report_layout(MET_SPEC, timestamp=STAMP).sheet("cover")
    texts = [line.text for line in met.lines]
    assert "Every rate names its numerator and its denominator, for example '62 of 669 visited'." in texts
    assert "First stage: 1,000 identified for a visit (people)" in texts
    prevent = load_report_layout(PREVENT, timestamp=STAMP).sheet("cover")
    texts = [line.text for line in prevent.lines]
    assert "Periods covered: Year ending March 2019 to Year ending March 2024 (4 periods)" in texts
    assert any("for example '512 of 893 discussed at a Channel panel (Year ending March 2024)'" in t for t in texts)
    assert not any("62 of 669" in t for t in texts)


def test_met_refreshed_from_2022_csv_states_2022_and_the_new_example(tmp_path):
    report = tmp_path / "met.xlsx"
    build_report(MET_SPEC, report, timestamp=STAMP)
    out = refresh_workbook(report, MET_2022, output=tmp_path / "met-2022.xlsx")
    cover = _cover(out)
    assert "Period: 2022" in cover
    assert "First stage: 1,200 identified for a visit (people)" in cover
    assert "Every rate names its numerator and its denominator, for example '97 of 804 visited'." in cover
    assert not any("62 of 669" in line for line in cover)
    # lines that state the data's period or figures say 2022, never 2020
    data_lines = [line for line in cover if line.startswith(("Period", "First stage", "Data:", "Every rate"))]
    assert data_lines and not any("2020" in line for line in data_lines)
    # the title and dates are the spec's, and the cover says so
    assert any(
        line.startswith("The title, publisher, dates and claims were given for the figures first") for line in cover
    )
    assert _tabs(out)[0] == "Cover" and [t for t in _tabs(out) if t != "Contents"] == _contents(out)


def test_refresh_that_adds_sheets_keeps_tab_order_equal_to_contents(tmp_path):
    report = tmp_path / "met.xlsx"
    build_report(MET_CSV, report, timestamp=STAMP)
    refresh_table(report, MET_CSV, "Mine", sheet="My sheet")  # the user's own sheet, at the end
    out = refresh_workbook(report, PREVENT, output=tmp_path / "prevent.xlsx")
    tabs = _tabs(out)
    assert {"Programmes", "Changes", "Trend chart"} <= set(tabs)
    owned = [t for t in tabs if t not in ("Contents", "My sheet")]
    assert owned == _contents(out)
    assert tabs[-1] == "My sheet"  # the user's sheet stays where it was, after the report's
    assert tabs.index("Trend chart") < tabs.index("Data")


def test_move_sheet_keeps_local_names_and_active_tab(tmp_path):
    path = tmp_path / "three.xlsx"
    wb = xlsxwriter.Workbook(path)
    for name in ("A", "B", "C"):
        wb.add_worksheet(name).write(0, 0, name)
    wb.define_name("B!here", "=B!$A$1")
    wb.worksheets()[1].activate()
    wb.close()
    with open_package(path) as package:
        book = open_book(package, path)
        book.move_sheet(book.sheet_named("B"), 2)
        book.move_sheet(book.sheet_named("A"), 1)
        assert [s.name for s in book.sheets] == ["C", "A", "B"]
        write_package(package, tmp_path / "moved.xlsx", book.changes)
    moved = openpyxl.load_workbook(tmp_path / "moved.xlsx")
    assert moved.sheetnames == ["C", "A", "B"]
    assert moved.active.title == "B"
    assert "here" in moved["B"].defined_names
    data = zipfile.ZipFile(tmp_path / "moved.xlsx").read("xl/workbook.xml").decode()
    assert 'localSheetId="2"' in data and 'activeTab="2"' in data


def test_refresh_with_a_spec_updates_title_dates_and_claims(tmp_path):
    report = tmp_path / "plain.xlsx"
    build_report(MET_CSV, report, timestamp=STAMP)
    assert "Claims" not in _tabs(report)
    out = refresh_workbook(report, MET_SPEC, output=tmp_path / "spec.xlsx")
    cover = _cover(out)
    assert cover[0] == "Met Police violence-suppression visits, 2020: uptake of diversion"
    assert "Published: 17 June 2021" in cover
    assert not any(line.startswith("The title, publisher, dates and claims were given") for line in cover)
    assert "Claims" in _tabs(out)
    assert [t for t in _tabs(out) if t != "Contents"] == _contents(out)


def test_met_refreshed_from_2022_csv_retitles_2020_and_says_so(tmp_path):
    from xlplugin.refresh.report import custom_properties
    from xlplugin.report.ownership import read_ownership

    report = tmp_path / "met.xlsx"
    build_report(MET_SPEC, report, timestamp=STAMP)
    out = refresh_workbook(report, MET_2022, output=tmp_path / "met-2022.xlsx")
    cover = _cover(out)
    assert cover[0] == "Met Police violence-suppression visits, 2022: uptake of diversion"
    assert "Title updated by the refresh to the period the data state (2020 to 2022)." in cover
    assert openpyxl.load_workbook(out).properties.title == cover[0]
    with open_package(out) as package:
        record = read_ownership(custom_properties(package))
    # refresh keeps the build's record (the spec's title, no stated period), so each refresh retitles from it
    assert record["spec"]["title"] == "Met Police violence-suppression visits, 2020: uptake of diversion"
    assert "data_periods" not in record
    later = tmp_path / "met-2023.csv"
    later.write_text(MET_2022.read_text(encoding="utf-8").replace("2022,", "2023,"), encoding="utf-8")
    again = _cover(refresh_workbook(out, later, output=tmp_path / "met-2023.xlsx"))
    assert again[0] == "Met Police violence-suppression visits, 2023: uptake of diversion"
    assert "Title updated by the refresh to the period the data state (2020 to 2023)." in again


def test_refresh_from_areas_keeps_the_title_and_a_spec_title_is_never_rewritten(tmp_path):
    report = tmp_path / "met.xlsx"
    build_report(MET_SPEC, report, timestamp=STAMP)
    areas = tmp_path / "areas.csv"
    areas.write_text(MET_2022.read_text(encoding="utf-8").replace("2022,", "Leeds,"), encoding="utf-8")
    cover = _cover(refresh_workbook(report, areas, output=tmp_path / "areas.xlsx"))
    assert cover[0] == "Met Police violence-suppression visits, 2020: uptake of diversion"  # no period stated
    assert not any(line.startswith("Title updated") for line in cover)
    # a refresh with a spec takes the spec's title as written
    respec = _cover(refresh_workbook(tmp_path / "areas.xlsx", MET_SPEC, output=tmp_path / "spec.xlsx"))
    assert respec[0] == "Met Police violence-suppression visits, 2020: uptake of diversion"


def test_periods_recorded_at_build_are_what_a_refresh_retitles(tmp_path):
    from xlplugin.refresh.report import custom_properties
    from xlplugin.report.ownership import read_ownership

    data = tmp_path / "two.csv"
    data.write_text(
        MET_2022.read_text(encoding="utf-8").replace("2022,", "2019/20,")
        + MET_2022.read_text(encoding="utf-8").split("\n", 1)[1].replace("2022,", "2020/21,"),
        encoding="utf-8",
    )
    spec = tmp_path / "two.toml"
    spec.write_text('title = "Visits 2019/20 to 2020/21"\ndata = "two.csv"\n', encoding="utf-8")
    report = tmp_path / "two.xlsx"
    build_report(spec, report, timestamp=STAMP)
    with open_package(report) as package:
        assert read_ownership(custom_properties(package))["data_periods"] == ["2019/20", "2020/21"]
    later = tmp_path / "later.csv"
    later.write_text(data.read_text(encoding="utf-8").replace("2019/20,", "2021/22,"), encoding="utf-8")
    cover = _cover(refresh_workbook(report, later, output=tmp_path / "later.xlsx"))
    assert cover[0] == "Visits 2020/21 to 2021/22"


def test_a_title_period_that_cannot_be_placed_is_kept_and_named_on_the_cover():
    from xlplugin.inputs.spec import ReportSpec
    from xlplugin.report import load_report_layout

    spec = ReportSpec(title="Visits 2019 and 2020")
    layout = load_report_layout(MET_2022, timestamp=STAMP, spec=spec, previous_periods=())
    cover = layout.sheet("cover")
    assert cover.title == "Visits 2019 and 2020"
    texts = [line.text for line in cover.lines]
    assert any(t.startswith("The title names 2019 and 2020, which these figures may not cover") for t in texts)
    assert not any(t.startswith("Title updated") for t in texts)
    # a build (no previous periods: not a refresh) never retitles
    built = load_report_layout(MET_2022, timestamp=STAMP, spec=spec).sheet("cover")
    assert not any("The title names" in line.text for line in built.lines)
