"""Spiegelhalter's overdispersion adjustment on 43 areas, against independent computations.

Oracles: statsmodels' DerSimonian-Laird tau^2 (with no winsorising, I phi is Cochran's Q about
the pooled rate, so tau^2 must equal statsmodels' to rounding), and a separate numpy
implementation of the winsorised estimate (numpy's default percentile is R's type 7, which the
FunnelPlotR package uses). Tolerances: 1e-9 for phi and tau^2, 1e-6 for limits.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from oracles import oracle

from xlplugin.core import overdispersion as od
from xlplugin.core.funnel import StageRecord, build_funnel
from xlplugin.core.funnel_plot import funnel_plot

np = oracle("numpy")
meta = oracle("statsmodels.stats.meta_analysis")
scipy_stats = oracle("scipy.stats")

AREAS = Path(__file__).parent / "data" / "comparison" / "areas-43.csv"


def _records():
    with AREAS.open(newline="") as f:
        return [
            StageRecord(stage=r["stage"], count=r["count"], base=r["base"], programme=r["programme"], line=i)
            for i, r in enumerate(csv.DictReader(f), 2)
        ]


def _points():
    funnel = build_funnel(_records())
    return [
        (p.stage("Disclosures").count.low, p.stage("Right-to-ask applications").count.low) for p in funnel.programmes
    ]


def _numpy_reference(points, winsor=0.1):
    x = np.array([a for a, _ in points], float)
    n = np.array([b for _, b in points], float)
    theta = x.sum() / n.sum()
    s = np.sqrt(theta * (1 - theta) / n)
    z = (x / n - theta) / s
    lo, hi = np.percentile(z, [100 * winsor, 100 * (1 - winsor)])
    zw = np.clip(z, lo, hi)
    k = len(z)
    phi = np.mean(zw**2)
    w = 1 / s**2
    tau2 = max(0.0, (k * phi - (k - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    return theta, phi, tau2


def test_43_areas_has_43_areas():
    assert len(_points()) == 43


def test_unwinsorised_tau2_is_dersimonian_laird():
    points = _points()
    d = od.estimate(points, od.ADDITIVE, winsor=0.0)
    x = np.array([a for a, _ in points], float)
    n = np.array([b for _, b in points], float)
    res = meta.combine_effects(x / n, d.target * (1 - d.target) / n, method_re="dl")
    assert d.tau2 == pytest.approx(res.tau2, abs=1e-9)
    assert len(points) * d.phi == pytest.approx(res.q, rel=1e-9)


def test_winsorised_phi_tau2_and_limits_match_numpy_reference():
    points = _points()
    theta, phi, tau2 = _numpy_reference(points)
    d = od.estimate(points)
    assert d.target == pytest.approx(theta, abs=1e-12)
    assert d.phi == pytest.approx(phi, abs=1e-9)
    assert d.tau2 == pytest.approx(tau2, abs=1e-9)
    assert d.overdispersed and d.adjustment == od.ADDITIVE
    for n in (23, 100, 1000, 4100):
        s2 = theta * (1 - theta) / n
        for conf in (0.95, 0.998):
            z = scipy_stats.norm.ppf(0.5 + conf / 2)
            assert od.limits(d, n, conf) == pytest.approx(
                (max(0, theta - z * np.sqrt(s2 + tau2)), min(1, theta + z * np.sqrt(s2 + tau2))), abs=1e-6
            )
            assert od.limits(d, n, conf, od.MULTIPLICATIVE) == pytest.approx(
                (max(0, theta - z * np.sqrt(phi * s2)), min(1, theta + z * np.sqrt(phi * s2))), abs=1e-6
            )
            assert od.limits(d, n, conf, od.NONE) == pytest.approx(
                (max(0, theta - z * np.sqrt(s2)), min(1, theta + z * np.sqrt(s2))), abs=1e-6
            )


def test_fewer_areas_flagged_after_adjustment():
    fp = funnel_plot(build_funnel(_records()))
    assert fp is not None and fp.dispersion.adjustment == od.ADDITIVE
    plain_95 = sum(p.outside_95_plain for p in fp.points)
    adjusted_95 = sum(p.outside_95 for p in fp.points)
    plain_998 = sum(p.outside_998_plain for p in fp.points)
    adjusted_998 = sum(p.outside_998 for p in fp.points)
    assert adjusted_95 < plain_95 and adjusted_998 < plain_998
    assert plain_95 > 43 // 2  # the plain limits cry wolf on these data
    # the adjusted z-score of each point, recomputed from the numpy reference
    theta, _phi, tau2 = _numpy_reference(_points())
    for p in fp.points:
        z = (p.rate - theta) / np.sqrt(theta * (1 - theta) / p.n + tau2)
        assert p.z == pytest.approx(z, abs=1e-9)
        assert p.p_value == pytest.approx(2 * scipy_stats.norm.sf(abs(z)), abs=1e-12)
        assert p.p_plain == pytest.approx(scipy_stats.binomtest(p.x, p.n, theta).pvalue, rel=1e-6)


def test_not_overdispersed_data_keep_plain_limits():
    # rates exactly at the target: phi is 0, auto keeps the plain limits
    points = [(50, 100), (100, 200), (150, 300), (200, 400)]
    d = od.estimate(points)
    assert d.phi == 0.0 and not d.overdispersed and d.adjustment == od.NONE
    assert od.estimate(points, od.MULTIPLICATIVE).adjustment == od.MULTIPLICATIVE
    with pytest.raises(ValueError):
        od.estimate(points, "sideways")


def test_quantile_is_type_7():
    values = [3.0, 1.0, 4.0, 1.5, 9.0, 2.6]
    for q in (0.0, 0.1, 0.5, 0.9, 1.0):
        assert od.quantile(values, q) == pytest.approx(float(np.percentile(values, 100 * q)), abs=1e-12)


REFERENCE = Path(__file__).parent / "data" / "reference"


def test_phi_reproduces_funnelplotr_published_value():
    # FunnelPlotR 0.6.0's own test: phi 2.948033 (published to 6 decimals, so |error| < 5e-7) for six
    # standardised ratios under its default SHMI method: z = sqrt(E) log(O / E), truncated 10% each end
    with (REFERENCE / "funnelplotr-classes-example.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    observed = [float(r["numerator"]) for r in rows]
    expected = [float(r["denominator"]) for r in rows]
    z = [float(np.sqrt(e) * np.log(o / e)) for o, e in zip(observed, expected, strict=True)]
    s = [float(1 / np.sqrt(e)) for e in expected]
    phi, tau2 = od.phi_tau2(z, s, 0.1, od.TRUNCATE)
    assert phi == pytest.approx(2.948033, abs=5e-7)
    # winsorising (this package's default for proportions) is a different estimate on the same data
    assert od.phi_tau2(z, s, 0.1, od.WINSORISE)[0] < 2.5
    # tau^2 by FunnelPlotR's tau_func (R/od_adjustment.R) on the six kept groups, in numpy
    w = 1 / np.array(s) ** 2
    assert tau2 == pytest.approx((6 * phi - 5) / (w.sum() - (w**2).sum() / w.sum()), abs=1e-12)
    assert tau2 > 0


def test_truncation_drops_the_extreme_tenths_by_rank():
    # 20 areas: ranks 1, 2 (floor(10 r / 21) = 0) and 19, 20 (= 9) are dropped, as FunnelPlotR's truncation
    z = [float(v) for v in range(-10, 10)]
    kept = od.trimmed(z, 0.1, od.TRUNCATE)
    assert [v for v, k in zip(z, kept, strict=True) if k is None] == [-10.0, -9.0, 8.0, 9.0]
    phi, _ = od.phi_tau2(z, [1.0] * 20, 0.1, od.TRUNCATE)
    assert phi == pytest.approx(sum(v * v for v in range(-8, 8)) / 16, abs=1e-12)
    assert od.average_ranks([2.0, 1.0, 2.0, 3.0]) == [2.5, 1.0, 2.5, 4.0]
    with pytest.raises(ValueError):
        od.trimmed(z, 0.1, "sideways")


def _funnelplotr_pr(points, trim_by=0.1):
    """FunnelPlotR 0.6.0's proportion path, transcribed into numpy from its R source (R/od_adjustment.R:
    transformed_zscore, winsorisation, phi_func, tau_func; R/calculate_limits.R, data_type "PR")."""
    num = np.array([a for a, _ in points], float)
    den = np.array([b for _, b in points], float)
    target = np.arcsin(np.sqrt(num.sum() / den.sum()))
    y = np.arcsin(np.sqrt(num / den))
    s = 1 / (2 * np.sqrt(den))
    uz = (y - target) / s
    lz, hz = np.percentile(uz, [100 * trim_by, 100 * (1 - trim_by)])  # R's quantile type 7
    wz = np.where(uz < lz, lz, np.where(uz > hz, hz, uz))
    n = len(wz)
    phi = (1 / n) * np.sum(wz**2)
    tau2 = (
        0.0
        if n * phi < n - 1
        else max(0.0, (n * phi - (n - 1)) / (np.sum(1 / s**2) - np.sum((1 / s**2) ** 2) / np.sum(1 / s**2)))
    )

    def lims(number, z):
        sn = 1 / (2 * np.sqrt(number))
        return np.sin(target - z * np.sqrt(sn**2 + tau2)) ** 2, np.sin(target + z * np.sqrt(sn**2 + tau2)) ** 2

    return phi, tau2, lims


def test_arcsine_scale_matches_funnelplotr_proportions():
    # no published FunnelPlotR value exists for proportions: its R code, transcribed (above), is the reference;
    # FunnelPlotR's z of 1.959964 and 3.090232 are rounded, so limits agree to 1e-6 (phi, tau^2 to 1e-9)
    points = _points()
    phi, tau2, lims = _funnelplotr_pr(points)
    d = od.estimate(points, od.ADDITIVE, scale=od.ARCSINE)
    assert d.phi == pytest.approx(phi, abs=1e-9) and d.tau2 == pytest.approx(tau2, abs=1e-9)
    assert d.phi > 1 and d.tau2 > 0
    for n in (23, 100, 1000, 4100):
        assert od.limits(d, n, 0.95) == pytest.approx(lims(n, 1.959964), abs=1e-6)
        assert od.limits(d, n, 0.998) == pytest.approx(lims(n, 3.090232), abs=1e-6)
    # the plain-scale estimate (this package's default) is a different, close, number
    assert od.estimate(points, od.ADDITIVE).phi != pytest.approx(d.phi, abs=1e-3)
    with pytest.raises(ValueError):
        od.estimate(points, scale="log")
