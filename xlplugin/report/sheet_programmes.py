"""Several programmes: counts side by side, and a funnel plot with control limits around the pooled rate."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xlplugin.core import overdispersion as od
from xlplugin.core.counts import CONFIDENTIAL_SYMBOL, NOT_APPLICABLE_SYMBOL, NOT_AVAILABLE_SYMBOL, shorthand_key
from xlplugin.core.funnel import NOT_STATED
from xlplugin.core.periods import period_programmes
from xlplugin.report import ownership
from xlplugin.report.common import (
    FUNNEL_PLOT_POINTS,
    SHORTHAND,
    Context,
    clip,
    column_widths,
    conf_text,
    count_cell,
    count_text,
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
    P_VALUE,
    RATE,
    RATIO,
    TEXT,
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

if TYPE_CHECKING:
    from xlplugin.core.funnel_plot import Point

# ------------------------------------------------------------------------------------------
# several programmes: side by side, and the funnel plot


def programmes_sheet(ctx: Context) -> Sheet | None:
    if not ctx.several:
        return None
    from xlplugin.core.funnel_plot import plot_definition  # only data with several programmes pays for it

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
    definition = plot_definition(ctx.funnel)
    # a unit nobody stated is a plain number in a header, never "people"
    headers = ["Programme"] + [f"{n} ({'number' if units[n] == NOT_STATED else units[n]})" for n in stage_names]
    if definition:
        num, den = definition
        headers += [f"{num} as a rate of {lower_first(den)} (%)", f"{conf} CI lower (%)", f"{conf} CI upper (%)"]
    hdrs = unique_headers(headers)
    lines = [Line("One row per programme, one column per stage: the counts side by side.")]
    if definition:
        lines.append(
            Line(
                f"The last three columns compare one rate across programmes: {definition[0]} out of {definition[1]} "
                f"{ctx.ci_note()}."
            )
        )

    def build(top: int):
        rows = []
        used: set[str] = set()
        for i, p in enumerate(progs):
            row = top + 1 + i
            cells = [Cell(p.name or "", TEXT)]
            for n in stage_names:
                cells.append(count_cell(p.stage(n).count) if p.has_stage(n) else shorthand(NOT_APPLICABLE_SYMBOL))
            if definition:
                num, den = definition
                if p.has_stage(num) and p.has_stage(den) and p.is_subset(num, den) and p.same_unit(num, den):
                    from xlplugin.core.rates import rate_range

                    rr = rate_range(p.stage(num).count, p.stage(den).count, o.confidence, o.method)
                    reason = missing_reason(p.stage(num).count, p.stage(den).count)
                    if rr.rate is not None:
                        f = (
                            None
                            if o.publish
                            else (f"={a1(row, 1 + stage_names.index(num))}/{a1(row, 1 + stage_names.index(den))}")
                        )
                        cells.append(Cell(rr.rate, RATE, f))
                    else:
                        cells.append(shorthand(reason))
                    cells += [value_cell(rr.ci_lower, RATE, reason), value_cell(rr.ci_upper, RATE, reason)]
                else:
                    cells += [shorthand(NOT_APPLICABLE_SYMBOL)] * 3
            used.update(c.value for c in cells if isinstance(c.value, str) and c.value in SHORTHAND)
            rows.append(tuple(cells))
        return rows, used

    rows, used = build(0)
    if NOT_APPLICABLE_SYMBOL in used:
        why = ": the programme has no such stage, or the rate cannot be a proportion"
        lines.append(Line(shorthand_key(NOT_APPLICABLE_SYMBOL, why)))
    for k in (CONFIDENTIAL_SYMBOL, NOT_AVAILABLE_SYMBOL):
        if k in used:
            lines.append(Line(SHORTHAND[k]))
    lines = split_long(lines)
    rows, _ = build(2 + len(lines))  # the table's top row: its formulas point at their own cells
    about = "The count at each stage for every programme, and one rate compared across programmes."
    widths = column_widths(hdrs, rows)
    return table_sheet(
        "programmes", "Programmes", "Programmes side by side", about, lines, hdrs, rows, widths, landscape=len(hdrs) > 5
    )


ADJUSTMENT_TEXT = {
    od.NONE: "plain limits: the areas are not overdispersed",
    od.MULTIPLICATIVE: "limits widened by the multiplicative overdispersion factor (Spiegelhalter 2005)",
    od.ADDITIVE: "limits widened by the additive, random-effects, overdispersion adjustment (Spiegelhalter 2005)",
}
ADJUSTMENT_SHORT = {
    od.NONE: "plain limits",
    od.MULTIPLICATIVE: "limits adjusted for overdispersion (multiplicative)",
    od.ADDITIVE: "limits adjusted for overdispersion (additive random effects)",
}


def _verdict(outside_95: bool, outside_998: bool, above: bool) -> str:
    side = "Above" if above else "Below"
    if outside_998:
        return f"{side} the 99.8% limits"
    if outside_95:
        return f"{side} the 95% limits"
    return "Within the limits"


def _plain_verdict(p: Point, target: float) -> str:
    return _verdict(p.outside_95_plain, p.outside_998_plain, p.rate > target)


def _drawn_verdict(p: Point, target: float) -> str:
    return _verdict(p.outside_95, p.outside_998, p.rate > target)


def funnel_plot_sheets(ctx: Context) -> list[Sheet]:
    """Areas only (periods get a trend instead): rate against denominator, with 95% and 99.8% limits
    around the target, widened for overdispersion when the areas are overdispersed."""
    o = ctx.options
    if not ctx.several or period_programmes(ctx.funnel, o.periods) is not None:
        return []  # one programme has no funnel plot (core.funnel_plot needs three)
    from xlplugin.core.funnel_plot import funnel_plot
    from xlplugin.core.funnel_plot import limits as drawn_limits

    fp = funnel_plot(ctx.funnel, o.overdispersion)
    if fp is None:
        return []
    d = fp.dispersion
    adjusted = d.adjustment != od.NONE
    num_name, den_name = fp.numerator, fp.denominator
    name, limits_name = "Funnel plot", "Funnel plot limits"
    headers = [
        "Programme",
        f"{num_name} (number)",
        f"{den_name} (number)",
        "Rate (%)",
        "Target rate (%)",
        "z-score (number)",
        "Exact binomial p-value (number)",
        "Against the plain limits",
    ]
    if adjusted:
        headers += ["Adjusted z-score (number)", "Adjusted p-value (number)", "Against the adjusted limits"]
    headers_t = unique_headers(headers)
    lines = [
        Line(
            f"Each programme's rate of {lower_first(num_name)} out of {lower_first(den_name)}, against its denominator."
        ),
        Line(f"The target is the pooled rate: all {lower_first(num_name)} divided by all {lower_first(den_name)}."),
        Line(
            "Plain limits: exact binomial: a count is outside the 95% (99.8%) limits when the binomial chance, at the "
            "target rate, of a count at least as low (or as high) is under 2.5% (0.1%); interpolated "
            "(Spiegelhalter 2005)."
        ),
        Line(
            "Against the plain limits: the rate against those limits at its own denominator, as the chart draws them."
        ),
        Line("Exact binomial p-value: the two-sided exact binomial test of the count against the target."),
        Line(
            f"Overdispersion (Spiegelhalter 2005): phi = {d.phi:.3f} from z-scores winsorised at 10% each end, "
            f"tau squared = {d.tau2:.6f}."
        ),
        Line(
            (
                "The areas vary more than chance allows: "
                if d.overdispersed
                else "The areas vary no more than chance allows: "
            )
            + f"the chart draws {ADJUSTMENT_TEXT[d.adjustment]}."
        ),
    ]
    if adjusted:
        lines.append(Line("Adjusted z-score: the difference from the target divided by the widened spread."))
        lines.append(Line("Adjusted p-value: two-sided, from the normal distribution."))
    lines.append(Line("The control limits drawn in the chart below are in the table on the Funnel plot limits sheet."))
    if fp.skipped:
        lines.append(Line(f"{fp.skipped} programme(s) without exact counts for both stages are left out."))
    lines = split_long(lines)
    top = 2 + len(lines)
    rows = []
    for i, pt in enumerate(fp.points):
        row = top + 1 + i
        cells = [
            Cell(pt.name, TEXT),
            Cell(pt.x, COUNT),
            Cell(pt.n, COUNT),
            Cell(pt.rate, RATE, None if o.publish else f"={a1(row, 1)}/{a1(row, 2)}"),
            Cell(d.target, RATE),
            Cell(pt.z_plain, RATIO),
            Cell(pt.p_plain, P_VALUE),
            Cell(_plain_verdict(pt, d.target), TEXT),
        ]
        if adjusted:
            cells += [Cell(pt.z, RATIO), Cell(pt.p_value, P_VALUE), Cell(_drawn_verdict(pt, d.target), TEXT)]
        rows.append(tuple(cells))
    table = Table(ownership.TABLE_NAMES["funnel_plot"], headers_t, tuple(rows), top, 0, column_widths(headers_t, rows))

    # the limits, on their own sheet (one table per sheet)
    n_min = min(pt.n for pt in fp.points)
    n_max = max(pt.n for pt in fp.points)
    lo_n = max(1.0, n_min / 4)  # wide enough to show the funnel's shape
    hi_n = n_max * 1.15
    # whole denominators: the plain limits are exact binomial
    steps = range(FUNNEL_PLOT_POINTS)
    grid = sorted({max(1, round(lo_n + (hi_n - lo_n) * k / (FUNNEL_PLOT_POINTS - 1))) for k in steps})
    lim_headers = [
        "Denominator (number)",
        "Target rate (%)",
        "95% lower limit (%)",
        "95% upper limit (%)",
        "99.8% lower limit (%)",
        "99.8% upper limit (%)",
    ]
    if adjusted:
        lim_headers += [
            "Adjusted 95% lower limit (%)",
            "Adjusted 95% upper limit (%)",
            "Adjusted 99.8% lower limit (%)",
            "Adjusted 99.8% upper limit (%)",
        ]
    lim_headers_t = unique_headers(lim_headers)
    lim_lines = [
        Line(
            "Plain control limits around the target for each size of denominator n: exact binomial, (r minus a) "
            "divided by n, where r is the 2.5% (0.1%) point of the binomial distribution of n trials at the target "
            "rate and a interpolates between r minus 1 and r (Spiegelhalter 2005, appendix); the upper limit is the "
            "same counted from the top."
        ),
    ]
    if adjusted:
        lim_lines.append(
            Line(
                "Adjusted limits use the normal approximation: target plus or minus z times the square root of "
                "target times (1 minus target) divided by n, z for 95% and 99.8%, widened as below."
            )
        )
    if d.adjustment == od.MULTIPLICATIVE:
        lim_lines.append(
            Line(f"Adjusted limits: the same with the spread multiplied by the square root of phi ({d.phi:.3f}).")
        )
    elif d.adjustment == od.ADDITIVE:
        lim_lines.append(
            Line(
                f"Adjusted limits: the same with tau squared ({d.tau2:.6f}) added to the variance under the "
                "square root."
            )
        )
    lim_lines = split_long(lim_lines)
    lim_top = 2 + len(lim_lines)
    lim_rows = []
    for g in grid:
        cells = [Cell(g, COUNT), Cell(d.target, RATE)]
        for kind in (od.NONE, d.adjustment) if adjusted else (od.NONE,):
            l95, u95 = drawn_limits(d, g, 0.95, kind)
            l998, u998 = drawn_limits(d, g, 0.998, kind)
            cells += [Cell(l95, RATE), Cell(u95, RATE), Cell(l998, RATE), Cell(u998, RATE)]
        lim_rows.append(tuple(cells))
    lim_table = Table(
        ownership.TABLE_NAMES["funnel_plot_limits"],
        lim_headers_t,
        tuple(lim_rows),
        lim_top,
        0,
        column_widths(lim_headers_t, lim_rows),
    )
    lf, ll = lim_table.first_data_row, lim_table.last_row
    first, last = table.first_data_row, table.last_row
    drawn = 6 if adjusted else 2  # first column of the limits drawn
    series = [
        Series(
            name_cell=(name, top, 0),
            values=Range(name, first, 3, last, 3),
            categories=Range(name, first, 2, last, 2),
            style="points",
            point_labels=tuple((name, r, 0) for r in range(first, last + 1)),
        ),
        Series(
            (limits_name, lim_top, 1), Range(limits_name, lf, 1, ll, 1), Range(limits_name, lf, 0, ll, 0), style="line"
        ),
    ]
    for offset, style in ((0, "dashed"), (1, "dashed"), (2, "dotted"), (3, "dotted")):
        c = drawn + offset
        series.append(
            Series(
                (limits_name, lim_top, c),
                Range(limits_name, lf, c, ll, c),
                Range(limits_name, lf, 0, ll, 0),
                style=style,
            )
        )
    flagged = [pt for pt in fp.points if pt.outside_95]
    plain_flagged = sum(pt.outside_95_plain for pt in fp.points)
    which = "adjusted " if adjusted else ""
    alt = clip(
        f"Funnel plot: each programme's rate of {lower_first(num_name)} out of {lower_first(den_name)} (vertical axis) "
        f"against its number {lower_first(den_name)} (horizontal axis), with the target {pct_text(d.target)} "
        f"and {which}95% (dashed) and 99.8% (dotted) control limits; {ADJUSTMENT_TEXT[d.adjustment]}. "
        + (
            f"Outside the {which}95% limits: "
            + "; ".join(
                f"{pt.name} ({pct_text(pt.rate)} of {count_text(pt.n)}, {_drawn_verdict(pt, d.target).lower()})"
                for pt in flagged
            )
            + "."
            if flagged
            else f"No programme is outside the {which}95% limits."
        )
        + (f" Against the plain limits {plain_flagged} of {len(fp.points)} would be outside." if adjusted else "")
        + " Points: "
        + "; ".join(f"{pt.name}: {pct_text(pt.rate)} of {count_text(pt.n)}" for pt in fp.points)
        + "."
    )
    # the axis shows every point and the limits at the smallest denominator drawn (not the funnel's mouth)
    y_max = max(max(pt.rate for pt in fp.points), drawn_limits(d, n_min, 0.998)[1])
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
            f"Each programme's rate against its denominator, with 95% and 99.8% {ADJUSTMENT_SHORT[d.adjustment]}."
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
        description=(
            "The target and its 95% and 99.8% control limits at each denominator"
            + (", plain and adjusted for overdispersion." if adjusted else ", as drawn in the funnel plot.")
        ),
        lines=tuple(lim_lines),
        table=lim_table,
        landscape=True,
    )
    return [plot, limits]
