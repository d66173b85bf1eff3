"""From a funnel (and an optional report spec) to the ordered parts of the FOI-summary workbook.

Pure: no I/O, no XlsxWriter. The same layout is rendered by `xlsx.render` and re-applied by
`refresh`, so the report's parts are described once. Every rate states its numerator and
denominator; cells that cannot hold a number carry GSS shorthand ([c], [x], [z]) with its
key in column A above the table; notes are numbered in order of first use, so every note
is used and defined.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple
from fractions import Fraction

from .. import __version__
from ..claims import ClaimInterval, claim_matches, explain_claim, parse_claim
from ..funnel import Funnel, Programme
from ..intervals import binom_two_sided_p, funnel_limits
from ..rates import (
    FIRST_STAGE,
    MIXED_UNITS,
    OUTSIDE_FUNNEL,
    Definition,
    StageRate,
    denominator_table,
    funnel_rates,
    singular,
)
from . import ownership
from .model import (
    COUNT,
    HEADING2,
    P_VALUE,
    RATE,
    SHORT,
    TEXT,
    WRAP,
    Axis,
    Cell,
    Chart,
    Layout,
    Line,
    Note,
    Range,
    Series,
    Sheet,
    Table,
    a1,
    quote_sheet,
)

METHOD_NAMES = {
    "wilson": "Wilson score",
    "wilson_cc": "Wilson score with continuity correction",
    "exact": "Clopper-Pearson (exact)",
    "clopper_pearson": "Clopper-Pearson (exact)",
    "jeffreys": "Jeffreys",
    "agresti_coull": "Agresti-Coull",
    "wald": "Wald (normal approximation)",
}

#: Charts list at most this many bars / programmes; beyond it the table alone carries the figures.
MAX_CHART_BARS = 40
MAX_CLUSTERED_PROGRAMMES = 8
MIN_FUNNEL_PLOT_PROGRAMMES = 3
FUNNEL_PLOT_POINTS = 41
#: Alt text is read aloud: keep it to a paragraph.
MAX_ALT_TEXT = 1500

SHORTHAND = {
    "[c]": "[c] = confidential: a small count suppressed to protect individuals, or a figure worked out from one",
    "[x]": "[x] = not available: the figure is not known exactly (a count was withheld or rounded)",
    "[z]": "[z] = not applicable (for example, the first stage has no base)",
}


class Source(NamedTuple):
    """Where the figures came from: the data sheet's table and its provenance."""

    name: str  # file name as the user knows it
    sha256: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    encoding: str = "utf-8"
    delimiter: str = ","


class Options(NamedTuple):
    confidence: float = 0.95
    method: str = "wilson"
    publish: bool = False
    generated: dt.datetime = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
    suppressed: tuple[int, int] = (0, 4)
    version: str = __version__


# ------------------------------------------------------------------------------------------
# small text helpers


def count_text(n: int) -> str:
    return f"{n:,}"


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


