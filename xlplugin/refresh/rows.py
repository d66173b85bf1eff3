"""The table's cells spliced into a worksheet's ``<sheetData>``, rows kept in order.

Why byte splicing: only the rows of the old and new table areas change; every other row and
cell (the user's) is copied as it was. Cells the resized table would newly cover are refused
unless forced, and a damaged row or cell reference is refused rather than guessed at.
"""

from __future__ import annotations

from xlplugin.core.errors import InputError, Problem
from xlplugin.ooxml.cells import (
    cell_ref,
    inline_string_cell,
    merge_rows,
    number_cell,
    numbered_cells,
    numbered_rows,
    parse_range,
    range_ref,
)
from xlplugin.ooxml.package import MalformedPart, scan, set_attr, splice
from xlplugin.ooxml.scanner import element_bytes
from xlplugin.refresh.grid import Grid


def cell_xml(row: int, column: int, value, style: str | None = None) -> str:
    ref = cell_ref(row, column)
    if value is None:
        return f'<c r="{ref}" s="{style}"/>' if style and style != "0" else ""
    if isinstance(value, str):
        return inline_string_cell(ref, value, style)
    return number_cell(ref, value, style)


def rows_xml(
    grid: Grid, first_row: int = 1, first_col: int = 1, styles: dict | None = None, default_style: str | None = None
) -> dict[int, list[tuple[int, str]]]:
    """Row number -> [(column, cell XML)] for the header and data rows.

    `default_style` ("0") overrides a column's own style (``<col style>``), which LibreOffice
    would otherwise apply to a cell written without one.
    """
    styles = styles or {}
    out: dict[int, list[tuple[int, str]]] = {}
    header_cells = []
    for j, head in enumerate(grid.header):
        col = first_col + j
        header_cells.append(
            (col, inline_string_cell(cell_ref(first_row, col), head, styles.get((first_row, col)) or default_style))
        )
    out[first_row] = header_cells
    for i, row in enumerate(grid.rows):
        r = first_row + 1 + i
        cells = []
        for j, value in enumerate(row):
            col = first_col + j
            text = cell_xml(r, col, value, styles.get((r, col)) or styles.get(("data", col)) or default_style)
            if text:
                cells.append((col, text))
        out[r] = cells
    return out


def _overlaps(a, b) -> bool:
    return not (a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1])


def _inside(row: int, col: int, rect) -> bool:
    return rect[0] <= row <= rect[2] and rect[1] <= col <= rect[3]


_CELL_CONTENT = ("v", "is", "f")


def rewrite_cells(
    data: bytes,
    old_rect,
    new_rect,
    grid: Grid,
    *,
    force: bool,
    where: str,
    styled_columns: set[int] | None = None,
    move_row: tuple[int, int] | None = None,
) -> bytes:
    """The sheet XML with the cells of old_rect and new_rect replaced by the grid's cells.

    `where` names the sheet's part: a row or cell reference that is not one is refused
    (MalformedPart) rather than guessed at, since the cells we replace are found by them.
    """
    root = scan(data, where)
    sheet_data = root.find("sheetData")
    if sheet_data is None:
        raise MalformedPart(where, "has no <sheetData>, which every worksheet has")
    union_rows = (min(old_rect[0], new_rect[0]), max(old_rect[2], new_rect[2]))
    styles: dict = {}
    conflicts: list[str] = []
    moved: list[tuple[int, str]] = []
    for r, row_el in numbered_rows(sheet_data, where):
        if not union_rows[0] <= r <= union_rows[1]:
            continue
        for col, c in numbered_cells(row_el, r, where):
            keeps_style = r == old_rect[0] or styled_columns is None or col in styled_columns
            if c.attrs.get("s") and keeps_style and _inside(r, col, old_rect):
                styles[(r, col)] = c.attrs["s"]
                if r == old_rect[0] + 1:
                    styles[("data", col)] = c.attrs["s"]
            inside_new = _inside(r, col, new_rect) and not _inside(r, col, old_rect)
            if inside_new and any(child.local in _CELL_CONTENT for child in c.children):
                conflicts.append(cell_ref(r, col))
            if move_row and r == move_row[0] and old_rect[1] <= col <= old_rect[3] and c.attrs.get("r"):
                text = element_bytes(data, c, [set_attr(data, c, "r", cell_ref(move_row[1], col))])
                moved.append((col, text.decode("utf-8")))
    if conflicts and not force:
        shown = ", ".join(conflicts[:20]) + (" ..." if len(conflicts) > 20 else "")
        raise InputError(
            Problem(
                f"the resized table would overwrite {len(conflicts)} cell(s) that are not part of it: "
                f"{shown}; move them or use --force",
                where,
            )
        )
    merge_cells = root.find("mergeCells")
    if merge_cells is not None:
        for m in merge_cells.findall("mergeCell"):
            try:
                if _overlaps(parse_range(m.attrs.get("ref", "")), new_rect):
                    raise InputError(
                        Problem(
                            f"merged cells {m.attrs.get('ref')} lie where the table goes; unmerge them first", where
                        )
                    )
            except ValueError:
                pass
    new_cells = rows_xml(grid, new_rect[0], new_rect[1], styles, default_style="0")
    for r in range(new_rect[0] + 1 + len(grid.rows), new_rect[2] + 1):  # a kept empty data row, the totals row
        new_cells.setdefault(r, [])
    if move_row:
        new_cells[move_row[1]] = moved
    edits = merge_rows(
        data,
        sheet_data,
        {r: [(col, text.encode("utf-8")) for col, text in row] for r, row in new_cells.items()},
        where,
        drop=lambda r, col: _inside(r, col, old_rect) or _inside(r, col, new_rect),
        also=range(union_rows[0], union_rows[1] + 1),
    )
    dimension = root.find("dimension")
    if dimension is not None:
        try:
            d = parse_range(dimension.attrs.get("ref", "A1"))
            rect = (min(d[0], new_rect[0]), min(d[1], new_rect[1]), max(d[2], new_rect[2]), max(d[3], new_rect[3]))
        except ValueError:
            rect = new_rect
        edits.append(set_attr(data, dimension, "ref", range_ref(*rect)))
    return splice(data, edits)  # insertions at a replaced row's start go before it: rows stay in order
