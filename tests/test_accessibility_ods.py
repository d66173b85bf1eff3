"""The accessibility rules on .ods: each shared rule the ODS checker runs on the model built from the
ODF (`xlplugin.accessibility.ods_model`) fires on a small, deliberately bad .ods written here (ODF
XML by hand, not by xlplugin's writer) and not on the same file without the fault; our own .ods
reports pass every check (tests/test_report_ods.py, test_checker_passes_the_ods).
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from xlplugin.accessibility import check_workbook
from xlplugin.accessibility.ods import MODEL_CHECKS, ODS_CHECKS
from xlplugin.accessibility.rules import CHECKS

NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
    'xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" '
    'xmlns:config="urn:oasis:names:tc:opendocument:xmlns:config:1.0"'
)
#: The good book's styles: counts as #,##0 and rates as 0.0% (the guidance's formats).
STYLES = (
    '<number:number-style style:name="N1"><number:number number:decimal-places="0" number:min-integer-digits="1" '
    'number:grouping="true"/></number:number-style>'
    '<number:percentage-style style:name="N2"><number:number number:decimal-places="1" '
    'number:min-integer-digits="1"/><number:text>%</number:text></number:percentage-style>'
    '<style:style style:name="count" style:family="table-cell" style:data-style-name="N1"/>'
    '<style:style style:name="rate" style:family="table-cell" style:data-style-name="N2"/>'
)
MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"


def _cell(value, style: str | None = None) -> str:
    """None: empty; a number; text; ("link", text, href); ("textbox", text); ("span", text, style);
    ("styled", value, cell style)."""
    if isinstance(value, tuple) and value[0] == "styled":
        return _cell(value[1], value[2])
    named = f' table:style-name="{style}"' if style else ""
    if value is None:
        return "<table:table-cell/>"
    if isinstance(value, (int, float)):
        number = f'office:value-type="{"percentage" if style == "rate" else "float"}" office:value="{value}"'
        return f"<table:table-cell{named} {number}><text:p>{value}</text:p></table:table-cell>"
    if isinstance(value, tuple) and value[0] == "span":
        return (
            f'<table:table-cell office:value-type="string"><text:p>Note<text:span text:style-name="{value[2]}">'
            f"{escape(value[1])}</text:span></text:p></table:table-cell>"
        )
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
    return f'<table:table-cell{named} office:value-type="string"><text:p>{escape(value)}</text:p></table:table-cell>'


def _sheet(name: str, rows: list[list]) -> str:
    body = "".join("<table:table-row>" + "".join(_cell(v) for v in row) + "</table:table-row>" for row in rows)
    return f'<table:table table:name="{escape(name)}"><table:table-column/>{body}</table:table>'


def tiny_ods(
    path: Path, sheets: list[tuple[str, list[list], int | None]], extra: dict[str, str] | None = None, styles: str = ""
) -> Path:
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
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {NS} office:version="1.3">'
        f"<office:automatic-styles>{STYLES}{styles}</office:automatic-styles><office:body><office:spreadsheet>"
        + "".join(_sheet(n, r) for n, r, _ in sheets)
        + "<table:database-ranges>"
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


def _row(area, count, rate, count_style="count"):
    return [area, ("styled", count, count_style) if count is not None else None, ("styled", rate, "rate")]


GOOD_ROWS = [_row("North", 10, 0.5), _row("South", 20, 0.25)]


def _data(rows=None, above=(), header=None, extra_cells=()) -> list[list]:
    """A data sheet: title, description, lines in column A above the table, then the table."""
    lines = [["Areas and counts"], ["Counts of people by area."], *[[t] for t in above], *extra_cells]
    return [*lines, list(header or HEADER), *(rows if rows is not None else GOOD_ROWS)]


def _book(
    tmp_path: Path, name: str, data: list[list], notes: list[list] | None = None, extra=None, styles: str = ""
) -> Path:
    top = next(i for i, row in enumerate(data, 1) if len(row) > 1 and row[0] == HEADER[0])
    sheets: list[tuple[str, list[list], int | None]] = [("Data", data, top)]
    if notes is not None:
        sheets.append(("Notes", [["Notes"], ["The notes."], ["Note number", "Note text"], *notes], 3))
    return tiny_ods(tmp_path / f"{name}.ods", sheets, extra, styles)


GOOD_NOTES = [["[note 1]", "Counts are of people."]]
SETTINGS = (
    f'<?xml version="1.0" encoding="UTF-8"?><office:document-settings {NS} office:version="1.3"><office:settings>'
    '<config:config-item-set config:name="ooo:view-settings"><config:config-item-map-indexed config:name="Views">'
    '<config:config-item-map-entry><config:config-item config:name="ViewId" config:type="string">view1'
    '</config:config-item><config:config-item-map-named config:name="Tables">'
    '<config:config-item-map-entry config:name="Data"><config:config-item config:name="CursorPositionX" '
    'config:type="int">2</config:config-item><config:config-item config:name="CursorPositionY" config:type="int">4'
    "</config:config-item></config:config-item-map-entry></config:config-item-map-named>"
    '<config:config-item config:name="ActiveTable" config:type="string">Data</config:config-item>'
    "</config:config-item-map-entry></config:config-item-map-indexed></config:config-item-set></office:settings>"
    "</office:document-settings>"
)
TWO_DECIMALS = (
    '<number:number-style style:name="N3"><number:number number:decimal-places="2" number:min-integer-digits="1"/>'
    '</number:number-style><style:style style:name="count2" style:family="table-cell" style:data-style-name="N3"/>'
)


def _style(name: str, family: str, props: str) -> str:
    return f'<style:style style:name="{name}" style:family="{family}">{props}</style:style>'


YELLOW = _style("yellow", "table-cell", '<style:table-cell-properties fo:background-color="#ffff00"/>')
SERIF = _style("serif", "table-cell", '<style:text-properties fo:font-family="Times New Roman" fo:font-size="8pt"/>')
TURNED = _style("turned", "table-cell", '<style:table-cell-properties style:rotation-angle="90"/>')
RAISED = _style("T1", "text", '<style:text-properties style:text-position="super 58%"/>')
CASES = {
    # rule: (data sheet, notes rows or None, extra package parts, extra automatic styles)
    "notes": (_data(above=["See [note 2]."]), GOOD_NOTES, None, ""),
    "opens_at_a1": (_data(), None, {"settings.xml": SETTINGS}, ""),
    "no_blank_rows_or_columns": (_data(rows=[GOOD_ROWS[0], [None, None, None], GOOD_ROWS[1]]), None, None, ""),
    "no_empty_cells": (_data(rows=[_row("North", None, 0.5), GOOD_ROWS[1]]), None, None, ""),
    "shorthand_key": (_data(rows=[["North", "[c]", ("styled", 0.5, "rate")], GOOD_ROWS[1]]), None, None, ""),
    "units_in_headers": (_data(header=["Area", "Count", "Rate (%)"]), None, None, ""),
    "number_formats": (
        _data(rows=[_row("North", 10, 0.5, "count2"), _row("South", 20, 0.25, "count2")]),
        None,
        None,
        TWO_DECIMALS,
    ),
    "ci_columns": (_data(rows=[["North", ("styled", 10, "count"), "8.2% to 10.5%"], GOOD_ROWS[1]]), None, None, ""),
    "fonts": (_data(above=[("styled", "Small print.", "serif")]), None, None, SERIF),
    "no_rotated_text": (_data(above=[("styled", "Turned.", "turned")]), None, None, TURNED),
    "no_superscript": (_data(above=[("span", "1", "T1")]), None, None, RAISED),
    "no_fills_or_colour": (_data(above=[("styled", "Highlighted.", "yellow")]), None, None, YELLOW),
    "hyperlink_text": (_data(extra_cells=[[("link", "click here", "https://example.org/")]]), None, None, ""),
    "no_text_boxes": (_data(extra_cells=[[("textbox", "Read me first")]]), None, None, ""),
    "no_macros": (_data(), None, {"Basic/Standard/Module1.xml": "<script/>"}, ""),
}


def test_every_rule_is_applied_to_ods_or_listed_as_not_yet():
    assert set(MODEL_CHECKS) <= set(ODS_CHECKS) <= set(CHECKS)
    assert set(ODS_CHECKS) == set(CHECKS) and len(ODS_CHECKS) == len(CHECKS)
    assert set(CASES) == set(MODEL_CHECKS)


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_fires_on_a_bad_ods_and_not_on_the_good_one(tmp_path, rule):
    data, notes, extra, styles = CASES[rule]
    bad = check_workbook(_book(tmp_path, "bad", data, notes, extra, styles), checks=[rule])
    assert [f.check for f in bad] and {f.check for f in bad} == {rule}, bad
    good_data = _data(above=["See [note 1]."]) if notes else _data()
    good = check_workbook(_book(tmp_path, "good", good_data, GOOD_NOTES if notes else None), checks=[rule])
    assert good == [], good
    noted = _data(above=["See [note 1]."])
    everything = check_workbook(_book(tmp_path, "noted", noted, GOOD_NOTES), checks=list(MODEL_CHECKS))
    assert everything == [], everything  # the good book passes every shared rule


def test_findings_name_the_sheet_and_cell(tmp_path):
    data, notes, extra, styles = CASES["ci_columns"]
    (finding,) = check_workbook(_book(tmp_path, "bad", data, notes, extra, styles), checks=["ci_columns"])
    assert (finding.sheet, finding.where) == ("Data", "C4")
    notes = check_workbook(_book(tmp_path, "notes", *CASES["notes"][:2]), checks=["notes"])
    (undefined,) = [f for f in notes if "[note 2]" in f.message]
    assert (undefined.sheet, undefined.where) == ("Data", "A3")
