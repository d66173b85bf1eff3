"""The rules: automated checks of the Analysis Function's "Releasing statistics in spreadsheets" essentials.

Why a checker of our own: the guidance is a list of rules about the *file*, and several of them
(built-in "Heading 1", document language, filter buttons, chart alt text) are invisible in a
screenshot and easy to lose when the writer changes. The checker reads the xlsx package directly
(through :mod:`xlplugin.ooxml.package`, with its zip-bomb limits, and defusedxml), so it judges exactly
what Excel and screen readers will see, for any workbook, ours or not.

Each check is a function ``(workbook) -> list[Finding]`` registered in :data:`CHECKS` under a stable
name. Some rules need judgement; the heuristics are stated in the check's docstring:

- the cover is the first sheet whose name contains "cover";
- the contents sheet is the sheet whose name contains "contents"; it must link to A1 of every
  sheet except the cover and itself;
- the notes table is an Excel table on a sheet whose name contains "note"; its first column holds
  the note numbers (``[note 1]``, ``note 1`` or ``1``);
- a *numeric column* of a table is one where most non-empty body cells are numbers; its header
  needs units in round brackets, e.g. "Count (people)" or "Rate (%)" (exempt: headers that
  mention "year", and tables with a "unit" column, whose units vary by row);
- a number stored as text is reported in a column that also holds numbers, or whose every cell
  is one (a quoted claim such as "9%" among other text is left alone);
- a *count column* is numeric, whole-valued and not formatted as a percentage: format ``#,##0``;
  a *rate column* is one formatted as a percentage: exactly one decimal place (``0.0%``);
- colour: a font colour other than automatic/black on a cell that is not a hyperlink is reported
  (the checker cannot tell decoration from meaning); fills: any pattern fill on a used cell is
  reported, with no tolerance;
- text outside tables belongs in column A (the guidance puts notes, keys and descriptions there).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from xlplugin.accessibility.model import (
    NS_CHART,
    Cell,
    Finding,
    M,
    Sheet,
    Table,
    Workbook,
)
from xlplugin.core.counts import SHORTHAND_MEANINGS
from xlplugin.ooxml.cellref import cell_ref as cell_name
from xlplugin.ooxml.cellref import column_letters, parse_range, split_sheet

Check = Callable[[Workbook], list[Finding]]

CHECKS: dict[str, Check] = {}
"""Every check, by stable name, in the order findings are reported (the order they are defined)."""


def rule(check: Check) -> Check:
    """Register `check_NAME` under NAME: a new check is one decorated function in this module."""
    name = check.__name__.removeprefix("check_")
    if name in CHECKS:
        raise ValueError(f"two accessibility checks are called {name!r}")
    CHECKS[name] = check
    return check


HEADING_1_BUILTIN_ID = "16"
LANGUAGE = "en-GB"
MAX_TAB_NAME = 31

SANS_SERIF_FONTS = frozenset(
    name.lower()
    for name in (
        "Arial",
        "Arial Nova",
        "Aptos",
        "Calibri",
        "Calibri Light",
        "Helvetica",
        "Helvetica Neue",
        "Verdana",
        "Tahoma",
        "Segoe UI",
        "Trebuchet MS",
        "Century Gothic",
        "Franklin Gothic Book",
        "Gill Sans",
        "Gill Sans MT",
        "Lucida Sans",
        "Lucida Sans Unicode",
        "Liberation Sans",
        "Arimo",
        "Carlito",
        "DejaVu Sans",
        "Noto Sans",
        "Open Sans",
        "Roboto",
        "Source Sans Pro",
        "Source Sans 3",
        "Lato",
        "Inter",
        "Fira Sans",
        "Ubuntu",
        "Frutiger",
        "Myriad Pro",
        "GDS Transport",
    )
)
MIN_FONT_POINTS = 10.0


DEFAULT_TAB_NAME = re.compile(r"^(sheet|chart|tabelle|feuil|hoja|foglio|blad|table|worksheet)\s*\d*$", re.I)
DEFAULT_TABLE_NAME = re.compile(r"^(table|tabelle|tableau|tabla)\d*$", re.I)
INVALID_TAB_CHARS = re.compile(r"[\[\]:*?/\\]")
NOTE_MARKER = re.compile(r"\[note\s*(\d+)\]", re.I)
NOTE_NUMBER = re.compile(r"^\s*\[?\s*(?:note\s*)?(\d+)\s*\]?\s*$", re.I)
SHORTHAND = re.compile(r"\[([a-z])\]", re.I)
_SYMBOLS = "{}, {} or {}".format(*SHORTHAND_MEANINGS)  # "[c], [x] or [z]"
NUMERIC_TEXT = re.compile(r"^\s*[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?\s*%?\s*$")
URL_TEXT = re.compile(r"^\s*(https?://|ftp://|www\.|mailto:)\S*\s*$", re.I)
VAGUE_LINK_TEXT = re.compile(r"^\s*(click here|here|link|this link|more|read more|click)\s*\.?\s*$", re.I)
INTERVAL_IN_ONE_CELL = re.compile(r"^\s*-?\d[\d,]*(\.\d+)?\s*%?\s*(-|–|—|to)\s*-?\d[\d,]*(\.\d+)?\s*%?\s*$", re.I)
UNIT_COLUMN = re.compile(r"^\s*units?\b", re.I)
EXPLAINED_BLANKS = re.compile(r"\b(blank|empty)\b", re.I)

# ------------------------------------------------------------------------------------------
# Helpers shared by the checks


def _in_bounds(row: int, col: int, bounds: tuple[int, int, int, int]) -> bool:
    top, left, bottom, right = bounds
    return top <= row <= bottom and left <= col <= right


def _body(table: Table) -> tuple[int, int, int, int]:
    top, left, bottom, right = table.bounds
    return top + table.header_rows, left, bottom - table.totals_rows, right


def _tables(wb: Workbook) -> Iterator[tuple[Sheet, Table]]:
    """Every table of every worksheet, with its sheet."""
    for sheet in wb.worksheets:
        for table in sheet.tables:
            yield sheet, table


def _body_cells(sheet: Sheet, table: Table) -> Iterator[tuple[int, int, Cell | None]]:
    """(row, column, cell or None) for every position of a table's body, row by row."""
    top, left, bottom, right = _body(table)
    for r in range(top, bottom + 1):
        for c in range(left, right + 1):
            yield r, c, sheet.cell(r, c)


