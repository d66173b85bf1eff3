"""A1 references, one implementation for every module that names cells, ranges and sheets.

Excel numbers rows from 1 to 1,048,576 and columns from 1 (A) to 16,384 (XFD); callers that
count from 0 add one. A sheet name in a formula is quoted (``'Funnel table'!A1``), its
apostrophes doubled; `quote_sheet` and `unquote_sheet` are that rule, once.
"""

from __future__ import annotations

import functools
import re

__all__ = [
    "MAX_COLUMNS",
    "MAX_ROWS",
    "cell_ref",
    "column_letters",
    "column_number",
    "parse_cell",
    "parse_range",
    "quote_sheet",
    "range_ref",
    "split_sheet",
    "unquote_sheet",
]

MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384


@functools.lru_cache(maxsize=4096)
def column_letters(number: int) -> str:
    """1 -> 'A', 26 -> 'Z', 27 -> 'AA'; ValueError outside Excel's grid (cached: refresh names many cells)."""
    if not 1 <= number <= MAX_COLUMNS:
        raise ValueError(f"column {number} is outside Excel's grid (A to XFD)")
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_number(letters: str) -> int:
    """'A' -> 1, 'AA' -> 27 (either case)."""
    number = 0
    for ch in letters.upper():
        number = number * 26 + (ord(ch) - 64)
    return number


_CELL = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")


def parse_cell(ref: str) -> tuple[int, int]:
    """'B3' (or '$B$3') -> (row 3, column 2); ValueError unless it is a cell inside Excel's grid."""
    match = _CELL.fullmatch(ref.strip())
    if not match:
        raise ValueError(f"not a cell reference: {ref!r}")
    row, column = int(match.group(2)), column_number(match.group(1))
    if not (1 <= row <= MAX_ROWS and 1 <= column <= MAX_COLUMNS):
        raise ValueError(f"{ref!r} is outside Excel's grid")
    return row, column


def parse_range(ref: str) -> tuple[int, int, int, int]:
    """'A1:C5' -> (first row, first column, last row, last column); 'B2' is a one-cell range."""
    parts = ref.split(":")
    if len(parts) > 2:
        raise ValueError(f"not a cell range: {ref!r}")
    r1, c1 = parse_cell(parts[0])
    r2, c2 = parse_cell(parts[-1])
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def cell_ref(row: int, column: int, absolute: bool = False) -> str:
    """(3, 2) -> 'B3' (1-based), or '$B$3' when `absolute`."""
    if absolute:
        return f"${column_letters(column)}${row}"
    return f"{column_letters(column)}{row}"


def range_ref(r1: int, c1: int, r2: int, c2: int, absolute: bool = False) -> str:
    """(1, 1, 5, 3) -> 'A1:C5'."""
    return f"{cell_ref(r1, c1, absolute)}:{cell_ref(r2, c2, absolute)}"


def quote_sheet(name: str) -> str:
    """A sheet name as a formula reference: always quoted, quotes doubled ("Bob's" -> "'Bob''s'")."""
    return "'" + name.replace("'", "''") + "'"


def unquote_sheet(text: str) -> str:
    """A sheet name as a formula writes it -> the name ("'Bob''s'" -> "Bob's"; 'Data' stays)."""
    if len(text) >= 2 and text.startswith("'") and text.endswith("'"):
        return text[1:-1].replace("''", "'")
    return text


def split_sheet(location: str) -> tuple[str | None, str]:
    """ "'Funnel table'!$A$1" -> ("Funnel table", "$A$1"); "B2" -> (None, "B2")."""
    if "!" not in location:
        return None, location
    sheet, _, ref = location.rpartition("!")
    return unquote_sheet(sheet), ref
