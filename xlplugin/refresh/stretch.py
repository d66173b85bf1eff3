"""What reads a replaced table's rows follows it to its new rows.

Defined names, chart series (with their caches), pivot caches, and conditional formats and data
validations (their ranges and formulas) that cover the table's data rows, or its header and
data, are stretched or shrunk to the new last row. References are matched as formulas, after
XML unescaping, with Excel's sheet-name quoting (``'Q1 data'!``, ``'Q1 & Q2'!``, ``'It''s'!``).
"""

from __future__ import annotations

import re

from xlplugin.ooxml.book import Book, Table
from xlplugin.ooxml.cellref import unquote_sheet
from xlplugin.ooxml.cells import column_index, number_text, parse_range, range_ref
from xlplugin.ooxml.package import Element, scan, set_attr, splice, xml_text
from xlplugin.refresh.grid import Grid
from xlplugin.refresh.references import unescape
from xlplugin.refresh.rows import _inside

_AREA = re.compile(
    r"((?:'(?:[^']|'')+'|[^\s'!:,()=+\-*/&^<>\"{};]+)!)?"
    r"(\$?)([A-Z]{1,3})(\$?)(\d+)(?::(\$?)([A-Z]{1,3})(\$?)(\d+))?"
)


def _sheet_of(prefix: str | None) -> str | None:
    if not prefix:
        return None
    return unquote_sheet(prefix[:-1])


def adjust_formula(text: str, sheet_name: str, old_rect, new_rect, *, local: bool = False) -> str:
    """Stretch references to whole table columns (data rows, or header + data) to the new rows."""
    r1, c1, r2, c2 = old_rect
    new_r2 = new_rect[2]

    def repl(m: re.Match) -> str:
        sheet = _sheet_of(m.group(1))
        if sheet is None and not local:
            return m.group(0)
        if sheet is not None and sheet.lower() != sheet_name.lower():
            return m.group(0)
        if m.group(7) is None:
            return m.group(0)
        top, left, bottom, right = int(m.group(5)), column_index(m.group(3)), int(m.group(9)), column_index(m.group(7))
        if not (c1 <= left <= right <= c2) or right > new_rect[3]:
            return m.group(0)
        if top not in (r1, r1 + 1) or bottom != r2:
            return m.group(0)
        return (
            f"{m.group(1) or ''}{m.group(2)}{m.group(3)}{m.group(4)}{top}:{m.group(6)}{m.group(7)}{m.group(8)}{new_r2}"
        )

    return _AREA.sub(repl, text)


def update_references(book: Book, table: Table, old_rect, new_rect, grid: Grid, *, whole=None) -> None:
    """Defined names, chart series (and caches) and pivot caches that read the table's rows.

    `old_rect`/`new_rect` are the header plus data rows; `whole` the full (old, new) table
    ranges when a totals row follows them.
    """
    whole_old, whole_new = whole or (old_rect, new_rect)
    sheet_name = table.sheet.name
    data = book.current(book.workbook_part)
    root = scan(data)
    names = root.find("definedNames")
    edits = []
    if names is not None:
        for el in names.findall("definedName"):
            if el.empty:
                continue
            # matched as the formula it is: 'Q1 &amp; Q2'!$B$2 in the XML is 'Q1 & Q2'!$B$2
            text = unescape(data[el.open_end : el.close_start].decode("utf-8"))
            new = adjust_formula(text, sheet_name, old_rect, new_rect, local=False)
            if new != text:
                edits.append((el.open_end, el.close_start, xml_text(new).encode("utf-8")))
    if edits:
        book.put(book.workbook_part, splice(data, edits))
    for sheet in book.sheets:
        if sheet.part is None or sheet.kind != "worksheet":
            continue
        own = sheet.part.lower() == (table.sheet.part or "").lower()
        updated = update_sheet_ranges(book.current(sheet.part), sheet.part, sheet_name, old_rect, new_rect, own=own)
        if updated is not None:
            book.put(sheet.part, updated)
    for part in book.package.names():
        content_type = book.package.content_type(part) or ""
        if "pivotCacheDefinition" in content_type:
            updated = update_pivot_cache(book.current(part), table, whole_old, whole_new, where=part)
            if updated is not None:
                book.put(part, updated)
            continue
        if not re.fullmatch(r".*charts/chart[^/]*\.xml", part, re.I):
            continue
        if "drawingml.chart" not in content_type:
            continue
        updated = update_chart(book.current(part), sheet_name, old_rect, new_rect, grid, where=part)
        if updated is not None:
            book.put(part, updated)


#: Where a worksheet keeps ranges that conditional formats and data validations cover and read.
_RULES = ("conditionalFormatting", "dataValidation")


_RULE_FORMULAS = ("formula", "formula1", "formula2", "f")


