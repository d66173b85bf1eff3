"""Cell references, Excel's string escaping and cell XML, shared by table and report refresh.

Text becomes an inline string (``t="inlineStr"``) so ``sharedStrings.xml`` never changes, and is
never a formula: a cell we write has no ``<f>``, whatever its text starts with.
"""

from __future__ import annotations

import functools
import re

from xlplugin.ooxml.cellref import column_letters as _letters
from xlplugin.ooxml.cellref import column_number
from xlplugin.ooxml.package import MalformedPart, as_index, xml_attr, xml_text

MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384
MAX_CELL_CHARS = 32_767


@functools.lru_cache(maxsize=4096)
def column_letters(index: int) -> str:
    """1 -> A, 27 -> AA; ValueError outside Excel's grid (cached: refresh names many cells)."""
    if not 1 <= index <= MAX_COLUMNS:
        raise ValueError(f"column {index} outside Excel's grid")
    return _letters(index)


def column_index(letters: str) -> int:
    return column_number(letters.upper())


_CELL = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")


def parse_cell(ref: str) -> tuple[int, int]:
    """'B3' -> (row 3, column 2); ValueError unless it is a cell inside Excel's grid."""
    match = _CELL.fullmatch(ref.strip())
    if not match:
        raise ValueError(f"not a cell reference: {ref!r}")
    row, column = int(match.group(2)), column_index(match.group(1))
    if not (1 <= row <= MAX_ROWS and 1 <= column <= MAX_COLUMNS):
        raise ValueError(f"{ref!r} is outside Excel's grid")
    return row, column


def cell_ref(row: int, column: int) -> str:
    return f"{column_letters(column)}{row}"


def parse_range(ref: str) -> tuple[int, int, int, int]:
    """'A1:C5' -> (first row, first column, last row, last column); 'B2' is a one-cell range."""
    parts = ref.split(":")
    r1, c1 = parse_cell(parts[0])
    r2, c2 = parse_cell(parts[-1])
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def read_cell(ref: str, part: str) -> tuple[int, int]:
    """`parse_cell` of a cell's ``r`` attribute read from `part`; MalformedPart when it is not one."""
    try:
        return parse_cell(ref)
    except ValueError:
        raise MalformedPart(part, f"has a cell whose reference {ref!r} is not a cell of the sheet") from None


def read_range(ref: str, part: str, what: str = "a range") -> tuple[int, int, int, int]:
    """`parse_range` of a ``ref`` read from `part`; MalformedPart when it is not a range."""
    try:
        return parse_range(ref)
    except ValueError:
        raise MalformedPart(part, f"has {what} {ref!r} that is not a cell range") from None


def read_row(text: str, part: str) -> int:
    """A ``<row r>`` number read from `part`; MalformedPart unless it is a row of the sheet."""
    row = as_index(text)
    if row is None or not 1 <= row <= MAX_ROWS:
        raise MalformedPart(part, f"has a row numbered {text!r}, which is not a row of the sheet")
    return row


def range_ref(r1: int, c1: int, r2: int, c2: int) -> str:
    return f"{cell_ref(r1, c1)}:{cell_ref(r2, c2)}"


_ESCAPE_LIKE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def escape_xstring(text: str, *, line_breaks: bool = False) -> str:
    """Excel's ST_Xstring escaping: ``_xHHHH_`` for characters XML cannot hold.

    A literal ``_x0041_`` in the text is protected as ``_x005F_x0041_``. With `line_breaks`
    (table column names), tab, LF and CR are escaped too, as Excel writes them there.
    """
    if "_x" in text:
        text = _ESCAPE_LIKE.sub(r"_x005F_\1", text)
    if _NOT_XML.search(text):
        text = _NOT_XML.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
    if line_breaks:
        text = re.sub("[\t\n\r]", lambda m: f"_x{ord(m.group()):04x}_", text)
    return text


def unescape_xstring(text: str) -> str:
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text)


def inline_string_cell(ref: str, text: str, style: str | None = None) -> str:
    """A text cell as an inline string (never a formula)."""
    style_attr = f' s="{style}"' if style else ""
    escaped = xml_text(escape_xstring(text))
    space = ' xml:space="preserve"' if text != text.strip() or "\n" in text else ""
    return f'<c r="{ref}"{style_attr} t="inlineStr"><is><t{space}>{escaped}</t></is></c>'


def number_cell(ref: str, value: int | float, style: str | None = None) -> str:
    style_attr = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{style_attr}><v>{number_text(value)}</v></c>'


def number_text(value: int | float) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def attr(value: str) -> str:
    return xml_attr(value)
