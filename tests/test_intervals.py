"""xlplugin.core.intervals against published values, the shared oracles and scipy/statsmodels.

scipy and statsmodels are test-only oracles: the package itself is pure Python.
The property sweep runs a moderate number of examples so the suite stays fast; set
XLPLUGIN_SWEEP_EXAMPLES=20000 (and pytest -s) for a long run that prints the worst
error per method.  Measured 2026-11-26 (worst |ours - scipy/statsmodels|):
this sweep at 20,000 examples: wilson 4.4e-16, wilson_cc 4.4e-15, exact 7.7e-14,
jeffreys 7.7e-14, agresti_coull 6.7e-16, wald 2.2e-16; 60,000 further random cases:
exact and jeffreys 1.5e-13, the rest <= 4.4e-15.  The beta-quantile differences are
scipy's: in 40-digit checks of the two worst cases our limits solve the defining
equation to 2e-15, scipy's to 4e-12 and 2e-11.
"""

from __future__ import annotations

import csv
import math
import os
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from oracles import oracle

from xlplugin.core import intervals as iv
from xlplugin.core.intervals import (
    METHODS,
    binom_two_sided_p,
    diff_ci_newcombe,
    funnel_limits,
    normal_quantile,
    proportion_ci,
)

scipy_stats = oracle("scipy.stats")
scipy_special = oracle("scipy.special")
sm_proportion = oracle("statsmodels.stats.proportion")

ORACLES = Path(__file__).parent / "data" / "oracles" / "binomial_ci.csv"
TOLERANCE = 1e-9

# Oracle method name -> our method; the others are handled separately below.
ORACLE_METHODS = {
    "wilson": "wilson",
    "wilson_cc": "wilson_cc",
    "clopper_pearson": "exact",
    "jeffreys_bcd_adjusted": "jeffreys",
    "agresti_coull_statsmodels": "agresti_coull",
    "wald_clipped": "wald",
}


def _oracle_rows():
    with ORACLES.open(newline="") as handle:
        return list(csv.DictReader(handle))


# ------------------------------------------------------------------ shared oracles


@pytest.mark.parametrize(
    "row",
    [r for r in _oracle_rows() if r["method"] in ORACLE_METHODS],
    ids=lambda r: f"{r['method']}-{r['x']}/{r['n']}@{r['conf']}",
)
def test_matches_shared_oracle(row):
    lower, upper = proportion_ci(int(row["x"]), int(row["n"]), float(row["conf"]), ORACLE_METHODS[row["method"]])
    # the oracle has 12 decimals, so 5e-13 of rounding
    assert lower == pytest.approx(float(row["lower"]), abs=TOLERANCE)
    assert upper == pytest.approx(float(row["upper"]), abs=TOLERANCE)


def test_oracle_covers_every_method_and_case():
    rows = _oracle_rows()
    assert len(rows) == 144
    assert {ORACLE_METHODS[r["method"]] for r in rows if r["method"] in ORACLE_METHODS} == set(METHODS)
    assert {(r["x"], r["n"]) for r in rows} == {
        ("62", "1000"),
        ("62", "669"),
        ("82", "669"),
        ("156", "669"),
        ("669", "1000"),
        ("0", "10"),
        ("10", "10"),
        ("1", "3"),
    }


@pytest.mark.parametrize(
    "row",
    [r for r in _oracle_rows() if r["method"] == "jeffreys_statsmodels"],
    ids=lambda r: f"{r['x']}/{r['n']}@{r['conf']}",
)
def test_jeffreys_differs_from_statsmodels_only_by_the_boundary_fix(row):
    x, n, conf = int(row["x"]), int(row["n"]), float(row["conf"])
    lower, upper = proportion_ci(x, n, conf, "jeffreys")
    tail = (1 - conf) / 2
    raw_lower = iv.beta_quantile(tail, x + 0.5, n - x + 0.5)
    raw_upper = iv.beta_quantile(tail, x + 0.5, n - x + 0.5, upper_tail=True)
    assert raw_lower == pytest.approx(float(row["lower"]), abs=TOLERANCE)
    assert raw_upper == pytest.approx(float(row["upper"]), abs=TOLERANCE)
    assert lower == (0.0 if x == 0 else raw_lower)
    assert upper == (1.0 if x == n else raw_upper)


