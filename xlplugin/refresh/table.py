"""`refresh --table`: write a CSV as an Excel table into any workbook, changing nothing else.

Why package-level: an openpyxl load-and-save drops shapes, sparklines, x14 formats and more
(``ROUNDTRIP.md``). Here only the parts that must change are rewritten, by splicing text into
them. This module decides what a refresh does and refuses what it must (every refusal an
InputError, raised before anything is written); the work is in one module per idea:

- `grid`: the CSV read as typed cells;
- `newtable`: a new sheet and table part, when the table does not exist;
- `rows`: an existing table's cells spliced into its sheet;
- `stretch`: defined names, chart series, pivot caches, conditional formats and validations
  that read the table follow its new rows;
- `references`: formulas naming a column the CSV drops are refused, or forced to ``#REF!``.

Text is written as inline strings and existing styles are reused, so ``sharedStrings.xml`` and
``styles.xml`` never change (bar the strings the replaced rows alone used).
"""

from __future__ import annotations

from pathlib import Path

from xlplugin.core.errors import InputError, Problem
from xlplugin.ooxml.book import Book, Table, open_book, table_range, validate_sheet_name, validate_table_name
from xlplugin.ooxml.cells import MAX_COLUMNS, MAX_ROWS, range_ref, unescape_xstring
from xlplugin.ooxml.package import (
    Element,
    MalformedPart,
    as_index,
    check_targets,
    open_package,
    scan,
    set_attr,
    splice,
    write_package,
)
from xlplugin.refresh.grid import Grid, decimal_mark, read_grid
from xlplugin.refresh.newtable import TABLE_STYLE, create_table, new_sheet_xml, table_columns_xml, table_xml
from xlplugin.refresh.references import Skip, break_references, dangling_references
from xlplugin.refresh.rows import _overlaps, cell_xml, rewrite_cells, rows_xml
from xlplugin.refresh.stretch import adjust_formula, update_chart, update_pivot_cache, update_references
from xlplugin.refresh.strings import drop_unused_strings

#: What this module offered before the split, still importable from here.
__all__ = [
    "TABLE_STYLE",
    "Grid",
    "adjust_formula",
    "cell_xml",
    "create_table",
    "decimal_mark",
    "new_sheet_xml",
    "read_grid",
    "refresh_table",
    "replace_table",
    "resized_table_xml",
    "rewrite_cells",
    "rows_xml",
    "table_columns_xml",
    "table_xml",
    "update_chart",
    "update_pivot_cache",
    "update_references",
]


def refresh_table(
    workbook, csv, table, *, sheet=None, output=None, backup=False, force=False, read_options=None, notes=None
) -> Path:
    """Write `csv` as the Excel table `table` into `workbook`; return the file written.

    `csv` is a CSV, a workbook (its data chosen by `read_options`: sheet, table, range) or `-`.

    Creates sheet `sheet` (default: the table name) at the end when the table does not exist, or
    replaces the existing table's rows and resizes it. Refuses (InputError) before writing when
    the CSV, the names or the workbook are unusable, when the workbook is open in Excel, or when
    the resized table would cover the user's cells (unless `force`). What a forced refresh changed
    beyond the table (formulas whose column went) is appended to `notes`, a list, when given.
    """
    try:
        return _refresh_table(Path(workbook), csv, table, sheet, output, backup, force, read_options, notes)
    except MalformedPart as exc:  # raised before anything is written; name the file it is in
        raise exc.located(str(workbook)) from None


def _refresh_table(workbook: Path, csv, table, sheet, output, backup, force, options, notes) -> Path:
    target = Path(output) if output is not None else workbook
    problems = validate_table_name(table)
    if sheet is not None:
        problems += validate_sheet_name(sheet)
    elif not validate_table_name(table) and len(table) > 31:
        problems.append(Problem(f"table name {table!r} is too long to be a sheet name; give --sheet", column="--table"))
    if problems:
        raise InputError(problems)
    grid = read_grid(csv, read_options=options)
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
            replace_table(book, existing, grid, force=force, notes=notes)
            drop_unused_strings(book)  # the replaced rows' text must not stay in sharedStrings.xml
        else:
            create_table(book, table, sheet or table, grid, force=force)
        write_package(package, target, book.changes, backup=backup, force=force)
    return target


def replace_table(book: Book, table: Table, grid: Grid, *, force: bool = False, notes: list[str] | None = None) -> None:
    """Replace the rows of `table` with the CSV's and resize it; update names and charts.

    Forced, formulas naming a column the CSV no longer has are rewritten to ``#REF!``; each is
    added to `notes`.
    """
    notes = notes if notes is not None else []
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
    removed = [name for name in _column_names(table) if name.lower() not in {h.lower() for h in grid.header}]
    rewritten = Skip(table.part, table.sheet.part, (min(r1, new_rect[0]), c1, max(r2, new_r2), max(c2, new_c2)))
    if not force:
        _refuse_dangling(book, table, removed, rewritten)
    else:
        broken = break_references(book, {table.name, table.display_name}, removed, skip=rewritten)
        notes += [
            f"{site.where}: ={site.formula} used column {', '.join(map(repr, removed))} of table "
            f"{table.display_name!r}, which the new CSV does not have: it now reads #REF! (as when the column "
            "is deleted in Excel)"
            for site in broken
        ]
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


def _column_names(table: Table) -> list[str]:
    columns = scan(table.data).find("tableColumns")
    return [
        unescape_xstring(c.attrs.get("name", ""))
        for c in (columns.findall("tableColumn") if columns is not None else [])
    ]


def _refuse_dangling(book: Book, table: Table, removed: list[str], rewritten: Skip) -> None:
    """Formulas that name a column the new CSV no longer has would be deleted by Excel's repair."""
    found = dangling_references(book, {table.name, table.display_name}, removed, skip=rewritten)
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