def update_sheet_ranges(data: bytes, part: str, sheet_name: str, old_rect, new_rect, *, own: bool) -> bytes | None:
    """Conditional formats and data validations over the table's rows follow it to its new rows.

    On the table's own sheet (`own`) their ranges (``sqref``, also the x14 ``<xm:sqref>`` of
    Excel 2010 rules) and the references in their formulas are stretched like a defined name;
    on other sheets only formulas that name the table's sheet (``'Q1 data'!$A$2:$A$4``, a list
    validation's source) are. None when nothing changes.
    """
    if not any(rule.encode() in data for rule in _RULES):
        return None
    root = scan(data, part, stop_at={"sheetData"})
    edits = []
    for el in root.iter():
        if el.local in _RULES and own and "sqref" in el.attrs:
            new = adjust_formula(el.attrs["sqref"], sheet_name, old_rect, new_rect, local=True)
            if new != el.attrs["sqref"]:
                edits.append(set_attr(data, el, "sqref", new))
        elif el.local in (*_RULE_FORMULAS, "sqref") and not el.empty and _inside_rule(el):
            if el.local == "sqref" and not own:
                continue
            text = unescape(el.inner(data).decode("utf-8"))
            new = adjust_formula(text, sheet_name, old_rect, new_rect, local=own)
            if new != text:
                edits.append((el.open_end, el.close_start, xml_text(new).encode("utf-8")))
    return splice(data, edits) if edits else None


def _inside_rule(element: Element) -> bool:
    parent = element.parent
    while parent is not None:
        if parent.local in _RULES:
            return True
        parent = parent.parent
    return False


def update_pivot_cache(data: bytes, table: Table, old_rect, new_rect, where: str = "pivot cache") -> bytes | None:
    """A pivot cache reading the table (by name, or its range) is stretched and refreshed on load."""
    root = scan(data, where, stop_at={"cacheFields", "extLst"})
    source = next(root.iter("worksheetSource"), None)
    if source is None:
        return None
    name = source.attrs.get("name", "")
    ref = source.attrs.get("ref")
    sheet = source.attrs.get("sheet", "")
    edits = []
    if name.lower() in (table.name.lower(), table.display_name.lower()):
        pass
    elif ref and sheet.lower() == table.sheet.name.lower():
        try:
            if parse_range(ref) != old_rect:
                return None
        except ValueError:
            return None
        edits.append(set_attr(data, source, "ref", range_ref(*new_rect)))
    else:
        return None
    edits.append(set_attr(data, root, "refreshOnLoad", "1"))
    return splice(data, edits)


def update_chart(data: bytes, sheet_name: str, old_rect, new_rect, grid: Grid, where: str = "chart") -> bytes | None:
    """Stretch series formulas that read the table's columns, and rewrite their caches."""
    root = scan(data, where)
    edits = []
    for f in root.iter("f"):
        if f.parent is None or f.parent.local not in ("numRef", "strRef"):
            continue
        text = _unescape(data[f.open_end : f.close_start].decode("utf-8"))
        new = adjust_formula(text, sheet_name, old_rect, new_rect)
        if new == text and not _reads_table(text, sheet_name, old_rect):
            continue
        if new != text:
            edits.append((f.open_end, f.close_start, xml_text(new).encode("utf-8")))
        cache = _cache_values(new, sheet_name, new_rect, grid)
        if cache is None:
            continue
        kind = f.parent.local
        cache_el = f.parent.find("numCache" if kind == "numRef" else "strCache")
        if cache_el is None:
            continue
        edits.append((cache_el.start, cache_el.end, _cache_xml(data, cache_el, kind, cache)))
    return splice(data, edits) if edits else None


def _unescape(text: str) -> str:
    return unescape(text)  # the one XML unescape (xlplugin.ooxml.fragments), character references too


def _reads_table(text: str, sheet_name: str, rect) -> bool:
    for m in _AREA.finditer(text):
        sheet = _sheet_of(m.group(1))
        if sheet and sheet.lower() == sheet_name.lower():
            top, left = int(m.group(5)), column_index(m.group(3))
            if _inside(top, left, rect):
                return True
    return False


def _cache_values(formula: str, sheet_name: str, rect, grid: Grid) -> list | None:
    """The values a single-column or single-row reference inside the table shows, or None."""
    matches = list(_AREA.finditer(formula))
    if len(matches) != 1:
        return None
    m = matches[0]
    sheet = _sheet_of(m.group(1))
    if not sheet or sheet.lower() != sheet_name.lower():
        return None
    top, left = int(m.group(5)), column_index(m.group(3))
    bottom = int(m.group(9)) if m.group(9) else top
    right = column_index(m.group(7)) if m.group(7) else left
    if not (_inside(top, left, rect) and _inside(bottom, right, rect)):
        return None
    values = []
    for r in range(top, bottom + 1):
        for c in range(left, right + 1):
            i, j = r - rect[0] - 1, c - rect[1]
            if r == rect[0]:
                values.append(grid.header[j])
            elif 0 <= i < len(grid.rows):
                values.append(grid.rows[i][j])
            else:
                values.append(None)
    return values


def _cache_xml(data: bytes, cache_el: Element, kind: str, values: list) -> bytes:
    prefix = cache_el.prefix(data)
    format_el = cache_el.find("formatCode")
    parts = [
        data[cache_el.start : cache_el.open_end].rstrip(b"/>").rstrip(b">") + b">"
        if not cache_el.empty
        else data[cache_el.start : cache_el.end - 2] + b">"
    ]
    if format_el is not None:
        parts.append(data[format_el.start : format_el.end])
    parts.append(f'<{prefix}ptCount val="{len(values)}"/>'.encode())
    for i, value in enumerate(values):
        if value is None:
            continue
        if kind == "numRef":
            if isinstance(value, str):
                continue
            text = number_text(value)
        else:
            text = value if isinstance(value, str) else number_text(value)
        parts.append(f'<{prefix}pt idx="{i}"><{prefix}v>{xml_text(text)}</{prefix}v></{prefix}pt>'.encode())
    parts.append(b"</" + cache_el.qname(data).encode() + b">")
    return b"".join(parts)