def _column_a_above(sheet: Sheet, table: Table) -> list[str]:
    top = table.bounds[0]
    return [c.text for (row, col), c in sheet.cells.items() if col == 1 and row < top and not c.empty]


def _hyperlink_cells(sheet: Sheet) -> set[tuple[int, int]]:
    cells: set[tuple[int, int]] = set()
    for link in sheet.hyperlinks:
        try:
            top, left, bottom, right = parse_range(link.ref)
        except ValueError:
            continue
        cells.update((r, c) for r in range(top, bottom + 1) for c in range(left, right + 1))
    for key, cell in sheet.cells.items():
        if cell.formula and cell.formula.lstrip("=").upper().startswith("HYPERLINK("):
            cells.add(key)
    return cells


def _used_styles(workbook: Workbook) -> dict[int, tuple[str, str]]:
    """style index -> (sheet, first cell) for every style used by a non-empty cell."""
    used: dict[int, tuple[str, str]] = {}
    for sheet in workbook.worksheets:
        for (row, col), cell in sorted(sheet.cells.items()):
            if not cell.empty and cell.style not in used:
                used[cell.style] = (sheet.name, cell_name(row, col))
    return used


def _some(refs: list[str], shown: int = 5) -> str:
    return ", ".join(refs[:shown]) + (" ..." if len(refs) > shown else "")


def _is_automatic_colour(color) -> bool:
    """No colour, auto, or black/Text 1 (what 'Automatic' shows)."""
    if color is None:
        return True
    if color.get("auto") in ("1", "true"):
        return True
    rgb = (color.get("rgb") or "").upper()
    if rgb and rgb[-6:] == "000000":
        return True
    return color.get("theme") == "1" and not color.get("tint") and not rgb


def _border_is_empty(border) -> bool:
    if border is None:
        return True
    return not any(side.get("style") not in (None, "none") for side in border)


def _is_numeric_column(cells: list[Cell]) -> bool:
    filled = [c for c in cells if not c.empty]
    numbers = [c for c in filled if c.kind == "n"]
    return bool(numbers) and len(numbers) * 2 >= len(filled)


def _is_percent_format(code: str) -> bool:
    return "%" in re.sub(r'"[^"]*"|\\.', "", code)


def _parse_location(location: str) -> tuple[str | None, str]:
    """ "'Funnel table'!A1" -> ("Funnel table", "A1"); "#Notes!$A$1" -> ("Notes", "A1")."""
    sheet, cell = split_sheet(location.strip().lstrip("#"))
    return sheet, cell.replace("$", "").upper()


_HYPERLINK_FORMULA = re.compile(r'^=?\s*HYPERLINK\(\s*"((?:[^"]|"")*)"', re.I)


# ------------------------------------------------------------------------------------------
# The checks


@rule
def check_cover_first(wb: Workbook) -> list[Finding]:
    """The first sheet is the cover sheet (its name contains "cover")."""
    if not wb.sheets:
        return [Finding("cover_first", None, None, "the workbook has no sheets")]
    first = wb.sheets[0]
    if "cover" not in first.name.lower():
        others = [s.name for s in wb.sheets if "cover" in s.name.lower()]
        detail = f"; the cover sheet '{others[0]}' should be moved first" if others else "; add a cover sheet"
        return [Finding("cover_first", first.name, None, f"the first sheet is not a cover sheet{detail}")]
    return []