def _clip(text: str, limit: int = MAX_ALT_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _unique(headers: list[str]) -> tuple[str, ...]:
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


def _widths(headers: tuple[str, ...], rows, minimum=9.0, maximum=30.0) -> tuple[float, ...]:
    """Column widths (characters): enough for the cells, headers wrapped over about two lines.

    Capped so that a page fitted to one page wide keeps text at 8 pt or more (see
    `print_scale`); longer text wraps.
    """
    widths = []
    for j, h in enumerate(headers):
        header_need = max(max(len(w) for w in h.split()) + 1, len(h) / 2 + 1)
        longest = max([header_need] + [_shown_len(r[j]) for r in rows])
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


def _oriented(sheet: Sheet) -> Sheet:
    """Landscape exactly when the sheet is wider than a portrait page."""
    return sheet._replace(landscape=print_width_pt(sheet) > PORTRAIT_PT)


def _shown_len(cell: Cell) -> float:
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


class _Context:
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
            f"{METHOD_NAMES.get(o.method, o.method)} method, worked out from the counts alone. They show "
            "the uncertainty from chance, not from errors in recording or from a badly chosen denominator.",
        )

    def suppressed_note(self) -> str:
        lo, hi = self.options.suppressed
        return self.notes.ref(
            "suppressed",
            f"A suppressed count ([c]) is between {lo} and {hi}, or below the limit the publisher gave "
            "(\"<5\" means 0 to 4). Rates worked out from it are shown as the lowest and highest rate "
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


def _shorthand(reason: str) -> Cell:
    return Cell(f"[{reason}]", SHORT)


def _count_cell(count) -> Cell:
    if count.kind == "exact":
        return Cell(count.low, COUNT)
    if count.kind == "rounded":
        return Cell(_published(count), COUNT)
    if count.kind == "suppressed":
        return _shorthand("c")
    return _shorthand("x")


def _published(count) -> int:
    """The number a rounded count was published as (e.g. 670)."""
    try:
        return int(str(count.text).replace(",", "").strip())
    except ValueError:
        return (count.low + count.high) // 2


def _missing_reason(*counts) -> str:
    """Why a figure is missing, from the counts it needs: [c] if any is suppressed, else [x]."""
    return "c" if any(c is not None and c.kind == "suppressed" for c in counts) else "x"


def _value(x: float | None, kind: str, reason: str) -> Cell:
    return Cell(x, kind) if x is not None else _shorthand(reason)


# ------------------------------------------------------------------------------------------
# the funnel table


def _funnel_sheet(ctx: _Context) -> Sheet:
    o = ctx.options
    several = ctx.several
    rows_by_programme = [(p, funnel_rates(p, o.confidence, o.method)) for p in ctx.funnel.programmes]
    any_inexact = any(not s.count.is_exact for p in ctx.funnel.programmes for s in p.stages)
    conf = conf_text(o.confidence)

    headers = (["Programme"] if several else []) + ["Stage", "Count (number)", "Base (stage)", "Unit"]
    headers += ["Rate of base (%)"]
    if any_inexact:
        headers += ["Lowest possible rate of base (%)", "Highest possible rate of base (%)"]
    headers += [f"{conf} CI lower (%)", f"{conf} CI upper (%)", "Rate of first stage (%)"]
    headers += ["Drop-off from base (number)", "Notes"]
    col = {h: i for i, h in enumerate(headers)}

    lines = [
        Line(
            "One row per stage. Rate of base is the stage's count divided by the count of its base: "
            "the stage it is a subset of. Drop-off is the base's count minus the stage's count."
        ),
    ]
    if not o.publish:
        lines.append(Line("Rates and drop-offs are formulas over the count cells, so the formula bar shows the division."))
    lines.append(Line(f"The confidence interval (CI) columns give a {conf} interval {ctx.ci_note()}."))
    # shorthand and notes keys are added once the rows are known
    body_rows: list[list[Cell]] = []
    used_short: set[str] = set()
    extra_notes: list[str] = []
    top_placeholder = 0  # rows are built with relative positions, then shifted

    cell_row: dict[tuple[int, str], int] = {}
    r = 0
    for pi, (p, _rows) in enumerate(rows_by_programme):
        for s in p.stages:
            cell_row[(pi, s.name)] = r
            r += 1

    # Key lines depend on content; compute content first with placeholder rows, then fix top.
    def build(top: int) -> list[list[Cell]]:
        out = []
        count_col = col["Count (number)"]
        for pi, (p, rates) in enumerate(rows_by_programme):
            for s, sr in zip(p.stages, rates):
                row = top + 1 + cell_row[(pi, s.name)]
                here = a1(row, count_col)
                base = p.stage(s.base) if s.base else None
                base_ref = a1(top + 1 + cell_row[(pi, base.name)], count_col) if base else None
                first_ref = a1(top + 1 + cell_row[(pi, p.first.name)], count_col)
                cells: list[Cell] = []
                if several:
                    cells.append(Cell(p.name or "", TEXT))
                cells.append(Cell(s.name, TEXT))
                cells.append(_count_cell(s.count))
                if s.outside:
                    cells.append(Cell("None: outside the funnel", TEXT))
                elif base is None:
                    cells.append(_shorthand("z"))
                else:
                    cells.append(Cell(base.name, TEXT))
                cells.append(Cell(s.unit, TEXT))
                na = "z" if (FIRST_STAGE in sr.flags or OUTSIDE_FUNNEL in sr.flags or MIXED_UNITS in sr.flags) else _missing_reason(s.count, base.count if base else None)
                exact_pair = base is not None and s.count.is_exact and base.count.is_exact
                if sr.rate is not None and MIXED_UNITS not in sr.flags:
                    formula = f"={here}/{base_ref}" if exact_pair and not o.publish else None
                    cells.append(Cell(sr.rate, RATE, formula))
                else:
                    cells.append(_shorthand(na))
                if any_inexact:
                    if na == "z":
                        cells += [_shorthand("z"), _shorthand("z")]
                    else:
                        cells.append(_value(sr.rate_low, RATE, na))
                        cells.append(_value(sr.rate_high, RATE, na))
                if MIXED_UNITS in sr.flags or na == "z":
                    cells += [_shorthand(na), _shorthand(na)]
                else:
                    cells.append(_value(sr.ci_lower, RATE, na))
                    cells.append(_value(sr.ci_upper, RATE, na))
                if sr.rate_of_first is not None:
                    formula = f"={here}/{first_ref}" if not o.publish else None
                    cells.append(Cell(sr.rate_of_first, RATE, formula))
                elif base is None or s.outside or s.unit != p.first.unit:
                    cells.append(_shorthand("z"))
                else:
                    cells.append(_shorthand(_missing_reason(s.count, p.first.count)))
                if sr.drop_off is not None:
                    formula = f"={base_ref}-{here}" if not o.publish else None
                    cells.append(Cell(sr.drop_off, COUNT, formula))
                else:
                    cells.append(_shorthand(na))
                markers = []
                if s.note:
                    markers.append(ctx.stage_note(p, s.name, s.note))
                if s.count.kind == "suppressed":
                    markers.append(ctx.suppressed_note())
                if MIXED_UNITS in sr.flags:
                    markers.append(ctx.mixed_note())
                if OUTSIDE_FUNNEL in sr.flags:
                    markers.append(ctx.outside_note())
                if s.count.kind == "rounded":
                    markers.append(
                        ctx.notes.ref(
                            f"rounded:{s.rounding}",
                            f"Counts marked with this note were published rounded to the nearest {s.rounding}; "
                            "rates from them are shown as the lowest and highest possible.",
                        )
                    )
                cells.append(Cell(" ".join(markers) if markers else "None", TEXT))
                out.append(cells)
        return out

    rows = build(0)  # first pass: registers notes in order, finds the shorthand used
    for row in rows:
        for c in row:
            if isinstance(c.value, str) and c.value in SHORTHAND:
                used_short.add(c.value)
    lines += [Line(SHORTHAND[k]) for k in ("[c]", "[x]", "[z]") if k in used_short]
    lines.append(Line("The Notes column refers to the Notes sheet; 'None' means the stage has no note."))
    top = 2 + len(lines)
    rows = build(top)
    hdrs = _unique(headers)
    widths = list(_widths(hdrs, rows))
    widths[col["Notes"]] = max(widths[col["Notes"]], 12)
    title = "Funnel: every stage with its count, base and rates"
    description = (
        "Each stage's count, the stage it is a subset of (its base), the rate of base with its confidence "
        "interval, the rate of the first stage and the drop-off"
        + (", for each programme." if several else ".")
    )
    return Sheet(
        key="funnel",
        name="Funnel",
        title=title,
        description=description,
        lines=tuple(lines),
        table=Table(ownership.TABLE_NAMES["funnel"], hdrs, tuple(map(tuple, rows)), top, 0, tuple(widths)),
        landscape=True,
    )


# ------------------------------------------------------------------------------------------
# the denominators table


def _outside_parts(p: Programme, d: Definition):
    return [p.stage(n) for n in d.numerator if p.stage(n).outside]


def _subset_text(p: Programme, d: Definition) -> str:
    den = p.stage(d.denominator)
    if d.mixed_units:
        return "Not a proportion: different units"
    if d.subset:
        return "Yes"
    outs = _outside_parts(p, d)
    who = " and ".join(_count_words(o.count) for o in outs)
    return (
        f"No, not a subset: the {who} {lower_first(' and '.join(o.name for o in outs))} "
        f"are not known to be among the {_count_words(den.count)} {lower_first(den.name)}"
    )


def _count_words(count) -> str:
    return count_text(count.low) if count.is_exact else str(count)


def _units_text(p: Programme, d: Definition) -> str:
    num_unit = p.stage(d.numerator[0]).unit
    den = p.stage(d.denominator)
    if not d.mixed_units:
        return f"Same units ({num_unit})"
    r = d.rate_range.rate
    per = f"{num_unit} per {singular(den.unit)}"
    if r is None:
        return f"Different units: {per}"
    return f"Different units: {r:.2f} {per}"


def _definition_label(p: Programme, d: Definition, several: bool) -> str:
    """"62 of 669 visited"; a sum says its parts: "(62 + 20) of 669 visited"."""
    label = d.label
    if len(d.numerator) > 1:
        parts = [p.stage(n).count for n in d.numerator]
        shown = " + ".join(f"{c.low:,}" if c.is_exact else str(c) for c in parts)
        den = p.stage(d.denominator)
        den_text = f"{den.count.low:,}" if den.count.is_exact else str(den.count)
        label = f"({shown}) of {den_text} {lower_first(den.name)}"
    return f"{p.name}: {label}" if several and p.name else label


def _denominators(ctx: _Context):
    o = ctx.options
    out = []
    for p in ctx.funnel.programmes:
        for d in denominator_table(p, o.confidence, o.method):
            out.append((p, d))
    return out


def _denominators_sheet(ctx: _Context, defs) -> Sheet:
    o = ctx.options
    several = ctx.several
    conf = conf_text(o.confidence)
    any_inexact = any(not (d.num_count.is_exact and d.den_count.is_exact) for _, d in defs)
    headers = (["Programme"] if several else []) + [
        "Definition",
        "Numerator (stages)",
        "Denominator (stage)",
        "Numerator count (number)",
        "Denominator count (number)",
        "Rate (%)",
    ]
    if any_inexact:
        headers += ["Lowest possible rate (%)", "Highest possible rate (%)"]
    headers += [f"{conf} CI lower (%)", f"{conf} CI upper (%)", "Numerator within denominator", "Units"]
    col = {h: i for i, h in enumerate(headers)}
    lines = [
        Line(
            "The same numerator against each denominator it could be divided by, so rates that differ only "
            "in their denominator stand side by side."
        ),
        Line(
            "A rate is a proportion only when every unit in the numerator is among the denominator's, in the same units; "
            "the last two columns say so in words."
        ),
        Line(f"The confidence interval (CI) columns give a {conf} interval {ctx.ci_note()}."),
    ]

    def build(top: int) -> list[list[Cell]]:
        rows = []
        for i, (p, d) in enumerate(defs):
            row = top + 1 + i
            num_ref = a1(row, col["Numerator count (number)"])
            den_ref = a1(row, col["Denominator count (number)"])
            cells: list[Cell] = []
            if several:
                cells.append(Cell(p.name or "", TEXT))
            cells.append(Cell(_definition_label(p, d, False), TEXT))
            cells.append(Cell(" + ".join(d.numerator), TEXT))
            cells.append(Cell(d.denominator, TEXT))
            cells.append(_count_cell(d.num_count) if d.num_count.kind != "exact" else Cell(d.num_count.low, COUNT))
            cells.append(_count_cell(d.den_count))
            rr = d.rate_range
            reason = "z" if d.mixed_units else _missing_reason(d.num_count, d.den_count)
            if d.mixed_units:
                cells.append(_shorthand("z"))
            elif rr.rate is not None:
                formula = None if o.publish else f"={num_ref}/{den_ref}"
                cells.append(Cell(rr.rate, RATE, formula))
            else:
                cells.append(_shorthand(reason))
            if any_inexact:
                if d.mixed_units:
                    cells += [_shorthand("z"), _shorthand("z")]
                else:
                    cells += [_value(rr.rate_low, RATE, reason), _value(rr.rate_high, RATE, reason)]
            if d.mixed_units:
                cells += [_shorthand("z"), _shorthand("z")]
            else:
                cells += [_value(rr.ci_lower, RATE, reason), _value(rr.ci_upper, RATE, reason)]
            cells.append(Cell(_subset_text(p, d), WRAP))
            cells.append(Cell(_units_text(p, d), TEXT))
            rows.append(cells)
        return rows

    rows = build(0)
    used = {c.value for r in rows for c in r if isinstance(c.value, str) and c.value in SHORTHAND}
    if any(d.mixed_units for _, d in defs):
        lines.append(Line(f"Different units: a ratio, not a percentage {ctx.mixed_note()}."))
    if any(not d.subset and not d.mixed_units for _, d in defs):
        lines.append(Line(f"Not a subset: the numerator adds a stage outside the funnel {ctx.outside_note()}."))
    if "[c]" in used:
        lines.append(Line(f"Suppressed counts give a range of rates {ctx.suppressed_note()}."))
    lines += [Line(SHORTHAND[k]) for k in ("[c]", "[x]", "[z]") if k in used]
    top = 2 + len(lines)
    rows = build(top)
    hdrs = _unique(headers)
    widths = list(_widths(hdrs, rows, maximum=20))
    widths[col["Numerator within denominator"]] = 30
    return Sheet(
        key="denominators",
        name="Denominators",
        title="Denominators: one numerator, every denominator",
        description=(
            "Each numerator (a stage, or a stage plus one outside the funnel) against each stage it could be "
            "divided by, with its rate, confidence interval and whether it is a true proportion."
        ),
        lines=tuple(lines),
        table=Table(ownership.TABLE_NAMES["denominators"], hdrs, tuple(map(tuple, rows)), top, 0, tuple(widths)),
        landscape=True,
    )


# ------------------------------------------------------------------------------------------
# charts


def _funnel_chart_sheet(ctx: _Context) -> Sheet | None:
    """Horizontal bars of the counts, stages top-down in funnel order, each bar labelled.

    One series in one colour: with several programmes each bar's label names its programme
    and stage ("2019: Referred"), so no colour has to carry meaning. (A two-level category
    axis would be neater in Excel, but LibreOffice draws its outer labels rotated and adrift.)
    """
    progs = ctx.funnel.programmes
    several = ctx.several
    drawn = [(p, s) for p in progs for s in p.stages if not s.outside and s.count.kind in ("exact", "rounded")]
    if not drawn or len(progs) > MAX_CLUSTERED_PROGRAMMES or len(drawn) > MAX_CHART_BARS:
        return None
    units = sorted({s.unit for _, s in drawn})
    unit_text = units[0] if len(units) == 1 else "number"
    name = "Funnel chart"
    headers = _unique(["Programme and stage" if several else "Stage", f"Count ({unit_text})"])
    lines = [
        Line("The chart below draws the figures in this table: the count at each stage of the funnel, top to bottom."),
    ]
    if any(s.outside for p in progs for s in p.stages):
        lines.append(Line("Stages outside the funnel are not drawn: they are not part of the sequence (see the Funnel sheet)."))
    hidden = sum(1 for p in progs for s in p.stages if not s.outside and s.count.kind not in ("exact", "rounded"))
    if hidden:
        lines.append(Line(f"{hidden} stage(s) with a suppressed or unavailable count are not drawn (see the Funnel sheet)."))
    if len(units) > 1:
        lines.append(Line("Stages count different things (" + ", ".join(units) + "): each stage's unit is in the Funnel sheet."))
    top = 2 + len(lines)
    rows = tuple(
        (Cell(f"{p.name}: {s.name}" if several else s.name, TEXT), _count_cell(s.count)) for p, s in drawn
    )
    table = Table(ownership.TABLE_NAMES["funnel_chart"], headers, rows, top, 0, _widths(headers, rows))
    first, last = table.first_data_row, table.last_row
    value_col = len(headers) - 1
    series = (
        Series(
            name_cell=(name, top, value_col),
            values=Range(name, first, value_col, last, value_col),
            categories=Range(name, first, 0, last, 0),
            labels=True,
        ),
    )
    if several:
        parts = []
        for p in progs:
            figures = ", ".join(f"{s.name} {count_text(_count_cell(s.count).value)}" for q, s in drawn if q is p)
            parts.append(f"{p.name}: {figures}")
        figures_text = ". ".join(parts)
    else:
        figures_text = "; ".join(f"{s.name} {count_text(_count_cell(s.count).value)}" for _, s in drawn)
    alt = _clip(
        "Horizontal bar chart of the count at each stage of the funnel, from the first stage at the top"
        + (", grouped by programme" if several else "")
        + ": " + figures_text + "."
    )
    chart = Chart(
        kind="bar",
        title="Count at each stage of the funnel",
        alt_text=alt,
        series=series,
        x_axis=Axis(f"Count ({unit_text})", "#,##0", minimum=0),
        y_axis=Axis("Programme and stage" if several else "Stage", reverse=True),
        row=table.last_row + 2,
        width=760,
        height=max(300, min(1000, 80 + 34 * len(drawn))),
    )
    return Sheet(
        key="funnel_chart",
        name=name,
        title="Chart: count at each stage of the funnel",
        description="Horizontal bars, one per stage in funnel order from the top; each bar is labelled with its count.",
        lines=tuple(lines),
        table=table,
        chart=chart,
        landscape=True,
    )


def _denominators_chart_sheet(ctx: _Context, defs) -> Sheet | None:
    """Bars of each proportion with its confidence interval as error bars."""
    o = ctx.options
    drawn = [(p, d) for p, d in defs if not d.mixed_units and d.rate_range.rate is not None]
    if not drawn or len(drawn) > MAX_CHART_BARS:
        return None
    name = "Denominators chart"
    conf = conf_text(o.confidence)
    headers = _unique(
        [
            "Programme and definition" if ctx.several else "Definition",
            "Rate (%)",
            f"{conf} CI lower (%)",
            f"{conf} CI upper (%)",
            "CI upper minus rate (%)",
            "Rate minus CI lower (%)",
        ]
    )
    lines = [
        Line("The chart below draws the figures in this table: each rate as a bar, its confidence interval as a line across the bar's end."),
        Line("The last two columns are the lengths of the interval lines either side of each rate."),
    ]
    skipped = len(defs) - len(drawn)
    if skipped:
        lines.append(
            Line(
                f"{skipped} definition{'s are' if skipped != 1 else ' is'} not drawn: a ratio of different units, "
                "or a rate from a suppressed, rounded or unavailable count (see the Denominators sheet)."
            )
        )
    top = 2 + len(lines)
    rows = []
    plus, minus = [], []
    for i, (p, d) in enumerate(drawn):
        row = top + 1 + i
        rr = d.rate_range
        up, down = rr.ci_upper - rr.rate, rr.rate - rr.ci_lower
        plus.append(up)
        minus.append(down)
        f_up = None if o.publish else f"={a1(row, 3)}-{a1(row, 1)}"
        f_down = None if o.publish else f"={a1(row, 1)}-{a1(row, 2)}"
        rows.append(
            (
                Cell(_definition_label(p, d, ctx.several), TEXT),
                Cell(rr.rate, RATE),
                Cell(rr.ci_lower, RATE),
                Cell(rr.ci_upper, RATE),
                Cell(up, RATE, f_up),
                Cell(down, RATE, f_down),
            )
        )
    table = Table(ownership.TABLE_NAMES["denominators_chart"], headers, tuple(rows), top, 0, _widths(headers, rows))
    first, last = table.first_data_row, table.last_row
    series = (
        Series(
            name_cell=(name, top, 1),
            values=Range(name, first, 1, last, 1),
            categories=Range(name, first, 0, last, 0),
            error_plus=Range(name, first, 4, last, 4),
            error_minus=Range(name, first, 5, last, 5),
            error_plus_data=tuple(plus),
            error_minus_data=tuple(minus),
        ),
    )
    alt = _clip(
        f"Horizontal bar chart of rates with {conf} confidence intervals, one bar per definition: "
        + "; ".join(
            f"{_definition_label(p, d, ctx.several)}: {pct_text(d.rate_range.rate)} "
            f"({pct_text(d.rate_range.ci_lower)} to {pct_text(d.rate_range.ci_upper)})"
            for p, d in drawn
        )
        + "."
    )
    chart = Chart(
        kind="bar",
        title=f"Rate by definition, with {conf} confidence intervals",
        alt_text=alt,
        series=series,
        x_axis=Axis("Rate (%)", "0%", minimum=0),
        y_axis=Axis("Programme and definition" if ctx.several else "Definition", reverse=True),
        row=table.last_row + 2,
        width=820,
        height=max(320, min(1000, 70 + 30 * len(drawn))),
    )
    return Sheet(
        key="denominators_chart",
        name=name,
        title="Chart: the same figures, different denominators",
        description=f"Each rate as a horizontal bar labelled by its definition, with its {conf} confidence interval.",
        lines=tuple(lines),
        table=table,
        chart=chart,
        landscape=True,
    )


# ------------------------------------------------------------------------------------------
# claims


def _interval_text(c: ClaimInterval) -> str:
    """The proportions a claim covers, in words: "from 8.5% to 9.5%", "above 6% and up to 6.5%"."""

    def pc(v: Fraction) -> str:
        return f"{float(v * 100):.2f}".rstrip("0").rstrip(".") + "%"

    if c.low == c.high:
        return f"exactly {pc(c.low)}"
    if c.low == 0 and not c.low_open:
        return f"below {pc(c.high)}" if c.high_open else f"up to {pc(c.high)}"
    if c.high == 1 and not c.high_open:
        return f"above {pc(c.low)}" if c.low_open else f"at least {pc(c.low)}"
    if not c.low_open and not c.high_open:
        return f"from {pc(c.low)} to {pc(c.high)}"
    low = f"above {pc(c.low)}" if c.low_open else f"at least {pc(c.low)}"
    high = f"below {pc(c.high)}" if c.high_open else f"up to {pc(c.high)}"
    return f"{low} and {high}"


def _sum_text(p: Programme, names: tuple[str, ...]) -> str:
    counts = [count_text(p.stage(n).count.low) for n in names]
    return counts[0] if len(counts) == 1 else "(" + " + ".join(counts) + ")"


def _match_text(p: Programme, numerator, denominator, value, several: bool) -> str:
    den = p.stage(denominator)
    text = f"{_sum_text(p, tuple(numerator))} of {count_text(den.count.low)} {lower_first(den.name)} ({pct_text(value)})"
    return f"{p.name}: {text}" if several and p.name else text


def _programme_of(funnel: Funnel, name):
    for p in funnel.programmes:
        if p.name == name:
            return p
    return funnel.programmes[0]


def _claims_sheet(ctx: _Context) -> Sheet | None:
    spec = ctx.spec
    claims = tuple(getattr(spec, "claims", ()) or ())
    if not claims:
        return None
    several = ctx.several
    headers = _unique(
        [
            "Claim",
            "Made by",
            "What the claim means",
            "Stated definition",
            "Definitions that reproduce it",
            "Consistent with the figures",
            "Warning",
        ]
    )
    rows = []
    for c in claims:
        interval = parse_claim(c.text)
        matches = explain_claim(interval, ctx.funnel)
        stated = "Not stated"
        consistent = bool(matches)
        warning = "None"
        if c.numerator and c.denominator:
            wanted = list(c.numerator) + [c.denominator]
            p = next(
                (q for q in ctx.funnel.programmes if all(_has(q, s) for s in wanted)), ctx.funnel.programmes[0]
            )
            num = [p.stage(n).count for n in c.numerator]
            den = p.stage(c.denominator).count
            exact = all(x.is_exact for x in num) and den.is_exact and den.low > 0
            num_total = sum(x.low for x in num)
            value = Fraction(num_total, den.low) if exact else None
            stated = (
                _match_text(p, tuple(c.numerator), c.denominator, value, several)
                if exact
                else f"{' + '.join(c.numerator)} of {c.denominator}"
            )
            consistent = exact and claim_matches(interval, num_total, den.low)
            subset = all(p.is_subset(n, c.denominator) for n in c.numerator) and all(
                p.same_unit(n, c.denominator) for n in c.numerator
            )
            if not subset:
                warning = (
                    f"The stated numerator ({' + '.join(c.numerator)}) is not a subset of {c.denominator}: "
                    "the figure is not a proportion of them."
                )
            if not exact:
                warning = "The stated definition uses a suppressed, rounded or unavailable count: it cannot be checked exactly."
        else:
            if matches and not any(m.subset for m in matches):
                warning = (
                    "Only definitions whose numerator is not a subset of the denominator (or counts different "
                    "units) reproduce this claim."
                )
            elif matches and not all(m.subset for m in matches):
                warning = "Some of the definitions that reproduce it are not proportions (not a subset, or different units)."
        shown = []
        for m in matches[:6]:
            p = _programme_of(ctx.funnel, m.programme)
            flag = "" if m.subset else (" — different units" if m.mixed_units else " — not a subset")
            shown.append(_match_text(p, m.numerator, m.denominator, m.value, several) + flag)
        if len(matches) > 6:
            shown.append(f"and {len(matches) - 6} more")
        rows.append(
            (
                Cell(c.text, TEXT),
                Cell(c.by or "Not stated", TEXT),
                Cell(_interval_text(interval), TEXT),
                Cell(stated, WRAP),
                Cell("; ".join(shown) if shown else "None", WRAP),
                Cell("Yes" if consistent else "No", TEXT),
                Cell(warning, WRAP),
            )
        )
    lines = [
        Line("Each published claim read at its stated precision: '9%' means from 8.5% to 9.5%; 'just over 6%' means above 6% and up to 6.5%."),
        Line("A claim is consistent when its stated definition, or when none is stated some definition, reproduces it."),
        Line("Definitions are numerator of denominator; a numerator in brackets adds a stage outside the funnel."),
    ]
    top = 2 + len(lines)
    widths = (14, 20, 22, 30, 40, 13, 40)
    return Sheet(
        key="claims",
        name="Claims",
        title="Claims: do the published figures reproduce them?",
        description="Each claim made about these figures, who made it, and the numerator and denominator that reproduce it.",
        lines=tuple(lines),
        table=Table(ownership.TABLE_NAMES["claims"], headers, tuple(rows), top, 0, widths),
        landscape=True,
    )


def _has(programme: Programme, stage: str) -> bool:
    try:
        programme.stage(stage)
    except KeyError:
        return False
    return True


# ------------------------------------------------------------------------------------------
# several programmes: side by side, and the funnel plot


def _plot_definition(funnel: Funnel) -> tuple[str, str] | None:
    """The rate compared across programmes: the last in-funnel stage of the first stage."""
    p0 = funnel.programmes[0]
    first = p0.first.name
    inside = [s for s in p0.stages if not s.outside and s.base is not None and s.unit == p0.first.unit]
    for s in reversed(inside):
        if p0.is_subset(s.name, first):
            return s.name, first
    return None


def _programmes_sheet(ctx: _Context) -> Sheet | None:
    if not ctx.several:
        return None
    o = ctx.options
    conf = conf_text(o.confidence)
    progs = ctx.funnel.programmes
    stage_names: list[str] = []
    units: dict[str, str] = {}
    for p in progs:
        for s in p.stages:
            if s.name not in units:
                stage_names.append(s.name)
                units[s.name] = s.unit
    definition = _plot_definition(ctx.funnel)
    headers = ["Programme"] + [f"{n} ({units[n]})" for n in stage_names]
    if definition:
        num, den = definition
        headers += [f"{num} as a rate of {lower_first(den)} (%)", f"{conf} CI lower (%)", f"{conf} CI upper (%)"]
    hdrs = _unique(headers)
    lines = [Line("One row per programme, one column per stage: the counts side by side.")]
    if definition:
        lines.append(
            Line(f"The last three columns compare one rate across programmes: {definition[0]} out of {definition[1]} "
                 f"{ctx.ci_note()}.")
        )

    def build(top: int):
        rows = []
        used = set()
        for i, p in enumerate(progs):
            row = top + 1 + i
            cells = [Cell(p.name or "", TEXT)]
            for n in stage_names:
                cells.append(_count_cell(p.stage(n).count) if _has(p, n) else _shorthand("z"))
            if definition:
                num, den = definition
                if _has(p, num) and _has(p, den) and p.is_subset(num, den) and p.same_unit(num, den):
                    from ..rates import rate_range

                    rr = rate_range(p.stage(num).count, p.stage(den).count, o.confidence, o.method)
                    reason = _missing_reason(p.stage(num).count, p.stage(den).count)
                    if rr.rate is not None:
                        f = None if o.publish else (
                            f"={a1(row, 1 + stage_names.index(num))}/{a1(row, 1 + stage_names.index(den))}"
                        )
                        cells.append(Cell(rr.rate, RATE, f))
                    else:
                        cells.append(_shorthand(reason))
                    cells += [_value(rr.ci_lower, RATE, reason), _value(rr.ci_upper, RATE, reason)]
                else:
                    cells += [_shorthand("z")] * 3
            used.update(c.value for c in cells if isinstance(c.value, str) and c.value in SHORTHAND)
            rows.append(tuple(cells))
        return rows, used

    rows, used = build(0)
    if "[z]" in used:
        lines.append(Line("[z] = not applicable: the programme has no such stage, or the rate cannot be a proportion"))
    for k in ("[c]", "[x]"):
        if k in used:
            lines.append(Line(SHORTHAND[k]))
    top = 2 + len(lines)
    rows, _ = build(top)
    return Sheet(
        key="programmes",
        name="Programmes",
        title="Programmes side by side",
        description="The count at each stage for every programme, and one rate compared across programmes.",
        lines=tuple(lines),
        table=Table(ownership.TABLE_NAMES["programmes"], hdrs, tuple(rows), top, 0, _widths(hdrs, rows)),
        landscape=len(hdrs) > 5,
    )


def _funnel_plot_sheets(ctx: _Context) -> list[Sheet]:
    """Rate against denominator per programme, with 95% and 99.8% limits around the pooled rate."""
    definition = _plot_definition(ctx.funnel)
    if definition is None or len(ctx.funnel.programmes) < MIN_FUNNEL_PLOT_PROGRAMMES:
        return []
    num_name, den_name = definition
    points = []
    for p in ctx.funnel.programmes:
        if not (_has(p, num_name) and _has(p, den_name)):
            continue
        x, n = p.stage(num_name).count, p.stage(den_name).count
        if x.is_exact and n.is_exact and n.low > 0 and p.is_subset(num_name, den_name):
            points.append((p, x.low, n.low))
    if len(points) < MIN_FUNNEL_PLOT_PROGRAMMES:
        return []
    o = ctx.options
    pooled = sum(x for _, x, _ in points) / sum(n for _, _, n in points)
    name, limits_name = "Funnel plot", "Funnel plot limits"
    headers = _unique(
        [
            "Programme",
            f"{num_name} (number)",
            f"{den_name} (number)",
            "Rate (%)",
            "Pooled rate (%)",
            "Exact binomial p-value (number)",
            "Compared with the pooled rate",
        ]
    )
    lines = [
        Line(
            f"Each programme's rate of {lower_first(num_name)} out of {lower_first(den_name)}, against its denominator. "
            f"The pooled rate is all programmes' {lower_first(num_name)} divided by all their {lower_first(den_name)}."
        ),
        Line(
            "A programme is flagged by an exact two-sided binomial test against the pooled rate (p below 0.05, or below 0.002), "
            "not by where the drawn limits fall."
        ),
        Line("The control limits drawn in the chart below are in the table on the Funnel plot limits sheet."),
    ]
    skipped = len(ctx.funnel.programmes) - len(points)
    if skipped:
        lines.append(Line(f"{skipped} programme(s) without exact counts for both stages are left out."))
    top = 2 + len(lines)
    rows = []
    for i, (p, x, n) in enumerate(points):
        row = top + 1 + i
        pv = binom_two_sided_p(x, n, pooled)
        rate = x / n
        if pv < 0.002:
            verdict = ("Higher" if rate > pooled else "Lower") + " than the pooled rate (p < 0.002)"
        elif pv < 0.05:
            verdict = ("Higher" if rate > pooled else "Lower") + " than the pooled rate (p < 0.05)"
        else:
            verdict = "In line with the pooled rate"
        rows.append(
            (
                Cell(p.name or "", TEXT),
                Cell(x, COUNT),
                Cell(n, COUNT),
                Cell(rate, RATE, None if o.publish else f"={a1(row, 1)}/{a1(row, 2)}"),
                Cell(pooled, RATE),
                Cell(pv, P_VALUE),
                Cell(verdict, TEXT),
            )
        )
    table = Table(ownership.TABLE_NAMES["funnel_plot"], headers, tuple(rows), top, 0, _widths(headers, rows))

    # the limits, on their own sheet (one table per sheet)
    n_min = min(n for _, _, n in points)
    n_max = max(n for _, _, n in points)
    lo_n = max(1.0, n_min / 4)  # wide enough to show the funnel's shape
    hi_n = n_max * 1.15
    grid = [lo_n + (hi_n - lo_n) * k / (FUNNEL_PLOT_POINTS - 1) for k in range(FUNNEL_PLOT_POINTS)]
    grid = [round(g) if g >= 10 else round(g, 2) for g in grid]
    lim_headers = _unique(
        [
            "Denominator (number)",
            "Pooled rate (%)",
            "95% lower limit (%)",
            "95% upper limit (%)",
            "99.8% lower limit (%)",
            "99.8% upper limit (%)",
        ]
    )
    lim_lines = [
        Line(
            "Control limits around the pooled rate for each size of denominator: pooled rate plus or minus z times the square "
            "root of pooled rate times (1 minus pooled rate) divided by the denominator (Spiegelhalter 2005), z for 95% and 99.8%."
        ),
    ]
    lim_top = 2 + len(lim_lines)
    lim_rows = []
    for g in grid:
        l95, u95 = funnel_limits(pooled, g, 0.95, "normal")
        l998, u998 = funnel_limits(pooled, g, 0.998, "normal")
        lim_rows.append(
            (Cell(g, COUNT), Cell(pooled, RATE), Cell(l95, RATE), Cell(u95, RATE), Cell(l998, RATE), Cell(u998, RATE))
        )
    lim_table = Table(
        ownership.TABLE_NAMES["funnel_plot_limits"], lim_headers, tuple(lim_rows), lim_top, 0, _widths(lim_headers, lim_rows)
    )
    lf, ll = lim_table.first_data_row, lim_table.last_row
    first, last = table.first_data_row, table.last_row
    series = [
        Series(
            name_cell=(name, top, 0),
            values=Range(name, first, 3, last, 3),
            categories=Range(name, first, 2, last, 2),
            style="points",
            point_labels=tuple((name, r, 0) for r in range(first, last + 1)) if len(points) <= 12 else (),
        ),
        Series((limits_name, lim_top, 1), Range(limits_name, lf, 1, ll, 1), Range(limits_name, lf, 0, ll, 0), style="line"),
        Series((limits_name, lim_top, 2), Range(limits_name, lf, 2, ll, 2), Range(limits_name, lf, 0, ll, 0), style="dashed"),
        Series((limits_name, lim_top, 3), Range(limits_name, lf, 3, ll, 3), Range(limits_name, lf, 0, ll, 0), style="dashed"),
        Series((limits_name, lim_top, 4), Range(limits_name, lf, 4, ll, 4), Range(limits_name, lf, 0, ll, 0), style="dotted"),
        Series((limits_name, lim_top, 5), Range(limits_name, lf, 5, ll, 5), Range(limits_name, lf, 0, ll, 0), style="dotted"),
    ]
    flagged = [r for r in rows if not str(r[6].value).startswith("In line")]
    alt = _clip(
        f"Funnel plot: each programme's rate of {lower_first(num_name)} out of {lower_first(den_name)} (vertical axis) "
        f"against its number {lower_first(den_name)} (horizontal axis), with the pooled rate {pct_text(pooled)} "
        "and 95% (dashed) and 99.8% (dotted) control limits. Points: "
        + "; ".join(f"{p.name}: {pct_text(x / n)} of {count_text(n)}" for p, x, n in points)
        + ". "
        + (
            "Flagged by the exact test: " + "; ".join(f"{r[0].value} ({r[6].value})" for r in flagged) + "."
            if flagged
            else "No programme differs from the pooled rate by the exact test."
        )
    )
    y_max = max(max(x / n for _, x, n in points), max(c[5].value for c in lim_rows))
    chart = Chart(
        kind="scatter",
        title=f"Funnel plot: {lower_first(num_name)} as a rate of {lower_first(den_name)}",
        alt_text=alt,
        series=tuple(series),
        x_axis=Axis(f"{den_name} (number)", "#,##0", minimum=0),
        y_axis=Axis("Rate (%)", "0%", minimum=0, maximum=min(1.0, round(y_max * 1.1 + 0.005, 2))),
        row=table.last_row + 2,
        width=760,
        height=460,
        legend=True,
    )
    plot = Sheet(
        key="funnel_plot",
        name=name,
        title=f"Funnel plot: {lower_first(num_name)} out of {lower_first(den_name)}, by programme",
        description=(
            "Each programme's rate against its denominator, with 95% and 99.8% control limits around the pooled rate; "
            "programmes are flagged by an exact binomial test."
        ),
        lines=tuple(lines),
        table=table,
        chart=chart,
        landscape=True,
    )
    limits = Sheet(
        key="funnel_plot_limits",
        name=limits_name,
        title="Funnel plot limits",
        description="The pooled rate and its 95% and 99.8% control limits at each denominator, as drawn in the funnel plot.",
        lines=tuple(lim_lines),
        table=lim_table,
        landscape=True,
    )
    return [plot, limits]


# ------------------------------------------------------------------------------------------
# data, notes, contents, cover


def _data_sheet(ctx: _Context) -> Sheet:
    src = ctx.source
    o = ctx.options
    keep = [j for j in range(len(src.header)) if any((r[j] if j < len(r) else "").strip() for r in src.rows)]
    dropped = [src.header[j] or f"column {j + 1}" for j in range(len(src.header)) if j not in keep]
    lines = [
        Line(f"Source file: {src.name}"),
        Line(f"SHA-256 of the source file: {src.sha256}"),
        Line(f"Generated: {o.generated.isoformat()}"),
        Line(f"Made by: xlplugin {o.version}"),
        Line("The table is the input file as given, one row per line; whole numbers are stored as numbers."),
    ]
    if dropped:
        lines.append(Line("Left out because every cell is empty in the input: " + ", ".join(dropped) + "."))
    rows = []
    any_empty = False
    for r in src.rows:
        cells = []
        for j in keep:
            text = r[j] if j < len(r) else ""
            if not text.strip():
                any_empty = True
                cells.append(_shorthand("z"))
                continue
            number = _plain_int(text)
            cells.append(Cell(number, COUNT) if number is not None else Cell(text, TEXT))
        rows.append(tuple(cells))
    if any_empty:
        lines.append(Line("[z] = empty in the input file (an empty base means the previous stage; an empty note means no note)"))
    given = {c.value.strip().lower() for r in rows for c in r if isinstance(c.value, str) and c.kind == TEXT}
    for key in ("[c]", "[x]"):
        if key in given:
            lines.append(Line(SHORTHAND[key] + " (as written in the input file)"))
    if not rows:
        rows = [tuple(_shorthand("z") for _ in keep)]
    # Units in headers: a 'unit' column states them row by row; without one, numeric columns
    # get '(number)' (the only change to the input's own headers).
    has_unit_column = any(src.header[j].strip().lower() in ("unit", "units") for j in keep)
    numeric = [any(r[i].is_number for r in rows) and not has_unit_column for i in range(len(keep))]
    if any(n and "(" not in src.header[j] for n, j in zip(numeric, keep)):
        lines.append(Line("Column headers are the input's own, with '(number)' added to columns of numbers."))
    top = 2 + len(lines)
    headers = _unique(
        [src.header[j] + (" (number)" if n and "(" not in src.header[j] else "") for n, j in zip(numeric, keep)]
    )
    widths = _widths(headers, rows, maximum=40)
    return Sheet(
        key="data",
        name="Data",
        title="Data: the input as given, with its provenance",
        description="The figures this workbook was made from, with the source file's name, its SHA-256 checksum and when the workbook was made.",
        lines=tuple(lines),
        table=Table(ownership.TABLE_NAMES["data"], headers, tuple(rows), top, 0, widths),
        landscape=len(headers) > 5,
    )


def _plain_int(text: str) -> int | None:
    t = text.strip()
    digits = t.replace(",", "")
    if not digits.isdigit() or not digits.isascii() or len(digits) > 15:
        return None
    if "," in t:
        groups = t.split(",")
        if not (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])):
            return None
    if len(digits) > 1 and digits.startswith("0"):
        return None
    return int(digits)


