"""The funnel plot of areas: one rate compared across programmes, each judged against the target.

Why here and not in the report: `rates --json` and the report's funnel-plot sheet must give the
same z-scores, p-values and verdicts. The plain limits are exact binomial (right for small
denominators, where the normal approximation is poor): Spiegelhalter's (2005, Statistics in
Medicine 24: 1185-1202, appendix) interpolated binomial quantiles: for denominator n the lower
p-limit is (r - alpha) / n, r the smallest count with F(r) = P(X <= r) >= p for X ~ Binomial(n,
target), alpha = (F(r) - p) / (F(r) - F(r - 1)); the upper limit is the same taken from the other
end (1 minus the lower limit for the rate 1 - target), so a count is below the lower 95% limit
exactly when P(X <= x) < 2.5% and above the upper one exactly when P(X >= x) < 2.5%. The plain
verdict is a point's count against those limits at its own denominator, so the table and the
chart agree; the exact two-sided binomial test's p-value is given beside it. The adjusted verdict
uses the overdispersion-adjusted spread (`overdispersion`). Periods get no funnel plot (a time
series is not a set of peers: see `changes`). Pure: no I/O.
"""

from __future__ import annotations

from xlplugin.core import overdispersion as od
from xlplugin.core.funnel import Funnel, Programme
from xlplugin.core.intervals import binom_cdf, binom_two_sided_p
from xlplugin.core.record import NamedTuple

MIN_PROGRAMMES = 3


class Point(NamedTuple):
    name: str
    x: int
    n: int
    rate: float
    z_plain: float
    p_plain: float  # exact binomial test, two-sided, against the target
    z: float  # under the adjustment drawn (equal to z_plain when none)
    p_value: float
    outside_95_plain: bool
    outside_998_plain: bool
    outside_95: bool
    outside_998: bool

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "numerator": self.x,
            "denominator": self.n,
            "rate": self.rate,
            "z": self.z,
            "p_value": self.p_value,
            "outside_95": self.outside_95,
            "outside_998": self.outside_998,
            "plain": {
                "z": self.z_plain,
                "p_value": self.p_plain,
                "outside_95": self.outside_95_plain,
                "outside_998": self.outside_998_plain,
            },
        }


class FunnelPlot(NamedTuple):
    numerator: str
    denominator: str
    dispersion: od.Dispersion
    points: tuple[Point, ...]
    skipped: int  # programmes without exact counts of both stages

    def as_json(self) -> dict[str, object]:
        d = self.dispersion
        return {
            "numerator": self.numerator,
            "denominator": self.denominator,
            "target": d.target,
            "phi": d.phi,
            "tau2": d.tau2,
            "overdispersed": d.overdispersed,
            "adjustment": d.adjustment,
            "programmes": [p.as_json() for p in self.points],
        }


def binomial_limit(target: float, n: int, p: float) -> float:
    """The exact binomial control limit at probability `p` for denominator `n` (interpolated quantile), in [0, 1]."""
    lo, hi = 0, n
    while lo < hi:  # the smallest r with P(X <= r) >= p
        mid = (lo + hi) // 2
        if binom_cdf(mid, n, target) >= p:
            hi = mid
        else:
            lo = mid + 1
    f_r = binom_cdf(lo, n, target)
    f_below = binom_cdf(lo - 1, n, target) if lo > 0 else 0.0
    alpha = (f_r - p) / (f_r - f_below) if f_r > f_below else 0.0
    return min(1.0, max(0.0, (lo - alpha) / n))


def plain_limits(target: float, n: int, confidence: float) -> tuple[float, float]:
    """Exact binomial (lower, upper) control limits around `target` at denominator `n` (a whole number >= 1)."""
    tail = (1.0 - confidence) / 2.0
    return binomial_limit(target, n, tail), 1.0 - binomial_limit(1.0 - target, n, tail)


def limits(d: od.Dispersion, n: int, confidence: float, adjustment: str | None = None) -> tuple[float, float]:
    """The limits drawn at `n`: exact binomial when plain, else the overdispersion-adjusted normal limits."""
    kind = d.adjustment if adjustment is None else adjustment
    return plain_limits(d.target, n, confidence) if kind == od.NONE else od.limits(d, n, confidence, kind)


def _outside(rate: float, bounds: tuple[float, float]) -> bool:
    return rate < bounds[0] or rate > bounds[1]


def plot_definition(funnel: Funnel) -> tuple[str, str] | None:
    """The rate compared across programmes: the last in-funnel stage of the first stage."""
    p0 = funnel.programmes[0]
    first = p0.first.name
    inside = [s for s in p0.stages if not s.outside and s.base is not None and s.unit == p0.first.unit]
    for s in reversed(inside):
        if p0.is_subset(s.name, first):
            return s.name, first
    return None


def funnel_plot(funnel: Funnel, adjustment: str = od.AUTO, scale: str = od.PLAIN) -> FunnelPlot | None:
    """The funnel plot of the programmes (areas), or None with fewer than three comparable ones.

    `scale` ARCSINE estimates the overdispersion and draws the adjusted limits on the arcsine scale
    (FunnelPlotR's proportions); the plain limits are exact binomial either way."""
    definition = plot_definition(funnel)
    if definition is None or len(funnel.programmes) < MIN_PROGRAMMES:
        return None
    num, den = definition
    pairs: list[tuple[Programme, int, int]] = []
    for p in funnel.programmes:
        if not (p.has_stage(num) and p.has_stage(den)):
            continue
        cx, cn = p.stage(num).count, p.stage(den).count
        if cx.is_exact and cn.is_exact and cn.low > 0 and p.is_subset(num, den):
            pairs.append((p, cx.low, cn.low))
    if len(pairs) < MIN_PROGRAMMES:
        return None
    d = od.estimate([(x, n) for _, x, n in pairs], adjustment, scale=scale)
    points = []
    for p, x, n in pairs:
        z_plain = od.z_score(d, x, n, od.NONE)
        p_plain = binom_two_sided_p(x, n, d.target) if 0.0 < d.target < 1.0 else 1.0
        out95 = _outside(x / n, plain_limits(d.target, n, 0.95))
        out998 = _outside(x / n, plain_limits(d.target, n, 0.998))
        if d.adjustment == od.NONE:
            z, pv, adj95, adj998 = z_plain, p_plain, out95, out998
        else:
            z = od.z_score(d, x, n)
            pv = od.two_sided_p(z)
            adj95, adj998 = pv < 0.05, pv < 0.002
        points.append(Point(p.name or "", x, n, x / n, z_plain, p_plain, z, pv, out95, out998, adj95, adj998))
    return FunnelPlot(num, den, d, tuple(points), len(funnel.programmes) - len(pairs))
