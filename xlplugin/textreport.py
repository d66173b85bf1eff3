"""Plain-text renderings of the funnel table and claim explanations for the terminal."""

from __future__ import annotations

from xlplugin.core.funnel import NOT_STATED
from xlplugin.core.intervals import method_label
from xlplugin.core.rates import MIXED_UNITS, OUTSIDE_FUNNEL, StageRate, singular

#: Printed under a table with a stage that has no `unit`.
UNITS_NOT_STATED = "units not stated: assumed to count the same things"


def pct(x: float | None, places: int = 1) -> str:
    return "" if x is None else f"{100 * x:.{places}f}%"


def _count(r: StageRate) -> str:
    if r.count is not None:
        return f"{r.count:,}"
    high = "no upper bound" if r.count_high is None else f"{r.count_high:,}"
    return f"{r.count_low:,}-{high}" if r.count_high is not None else f">= {r.count_low:,} ({high})"


def _rate(r: StageRate) -> str:
    if OUTSIDE_FUNNEL in r.flags:
        return "outside the funnel: no rate"
    if r.base is None:
        return ""
    if MIXED_UNITS in r.flags:
        if r.rate is None:
            return f"{r.unit} per {r.base}: no ratio"
        return f"{r.rate:.2f} {r.unit} per {singular(r.base_unit or '')} in {r.base} (not a %)"
    if r.rate is not None:
        return f"{pct(r.rate, 2)} of {r.base}"
    return f"{pct(r.rate_low)}-{pct(r.rate_high)} of {r.base}"


def _ci(r: StageRate) -> str:
    if r.ci_lower is None:
        return ""
    return f"{pct(r.ci_lower, 2)} to {pct(r.ci_upper, 2)}"


def _table(header: list[str], rows: list[list[str]], right: frozenset[int] = frozenset()) -> str:
    """Aligned columns; the columns in `right` (numbers) are right-aligned."""
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=False))
        ).rstrip()

    out = [line(header), line(["-" * w for w in widths])]
    out.extend(line(row) for row in rows)
    return "\n".join(out)


def rates_table(tables, confidence: float, method: str) -> str:
    """The funnel table(s) as aligned text, one block per programme."""
    blocks = []
    ci_head = f"{confidence:.3g} CI ({method_label(method, short=True)})".replace("0.95 ", "95% ")
    for programme, rows in tables:
        body = [
            [
                r.stage,
                _count(r),
                r.unit,
                _rate(r),
                _ci(r),
                pct(r.rate_of_first),
                "" if r.drop_off is None else f"{r.drop_off:,}",
                ", ".join(r.flags),
            ]
            for r in rows
        ]
        title = f"{programme.name}\n" if programme.name else ""
        unstated = any(s.unit == NOT_STATED for s in programme.stages)
        blocks.append(
            title
            + _table(
                ["stage", "count", "unit", "rate (of base)", ci_head, "of first", "drop-off", "flags"],
                body,
                right=frozenset({1, 5, 6}),
            )
            + ("\n" + UNITS_NOT_STATED if unstated else "")
        )
    return "\n\n".join(blocks)


def _num(value) -> float | None:
    return None if value is None else float(value)


def verdict_json(text: str, verdict) -> dict:
    """The `claim --json` document (fields documented in the README)."""
    claim = verdict.claim
    scale = 100 if claim.kind == "change" and claim.points else 1  # a points claim's values are in points

    def scaled(value):
        return None if value is None else float(value * scale)

    matches = []
    for m in verdict.matches:
        row = {
            "programme": m.programme,
            "numerator": list(m.numerator),
            "denominator": m.denominator,
            "complement": m.complement,
            "value": scaled(m.value),
            "value_low": scaled(m.value_low),
            "value_high": scaled(m.value_high),
            "subset": m.subset,
            "mixed_units": m.mixed_units,
            "certain": m.certain,
        }
        if claim.kind in ("change", "ratio"):
            row.update({"from": m.from_programme, "to": m.to_programme, "stage": m.stage})
        matches.append(row)
    return {
        "claim": text,
        "kind": claim.kind,
        "programme": verdict.programme,
        "low": scaled(claim.low),
        "high": scaled(claim.high),
        "verdict": verdict.verdict,
        "matches": matches,
        "nearest": [
            {
                "programme": n.programme,
                "numerator": list(n.numerator),
                "denominator": n.denominator,
                "complement": n.complement,
                "value": scaled(n.value),
                "reads_as": n.reads_as,
            }
            for n in verdict.nearest
        ],
        "reason": verdict.reason or None,
    }