@rule
def check_title_in_a1(wb: Workbook) -> list[Finding]:
    """A1 of every worksheet holds its title in the built-in "Heading 1" style (builtinId 16),
    restyled to automatic colour and no border (both the style and the cell)."""
    findings = []
    styles = wb.styles
    heading_xf_ids = {xf_id for _, xf_id, builtin in styles.cell_styles if builtin == HEADING_1_BUILTIN_ID}
    for xf_id in sorted(heading_xf_ids):
        style_xf = styles.style_xfs[xf_id] if xf_id < len(styles.style_xfs) else None
        if style_xf is None:
            continue
        font_id = int(style_xf.get("fontId", "0"))
        font = styles.fonts[font_id] if font_id < len(styles.fonts) else None
        if font is not None and not _is_automatic_colour(font.find(f"{M}color")):
            findings.append(
                Finding("title_in_a1", None, "Heading 1 style", "the Heading 1 style's font colour is not automatic")
            )
        border_id = int(style_xf.get("borderId", "0"))
        if not _border_is_empty(styles.borders[border_id] if border_id < len(styles.borders) else None):
            findings.append(Finding("title_in_a1", None, "Heading 1 style", "the Heading 1 style has a border"))
    for sheet in wb.worksheets:
        cell = sheet.cell(1, 1)
        if cell is None or cell.empty or cell.kind != "s":
            findings.append(Finding("title_in_a1", sheet.name, "A1", "no title text in A1"))
            continue
        xf = styles.xf(cell.style)
        xf_id = int(xf.get("xfId", "0")) if xf is not None else 0
        if xf_id not in heading_xf_ids:
            findings.append(
                Finding("title_in_a1", sheet.name, "A1", "the title is not in the built-in 'Heading 1' cell style")
            )
            continue
        font = styles.font(cell.style)
        if font is not None and not _is_automatic_colour(font.find(f"{M}color")):
            findings.append(Finding("title_in_a1", sheet.name, "A1", "the title's font colour is not automatic"))
        border_id = int(xf.get("borderId", "0"))
        if not _border_is_empty(styles.borders[border_id] if border_id < len(styles.borders) else None):
            findings.append(Finding("title_in_a1", sheet.name, "A1", "the title cell has a border"))
    return findings


@rule
def check_description_in_a2(wb: Workbook) -> list[Finding]:
    """A2 of every worksheet describes the sheet (non-empty text)."""
    findings = []
    for sheet in wb.worksheets:
        cell = sheet.cell(2, 1)
        if cell is None or cell.empty or cell.kind != "s":
            findings.append(Finding("description_in_a2", sheet.name, "A2", "no description text in A2"))
    return findings


@rule
def check_contents_links(wb: Workbook) -> list[Finding]:
    """A contents sheet links (internal hyperlinks or HYPERLINK formulas) to A1 of every sheet
    except the cover and itself."""
    contents = [s for s in wb.worksheets if "contents" in s.name.lower()]
    if not contents:
        return [Finding("contents_links", None, None, "no contents sheet (a sheet named 'Contents')")]
    sheet = contents[0]
    linked: dict[str, str] = {}
    for link in sheet.hyperlinks:
        if link.location:
            target, target_cell = _parse_location(link.location)
            if target is not None:
                linked[target.lower()] = target_cell
    for cell in sheet.cells.values():
        match = _HYPERLINK_FORMULA.match(cell.formula or "")
        if match and match.group(1).startswith("#"):
            target, ref = _parse_location(match.group(1).replace('""', '"'))
            if target is not None:
                linked[target.lower()] = ref
    findings = []
    cover = wb.sheets[0].name.lower() if wb.sheets and "cover" in wb.sheets[0].name.lower() else None
    for other in wb.sheets:
        key = other.name.lower()
        if other is sheet or key == cover:
            continue
        if key not in linked:
            findings.append(Finding("contents_links", sheet.name, None, f"no link to the sheet '{other.name}'"))
        elif linked[key] != "A1":
            findings.append(
                Finding("contents_links", sheet.name, None, f"the link to '{other.name}' goes to {linked[key]}, not A1")
            )
    known = {s.name.lower() for s in wb.sheets}
    for target in sorted(set(linked) - known):
        findings.append(Finding("contents_links", sheet.name, None, f"a link points to a missing sheet '{target}'"))
    return findings


def _notes_table(wb: Workbook) -> tuple[Sheet, Table] | None:
    for sheet in wb.worksheets:
        if "note" in sheet.name.lower():
            for table in sheet.tables:
                if table.columns and "note" in table.columns[0].lower():
                    return sheet, table
            if sheet.tables:
                return sheet, sheet.tables[0]
    return None


