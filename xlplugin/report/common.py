"""What every sheet of the report layout shares: input and options, notes, cells, text, print size.

Pure (no I/O, no XlsxWriter). Sheet builders live in the `sheet_*` modules; `layout` puts
them in order.
"""

from __future__ import annotations

import datetime as dt
import re

from xlplugin import __version__
from xlplugin.core.counts import (
    CONFIDENTIAL_SYMBOL,
    DEFAULT_MISSING,
    EXACT,
    NOT_APPLICABLE_SYMBOL,
    NOT_AVAILABLE_SYMBOL,
    ROUNDED,
    SUPPRESSED,
    Missing,
    shorthand_key,
)
from xlplugin.core.funnel import Funnel, Programme
from xlplugin.core.intervals import method_label
from xlplugin.core.record import NamedTuple
from xlplugin.report import ownership
from xlplugin.report.model import COUNT, RATE, SHORT, Cell, Chart, Line, Note, Range, Sheet, Table

TYPE_CHECKING = False  # typing's, without importing typing
if TYPE_CHECKING:
    from fractions import Fraction

#: Charts list at most this many bars / programmes; beyond it the table alone carries the figures.
MAX_CHART_BARS = 40
MAX_CLUSTERED_PROGRAMMES = 8
#: A chart at most this tall (pixels) prints whole on a landscape A4 page at 100%.
MAX_CHART_HEIGHT = 660
FUNNEL_PLOT_POINTS = 41
#: Alt text is read aloud: keep it to a paragraph.
MAX_ALT_TEXT = 1500


#: The key line each sheet writes for a symbol it uses (a sheet may say more: `shorthand_key`).
SHORTHAND = {
    CONFIDENTIAL_SYMBOL: shorthand_key(
        CONFIDENTIAL_SYMBOL, ": a small count suppressed to protect individuals, or a figure worked out from one"
    ),
    NOT_AVAILABLE_SYMBOL: shorthand_key(
        NOT_AVAILABLE_SYMBOL, ": the figure is not known exactly (a count was withheld or rounded)"
    ),
    NOT_APPLICABLE_SYMBOL: shorthand_key(NOT_APPLICABLE_SYMBOL, " (for example, the first stage has no base)"),
}


class Source(NamedTuple):
    """Where the figures came from: the data sheet's table and its provenance."""

    name: str  # file name as the user knows it
    sha256: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    encoding: str = "utf-8"
    delimiter: str = ","
    #: How the table was derived when it is not the input as given (a case-records query), line by line.
    derived: tuple[str, ...] = ()


class Options(NamedTuple):
    confidence: float = 0.95
    method: str = "wilson"
    publish: bool = False
    generated: dt.datetime = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    suppressed: tuple[int, int] = (0, 4)
    version: str = __version__
    periods: bool = False  # --periods: the programmes are times even if their names do not say so
    overdispersion: str = "auto"  # funnel-plot limits for areas (core.overdispersion.ADJUSTMENTS)
    missing: Missing = DEFAULT_MISSING  # which counts meant not available or zero (--not-available, --zero)
    # a refresh from a bare CSV: the periods the old data stated (the title's may be retitled), else None
    previous_periods: tuple[str, ...] | None = None


# ------------------------------------------------------------------------------------------
# small text helpers


def count_text(n: int | float | str) -> str:
    """A count with thousands separators; shorthand ('[c]') as it stands."""
    return f"{n:,}" if isinstance(n, (int, float)) else n


def pct_text(x: float | Fraction, places: int = 1) -> str:
    return f"{float(x) * 100:.{places}f}%"


def conf_text(confidence: float) -> str:
    return f"{confidence * 100:g}%"


def lower_first(name: str) -> str:
    """'Visited' -> 'visited' (but keep acronyms such as 'FOI')."""
    if name[:1].isupper() and not name[1:2].isupper():
        return name[0].lower() + name[1:]
    return name


