"""Exact binomial funnel-plot limits for small denominators, against scipy.stats.binom (a test-only oracle).

Spiegelhalter (2005, Statistics in Medicine, appendix): the lower p-limit at denominator n is
(r - alpha) / n with r the p-quantile of Binomial(n, target) and
alpha = (F(r) - p) / (F(r) - F(r - 1)); the upper limit is the same from the top (1 minus the lower
limit for 1 - target). Tolerance 1e-9 (both are double-precision beta functions).
"""

from __future__ import annotations

import pytest
from oracles import oracle

from xlplugin.core import overdispersion as od
from xlplugin.core.funnel import StageRecord, build_funnel
from xlplugin.core.funnel_plot import binomial_limit, funnel_plot, plain_limits
from xlplugin.report import load_report_layout

binom = oracle("scipy.stats").binom


def _scipy_limit(target, n, p):
    r = binom.ppf(p, n, target)
    f_r, f_below = binom.cdf(r, n, target), binom.cdf(r - 1, n, target)
    alpha = (f_r - p) / (f_r - f_below) if f_r > f_below else 0.0
    return min(1.0, max(0.0, (r - alpha) / n))


@pytest.mark.parametrize("target", [0.03, 0.2, 0.45, 0.9])
@pytest.mark.parametrize("n", [1, 2, 7, 23, 150, 4100])
def test_limits_are_scipy_binomial_quantiles_interpolated(target, n):
    for p in (0.001, 0.025, 0.975, 0.999):
        assert binomial_limit(target, n, p) == pytest.approx(_scipy_limit(target, n, p), abs=1e-9)
    for conf, tail in ((0.95, 0.025), (0.998, 0.001)):
        want = (_scipy_limit(target, n, tail), 1 - _scipy_limit(1 - target, n, tail))
        assert plain_limits(target, n, conf) == pytest.approx(want, abs=1e-9)


@pytest.mark.parametrize("n", [5, 12, 23, 60])
def test_a_count_is_outside_exactly_when_its_binomial_tail_is(n):
    target = 0.3
    low, high = plain_limits(target, n, 0.95)
    for x in range(n + 1):
        assert (x / n < low) == (binom.cdf(x, n, target) < 0.025), (n, x)
        assert (x / n > high) == (binom.sf(x - 1, n, target) < 0.025), (n, x)


def _areas(rows):
    records = []
    for i, (name, x, n) in enumerate(rows):
        records.append(StageRecord(stage="Applications", count=str(n), programme=name, line=2 * i + 2))
        records.append(
            StageRecord(stage="Disclosures", count=str(x), base="Applications", programme=name, line=2 * i + 3)
        )
    return records


SMALL = [("Big A", 400, 1000), ("Big B", 380, 1000), ("Big C", 410, 1000), ("Tiny", 6, 8), ("Small", 1, 9)]


def test_small_denominators_are_judged_by_the_exact_limits():
    fp = funnel_plot(build_funnel(_areas(SMALL)), od.NONE)
    assert fp is not None and fp.dispersion.adjustment == od.NONE
    target = fp.dispersion.target
    for pt in fp.points:
        low, high = binom.cdf(pt.x, pt.n, target), binom.sf(pt.x - 1, pt.n, target)
        assert pt.outside_95_plain == (low < 0.025 or high < 0.025), pt.name
        assert pt.outside_95 == pt.outside_95_plain
    tiny = next(pt for pt in fp.points if pt.name == "Tiny")
    # 6 of 8 against about 39%: inside the exact 95% limits (P(X >= 6) is about 3%) though the normal
    # approximation's z-score is above 1.96
    assert tiny.z_plain > 1.96 and not tiny.outside_95_plain


def test_the_limits_table_states_the_exact_limits_the_chart_draws(tmp_path):
    path = tmp_path / "small.csv"
    path.write_text(
        "programme,stage,count,base\n"
        + "".join(f"{name},Applications,{n},\n{name},Disclosures,{x},Applications\n" for name, x, n in SMALL),
        encoding="utf-8",
    )
    layout = load_report_layout(path, overdispersion="none")
    sheet = layout.sheet("funnel_plot_limits")
    headers = sheet.table.headers
    assert headers[0] == "Denominator (number)" and headers[1] == "Target rate (%)"
    assert [h.removesuffix(" limit (%)") for h in headers[2:6]] == [
        "95% lower",
        "95% upper",
        "99.8% lower",
        "99.8% upper",
    ]
    target = sheet.table.rows[0][1].value
    ns = [row[0].value for row in sheet.table.rows]
    assert ns == sorted(set(ns)) and all(isinstance(n, int) and n >= 1 for n in ns) and ns[0] <= 8
    for row in sheet.table.rows:
        n = row[0].value
        got = [c.value for c in row[2:6]]
        want = [_scipy_limit(target, n, 0.025), 1 - _scipy_limit(1 - target, n, 0.025)]
        want += [_scipy_limit(target, n, 0.001), 1 - _scipy_limit(1 - target, n, 0.001)]
        assert got == pytest.approx(want, abs=1e-9), n
    assert any("exact binomial" in line.text for line in sheet.lines)
    # the chart's limit series are those columns of that table
    chart = layout.sheet("funnel_plot").chart
    assert any(s.values.sheet == sheet.name and s.values.first_col == 2 for s in chart.series)
