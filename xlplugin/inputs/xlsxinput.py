"""Reading a funnel from an Excel workbook (.xlsx/.xlsm) as published: title rows, notes, tables.

Why this order: the workbook is untrusted, so the project's own package checks
(`xlplugin.ooxml.package`: sizes, entry counts, compression ratios, CRCs, and no DTD or entity in
any XML part) run on its bytes first; only a package that passes them is handed to openpyxl, in
read-only mode (it streams a sheet row by row). The data becomes a `Table` of text like a CSV's, so
the same layouts and messages apply, with each message naming the sheet and cell (`Sheet1!B7`).

Choosing the data: `table=` (an Excel table, by name) or `cell_range=` (`A5:D12`, or
`'Sheet 1'!A5:D12`) or `sheet=`; without them, the one Excel table in the workbook, else the first
worksheet's block of data below its title rows: the header is the first row with at least two
cells, all text; the block ends at the first blank row, and below it only one-cell rows (notes,
source lines) may follow. Merged cells in the header or data and hidden rows in the data are
refused with the cell named, because a merged header hides a column's name and a hidden row is
counted without being seen.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from xlplugin.core.errors import InputError, Problem
from xlplugin.inputs.csvinput import CONTROL_CHARACTERS, MAX_FIELD_CHARS, MAX_ROWS, Table
from xlplugin.ooxml.cellref import cell_ref, quote_sheet, unquote_sheet

#: Rows like these below a table are its footnotes, not data (`Note 1: ...`, `Source: ...`, `* ...`).
_FOOTNOTE = re.compile(r"^\s*(?:\[?notes?\b|source\b|sources\b|\*|†|‡|¹|figures\b|data\b|\(\d+\)|\d+[.)]\s)", re.I)
#: Where to look for hidden rows and merged cells in a sheet that may be large (its attributes are then
#: read by the package layer's tokeniser, `tag_attributes`): a start tag that mentions the attribute.
_HIDDEN_ROW = re.compile(rb"<(?:[\w.-]+:)?row\b[^>]*?\bhidden\s*=")
_MERGE = re.compile(rb"<(?:[\w.-]+:)?mergeCell\b")
#: Where to look for a cell's style (its attributes are read by `tag_attributes`): a `<c>` start tag.
_CELL = re.compile(rb"<(?:[\w.-]+:)?c\b")
#: Excel's built-in percentage formats (numFmtId): 0% and 0.00%.
_BUILTIN_PERCENT = {9: 0, 10: 2}
#: The widest `--range` read: a funnel table has a handful of columns, a wide one a few dozen years.
MAX_RANGE_COLUMNS = 1_000
_RANGE = re.compile(r"^(?:(?:'((?:[^']|'')+)'|([^!]+))!)?\$?([A-Za-z]{1,3})\$?(\d+):\$?([A-Za-z]{1,3})\$?(\d+)$")


def check_package(data: bytes, label: str):
    """The project's package checks on a workbook's bytes, before any XML is parsed; a `Package`."""
    import zipfile

    from xlplugin.ooxml import package as pkg

    if data.startswith(pkg.OLE_MAGIC):
        raise InputError(
            Problem(
                "the workbook is encrypted (password-protected) or a legacy .xls file; "
                "save it unencrypted as .xlsx (or as CSV UTF-8) and try again",
                label,
            )
        )
    limits = pkg.DEFAULT_LIMITS
    if len(data) > limits.max_file_bytes:
        raise InputError(
            Problem(f"the file is {len(data):,} bytes, over the {limits.max_file_bytes:,}-byte limit", label)
        )
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
        raise InputError(Problem(f"is a damaged zip package ({exc}), not a readable workbook", label)) from None
    try:
        pkg._check_directory(Path(label), infos, limits)  # declared sizes, entries, ratios: from the directory alone
        package = pkg.Package(Path(label), zf, infos, limits)
        if not package.has("[Content_Types].xml"):
            raise InputError(Problem("is a zip file but not an Excel workbook (no [Content_Types].xml)", label))
        total = 0
        for info in infos:  # inflate every entry once, capped, CRC checked, DTDs and entities refused
            total += pkg._stream_check(zf, info, limits, Path(label))
            if total > limits.max_total_bytes:
                raise InputError(
                    Problem(f"the parts inflate to over {limits.max_total_bytes:,} bytes (zip bomb?)", label)
                )
        content_type = package.content_type(package.main_part()) or ""
        if "spreadsheetml" not in content_type and "ms-excel" not in content_type:
            raise InputError(Problem(f"is not an Excel workbook (its main part is {content_type or 'untyped'})", label))
        return package
    except pkg.MalformedPart as exc:
        zf.close()
        raise exc.located(label) from None
    except BaseException:
        zf.close()
        raise


def sheet_ref(sheet: str) -> str:
    """A sheet name as a formula writes it: quoted when it has spaces or punctuation."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", sheet):
        return sheet
    return quote_sheet(sheet)