def _notes_sheet(notes: tuple[Note, ...]) -> Sheet:
    rows = tuple((Cell(n.marker, TEXT), Cell(n.text, WRAP)) for n in notes)
    if not rows:
        rows = ((Cell("[note 1]", TEXT), Cell("This workbook has no notes.", WRAP)),)
    lines = [Line("Each note is referred to from at least one table or line of text in this workbook.")]
    lines += [Line(SHORTHAND[k]) for k in ("[c]", "[x]", "[z]") if any(k in n.text for n in notes)]
    top = 2 + len(lines)
    return Sheet(
        key="notes",
        name="Notes",
        title="Notes",
        description="The notes referred to in the tables and text of this workbook by markers such as [note 1].",
        lines=tuple(lines),
        table=Table(ownership.TABLE_NAMES["notes"], ("Note number", "Note text"), rows, top, 0, (14, 110)),
        landscape=True,
    )


def _contents_sheet(sheets: list[Sheet]) -> Sheet:
    rows = []
    for s in sheets:
        rows.append((Cell(s.name, TEXT, link=f"#{quote_sheet(s.name)}!A1"), Cell(s.description, WRAP)))
    top = 3
    return Sheet(
        key="contents",
        name="Contents",
        title="Contents",
        description="Every sheet in this workbook, with a link to it and what it shows.",
        lines=(Line("Select a sheet name to go to that sheet."),),
        table=Table(ownership.TABLE_NAMES["contents"], ("Sheet name", "What it shows"), tuple(rows), top, 0, (22, 110)),
        landscape=True,
    )


