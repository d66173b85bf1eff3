"""Overdispersion in funnel plots of proportions (Spiegelhalter 2005), so a plot of 43 forces does not cry wolf.

Why: real indicators vary between areas more than chance alone allows (different populations,
recording, policy). Against plain binomial limits most of 43 police forces then fall "outside",
and the plot flags everyone. Spiegelhalter's adjustment estimates how much wider the spread is
and widens the limits to match, so only areas that stand out from that spread are flagged.

Method, for I areas with x_i of n_i, target theta (the pooled rate x/n over all areas):

- z-scores on the plain scale, as the limits are drawn (Public Health England's normal limits):
  s_i = sqrt(theta (1 - theta) / n_i),  z_i = (x_i / n_i - theta) / s_i.
- Winsorise at 10% each end: z-scores below the 10th percentile are set to it, above the 90th to
  it (percentiles by linear interpolation, R's default type 7, as the FunnelPlotR package does),
  so that the outliers one is looking for do not inflate the estimate. ``trim=TRUNCATE`` instead
  drops the z-scores in the bottom and top tenth by rank (the NHS Digital SHMI method, FunnelPlotR's
  ``truncation``: rank r of I, kept when 0 < floor(10 r / (I + 1)) < 9); phi and tau^2 then use the
  kept areas only (I is their number).
- ``scale=ARCSINE`` takes the z-scores, tau^2 and limits on the arcsine-square-root scale instead,
  as FunnelPlotR does for proportions (its ``data_type = "PR"``, Spiegelhalter 2005 Stat Med
  appendix): y_i = asin(sqrt(x_i / n_i)), target asin(sqrt(theta)), s_i = 1 / (2 sqrt(n_i)); limits
  sin^2(asin(sqrt(theta)) +/- z_p sqrt(s(n)^2 + tau^2)) (angles clipped to [0, pi/2]).
- phi = (1/I) sum of winsorised z_i^2.  Under no overdispersion I phi is about chi-squared on I
  degrees of freedom (mean 1, standard deviation sqrt(2/I) for phi), so the data are taken as
  overdispersed when phi > 1 + 2 sqrt(2/I) (``auto``).
- Multiplicative adjustment: limits theta +/- z_p sqrt(phi) s(n).
- Additive (random effects, DerSimonian-Laird): with w_i = 1 / s_i^2,
  tau^2 = max(0, (I phi - (I - 1)) / (sum w_i - sum w_i^2 / sum w_i)),
  limits theta +/- z_p sqrt(s(n)^2 + tau^2). ``auto`` uses this one when overdispersed, as
  Spiegelhalter et al. (2012) recommend: it widens the limits of large areas most, where the
  multiplicative factor barely helps.

References
----------
Spiegelhalter DJ. Funnel plots for comparing institutional performance. Statistics in Medicine
2005; 24(8): 1185-1202. doi:10.1002/sim.1970.
Spiegelhalter DJ. Handling over-dispersion of performance indicators. Quality and Safety in Health
Care 2005; 14(5): 347-351. doi:10.1136/qshc.2005.013755.
Spiegelhalter DJ, Sherlaw-Johnson C, Bardsley M, Blunt I, Wood C, Grigg O. Statistical methods for
healthcare regulation: rating, screening and surveillance. Journal of the Royal Statistical
Society A 2012; 175(1): 1-47. doi:10.1111/j.1467-985X.2011.01010.x.
DerSimonian R, Laird N. Meta-analysis in clinical trials. Controlled Clinical Trials 1986; 7(3):
177-188. doi:10.1016/0197-2456(86)90046-2.

Pure (stdlib only).
"""

from __future__ import annotations

import math

from xlplugin.core.intervals import normal_quantile
from xlplugin.core.record import NamedTuple

NONE, MULTIPLICATIVE, ADDITIVE, AUTO = "none", "multiplicative", "additive", "auto"
ADJUSTMENTS = (NONE, MULTIPLICATIVE, ADDITIVE, AUTO)
WINSOR = 0.1
WINSORISE, TRUNCATE = "winsorise", "truncate"
TRIMS = (WINSORISE, TRUNCATE)
PLAIN, ARCSINE = "plain", "arcsine"
SCALES = (PLAIN, ARCSINE)


class Dispersion(NamedTuple):
    """The estimate, and which adjustment the limits use (`adjustment` is never "auto")."""

    target: float
    phi: float
    tau2: float
    overdispersed: bool
    adjustment: str  # none | multiplicative | additive
    winsor_low: float
    winsor_high: float
    scale: str = PLAIN  # PLAIN (rates) or ARCSINE (asin(sqrt(rate)))


def quantile(values: list[float], q: float) -> float:
    """The q-quantile by linear interpolation between order statistics (R type 7, numpy's default)."""
    xs = sorted(values)
    h = (len(xs) - 1) * q
    lo = math.floor(h)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (h - lo) * (xs[hi] - xs[lo])


def z_scores(points: list[tuple[int, int]], target: float) -> list[float]:
    """Plain-scale z-scores (x/n - target) / sqrt(target (1 - target) / n) of (x, n) pairs."""
    var = target * (1.0 - target)
    if var <= 0.0:
        return [0.0 for _ in points]
    return [(x / n - target) / math.sqrt(var / n) for x, n in points]


