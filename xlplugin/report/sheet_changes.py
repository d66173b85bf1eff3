"""Periods: the change of each rate from one period to another, and a trend chart with intervals.

Why: "did it really change?" is the question a multi-year FOI answer raises. Each change is shown
with its Newcombe interval and a verdict in words, and every figure is a formula over the counts
(the interval too), so a reader can check it and LibreOffice or Excel recalculates the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xlplugin.core.counts import NOT_APPLICABLE_SYMBOL
from xlplugin.core.funnel import Programme
from xlplugin.core.intervals import normal_quantile, proportion_ci
from xlplugin.core.periods import period_programmes
from xlplugin.report import ownership
from xlplugin.report.common import (
    MAX_CLUSTERED_PROGRAMMES,
    SHORTHAND,
    Context,
    chart_sheet,
    clip,
    column_widths,
    conf_text,
    error_bars,
    lower_first,
    pct_text,
    shorthand,
    split_long,
    unique_headers,
)
from xlplugin.report.model import COUNT, POINTS, RATE, TEXT, Axis, Cell, Chart, Line, Range, Series, Sheet, Table, a1

if TYPE_CHECKING:
    from xlplugin.core.changes import Change

#: Series colours and markers of the trend chart: each stage differs in shape as well as colour.
TREND_STYLES = (("#1F4E79", "circle"), ("#C55A11", "square"), ("#548235", "triangle"), ("#7030A0", "diamond"))


def _z_literal(confidence: float) -> str:
    return repr(normal_quantile(0.5 + confidence / 2.0))


def wilson_formula(x: str, n: str, z: str, upper: bool) -> str:
    """Excel text of the Wilson score bound for x of n (cell references), without the '='."""
    sign = "+" if upper else "-"
    return f"(({x}/{n})+{z}^2/(2*{n}){sign}{z}*SQRT(({x}/{n})*(1-({x}/{n}))/{n}+{z}^2/(4*{n}^2)))/(1+{z}^2/{n})"


def newcombe_formula(x1: str, n1: str, x2: str, n2: str, z: str, upper: bool) -> str:
    """Excel text of Newcombe's hybrid score bound for x2/n2 - x1/n1, in percentage points."""
    p1, p2 = f"({x1}/{n1})", f"({x2}/{n2})"
    l1, u1 = wilson_formula(x1, n1, z, False), wilson_formula(x1, n1, z, True)
    l2, u2 = wilson_formula(x2, n2, z, False), wilson_formula(x2, n2, z, True)
    if upper:
        return f"=100*MIN(1,{p2}-{p1}+SQRT(({u2}-{p2})^2+({p1}-{l1})^2))"
    return f"=100*MAX(-1,{p2}-{p1}-SQRT(({p2}-{l2})^2+({u1}-{p1})^2))"


def _periods(ctx: Context) -> list[Programme] | None:
    return period_programmes(ctx.funnel, ctx.options.periods)


def _changes(periods: list[Programme], confidence: float) -> list[Change]:
    """`core.changes.period_changes`, imported only when the data has periods."""
    from xlplugin.core.changes import period_changes

    return period_changes(periods, confidence)


