"""`refresh --table`: write a CSV as an Excel table into any workbook, changing nothing else.

Why package-level: an openpyxl load-and-save drops shapes, sparklines, x14 formats and more
(``ROUNDTRIP.md``). Here only the parts that must change are rewritten, by splicing text into
them: a new sheet adds a worksheet, a table, their relationships and content types and a
``<sheet>`` at the end of ``<sheets>``; replacing a table rewrites the cells of its sheet inside
the old and new table area, its ``ref``, and the references to its columns in defined names and
charts (with their caches). Text is written as inline strings and existing styles are reused, so
``sharedStrings.xml`` and ``styles.xml`` never change. Every refusal is an InputError, raised
before anything is written.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from xlplugin.core.errors import InputError, Problem
from xlplugin.inputs import csvinput
from xlplugin.ooxml.book import (
    CT_TABLE,
    REL_TABLE,
    Book,
    Table,
    open_book,
    table_range,
    validate_sheet_name,
    validate_table_name,
)
from xlplugin.ooxml.cellref import unquote_sheet
from xlplugin.ooxml.cells import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_ROWS,
    cell_ref,
    column_index,
    column_letters,
    escape_xstring,
    inline_string_cell,
    merge_rows,
    number_cell,
    number_text,
    numbered_cells,
    numbered_rows,
    parse_range,
    range_ref,
    unescape_xstring,
)
from xlplugin.ooxml.package import (
    NS_MAIN,
    Element,
    MalformedPart,
    as_index,
    check_targets,
    open_package,
    scan,
    set_attr,
    splice,
    unused_part_name,
    write_package,
    xml_attr,
    xml_text,
)
from xlplugin.ooxml.scanner import element_bytes
from xlplugin.refresh.references import dangling_references, unescape
from xlplugin.refresh.strings import drop_unused_strings

TABLE_STYLE = "TableStyleMedium2"


@dataclass
class Grid:
    """The CSV as typed cells: header texts, then rows of (number | text | None)."""

    header: list[str]
    rows: list[list[int | float | str | None]]
    source: str


def read_grid(csv_path, decimal: str | None = None) -> Grid:
    """Read the CSV and type its cells: numbers (``1,000`` too) or text; never a formula."""
    table = csvinput.read_table(csv_path)
    problems: list[Problem] = []
    header = [h.strip() for h in table.header]
    seen: dict[str, int] = {}
    for i, name in enumerate(header):
        column = column_letters(i + 1)
        if not name:
            problems.append(
                Problem(
                    f"column {column} has an empty header; every table column needs a name",
                    table.name,
                    table.header_line,
                    column,
                )
            )
        elif name.lower() in seen:
            problems.append(
                Problem(
                    f"header {name!r} appears twice (columns {column_letters(seen[name.lower()] + 1)} "
                    f"and {column}); Excel table columns need unique names",
                    table.name,
                    table.header_line,
                    name,
                )
            )
        else:
            seen[name.lower()] = i
        if len(name) > 255:
            problems.append(
                Problem("a table column name can be at most 255 characters", table.name, table.header_line, column)
            )
    if len(header) > MAX_COLUMNS:
        problems.append(Problem(f"{len(header)} columns; Excel allows {MAX_COLUMNS}", table.name))
    if len(table.rows) + 1 > MAX_ROWS:
        problems.append(
            Problem(f"{len(table.rows)} rows; an Excel sheet holds {MAX_ROWS - 1} below a header", table.name)
        )
    if decimal is None:
        decimal = decimal_mark(table)
    rows: list[list] = []
    for row, line in zip(table.rows, table.lines, strict=False):
        if len(row) > len(header):
            extra = row[len(header) :]
            if any(cell.strip() for cell in extra):
                problems.append(
                    Problem(f"the row has {len(row)} fields but the header has {len(header)}", table.name, line)
                )
            row = row[: len(header)]
        typed: list = []
        for i, text in enumerate(row + [""] * (len(header) - len(row))):
            if len(text) > MAX_CELL_CHARS:
                problems.append(
                    Problem(
                        f"a cell holds {len(text):,} characters; Excel's limit is {MAX_CELL_CHARS:,}",
                        table.name,
                        line,
                        header[i] or column_letters(i + 1),
                    )
                )
            if text == "":
                typed.append(None)
                continue
            number = csvinput.parse_number(text, decimal)
            typed.append(number if number is not None else text)
        rows.append(typed)
        if len(problems) > 20:
            break
    if problems:
        raise InputError(problems)
    return Grid(header, rows, table.name)


def decimal_mark(table) -> str:
    """The decimal mark of a CSV's numbers, by the rule funnel counts follow (csvinput.localise_count).

    A `;`-separated file comes from a decimal-comma locale: `1.000; 2.500; 12.345` are thousands,
    `66,9` a decimal. Only when such a file shows decimal points (``66.9``, ``0.25``) and no
    decimal commas is its mark '.'. Every other file uses '.' (and `,` groups thousands).
    """
    if getattr(table, "delimiter", ",") != ";":
        return "."
    comma = point = 0
    for row in table.rows[:1000]:
        for cell in row:
            t = cell.strip()
            if _COMMA_DECIMAL.fullmatch(t):
                comma += 1
            elif _POINT_DECIMAL.fullmatch(t):
                point += 1
    return "." if point > comma else ","


_COMMA_DECIMAL = re.compile(r"-?[0-9]+,[0-9]{1,2}|-?[0-9]+,[0-9]{4,}")
_POINT_DECIMAL = re.compile(r"-?[0-9]+\.[0-9]{1,2}|-?[0-9]+\.[0-9]{4,}")


# --------------------------------------------------------------------------------------------


def refresh_table(workbook, csv, table, *, sheet=None, output=None, backup=False, force=False) -> Path:
    """Write `csv` as the Excel table `table` into `workbook`; return the file written.

    Creates sheet `sheet` (default: the table name) at the end when the table does not exist, or
    replaces the existing table's rows and resizes it. Refuses (InputError) before writing when
    the CSV, the names or the workbook are unusable, when the workbook is open in Excel, or when
    the resized table would cover the user's cells (unless `force`).
    """
    try:
        return _refresh_table(Path(workbook), csv, table, sheet=sheet, output=output, backup=backup, force=force)
    except MalformedPart as exc:  # raised before anything is written; name the file it is in
        raise exc.located(str(workbook)) from None


def _refresh_table(workbook: Path, csv, table, *, sheet, output, backup, force) -> Path:
    target = Path(output) if output is not None else workbook
    problems = validate_table_name(table)
    if sheet is not None:
        problems += validate_sheet_name(sheet)
    elif not validate_table_name(table) and len(table) > 31:
        problems.append(Problem(f"table name {table!r} is too long to be a sheet name; give --sheet", column="--table"))
    if problems:
        raise InputError(problems)
    grid = read_grid(csv)
    check_targets(workbook, target, force)
    with open_package(workbook, lock=True) as package:
        book = open_book(package, workbook)
        existing = book.table_named(table)
        if existing is not None:
            if sheet is not None and existing.sheet.name.lower() != sheet.lower():
                raise InputError(
                    Problem(
                        f"table {existing.display_name!r} is on sheet {existing.sheet.name!r}, not {sheet!r}",
                        str(workbook),
                        column="--sheet",
                    )
                )
            replace_table(book, existing, grid, force=force)
            drop_unused_strings(book)  # the replaced rows' text must not stay in sharedStrings.xml
        else:
            create_table(book, table, sheet or table, grid, force=force)
        write_package(package, target, book.changes, backup=backup, force=force)
    return target


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
    return unused_part_name(book.all_part_names(), posixpath.join(folder, "tables", "table{}.xml"))


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


# --------------------------------------------------------------------------------------------
# replacing an existing table


def replace_table(book: Book, table: Table, grid: Grid, *, force: bool = False) -> None:
    """Replace the rows of `table` with the CSV's and resize it; update names and charts."""
    root = table.root
    where = str(book.path)
    if root.attrs.get("tableType") in ("queryTable", "xml"):
        raise InputError(
            Problem(f"table {table.display_name!r} is filled by a query or XML map; refresh it in Excel", where)
        )
    totals = root.attrs.get("totalsRowCount", "0") or "0"
    if totals not in ("0", "1"):
        raise InputError(
            Problem(f"table {table.display_name!r} has {totals} totals rows; Excel tables have one", where)
        )
    has_totals = totals == "1"
    if root.attrs.get("headerRowCount", "1") == "0":
        raise InputError(Problem(f"table {table.display_name!r} has no header row", where))
    if has_totals:
        columns = scan(table.data).find("tableColumns")
        old_names = [
            unescape_xstring(c.attrs.get("name", "")).lower()
            for c in (columns.findall("tableColumn") if columns is not None else [])
        ]
        if old_names != [h.lower() for h in grid.header]:
            raise InputError(
                Problem(
                    f"table {table.display_name!r} has a totals row, so its columns must stay the "
                    f"same ({', '.join(old_names)}); remove the totals row (Table Design > Total "
                    "Row) to change them",
                    where,
                )
            )
    r1, c1, r2, c2 = table_range(table)
    old_bottom = r2 - 1 if has_totals else r2
    new_bottom = r1 + max(len(grid.rows), 1)  # an Excel table keeps at least one (empty) data row
    new_r2 = new_bottom + (1 if has_totals else 0)
    new_c2 = c1 + len(grid.header) - 1
    if new_c2 > MAX_COLUMNS or new_r2 > MAX_ROWS:
        raise InputError(Problem("the table would run off the sheet", where))
    new_rect = (r1, c1, new_r2, new_c2)
    old_rect = (r1, c1, r2, c2)
    for other in book.tables:
        if other is not table and other.sheet is table.sheet and _overlaps(table_range(other), new_rect):
            raise InputError(
                Problem(
                    f"the resized table would overlap table {other.display_name!r} "
                    f"({other.ref}) on sheet {table.sheet.name!r}",
                    where,
                )
            )
    if not force:
        _refuse_dangling(book, table, grid)
    sheet_part = table.sheet.part
    data = book.current(sheet_part)
    kept_columns = _same_name_columns(table, grid, c1)
    new_sheet = rewrite_cells(
        data,
        old_rect,
        new_rect,
        grid,
        force=force,
        where=f"{sheet_part} (sheet {table.sheet.name!r})",
        styled_columns=kept_columns,
        move_row=(r2, new_r2) if has_totals else None,
    )
    book.put(sheet_part, new_sheet)
    book.put(
        table.part,
        resized_table_xml(
            table,
            range_ref(*new_rect),
            grid.header,
            filter_ref=range_ref(r1, c1, new_bottom, new_c2),
            keep_columns=has_totals,
        ),
    )
    update_references(
        book, table, (r1, c1, old_bottom, c2), (r1, c1, new_bottom, new_c2), grid, whole=(old_rect, new_rect)
    )
    book.drop_calc_chain()
    book.request_full_calculation()


