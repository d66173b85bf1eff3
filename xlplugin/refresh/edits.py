"""Finding the user's edits to what a report owns, before refresh overwrites them.

The report the workbook should hold is rendered again from its own Data sheet (the input as
given) with the recorded options and compared with what the workbook shows, by position and
content: owned table cells, their headers and sizes, and the text of owned sheets. Refresh
refuses, naming the cells, unless forced.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

from xlplugin.core.counts import NOT_APPLICABLE_SYMBOL
from xlplugin.core.errors import InputError
from xlplugin.ooxml.book import Book, table_range
from xlplugin.ooxml.cells import read_cell, string_text, unescape_xstring
from xlplugin.ooxml.package import MalformedPart, Package, as_index, scan

#: The data sheet is the input itself (what the others are compared against), not compared.
NOT_COMPARED = {"data"}


def sheet_values(package: Package, part: str, shared: list[str] | None) -> dict[tuple[int, int], object]:
    """(row, column) -> value of every cell with a value (numbers as float, text as str)."""
    data = package.read(part)
    root = scan(data, part, stop_at={"f"})
    out: dict[tuple[int, int], object] = {}
    for c in root.iter("c"):
        ref = c.attrs.get("r")
        if not ref:
            continue
        kind = c.attrs.get("t", "n")
        value: object = None
        v = c.find("v")
        if kind == "inlineStr":
            is_el = c.find("is")
            if is_el is not None:
                value = string_text(data, is_el)
        elif v is not None:
            text = unescape_xstring(v.text(data))
            if kind == "s":
                index = as_index(text.strip())
                if index is None or index >= len(shared or []):
                    raise MalformedPart(
                        part, f"has a cell {ref} showing shared string {text!r}, which the workbook does not have"
                    )
                value = shared[index]
            elif kind == "n":
                value = _cell_number(text, part, ref) if text.strip() else None
            else:  # str, e, b, d (an ISO date): compared as text
                value = text
        if value is not None and value != "":
            out[read_cell(ref, part)] = value
    return out


def _cell_number(text: str, part: str, ref: str) -> float:
    """The value of a number cell; MalformedPart for what Excel never writes (text, inf, nan)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise MalformedPart(part, f"has a number cell {ref} holding {text[:40]!r}, which is not a number")
    return value


def shared_strings(package: Package, book: Book) -> list[str]:
    for rel in book.wb_rels:
        if rel.type.endswith("/sharedStrings") and rel.part:
            data = package.read(package.require(rel.part, package.rels_name(book.workbook_part)))
            root = scan(data, rel.part)
            return [string_text(data, si) for si in root.findall("si")]
    return []


def _same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        try:
            x, y = float(a), float(b)
        except (TypeError, ValueError):
            return False
        return abs(x - y) <= 1e-9 * max(1.0, abs(x), abs(y))
    return str(a).strip() == str(b).strip()


def _data_table_rows(values: dict, table) -> tuple[list[str], list[list[str]]]:
    """The input CSV again, from the data sheet's table (the report's own inverse of its data sheet)."""
    from xlplugin.report.sheet_front import input_from_data_table

    r1, c1, r2, c2 = table_range(table)
    header = [values.get((r1, c)) for c in range(c1, c2 + 1)]
    rows = [[values.get((r, c)) for c in range(c1, c2 + 1)] for r in range(r1 + 1, r2 + 1)]
    return input_from_data_table(header, rows)


def sheet_formulas(package: Package, part: str) -> dict[tuple[int, int], str]:
    """(row, column) -> the formula text of every formula cell (unescaped, without '=')."""
    data = package.read(part)
    root = scan(data, part, stop_at={"f", "is", "v"})
    out = {}
    for c in root.iter("c"):
        f = c.find("f")
        ref = c.attrs.get("r")
        if f is not None and ref and not f.empty:
            out[read_cell(ref, part)] = unescape_xstring(f.text(data)).strip()
    return out


#: At most this many [z] notes are tried both ways (2**N renderings of the expected report).
MAX_AMBIGUOUS_NOTES = 5


def _data_readings(values: dict, table) -> list[tuple[list[str], list[list[str]]]]:
    """The data sheet's rows, read each way its [z] notes allow.

    The data sheet shows an empty input cell as [z], so a note that really was "[z]" reads back
    as empty. Each of the first few [z] notes is tried both ways; the report matches if its
    cells match one of the readings, so a literal [z] in the input is not a hand edit.
    """
    import itertools

    header, rows = _data_table_rows(values, table)
    r1, c1, _, _ = table_range(table)
    note = next((j for j, h in enumerate(header) if h.strip().lower() == "note"), None)
    if note is None:
        return [(header, rows)]
    ambiguous = [i for i in range(len(rows)) if values.get((r1 + 1 + i, c1 + note)) == NOT_APPLICABLE_SYMBOL][
        :MAX_AMBIGUOUS_NOTES
    ]
    readings = []
    for choice in itertools.product((False, True), repeat=len(ambiguous)):
        copy = [list(row) for row in rows]
        for i, literal in zip(ambiguous, choice, strict=True):
            if literal:
                copy[i][note] = NOT_APPLICABLE_SYMBOL
        readings.append((header, copy))
    return readings