def changes_sheet(ctx: Context) -> Sheet | None:
    periods = _periods(ctx)
    if periods is None:
        return None
    o = ctx.options
    conf = conf_text(o.confidence)
    changes = _changes(periods, o.confidence)
    headers = unique_headers(
        [
            "Stage",
            "From (period)",
            "To (period)",
            "Count from (number)",
            "Base from (number)",
            "Count to (number)",
            "Base to (number)",
            "Rate from (%)",
            "Rate to (%)",
            "Change (points)",
            f"{conf} CI lower (points)",
            f"{conf} CI upper (points)",
            "Count change (%)",
            "Verdict",
        ]
    )
    pairs = list(dict.fromkeys((c.stage, c.base) for c in changes))
    lines = [
        Line("Each stage's rate of base in a period against the previous period and, from the third on, the first."),
        Line("Rates of base: " + "; ".join(f"{stage} out of {lower_first(base)}" for stage, base in pairs) + "."),
        Line(
            "Change: the later rate minus the earlier, in percentage points (points). Its confidence interval (CI) is "
            f"Newcombe's hybrid score interval ({conf}), a formula over the counts."
        ),
        Line(
            "Verdict: 'a clear rise' or 'a clear fall' when the whole interval is above or below zero, otherwise "
            "'no clear change'. Count change compares the stage's counts alone."
        ),
    ]
    if not changes:
        lines.append(
            Line("No stage has a rate of base with exact counts in two periods, so there is nothing to compare.")
        )
    z = _z_literal(o.confidence)

    def build(top: int) -> list[tuple[Cell, ...]]:
        rows: list[tuple[Cell, ...]] = []
        f = not o.publish
        for i, c in enumerate(changes):
            row = top + 1 + i
            x1, n1, x2, n2 = (a1(row, col) for col in (3, 4, 5, 6))
            r1, r2 = a1(row, 7), a1(row, 8)
            rows.append(
                (
                    Cell(c.stage, TEXT),
                    Cell(c.start, TEXT),
                    Cell(c.end, TEXT),
                    Cell(c.x_from, COUNT),
                    Cell(c.n_from, COUNT),
                    Cell(c.x_to, COUNT),
                    Cell(c.n_to, COUNT),
                    Cell(c.x_from / c.n_from, RATE, f"={x1}/{n1}" if f else None),
                    Cell(c.x_to / c.n_to, RATE, f"={x2}/{n2}" if f else None),
                    Cell(100 * c.difference, POINTS, f"=({r2}-{r1})*100" if f else None),
                    Cell(100 * c.ci_lower, POINTS, newcombe_formula(x1, n1, x2, n2, z, False) if f else None),
                    Cell(100 * c.ci_upper, POINTS, newcombe_formula(x1, n1, x2, n2, z, True) if f else None),
                    _relative(c, x1, x2, f),
                    Cell(c.words, TEXT),
                )
            )
        return list(rows) or [tuple(shorthand(NOT_APPLICABLE_SYMBOL) for _ in headers)]

    if any(c.value == NOT_APPLICABLE_SYMBOL for r in build(0) for c in r):
        lines.append(Line(SHORTHAND[NOT_APPLICABLE_SYMBOL] + " (a change in count from 0, or nothing to compare)"))
    lines = split_long(lines)
    top = 2 + len(lines)
    rows = build(top)
    return Sheet(
        key="changes",
        name="Changes",
        title="Changes between periods, with confidence intervals",
        description=f"Each rate's change between periods in percentage points, with its {conf} confidence interval.",
        lines=tuple(lines),
        table=Table(
            ownership.TABLE_NAMES["changes"], headers, tuple(rows), top, 0, column_widths(headers, rows, maximum=16)
        ),
        landscape=True,
    )


def _relative(c: Change, x1: str, x2: str, formulas: bool) -> Cell:
    if c.relative_change is None:
        return shorthand(NOT_APPLICABLE_SYMBOL)
    return Cell(c.relative_change, RATE, f"=({x2}-{x1})/{x1}" if formulas else None)


def _trend_stages(periods: list[Programme]) -> list[str]:
    """Stages whose rate of base is a proportion of exact counts, of the same base, in every period."""
    out = []
    for s in periods[0].stages:
        ok = True
        for p in periods:
            try:
                t = p.stage(s.name)
            except KeyError:
                ok = False
                break
            base = p.stage(t.base) if t.base else None
            if (
                t.outside
                or base is None
                or base.name != s.base
                or base.unit != t.unit
                or not (t.count.is_exact and base.count.is_exact and base.count.low > 0)
            ):
                ok = False
                break
        if ok:
            out.append(s.name)
    return out