def cell_name(sheet: str, row: int, column: int) -> str:
    """`Sheet1!B7` (column 1-based)."""
    return f"{sheet_ref(sheet)}!{cell_ref(row, column)}"


def read_workbook(
    data: bytes,
    label: str,
    *,
    sheet: str | None = None,
    table: str | None = None,
    cell_range: str | None = None,
) -> Table:
    """The funnel data of a workbook as a `Table` of text; InputError naming the sheet and cell."""
    from xlplugin.ooxml.book import Book, table_range

    package = check_package(data, label)
    try:
        book = Book(package, Path(label), package.main_part())
        worksheets = [s for s in book.sheets if s.kind == "worksheet" and s.part]
        if not worksheets:
            raise InputError(Problem("the workbook has no worksheet to read", label))
        bounds: tuple[int, int, int, int] | None = None
        if table is not None:
            if cell_range is not None:
                raise InputError(Problem("give --table or --range, not both", label, column="--table"))
            found = book.table_named(table)
            if found is None:
                known = ", ".join(f"'{t.display_name}'" for t in book.tables) or "none"
                raise InputError(
                    Problem(f"there is no Excel table '{table}'; tables: {known}", label, column="--table")
                )
            chosen = found.sheet
            bounds = table_range(found)
        elif cell_range is not None:
            chosen, bounds = _parse_range(cell_range, sheet, book, worksheets, label)
        elif sheet is not None:
            chosen = _sheet(book, sheet, worksheets, label)
        elif len(book.tables) == 1:
            chosen, bounds = book.tables[0].sheet, table_range(book.tables[0])
        else:
            chosen = worksheets[0]
        sheet_xml = package.read(chosen.part)
        percent_styles = _percent_styles(book, package)
    except InputError as exc:
        raise exc.located(label) from None  # a damaged part: name the workbook
    finally:
        package.close()
    rows = _read_rows(data, chosen.name, bounds, label)
    first_row = bounds[0] if bounds else 1
    first_col = bounds[1] if bounds else 1
    read = _table_from_rows(rows, first_row, first_col, chosen.name, label, sheet_xml, explicit=bounds is not None)
    if percent_styles:
        _show_percentages(read, rows, first_row, first_col, _percent_cells(sheet_xml, percent_styles))
    return read


def _percent_decimals(code: str) -> int | None:
    """The decimals a number format shows a percentage with (`0.0%` -> 1), or None if it is no percentage."""
    first = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", code.split(";")[0])
    if "%" not in first:
        return None
    m = re.search(r"\.([0#?]+)", first)
    return len(m.group(1)) if m else 0


