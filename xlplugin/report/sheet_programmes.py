"""Several programmes: counts side by side, and a funnel plot with control limits around the pooled rate."""

from __future__ import annotations

from xlplugin.core.funnel import Funnel
from xlplugin.core.intervals import binom_two_sided_p, funnel_limits
from xlplugin.report import ownership
from xlplugin.report.common import (
    FUNNEL_PLOT_POINTS,
    MIN_FUNNEL_PLOT_PROGRAMMES,
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
    unique_headers,
    value_cell,
)
from xlplugin.report.model import COUNT, P_VALUE, RATE, TEXT, Axis, Cell, Chart, Line, Range, Series, Sheet, Table, a1
from xlplugin.report.sheet_claims import has_stage

# ------------------------------------------------------------------------------------------
# several programmes: side by side, and the funnel plot


def plot_definition(funnel: Funnel) -> tuple[str, str] | None:
    """The rate compared across programmes: the last in-funnel stage of the first stage."""
    p0 = funnel.programmes[0]
    first = p0.first.name
    inside = [s for s in p0.stages if not s.outside and s.base is not None and s.unit == p0.first.unit]
    for s in reversed(inside):
        if p0.is_subset(s.name, first):
            return s.name, first
    return None


def programmes_sheet(ctx: Context) -> Sheet | None:
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
    definition = plot_definition(ctx.funnel)
    headers = ["Programme"] + [f"{n} ({units[n]})" for n in stage_names]
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
        used = set()
        for i, p in enumerate(progs):
            row = top + 1 + i
            cells = [Cell(p.name or "", TEXT)]
            for n in stage_names:
                cells.append(count_cell(p.stage(n).count) if has_stage(p, n) else shorthand("z"))
            if definition:
                num, den = definition
                if has_stage(p, num) and has_stage(p, den) and p.is_subset(num, den) and p.same_unit(num, den):
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
                    cells += [shorthand("z")] * 3
            used.update(c.value for c in cells if isinstance(c.value, str) and c.value in SHORTHAND)
            rows.append(tuple(cells))
        return rows, used

    rows, used = build(0)
    if "[z]" in used:
        lines.append(Line("[z] = not applicable: the programme has no such stage, or the rate cannot be a proportion"))
    for k in ("[c]", "[x]"):
        if k in used:
            lines.append(Line(SHORTHAND[k]))
    lines = split_long(lines)
    top = 2 + len(lines)
    rows, _ = build(top)
    return Sheet(
        key="programmes",
        name="Programmes",
        title="Programmes side by side",
        description="The count at each stage for every programme, and one rate compared across programmes.",
        lines=tuple(lines),
        table=Table(ownership.TABLE_NAMES["programmes"], hdrs, tuple(rows), top, 0, column_widths(hdrs, rows)),
        landscape=len(hdrs) > 5,
    )


def funnel_plot_sheets(ctx: Context) -> list[Sheet]:
    """Rate against denominator per programme, with 95% and 99.8% limits around the pooled rate."""
    definition = plot_definition(ctx.funnel)
    if definition is None or len(ctx.funnel.programmes) < MIN_FUNNEL_PLOT_PROGRAMMES:
        return []
    num_name, den_name = definition
    points = []
    for p in ctx.funnel.programmes:
        if not (has_stage(p, num_name) and has_stage(p, den_name)):
            continue
        x, n = p.stage(num_name).count, p.stage(den_name).count
        if x.is_exact and n.is_exact and n.low > 0 and p.is_subset(num_name, den_name):
            points.append((p, x.low, n.low))
    if len(points) < MIN_FUNNEL_PLOT_PROGRAMMES:
        return []
    o = ctx.options
    pooled = sum(x for _, x, _ in points) / sum(n for _, _, n in points)
    name, limits_name = "Funnel plot", "Funnel plot limits"
    headers = unique_headers(
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
            f"Each programme's rate of {lower_first(num_name)} out of {lower_first(den_name)}, "
            "against its denominator. "
            f"The pooled rate is all programmes' {lower_first(num_name)} divided by all their {lower_first(den_name)}."
        ),
        Line(
            "A programme is flagged by an exact two-sided binomial test against the pooled rate "
            "(p below 0.05, or below 0.002), not by where the drawn limits fall."
        ),
        Line("The control limits drawn in the chart below are in the table on the Funnel plot limits sheet."),
    ]
    skipped = len(ctx.funnel.programmes) - len(points)
    if skipped:
        lines.append(Line(f"{skipped} programme(s) without exact counts for both stages are left out."))
    lines = split_long(lines)
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
    table = Table(ownership.TABLE_NAMES["funnel_plot"], headers, tuple(rows), top, 0, column_widths(headers, rows))

    # the limits, on their own sheet (one table per sheet)
    n_min = min(n for _, _, n in points)
    n_max = max(n for _, _, n in points)
    lo_n = max(1.0, n_min / 4)  # wide enough to show the funnel's shape
    hi_n = n_max * 1.15
    grid = [lo_n + (hi_n - lo_n) * k / (FUNNEL_PLOT_POINTS - 1) for k in range(FUNNEL_PLOT_POINTS)]
    grid = [round(g) if g >= 10 else round(g, 2) for g in grid]
    lim_headers = unique_headers(
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
            "Control limits around the pooled rate for each size of denominator: pooled rate plus or minus z "
            "times the square root of pooled rate times (1 minus pooled rate) divided by the denominator "
            "(Spiegelhalter 2005), z for 95% and 99.8%."
        ),
    ]
    lim_lines = split_long(lim_lines)
    lim_top = 2 + len(lim_lines)
    lim_rows = []
    for g in grid:
        l95, u95 = funnel_limits(pooled, g, 0.95, "normal")
        l998, u998 = funnel_limits(pooled, g, 0.998, "normal")
        lim_rows.append(
            (Cell(g, COUNT), Cell(pooled, RATE), Cell(l95, RATE), Cell(u95, RATE), Cell(l998, RATE), Cell(u998, RATE))
        )
    lim_table = Table(
        ownership.TABLE_NAMES["funnel_plot_limits"],
        lim_headers,
        tuple(lim_rows),
        lim_top,
        0,
        column_widths(lim_headers, lim_rows),
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
        Series(
            (limits_name, lim_top, 1), Range(limits_name, lf, 1, ll, 1), Range(limits_name, lf, 0, ll, 0), style="line"
        ),
        Series(
            (limits_name, lim_top, 2),
            Range(limits_name, lf, 2, ll, 2),
            Range(limits_name, lf, 0, ll, 0),
            style="dashed",
        ),
        Series(
            (limits_name, lim_top, 3),
            Range(limits_name, lf, 3, ll, 3),
            Range(limits_name, lf, 0, ll, 0),
            style="dashed",
        ),
        Series(
            (limits_name, lim_top, 4),
            Range(limits_name, lf, 4, ll, 4),
            Range(limits_name, lf, 0, ll, 0),
            style="dotted",
        ),
        Series(
            (limits_name, lim_top, 5),
            Range(limits_name, lf, 5, ll, 5),
            Range(limits_name, lf, 0, ll, 0),
            style="dotted",
        ),
    ]
    flagged = [r for r in rows if not str(r[6].value).startswith("In line")]
    alt = clip(
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
            "Each programme's rate against its denominator, with 95% and 99.8% limits around the pooled rate."
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
            "The pooled rate and its 95% and 99.8% control limits at each denominator, as drawn in the funnel plot."
        ),
        lines=tuple(lim_lines),
        table=lim_table,
        landscape=True,
    )
    return [plot, limits]