@rule
def check_notes(wb: Workbook) -> list[Finding]:
    """Every ``[note N]`` marker is defined in the notes table, and every defined note is used."""
    notes = _notes_table(wb)
    defined: dict[int, str] = {}
    skip: set[tuple[str, int, int]] = set()
    findings = []
    if notes is not None:
        sheet, table = notes
        top, left, bottom, _ = _body(table)
        for row in range(top, bottom + 1):
            cell = sheet.cell(row, left)
            skip.add((sheet.name, row, left))
            if cell is None or cell.empty:
                continue
            match = NOTE_NUMBER.match(cell.text if cell.kind == "s" else f"{cell.value:g}" if cell.kind == "n" else "")
            if match:
                defined[int(match.group(1))] = cell_name(row, left)
            else:
                findings.append(
                    Finding(
                        "notes",
                        sheet.name,
                        cell_name(row, left),
                        f"the note number {cell.text!r} is not like '[note 1]'",
                    )
                )
    used: dict[int, tuple[str, str]] = {}
    for sheet in wb.worksheets:
        for (row, col), cell in sorted(sheet.cells.items()):
            if cell.kind != "s" or (sheet.name, row, col) in skip:
                continue
            for match in NOTE_MARKER.finditer(cell.text):
                used.setdefault(int(match.group(1)), (sheet.name, cell_name(row, col)))
    if used and notes is None:
        return [Finding("notes", None, None, "[note N] markers are used but there is no notes table")]
    for number, (sheet_name, where) in sorted(used.items()):
        if number not in defined:
            findings.append(Finding("notes", sheet_name, where, f"[note {number}] is not defined in the notes table"))
    for number, where in sorted(defined.items()):
        if number not in used:
            findings.append(Finding("notes", notes[0].name, where, f"note {number} is defined but never used"))
    return findings


@rule
def check_tab_names(wb: Workbook) -> list[Finding]:
    """Tab names are unique, meaningful (not Sheet1/Chart1), at most 31 characters, and legal."""
    findings = []
    seen: dict[str, str] = {}
    for sheet in wb.sheets:
        key = sheet.name.lower()
        if key in seen:
            findings.append(Finding("tab_names", sheet.name, None, f"the tab name repeats '{seen[key]}'"))
        seen[key] = sheet.name
        if not sheet.name.strip() or DEFAULT_TAB_NAME.match(sheet.name.strip()):
            findings.append(Finding("tab_names", sheet.name, None, "the tab name is not meaningful"))
        if len(sheet.name) > MAX_TAB_NAME:
            findings.append(
                Finding(
                    "tab_names",
                    sheet.name,
                    None,
                    f"the tab name has {len(sheet.name)} characters (at most {MAX_TAB_NAME})",
                )
            )
        if INVALID_TAB_CHARS.search(sheet.name) or sheet.name.startswith("'") or sheet.name.endswith("'"):
            findings.append(Finding("tab_names", sheet.name, None, "the tab name has characters Excel forbids"))
    return findings


@rule
def check_no_blank_sheets(wb: Workbook) -> list[Finding]:
    """No blank or hidden sheets: every worksheet has content; nothing is hidden from readers."""
    findings = []
    for sheet in wb.sheets:
        if sheet.kind == "worksheet" and not any(not c.empty for c in sheet.cells.values()) and not sheet.frames:
            findings.append(Finding("no_blank_sheets", sheet.name, None, "the sheet is blank"))
        if sheet.state != "visible":
            findings.append(Finding("no_blank_sheets", sheet.name, None, f"the sheet is {sheet.state}"))
    return findings


@rule
def check_opens_at_a1(wb: Workbook) -> list[Finding]:
    """The workbook opens on the first sheet, and every sheet has A1 selected and in view."""
    findings = []
    if wb.active_tab != 0:
        findings.append(
            Finding(
                "opens_at_a1", None, "workbookView", f"the workbook opens on sheet {wb.active_tab + 1}, not the first"
            )
        )
    if wb.first_sheet != 0:
        findings.append(Finding("opens_at_a1", None, "workbookView", "the tab bar is scrolled past the first sheet"))
    for index, sheet in enumerate(wb.sheets):
        for view in sheet.views:
            selected = view.get("tabSelected") in ("1", "true")
            if index != 0 and selected:
                findings.append(
                    Finding("opens_at_a1", sheet.name, None, "the tab is selected (only the first sheet should be)")
                )
            top_left = view.get("topLeftCell")
            if top_left and top_left.upper() != "A1":
                findings.append(Finding("opens_at_a1", sheet.name, top_left, "the view is scrolled away from A1"))
            if sheet.kind != "worksheet":
                continue
            for selection in view.findall(f"{M}selection"):
                active = (selection.get("activeCell") or "A1").upper()
                sqref = (selection.get("sqref") or "A1").upper()
                if active != "A1" or sqref != "A1":
                    findings.append(Finding("opens_at_a1", sheet.name, active, f"the selection is {sqref}, not A1"))
        if index == 0 and sheet.views and not any(v.get("tabSelected") in ("1", "true") for v in sheet.views):
            findings.append(Finding("opens_at_a1", sheet.name, None, "the first sheet's tab is not selected"))
    return findings


