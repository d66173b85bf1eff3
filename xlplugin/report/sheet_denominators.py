"""The denominators table (one numerator against every denominator, in words) and its interval chart."""

from __future__ import annotations

from xlplugin.core.counts import CONFIDENTIAL_SYMBOL, EXACT, NOT_APPLICABLE_SYMBOL, SHORTHAND_MEANINGS
from xlplugin.core.funnel import Programme
from xlplugin.core.rates import Definition, denominator_table, singular
from xlplugin.report import ownership
from xlplugin.report.common import (
    MAX_CHART_BARS,
    MAX_CHART_HEIGHT,
    SHORTHAND,
    Context,
    chart_sheet,
    clip,
    column_widths,
    conf_text,
    count_cell,
    count_text,
    error_bars,
    lower_first,
    missing_reason,
    pct_text,
    shorthand,
    split_long,
    table_sheet,
    unique_headers,
    value_cell,
)
from xlplugin.report.model import (
    COUNT,
    RATE,
    RATIO,
    TEXT,
    WRAP,
    Axis,
    Cell,
    Chart,
    Line,
    Range,
    Series,
    Sheet,
    Table,
    a1,
)

# ------------------------------------------------------------------------------------------
# the denominators table

#: The column for a numerator counted in other units than its denominator (156 contacts per 669 people).
RATIO_HEADER = "Ratio, different units (number)"


def _outside_parts(p: Programme, d: Definition):
    return [p.stage(n) for n in d.numerator if p.stage(n).outside]


def _subset_text(p: Programme, d: Definition) -> str:
    den = p.stage(d.denominator)
    if d.mixed_units:
        return "Not a proportion: different units"
    if d.subset:
        return "Yes"
    outs = _outside_parts(p, d)
    who = " and ".join(count_words(o.count) for o in outs)
    return (
        f"No, not a subset: the {who} {lower_first(' and '.join(o.name for o in outs))} "
        f"are not known to be among the {count_words(den.count)} {lower_first(den.name)}"
    )


def count_words(count) -> str:
    return count_text(count.low) if count.is_exact else str(count)


def _units_text(p: Programme, d: Definition) -> str:
    num_unit = p.stage(d.numerator[0]).unit
    den = p.stage(d.denominator)
    if not d.mixed_units:
        return f"Same units ({num_unit})"
    return f"Different units: {num_unit} per {singular(den.unit)}"


def definition_label(p: Programme, d: Definition, several: bool) -> str:
    """ "62 of 669 visited"; a sum says its parts: "(62 + 20) of 669 visited"."""
    label = d.label
    if len(d.numerator) > 1:
        parts = [p.stage(n).count for n in d.numerator]
        shown = " + ".join(f"{c.low:,}" if c.is_exact else str(c) for c in parts)
        den = p.stage(d.denominator)
        den_text = f"{den.count.low:,}" if den.count.is_exact else str(den.count)
        label = f"({shown}) of {den_text} {lower_first(den.name)}"
    return f"{p.name}: {label}" if several and p.name else label


def denominators(ctx: Context):
    o = ctx.options
    out = []
    for p in ctx.funnel.programmes:
        for d in denominator_table(p, o.confidence, o.method):
            out.append((p, d))
    return out