@pytest.mark.parametrize(
    "row",
    [r for r in _oracle_rows() if r["method"] == "wald_unclipped"],
    ids=lambda r: f"{r['x']}/{r['n']}@{r['conf']}",
)
def test_wald_unclipped_rows_agree_once_clipped(row):
    lower, upper = proportion_ci(int(row["x"]), int(row["n"]), float(row["conf"]), "wald")
    assert lower == pytest.approx(min(max(float(row["lower"]), 0.0), 1.0), abs=TOLERANCE)
    assert upper == pytest.approx(min(max(float(row["upper"]), 0.0), 1.0), abs=TOLERANCE)


# ------------------------------------------------------------------ published values


@pytest.mark.parametrize(
    "x, n, low, high",
    [
        # Newcombe (1998a) Table I, Wilson score, 95%
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_newcombe_1998_table_wilson(x, n, low, high):
    lower, upper = proportion_ci(x, n, 0.95, "wilson")
    assert lower == pytest.approx(low, abs=0.5e-4)
    assert upper == pytest.approx(high, abs=0.5e-4)


def test_founding_case_wilson_interval():
    # issue 2: interested 62 of 669 visited, Wilson 95% 7.30%-11.70%
    lower, upper = proportion_ci(62, 669)
    assert round(lower * 100, 2) == 7.30
    assert round(upper * 100, 2) == 11.70


def test_newcombe_1998_difference_example():
    # Newcombe (1998b): 56/70 vs 48/80, hybrid score (method 10) 0.0524 to 0.3339
    difference, lower, upper = diff_ci_newcombe(56, 70, 48, 80)
    assert difference == pytest.approx(0.2, abs=1e-15)
    assert lower == pytest.approx(0.0524, abs=0.5e-4)
    assert upper == pytest.approx(0.3339, abs=0.5e-4)


def test_funnel_normal_published_check():
    # target 0.09, n = 669, 95%: 0.068314 to 0.111686
    lower, upper = funnel_limits(0.09, 669)
    assert lower == pytest.approx(0.068314, abs=0.5e-6)
    assert upper == pytest.approx(0.111686, abs=0.5e-6)
    half = 1.959963984540054 * math.sqrt(0.09 * 0.91 / 669)
    assert (lower, upper) == pytest.approx((0.09 - half, 0.09 + half), abs=1e-15)


def test_normal_quantile_known_values():
    assert normal_quantile(0.5) == 0.0
    assert normal_quantile(0.975) == pytest.approx(1.959963984540054, rel=1e-15)
    assert normal_quantile(0.999) == pytest.approx(3.090232306167813, rel=1e-15)
    assert normal_quantile(1e-300) == pytest.approx(-37.0470962993612, rel=1e-14)


# ------------------------------------------------------------------ property sweeps


def _reference_ci(x, n, confidence, method):
    """scipy/statsmodels for each method, with our documented conventions applied."""
    if method == "wilson_cc":
        ci = scipy_stats.binomtest(x, n).proportion_ci(confidence_level=confidence, method="wilsoncc")
        return max(float(ci.low), 0.0), min(float(ci.high), 1.0)
    name = {
        "wilson": "wilson",
        "exact": "beta",
        "jeffreys": "jeffreys",
        "agresti_coull": "agresti_coull",
        "wald": "normal",
    }[method]
    lower, upper = sm_proportion.proportion_confint(x, n, alpha=1 - confidence, method=name)
    if method == "jeffreys":  # Brown-Cai-DasGupta boundary fix
        lower = 0.0 if x == 0 else lower
        upper = 1.0 if x == n else upper
    return min(max(float(lower), 0.0), 1.0), min(max(float(upper), 0.0), 1.0)


@st.composite
def counts(draw, max_n=10**6):
    n = draw(st.one_of(st.integers(1, 40), st.integers(1, max_n), st.integers(0, 6).map(lambda e: 10**e)))
    x = draw(st.one_of(st.integers(0, n), st.integers(0, min(n, 3)), st.integers(0, min(n, 3)).map(lambda k: n - k)))
    return x, n


confidences = st.one_of(st.floats(0.5, 0.999), st.sampled_from([0.5, 0.8, 0.9, 0.95, 0.99, 0.998, 0.999]))


SWEEP_EXAMPLES = int(os.environ.get("XLPLUGIN_SWEEP_EXAMPLES", "300"))
WORST: dict[str, float] = {}


@pytest.fixture(scope="module", autouse=True)
def _print_worst_errors():
    yield
    if "XLPLUGIN_SWEEP_EXAMPLES" in os.environ and WORST:
        print("\nworst |error| by method:", {m: f"{e:.2e}" for m, e in WORST.items()})


@settings(max_examples=SWEEP_EXAMPLES, deadline=None)
@given(counts(), confidences)
@example((123_456, 10**6), 0.95)
@example((1, 10**6), 0.999)
@example((10**6 - 1, 10**6), 0.999)
@example((0, 10**6), 0.999)
@example((500_000, 10**6), 0.5)
@example((1, 1), 0.5)
def test_every_method_matches_scipy_statsmodels(case, confidence):
    x, n = case
    for method in METHODS:
        lower, upper = proportion_ci(x, n, confidence, method)
        ref_lower, ref_upper = _reference_ci(x, n, confidence, method)
        WORST[method] = max(WORST.get(method, 0.0), abs(lower - ref_lower), abs(upper - ref_upper))
        assert abs(lower - ref_lower) <= TOLERANCE, (method, x, n, confidence, lower, ref_lower)
        assert abs(upper - ref_upper) <= TOLERANCE, (method, x, n, confidence, upper, ref_upper)
        assert 0.0 <= lower <= upper <= 1.0


@settings(max_examples=100, deadline=None)
@given(counts(), confidences)
def test_wilson_cc_matches_newcombe_closed_form(case, confidence):
    # Newcombe (1998) method 4, written out independently of scipy
    x, n = case
    z = scipy_special.ndtri(0.5 + confidence / 2)
    p, q = x / n, 1 - x / n
    low, high = 0.0, 1.0  # the formula's own convention at x = 0 and x = n
    if x > 0:
        low = (2 * n * p + z * z - 1 - z * math.sqrt(z * z - 2 - 1 / n + 4 * p * (n * q + 1))) / (2 * (n + z * z))
    if x < n:
        high = (2 * n * p + z * z + 1 + z * math.sqrt(z * z + 2 - 1 / n + 4 * p * (n * q - 1))) / (2 * (n + z * z))
    low, high = max(low, 0.0), min(high, 1.0)
    assert proportion_ci(x, n, confidence, "wilson_cc") == pytest.approx((low, high), abs=TOLERANCE)


@settings(max_examples=200, deadline=None)
@given(st.floats(1e-300, 1 - 1e-16))
def test_normal_quantile_matches_scipy(p):
    assert normal_quantile(p) == pytest.approx(scipy_special.ndtri(p), rel=1e-14, abs=1e-300)


@settings(max_examples=200, deadline=None)
@given(st.floats(0.5, 1e6), st.floats(0.5, 1e6), st.floats(1e-6, 1 - 1e-6))
def test_beta_quantile_matches_scipy_and_inverts_cdf(a, b, p):
    x = iv.beta_quantile(p, a, b)
    assert x == pytest.approx(scipy_stats.beta.ppf(p, a, b), abs=TOLERANCE)
    # x inverts the cdf to within a few floating-point steps (near 1 with small b,
    # one step of x moves the cdf by far more than 1e-9, so compare neighbours).  The
    # cdf itself is good to ~5e-11 absolute when a << b and x is just above the mean
    # (the continued fraction then works with 1 - x close to 1).
    step = 4 * math.ulp(x)
    assert iv.beta_cdf(x - step, a, b) - 1e-10 <= p <= iv.beta_cdf(x + step, a, b) + 1e-10
    upper = iv.beta_quantile(p, a, b, upper_tail=True)
    assert upper == pytest.approx(scipy_stats.beta.isf(p, a, b), abs=TOLERANCE)


def test_incomplete_beta_keeps_precision_for_large_parameters():
    # I_x(2, b) = 1 - (1-x)^b (1 + b x) exactly; the naive lgamma prefactor is ~1e-9 off here
    b, x = 701276.5, 3.1e-6
    exact = -math.expm1(b * math.log1p(-x)) - math.exp(b * math.log1p(-x)) * b * x
    assert iv.beta_cdf(x, 2, b) == pytest.approx(exact, rel=1e-12)


@settings(max_examples=200, deadline=None)
@given(counts(), counts(), confidences)
@example((56, 70), (48, 80), 0.95)
@example((0, 10), (10, 10), 0.95)
@example((0, 1), (0, 10**6), 0.999)
def test_newcombe_difference_matches_statsmodels(first, second, confidence):
    (x1, n1), (x2, n2) = first, second
    difference, lower, upper = diff_ci_newcombe(x1, n1, x2, n2, confidence)
    ref_lower, ref_upper = sm_proportion.confint_proportions_2indep(
        x1, n1, x2, n2, method="newcomb", compare="diff", alpha=1 - confidence
    )
    assert difference == pytest.approx(x1 / n1 - x2 / n2, abs=1e-15)
    assert lower == pytest.approx(ref_lower, abs=TOLERANCE)
    assert upper == pytest.approx(ref_upper, abs=TOLERANCE)
    assert -1.0 <= lower <= difference <= upper <= 1.0


def _reference_exact_funnel(target, n, confidence):
    """Spiegelhalter's interpolated binomial limits, computed with scipy.stats.binom."""
    limits = []
    for p in ((1 - confidence) / 2, (1 + confidence) / 2):
        r = scipy_stats.binom.ppf(p, n, target)
        alpha = (scipy_stats.binom.cdf(r, n, target) - p) / scipy_stats.binom.pmf(r, n, target)
        limits.append(min(max((r - alpha) / n, 0.0), 1.0))
    return tuple(limits)


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(st.floats(0.001, 0.999), st.floats(1e-5, 0.01)),
    st.one_of(st.integers(1, 100), st.integers(1, 10**6)),
    confidences,
)
@example(0.09, 669, 0.95)
@example(0.09, 669, 0.998)
@example(0.5, 1, 0.95)
def test_funnel_exact_matches_scipy_formula(target, n, confidence):
    lower, upper = funnel_limits(target, n, confidence, "exact")
    ref_lower, ref_upper = _reference_exact_funnel(target, n, confidence)
    assert lower == pytest.approx(ref_lower, abs=TOLERANCE)
    assert upper == pytest.approx(ref_upper, abs=TOLERANCE)
    assert 0.0 <= lower <= upper <= 1.0


def test_funnel_exact_close_to_normal_for_large_n_and_wider_at_higher_confidence():
    normal = funnel_limits(0.09, 669)
    exact = funnel_limits(0.09, 669, method="exact")
    assert exact == pytest.approx((0.068128, 0.111536), abs=0.5e-6)
    assert exact == pytest.approx(normal, abs=5e-4)
    wide = funnel_limits(0.09, 669, 0.998, "exact")
    assert wide[0] < exact[0] and wide[1] > exact[1]


@settings(max_examples=100, deadline=None)
@given(st.floats(0, 1), st.floats(1e-3, 1e7), confidences)
def test_funnel_normal_formula(target, n, confidence):
    half = scipy_special.ndtri(0.5 + confidence / 2) * math.sqrt(target * (1 - target) / n)
    expected = (min(max(target - half, 0.0), 1.0), min(max(target + half, 0.0), 1.0))
    assert funnel_limits(target, n, confidence) == pytest.approx(expected, abs=1e-12)


def test_funnel_degenerate_targets():
    assert funnel_limits(0.0, 50, method="exact") == (0.0, 0.0)
    assert funnel_limits(1.0, 50, method="exact") == (1.0, 1.0)
    assert funnel_limits(0.0, 50) == (0.0, 0.0)


@settings(max_examples=300, deadline=None)
@given(counts(max_n=10**5), st.one_of(st.floats(1e-12, 1 - 1e-12), st.sampled_from([0.0, 0.5, 1.0, 0.09, 0.3])))
@example((62, 1000), 0.09)
@example((3, 6), 0.5)
@example((0, 5), 0.0)
@example((2, 5), 0.0)
@example((5, 5), 1.0)
@example((4, 5), 1.0)
def test_binomial_test_matches_scipy(case, p):
    x, n = case
    assert binom_two_sided_p(x, n, p) == pytest.approx(scipy_stats.binomtest(x, n, p).pvalue, abs=1e-12, rel=1e-9)


def _exact_tails(x: int, n: int, p: float) -> tuple[float, float, float]:
    """pmf, cdf and sf of Binomial(n, p) at x in exact rational arithmetic: the terms of the shorter
    side are summed (from k = 0 up to x, or from k = n down to x + 1), the other is 1 minus that."""
    q = Fraction(p)
    ratio = q / (1 - q)
    if x < n - x:
        term, lower = (1 - q) ** n, Fraction(0)
        for k in range(x + 1):
            if k:
                term = term * (n - k + 1) / k * ratio
            lower += term
        return float(term), float(lower), float(1 - lower)
    term, upper = q**n, Fraction(0)
    for k in range(n, x, -1):
        upper += term
        term = term * k / (n - k + 1) / ratio  # now the term at k - 1
    return float(term), float(1 - upper), float(upper)


#: Within fifty decades of the double underflow threshold scipy's binomial tails (Boost's incomplete
#: beta) lose relative accuracy: 2e-4 at 8.6e-297, where exact rational arithmetic agrees with ours to
#: 1e-13. There the reference is the exact sum where it is affordable (n up to EXACT_N), else scipy to
#: its order of magnitude only.
DEEP = 1e-250
EXACT_N = 1000


@settings(max_examples=100, deadline=None)
@given(counts(max_n=10**6), st.floats(1e-4, 1 - 1e-4))
@example((19, 98), 0.9998999999999999)  # scipy's cdf is 2e-4 off here
def test_binomial_distribution_helpers_match_scipy(case, p):
    x, n = case
    ours = (iv.binom_pmf(x, n, p), iv.binom_cdf(x, n, p), iv.binom_sf(x, n, p))
    theirs = (scipy_stats.binom.pmf(x, n, p), scipy_stats.binom.cdf(x, n, p), scipy_stats.binom.sf(x, n, p))
    exact = _exact_tails(x, n, p) if n <= EXACT_N and min(theirs) < DEEP else None
    for i, (mine, scipy_value) in enumerate(zip(ours, theirs, strict=True)):
        if exact is not None:
            assert mine == pytest.approx(exact[i], rel=1e-12, abs=1e-300)
        elif max(mine, scipy_value) < DEEP:
            assert mine == pytest.approx(scipy_value, rel=1e-2, abs=1e-300)
        else:
            assert mine == pytest.approx(scipy_value, rel=1e-9, abs=1e-300)


@pytest.mark.parametrize("x, n, p", [(19, 98, 0.9998999999999999), (0, 700, 0.63), (3, 400, 0.82), (90, 100, 1e-4)])
def test_deep_binomial_tails_match_exact_rational_arithmetic(x, n, p):
    """Where scipy is not accurate enough to be the reference: the exact sums, to 1e-12 relative."""
    pmf, cdf, sf = _exact_tails(x, n, p)
    assert 0 < pmf < DEEP or 0 < cdf < DEEP or sf < DEEP  # each case is in the deep tail scipy misses
    assert iv.binom_pmf(x, n, p) == pytest.approx(pmf, rel=1e-12)
    assert iv.binom_cdf(x, n, p) == pytest.approx(cdf, rel=1e-12)
    assert iv.binom_sf(x, n, p) == pytest.approx(sf, rel=1e-12)


def test_binomial_test_known_value():
    # 62 of 1000 against 9%: clearly below (two-sided p ~ 0.0013)
    p = binom_two_sided_p(62, 1000, 0.09)
    assert p == pytest.approx(scipy_stats.binomtest(62, 1000, 0.09).pvalue, rel=1e-9)
    assert 0.0005 < p < 0.005
    assert binom_two_sided_p(3, 6, 0.5) == 1.0


# ------------------------------------------------------------------ inputs


def test_method_names_aliases_and_whole_floats():
    assert proportion_ci(62, 669, method="clopper_pearson") == proportion_ci(62, 669, method="exact")
    assert proportion_ci(62, 669, method="Clopper-Pearson") == proportion_ci(62, 669, method="exact")
    assert proportion_ci(62, 669, method=" Wilson ") == proportion_ci(62, 669)
    assert proportion_ci(62.0, 669.0) == proportion_ci(62, 669)
    assert proportion_ci(62, 669, Fraction(95, 100)) == proportion_ci(62, 669, 0.95)


@pytest.mark.parametrize("method", METHODS)
def test_every_method_at_the_boundaries(method):
    assert proportion_ci(0, 10, 0.95, method)[0] == 0.0
    assert proportion_ci(10, 10, 0.95, method)[1] == 1.0
    for x, n in [(0, 1), (1, 1), (0, 10**6), (10**6, 10**6), (1, 10**6)]:
        lower, upper = proportion_ci(x, n, 0.999, method)
        assert 0.0 <= lower <= upper <= 1.0


@pytest.mark.parametrize(
    "call",
    [
        lambda: proportion_ci(0, 0),
        lambda: proportion_ci(0.0, 0.0, 0.9, "exact"),
        lambda: diff_ci_newcombe(0, 0, 1, 2),
        lambda: diff_ci_newcombe(1, 2, 0, 0),
        lambda: funnel_limits(0.1, 0),
        lambda: funnel_limits(0.1, 0, method="exact"),
    ],
)
def test_empty_denominator_is_zero_division(call):
    with pytest.raises(ZeroDivisionError):
        call()


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: proportion_ci(-1, 10), "negative"),
        (lambda: proportion_ci(1, -10), "negative"),
        (lambda: proportion_ci(11, 10), "exceed"),
        (lambda: proportion_ci(1.5, 10), "whole number"),
        (lambda: proportion_ci(1, 10.5), "whole number"),
        (lambda: proportion_ci("3", 10), "whole number"),
        (lambda: proportion_ci(None, 10), "whole number"),
        (lambda: proportion_ci(True, 10), "whole number"),
        (lambda: proportion_ci(float("nan"), 10), "whole number"),
        (lambda: proportion_ci(float("inf"), 10), "whole number"),
        (lambda: proportion_ci(1, 10, 0), "between 0 and 1"),
        (lambda: proportion_ci(1, 10, 1), "between 0 and 1"),
        (lambda: proportion_ci(1, 10, 95), "between 0 and 1"),
        (lambda: proportion_ci(1, 10, -0.5), "between 0 and 1"),
        (lambda: proportion_ci(1, 10, float("nan")), "between 0 and 1"),
        (lambda: proportion_ci(1, 10, "0.95"), "number"),
        (lambda: proportion_ci(1, 10, 0.95, "bayes"), "unknown method"),
        (lambda: proportion_ci(1, 10, 0.95, None), "method"),
        (lambda: diff_ci_newcombe(5, 4, 1, 2), "exceed"),
        (lambda: diff_ci_newcombe(1, 2, 1, 2, 1.5), "between 0 and 1"),
        (lambda: funnel_limits(1.2, 100), "between 0 and 1"),
        (lambda: funnel_limits(-0.1, 100), "between 0 and 1"),
        (lambda: funnel_limits(0.1, -5), "positive"),
        (lambda: funnel_limits(0.1, 10.5, method="exact"), "whole number"),
        (lambda: funnel_limits(0.1, 100, method="poisson"), "unknown method"),
        (lambda: funnel_limits(0.1, 100, 1.0), "between 0 and 1"),
        (lambda: binom_two_sided_p(3, 10, 1.5), "between 0 and 1"),
        (lambda: binom_two_sided_p(11, 10, 0.5), "exceed"),
        (lambda: normal_quantile(0.0), "between 0 and 1"),
        (lambda: normal_quantile(1.0), "between 0 and 1"),
    ],
)
def test_bad_input_is_a_value_error_with_a_clear_message(call, words):
    with pytest.raises(ValueError, match=words):
        call()