@rule
def check_document_properties(wb: Workbook) -> list[Finding]:
    """The document properties give a title and the language en-GB."""
    findings = []
    if not wb.title:
        findings.append(Finding("document_properties", None, "docProps/core.xml", "no document title"))
    if (wb.language or "").lower() != LANGUAGE.lower():
        findings.append(
            Finding(
                "document_properties",
                None,
                "docProps/core.xml",
                f"the document language is {wb.language or 'missing'}, not {LANGUAGE}",
            )
        )
    return findings


@rule
def check_tables_marked_up(wb: Workbook) -> list[Finding]:
    """Tabular content is in Excel tables: any cell outside every table but beyond column A is
    reported (the guidance keeps notes, keys and descriptions above a table in column A)."""
    findings = []
    for sheet in wb.worksheets:
        bounds = [t.bounds for t in sheet.tables]
        stray = [
            cell_name(r, c)
            for (r, c), cell in sorted(sheet.cells.items())
            if c > 1 and not cell.empty and not any(_in_bounds(r, c, b) for b in bounds)
        ]
        if stray:
            findings.append(
                Finding(
                    "tables_marked_up",
                    sheet.name,
                    _some(stray),
                    f"{len(stray)} cell(s) beyond column A are not inside an Excel table",
                )
            )
    return findings


@rule
def check_one_table_per_sheet(wb: Workbook) -> list[Finding]:
    """At most one table per sheet (the guidance's default; a screen reader user finds it first)."""
    return [
        Finding(
            "one_table_per_sheet",
            sheet.name,
            ", ".join(t.name for t in sheet.tables),
            f"{len(sheet.tables)} tables on one sheet",
        )
        for sheet in wb.worksheets
        if len(sheet.tables) > 1
    ]


@rule
def check_table_names(wb: Workbook) -> list[Finding]:
    """Every table has a meaningful name (not Table1)."""
    return [
        Finding("table_names", sheet.name, table.name, "the table name is not meaningful")
        for sheet in wb.worksheets
        for table in sheet.tables
        if DEFAULT_TABLE_NAME.match(table.name)
    ]


@rule
def check_table_headers(wb: Workbook) -> list[Finding]:
    """Each table has exactly one header row of unique, non-empty text matching its column names."""
    findings = []
    for sheet in wb.worksheets:
        for table in sheet.tables:
            if table.header_rows != 1:
                findings.append(Finding("table_headers", sheet.name, table.name, "the table has no header row"))
                continue
            top, left, _, right = table.bounds
            seen: set[str] = set()
            for col in range(left, right + 1):
                cell = sheet.cell(top, col)
                where = f"{table.name} {cell_name(top, col)}"
                if cell is None or cell.empty or cell.kind != "s" or not cell.text.strip():
                    findings.append(Finding("table_headers", sheet.name, where, "the header cell is not text"))
                    continue
                key = cell.text.strip().lower()
                if key in seen:
                    findings.append(Finding("table_headers", sheet.name, where, f"the header {cell.text!r} repeats"))
                seen.add(key)
                index = col - left
                if index < len(table.columns) and table.columns[index] != cell.text:
                    findings.append(
                        Finding(
                            "table_headers",
                            sheet.name,
                            where,
                            f"the table column name {table.columns[index]!r} differs from the header",
                        )
                    )
    return findings


@rule
def check_tables_start_in_column_a(wb: Workbook) -> list[Finding]:
    """Every table starts in column A."""
    return [
        Finding("tables_start_in_column_a", sheet.name, table.name, f"the table starts at {table.ref.split(':')[0]}")
        for sheet in wb.worksheets
        for table in sheet.tables
        if table.bounds[1] != 1
    ]


@rule
def check_no_merged_cells(wb: Workbook) -> list[Finding]:
    """No merged cells anywhere."""
    return [
        Finding("no_merged_cells", sheet.name, ref, "merged cells") for sheet in wb.worksheets for ref in sheet.merges
    ]


@rule
def check_no_blank_rows_or_columns(wb: Workbook) -> list[Finding]:
    """No entirely blank row or column inside a table."""
    findings = []
    for sheet in wb.worksheets:
        for table in sheet.tables:
            top, left, bottom, right = _body(table)
            for row in range(top, bottom + 1):
                if all((c := sheet.cell(row, col)) is None or c.empty for col in range(left, right + 1)):
                    findings.append(
                        Finding(
                            "no_blank_rows_or_columns",
                            sheet.name,
                            f"{table.name} row {row}",
                            "a blank row inside the table",
                        )
                    )
            for col in range(left, right + 1):
                if top <= bottom and all(
                    (c := sheet.cell(row, col)) is None or c.empty for row in range(top, bottom + 1)
                ):
                    findings.append(
                        Finding(
                            "no_blank_rows_or_columns",
                            sheet.name,
                            f"{table.name} column {column_letters(col)}",
                            "a blank column inside the table",
                        )
                    )
    return findings


