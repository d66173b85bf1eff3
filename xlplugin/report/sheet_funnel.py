"""The funnel table (every stage with its count, base and rates) and the funnel bar chart."""

from __future__ import annotations

from xlplugin.core.counts import (
    CONFIDENTIAL_SYMBOL,
    EXACT,
    NOT_APPLICABLE_SYMBOL,
    NOT_AVAILABLE_SYMBOL,
    ROUNDED,
    SHORTHAND_MEANINGS,
    SUPPRESSED,
    shorthand_key,
)
from xlplugin.core.funnel import NOT_STATED
from xlplugin.core.rates import FIRST_STAGE, MIXED_UNITS, OUTSIDE_FUNNEL, funnel_rates, singular
from xlplugin.report import ownership
from xlplugin.report.common import (
    MAX_CHART_BARS,
    MAX_CHART_HEIGHT,
    MAX_CLUSTERED_PROGRAMMES,
    SHORTHAND,
    Context,
    chart_sheet,
    clip,
    column_widths,
    conf_text,
    count_cell,
    count_text,
    missing_reason,
    shorthand,
    split_long,
    table_sheet,
    unique_headers,
    value_cell,
)
from xlplugin.report.model import COUNT, RATE, RATIO, TEXT, Axis, Cell, Chart, Line, Range, Series, Sheet, Table, a1

# ------------------------------------------------------------------------------------------
# the funnel table


#: Said wherever a stage has no `unit`: rates are still worked out, on an assumption we state.
UNITS_NOT_STATED = "Units not stated: assumed to count the same things."

#: The funnel table's column for a stage counted in other units than its base (156 contacts per 669 people).
RATIO_HEADER = "Ratio to base (number)"


def _ratio_cells(sr, formula: str | None) -> list[Cell]:
    if MIXED_UNITS not in sr.flags:
        return [shorthand(NOT_APPLICABLE_SYMBOL), shorthand(NOT_APPLICABLE_SYMBOL)]
    unit = f"{sr.unit} per {singular(sr.base_unit or '')}"
    if sr.rate is None:
        return [shorthand(CONFIDENTIAL_SYMBOL), Cell(unit, TEXT)]
    return [Cell(sr.rate, RATIO, formula), Cell(unit, TEXT)]


