"""Render a report `Layout` to xlsx bytes with XlsxWriter, then apply the package post-pass.

Why XlsxWriter: it writes formula cached values (every viewer shows the number, even ones
that never calculate), chart series caches and chart alt text, tables without filter buttons,
and files Excel opens without repair. What it cannot do (named "Heading 1" style, document
language) `_postpass` adds through the package layer. Text always goes through `write_string`
(never `write`, which would turn "=..." from a CSV into a formula); the workbook is also opened with
`strings_to_formulas`/`strings_to_urls` off as a second guard. Output is byte-for-byte
reproducible for a fixed `Layout` (XlsxWriter stamps zip entries 1980-01-01 and the
document dates come from the layout).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable

import xlsxwriter

from xlplugin.core.errors import InputError, Problem
from xlplugin.ooxml import rawzip
from xlplugin.ooxml.cellref import quote_sheet
from xlplugin.ooxml.docprops import CORE_PART, add_language
from xlplugin.ooxml.styles import add_named_styles
from xlplugin.report import ownership
from xlplugin.report.model import HEADING2, NUMBER_FORMATS, SHORT, Cell, Chart, Layout, Sheet, a1
from xlplugin.report.pages import BREAK, FIT_PAGE, break_row, print_plan
from xlplugin.report.textfit import FONT, FONT_SIZE
from xlplugin.report.textfit import row_height as _row_height

_LINE_STYLES = {
    "line": {"color": "#000000", "width": 1.5},
    "dashed": {"color": "#404040", "width": 1.25, "dash_type": "dash"},
    "dotted": {"color": "#404040", "width": 1.25, "dash_type": "round_dot"},
}
_BAR_COLOUR = "#1F4E79"
#: A bar that is not a valid rate: hatched and outlined with a dashed line, so it differs by more than colour.
_INVALID_POINT = {
    "pattern": {"pattern": "wide_upward_diagonal", "fg_color": "#C00000", "bg_color": "#FFFFFF"},
    "border": {"color": "#000000", "width": 1.5, "dash_type": "dash"},
}


def _safe_text(text: str) -> str:
    """Chart titles and axis names that start with '=' would be read as formulas by XlsxWriter."""
    return " " + text if text.startswith("=") else text


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook):
        add = wb.add_format
        self.title = add({"bold": True, "font_size": 15})
        self.heading2 = add({"bold": True, "font_size": 13})
        self.body = add({})
        self.cover_body = add({"text_wrap": True, "valign": "top"})
        self.header = add({"bold": True, "text_wrap": True, "valign": "top"})
        self.text = add({"valign": "top"})
        self.wrap = add({"text_wrap": True, "valign": "top"})
        # Text after a column of numbers is indented one step, so "669" and "Visited" in
        # neighbouring cells do not read as "669Visited"; numeric headers sit over their numbers.
        self.wrap_indented = add({"text_wrap": True, "valign": "top", "indent": 1})
        self.header_indented = add({"bold": True, "text_wrap": True, "valign": "top", "indent": 1})
        self.header_numeric = add({"bold": True, "text_wrap": True, "valign": "top", "align": "right"})
        self.link = add({"underline": 1, "font_color": "#0563C1", "valign": "top"})
        self.short = add({"align": "right", "valign": "top"})
        self.numbers = {kind: add({"num_format": fmt, "valign": "top"}) for kind, fmt in NUMBER_FORMATS.items()}

    def for_cell(self, cell: Cell, numeric_column: bool = False, indented: bool = False):
        if cell.link:
            return self.link
        if cell.is_number:
            return self.numbers.get(cell.kind) or self.text
        if cell.kind == SHORT and numeric_column:
            return self.short
        # table text wraps within its column; row heights are set to fit
        return self.wrap_indented if indented else self.wrap


def _write_cell(
    ws, row: int, col: int, cell: Cell, fmts: _Formats, numeric_column: bool = False, indented: bool = False
) -> None:
    fmt = fmts.for_cell(cell, numeric_column, indented)
    if cell.link:
        url = cell.link
        if url.startswith("#"):
            url = "internal:" + url[1:]
        ws.write_url(row, col, url, fmt, string=str(cell.value))
    elif cell.formula:
        ws.write_formula(row, col, cell.formula, fmt, cell.value)
    elif cell.is_number:
        ws.write_number(row, col, cell.value, fmt)
    else:
        ws.write_string(row, col, str(cell.value), fmt)


def _render_sheet(wb, ws, sheet: Sheet, fmts: _Formats) -> None:
    heights: dict[int, float] = {}  # rows given an explicit height, for the print plan

    def set_row(row: int, height: float) -> None:
        heights[row] = height
        ws.set_row(row, height)

    ws.write_string(0, 0, sheet.title, fmts.title)
    set_row(0, 21)
    is_cover = sheet.key == "cover"
    ws.write_string(1, 0, sheet.description, fmts.cover_body if is_cover else fmts.body)
    if is_cover and sheet.first_col_width:
        height = _row_height([(sheet.description, sheet.first_col_width)])
        if height:
            set_row(1, height)
    for i, line in enumerate(sheet.lines):
        row = 2 + i
        if line.link:
            ws.write_url(row, 0, line.link, fmts.link, string=line.text)
        elif line.style == HEADING2:
            ws.write_string(row, 0, line.text, fmts.heading2)
            set_row(row, 21 if is_cover else 18)
        else:
            ws.write_string(row, 0, line.text, fmts.cover_body if is_cover else fmts.body)
            if is_cover and sheet.first_col_width:
                height = _row_height([(line.text, sheet.first_col_width)])
                if height:
                    set_row(row, height)
    if sheet.first_col_width:
        ws.set_column(0, 0, sheet.first_col_width)
    table = sheet.table
    if table is not None:
        for j, width in enumerate(table.widths):
            ws.set_column(table.left + j, table.left + j, width)
        # a column of numbers: any number in it, or nothing but shorthand standing in for numbers
        numeric = [
            any(r[j].is_number for r in table.rows) or all(r[j].kind == SHORT for r in table.rows)
            for j in range(len(table.headers))
        ]
        indented = [j > 0 and not numeric[j] and numeric[j - 1] for j in range(len(table.headers))]
        header_formats = [
            fmts.header_numeric if numeric[j] else fmts.header_indented if indented[j] else fmts.header
            for j in range(len(table.headers))
        ]
        ws.add_table(
            table.top,
            table.left,
            table.last_row,
            table.last_col,
            {
                "name": table.name,
                "autofilter": False,
                "banded_rows": False,
                "style": "Table Style Light 1",
                "columns": [
                    {"header": h, "header_format": f} for h, f in zip(table.headers, header_formats, strict=False)
                ],
            },
        )
        widths = list(table.widths) + [8.43] * (len(table.headers) - len(table.widths))
        height = _row_height(list(zip(table.headers, widths, strict=False)))
        if height:
            set_row(table.top, height)
        for i, cells in enumerate(table.rows):
            for j, cell in enumerate(cells):
                _write_cell(ws, table.first_data_row + i, table.left + j, cell, fmts, numeric[j], indented[j])
            height = _row_height([(str(c.value), w) for c, w in zip(cells, widths, strict=False) if not c.is_number])
            if height:
                set_row(table.first_data_row + i, height)
    if sheet.chart is not None:
        chart = _chart(wb, sheet.chart, lambda ref: _label_text(sheet, ref))
        ws.insert_chart(
            sheet.chart.row,
            sheet.chart.col,
            chart,
            {"description": sheet.chart.alt_text, "object_position": 1},
        )
    # print: fit to one page wide, landscape where wide; no headers or footers
    ws.set_paper(9)  # A4
    if sheet.landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    plan = print_plan(sheet, heights)
    if plan == FIT_PAGE:
        ws.fit_to_pages(1, 1)
    else:
        ws.fit_to_pages(1, 0)
    if plan == BREAK and (row := break_row(sheet)) is not None:
        ws.set_h_pagebreaks([row])  # the blank row above the chart starts the page
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    if is_cover:
        ws.hide_gridlines(2)


def _label_text(sheet: Sheet, ref: tuple[str, int, int]) -> str | None:
    """The text of a label cell of `sheet`'s own table (None when the cell is elsewhere)."""
    name, row, col = ref
    table = sheet.table
    if table is None or name != sheet.name or not table.first_data_row <= row <= table.last_row:
        return None
    cells = table.rows[row - table.first_data_row]
    j = col - table.left
    return str(cells[j].value) if 0 <= j < len(cells) else None