def edited_cells(book: Book, owned: dict[str, str], options, spec=None) -> dict[str, list[str]]:
    """Owned cells that differ, by position and content, from what the report made of its own data.

    The report the workbook should hold is rendered again from its data sheet (the input as
    given) with the recorded options, and every owned table is compared cell by cell, its
    header and its size too (a renamed header, an inserted or deleted row or column are edits).
    A missing or unreadable data sheet is an edit. Not edits: what a re-saving program changed
    without changing what is shown (a formula whose cached value another writer dropped), and
    a [z] the input itself held. The report is rendered with the provenance its data sheet
    records (source file name, SHA-256, generation time, xlplugin version), so titles and
    provenance lines are compared exactly too: an edit that keeps a line's fixed start is an edit.
    """
    from xlplugin.inputs import csvinput
    from xlplugin.inputs.layout import LayoutOptions
    from xlplugin.ooxml.cells import cell_ref
    from xlplugin.report import ownership
    from xlplugin.report.layout import Source, report_layout

    package = book.package
    data_name = owned.get("data")
    data_table = book.table_named(ownership.TABLE_NAMES["data"])
    if data_table is None:
        where = data_name or "Data"
        return {where: [f"the data table {ownership.TABLE_NAMES['data']} (the sheet or its table was deleted)"]}
    shared = shared_strings(package, book)
    cache: dict[str, dict] = {}

    def values_of(sheet_part: str) -> dict:
        if sheet_part not in cache:
            cache[sheet_part] = sheet_values(package, sheet_part, shared)
        return cache[sheet_part]

    data_values = values_of(data_table.sheet.part)
    provenance = _provenance(data_values, data_table)
    if isinstance(provenance, list):
        return {data_table.sheet.name: provenance}
    name, sha256, generated, version = provenance
    options = options._replace(generated=generated, version=version)
    specs = [spec]
    if spec is not None and getattr(spec, "data", None) is None:
        # made from the spec file itself, the cover has no line saying the figures are a later file's
        specs.append(spec._replace(data=Path(name)))
    layouts: list[dict[str, Any]] = []
    for header, rows in _data_readings(data_values, data_table):
        text = "\n".join(",".join('"' + cell.replace('"', '""') + '"' for cell in row) for row in [header] + rows)
        try:
            old_table = csvinput.read_table(text.encode("utf-8"), name="data sheet")
            reading = LayoutOptions(**LayoutOptions.tokens_of(options.missing))  # the tokens it was made with
            funnel = csvinput.funnel_from_table(old_table, options.suppressed, reading)
        except InputError as exc:
            if layouts:
                continue  # the second reading only adds a chance to match
            return {data_table.sheet.name: _data_problems(exc, data_table, header)}
        source = Source(name, sha256, tuple(old_table.header), tuple(tuple(r) for r in old_table.rows))
        for one in specs:
            layouts.append({sheet.key: sheet for sheet in report_layout(funnel, one, source, options).sheets})
    edited: dict[str, list[str]] = {}
    for key, sheet in layouts[0].items():
        if key not in owned or key in NOT_COMPARED:
            continue
        _edited_text(book, owned[key], [alt[key] for alt in layouts if key in alt], values_of, edited)
        if sheet.table is None:
            continue
        user_table = book.table_named(sheet.table.name)
        if user_table is None:
            edited.setdefault(owned[key], []).append(f"the table {sheet.table.name} (deleted)")
            continue
        values = values_of(user_table.sheet.part)
        formulas = sheet_formulas(package, user_table.sheet.part)
        top, left, bottom, right = table_range(user_table)
        found = edited.setdefault(user_table.sheet.name, [])
        size = (bottom - top, right - left + 1)
        sized = [alt[key] for alt in layouts if key in alt and alt[key].table is not None]
        sheet = next((alt for alt in sized if (len(alt.table.rows), len(alt.table.headers)) == size), sheet)
        expected = (len(sheet.table.rows), len(sheet.table.headers))
        if size != expected:
            found.append(
                f"{range_text(top, left, bottom, right)} (the table {sheet.table.name} was "
                f"{range_text(top, left, top + expected[0], left + expected[1] - 1)}: rows or columns added or removed)"
            )
        alternatives = [layout.get(key) for layout in layouts]
        for j, head in enumerate(sheet.table.headers):
            got = values.get((top, left + j))
            if str(got or "").strip() != head.strip():
                found.append(cell_ref(top, left + j))
        for i, row in enumerate(sheet.table.rows):
            for j in range(len(row)):
                position = (top + 1 + i, left + j)
                if not any(
                    _matches(values.get(position), formulas.get(position), _cell_at(alt, i, j))
                    for alt in alternatives
                    if alt is not None
                ):
                    found.append(cell_ref(*position))
        if not found:
            del edited[user_table.sheet.name]
    return edited