def funnel_sheet(ctx: Context) -> Sheet:
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
    headers += ["Drop-off from base (number)"]
    any_mixed = any(MIXED_UNITS in r.flags for _, rows in rows_by_programme for r in rows)
    if any_mixed:  # a rate between different units is a number of its own, never a percentage
        headers += [RATIO_HEADER, "Ratio unit"]
    headers += ["Notes"]
    col = {h: i for i, h in enumerate(headers)}

    lines = [
        Line(
            "One row per stage. Rate of base is the stage's count divided by the count of its base: "
            "the stage it is a subset of. Drop-off is the base's count minus the stage's count."
        ),
    ]
    if not o.publish:
        lines.append(
            Line("Rates and drop-offs are formulas over the count cells, so the formula bar shows the division.")
        )
    lines.append(Line(f"The confidence interval (CI) columns give a {conf} interval {ctx.ci_note()}."))
    if any(s.unit == NOT_STATED for p in ctx.funnel.programmes for s in p.stages):
        lines.append(Line(UNITS_NOT_STATED))
    # shorthand and notes keys are added once the rows are known
    used_short: set[str] = set()

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
            for s, sr in zip(p.stages, rates, strict=False):
                row = top + 1 + cell_row[(pi, s.name)]
                here = a1(row, count_col)
                base = p.stage(s.base) if s.base else None
                base_ref = a1(top + 1 + cell_row[(pi, base.name)], count_col) if base else None
                first_ref = a1(top + 1 + cell_row[(pi, p.first.name)], count_col)
                cells: list[Cell] = []
                if several:
                    cells.append(Cell(p.name or "", TEXT))
                cells.append(Cell(s.name, TEXT))
                cells.append(count_cell(s.count))
                if s.outside:
                    cells.append(Cell("None: outside the funnel", TEXT))
                elif base is None:
                    cells.append(shorthand(NOT_APPLICABLE_SYMBOL))
                else:
                    cells.append(Cell(base.name, TEXT))
                cells.append(Cell(s.unit, TEXT))
                na = (
                    NOT_APPLICABLE_SYMBOL
                    if (FIRST_STAGE in sr.flags or OUTSIDE_FUNNEL in sr.flags or MIXED_UNITS in sr.flags)
                    else missing_reason(s.count, base.count if base else None)
                )
                exact_pair = base is not None and s.count.is_exact and base.count.is_exact
                if sr.rate is not None and MIXED_UNITS not in sr.flags:
                    formula = f"={here}/{base_ref}" if exact_pair and not o.publish else None
                    cells.append(Cell(sr.rate, RATE, formula))
                else:
                    cells.append(shorthand(na))
                if any_inexact:
                    if na == NOT_APPLICABLE_SYMBOL:
                        cells += [shorthand(NOT_APPLICABLE_SYMBOL), shorthand(NOT_APPLICABLE_SYMBOL)]
                    else:
                        cells.append(value_cell(sr.rate_low, RATE, na))
                        cells.append(value_cell(sr.rate_high, RATE, na))
                if MIXED_UNITS in sr.flags or na == NOT_APPLICABLE_SYMBOL:
                    cells += [shorthand(na), shorthand(na)]
                else:
                    cells.append(value_cell(sr.ci_lower, RATE, na))
                    cells.append(value_cell(sr.ci_upper, RATE, na))
                if sr.rate_of_first is not None:
                    formula = f"={here}/{first_ref}" if not o.publish else None
                    cells.append(Cell(sr.rate_of_first, RATE, formula))
                elif base is None or s.outside or s.unit != p.first.unit:
                    cells.append(shorthand(NOT_APPLICABLE_SYMBOL))
                else:
                    cells.append(shorthand(missing_reason(s.count, p.first.count)))
                if sr.drop_off is not None:
                    formula = f"={base_ref}-{here}" if not o.publish else None
                    cells.append(Cell(sr.drop_off, COUNT, formula))
                else:
                    cells.append(shorthand(na))
                if any_mixed:
                    cells += _ratio_cells(sr, f"={here}/{base_ref}" if exact_pair and not o.publish else None)
                markers = []
                if s.note:
                    markers.append(ctx.stage_note(p, s.name, s.note))
                if s.count.kind == SUPPRESSED:
                    markers.append(ctx.suppressed_note())
                if MIXED_UNITS in sr.flags:
                    markers.append(ctx.mixed_note())
                if OUTSIDE_FUNNEL in sr.flags:
                    markers.append(ctx.outside_note())
                if s.count.kind == ROUNDED:
                    markers.append(
                        ctx.notes.ref(
                            f"rounded:{s.rounding}",
                            f"Counts marked with this note were published rounded to the nearest {s.rounding}; "
                            "rates from them are shown as the lowest and highest possible.",
                        )
                    )
                cells.append(Cell(" ".join(markers), TEXT) if markers else shorthand(NOT_APPLICABLE_SYMBOL))
                out.append(cells)
        return out

    rows = build(0)  # first pass: registers notes in order, finds the shorthand used
    # no stage has a note: leave the Notes column out rather than fill it with [z]
    with_notes = any(row[-1].value != NOT_APPLICABLE_SYMBOL for row in rows)
    if not with_notes:
        headers = headers[:-1]
    for row in rows:
        for c in row if with_notes else row[:-1]:
            if isinstance(c.value, str) and c.value in SHORTHAND:
                used_short.add(c.value)
    lines += [Line(SHORTHAND[k]) for k in SHORTHAND_MEANINGS if k in used_short]
    if with_notes:
        lines.append(
            Line(
                f"The Notes column refers to the Notes sheet; {NOT_APPLICABLE_SYMBOL} there means "
                "the stage has no note."
            )
        )
    lines = split_long(lines)
    top = 2 + len(lines)
    rows = build(top) if with_notes else [row[:-1] for row in build(top)]
    hdrs = unique_headers(headers)
    widths = list(column_widths(hdrs, rows))
    if with_notes:
        widths[col["Notes"]] = max(widths[col["Notes"]], 12)
    title = "Funnel: every stage with its count, base and rates"
    description = (
        "Each stage's count and base, its rate of base with a confidence interval, rate of first stage and drop-off"
        + (", by programme." if several else ".")
    )
    return table_sheet("funnel", "Funnel", title, description, lines, hdrs, rows, widths)