@rule
def check_no_filter_buttons(wb: Workbook) -> list[Finding]:
    """No filter buttons (autoFilter) on tables or sheets."""
    findings = []
    for sheet in wb.worksheets:
        if sheet.sheet_autofilter:
            findings.append(Finding("no_filter_buttons", sheet.name, None, "the sheet has an autofilter"))
        for table in sheet.tables:
            if table.has_autofilter:
                findings.append(Finding("no_filter_buttons", sheet.name, table.name, "the table has filter buttons"))
    return findings


@rule
def check_no_empty_cells(wb: Workbook) -> list[Finding]:
    """No empty cells inside a table, unless column A above the table explains blanks."""
    findings = []
    for sheet, table in _tables(wb):
        if any(EXPLAINED_BLANKS.search(text) for text in _column_a_above(sheet, table)):
            continue
        empty = [cell_name(r, c) for r, c, cell in _body_cells(sheet, table) if cell is None or cell.empty]
        if empty:
            message = f"{len(empty)} empty cell(s) in table {table.name}; use {_SYMBOLS}"
            findings.append(Finding("no_empty_cells", sheet.name, _some(empty), message))
    return findings


@rule
def check_shorthand_key(wb: Workbook) -> list[Finding]:
    """GSS shorthand like ``[c]``, ``[x]``, ``[z]`` used in a table has its key in column A above it."""
    findings = []
    for sheet, table in _tables(wb):
        symbols: dict[str, str] = {}
        for r, c, cell in _body_cells(sheet, table):
            if cell is not None and cell.kind == "s":
                for match in SHORTHAND.finditer(cell.text):
                    symbols.setdefault(f"[{match.group(1).lower()}]", cell_name(r, c))
        above = " ".join(_column_a_above(sheet, table)).lower()
        for symbol, where in sorted(symbols.items()):
            if symbol not in above:
                message = f"{symbol} is used in table {table.name} but not explained in column A above it"
                findings.append(Finding("shorthand_key", sheet.name, where, message))
    return findings


def _table_columns(sheet: Sheet, table: Table):
    """(header text, column number, body cells) for each column of a table."""
    top, left, bottom, right = _body(table)
    header_row = table.bounds[0]
    for col in range(left, right + 1):
        header = sheet.cell(header_row, col)
        cells = [sheet.cell(r, col) or Cell(r, col, "", None, 0, None) for r in range(top, bottom + 1)]
        yield (header.text if header is not None else ""), col, cells


@rule
def check_units_in_headers(wb: Workbook) -> list[Finding]:
    """Heuristic: the header of a numeric column names its unit in round brackets, e.g.
    "Count (people)" or "Rate (%)". Exempt: headers mentioning "year", and tables with a column
    headed "unit" or "units" (the unit then varies by row and is stated in that column)."""
    findings = []
    for sheet, table in _tables(wb):
        columns = list(_table_columns(sheet, table))
        if any(UNIT_COLUMN.match(header) for header, _, _ in columns):
            continue
        for header, col, cells in columns:
            if _is_numeric_column(cells) and not re.search(r"\([^)]+\)", header) and "year" not in header.lower():
                message = f"the numeric column {header!r} has no unit in round brackets"
                findings.append(Finding("units_in_headers", sheet.name, f"{table.name} {column_letters(col)}", message))
    return findings


def _is_numeric_text(cell: Cell) -> bool:
    return cell.kind == "s" and bool(re.search(r"\d", cell.text)) and bool(NUMERIC_TEXT.match(cell.text))


#: Header words of label columns, whose "2016" or "2019/20" names a period or programme.
LABEL_HEADERS = ("year", "period", "programme")


@rule
def check_numbers_as_numbers(wb: Workbook) -> list[Finding]:
    """No number stored as text in a table column that holds numbers, or in a column whose every
    filled cell is a number stored as text (e.g. "1,000" or "9.3%" as text). A quoted claim such
    as "9%" among other text is text, and is not reported. A column of labels (its header names a
    year, period or programme) may hold "2016" as the text it is: a name, not a quantity."""
    findings = []
    for sheet in wb.worksheets:
        for table in sheet.tables:
            for header, _col, cells in _table_columns(sheet, table):
                if any(word in header.lower() for word in LABEL_HEADERS):
                    continue
                filled = [c for c in cells if not c.empty and not SHORTHAND.fullmatch(c.text.strip())]
                numeric_text = [c for c in filled if _is_numeric_text(c)]
                if not numeric_text:
                    continue
                if any(c.kind == "n" for c in filled) or len(numeric_text) == len(filled):
                    for c in numeric_text:
                        findings.append(
                            Finding(
                                "numbers_as_numbers",
                                sheet.name,
                                cell_name(c.row, c.col),
                                f"the number {c.text!r} is stored as text",
                            )
                        )
    return findings