def _refuse_dangling(book: Book, table: Table, grid: Grid) -> None:
    """Formulas that name a column the new CSV no longer has would be deleted by Excel's repair."""
    columns = scan(table.data).find("tableColumns")
    found_columns = columns.findall("tableColumn") if columns is not None else []
    old = [unescape_xstring(c.attrs.get("name", "")) for c in found_columns]
    kept = {h.lower() for h in grid.header}
    removed = [name for name in old if name.lower() not in kept]
    found = dangling_references(book, {table.name, table.display_name}, removed)
    if found:
        shown = "; ".join(map(str, found[:10])) + (" ..." if len(found) > 10 else "")
        raise InputError(
            Problem(
                f"the new CSV has no column {', '.join(repr(r) for r in removed)} of table "
                f"{table.display_name!r}, but formulas use it: {shown}. Excel would delete them; "
                "keep the column, change the formulas, or use --force",
                str(book.path),
            )
        )


def _same_name_columns(table: Table, grid: Grid, first_col: int) -> set[int]:
    """Sheet columns whose header stays the same: their cells keep their number formats."""
    columns = table.root.find("tableColumns")
    if columns is None:
        return set()
    inner = scan(table.data).find("tableColumns")
    old = [unescape_xstring(c.attrs.get("name", "")).lower() for c in inner.findall("tableColumn")]
    return {first_col + j for j, head in enumerate(grid.header) if j < len(old) and old[j] == head.lower()}