def trend_chart_sheet(ctx: Context) -> Sheet | None:
    """Rates by period, one line per stage with its interval as error bars."""
    periods = _periods(ctx)
    if periods is None:
        return None
    stages = _trend_stages(periods)[: len(TREND_STYLES)]
    if not stages or len(periods) > 3 * MAX_CLUSTERED_PROGRAMMES:
        return None
    o = ctx.options
    conf = conf_text(o.confidence)
    name = "Trend chart"
    headers = unique_headers(
        [
            "Stage",
            "Period",
            "Rate of base (%)",
            f"{conf} CI lower (%)",
            f"{conf} CI upper (%)",
            "CI upper minus rate (%)",
            "Rate minus CI lower (%)",
        ]
    )
    lines = [
        Line("The chart below draws this table: each stage's rate of base by period, in time order."),
        Line("Each rate's confidence interval is a vertical line through it."),
        Line("Each stage has its own marker shape and colour, and is named in the legend."),
    ]
    lines = split_long(lines)
    top = 2 + len(lines)
    rows: list[tuple[Cell, ...]] = []
    highs: list[float] = []
    blocks: list[tuple[str, int, int, list[float], list[float]]] = []
    alt_parts = []
    for stage in stages:
        start = top + 1 + len(rows)
        plus, minus, figures = [], [], []
        for p in periods:
            s = p.stage(stage)
            x, n = s.count.low, p.stage(s.base or "").count.low  # _trend_stages: every one has a base
            lo, hi = proportion_ci(x, n, o.confidence, o.method)
            rate = x / n
            row = top + 1 + len(rows)
            f = not o.publish
            rows.append(
                (
                    Cell(stage, TEXT),
                    Cell(p.name or "", TEXT),
                    Cell(rate, RATE),
                    Cell(lo, RATE),
                    Cell(hi, RATE),
                    Cell(hi - rate, RATE, f"={a1(row, 4)}-{a1(row, 2)}" if f else None),
                    Cell(rate - lo, RATE, f"={a1(row, 2)}-{a1(row, 3)}" if f else None),
                )
            )
            highs.append(hi)
            plus.append(hi - rate)
            minus.append(rate - lo)
            figures.append(f"{p.name} {pct_text(rate)} ({pct_text(lo)} to {pct_text(hi)})")
        blocks.append((stage, start, top + len(rows), plus, minus))
        base = periods[0].stage(stage).base or ""
        alt_parts.append(f"{stage} as a rate of {lower_first(base)}: " + ", ".join(figures))
    table = Table(ownership.TABLE_NAMES["trend_chart"], headers, tuple(rows), top, 0, column_widths(headers, rows))
    series = []
    for k, (_stage, first, last, plus, minus) in enumerate(blocks):
        colour, marker = TREND_STYLES[k]
        series.append(
            Series(
                name_cell=(name, first, 0),
                values=Range(name, first, 2, last, 2),
                categories=Range(name, first, 1, last, 1),
                **error_bars(name, first, last, 5, plus, minus),
                style="trend",
                labels=True,
                colour=colour,
                marker=marker,
            )
        )
    changes = _changes(periods, o.confidence)
    said = "; ".join(
        f"{c.stage} {c.start} to {c.end}: {100 * c.difference:+.1f} points "
        f"({100 * c.ci_lower:+.1f} to {100 * c.ci_upper:+.1f}), {c.words}"
        for c in changes
        if c.against == "previous" and c.stage in stages
    )
    alt = clip(
        f"Line chart of each stage's rate of base by period, with {conf} confidence intervals as error bars. "
        + ". ".join(alt_parts)
        + ". "
        + (f"Changes: {said}." if said else "")
    )
    high = max(highs)
    chart = Chart(
        kind="line",
        title=f"Rate by period, with {conf} confidence intervals",
        alt_text=alt,
        series=tuple(series),
        x_axis=Axis("Period"),
        y_axis=Axis("Rate of base (%)", "0%", minimum=0, maximum=min(1.0, round(high * 1.15 + 0.005, 2))),
        row=table.last_row + 2,
        width=760,
        height=420,
        legend=True,
    )
    about = f"Each stage's rate of base by period, in time order, with its {conf} confidence interval."
    return chart_sheet("trend_chart", name, "Chart: rates by period", about, lines, table, chart)