def _funnel_chart(lines, table: Table, series, alt: str, unit_text: str, *, height: int, by_programme=False) -> Sheet:
    """The funnel chart sheet: `lines`, the data table, and below it horizontal bars of the counts,
    stages top-down (clustered by stage, one bar per programme, when `by_programme`)."""
    suffix = ", by programme" if by_programme else ""
    chart = Chart(
        kind="bar",
        title=f"Count at each stage of the funnel{suffix}",
        alt_text=alt,
        series=series,
        x_axis=Axis(f"Count ({unit_text})", "#,##0", minimum=0),
        y_axis=Axis("Stage", reverse=True),
        row=table.last_row + 2,
        width=760,
        height=height,
        legend=by_programme,
    )
    if by_programme:
        description = "Horizontal bars clustered by stage, one per programme, each labelled with its count."
    else:
        description = (
            "Horizontal bars, one per stage in funnel order from the top; each bar is labelled with its count."
        )
    title = f"Chart: count at each stage of the funnel{suffix}"
    return chart_sheet("funnel_chart", "Funnel chart", title, description, lines, table, chart)


#: Colours of the clustered funnel chart, one per programme (Okabe and Ito's palette, safe for colour-blind
#: readers); every bar also carries its count, and the legend and the table say which is which.
PROGRAMME_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")


def funnel_chart_sheet(ctx: Context) -> Sheet | None:
    """Horizontal bars of the counts, stages top-down in funnel order, each bar labelled with its count.

    With several programmes the bars are clustered by stage, one colour per programme in the
    table's column order within every cluster (the data table, labels and alt text say which is which).
    """
    if ctx.several:
        return _clustered_funnel_chart_sheet(ctx)
    progs = ctx.funnel.programmes
    drawn = [(p, s) for p in progs for s in p.stages if not s.outside and s.count.kind in (EXACT, ROUNDED)]
    if not drawn or len(drawn) > MAX_CHART_BARS:
        return None
    units = sorted({s.unit for _, s in drawn})
    unit_text = units[0] if len(units) == 1 and units[0] != NOT_STATED else "number"
    name = "Funnel chart"
    headers = unique_headers(["Stage", f"Count ({unit_text})"])
    lines = [
        Line("The chart below draws the figures in this table: the count at each stage of the funnel, top to bottom."),
    ]
    lines += _left_out_lines(ctx, units)
    lines = split_long(lines)
    top = 2 + len(lines)
    rows = tuple((Cell(s.name, TEXT), count_cell(s.count)) for _, s in drawn)
    table = Table(ownership.TABLE_NAMES["funnel_chart"], headers, rows, top, 0, column_widths(headers, rows))
    first, last = table.first_data_row, table.last_row
    series = (
        Series(
            name_cell=(name, top, 1),
            values=Range(name, first, 1, last, 1),
            categories=Range(name, first, 0, last, 0),
            labels=True,
        ),
    )
    figures_text = "; ".join(f"{s.name} {count_text(int(count_cell(s.count).value))}" for _, s in drawn)
    alt = clip(
        "Horizontal bar chart of the count at each stage of the funnel, from the first stage at the top: "
        + figures_text
        + "."
    )
    return _funnel_chart(
        lines, table, series, alt, unit_text, height=max(300, min(MAX_CHART_HEIGHT, 80 + 34 * len(drawn)))
    )


