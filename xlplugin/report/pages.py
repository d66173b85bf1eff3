"""How each sheet prints, shared by the xlsx and ODS writers, so that no chart is split across pages.

A sheet prints one page wide (rows run on to further pages), or, when its chart would otherwise
run over a page end, fitted to one whole page if that keeps the text at 8 pt or more, or else with
a page break in the blank row above the chart (the chart is sized to fit a page of its own).
Pure: no I/O.
"""

from __future__ import annotations

from xlplugin.report.common import MIN_PRINT_SCALE, print_scale
from xlplugin.report.model import Sheet

#: Printable height of A4 (0.6 inch top and bottom margins), in points, portrait and landscape.
PAGE_HEIGHT_PT = {False: 842 - 86.4, True: 595 - 86.4}
#: How a sheet prints: one page wide (rows run on), one whole page, or a page break before the chart.
FIT_WIDTH, FIT_PAGE, BREAK = "width", "page", "break"
#: Row height (points) the plan assumes for a row whose height is not set (Excel's default; LibreOffice's is less).
DEFAULT_ROW_PT = 15.0


def print_plan(sheet: Sheet, heights: dict[int, float]) -> str:
    """FIT_WIDTH, FIT_PAGE or BREAK for `sheet`, whose rows have `heights` (points; others the default)."""
    if sheet.chart is None:
        return FIT_WIDTH
    scale = print_scale(sheet)
    page = PAGE_HEIGHT_PT[sheet.landscape]
    above = sum(heights.get(r, DEFAULT_ROW_PT) for r in range(sheet.chart.row)) + 10  # the chart sits a little below
    total = above + sheet.chart.height * 0.75
    if total * scale <= page:
        return FIT_WIDTH
    if page / total >= MIN_PRINT_SCALE:
        return FIT_PAGE
    return BREAK


def break_row(sheet: Sheet) -> int | None:
    """The row (0-based) a BREAK plan starts the new page at: the blank row above the chart."""
    return sheet.chart.row - 1 if sheet.chart is not None else None
