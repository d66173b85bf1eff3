"""Excel-shaped arguments made into counts, ranges and options, or an Excel error literal.

Excel hands a custom function floats (classic xlwings: 62.0), ints (Office.js: 62), None
for an empty cell, text, booleans, dates and error values, and ranges as lists of lists.
This module turns them into what the core wants, or raises `ExcelError` carrying the
literal Excel should show. It is pure (no xlwings), so every rule is testable on Linux.

The rules, in one place:
- empty (None or "") where a value is required: `#N/A`;
- an Excel error value arriving as text: "#N/A", "#DIV/0!", "#NUM!" and "#VALUE!" come back as
  themselves, any other ("#REF!", "#NAME?", ...) as `#VALUE!` (Office.js cannot return those);
- TRUE/FALSE and dates are not counts: `#VALUE!`; text that is not a number: `#VALUE!`;
- "1,000" and "62.0" are counts; negative, fractional, infinite, NaN or above 10^15
  (beyond Excel's 15 significant digits): `#NUM!`;
- a range has its trailing blank rows dropped; rows of unequal length: `#VALUE!`.

Office.js (xlwings Lite and Server): some Excel builds send an empty cell inside a range as 0
rather than null (office-js issues 4702, 5262, 1951: seen in Excel on the web and in Excel
for Windows and Mac builds of 2023-2025 when a range reaches past the data). So:
- a numeric 0 in a text range (stage names, bases, units) is an empty cell (`text_cells`);
- trailing rows whose cells are all 0 or blank are dropped from label-and-count ranges and
  from paired count columns (`drop_empty_tail`): a growing range such as A2:A1000 adds no rows;
- 0 for an optional confidence level or method means "the default".
A real count of 0 keeps its row wherever any other cell of the row is filled.

Classic xlwings (Windows, COM): a string over 255 characters anywhere in a returned array makes
the whole spill `#VALUE!` (xlwings issue 456), so `clip_strings` shortens them there.
"""

from __future__ import annotations

import datetime as _dt
import math
import re

DIV0 = "#DIV/0!"
NUM = "#NUM!"
VALUE = "#VALUE!"
NA = "#N/A"

#: The only errors we return: Office.js accepts these as custom-function results (not #REF!/#NAME?).
RESULT_ERRORS = frozenset({DIV0, NUM, VALUE, NA})
#: Every error value Excel can pass in. One of RESULT_ERRORS comes back as itself, any other as #VALUE!.
EXCEL_ERRORS = frozenset(
    {
        "#DIV/0!",
        "#N/A",
        "#NAME?",
        "#NULL!",
        "#NUM!",
        "#REF!",
        "#VALUE!",
        "#SPILL!",
        "#CALC!",
        "#GETTING_DATA",
        "#FIELD!",
        "#BLOCKED!",
        "#CONNECT!",
        "#BUSY!",
        "#UNKNOWN!",
    }
)
#: Counts above this cannot be held exactly by Excel (15 significant digits).
MAX_COUNT = 10**15

_DATES = (_dt.date, _dt.time, _dt.timedelta)  # datetime is a date
_NUMBER_TEXT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


class ExcelError(Exception):
    """Input Excel cannot use; `literal` is the error value to show in the cell."""

    def __init__(self, literal: str, why: str = ""):
        super().__init__(why or literal)
        self.literal = literal


def passed_error(text: str) -> ExcelError:
    """The error to give for an Excel error value passed in as an argument."""
    code = text.strip().upper()
    return ExcelError(code if code in RESULT_ERRORS else VALUE, f"the input is the error {code}")


def is_blank(value) -> bool:
    return value is None or (type(value) is str and value.strip() == "")


def is_zero(value) -> bool:
    """A numeric 0 (not FALSE): what Office.js may send for an empty cell."""
    return type(value) in (int, float) and value == 0


def is_empty_cell(value) -> bool:
    """Blank, or the 0 some Excel builds send through Office.js for an empty cell."""
    return is_blank(value) or is_zero(value)


def text_cells(values: list) -> list:
    """A text range (stage names, bases, units) with each numeric 0 read as an empty cell."""
    return [None if is_zero(v) else v for v in values]


def drop_empty_tail(*columns: list) -> list[list]:
    """The columns padded to one length, without the trailing rows in which every cell is 0 or blank."""
    length = max(len(c) for c in columns)
    padded = [list(c) + [None] * (length - len(c)) for c in columns]
    while length and all(is_empty_cell(c[length - 1]) for c in padded):
        length -= 1
    return [c[:length] for c in padded]