def claim_text(text: str, verdict, words: str) -> str:
    """What the claim means, its verdict, and which definitions give it."""
    claim = verdict.claim
    lo = "(" if claim.low_open else "["
    hi = ")" if claim.high_open or claim.high is None else "]"
    if claim.kind == "rate":
        meaning = f"a rate in {lo}{pct(float(claim.low), 3)}, {pct(float(claim.high), 3)}{hi}"
    else:
        meaning = f"a {claim.kind} in {claim}"
    lines = [f'"{text}" means {meaning}.', f"Verdict: {verdict.verdict} ({words})."]
    for m in verdict.matches:
        where = f"[{m.programme}] " if m.programme else ""
        if m.from_programme is not None:
            where = f"[{m.from_programme} -> {m.to_programme}] "
        flags = []
        if not m.subset:
            flags.append("numerator is NOT a subset of the denominator")
        if m.mixed_units:
            flags.append("different units")
        if not m.certain:
            flags.append("only for some of the counts the figures allow")
        extra = f"  ({'; '.join(flags)})" if flags else ""
        if m.value is not None and m.denominator is not None and claim.kind == "rate":
            shown = f" = {pct(float(m.value), 2)}"
        elif m.value is not None:
            shown = f" = {float(m.value):,.4g}"
        else:
            top = "no limit" if m.value_high is None else f"{float(m.value_high):.4g}"
            shown = f" in {float(m.value_low or 0):.4g} to {top}"
        lines.append(f"  {where}{m.words}{shown}{extra}")
    for n in verdict.nearest:
        where = f"[{n.programme}] " if n.programme else ""
        den = f" / {n.denominator}" if n.denominator else ""
        lines.append(f"  nearest: {where}{' + '.join(n.numerator)}{den}, which reads as {n.reads_as}")
    return "\n".join(lines)


def points(x: float, places: int = 1) -> str:
    """A difference of proportions in percentage points, signed: +14.7."""
    return f"{100 * x:+.{places}f}"


def changes_text(changes, confidence: float) -> str:
    """The change of each stage's rate between periods, with its interval and a verdict in words."""
    title = f"Changes between periods (percentage points; {confidence:.3g} Newcombe hybrid score interval)".replace(
        "0.95 ", "95% "
    )
    if not changes:
        return title + "\nNo stage has a rate of base with exact counts in two periods to compare."
    rows = [
        [
            c.stage,
            c.start,
            c.end,
            pct(c.x_from / c.n_from),
            pct(c.x_to / c.n_to),
            points(c.difference),
            f"{points(c.ci_lower)} to {points(c.ci_upper)}",
            "" if c.relative_change is None else f"{100 * c.relative_change:+.1f}%",
            c.words,
        ]
        for c in changes
    ]
    header = ["stage", "from", "to", "rate from", "rate to", "change", "interval", "count change", "verdict"]
    return title + "\n" + _table(header, rows, right=frozenset({3, 4, 5, 7}))


def funnel_plot_text(plot) -> str:
    """The funnel plot in words: target, overdispersion, and the areas outside the limits drawn."""
    d = plot.dispersion
    how = {
        "none": "plain limits (no overdispersion adjustment)",
        "multiplicative": "limits widened by the multiplicative overdispersion factor",
        "additive": "limits widened by the additive (random-effects) overdispersion adjustment",
    }[d.adjustment]
    lines = [
        f"Funnel plot: {plot.numerator} out of {plot.denominator}; target (pooled rate) {pct(d.target)}",
        f"Overdispersion (Spiegelhalter 2005): phi = {d.phi:.3f}, tau^2 = {d.tau2:.6f}; {how}",
        "Outside the 95% limits: "
        f"{sum(p.outside_95 for p in plot.points)} of {len(plot.points)} drawn "
        f"({sum(p.outside_95_plain for p in plot.points)} against plain limits); outside 99.8%: "
        f"{sum(p.outside_998 for p in plot.points)} ({sum(p.outside_998_plain for p in plot.points)} plain)",
    ]
    rows = [
        [p.name, f"{p.x:,}", f"{p.n:,}", pct(p.rate), f"{p.z:+.2f}", f"{p.p_value:.4f}", _verdict(p)]
        for p in plot.points
    ]
    lines.append(
        _table(["programme", "numerator", "denominator", "rate", "z", "p", "verdict"], rows, frozenset({1, 2, 3, 4, 5}))
    )
    return "\n".join(lines)


def _verdict(p) -> str:
    side = "above" if p.z > 0 else "below"
    if p.outside_998:
        return f"{side} the 99.8% limits"
    if p.outside_95:
        return f"{side} the 95% limits"
    return "within the limits"