def _overlaps(a, b) -> bool:
    return not (a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1])


def _inside(row: int, col: int, rect) -> bool:
    return rect[0] <= row <= rect[2] and rect[1] <= col <= rect[3]


def resized_table_xml(
    table: Table, ref: str, header: list[str], *, filter_ref: str | None = None, keep_columns: bool = False
) -> bytes:
    """The table part with its new ref (and autoFilter ref, without the totals row).

    With `keep_columns` (a totals row, whose functions live in tableColumns) the columns stay,
    less any calculated-column formula (the cells now hold the CSV's values).
    """
    data = table.data
    root = scan(data)
    edits = [set_attr(data, root, "ref", ref)]
    prefix = root.prefix(data)
    auto = root.find("autoFilter")
    if auto is not None:
        # its filter columns and sort state describe the old rows: keep a plain filter
        edits.append((auto.start, auto.end, f'<{prefix}autoFilter ref="{filter_ref or ref}"/>'.encode()))
    sort = root.find("sortState")
    if sort is not None:
        edits.append((sort.start, sort.end, b""))
    columns = root.find("tableColumns")
    old_names = []
    if columns is not None:
        old_names = [unescape_xstring(c.attrs.get("name", "")) for c in columns.findall("tableColumn")]
    same = [n.lower() for n in old_names] == [h.lower() for h in header]
    has_formulas = columns is not None and any(
        any(g.local in ("calculatedColumnFormula", "totalsRowFormula") for g in c.children)
        for c in columns.findall("tableColumn")
    )
    if keep_columns and columns is not None:
        for column in columns.findall("tableColumn"):
            for child in column.children:
                if child.local == "calculatedColumnFormula":
                    edits.append((child.start, child.end, b""))
    elif columns is not None and (not same or has_formulas):
        ids = _column_ids(columns, old_names, header)
        edits.append((columns.start, columns.end, table_columns_xml(header, prefix, ids).encode("utf-8")))
    return splice(data, edits)


def _column_ids(columns: Element, old_names: list[str], header: list[str]) -> list[int]:
    """Keep the id of a column whose name stays; new columns get unused ids."""
    old = {}
    used = set()
    for c, name in zip(columns.findall("tableColumn"), old_names, strict=False):
        column_id = as_index(c.attrs.get("id"))
        if column_id is not None:  # a damaged id is not kept: the column gets a new one
            old[name.lower()] = column_id
            used.add(column_id)
    ids = []
    next_id = max(used, default=0)
    for h in header:
        if h.lower() in old and old[h.lower()] not in ids:
            ids.append(old[h.lower()])
        else:
            next_id += 1
            ids.append(next_id)
    return ids


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


# --------------------------------------------------------------------------------------------
# defined names and chart series that point into the table

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