def _percent_styles(book, package) -> dict[int, int]:
    """Cell style (xf) index -> decimals, for the styles that show a number as a percentage."""
    from xlplugin.ooxml.package import MalformedPart, scan

    try:
        part = book.styles_part()
        root = scan(package.read(part), part)
    except (InputError, MalformedPart, KeyError):
        return {}  # no readable styles: every number is read as stored
    formats = dict(_BUILTIN_PERCENT)
    for fmt in root.iter("numFmt"):
        number, code = fmt.attrs.get("numFmtId", ""), fmt.attrs.get("formatCode")
        if number.isdigit() and code is not None:
            decimals = _percent_decimals(code)
            if decimals is None:
                formats.pop(int(number), None)
            else:
                formats[int(number)] = decimals
    xfs = root.find("cellXfs")
    styles: dict[int, int] = {}
    for index, xf in enumerate(xfs.findall("xf") if xfs is not None else ()):
        number = xf.attrs.get("numFmtId", "")
        if number.isdigit() and int(number) in formats:
            styles[index] = formats[int(number)]
    return styles


def _percent_cells(sheet_xml: bytes, styles: dict[int, int]) -> dict[tuple[int, int], int]:
    """(row, column) -> decimals of every cell of the sheet whose style shows a percentage.

    The sheet may be large: its cells are found by a quick locator and their attributes read by the
    package layer's tokeniser (`tag_attributes`), as for hidden rows."""
    from xlplugin.ooxml.cellref import parse_cell
    from xlplugin.ooxml.scanner import tag_attributes

    cells: dict[tuple[int, int], int] = {}
    if not styles:
        return cells
    for m in _CELL.finditer(sheet_xml):
        attrs = tag_attributes(sheet_xml, m.start())
        style, ref = attrs.get("s", ""), attrs.get("r")
        if not style.isdigit() or int(style) not in styles or ref is None:
            continue
        try:
            cells[parse_cell(ref)] = styles[int(style)]
        except ValueError:
            continue
    return cells


def _show_percentages(table: Table, rows: list[tuple], first_row: int, first_col: int, cells) -> None:
    """A number formatted as a percentage (0.42 shown as 42%) is the text its cell shows, `42%`.

    So a percentage is read at the precision the publisher showed, and never as a count."""
    from decimal import ROUND_HALF_UP, Decimal

    col0 = table.first_column + 1
    for i, line in enumerate(table.lines):
        values = rows[line - first_row]
        for j in range(len(table.header)):
            decimals = cells.get((line, col0 + j))
            k = col0 + j - first_col
            if decimals is None or k >= len(values):
                continue
            value = values[k]
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                shown = (Decimal(repr(value)) * 100).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
                table.rows[i][j] = f"{shown}%"


def _sheet(book, name: str, worksheets, label: str):
    found = book.sheet_named(name)
    if found is None or found not in worksheets:
        known = ", ".join(f"'{s.name}'" for s in worksheets)
        raise InputError(Problem(f"there is no worksheet '{name}'; worksheets: {known}", label, column="--sheet"))
    return found


def _parse_range(text: str, sheet: str | None, book, worksheets, label: str):
    from xlplugin.ooxml.cellref import column_number

    m = _RANGE.match(text.strip())
    if not m:
        raise InputError(
            Problem(f"'{text}' is not a cell range such as A5:D12 or 'Sheet 1'!A5:D12", label, column="--range")
        )
    quoted, plain, c1, r1, c2, r2 = m.groups()
    named = unquote_sheet(f"'{quoted}'") if quoted else plain
    wanted = named or sheet
    chosen = _sheet(book, wanted, worksheets, label) if wanted else worksheets[0]
    r1, r2 = int(r1), int(r2)
    col1, col2 = column_number(c1.upper()), column_number(c2.upper())
    if r1 > r2 or col1 > col2 or not (r1 >= 1 and r2 <= 1_048_576 and col2 <= 16_384):
        raise InputError(
            Problem(f"'{text}' is not a range from top left to bottom right within a sheet", label, column="--range")
        )
    if r2 == r1:
        raise InputError(
            Problem(f"the range '{text}' has only one row: it needs a header row and data", label, column="--range")
        )
    if col2 - col1 + 1 > MAX_RANGE_COLUMNS:
        raise InputError(
            Problem(
                f"the range '{text}' is {col2 - col1 + 1:,} columns wide; a funnel table has a handful "
                f"(the limit is {MAX_RANGE_COLUMNS:,})",
                label,
                column="--range",
            )
        )
    return chosen, (r1, col1, r2, col2)