def _cover_sheet(ctx: _Context, title: str) -> Sheet:
    spec = ctx.spec
    o = ctx.options
    lines: list[Line] = []

    def get(key):
        return getattr(spec, key, None) if spec is not None else None

    lines.append(Line("About these figures", HEADING2))
    if get("publisher"):
        lines.append(Line(f"Publisher: {get('publisher')}"))
    if get("published"):
        published = get("published")
        lines.append(Line(f"Published: {date_text(published) if isinstance(published, dt.date) else published}"))
    if get("foi_reference"):
        lines.append(Line(f"Freedom of Information reference: {get('foi_reference')}"))
    if get("next_update"):
        lines.append(Line(f"Next update: {get('next_update')}"))
    if len(ctx.funnel.programmes) == 1 and ctx.funnel.programmes[0].name:
        lines.append(Line(f"Programme: {ctx.funnel.programmes[0].name}"))
    lines.append(Line(f"Data: {ctx.source.name} (see the Data sheet for its checksum)"))
    lines.append(Line(f"Workbook generated: {o.generated:%Y-%m-%d %H:%M} UTC by xlplugin {o.version}"))
    if get("source_url"):
        lines.append(Line("Source", HEADING2))
        lines.append(Line(get("source_name") or "The published source of these figures", link=get("source_url")))
    if get("contact"):
        lines.append(Line("Contact", HEADING2))
        lines.append(Line(str(get("contact"))))
    lines.append(Line("How to read the rates", HEADING2))
    conf = conf_text(o.confidence)
    lines += [
        Line("Every rate names its numerator and its denominator, for example '62 of 669 visited'."),
        Line("Rate of base: a stage's count divided by the count of the stage it is a subset of (its base)."),
        Line("Rate of first stage: a stage's count divided by the count of the first stage."),
        Line(
            f"Each rate has a {conf} confidence interval ({METHOD_NAMES.get(o.method, o.method)} method), "
            "in separate lower and upper columns."
        ),
        Line("The Denominators sheet shows the same numerator against every possible denominator, and says where a "
             "numerator is not a subset of the denominator or counts different units."),
        Line("[c] = suppressed (confidential), [x] = not available, [z] = not applicable; [note N] refers to the Notes sheet."),
    ]
    if o.publish:
        lines.append(Line("This workbook holds values only (no formulas), as recommended for publication."))
    else:
        lines.append(Line("Rates in the tables are Excel formulas over the counts, so you can see and check each division."))
    summary = get("summary") or _auto_summary(ctx)
    return Sheet(key="cover", name="Cover", title=title, description=summary, lines=tuple(lines), first_col_width=88)