def date_text(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"


def clip(text: str, limit: int = MAX_ALT_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def unique_headers(headers: list[str]) -> tuple[str, ...]:
    """Header texts made non-empty, single-line and unique ignoring case (Excel requires it)."""
    out: list[str] = []
    seen: set[str] = set()
    for i, h in enumerate(headers, 1):
        text = " ".join(str(h).split()) or f"Column {i}"
        candidate, n = text, 2
        while candidate.lower() in seen:
            candidate, n = f"{text} ({n})", n + 1
        seen.add(candidate.lower())
        out.append(candidate)
    return tuple(out)


def column_widths(headers: tuple[str, ...], rows, minimum=9.0, maximum=30.0) -> tuple[float, ...]:
    """Column widths (characters): enough for the cells, headers wrapped over about two lines.

    Capped so that a page fitted to one page wide keeps text at 8 pt or more (see
    `print_scale`); longer text wraps.
    """
    widths = []
    for j, h in enumerate(headers):
        header_need = max(max(len(w) for w in h.split()) + 1, len(h) / 2 + 1)
        longest = max([header_need] + [shown_len(r[j]) for r in rows])
        widths.append(round(min(maximum, max(minimum, longest + 1.5)), 1))
    return tuple(widths)


#: Printable width of A4 with 0.5 inch side margins, in points.
PORTRAIT_PT, LANDSCAPE_PT = 523.0, 770.0
#: Fitting a sheet to one page wide must not print 11 pt text below 8 pt.
MIN_PRINT_SCALE = 8 / 11


def print_width_pt(sheet: Sheet) -> float:
    """How wide the sheet prints at 100%: its table's columns (Excel: 7 px a character plus
    5 px padding at 11 pt), or its chart if wider."""
    widths = sheet.table.widths if sheet.table is not None else (sheet.first_col_width or 8.43,)
    px = sum(int(w * 7 + 0.5) + 5 for w in widths)
    if sheet.chart is not None:
        px = max(px, sheet.chart.col * 64 + sheet.chart.width)
    return px * 0.75


def print_scale(sheet: Sheet) -> float:
    """The scale at which the sheet prints fitted to one page wide."""
    return min(1.0, (LANDSCAPE_PT if sheet.landscape else PORTRAIT_PT) / print_width_pt(sheet))


#: Rough width of a character of 11 pt Arial text, and of the 15 pt bold title, in points.
TEXT_CHAR_PT, TITLE_CHAR_PT = 5.6, 8.5
#: Lines of text above a table are split to at most this many characters, so that a line in
#: column A (which cannot wrap without making its row tall) fits a landscape page.
MAX_LINE_CHARS = 120


def text_width_pt(sheet: Sheet) -> float:
    """How wide the title, description and lines in column A print at 100% (the cover wraps)."""
    if sheet.first_col_width:
        return 0.0
    texts = [sheet.description] + [line.text for line in sheet.lines]
    return max(len(sheet.title) * TITLE_CHAR_PT, max(len(t) for t in texts) * TEXT_CHAR_PT)


def oriented(sheet: Sheet) -> Sheet:
    """Landscape exactly when the sheet (its table, chart or text) is wider than a portrait page."""
    return sheet._replace(landscape=max(print_width_pt(sheet), text_width_pt(sheet)) > PORTRAIT_PT)


def split_long(lines: list[Line], limit: int = MAX_LINE_CHARS) -> list[Line]:
    """Lines longer than `limit` split at sentence, clause or word boundaries, in order."""
    out: list[Line] = []
    for line in lines:
        if len(line.text) <= limit or line.link:
            out.append(line)
            continue
        # keep "[note 3]" in one piece: a non-breaking space until the split is done
        text = re.sub(r"\[note (\d+)\]", "[note\u00a0\\1]", line.text)
        pieces = [p for p in re.split(r"(?<=[.;:])\s+", text) if p]
        chunks: list[str] = []
        for piece in pieces:
            while len(piece) > limit:
                cut = piece.rfind(", ", 0, limit)
                cut = cut + 1 if cut > limit // 2 else piece.rfind(" ", 0, limit)
                if cut <= 0:
                    cut = limit
                chunks.append(piece[:cut].strip())
                piece = piece[cut:].strip()
            if chunks and len(chunks[-1]) + 1 + len(piece) <= limit:
                chunks[-1] = f"{chunks[-1]} {piece}"
            else:
                chunks.append(piece)
        out.extend(line._replace(text=c.replace("[note\u00a0", "[note ")) for c in chunks if c)
    return out


def shown_len(cell: Cell) -> float:
    if cell.is_number:
        if cell.kind == COUNT:
            return len(count_text(int(cell.value))) + 1
        if cell.kind == RATE:
            return 7
        return 8
    return len(str(cell.value))


# ------------------------------------------------------------------------------------------
# notes


class NoteBook:
    """Notes numbered in order of first use, so every note defined is used somewhere."""

    def __init__(self) -> None:
        self._numbers: dict[str, int] = {}
        self._texts: list[str] = []

    def ref(self, key: str, text: str) -> str:
        if key not in self._numbers:
            self._texts.append(text)
            self._numbers[key] = len(self._texts)
        return f"[note {self._numbers[key]}]"

    def notes(self) -> tuple[Note, ...]:
        return tuple(Note(i, t) for i, t in enumerate(self._texts, 1))


class Context:
    """What every sheet builder needs: the data, the options, and the shared note book."""

    def __init__(self, funnel: Funnel, spec, source: Source, options: Options) -> None:
        self.funnel, self.spec, self.source, self.options = funnel, spec, source, options
        self.notes = NoteBook()

    @property
    def several(self) -> bool:
        return len(self.funnel.programmes) > 1

    def ci_note(self) -> str:
        o = self.options
        return self.notes.ref(
            "ci",
            f"Confidence intervals are {conf_text(o.confidence)} intervals for a proportion, by the "
            f"{method_label(o.method)} method, worked out from the counts alone. They show "
            "the uncertainty from chance, not from errors in recording or from a badly chosen denominator.",
        )

    def suppressed_note(self) -> str:
        lo, hi = self.options.suppressed
        return self.notes.ref(
            "suppressed",
            f"A suppressed count ([c]) is between {lo} and {hi}, or below the limit the publisher gave "
            '("<5" means 0 to 4). Rates worked out from it are shown as the lowest and highest rate '
            "possible, and the confidence interval as the widest interval over all the possible counts.",
        )

    def mixed_note(self) -> str:
        return self.notes.ref(
            "mixed",
            "Where a stage counts something different from its base (for example contacts rather than "
            "people), dividing them gives a ratio such as contacts per person, not a percentage of "
            "people, so no percentage or confidence interval is shown.",
        )

    def outside_note(self) -> str:
        return self.notes.ref(
            "outside",
            "A stage outside the funnel (its base is 'none' in the data) is not known to be a subset of "
            "any other stage, so no rate of base is shown for it. Adding it to a stage inside the "
            "funnel gives a number that is not a subset of the denominator.",
        )

    def stage_note(self, programme: Programme, stage_name: str, text: str) -> str:
        who = f"{programme.name}: " if self.several and programme.name else ""
        return self.notes.ref(f"stage:{programme.name}:{stage_name}", f"{who}{stage_name}: {text}")


# ------------------------------------------------------------------------------------------
# cells


def shorthand(symbol: str) -> Cell:
    """A cell holding a GSS symbol (`CONFIDENTIAL_SYMBOL`...) in a number's place."""
    return Cell(symbol, SHORT)


def count_cell(count) -> Cell:
    if count.kind == EXACT:
        return Cell(count.low, COUNT)
    if count.kind == ROUNDED:
        return Cell(published(count), COUNT)
    if count.kind == SUPPRESSED:
        return shorthand(CONFIDENTIAL_SYMBOL)
    return shorthand(NOT_AVAILABLE_SYMBOL)


def published(count) -> int:
    """The number a rounded count was published as (e.g. 670)."""
    try:
        return int(str(count.text).replace(",", "").strip())
    except ValueError:
        return (count.low + count.high) // 2


def missing_reason(*counts) -> str:
    """Why a figure is missing, from the counts it needs: [c] if any is suppressed, else [x]."""
    return CONFIDENTIAL_SYMBOL if any(c is not None and c.kind == SUPPRESSED for c in counts) else NOT_AVAILABLE_SYMBOL


def value_cell(x: float | None, kind: str, reason: str) -> Cell:
    return Cell(x, kind) if x is not None else shorthand(reason)


def table_sheet(key: str, name: str, title: str, description: str, lines, headers, rows, widths, *, landscape=True):
    """An owned sheet: `lines`, then its one table at the sheet's `table_top`, named as
    `ownership.TABLE_NAMES[key]` records it."""
    sheet = Sheet(key=key, name=name, title=title, description=description, lines=tuple(lines), landscape=landscape)
    rows = tuple(tuple(row) for row in rows)
    table = Table(ownership.TABLE_NAMES[key], tuple(headers), rows, sheet.table_top, 0, tuple(widths))
    return sheet._replace(table=table)


def chart_sheet(key: str, name: str, title: str, description: str, lines, table: Table, chart: Chart) -> Sheet:
    """An owned chart sheet: `lines`, the chart's data table, then the chart; landscape, as every chart is."""
    return Sheet(key, name, title, description, tuple(lines), table, chart, landscape=True)


def error_bars(sheet: str, first: int, last: int, col: int, plus, minus) -> dict:
    """A chart series' error bars: their lengths above and below each point in columns `col` and
    `col + 1` of rows `first` to `last`, and the same lengths as values (for the cached chart)."""
    return {
        "error_plus": Range(sheet, first, col, last, col),
        "error_minus": Range(sheet, first, col + 1, last, col + 1),
        "error_plus_data": tuple(plus),
        "error_minus_data": tuple(minus),
    }