#: Classic xlwings turns a whole returned array into #VALUE! if one string in it is longer.
CLASSIC_MAX_STRING = 255


def clip_strings(result, limit: int = CLASSIC_MAX_STRING):
    """An array result with every string over `limit` characters shortened (ending in an ellipsis)."""
    if not isinstance(result, list):
        return result

    def clip(value):
        if isinstance(value, str) and len(value) > limit:
            return value[: limit - 1] + "\u2026"
        return value

    return [[clip(v) for v in row] if isinstance(row, list) else clip(row) for row in result]


def _number_from_text(text: str) -> float | None:
    """'1,000' -> 1000.0, ' 62 ' -> 62.0, '6.5' -> 6.5; None when the text is not a number."""
    t = text.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?", t):
        t = t.replace(",", "")
    if _NUMBER_TEXT.fullmatch(t):
        return float(t)
    return None


def count(value) -> int:
    """One exact count from an Excel value, or ExcelError."""
    kind = type(value)
    if kind is float:
        if 0.0 <= value <= MAX_COUNT and value.is_integer():
            return int(value)
        raise ExcelError(NUM, "a count must be a whole number from 0 to 10^15")
    if kind is int:
        if 0 <= value <= MAX_COUNT:
            return value
        raise ExcelError(NUM, "a count must be a whole number from 0 to 10^15")
    if value is None:
        raise ExcelError(NA, "a required count is empty")
    if isinstance(value, (bool, _DATES)):
        raise ExcelError(VALUE, "TRUE/FALSE and dates are not counts")
    if isinstance(value, (int, float)):  # int/float subclasses (e.g. numpy scalars)
        return count(float(value))
    if isinstance(value, str):
        text, number = _count_text(value)
        if number is None:
            raise ExcelError(VALUE, f"'{text}' is not a count")
        return count(number)
    raise ExcelError(VALUE, f"{type(value).__name__} is not a count")


def _count_text(value: str) -> tuple[str, float | None]:
    """A count cell's text, stripped, and the number it writes (None if it writes none): a blank is
    #N/A, an error literal is passed on."""
    text = value.strip()
    if text == "":
        raise ExcelError(NA, "a required count is empty")
    if text.upper() in EXCEL_ERRORS:
        raise passed_error(text)
    return text, _number_from_text(text)


def published_count_value(value):
    """A count as published, for `counts.parse_count`: a number, or text such as '<5', '[c]'.

    Does the checks parse_count cannot know about (blank, error values, booleans, dates,
    numeric range); markers and thousands separators are left to parse_count.
    """
    if value is None:
        raise ExcelError(NA, "a required count is empty")
    if isinstance(value, (bool, _DATES)):
        raise ExcelError(VALUE, "TRUE/FALSE and dates are not counts")
    if isinstance(value, (int, float)):
        return count(value)
    if isinstance(value, str):
        text, number = _count_text(value)
        return text if number is None else count(number)
    raise ExcelError(VALUE, f"{type(value).__name__} is not a count")


def _fraction_from(value, what: str) -> float:
    """A number, or text such as '0.95' or '95%'; blank is the caller's business."""
    if isinstance(value, (bool, _DATES)):
        raise ExcelError(VALUE, f"TRUE/FALSE and dates are not a {what}")
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip()
        if text.upper() in EXCEL_ERRORS:
            raise passed_error(text)
        percent = text.endswith("%")
        number = _number_from_text(text[:-1] if percent else text)
        if number is None:
            raise ExcelError(VALUE, f"'{text}' is not a {what}")
        if percent:
            number /= 100
    else:
        raise ExcelError(VALUE, f"{type(value).__name__} is not a {what}")
    if not math.isfinite(number):
        raise ExcelError(NUM, f"the {what} must be finite")
    return number


def confidence(value, default: float = 0.95) -> float:
    """Confidence level strictly between 0 and 1 ('95%' is read as 0.95); blank or 0 -> default."""
    if is_empty_cell(value):  # 0: an empty cell as Office.js may send it
        return default
    level = _fraction_from(value, "confidence level")
    if not 0.0 < level < 1.0:
        raise ExcelError(NUM, "the confidence level must be between 0 and 1, e.g. 0.95")
    return level


def proportion(value) -> float:
    """A rate from 0 to 1 inclusive ('9%' is read as 0.09); blank -> #N/A."""
    if is_blank(value):
        raise ExcelError(NA, "a required rate is empty")
    rate = _fraction_from(value, "rate")
    if not 0.0 <= rate <= 1.0:
        raise ExcelError(NUM, "a rate must be between 0 and 1")
    return rate


