"""A new table: the sheet and table parts `refresh --table NAME` adds when NAME does not exist.

The sheet goes at the end of the workbook, in the schema's element order, with its table part,
relationships and content types; the names are checked free first.
"""

from __future__ import annotations

import posixpath

from xlplugin.core.errors import InputError, Problem
from xlplugin.ooxml.book import CT_TABLE, REL_TABLE, Book, Table
from xlplugin.ooxml.cells import escape_xstring, number_text, range_ref
from xlplugin.ooxml.package import NS_MAIN, xml_attr
from xlplugin.refresh.grid import Grid
from xlplugin.refresh.rows import rows_xml

TABLE_STYLE = "TableStyleMedium2"


def _check_name_free(book: Book, name: str, replacing: Table | None = None) -> None:
    lower = name.lower()
    for other in book.tables:
        if other is not replacing and lower in (other.name.lower(), other.display_name.lower()):
            raise InputError(
                Problem(f"a table named {other.display_name!r} already exists", str(book.path), column="--table")
            )
    for defined in book.defined_names:
        if defined.name.lower() == lower:
            raise InputError(
                Problem(
                    f"the workbook already has a defined name {defined.name!r}; table names must "
                    "differ from defined names",
                    str(book.path),
                    column="--table",
                )
            )


def create_table(book: Book, name: str, sheet_name: str, grid: Grid, *, force: bool = False) -> None:
    """Add a new sheet holding the table (at the end of the workbook)."""
    _check_name_free(book, name)
    existing_sheet = book.sheet_named(sheet_name)
    if existing_sheet is not None:
        raise InputError(
            Problem(
                f"sheet {existing_sheet.name!r} already exists and has no table {name!r}; "
                "give a new sheet name with --sheet",
                str(book.path),
                column="--sheet",
            )
        )
    if book.structure_locked():
        raise InputError(
            Problem(
                "the workbook's structure is protected (Review > Protect Workbook), so no sheet "
                "can be added; unprotect it and try again",
                str(book.path),
            )
        )
    table_id = max((t.id for t in book.tables), default=0) + 1
    last_row = 1 + len(grid.rows)
    last_col = len(grid.header)
    ref = range_ref(1, 1, last_row, last_col)
    has_views = book.wb_root.find("bookViews") is not None
    sheet_xml = new_sheet_xml(grid, ref, with_view=has_views)
    sheet_part, sheet = book.add_worksheet(sheet_name, sheet_xml)
    table_part = _unused_table_part(book)
    book.put(table_part, table_xml(table_id, name, ref, grid.header))
    book.add_override(table_part, CT_TABLE)
    book.add_relationship(sheet_part, REL_TABLE, table_part)


def _unused_table_part(book: Book) -> str:
    folder = posixpath.dirname(book.workbook_part)
    return book.unused_part(posixpath.join(folder, "tables", "table{}.xml"))


def _column_widths(grid: Grid) -> list[float]:
    widths: list[float] = []
    for i, head in enumerate(grid.header):
        longest = len(head)
        for row in grid.rows[:200]:
            value = row[i]
            if value is not None:
                longest = max(longest, len(value) if isinstance(value, str) else len(number_text(value)))
        widths.append(min(max(longest + 2, 9), 60))
    return widths


def new_sheet_xml(grid: Grid, ref: str, *, with_view: bool) -> bytes:
    """A worksheet in the schema's element order: dimension, sheetViews, sheetFormatPr, cols,
    sheetData, pageMargins, tableParts."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n',
        f'<worksheet xmlns="{NS_MAIN}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">',
        f'<dimension ref="{ref}"/>',
    ]
    if with_view:
        parts.append('<sheetViews><sheetView workbookViewId="0"/></sheetViews>')
    parts.append('<sheetFormatPr defaultRowHeight="15"/><cols>')
    for i, width in enumerate(_column_widths(grid), start=1):
        parts.append(f'<col min="{i}" max="{i}" width="{width}" customWidth="1"/>')
    parts.append("</cols><sheetData>")
    for r, cells in rows_xml(grid).items():
        parts.append(f'<row r="{r}">' + "".join(text for _, text in cells) + "</row>")
    parts.append(
        '</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
        'footer="0.3"/><tableParts count="1"><tablePart r:id="rId1"/></tableParts></worksheet>'
    )
    return "".join(parts).encode("utf-8")


def table_columns_xml(header: list[str], prefix: str = "", ids: list[int] | None = None) -> str:
    ids = ids or list(range(1, len(header) + 1))
    columns = "".join(
        f'<{prefix}tableColumn id="{ids[i]}" name="{xml_attr(escape_xstring(h, line_breaks=True))}"/>'
        for i, h in enumerate(header)
    )
    return f'<{prefix}tableColumns count="{len(header)}">{columns}</{prefix}tableColumns>'


def table_xml(table_id: int, name: str, ref: str, header: list[str]) -> bytes:
    """A table part in schema order: autoFilter, tableColumns, tableStyleInfo."""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<table xmlns="{NS_MAIN}" id="{table_id}" name="{xml_attr(name)}" displayName="{xml_attr(name)}" '
        f'ref="{ref}" totalsRowShown="0"><autoFilter ref="{ref}"/>{table_columns_xml(header)}'
        f'<tableStyleInfo name="{TABLE_STYLE}" showFirstColumn="0" showLastColumn="0" showRowStripes="1" '
        'showColumnStripes="0"/></table>'
    ).encode()