@rule
def check_number_formats(wb: Workbook) -> list[Finding]:
    """Per numeric table column: one number format; whole-number counts ``#,##0``; percentages
    to one decimal place (``0.0%``). Columns whose header mentions "year" are exempt."""
    findings = []
    styles = wb.styles
    for sheet, table in _tables(wb):
        for header, col, cells in _table_columns(sheet, table):
            numbers = [c for c in cells if c.kind == "n"]
            if not numbers or "year" in header.lower():
                continue
            codes = {styles.number_format(c.style) for c in numbers}
            code = next(iter(codes))  # the one format, when there is one
            if len(codes) > 1:
                message = f"the column {header!r} mixes number formats {sorted(codes)}"
            elif _is_percent_format(code):
                if code.replace("\\", "") == "0.0%":
                    continue
                message = f"the rate column {header!r} is formatted {code!r}, not 0.0%"
            elif all(float(c.value).is_integer() for c in numbers) and code != "#,##0":
                message = f"the count column {header!r} is formatted {code!r}, not #,##0"
            else:
                continue
            findings.append(Finding("number_formats", sheet.name, f"{table.name} {column_letters(col)}", message))
    return findings


@rule
def check_ci_columns(wb: Workbook) -> list[Finding]:
    """Intervals are separate lower and upper columns, never "8.2% to 10.5%" in one cell."""
    findings = []
    for sheet, table in _tables(wb):
        for r, c, cell in _body_cells(sheet, table):
            if cell is not None and cell.kind == "s" and INTERVAL_IN_ONE_CELL.match(cell.text):
                message = f"an interval {cell.text!r} in one cell; use lower and upper columns"
                findings.append(Finding("ci_columns", sheet.name, cell_name(r, c), message))
    return findings


def _used_fonts(wb: Workbook):
    """(font element, sheet, cell) for the default font, each used cell style, and rich-text runs."""
    styles = wb.styles
    if styles.fonts:
        yield styles.fonts[0], None, "default font"
    for style, (sheet_name, where) in sorted(_used_styles(wb).items()):
        font = styles.font(style)
        if font is not None:
            yield font, sheet_name, where
    for sheet in wb.worksheets:
        for (r, c), cell in sorted(sheet.cells.items()):
            for run in cell.runs:
                yield run, sheet.name, cell_name(r, c)


@rule
def check_fonts(wb: Workbook) -> list[Finding]:
    """Text is in a sans-serif font of at least 10 pt (default font, cell styles, rich text)."""
    findings = []
    reported: set[tuple] = set()
    for font, sheet, where in _used_fonts(wb):
        name_el = font.find(f"{M}name") if font.find(f"{M}name") is not None else font.find(f"{M}rFont")
        size_el = font.find(f"{M}sz")
        name = name_el.get("val") if name_el is not None else None
        size = float(size_el.get("val")) if size_el is not None and size_el.get("val") else None
        if name and name.lower() not in SANS_SERIF_FONTS and ("name", name) not in reported:
            reported.add(("name", name))
            findings.append(Finding("fonts", sheet, where, f"the font {name!r} is not a known sans-serif font"))
        if size is not None and size < MIN_FONT_POINTS and ("size", size) not in reported:
            reported.add(("size", size))
            findings.append(Finding("fonts", sheet, where, f"text is {size:g} pt (at least {MIN_FONT_POINTS:g})"))
    return findings


@rule
def check_no_rotated_text(wb: Workbook) -> list[Finding]:
    """No rotated or vertical text in used cells."""
    findings = []
    for style, (sheet, where) in sorted(_used_styles(wb).items()):
        xf = wb.styles.xf(style)
        alignment = xf.find(f"{M}alignment") if xf is not None else None
        if alignment is not None and alignment.get("textRotation", "0") not in ("0", ""):
            findings.append(Finding("no_rotated_text", sheet, where, "rotated text"))
    return findings


@rule
def check_no_superscript(wb: Workbook) -> list[Finding]:
    """No superscript or subscript (screen readers do not announce it: write [note 1] instead)."""
    findings = []
    for font, sheet, where in _used_fonts(wb):
        align = font.find(f"{M}vertAlign")
        if align is not None and align.get("val", "baseline") != "baseline":
            findings.append(Finding("no_superscript", sheet, where, f"{align.get('val')} text"))
    return findings