def average_ranks(values: list[float]) -> list[float]:
    """1-based ranks, ties given their average rank (R's ``rank(ties.method = "average")``)."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return ranks


def trimmed(z: list[float], fraction: float = WINSOR, trim: str = WINSORISE) -> list[float | None]:
    """The z-scores phi is taken from: winsorised (clipped to the fraction's quantiles), or truncated
    (None for a z-score dropped from each end by rank)."""
    if trim == WINSORISE:
        lo, hi = quantile(z, fraction), quantile(z, 1.0 - fraction)
        return [min(max(v, lo), hi) for v in z]
    if trim != TRUNCATE:
        raise ValueError(f"trim must be one of {', '.join(TRIMS)}, not {trim!r}")
    if fraction <= 0.0:
        return list(z)
    groups = 1.0 / fraction
    ranks = average_ranks(z)
    return [
        v if 0 < math.floor(r * groups / (len(z) + 1)) < groups - 1 else None for v, r in zip(z, ranks, strict=True)
    ]


def phi_tau2(z: list[float], s: list[float], fraction: float = WINSOR, trim: str = WINSORISE) -> tuple[float, float]:
    """phi and the DerSimonian-Laird tau^2 from z-scores `z` on any scale with standard errors `s`.

    The general form (FunnelPlotR's ``phi_func`` and ``tau_func``): phi is the mean square of the
    trimmed z-scores, tau^2 = max(0, (I phi - (I - 1)) / (sum w - sum w^2 / sum w)), w = 1 / s^2,
    over the I areas kept.
    """
    kept = [(v, si) for v, si in zip(trimmed(z, fraction, trim), s, strict=True) if v is not None]
    count = len(kept)
    if count == 0:
        raise ValueError("no z-scores")
    phi = sum(v * v for v, _ in kept) / count
    tau2 = 0.0
    if count * phi > count - 1 and all(si > 0.0 for _, si in kept):
        w = [1.0 / (si * si) for _, si in kept]
        sw = sum(w)
        denominator = sw - sum(v * v for v in w) / sw
        if denominator > 0.0:
            tau2 = max(0.0, (count * phi - (count - 1)) / denominator)
    return phi, tau2


def estimate(
    points: list[tuple[int, int]],
    adjustment: str = AUTO,
    target: float | None = None,
    winsor: float = WINSOR,
    trim: str = WINSORISE,
    scale: str = PLAIN,
) -> Dispersion:
    """phi, tau^2 and the adjustment to draw, for (x, n) pairs (each n > 0).

    `winsor` 0 gives the untrimmed estimate (then I phi is Cochran's Q and tau^2 DerSimonian-Laird's);
    `trim` TRUNCATE drops the extreme tenths instead of clipping them; `scale` ARCSINE works on the
    arcsine-square-root scale (see the module's notes).
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}, not {scale!r}")
    if adjustment not in ADJUSTMENTS:
        raise ValueError(f"overdispersion must be one of {', '.join(ADJUSTMENTS)}, not {adjustment!r}")
    count = len(points)
    if count == 0:
        raise ValueError("no points")
    theta = sum(x for x, _ in points) / sum(n for _, n in points) if target is None else target
    if scale == ARCSINE:
        s = [1.0 / (2.0 * math.sqrt(n)) for _, n in points]
        centre = _angle(theta)
        z = [(_angle(x / n) - centre) / si for (x, n), si in zip(points, s, strict=True)]
    else:
        z = z_scores(points, theta)
        var = theta * (1.0 - theta)
        s = [math.sqrt(var / n) for _, n in points]
    lo, hi = quantile(z, winsor), quantile(z, 1.0 - winsor)
    phi, tau2 = phi_tau2(z, s, winsor, trim)
    over = phi > 1.0 + 2.0 * math.sqrt(2.0 / count)
    chosen = (ADDITIVE if over else NONE) if adjustment == AUTO else adjustment
    return Dispersion(theta, phi, tau2, over, chosen, lo, hi, scale)


def _angle(rate: float) -> float:
    return math.asin(math.sqrt(min(1.0, max(0.0, rate))))


def _spread(d: Dispersion, s2: float, kind: str) -> float:
    if kind == MULTIPLICATIVE:
        return math.sqrt(d.phi * s2)
    if kind == ADDITIVE:
        return math.sqrt(s2 + d.tau2)
    return math.sqrt(s2)


def standard_error(d: Dispersion, n: float, adjustment: str | None = None) -> float:
    """The spread at n around the target under the adjustment (default: the one chosen), on the scale of `d`."""
    kind = d.adjustment if adjustment is None else adjustment
    s2 = 1.0 / (4.0 * n) if d.scale == ARCSINE else d.target * (1.0 - d.target) / n
    return _spread(d, s2, kind)


def limits(d: Dispersion, n: float, confidence: float, adjustment: str | None = None) -> tuple[float, float]:
    """Control limits (lower, upper) at denominator n, as rates clipped to [0, 1]."""
    half = normal_quantile(0.5 + confidence / 2.0) * standard_error(d, n, adjustment)
    if d.scale == ARCSINE:
        centre = _angle(d.target)
        return math.sin(max(0.0, centre - half)) ** 2, math.sin(min(math.pi / 2, centre + half)) ** 2
    return max(0.0, d.target - half), min(1.0, d.target + half)


def z_score(d: Dispersion, x: int, n: int, adjustment: str | None = None) -> float:
    se = standard_error(d, n, adjustment)
    if se <= 0.0:
        return 0.0
    if d.scale == ARCSINE:
        return (_angle(x / n) - _angle(d.target)) / se
    return (x / n - d.target) / se


def two_sided_p(z: float) -> float:
    """Two-sided normal p-value of a z-score."""
    return math.erfc(abs(z) / math.sqrt(2.0))
