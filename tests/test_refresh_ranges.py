"""Conditional formats, data validations and chart series over a table follow it on `refresh --table`.

A rule or series over the table's rows (``B2:B4``) covers the new rows after a refresh with more
(``B2:B6``), like a defined name. Sheet names are matched as formulas spell them once the XML is
unescaped: ``'Q1 data'!``, ``'Q1 &amp; Q2'!`` (``'Q1 & Q2'``) and ``'It''s'!``.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import lo_harness
import pytest
import xlsxwriter
from test_refresh_references import MORE, SHEETS, _quoted, exp_table  # MORE: 5 rows (were 3)

from xlplugin.cli import main
from xlplugin.refresh.references import unescape


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;")


def _book(path: Path, sheet: str) -> Path:
    """Table Exp (A1:B4) on `sheet` with rules and a chart over its rows, and a list validation elsewhere."""
    wb = xlsxwriter.Workbook(str(path))
    ws = exp_table(wb, sheet)
    red = wb.add_format({"font_color": "#9C0006"})
    ws.conditional_format("B2:B4", {"type": "cell", "criteria": ">", "value": 15, "format": red})
    ws.conditional_format("A2:B4", {"type": "formula", "criteria": "=$B2>AVERAGE($B$2:$B$4)", "format": red})
    ws.conditional_format("B2:B4", {"type": "data_bar", "data_bar_2010": True})  # an x14 rule: <xm:sqref>
    ws.data_validation("B2:B4", {"validate": "decimal", "criteria": ">=", "value": 0})
    ws.write_string("F10", "user note")
    ws.conditional_format("F10:F12", {"type": "cell", "criteria": ">", "value": 1, "format": red})  # not the table's
    chart = wb.add_chart({"type": "bar"})
    chart.add_series(
        {"categories": f"={_quoted(sheet)}!$A$2:$A$4", "values": f"={_quoted(sheet)}!$B$2:$B$4", "name": "Amount"}
    )
    ws.insert_chart("H2", chart)
    other = wb.add_worksheet("Other")
    other.data_validation("A1:A3", {"validate": "list", "source": f"={_quoted(sheet)}!$A$2:$A$4"})
    wb.close()
    return path


def _parts(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml")}


def _refreshed(tmp_path: Path, sheet: str) -> Path:
    book = _book(tmp_path / "book.xlsx", sheet)
    csv = tmp_path / "more.csv"
    csv.write_text(MORE, encoding="utf-8")
    assert main(["refresh", str(book), str(csv), "--table", "Exp"]) == 0
    return book


@pytest.mark.parametrize("sheet", SHEETS)
def test_rules_and_series_over_the_table_follow_its_rows(tmp_path, sheet):
    parts = _parts(_refreshed(tmp_path, sheet))
    ws, other = parts["xl/worksheets/sheet1.xml"], parts["xl/worksheets/sheet2.xml"]
    assert re.findall(r'<conditionalFormatting sqref="([^"]+)"', ws) == ["B2:B6", "A2:B6", "F10:F12"]
    assert "<formula>$B2&gt;AVERAGE($B$2:$B$6)</formula>" in ws
    assert "<xm:sqref>B2:B6</xm:sqref>" in ws  # the Excel 2010 data bar's own range
    assert re.findall(r'<dataValidation [^>]*sqref="([^"]+)"', ws) == ["B2:B6"]
    source = _escaped(_quoted(sheet))
    assert f"<formula1>{source}!$A$2:$A$6</formula1>" in other
    chart = parts["xl/charts/chart1.xml"]
    assert re.findall(r"<c:f>([^<]*)</c:f>", chart) == [f"{source}!$A$2:$A$6", f"{source}!$B$2:$B$6"]
    values = chart[chart.index("<c:val>") :]
    assert '<c:ptCount val="5"/>' in values and "<c:v>200</c:v>" in values


def test_fewer_rows_shrink_the_rules(tmp_path):
    book = _book(tmp_path / "book.xlsx", "Q1 data")
    csv = tmp_path / "fewer.csv"
    csv.write_text("Item,Amount\na,1\nb,2\n", encoding="utf-8")
    assert main(["refresh", str(book), str(csv), "--table", "Exp"]) == 0
    ws = _parts(book)["xl/worksheets/sheet1.xml"]
    assert re.findall(r'<conditionalFormatting sqref="([^"]+)"', ws) == ["B2:B3", "A2:B3", "F10:F12"]
    assert re.findall(r'<dataValidation [^>]*sqref="([^"]+)"', ws) == ["B2:B3"]


@pytest.mark.libreoffice
def test_libreoffice_keeps_the_stretched_rules_and_series(tmp_path):
    """LibreOffice opens the refreshed workbook and, saving it again, keeps every stretched range."""
    lo_harness.require_soffice()
    sheet = "Q1 & Q2"
    book = _refreshed(tmp_path, sheet)
    resaved = lo_harness.convert(book, "xlsx", tmp_path / "lo")
    parts = _parts(resaved)
    sheets = {n: t for n, t in parts.items() if n.startswith("xl/worksheets/sheet")}
    ws = next(t for t in sheets.values() if "Exp" not in t and "conditionalFormatting" in t and "F10" in t)
    assert set(re.findall(r'<conditionalFormatting sqref="([^"]+)"', ws)) >= {"B2:B6", "A2:B6"}
    assert re.findall(r'<dataValidation [^>]*sqref="([^"]+)"', ws) == ["B2:B6"]
    other = next(t for t in sheets.values() if t is not ws and "dataValidation" in t)
    assert "<formula1>'Q1 & Q2'!$A$2:$A$6</formula1>" in unescape(other)  # LibreOffice writes &apos;
    chart = next(t for n, t in parts.items() if "/charts/chart" in n)
    assert "'Q1 & Q2'!$B$2:$B$6" in unescape(chart)
    # and it recalculates the sheet from the new rows
    rows = lo_harness.export_sheets_values(book, tmp_path / "csv")[sheet]
    assert [row[1] for row in rows[1:6]] == [10, 20, 30, 100, 200]
