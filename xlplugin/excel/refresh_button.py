"""The starter workbook's "Refresh from CSV" button (xlwings RunPython), on the open workbook.

Why a separate module: the button runs inside Excel through xlwings, on the workbook the user
has open, so it cannot rewrite the file on disk (Excel holds it); it changes cell values through
xlwings instead, after the same validation `xlplugin report`/`refresh` use (`read_funnel_table`),
so a bad CSV changes nothing. The CSV comes from the cell named ``xlplugin_csv`` when the
workbook has one, or else from Excel's file picker. Rows go under the header in row 5 of the
"Try it" sheet (stage, count, base, unit); rows left over from a longer funnel are cleared.

Text is written with a leading apostrophe, Excel's "this is text" prefix, so a stage named
``=HYPERLINK(...)`` or ``+cmd|...`` stays text; counts that read as numbers become numbers.
Only these xlwings calls are used (tests fake exactly these): ``Book.caller()``,
``book.sheets[name]``, ``book.names[name].refers_to_range.value``, ``sheet.range(address).value``
(get and set), ``sheet.range(address).clear_contents()``, ``book.app.alert(text)`` and, for the
picker, ``book.app.api.GetOpenFilename(filter)``.
"""

from __future__ import annotations

from xlplugin.core.errors import InputError

SHEET = "Try it"
HEADER_ROW = 5
COLUMNS = ("stage", "count", "base", "unit")
PATH_NAME = "xlplugin_csv"
MAX_SCAN_ROWS = 1000
TEXT_PREFIX = "'"


def _csv_path(book) -> str | None:
    try:
        value = book.names[PATH_NAME].refers_to_range.value
    except Exception:  # no such name (xlwings raises different errors per platform)
        value = None
    if isinstance(value, str) and value.strip():
        return value.strip()
    try:
        chosen = book.app.api.GetOpenFilename("CSV files (*.csv),*.csv")
    except Exception:
        return None
    return chosen if isinstance(chosen, str) and chosen else None


def _cell(text: str):
    """A CSV cell as the value to send to Excel: a number, or text Excel cannot take as a formula."""
    from xlplugin.inputs.csvinput import parse_number

    number = parse_number(text)
    if number is not None:
        return number
    if text == "":
        return None
    return TEXT_PREFIX + text


def rows_for(path: str) -> list[list]:
    """The funnel CSV's stage, count, base and unit columns, validated as a funnel first."""
    from xlplugin.inputs.csvinput import read_funnel_table

    _funnel, table = read_funnel_table(path)  # raises InputError naming file, line and column
    positions = [table.index(name) for name in COLUMNS]
    out = []
    for row in table.rows:
        out.append([_cell(row[i]) if i is not None and i < len(row) else None for i in positions])
    return out


def refresh_open_workbook(book, path: str | None = None) -> int:
    """Write the CSV's funnel into `book`; returns the number of stages written."""
    path = path or _csv_path(book)
    if not path:
        book.app.alert("Refresh from CSV: no CSV chosen (name a cell xlplugin_csv holding its path, or pick a file).")
        return 0
    try:
        rows = rows_for(path)
    except InputError as exc:
        book.app.alert(f"Refresh from CSV: nothing was changed.\n{exc}")
        return 0
    sheet = book.sheets[SHEET]
    first = HEADER_ROW + 1
    old = sheet.range(f"A{first}:A{first + MAX_SCAN_ROWS - 1}").value or []
    old_count = 0
    for i, value in enumerate(old):
        if value not in (None, ""):
            old_count = i + 1
    last = first + len(rows) - 1
    sheet.range(f"A{first}:D{last}").value = rows
    if old_count > len(rows):
        sheet.range(f"A{last + 1}:D{first + old_count - 1}").clear_contents()
    return len(rows)


def main() -> None:
    """The button's entry point.

    RunPython "import xlplugin.excel.refresh_button; xlplugin.excel.refresh_button.main()"
    """
    import xlwings as xw

    book = xw.Book.caller()
    count = refresh_open_workbook(book)
    if count:
        book.app.alert(f"Refresh from CSV: {count} stages written to '{SHEET}'.")
