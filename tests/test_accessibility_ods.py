"""The accessibility rules on .ods: each rule the ODS checker applies through the shared model fires
on a small, deliberately bad .ods written here (ODF XML by hand, not by xlplugin's writer) and not on
the same file without the fault; our own .ods reports pass every check (tests/test_report_ods.py).
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from xlplugin.accessibility import check_workbook
from xlplugin.accessibility.ods import MODEL_CHECKS, NOT_YET_FOR_ODS, ODS_CHECKS
from xlplugin.accessibility.rules import CHECKS

NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
    'xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"'
)
MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"


def _cell(value) -> str:
    """None: empty; a number; text; ("link", text, href); ("textbox", text)."""
    if value is None:
        return "<table:table-cell/>"
    if isinstance(value, (int, float)):
        number = f'office:value-type="float" office:value="{value}"'
        return f"<table:table-cell {number}><text:p>{value}</text:p></table:table-cell>"
    if isinstance(value, tuple) and value[0] == "link":
        _, text, href = value
        return (
            f'<table:table-cell office:value-type="string"><text:p><text:a xlink:href="{escape(href)}" '
            f'xlink:type="simple">{escape(text)}</text:a></text:p></table:table-cell>'
        )
    if isinstance(value, tuple) and value[0] == "textbox":
        return (
            '<table:table-cell><draw:frame draw:name="Box 1" svg:width="4cm" svg:height="1cm">'
            f"<draw:text-box><text:p>{escape(value[1])}</text:p></draw:text-box></draw:frame></table:table-cell>"
        )
    return f'<table:table-cell office:value-type="string"><text:p>{escape(value)}</text:p></table:table-cell>'


def _sheet(name: str, rows: list[list]) -> str:
    body = "".join("<table:table-row>" + "".join(_cell(v) for v in row) + "</table:table-row>" for row in rows)
    return f'<table:table table:name="{escape(name)}"><table:table-column/>{body}</table:table>'


def tiny_ods(path: Path, sheets: list[tuple[str, list[list], int | None]], extra: dict[str, str] | None = None) -> Path:
    """An .ods of `sheets` (name, rows, 1-based row of its table's header or None); each table runs
    from column A to the widest row, down to the last row, as a database range."""
    ranges = []
    for i, (name, rows, top) in enumerate(sheets):
        if top is not None:
            width = max(len(r) for r in rows[top - 1 :])
            last = chr(ord("A") + width - 1)
            ranges.append(
                f'<table:database-range table:name="Table{i + 1}data" table:target-range-address='
                f"\"'{name}'.A{top}:'{name}'.{last}{len(rows)}\" table:contains-header=\"true\"/>"
            )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {NS} office:version="1.3"><office:body>'
        "<office:spreadsheet>" + "".join(_sheet(n, r) for n, r, _ in sheets) + "<table:database-ranges>"
        f"{''.join(ranges)}</table:database-ranges></office:spreadsheet></office:body></office:document-content>"
    )
    meta = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-meta {NS} office:version="1.3"><office:meta>'
        "<dc:title>A small workbook</dc:title><dc:language>en-GB</dc:language></office:meta></office:document-meta>"
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), MIMETYPE)
        z.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        z.writestr("meta.xml", meta, zipfile.ZIP_DEFLATED)
        for name, data in (extra or {}).items():
            z.writestr(name, data, zipfile.ZIP_DEFLATED)
    return path


HEADER = ["Area", "Count (people)", "Rate (%)"]
GOOD_ROWS = [["North", 10, 0.5], ["South", 20, 0.25]]


def _data(rows=None, above=(), header=None, extra_cells=()) -> list[list]:
    """A data sheet: title, description, lines in column A above the table, then the table."""
    lines = [["Areas and counts"], ["Counts of people by area."], *[[t] for t in above], *extra_cells]
    return [*lines, list(header or HEADER), *(rows if rows is not None else GOOD_ROWS)]


def _book(tmp_path: Path, name: str, data: list[list], notes: list[list] | None = None, extra=None) -> Path:
    top = next(i for i, row in enumerate(data, 1) if len(row) > 1 and row[0] == HEADER[0])
    sheets: list[tuple[str, list[list], int | None]] = [("Data", data, top)]
    if notes is not None:
        sheets.append(("Notes", [["Notes"], ["The notes."], ["Note number", "Note text"], *notes], 3))
    return tiny_ods(tmp_path / f"{name}.ods", sheets, extra)


GOOD_NOTES = [["[note 1]", "Counts are of people."]]
CASES = {
    # rule: (data sheet, notes rows or None, extra package parts)
    "notes": (_data(above=["See [note 2]."]), GOOD_NOTES, None),
    "no_blank_rows_or_columns": (_data(rows=[["North", 10, 0.5], [None, None, None], ["South", 20, 0.25]]), None, None),
    "no_empty_cells": (_data(rows=[["North", None, 0.5], ["South", 20, 0.25]]), None, None),
    "shorthand_key": (_data(rows=[["North", "[c]", 0.5], ["South", 20, 0.25]]), None, None),
    "units_in_headers": (_data(header=["Area", "Count", "Rate (%)"]), None, None),
    "ci_columns": (_data(rows=[["North", 10, "8.2% to 10.5%"], ["South", 20, 0.25]]), None, None),
    "hyperlink_text": (_data(extra_cells=[[("link", "click here", "https://example.org/")]]), None, None),
    "no_text_boxes": (_data(extra_cells=[[("textbox", "Read me first")]]), None, None),
    "no_macros": (_data(), None, {"Basic/Standard/Module1.xml": "<script/>"}),
}


def test_every_rule_is_applied_to_ods_or_listed_as_not_yet():
    assert set(MODEL_CHECKS) <= set(ODS_CHECKS) <= set(CHECKS)
    assert set(CHECKS) - set(ODS_CHECKS) == set(NOT_YET_FOR_ODS)
    assert set(CASES) == set(MODEL_CHECKS)


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_fires_on_a_bad_ods_and_not_on_the_good_one(tmp_path, rule):
    data, notes, extra = CASES[rule]
    bad = check_workbook(_book(tmp_path, "bad", data, notes, extra), checks=[rule])
    assert [f.check for f in bad] and {f.check for f in bad} == {rule}, bad
    good_data = _data(above=["See [note 1]."]) if notes else _data()
    good = check_workbook(_book(tmp_path, "good", good_data, GOOD_NOTES if notes else None), checks=[rule])
    assert good == [], good


def test_findings_name_the_sheet_and_cell(tmp_path):
    data, notes, extra = CASES["ci_columns"]
    (finding,) = check_workbook(_book(tmp_path, "bad", data, notes, extra), checks=["ci_columns"])
    assert (finding.sheet, finding.where) == ("Data", "C4")
    notes = check_workbook(_book(tmp_path, "notes", *CASES["notes"][:2]), checks=["notes"])
    (undefined,) = [f for f in notes if "[note 2]" in f.message]
    assert (undefined.sheet, undefined.where) == ("Data", "A3")