@rule
def check_no_fills_or_colour(wb: Workbook) -> list[Finding]:
    """No cell fills, and no font colour (other than automatic/black) except on hyperlinks: colour
    must not carry meaning, and the checker cannot tell decoration from meaning."""
    findings = []
    styles = wb.styles
    link_cells = {(s.name, cell_name(r, c)) for s in wb.worksheets for (r, c) in _hyperlink_cells(s)}
    for sheet in wb.worksheets:
        for (r, c), cell in sorted(sheet.cells.items()):
            xf = styles.xf(cell.style)
            if xf is None:
                continue
            fill_id = int(xf.get("fillId", "0"))
            fill = styles.fills[fill_id] if fill_id < len(styles.fills) else None
            pattern = fill.find(f"{M}patternFill") if fill is not None else None
            gradient = fill.find(f"{M}gradientFill") if fill is not None else None
            if gradient is not None or (pattern is not None and pattern.get("patternType", "none") != "none"):
                findings.append(Finding("no_fills_or_colour", sheet.name, cell_name(r, c), "the cell has a fill"))
            if cell.empty or (sheet.name, cell_name(r, c)) in link_cells:
                continue
            font = styles.font(cell.style)
            if font is not None and not _is_automatic_colour(font.find(f"{M}color")):
                findings.append(Finding("no_fills_or_colour", sheet.name, cell_name(r, c), "coloured text"))
    return _first_per_sheet(findings)


def _first_per_sheet(findings: list[Finding]) -> list[Finding]:
    """Collapse repeated findings of one kind on one sheet to the first, with a count."""
    grouped: dict[tuple, list[Finding]] = {}
    for finding in findings:
        grouped.setdefault((finding.check, finding.sheet, finding.message), []).append(finding)
    out = []
    for (check, sheet, message), group in grouped.items():
        suffix = f" ({len(group)} cells, first shown)" if len(group) > 1 else ""
        out.append(Finding(check, sheet, group[0].where, message + suffix))
    return out


@rule
def check_hyperlink_text(wb: Workbook) -> list[Finding]:
    """Links have descriptive text: never a bare URL, never empty, never "click here"."""
    findings = []
    for sheet in wb.worksheets:
        for link in sheet.hyperlinks:
            try:
                row, col = parse_range(link.ref)[:2]
            except ValueError:
                continue
            cell = sheet.cell(row, col)
            text = cell.text if cell is not None and not cell.empty else (link.display or "")
            findings.extend(_judge_link_text(sheet.name, link.ref, text))
        for (r, c), cell in sorted(sheet.cells.items()):
            if cell.formula and _HYPERLINK_FORMULA.match(cell.formula):
                findings.extend(_judge_link_text(sheet.name, cell_name(r, c), cell.text))
    return findings


def _judge_link_text(sheet: str, where: str, text: str) -> list[Finding]:
    if not text.strip():
        return [Finding("hyperlink_text", sheet, where, "the link has no text")]
    if URL_TEXT.match(text):
        return [Finding("hyperlink_text", sheet, where, f"the link text is a bare URL ({text.strip()})")]
    if VAGUE_LINK_TEXT.match(text):
        return [Finding("hyperlink_text", sheet, where, f"the link text {text.strip()!r} does not say where it goes")]
    return []


@rule
def check_no_headers_footers(wb: Workbook) -> list[Finding]:
    """No page headers or footers (screen readers miss them)."""
    return [
        Finding("no_headers_footers", sheet.name, None, f"the sheet has a page {', '.join(sheet.header_footer)}")
        for sheet in wb.sheets
        if sheet.header_footer
    ]


@rule
def check_no_text_boxes(wb: Workbook) -> list[Finding]:
    """No text boxes or shapes holding text (xdr:sp with txBody)."""
    return [
        Finding("no_text_boxes", sheet.name, frame.name or None, "a text box or shape with text")
        for sheet in wb.sheets
        for frame in sheet.frames
        if frame.kind == "shape" and frame.has_text
    ]


@rule
def check_no_macros(wb: Workbook) -> list[Finding]:
    """No macros (vbaProject)."""
    return [Finding("no_macros", None, "xl/vbaProject.bin", "the workbook contains macros")] if wb.has_macros else []


@rule
def check_charts(wb: Workbook) -> list[Finding]:
    """Charts sit on normal worksheets (no chartsheets), each with a title and alt text that
    states figures (contains a digit); pictures have alt text too."""
    findings = []
    for sheet in wb.sheets:
        if sheet.kind == "chartsheet":
            findings.append(
                Finding("charts", sheet.name, None, "a chartsheet: put the chart on a normal sheet with a title in A1")
            )
        for frame in sheet.frames:
            if frame.kind not in ("chart", "picture"):
                continue
            label = frame.name or frame.kind
            if not frame.descr.strip():
                findings.append(Finding("charts", sheet.name, label, f"the {frame.kind} has no alt text"))
            elif frame.kind == "chart" and not re.search(r"\d", frame.descr):
                findings.append(Finding("charts", sheet.name, label, "the chart's alt text states no figures"))
            if frame.kind == "chart" and frame.chart_part:
                chart = wb.chart_parts.get(frame.chart_part)
                title = chart.find(f"{{{NS_CHART}}}chart/{{{NS_CHART}}}title") if chart is not None else None
                if title is None:
                    findings.append(Finding("charts", sheet.name, label, "the chart has no title"))
    return findings