#: Label text XlsxWriter would take for a cell reference (its own test, in Chart._set_custom_labels).
_LOOKS_LIKE_REF = re.compile(r"^=?[^!]+!\$?[A-Z]+\$?\d+")


def _point_label(ref: tuple[str, int, int], text: str | None) -> dict:
    """One point's label: its cell's text as static rich text, which LibreOffice shows as well as Excel (a label
    that is a reference to the cell, Excel's form, LibreOffice leaves blank); refresh rewrites it with the chart.
    Text from the data never becomes a formula: text XlsxWriter would read as a reference ("+cmd|' /C calc'!A0")
    and empty text get the reference to the label's own cell instead."""
    if not text or _LOOKS_LIKE_REF.match(text):
        sheet, row, col = ref
        return {"value": f"={quote_sheet(sheet)}!{a1(row, col, True)}"}
    return {"value": text}


def _chart(wb, spec: Chart, label_text: Callable[[tuple[str, int, int]], str | None] = lambda ref: None):
    if spec.kind == "bar":
        chart = wb.add_chart({"type": "bar"})
    elif spec.kind == "line":
        chart = wb.add_chart({"type": "line"})
    else:
        chart = wb.add_chart({"type": "scatter", "subtype": "straight"})
    for s in spec.series:
        options: dict = {
            "name": list(s.name_cell),
            "values": s.values.as_list(),
        }
        if s.categories is not None:
            options["categories"] = s.categories.as_list()

        if s.style == "bar":
            options["fill"] = {"color": s.colour or _BAR_COLOUR}
            options["border"] = {"none": True}
            options["gap"] = 60
        elif s.style == "trend":
            colour = s.colour or _BAR_COLOUR
            options["line"] = {"color": colour, "width": 2}
            options["marker"] = {"type": s.marker, "size": 8, "fill": {"color": colour}, "border": {"color": "#000000"}}
        elif s.style == "points":
            options["marker"] = {
                "type": "circle",
                "size": 8,
                "fill": {"color": _BAR_COLOUR},
                "border": {"color": "#000000"},
            }
            options["line"] = {"none": True}
        else:
            options["marker"] = {"type": "none"}
            options["line"] = dict(_LINE_STYLES[s.style])
        if s.labels:
            num_format = {"bar": spec.x_axis.num_format, "line": "0.0%"}.get(spec.kind)
            options["data_labels"] = {
                "value": True,
                "position": "right" if spec.kind == "line" else "outside_end",
                "num_format": num_format or "General",
                "font": {"name": FONT, "size": 10},
            }
        if s.point_labels:
            options["data_labels"] = {
                "value": True,  # each label shown (LibreOffice needs the flag); its text replaces the value
                "custom": [_point_label(ref, label_text(ref)) for ref in s.point_labels],
                "position": "outside_end" if spec.kind == "bar" else "right",
                "font": {"name": FONT, "size": 9 if spec.kind == "scatter" else 10},
            }
        if s.point_styles:
            options["points"] = [_INVALID_POINT if style == "invalid" else None for style in s.point_styles]
        if s.error_plus is not None:
            options["y_error_bars"] = {
                "type": "custom",
                "plus_values": s.error_plus.formula(),
                "minus_values": s.error_minus.formula(),
                "plus_data": list(s.error_plus_data),
                "minus_data": list(s.error_minus_data),
                "end_style": 1,
                "line": {"color": "#000000", "width": 1.25},
            }
        chart.add_series(options)
    chart.set_title({"name": _safe_text(spec.title), "name_font": {"name": FONT, "size": 13, "bold": True}})
    for setter, axis in ((chart.set_x_axis, spec.x_axis), (chart.set_y_axis, spec.y_axis)):
        options = {
            "name": _safe_text(axis.title),
            "name_font": {"name": FONT, "size": 11, "bold": False},
            "num_font": {"name": FONT, "size": 10},
        }
        if axis.num_format:
            options["num_format"] = axis.num_format
        if axis.reverse:
            options["reverse"] = True
        if axis.minimum is not None:
            options["min"] = axis.minimum
        if axis.maximum is not None:
            options["max"] = axis.maximum
        setter(options)
    if spec.kind == "bar":
        # Category axis is the chart's y axis for a bar chart; with it reversed, the value
        # axis must cross at the maximum category so it stays at the bottom.
        chart.set_y_axis(
            {
                "name": _safe_text(spec.y_axis.title),
                "reverse": True,
                "name_font": {"name": FONT, "size": 11, "bold": False},
                "num_font": {"name": FONT, "size": 10},
                "crossing": "max",
            }
        )
    if spec.legend:
        chart.set_legend({"position": "bottom", "font": {"name": FONT, "size": 10}})
    else:
        chart.set_legend({"none": True})
    chart.set_size({"width": spec.width, "height": spec.height})
    chart.set_chartarea({"border": {"none": True}})
    return chart