def _left_out_lines(ctx: Context, units: list[str]) -> list[Line]:
    progs = ctx.funnel.programmes
    lines = []
    if any(s.outside for p in progs for s in p.stages):
        lines.append(
            Line("Stages outside the funnel are not drawn: they are not part of the sequence (see the Funnel sheet).")
        )
    hidden = sum(1 for p in progs for s in p.stages if not s.outside and s.count.kind not in (EXACT, ROUNDED))
    if hidden:
        lines.append(
            Line(f"{hidden} stage(s) with a suppressed or unavailable count are not drawn (see the Funnel sheet).")
        )
    if len(units) > 1:
        lines.append(
            Line("Stages count different things (" + ", ".join(units) + "): each stage's unit is in the Funnel sheet.")
        )
    return lines


def _clustered_funnel_chart_sheet(ctx: Context) -> Sheet | None:
    progs = ctx.funnel.programmes
    stages: list[str] = []
    for p in progs:
        for s in p.stages:
            if not s.outside and s.name not in stages:
                stages.append(s.name)

    def drawable(p, stage: str):
        try:
            s = p.stage(stage)
        except KeyError:
            return None
        return s if not s.outside and s.count.kind in (EXACT, ROUNDED) else None

    drawn = [(p, s) for p in progs for name in stages if (s := drawable(p, name)) is not None]
    if not drawn or len(progs) > MAX_CLUSTERED_PROGRAMMES or len(drawn) > MAX_CHART_BARS:
        return None
    units = sorted({s.unit for _, s in drawn})
    unit_text = units[0] if len(units) == 1 and units[0] != NOT_STATED else "number"
    name = "Funnel chart"
    headers = unique_headers(["Stage"] + [f"{p.name} ({unit_text})" for p in progs])
    lines = [
        Line("The chart below draws the figures in this table: the count at each stage, top to bottom, by programme."),
        Line("Each stage has one bar per programme, top to bottom in the table's column order, each with its count."),
    ]
    lines += _left_out_lines(ctx, units)
    rows = []
    for stage in stages:
        cells = [Cell(stage, TEXT)]
        for p in progs:
            s = drawable(p, stage)
            if s is not None:
                cells.append(count_cell(s.count))
            else:
                try:
                    cells.append(shorthand(missing_reason(p.stage(stage).count)))
                except KeyError:
                    cells.append(shorthand(NOT_APPLICABLE_SYMBOL))
        rows.append(tuple(cells))
    used = {c.value for r in rows for c in r[1:] if isinstance(c.value, str)}
    if NOT_APPLICABLE_SYMBOL in used:
        lines.append(Line(shorthand_key(NOT_APPLICABLE_SYMBOL, ": the programme has no such stage")))
    lines += [Line(SHORTHAND[k]) for k in (CONFIDENTIAL_SYMBOL, NOT_AVAILABLE_SYMBOL) if k in used]
    lines = split_long(lines)
    top = 2 + len(lines)
    table = Table(ownership.TABLE_NAMES["funnel_chart"], headers, tuple(rows), top, 0, column_widths(headers, rows))
    first, last = table.first_data_row, table.last_row
    series = tuple(
        Series(
            name_cell=(name, top, 1 + k),
            values=Range(name, first, 1 + k, last, 1 + k),
            categories=Range(name, first, 0, last, 0),
            labels=True,
            colour=PROGRAMME_COLOURS[k],
        )
        for k in range(len(progs))
    )
    parts = []
    for p in progs:
        figures = ", ".join(f"{s.name} {count_text(int(count_cell(s.count).value))}" for q, s in drawn if q is p)
        parts.append(f"{p.name}: {figures}")
    alt = clip(
        "Horizontal bar chart of the count at each stage of the funnel, from the first stage at the top, "
        "one bar per programme within each stage: " + ". ".join(parts) + "."
    )
    height = max(320, min(MAX_CHART_HEIGHT, 90 + len(stages) * (18 * len(progs) + 24)))
    return _funnel_chart(lines, table, series, alt, unit_text, height=height, by_programme=True)
