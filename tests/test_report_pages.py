"""The print plan (`xlplugin.report.pages`) is the same in the xlsx and the ODS: fit a page, or break before a chart.

The rendered pages are checked in LibreOffice by test_report_comparison_libreoffice.py
(test_every_chart_prints_whole_on_one_page, both formats); here, the page setup as written.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest

from xlplugin.report import load_report_layout
from xlplugin.report.build import render_layout

DATA = Path(__file__).parent / "data"
PREVENT = DATA / "examples" / "prevent-channel.csv"
AREAS = DATA / "comparison" / "areas-43.csv"
STAMP = "2026-01-01T00:00:00Z"


def _xlsx_pages(data: bytes) -> dict[str, tuple[bool, list[int]]]:
    """Sheet name -> (fitted to one whole page, rows a page starts at, 0-based)."""
    z = zipfile.ZipFile(io.BytesIO(data))
    rels = dict(re.findall(r'Id="(rId\d+)"[^>]*Target="([^"]+)"', z.read("xl/_rels/workbook.xml.rels").decode()))
    out = {}
    for name, rid in re.findall(
        r'<sheet name="([^"]+)" sheetId="\d+" r:id="(rId\d+)"', z.read("xl/workbook.xml").decode()
    ):
        xml = z.read("xl/" + rels[rid].lstrip("/").removeprefix("xl/")).decode()
        fitted = '<pageSetUpPr fitToPage="1"/>' in xml and 'fitToHeight="0"' not in xml
        breaks = [int(r) for r in re.findall(r'<brk id="(\d+)"', xml)]
        out[name.replace("&amp;", "&")] = (fitted, breaks)
    return out


def _ods_pages(data: bytes) -> dict[str, tuple[bool, list[int]]]:
    z = zipfile.ZipFile(io.BytesIO(data))
    content = z.read("content.xml").decode()
    page_rows = set(re.findall(r'style:name="(ro\d+)" style:family="table-row"><[^>]*fo:break-before="page"', content))
    out = {}
    for name, style, body in re.findall(
        r'<table:table table:name="([^"]+)" table:style-name="([^"]+)">(.*?)</table:table>', content, re.S
    ):
        row, breaks = 0, []
        for repeat, row_style in re.findall(
            r'<table:table-row(?: table:number-rows-repeated="(\d+)")?(?: table:style-name="(ro\d+)")?>', body
        ):
            if row_style in page_rows:
                breaks.append(row)
            row += int(repeat or 1)
        out[name.replace("&amp;", "&")] = (style.endswith("_page"), breaks)
    return out


@pytest.mark.parametrize("source", [PREVENT, AREAS], ids=["prevent", "areas"])
def test_ods_prints_as_the_xlsx_does(source):
    layout = load_report_layout(source, timestamp=STAMP)
    ods = render_layout(layout, "ods")
    styles = zipfile.ZipFile(io.BytesIO(ods)).read("styles.xml").decode()
    assert re.search(r'style:name="pl_landscape_page"><[^>]*style:scale-to-X="1" style:scale-to-Y="1"', styles)
    assert 'style:name="LandscapePage" style:page-layout-name="pl_landscape_page"' in styles
    xlsx_pages, ods_pages = _xlsx_pages(render_layout(layout, "xlsx")), _ods_pages(ods)
    assert ods_pages == xlsx_pages
    # xlsx: a break at row N starts the page at row N (0-based, the blank row above the chart)
    for sheet in layout.sheets:
        if ods_pages[sheet.name][1]:
            assert sheet.chart is not None and ods_pages[sheet.name][1] == [sheet.chart.row - 1]


def test_the_fixtures_have_a_fitted_page_and_a_break():
    prevent = _ods_pages(render_layout(load_report_layout(PREVENT, timestamp=STAMP), "ods"))
    areas = _ods_pages(render_layout(load_report_layout(AREAS, timestamp=STAMP), "ods"))
    assert any(fitted for fitted, _ in prevent.values())
    assert areas["Funnel plot"][1] and not areas["Funnel plot"][0]
