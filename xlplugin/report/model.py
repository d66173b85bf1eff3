"""The vocabulary of a report layout: sheets, lines of text, one table, charts, cells.

Why a separate, library-free model: the report writer renders it with XlsxWriter, and
`refresh` rewrites the owned parts of an existing package from the very same description,
so there is one idea of what the report's parts are, not two copies of the layout.
Positions are 0-based (row, column) like XlsxWriter's; `a1()` gives Excel's names.
The types are NamedTuples rather than dataclasses: immutable all the same, and a tenth of the
import time (a report is a short-lived process; see bench/bench_report.py).
"""

from __future__ import annotations

from xlplugin.core.record import NamedTuple
from xlplugin.ooxml.cellref import cell_ref, column_letters, quote_sheet

# Number-format kinds a cell can have (the writer maps them to Excel formats).
TEXT = "text"
COUNT = "count"  # #,##0
RATE = "rate"  # 0.0%
RATIO = "ratio"  # 0.00
P_VALUE = "p"  # 0.0000
WRAP = "wrap"  # long text, wrapped
POINTS = "points"  # +14.7: a change in percentage points (the cell holds points, not a proportion)
SHORT = "short"  # GSS shorthand ([c], [x], [z]) standing in a number's place: aligned like one

NUMBER_FORMATS = {
    COUNT: "#,##0",
    RATE: "0.0%",
    RATIO: "0.00",
    P_VALUE: '[<0.0001]"<0.0001";0.0000',
    POINTS: "+0.0;-0.0;0.0",
}

# Line styles (rows of text above a table, or the cover's paragraphs).
BODY = "body"
HEADING2 = "heading2"


def column_letter(col: int) -> str:
    """0 -> A, 26 -> AA (the layout counts from 0, as XlsxWriter does)."""
    return column_letters(col + 1)


def a1(row: int, col: int, absolute: bool = False) -> str:
    """(0, 0) -> 'A1': the layout's 0-based position as an A1 reference."""
    return cell_ref(row + 1, col + 1, absolute)


class Cell(NamedTuple):
    """One cell: a value (always the value shown and cached), optionally a formula or a link.

    Text is always written as text (never parsed as a formula or a URL). `formula` is the
    Excel formula (e.g. ``=B6/B5``) whose result is `value`; `link` is ``#'Sheet'!A1`` for a
    place in the workbook or an http(s) URL.
    """

    value: str | int | float
    kind: str = TEXT
    formula: str | None = None
    link: str | None = None

    @property
    def is_number(self) -> bool:
        return isinstance(self.value, (int, float)) and not isinstance(self.value, bool)


class Line(NamedTuple):
    """A row of text in column A (above a table, or on the cover)."""

    text: str
    style: str = BODY
    link: str | None = None


class Table(NamedTuple):
    """One Excel table: a header row of unique non-empty text, then rows of cells."""

    name: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    top: int  # 0-based row of the header row
    left: int = 0
    widths: tuple[float, ...] = ()

    @property
    def first_data_row(self) -> int:
        return self.top + 1

    @property
    def last_row(self) -> int:
        return self.top + len(self.rows)

    @property
    def last_col(self) -> int:
        return self.left + len(self.headers) - 1

    @property
    def ref(self) -> str:
        return f"{a1(self.top, self.left)}:{a1(self.last_row, self.last_col)}"

    def column(self, header: str) -> int:
        """The sheet column of `header`."""
        return self.left + self.headers.index(header)


class Range(NamedTuple):
    """A rectangle on a sheet, for chart series."""

    sheet: str
    first_row: int
    first_col: int
    last_row: int
    last_col: int

    def formula(self) -> str:
        return (
            f"={quote_sheet(self.sheet)}!{a1(self.first_row, self.first_col, True)}"
            f":{a1(self.last_row, self.last_col, True)}"
        )

    def as_list(self) -> list:
        """XlsxWriter's [sheet, first_row, first_col, last_row, last_col]."""
        return [self.sheet, self.first_row, self.first_col, self.last_row, self.last_col]


class Series(NamedTuple):
    """One chart series; its name comes from a cell (so no user text is ever parsed)."""

    name_cell: tuple[str, int, int]  # (sheet, row, col)
    values: Range
    categories: Range | None = None  # categories, or x values for a scatter chart
    error_plus: Range | None = None
    error_minus: Range | None = None
    error_plus_data: tuple[float, ...] = ()
    error_minus_data: tuple[float, ...] = ()
    style: str = "bar"  # bar | points | line | dashed | dotted
    labels: bool = False
    point_labels: tuple[tuple[str, int, int], ...] = ()  # a text label per point, from cells
    colour: str | None = None
    point_styles: tuple[
        str, ...
    ] = ()  # per point: "" as the series, "invalid" hatched and outlined (not by colour alone)
    marker: str = "circle"  # for line charts: each series its own marker shape, so colour is not the only cue


class Axis(NamedTuple):
    title: str
    num_format: str | None = None
    reverse: bool = False
    minimum: float | None = None
    maximum: float | None = None


class Chart(NamedTuple):
    kind: str  # bar (horizontal) | scatter | line (categories along the x axis: periods)
    title: str
    alt_text: str
    series: tuple[Series, ...]
    x_axis: Axis
    y_axis: Axis
    row: int  # anchor (top-left cell) on its sheet
    col: int = 0
    width: int = 720
    height: int = 400
    legend: bool = False


class Sheet(NamedTuple):
    """One owned sheet: A1 title, A2 description, lines of text, then at most one table and chart."""

    key: str  # stable identity (see ownership.TABLE_NAMES)
    name: str  # tab name, at most 31 characters
    title: str
    description: str
    lines: tuple[Line, ...] = ()
    table: Table | None = None
    chart: Chart | None = None
    landscape: bool = False
    first_col_width: float | None = None

    @property
    def table_top(self) -> int:
        """The row where a table starts: just below the title, description and lines."""
        return 2 + len(self.lines)


class Note(NamedTuple):
    number: int
    text: str

    @property
    def marker(self) -> str:
        return f"[note {self.number}]"


class Layout(NamedTuple):
    """Everything the workbook holds, in sheet order (the first sheet is the cover)."""

    title: str
    sheets: tuple[Sheet, ...]
    notes: tuple[Note, ...]
    properties: dict = {}  # title, subject, author, comments, keywords (never mutated)
    custom_properties: tuple[tuple[str, str], ...] = ()
    language: str = "en-GB"
    publish: bool = False

    def sheet(self, key: str) -> Sheet:
        for s in self.sheets:
            if s.key == key:
                return s
        raise KeyError(key)