def _auto_summary(ctx: _Context) -> str:
    progs = ctx.funnel.programmes
    if len(progs) == 1:
        p = progs[0]
        return (
            f"Funnel and uptake rates for {len(p.stages)} stages, from {lower_first(p.first.name)} "
            f"({p.first.count}) onwards, read from {ctx.source.name}."
        )
    return f"Funnel and uptake rates for {len(progs)} programmes, read from {ctx.source.name}."


def _default_title(ctx: _Context) -> str:
    stem = ctx.source.name.rsplit(".", 1)[0]
    return f"Funnel and uptake rates: {stem}"


# ------------------------------------------------------------------------------------------
# the whole workbook


def report_layout(funnel: Funnel, spec, source: Source, options: Options = Options()) -> Layout:
    """Every owned sheet of the report, in order: cover, contents, notes, tables and charts, data."""
    ctx = _Context(funnel, spec, source, options)
    title = (getattr(spec, "title", None) if spec is not None else None) or _default_title(ctx)
    defs = _denominators(ctx)
    body: list[Sheet] = [_funnel_sheet(ctx)]
    chart = _funnel_chart_sheet(ctx)
    if chart:
        body.append(chart)
    body.append(_denominators_sheet(ctx, defs))
    dchart = _denominators_chart_sheet(ctx, defs)
    if dchart:
        body.append(dchart)
    claims = _claims_sheet(ctx)
    if claims:
        body.append(claims)
    programmes = _programmes_sheet(ctx)
    if programmes:
        body.append(programmes)
    body += _funnel_plot_sheets(ctx)
    body.append(_data_sheet(ctx))
    cover = _cover_sheet(ctx, title)
    notes = ctx.notes.notes()
    notes_sheet = _notes_sheet(notes)
    contents = _contents_sheet([cover, notes_sheet] + body)
    sheets = tuple(_oriented(s) for s in (cover, contents, notes_sheet, *body))
    record = ownership.ownership_record(
        options.version,
        confidence=options.confidence,
        method=options.method,
        publish=options.publish,
        suppressed=list(options.suppressed),
    )
    props = {
        "title": title,
        "subject": "Funnel and uptake rates with stated numerators and denominators",
        "author": (getattr(spec, "publisher", None) if spec is not None else None) or "xlplugin",
        "comments": f"Made by xlplugin {options.version} from {source.name}",
        "keywords": "FOI, funnel, uptake rate, confidence interval",
        "created": options.generated,
    }
    return Layout(
        title=title,
        sheets=sheets,
        notes=notes,
        properties=props,
        custom_properties=tuple(ownership.ownership_properties(record)),
        publish=options.publish,
    )