def choice(value, allowed: tuple[str, ...], default: str, aliases: dict | None = None) -> str:
    """A method name, case- and space-insensitive ('Wilson CC' -> 'wilson_cc'); blank or 0 -> default."""
    if is_empty_cell(value):  # 0: an empty cell as Office.js may send it
        return default
    if not isinstance(value, str):
        raise ExcelError(VALUE, f"choose one of {', '.join(allowed)}")
    if value.strip().upper() in EXCEL_ERRORS:
        raise passed_error(value)
    key = re.sub(r"[\s\-]+", "_", value.strip().lower())
    key = (aliases or {}).get(key, key)
    if key not in allowed:
        raise ExcelError(VALUE, f"'{value}' is not one of {', '.join(allowed)}")
    return key


def text(value, what: str = "text") -> str:
    """Required text (a claim); blank -> #N/A; an error value -> itself; other types -> #VALUE!."""
    if is_blank(value):
        raise ExcelError(NA, f"the {what} is empty")
    if not isinstance(value, str):
        raise ExcelError(VALUE, f"the {what} must be text")
    stripped = value.strip()
    if stripped.upper() in EXCEL_ERRORS:
        raise passed_error(stripped)
    return stripped


def table(value) -> list[list]:
    """A range as a rectangular list of rows, trailing blank rows dropped.

    A scalar is a 1x1 range (Office.js hands a single cell over as a scalar); a flat
    list is one column. Rows of unequal length are `#VALUE!`; nothing left is `#N/A`.
    """
    if not isinstance(value, (list, tuple)):
        if is_blank(value):
            raise ExcelError(NA, "the range is empty")
        return [[value]]
    if not value:
        raise ExcelError(NA, "the range is empty")
    if not isinstance(value[0], (list, tuple)):
        if any(isinstance(v, (list, tuple)) for v in value):
            raise ExcelError(VALUE, "the range is ragged")
        rows = [[v] for v in value]
    else:
        rows = list(value)
        width = len(rows[0])
        for row in rows:
            if type(row) is not list and not isinstance(row, (list, tuple)):
                raise ExcelError(VALUE, "the range is ragged")
            if len(row) != width:
                raise ExcelError(VALUE, "the range is ragged: its rows have different lengths")
        if width == 0:
            raise ExcelError(NA, "the range is empty")
    end = len(rows)
    while end and all(v is None or (type(v) is str and not v.strip()) for v in rows[end - 1]):
        end -= 1
    if end == 0:
        raise ExcelError(NA, "the range is empty")
    return rows if end == len(rows) else rows[:end]


def column(value) -> list:
    """A one-column or one-row range as a flat list (trailing blank rows dropped)."""
    rows = table(value)
    if len(rows[0]) == 1:
        return [row[0] for row in rows]
    if len(rows) == 1:
        flat = list(rows[0])
        while flat and is_blank(flat[-1]):
            flat.pop()
        return flat
    raise ExcelError(VALUE, "give a single column (or a single row)")


def optional_column(value, length: int, text: bool = False) -> list | None:
    """An optional column matching `length` rows; None when the argument is omitted or blank.

    `text`: a column of labels (bases, units), where a numeric 0 is an empty cell (Office.js)."""
    if value is None or (not isinstance(value, (list, tuple)) and (is_empty_cell(value) if text else is_blank(value))):
        return None
    try:
        values = column(value)
    except ExcelError as exc:
        if exc.literal == NA:  # an all-blank range: as if omitted
            return None
        raise
    if text:
        values = text_cells(values)
        while len(values) > length and is_blank(values[-1]):
            values.pop()
        if all(is_blank(v) for v in values):
            return None
    if len(values) > length:
        raise ExcelError(VALUE, "the optional column is longer than the stages")
    return values + [None] * (length - len(values))


#: Excel's day 0: serial numbers count days from here (Lotus's 1900 leap-year bug is after day 60).
EXCEL_EPOCH = _dt.datetime(1899, 12, 30)


def stage_cell(value):
    """A case-record stage cell: numbers other than 0 and 1 are date serials (xlwings Lite passes dates so)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value not in (0, 1):
        if not math.isfinite(value) or not 1 < value < 2958466:  # up to 9999-12-31
            return "unparseable"
        return EXCEL_EPOCH + _dt.timedelta(days=float(value))
    return value