def _read_rows(data: bytes, sheet: str, bounds, label: str) -> list[tuple]:
    """Cell values of the sheet (or of `bounds`), as openpyxl reads them in read-only mode."""
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - openpyxl is a dependency; say so if someone removed it
        raise InputError(Problem("reading a workbook needs openpyxl: pip install openpyxl", label)) from None
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "unknown extension", "no default style": not the user's problem
        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
        except InputError:
            raise
        except Exception as exc:  # openpyxl raises many types on a damaged part
            raise InputError(Problem(f"the workbook cannot be read ({type(exc).__name__}: {exc})", label)) from None
        try:
            ws = book[sheet]
            if bounds:
                r1, c1, r2, c2 = bounds
                source = ws.iter_rows(min_row=r1, max_row=r2, min_col=c1, max_col=c2, values_only=True)
            else:
                # the sheet's own <dimension> is not trusted: a claimed XFD1048576 would pad every row
                ws.reset_dimensions()
                source = ws.iter_rows(values_only=True)
            rows = []
            filled = 0
            for row in source:
                rows.append(row)  # openpyxl yields one shared empty row for each gap: cheap
                if row and row.count(None) != len(row):
                    filled += 1
                    if filled > MAX_ROWS + 1000:
                        raise InputError(Problem(f"the sheet has more than {MAX_ROWS:,} rows, the limit", label))
        except InputError:
            raise
        except Exception as exc:
            raise InputError(Problem(f"sheet '{sheet}' cannot be read ({type(exc).__name__}: {exc})", label)) from None
        finally:
            book.close()
    return rows