#: Excel's limit on the characters in one cell; XlsxWriter would silently cut longer text.
MAX_CELL_CHARS = 32_767


def check_cell_text(layout: Layout) -> None:
    """Refuse (InputError) text the report composes beyond Excel's cell limit, rather than cut it.

    Each CSV field is within the limit (csvinput checks), but cells made from several of them
    (a note with its stage name, a definition label, the cover's summary) may not be.
    """
    problems = []

    def check(sheet: str, where: str, text) -> None:
        if isinstance(text, str) and len(text) > MAX_CELL_CHARS:
            problems.append(
                Problem(
                    f"the report's {where} on sheet '{sheet}' would hold {len(text):,} characters, more than "
                    f"Excel's 32,767-character cell limit; shorten the stage names, notes or spec text it is made from"
                )
            )

    for sheet in layout.sheets:
        check(sheet.name, "title (A1)", sheet.title)
        check(sheet.name, "description (A2)", sheet.description)
        for i, line in enumerate(sheet.lines):
            check(sheet.name, f"line in A{3 + i}", line.text)
        if sheet.table is not None:
            for header in sheet.table.headers:
                check(sheet.name, "column header", header)
            for i, row in enumerate(sheet.table.rows):
                for j, cell in enumerate(row):
                    check(sheet.name, f"cell {a1(sheet.table.first_data_row + i, sheet.table.left + j)}", cell.value)
    if problems:
        raise InputError(problems)


