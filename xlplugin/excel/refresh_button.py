"""The starter workbook's "Refresh from CSV" button (xlwings RunPython), on the open workbook.

Why a separate module: the button runs inside Excel through xlwings, on the workbook the user
has open, so it cannot rewrite the file on disk (Excel holds it); it changes cell values through
xlwings instead, after reading the file through the same loader every command uses
(`xlplugin.inputs.load`: a CSV or a workbook, one row per stage, wide or long), so a bad file
changes nothing. The file comes from the cell named ``xlplugin_csv`` when the workbook has one, or
else from Excel's file picker. Rows go under the header in row 5 of the "Try it" sheet (stage,
count, base, unit); rows left over from a longer funnel are cleared. Figures the sheet cannot hold
(several programmes, or a count known only as a percentage) are refused with an alert saying why,
and nothing is written: the sheet holds one funnel, and duplicate stage rows would turn its
``UPTAKE_FUNNEL`` into ``#VALUE!``.

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
FILE_FILTER = "Funnel data (*.csv;*.xlsx;*.xlsm),*.csv;*.xlsx;*.xlsm"


def _csv_path(book) -> str | None:
    try:
        value = book.names[PATH_NAME].refers_to_range.value
    except Exception:  # no such name (xlwings raises different errors per platform)
        value = None
    if isinstance(value, str) and value.strip():
        return value.strip()
    try:
        chosen = book.app.api.GetOpenFilename(FILE_FILTER)
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
    """The funnel's stage, count, base and unit, read through `load` and validated first.

    InputError (nothing to write) for figures the sheet cannot hold: several programmes, or a
    count known only from a percentage (the sheet's count column holds counts).
    """
    from xlplugin.core.counts import FROM_PERCENTAGE
    from xlplugin.core.errors import Problem
    from xlplugin.core.funnel import OUTSIDE
    from xlplugin.inputs.loader import load

    loaded = load(path)  # raises InputError naming file, line and column (or sheet and cell)
    programmes = loaded.funnel.programmes
    if len(programmes) > 1:
        names = ", ".join(f"'{p.name}'" for p in programmes[:4]) + (", ..." if len(programmes) > 4 else "")
        raise InputError(
            Problem(
                f"the file holds {len(programmes)} programmes ({names}), but the '{SHEET}' sheet holds one funnel; "
                "save one programme's rows as their own file, or use `xlplugin report` for all of them",
                loaded.name,
            )
        )
    out = []
    previous = None
    for stage in programmes[0].stages:
        if stage.count.kind == FROM_PERCENTAGE:
            raise InputError(
                Problem(
                    f"the count of '{stage.name}' is known only as {stage.count} ({stage.count.low:,} to "
                    f"{stage.count.high:,}); the '{SHEET}' sheet's count column holds counts",
                    loaded.name,
                    stage.line,
                )
            )
        # an empty base means the previous stage, on the sheet as in a CSV
        base = OUTSIDE if stage.outside else ("" if stage.base in (None, previous) else stage.base)
        unit = stage.unit if "unit" in loaded.roles else ""  # a unit nobody stated is not written
        out.append([_cell(stage.name), _cell(str(stage.count)), _cell(base), _cell(unit)])
        previous = stage.name
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