def denominators_sheet(ctx: Context, defs) -> Sheet:
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
    headers += [f"{conf} CI lower (%)", f"{conf} CI upper (%)"]
    any_mixed = any(d.mixed_units for _, d in defs)
    if any_mixed:  # a rate between different units is a number of its own, never text with a number inside
        headers += [RATIO_HEADER]
    headers += ["Numerator within denominator", "Units"]
    col = {h: i for i, h in enumerate(headers)}
    lines = [
        Line(
            "The same numerator against each denominator it could be divided by, so rates that differ only "
            "in their denominator stand side by side."
        ),
        Line(
            "A rate is a proportion only when every unit in the numerator is among the denominator's, in the same "
            "units; the last two columns say so in words."
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
            cells.append(Cell(definition_label(p, d, False), TEXT))
            cells.append(Cell(" + ".join(d.numerator), TEXT))
            cells.append(Cell(d.denominator, TEXT))
            cells.append(count_cell(d.num_count) if d.num_count.kind != EXACT else Cell(d.num_count.low, COUNT))
            cells.append(count_cell(d.den_count))
            rr = d.rate_range
            # [z] also for a sum larger than its denominator: a rate, but no proportion interval
            no_interval = rr.rate is not None and rr.ci_lower is None
            reason = NOT_APPLICABLE_SYMBOL if d.mixed_units or no_interval else missing_reason(d.num_count, d.den_count)
            if d.mixed_units:
                cells.append(shorthand(NOT_APPLICABLE_SYMBOL))
            elif rr.rate is not None:
                formula = None if o.publish else f"={num_ref}/{den_ref}"
                cells.append(Cell(rr.rate, RATE, formula))
            else:
                cells.append(shorthand(reason))
            if any_inexact:
                if d.mixed_units:
                    cells += [shorthand(NOT_APPLICABLE_SYMBOL), shorthand(NOT_APPLICABLE_SYMBOL)]
                else:
                    cells += [value_cell(rr.rate_low, RATE, reason), value_cell(rr.rate_high, RATE, reason)]
            if d.mixed_units:
                cells += [shorthand(NOT_APPLICABLE_SYMBOL), shorthand(NOT_APPLICABLE_SYMBOL)]
            else:
                cells += [value_cell(rr.ci_lower, RATE, reason), value_cell(rr.ci_upper, RATE, reason)]
            if any_mixed and not d.mixed_units:
                cells.append(shorthand(NOT_APPLICABLE_SYMBOL))
            elif any_mixed:
                exact = d.num_count.is_exact and d.den_count.is_exact
                formula = None if o.publish or not exact else f"={num_ref}/{den_ref}"
                cells.append(
                    value_cell(rr.rate, RATIO, CONFIDENTIAL_SYMBOL)
                    if formula is None
                    else Cell(rr.rate, RATIO, formula)
                )
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
    if CONFIDENTIAL_SYMBOL in used:
        lines.append(Line(f"Suppressed counts give a range of rates {ctx.suppressed_note()}."))
    lines += [Line(SHORTHAND[k]) for k in SHORTHAND_MEANINGS if k in used]
    lines = split_long(lines)
    top = 2 + len(lines)
    rows = build(top)
    hdrs = unique_headers(headers)
    widths = list(column_widths(hdrs, rows, maximum=20))
    widths[col["Numerator within denominator"]] = 30
    title = "Denominators: one numerator, every denominator"
    about = (
        "Each numerator against each stage it could be divided by: the rate, its confidence interval, "
        "and whether it is a proportion."
    )
    return table_sheet("denominators", "Denominators", title, about, lines, hdrs, rows, widths)


def chart_numerator(ctx: Context, defs) -> str | None:
    """The numerator the denominators chart draws: the one the claims are about, else the last stage
    of the first programme that has more than one definition (one numerator at a time, so rates of
    different numerators are not squashed side by side)."""
    anchors = [d.numerator[0] for _, d in defs]
    claims = getattr(ctx.spec, "claims", ()) if ctx.spec is not None else ()
    named = [c.numerator[0] for c in claims if c.numerator and c.numerator[0] in anchors]
    if named:
        return max(dict.fromkeys(named), key=named.count)
    several = [a for a in dict.fromkeys(anchors) if anchors.count(a) > 1 or ctx.several]
    return (several or anchors or [None])[-1]


def _valid(d: Definition) -> bool:
    return d.subset and not d.mixed_units


def _bar_label(p: Programme, d: Definition) -> str:
    rate = pct_text(d.rate_range.rate or 0.0)  # drawn definitions have a rate
    return f"{rate} (a proportion)" if _valid(d) else f"{rate} (not a subset)"


def denominators_chart_sheet(ctx: Context, defs) -> Sheet | None:
    """Bars of one numerator's rates with their confidence intervals as error bars; a definition whose
    numerator is not a subset of its denominator is hatched, outlined and labelled as such."""
    o = ctx.options
    numerator = chart_numerator(ctx, defs)
    candidates = [(p, d) for p, d in defs if d.numerator[0] == numerator]
    drawn = [
        (p, d)
        for p, d in candidates
        if not d.mixed_units and d.rate_range.rate is not None and d.rate_range.ci_lower is not None
    ]
    if not drawn or len(drawn) > MAX_CHART_BARS:
        return None
    name = "Denominators chart"
    conf = conf_text(o.confidence)
    headers = unique_headers(
        [
            "Programme and definition" if ctx.several else "Definition",
            "Rate (%)",
            f"{conf} CI lower (%)",
            f"{conf} CI upper (%)",
            "CI upper minus rate (%)",
            "Rate minus CI lower (%)",
            "Numerator within denominator",
            "Bar label",
        ]
    )
    lines = [
        Line(f"The chart below draws this table: the rates of one numerator, {lower_first(numerator or '')}."),
        Line("Each rate is a bar, its confidence interval a line across the bar's end."),
        Line("Columns E and F are the lengths of the interval lines either side of each rate."),
    ]
    if any(not _valid(d) for _, d in drawn):
        lines.append(
            Line("A bar whose numerator is not a subset of its denominator is hatched and outlined with a dashed line.")
        )
    others = sorted({d.numerator[0] for _, d in defs} - {numerator})
    if others:
        lines.append(Line("Other numerators are on the Denominators sheet: " + ", ".join(others) + "."))
    skipped = len(candidates) - len(drawn)
    if skipped:
        lines.append(
            Line(
                f"{skipped} definition{'s are' if skipped != 1 else ' is'} not drawn: a ratio of different units, "
                "a sum larger than its denominator, or a rate from a suppressed, rounded or unavailable count "
                "(see the Denominators sheet)."
            )
        )
    lines = split_long(lines)
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
                Cell(definition_label(p, d, ctx.several), TEXT),
                Cell(rr.rate, RATE),
                Cell(rr.ci_lower, RATE),
                Cell(rr.ci_upper, RATE),
                Cell(up, RATE, f_up),
                Cell(down, RATE, f_down),
                Cell("Yes" if _valid(d) else "No, not a subset", TEXT),
                Cell(_bar_label(p, d), TEXT),
            )
        )
    table = Table(
        ownership.TABLE_NAMES["denominators_chart"], headers, tuple(rows), top, 0, column_widths(headers, rows)
    )
    first, last = table.first_data_row, table.last_row
    series = (
        Series(
            name_cell=(name, top, 1),
            values=Range(name, first, 1, last, 1),
            categories=Range(name, first, 0, last, 0),
            **error_bars(name, first, last, 4, plus, minus),
            point_labels=tuple((name, r, 7) for r in range(first, last + 1)),
            point_styles=tuple("" if _valid(d) else "invalid" for _, d in drawn),
        ),
    )
    alt = clip(
        f"Horizontal bar chart of the rates of {lower_first(numerator or '')} with {conf} confidence intervals, "
        "one bar per denominator: "
        + "; ".join(
            f"{definition_label(p, d, ctx.several)}: {pct_text(d.rate_range.rate)} "
            f"({pct_text(d.rate_range.ci_lower)} to {pct_text(d.rate_range.ci_upper)})"
            + ("" if _valid(d) else ", hatched: the numerator is not a subset of the denominator")
            for p, d in drawn
        )
        + "."
    )
    chart = Chart(
        kind="bar",
        title=f"{numerator}: rate by denominator, with {conf} confidence intervals",
        alt_text=alt,
        series=series,
        x_axis=Axis("Rate (%)", "0%", minimum=0),
        y_axis=Axis("Programme and definition" if ctx.several else "Definition", reverse=True),
        row=table.last_row + 2,
        width=820,
        height=max(320, min(MAX_CHART_HEIGHT, 70 + 30 * len(drawn))),
    )
    title = "Chart: the same numerator, different denominators"
    about = f"One numerator's rates as horizontal bars labelled by their definition, with {conf} intervals."
    return chart_sheet("denominators_chart", name, title, about, lines, table, chart)
