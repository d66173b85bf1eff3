"""The funnel plot of areas: one rate compared across programmes, each judged against the target.

Why here and not in the report: `rates --json` and the report's funnel-plot sheet must give the
same z-scores, p-values and verdicts. The plain verdict is an exact two-sided binomial test
against the pooled rate (right for small denominators, where the normal approximation is poor);
the adjusted verdict uses the overdispersion-adjusted spread (`overdispersion`). Periods get no
funnel plot (a time series is not a set of peers: see `changes`). Pure: no I/O.
"""

from __future__ import annotations

from typing import NamedTuple

from xlplugin.core import overdispersion as od
from xlplugin.core.funnel import Funnel, Programme
from xlplugin.core.intervals import binom_two_sided_p

MIN_PROGRAMMES = 3


class Point(NamedTuple):
    name: str
    x: int
    n: int
    rate: float
    z_plain: float
    p_plain: float  # exact binomial, two-sided, against the target
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


def plot_definition(funnel: Funnel) -> tuple[str, str] | None:
    """The rate compared across programmes: the last in-funnel stage of the first stage."""
    p0 = funnel.programmes[0]
    first = p0.first.name
    inside = [s for s in p0.stages if not s.outside and s.base is not None and s.unit == p0.first.unit]
    for s in reversed(inside):
        if p0.is_subset(s.name, first):
            return s.name, first
    return None


def funnel_plot(funnel: Funnel, adjustment: str = od.AUTO) -> FunnelPlot | None:
    """The funnel plot of the programmes (areas), or None with fewer than three comparable ones."""
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
    d = od.estimate([(x, n) for _, x, n in pairs], adjustment)
    points = []
    for p, x, n in pairs:
        z_plain = od.z_score(d, x, n, od.NONE)
        p_plain = binom_two_sided_p(x, n, d.target) if 0.0 < d.target < 1.0 else 1.0
        if d.adjustment == od.NONE:
            z, pv = z_plain, p_plain
        else:
            z = od.z_score(d, x, n)
            pv = od.two_sided_p(z)
        points.append(
            Point(
                p.name or "",
                x,
                n,
                x / n,
                z_plain,
                p_plain,
                z,
                pv,
                p_plain < 0.05,
                p_plain < 0.002,
                pv < 0.05,
                pv < 0.002,
            )
        )
    return FunnelPlot(num, den, d, tuple(points), len(funnel.programmes) - len(pairs))