def render(layout: Layout) -> bytes:
    """The workbook as xlsx bytes (XlsxWriter, then the named-style and language post-pass)."""
    check_cell_text(layout)
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "default_format_properties": {"font_name": FONT, "font_size": FONT_SIZE},
        },
    )
    fmts = _Formats(wb)
    props = dict(layout.properties)
    wb.set_properties(props)
    for name, value in layout.custom_properties:
        wb.set_custom_property(name, value)
    sheets = {}
    for sheet in layout.sheets:
        sheets[sheet.key] = wb.add_worksheet(sheet.name)
    for sheet in layout.sheets:
        _render_sheet(wb, sheets[sheet.key], sheet, fmts)
        wb.define_name(ownership.sheet_defined_name(sheet.key), f"={quote_sheet(sheet.name)}!$A$1")
    sheets[layout.sheets[0].key].activate()
    if not layout.publish:
        wb.set_calc_mode("auto")
    wb.close()
    return _postpass(
        buffer.getvalue(),
        styles={"Heading 1": fmts.title.xf_index, "Heading 2": fmts.heading2.xf_index},
        language=layout.language,
    )


def _postpass(package: bytes, *, styles: dict[str, int], language: str) -> bytes:
    """Rewrite the XlsxWriter package with what it cannot write: the built-in "Heading 1" and "Heading 2"
    cell styles on the title cells (`ooxml.styles.add_named_styles`) and the document language
    (`ooxml.docprops.add_language`). Those two parts are compressed again; every other entry is
    copied in order with its date and its compressed bytes as XlsxWriter wrote them (`ooxml.rawzip`),
    which is what compressing it again at the same level would give, so the output stays reproducible."""
    edits: dict[str, Callable[[bytes], bytes]] = {
        "xl/styles.xml": lambda data: add_named_styles(data, styles),
        CORE_PART: lambda data: add_language(data, language),
    }
    src = zipfile.ZipFile(io.BytesIO(package))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            edit = edits.get(info.filename)
            if edit is None and info.compress_type == zipfile.ZIP_DEFLATED and _copy_compressed(dst, package, info):
                continue
            data = src.read(info.filename)
            new = zipfile.ZipInfo(info.filename, info.date_time)
            new.compress_type = zipfile.ZIP_DEFLATED
            new.external_attr = info.external_attr
            new.create_system = info.create_system
            dst.writestr(new, edit(data) if edit is not None else data)
    return out.getvalue()


def _copy_compressed(dst: zipfile.ZipFile, package: bytes, info: zipfile.ZipInfo) -> bool:
    """Append `info`'s entry of `package` to `dst` as its stored compressed bytes; False if zipfile will not let us."""
    at = info.header_offset
    start = rawzip.data_offset(package[at : at + rawzip.LOCAL_HEADER], at)
    try:
        rawzip.append_raw(dst, rawzip.clone_info(info), [package[start : start + info.compress_size]])
    except rawzip.RawCopyUnavailable:
        return False
    return True