#: The data sheet's provenance lines (report.sheet_front.data_sheet): what the report was made from, and when.
_PROVENANCE = {
    "name": "Source file: ",
    "sha256": "SHA-256 of the source file: ",
    "generated": "Generated: ",
    "version": "Made by: xlplugin ",
}


def _provenance(values: dict, table) -> tuple[str, str, dt.datetime, str] | list[str]:
    """(file name, SHA-256, generation time, version) from the data sheet's lines, or what is wrong with them.

    The report rendered again for comparison must say exactly what the workbook says it was made
    from; a line that is missing or does not read (a time that is not ISO 8601) is an edit of the
    data sheet, named by its cell.
    """
    from xlplugin.ooxml.cells import cell_ref

    top = table_range(table)[0]
    found: dict[str, tuple[int, str]] = {}
    for (r, c), value in sorted(values.items()):
        if c != 1 or r >= top or not isinstance(value, str):
            continue
        for key, prefix in _PROVENANCE.items():
            if key not in found and value.startswith(prefix):
                found[key] = (r, value[len(prefix) :].strip())
    missing = [f"'{prefix.strip()}'" for key, prefix in _PROVENANCE.items() if key not in found]
    if missing:
        return [f"the provenance lines above the data table (no {', '.join(missing)} line)"]
    row, when = found["generated"]
    try:
        generated = dt.datetime.fromisoformat(when)
    except ValueError:
        return [f"{cell_ref(row, 1)} (the generation time {when[:40]!r} is not an ISO 8601 time)"]
    return found["name"][1], found["sha256"][1], generated, found["version"][1]


def _edited_text(book: Book, sheet_name: str, alternatives: list, values_of, edited: dict) -> None:
    """Column A of an owned sheet (title, description, lines) must be, row by row, what the report wrote.

    Column A is the report's everywhere outside its table (refresh rewrites it and keeps no user
    cell there), so a line typed below the text or the table is an edit too.

    `alternatives` are the renderings the sheet may rightly show (a [z] note read both ways; a
    report made from its spec file, or refreshed from a bare CSV since); the text must equal one
    of them exactly, every line included (the provenance lines too, rendered with the recorded
    file name, hash and time). Otherwise the cells that differ from the nearest one are edits.
    """
    from xlplugin.ooxml.cells import cell_ref

    user_sheet = book.sheet_named(sheet_name)
    if user_sheet is None or user_sheet.part is None or not alternatives:
        return
    values = values_of(book.sheet_part(user_sheet))
    nearest: list[int] | None = None
    for sheet in alternatives:
        texts = [sheet.title, sheet.description, *(line.text for line in sheet.lines)]
        want = {r: t.strip() for r, t in enumerate(texts, start=1) if t.strip()}
        table = sheet.table if sheet.table is not None and sheet.table.left == 0 else None
        shown = {
            r: v
            for (r, c), v in values.items()
            if c == 1 and str(v).strip() and not (table is not None and table.top + 1 <= r <= table.last_row + 1)
        }
        differ = sorted(r for r in want.keys() | shown.keys() if not _same(shown.get(r, ""), want.get(r, "")))
        if not differ:
            return
        if nearest is None or len(differ) < len(nearest):
            nearest = differ
    edited.setdefault(user_sheet.name, []).extend(cell_ref(r, 1) for r in nearest or [])


def range_text(r1: int, c1: int, r2: int, c2: int) -> str:
    from xlplugin.ooxml.cells import cell_ref

    return f"{cell_ref(r1, c1)}:{cell_ref(r2, c2)}"


def _cell_at(sheet, i: int, j: int):
    if sheet is None or sheet.table is None or i >= len(sheet.table.rows) or j >= len(sheet.table.rows[i]):
        return None
    return sheet.table.rows[i][j]


def _matches(got, formula: str | None, cell) -> bool:
    """Does a cell show what the report writes there? Our formula counts even without its cached value."""
    if cell is None:
        return got is None
    want = cell.value
    if cell.formula and formula is not None and formula.lstrip("=") == cell.formula.lstrip("="):
        return True  # another writer (openpyxl) dropped the cached value; the formula is ours
    if want == "" and got is None:
        return True
    return got is not None and _same(got, want)


def _data_problems(exc: InputError, table, header: list[str]) -> list[str]:
    """The cells of the data sheet that no longer read as the report's input (its CSV line -> row)."""
    from xlplugin.ooxml.cells import cell_ref

    top, left, _, _ = table_range(table)
    out = []
    for problem in exc.problems[:12]:
        cell = ""
        if problem.line is not None:
            column = next(
                (j for j, h in enumerate(header) if problem.column and h.lower() == problem.column.lower()), None
            )
            row = top + problem.line - 1
            cell = cell_ref(row, left + column) if column is not None else f"row {row}"
        out.append(f"{cell} ({problem.message})" if cell else f"the data table ({problem.message})")
    return out