def _text(value) -> str:
    """A cell's value as the text a CSV would hold: numbers as numbers (`669`, not `669.0`)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if hasattr(value, "isoformat"):  # a date, time or datetime
        return value.isoformat()
    return str(value)


def _row_text(row) -> list[str]:
    """`_text` of each value, with text, empty cells and whole numbers (most cells) done inline."""
    return [v if (t := type(v)) is str else "" if v is None else str(v) if t is int else _text(v) for v in row]


def _table_from_rows(
    rows: list[tuple], first_row: int, first_col: int, sheet: str, label: str, sheet_xml: bytes, *, explicit: bool
) -> Table:
    blank: list[str] = []
    # an empty row (openpyxl fills gaps in the sheet with them) costs nothing: one shared empty list
    text_rows = [_row_text(row) if row.count(None) != len(row) else blank for row in rows]
    if explicit:
        header_index, left, right = 0, 0, max((len(r) for r in text_rows), default=0)
        if not text_rows or not any(c.strip() for c in text_rows[0]):
            raise InputError(
                Problem(
                    "the first row of the range is empty: it must be the header",
                    label,
                    cell=cell_name(sheet, first_row, first_col),
                )
            )
    else:
        found = next(
            (
                i
                for i, r in enumerate(text_rows)
                if sum(1 for c in r if c.strip()) >= 2
                and all(isinstance(v, str) for v in rows[i] if v not in (None, ""))
            ),
            None,
        )
        if found is None:
            raise InputError(
                Problem(
                    f"sheet '{sheet}' has no header row (a row of at least two column names, such as stage and count)",
                    label,
                    cell=f"{sheet_ref(sheet)}!A1",
                )
            )
        header_index = found
        header_cells = text_rows[header_index]
        filled = [i for i, c in enumerate(header_cells) if c.strip()]
        left, right = filled[0], filled[-1] + 1
    header = [c.strip() for c in text_rows[header_index][left:right]]
    header_row = first_row + header_index
    col0 = first_col + left  # 1-based sheet column of the table's first column
    body: list[list[str]] = []
    lines: list[int] = []
    end = len(text_rows)
    for i in range(header_index + 1, len(text_rows)):
        cells = (text_rows[i][left:right] + [""] * (right - left))[: right - left]
        if not any(c.strip() for c in cells):
            if explicit:
                continue
            end = i
            break
        body.append(cells)
        lines.append(first_row + i)
    if not explicit:
        for j in range(end + 1, len(text_rows)):  # below the blank row: footnotes only
            filled_cells = [k for k, c in enumerate(text_rows[j]) if c.strip()]
            if len(filled_cells) > 1:
                k = filled_cells[0]
                raise InputError(
                    Problem(
                        "more data follows the table after a blank row; choose the table with --range "
                        "(such as --range A5:D12) or --table",
                        label,
                        cell=cell_name(sheet, first_row + j, first_col + k),
                    )
                )
        while body and sum(1 for c in body[-1] if c.strip()) == 1 and _FOOTNOTE.match(body[-1][0]):
            body.pop()  # a footnote row directly below the data
            lines.pop()
    _refuse_hidden_and_merged(sheet_xml, sheet, label, header_row, lines, col0, col0 + len(header) - 1)
    _refuse_bad_text(header, body, lines, header_row, col0, sheet, label)
    table = Table(header, body, lines, label, "xlsx", "", header_row, sheet=sheet, first_column=col0 - 1)
    return table


def _refuse_hidden_and_merged(
    xml: bytes, sheet: str, label: str, header_row: int, lines: list[int], c1: int, c2: int
) -> None:
    from xlplugin.ooxml.cellref import parse_range
    from xlplugin.ooxml.malformed import as_index
    from xlplugin.ooxml.scanner import tag_attributes

    last = lines[-1] if lines else header_row
    used = set(lines)
    for m in _HIDDEN_ROW.finditer(xml):
        attrs = tag_attributes(xml, m.start())
        row = as_index(attrs.get("r")) if attrs.get("hidden") in ("1", "true") else None
        if row is not None and row in used:
            raise InputError(
                Problem(
                    "this row is hidden: a hidden row would be counted without being seen; unhide it "
                    "(or choose the rows with --range)",
                    label,
                    cell=cell_name(sheet, row, c1),
                )
            )
    for m in _MERGE.finditer(xml):
        ref = tag_attributes(xml, m.start()).get("ref", "")
        try:
            r1, k1, r2, k2 = parse_range(ref if ":" in ref else f"{ref}:{ref}")
        except ValueError:
            continue
        if r2 >= header_row and r1 <= last and k2 >= c1 and k1 <= c2:
            where = "header" if r1 <= header_row <= r2 else "data"
            raise InputError(
                Problem(
                    f"cells {ref} are merged in the table's {where}: each column needs its own header and each "
                    "value its own cell; unmerge them (Home > Merge & Center)",
                    label,
                    cell=cell_name(sheet, r1, k1),
                )
            )


def _refuse_bad_text(header, body, lines, header_row: int, col0: int, sheet: str, label: str) -> None:
    """Text a CSV would refuse (control characters, over Excel's cell limit), with its cell named."""
    problems = []
    for row_number, row in [(header_row, header), *zip(lines, body, strict=True)]:
        joined = "\n".join(row)  # one search per row: a good row costs one pass
        if len(joined) <= MAX_FIELD_CHARS and not CONTROL_CHARACTERS.search(joined):
            continue
        for k, value in enumerate(row):
            where = cell_name(sheet, row_number, col0 + k)
            if len(value) > MAX_FIELD_CHARS:
                message = (
                    f"a cell of {len(value):,} characters is longer than Excel's cell limit of {MAX_FIELD_CHARS:,}"
                )
                problems.append(Problem(message, label, cell=where))
            elif found := CONTROL_CHARACTERS.search(value):
                code = ord(found.group())
                problems.append(
                    Problem(f"contains the invisible control character U+{code:04X}; delete it", label, cell=where)
                )
        if len(problems) >= 20:
            break
    if problems:
        raise InputError(problems)
