"""The UPTAKE_* Excel functions: the core's numbers, Excel's argument conventions, error literals.

On Linux xlwings' func/arg/ret are no-ops, so the functions are called directly with the values
xlwings hands them: floats (classic, 62.0) or ints (Office.js), None for empty cells, lists of
lists for ranges.
"""

from __future__ import annotations

import ast
import datetime as dt
import inspect
import math
import re
import typing
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracles import oracle
from udf_helpers import BASES, COUNTS, FIRST_EIGHT, FUNCTIONS, STAGES, UNITS, raising, walk

from xlplugin.core import claims, intervals, rates
from xlplugin.core.counts import Count
from xlplugin.core.funnel import StageRecord, build_funnel
from xlplugin.excel import functions as udfs
from xlplugin.excel.args import EXCEL_ERRORS

UDFS = FUNCTIONS
ERRORS = {"#DIV/0!", "#NUM!", "#VALUE!", "#N/A"}


def met_programme(with_units: bool = True):
    records = [
        StageRecord(s[0], int(c[0]), b[0], u[0] if with_units else None)
        for s, c, b, u in zip(STAGES, COUNTS, BASES, UNITS, strict=False)
    ]
    return build_funnel(records).programmes[0]


# ------------------------------------------------------------------ the Met figures


def test_rate_is_the_cores_rate_for_each_published_figure():
    assert udfs.UPTAKE_RATE(62.0, 1000.0) == 62 / 1000
    assert udfs.UPTAKE_RATE(62, 669) == 62 / 669  # Office.js sends ints
    assert udfs.UPTAKE_RATE(82.0, 669.0) == 82 / 669
    assert udfs.UPTAKE_RATE([[62.0]], [[669.0]]) == 62 / 669  # a 1x1 range is one value


def test_ci_is_the_cores_interval():
    for method in intervals.METHODS:
        got = udfs.UPTAKE_CI(62.0, 669.0, 0.95, method)
        assert got == [list(intervals.proportion_ci(62, 669, 0.95, method))]
    assert udfs.UPTAKE_CI(62.0, 669.0) == [list(intervals.proportion_ci(62, 669))]
    assert udfs.UPTAKE_CI(62.0, 669.0, None, None) == [list(intervals.proportion_ci(62, 669))]
    assert udfs.UPTAKE_CI(62.0, 669.0, "99%", "Clopper-Pearson") == [
        list(intervals.proportion_ci(62, 669, 0.99, "exact"))
    ]


def test_funnel_table_is_the_cores_funnel_rates():
    table = udfs.UPTAKE_FUNNEL(STAGES, COUNTS, BASES, UNITS)
    assert table[0] == udfs.FUNNEL_HEADER
    core = {r.stage: r for r in rates.funnel_rates(met_programme())}
    by_stage = {row[0]: row for row in table[1:]}
    assert list(by_stage) == [s[0] for s in STAGES]
    visited = by_stage["Visited"]
    assert visited == [
        "Visited",
        669,
        "Identified for a visit",
        core["Visited"].rate,
        core["Visited"].ci_lower,
        core["Visited"].ci_upper,
        0.669,
        331,
        "[z]",
        "",
    ]
    interested = by_stage["Interested in diversion"]
    r = core["Interested in diversion"]
    assert interested == [
        "Interested in diversion",
        62,
        "Visited",
        r.rate,
        r.ci_lower,
        r.ci_upper,
        0.062,
        607,
        "[z]",
        "",
    ]
    assert interested[3] == 62 / 669
    # the first stage has no base: its rates do not apply
    assert by_stage["Identified for a visit"] == ["Identified for a visit", 1000, "", *["[z]"] * 6, ""]
    # 156 contacts per 669 people is a ratio, never a percentage of people: a number with its unit beside it
    assert by_stage["Follow-up engagements"][3:8] == ["[z]"] * 5
    assert by_stage["Follow-up engagements"][8:] == [156 / 669, "contacts per person"]
    # the 20 who phoned in are outside the funnel
    assert by_stage["Contacted police about diversion"] == [
        "Contacted police about diversion",
        20,
        "none",
        *["[z]"] * 6,
        "",
    ]


def test_funnel_without_bases_or_units_uses_the_previous_stage_and_people():
    table = udfs.UPTAKE_FUNNEL(STAGES[:2], COUNTS[:2])
    assert table[2][:4] == ["Visited", 669, "Identified for a visit", 0.669]


def test_funnel_shows_suppressed_counts_as_gss_markers():
    table = udfs.UPTAKE_FUNNEL([["All"], ["Some"], ["Few"]], [[1000.0], ["<5"], ["[x]"]])
    assert table[2][:3] == ["Some", "<5", "All"]
    assert table[2][3] == "[c]"  # no exact rate
    rr = rates.rate_range(Count(0, 4, "suppressed", "<5"), Count.of(1000))
    lo, hi = rr.ci_lower, rr.ci_upper
    assert table[2][4:6] == [lo, hi]  # the envelope still bounds it
    assert table[2][7] == "[c]"
    assert table[3][1] == "[x]" and table[3][3] == "[x]"


def test_claim_matches_the_cores_verdicts_for_the_three_published_claims():
    assert udfs.UPTAKE_CLAIM("just over 6%", 62.0, 1000.0) is True
    assert udfs.UPTAKE_CLAIM("9%", 62.0, 669.0) is True
    assert udfs.UPTAKE_CLAIM("12%", 82.0, 669.0) is True
    assert udfs.UPTAKE_CLAIM("12%", 62.0, 669.0) is False
    assert udfs.UPTAKE_CLAIM("one in 16", 62, 1000) is claims.claim_matches("one in 16", 62, 1000)
    assert udfs.UPTAKE_CLAIM("9%", 62.0, 1000.0) is False


def test_explain_lists_the_cores_definitions():
    table = udfs.UPTAKE_EXPLAIN("12%", STAGES, COUNTS, BASES)
    assert table[0] == udfs.EXPLAIN_HEADER
    funnel = build_funnel([StageRecord(s[0], int(c[0]), b[0]) for s, c, b in zip(STAGES, COUNTS, BASES, strict=False)])
    core = claims.explain_claim("12%", funnel)
    assert len(table) == len(core) + 1
    for row, match in zip(table[1:], core, strict=False):
        assert row[:4] == [" + ".join(match.numerator), match.denominator, float(match.value), match.subset]
    first = table[1]
    assert first[:2] == ["Interested in diversion + Contacted police about diversion", "Visited"]
    assert first[2] == 82 / 669 and first[3] is False
    assert first[4] == "numerator not a subset of the denominator"
    nine = udfs.UPTAKE_EXPLAIN("9%", STAGES, COUNTS, BASES)
    assert nine[1][:4] == ["Interested in diversion", "Visited", 62 / 669, True]
    assert udfs.UPTAKE_EXPLAIN("71%", STAGES, COUNTS, BASES) == "#N/A"  # nothing reproduces it


def test_bounds_are_the_cores_rate_range():
    got = udfs.UPTAKE_BOUNDS("<5", 669.0)
    rr = rates.rate_range(Count(0, 4, "suppressed", "<5"), Count.of(669))
    assert got == [[rr.rate_low, rr.rate_high, rr.ci_lower, rr.ci_upper]]
    assert got[0][:2] == [0.0, 4 / 669]
    got = udfs.UPTAKE_BOUNDS(60.0, 670.0, 0.95, 10.0)  # both rounded to the nearest 10
    rr = rates.rate_range(Count(55, 65, "rounded", "60"), Count(665, 675, "rounded", "670"))
    assert got == [[rr.rate_low, rr.rate_high, rr.ci_lower, rr.ci_upper]]
    assert got[0][:2] == [55 / 675, 65 / 665]
    assert udfs.UPTAKE_BOUNDS(60, 670, None, "nearest10") == got
    exact = udfs.UPTAKE_BOUNDS(62.0, 669.0)
    lo, hi = intervals.proportion_ci(62, 669)
    assert exact == [[62 / 669, 62 / 669, lo, hi]]
    assert udfs.UPTAKE_BOUNDS("[c]", "1,000")[0][1] == 4 / 1000


def test_compare_is_newcombes_interval():
    got = udfs.UPTAKE_COMPARE(62.0, 669.0, 62.0, 1000.0)
    assert got == [list(intervals.diff_ci_newcombe(62, 669, 62, 1000))]
    assert got[0][0] == pytest.approx(62 / 669 - 62 / 1000)
    assert udfs.UPTAKE_COMPARE(56, 70, 48, 80, 0.95) == [list(intervals.diff_ci_newcombe(56, 70, 48, 80))]


def test_limits_are_the_cores_funnel_limits():
    assert udfs.UPTAKE_LIMITS(0.09, 669.0) == [list(intervals.funnel_limits(0.09, 669))]
    assert udfs.UPTAKE_LIMITS(0.09, 669.0)[0] == pytest.approx([0.068314, 0.111686], abs=1e-6)
    assert udfs.UPTAKE_LIMITS("9%", 669, 0.998, "exact") == [list(intervals.funnel_limits(0.09, 669, 0.998, "exact"))]
    column = udfs.UPTAKE_LIMITS(0.09, [[100.0], [669.0], [1000.0], [None]])
    assert column == [list(intervals.funnel_limits(0.09, n)) for n in (100, 669, 1000)]


# ------------------------------------------------------------------ UPTAKE_CI against scipy/statsmodels

CI_CASES = [(62, 669), (62, 1000), (82, 669), (156, 669), (669, 1000), (0, 10), (10, 10), (1, 3), (3, 7), (1, 1)]


def oracle_ci(x: int, n: int, confidence: float, method: str) -> tuple[float, float]:
    scipy_stats = oracle("scipy.stats")
    proportion = oracle("statsmodels.stats.proportion")
    if method == "wilson_cc":
        ci = scipy_stats.binomtest(x, n).proportion_ci(confidence, method="wilsoncc")
        return ci.low, ci.high
    if method == "exact":
        ci = scipy_stats.binomtest(x, n).proportion_ci(confidence, method="exact")
        return ci.low, ci.high
    name = {"wilson": "wilson", "jeffreys": "jeffreys", "agresti_coull": "agresti_coull", "wald": "normal"}[method]
    lo, hi = proportion.proportion_confint(x, n, alpha=1 - confidence, method=name)
    if method == "jeffreys":  # Brown-Cai-DasGupta boundary fix; statsmodels has none
        lo = 0.0 if x == 0 else lo
        hi = 1.0 if x == n else hi
    return min(max(lo, 0.0), 1.0), min(max(hi, 0.0), 1.0)


@pytest.mark.parametrize("method", intervals.METHODS)
@pytest.mark.parametrize("confidence", [0.95, 0.998, 0.8])
def test_uptake_ci_agrees_with_scipy_and_statsmodels(method, confidence):
    for x, n in CI_CASES:
        got = udfs.UPTAKE_CI(float(x), float(n), confidence, method)
        want = oracle_ci(x, n, confidence, method)
        assert got[0] == pytest.approx(list(want), abs=1e-9), (x, n, method, confidence)


def test_uptake_ci_column_agrees_with_the_oracle_row_by_row():
    xs = [[float(x)] for x, _ in CI_CASES]
    ns = [[float(n)] for _, n in CI_CASES]
    got = udfs.UPTAKE_CI(xs, ns, 0.95, "exact")
    assert len(got) == len(CI_CASES)
    for row, (x, n) in zip(got, CI_CASES, strict=False):
        assert row == pytest.approx(list(oracle_ci(x, n, 0.95, "exact")), abs=1e-9)


# ------------------------------------------------------------------ Excel's conventions


def test_text_counts_are_read_and_empty_scalars_from_office_js():
    assert udfs.UPTAKE_RATE("62", "1,000") == 0.062
    assert udfs.UPTAKE_RATE(" 62 ", "669.0") == 62 / 669
    assert udfs.UPTAKE_RATE(0, 669) == 0.0  # Office.js may send 0 for an empty cell: 0 of 669
    assert udfs.UPTAKE_RATE(62, 0) == "#DIV/0!"  # as =62/A1 with A1 empty


def test_rate_broadcasts_a_column_against_a_single_cell_with_errors_in_place():
    got = udfs.UPTAKE_RATE([[62.0], [None], ["x"], [700.0], [True], [-1.0], [2.5], ["#N/A"], [0.0]], [[669.0]])
    assert got == [[62 / 669], ["#N/A"], ["#VALUE!"], ["#NUM!"], ["#VALUE!"], ["#NUM!"], ["#NUM!"], ["#N/A"], [0.0]]


def test_rate_broadcasts_column_against_column_and_pads_like_excel():
    got = udfs.UPTAKE_RATE([[62.0], [20.0], [1.0]], [[669.0], [0.0]])
    assert got == [[62 / 669], ["#DIV/0!"], ["#N/A"]]
    got = udfs.UPTAKE_RATE([[1.0, 2.0], [3.0, 4.0]], [[4.0, 8.0], [6.0, 0.0]])  # element-wise 2x2
    assert got == [[0.25, 0.25], [0.5, "#DIV/0!"]]


def test_trailing_blank_rows_are_ignored_and_inner_blanks_are_na():
    got = udfs.UPTAKE_RATE(
        [[62.0], [None], [20.0], [None], [""], [None]], [[669.0], [669.0], [669.0], [None], [None], [None]]
    )
    assert got == [[62 / 669], ["#N/A"], [20 / 669]]


def test_ci_broadcasts_a_column_one_interval_per_row():
    got = udfs.UPTAKE_CI([[62.0], [20.0], [0.0], [5.0]], [[669.0], [669.0], [0.0], [2.0]])
    assert got[0] == list(intervals.proportion_ci(62, 669))
    assert got[1] == list(intervals.proportion_ci(20, 669))
    assert got[2] == ["#DIV/0!", "#DIV/0!"]
    assert got[3] == ["#NUM!", "#NUM!"]


def test_100000_row_column_spills_100000_results_in_one_call():
    rows = 100_000
    nums = [[float(i % 671)] for i in range(rows)]  # 670 of 669 is #NUM!, in its own row
    dens = [[669.0] for _ in range(rows)]
    got = udfs.UPTAKE_RATE(nums, dens)
    assert len(got) == rows
    assert all(len(r) == 1 for r in got)
    assert got[62] == [62 / 669]
    assert got[669] == [1.0]
    assert got[670] == ["#NUM!"]
    assert got[671] == [0.0] and got[671 + 62] == [62 / 669]
    assert sum(1 for (v,) in got if v == "#NUM!") == rows // 671 + (1 if rows % 671 > 670 else 0)
    ints = udfs.UPTAKE_RATE([[i % 670] for i in range(rows)], [[669]])  # Office.js ints, one denominator
    assert len(ints) == rows and ints[62] == [62 / 669]


# ------------------------------------------------------------------ the bad-input matrix

R, CI, FUN, CLAIM, EXPL, BOUNDS, CMP, LIM = FIRST_EIGHT
WHEN = dt.datetime(2021, 6, 17)
BAD_INPUTS = [
    # UPTAKE_RATE
    ("rate: empty numerator", R, (None, 669.0), "#N/A"),
    ("rate: empty denominator", R, (62.0, None), "#N/A"),
    ("rate: empty-string numerator", R, ("", 669.0), "#N/A"),
    ("rate: text", R, ("sixty", 669.0), "#VALUE!"),
    ("rate: suppressed text is not a number", R, ("<5", 669.0), "#VALUE!"),
    ("rate: negative", R, (-1.0, 669.0), "#NUM!"),
    ("rate: negative text", R, ("-62", 669.0), "#NUM!"),
    ("rate: fractional", R, (6.5, 669.0), "#NUM!"),
    ("rate: fractional text", R, ("6.5", 669.0), "#NUM!"),
    ("rate: huge", R, (62.0, 1e300), "#NUM!"),
    ("rate: inf", R, (math.inf, 669.0), "#NUM!"),
    ("rate: nan", R, (62.0, math.nan), "#NUM!"),
    ("rate: TRUE", R, (True, 669.0), "#VALUE!"),
    ("rate: FALSE denominator", R, (62.0, False), "#VALUE!"),
    ("rate: date", R, (WHEN, 669.0), "#VALUE!"),
    ("rate: date only", R, (62.0, WHEN.date()), "#VALUE!"),
    ("rate: error #N/A passes through", R, ("#N/A", 669.0), "#N/A"),
    ("rate: error #REF! (not a custom-function result) is #VALUE!", R, (62.0, "#REF!"), "#VALUE!"),
    ("rate: error #NUM! passes through", R, ("#num!", 669.0), "#NUM!"),
    ("rate: zero denominator", R, (62.0, 0.0), "#DIV/0!"),
    ("rate: numerator above denominator", R, (670.0, 669.0), "#NUM!"),
    ("rate: ragged range", R, ([[62.0], [1.0, 2.0]], 669.0), "#VALUE!"),
    ("rate: all-blank range", R, ([[None], [None]], 669.0), "#N/A"),
    ("rate: empty list", R, ([], 669.0), "#N/A"),
    # UPTAKE_CI
    ("ci: confidence -0.5", CI, (62.0, 669.0, -0.5), "#NUM!"),  # 0 is an empty cell via Office.js: the default
    ("ci: confidence 1", CI, (62.0, 669.0, 1.0), "#NUM!"),
    ("ci: confidence 95 (percent as a number)", CI, (62.0, 669.0, 95.0), "#NUM!"),
    ("ci: confidence nan", CI, (62.0, 669.0, math.nan), "#NUM!"),
    ("ci: confidence text", CI, (62.0, 669.0, "high"), "#VALUE!"),
    ("ci: confidence TRUE", CI, (62.0, 669.0, True), "#VALUE!"),
    ("ci: unknown method", CI, (62.0, 669.0, 0.95, "bayes"), "#VALUE!"),
    ("ci: method as a number", CI, (62.0, 669.0, 0.95, 3.0), "#VALUE!"),
    ("ci: two-column range", CI, ([[62.0, 20.0]], [[669.0, 669.0]]), "#VALUE!"),
    ("ci: ragged range", CI, ([[62.0], []], 669.0), "#VALUE!"),
    # UPTAKE_FUNNEL
    ("funnel: empty stages", FUN, (None, COUNTS), "#N/A"),
    ("funnel: stages and counts differ in length", FUN, (STAGES, COUNTS[:3]), "#VALUE!"),
    ("funnel: negative count", FUN, (STAGES[:2], [[1000.0], [-5.0]]), "#NUM!"),
    ("funnel: count above its base", FUN, (STAGES[:2], [[669.0], [1000.0]]), "#NUM!"),
    ("funnel: text count", FUN, (STAGES[:2], [[1000.0], ["many"]]), "#VALUE!"),
    ("funnel: boolean count", FUN, (STAGES[:2], [[1000.0], [True]]), "#VALUE!"),
    ("funnel: error in counts", FUN, (STAGES[:2], [[1000.0], ["#DIV/0!"]]), "#DIV/0!"),
    ("funnel: duplicate stage", FUN, ([["A"], ["A"]], [[10.0], [5.0]]), "#VALUE!"),
    ("funnel: unknown base", FUN, (STAGES[:2], COUNTS[:2], [[None], ["Nowhere"]]), "#VALUE!"),
    ("funnel: blank stage name inside", FUN, ([["A"], [None], ["C"]], [[10.0], [5.0], [2.0]]), "#N/A"),
    ("funnel: 2-D block of stages", FUN, ([["A", "B"], ["C", "D"]], COUNTS[:2]), "#VALUE!"),
    ("funnel: mixed range (date count)", FUN, (STAGES[:2], [[1000.0], [WHEN]]), "#VALUE!"),
    # UPTAKE_CLAIM
    ("claim: empty claim", CLAIM, (None, 62.0, 669.0), "#N/A"),
    ("claim: unreadable claim", CLAIM, ("lots", 62.0, 669.0), "#VALUE!"),
    ("claim: number instead of claim text", CLAIM, (0.09, 62.0, 669.0), "#VALUE!"),
    ("claim: zero denominator", CLAIM, ("9%", 62.0, 0.0), "#DIV/0!"),
    ("claim: numerator above denominator", CLAIM, ("9%", 700.0, 669.0), "#NUM!"),
    ("claim: fractional", CLAIM, ("9%", 62.5, 669.0), "#NUM!"),
    ("claim: error in claim", CLAIM, ("#N/A", 62.0, 669.0), "#N/A"),
    # UPTAKE_EXPLAIN
    ("explain: empty claim", EXPL, ("", STAGES, COUNTS), "#N/A"),
    ("explain: unreadable claim", EXPL, ("most of them", STAGES, COUNTS), "#VALUE!"),
    ("explain: ragged stages", EXPL, ("9%", [["A"], ["B", "C"]], COUNTS[:2]), "#VALUE!"),
    ("explain: inf count", EXPL, ("9%", STAGES[:2], [[math.inf], [5.0]]), "#NUM!"),
    ("explain: a count claim is not one pair's rate", EXPL, ("62 people", STAGES, COUNTS), "#VALUE!"),
    # UPTAKE_VERDICT
    ("verdict: empty claim", udfs.UPTAKE_VERDICT, ("", STAGES, COUNTS), "#N/A"),
    ("verdict: unreadable claim", udfs.UPTAKE_VERDICT, ("most of them", STAGES, COUNTS), "#VALUE!"),
    ("verdict: ragged stages", udfs.UPTAKE_VERDICT, ("9%", [["A"], ["B", "C"]], COUNTS[:2]), "#VALUE!"),
    ("verdict: text count", udfs.UPTAKE_VERDICT, ("9%", STAGES[:2], [[1000.0], ["many"]]), "#VALUE!"),
    # UPTAKE_BOUNDS
    ("bounds: empty numerator", BOUNDS, (None, 669.0), "#N/A"),
    ("bounds: unknown marker", BOUNDS, ("[q]", 669.0), "#VALUE!"),
    ("bounds: <0 is no count", BOUNDS, ("<0", 669.0), "#VALUE!"),
    ("bounds: rounding text", BOUNDS, (60.0, 670.0, 0.95, "roughly"), "#VALUE!"),
    ("bounds: negative rounding", BOUNDS, (60.0, 670.0, 0.95, -5.0), "#NUM!"),
    ("bounds: fractional rounding", BOUNDS, (60.0, 670.0, 0.95, 2.5), "#NUM!"),
    ("bounds: zero denominator", BOUNDS, ("<5", 0.0), "#DIV/0!"),
    ("bounds: numerator above denominator", BOUNDS, (700.0, "<5"), "#NUM!"),
    ("bounds: boolean", BOUNDS, (False, 669.0), "#VALUE!"),
    # UPTAKE_COMPARE
    ("compare: zero denominator", CMP, (62.0, 669.0, 62.0, 0.0), "#DIV/0!"),
    ("compare: empty", CMP, (62.0, None, 62.0, 1000.0), "#N/A"),
    ("compare: numerator above denominator", CMP, (62.0, 669.0, 1001.0, 1000.0), "#NUM!"),
    ("compare: text", CMP, (62.0, 669.0, "n/a", 1000.0), "#VALUE!"),
    ("compare: confidence above 1", CMP, (62.0, 669.0, 62.0, 1000.0, 1.5), "#NUM!"),
    # UPTAKE_LIMITS
    ("limits: target above 1", LIM, (1.5, 669.0), "#NUM!"),
    ("limits: negative target", LIM, (-0.1, 669.0), "#NUM!"),
    ("limits: empty target", LIM, (None, 669.0), "#N/A"),
    ("limits: text target", LIM, ("target", 669.0), "#VALUE!"),
    ("limits: zero denominator", LIM, (0.09, 0.0), [["#DIV/0!", "#DIV/0!"]]),
    ("limits: fractional denominator", LIM, (0.09, 66.9), [["#NUM!", "#NUM!"]]),
    ("limits: unknown method", LIM, (0.09, 669.0, 0.95, "poisson"), "#VALUE!"),
    ("limits: two-column denominators", LIM, (0.09, [[669.0, 1000.0]]), "#VALUE!"),
    # UPTAKE_CASES
    ("cases: empty range", udfs.UPTAKE_CASES, (None,), "#N/A"),
    ("cases: unparseable stage cell", udfs.UPTAKE_CASES, ([[1.0, "perhaps"]],), "#VALUE!"),
    ("cases: ordered not a boolean", udfs.UPTAKE_CASES, ([[1.0, 0.0]], "sometimes"), "#VALUE!"),
    # UPTAKE_CHECK
    ("check: empty text", udfs.UPTAKE_CHECK, ("", STAGES, COUNTS), "#N/A"),
    ("check: number instead of text", udfs.UPTAKE_CHECK, (9.0, STAGES, COUNTS), "#VALUE!"),
    ("check: no figures in the text", udfs.UPTAKE_CHECK, ("No figures here.", STAGES, COUNTS), "#N/A"),
    ("check: negative count", udfs.UPTAKE_CHECK, ("Just 6%.", STAGES[:2], [[1000.0], [-1.0]]), "#NUM!"),
    ("check: error in text", udfs.UPTAKE_CHECK, ("#DIV/0!", STAGES, COUNTS), "#DIV/0!"),
]


def test_the_bad_input_matrix_is_large_and_covers_every_function():
    assert len(BAD_INPUTS) >= 40
    assert {f for _, f, _, _ in BAD_INPUTS} == set(UDFS)


@pytest.mark.parametrize("name,function,args,expected", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_gives_the_documented_error_literal(name, function, args, expected):
    with raising():  # an unexpected exception must fail the test, not hide behind #VALUE!
        got = function(*args)
    assert got == expected
    for value in walk(got):
        assert not (isinstance(value, float) and not math.isfinite(value))


# ------------------------------------------------------------------ arbitrary Excel-shaped input

excel_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.integers(min_value=0, max_value=2000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=0, max_value=2000).map(float.__floor__).map(float),
    st.text(max_size=12),
    st.sampled_from(
        [
            "1,000",
            "<5",
            "[c]",
            "*",
            "[x]",
            "#N/A",
            "#DIV/0!",
            "9%",
            "just over 6%",
            "one in 16",
            "",
            " ",
            "exact",
            "wilson",
            "normal",
            "nearest5",
            "none",
            "0.95",
            "-3",
            "1e3",
        ]
    ),
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1)),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)),
)
excel_values = st.one_of(
    excel_scalars,
    st.lists(st.lists(excel_scalars, max_size=4), max_size=6),  # ranges, ragged or not
    st.integers(1, 5).flatmap(lambda w: st.lists(st.lists(excel_scalars, min_size=w, max_size=w), max_size=6)),
)
ARITY = {
    f: (
        sum(p.default is inspect.Parameter.empty for p in inspect.signature(f).parameters.values()),
        len(inspect.signature(f).parameters),
    )
    for f in UDFS
}


def _check_result(result):
    allowed = (str, int, float, bool)
    if isinstance(result, list):
        assert result, "an empty list cannot be written to Excel"
        width = len(result[0])
        for row in result:
            assert isinstance(row, list) and len(row) == width, "results must be rectangular"
            for value in row:
                assert isinstance(value, allowed) or value is None
                assert not (isinstance(value, float) and not math.isfinite(value))
    else:
        assert isinstance(result, allowed), type(result)
        assert not (isinstance(result, float) and not math.isfinite(result))
    for value in walk(result):  # Office.js turns returned error texts into errors: only these four
        if isinstance(value, str) and value.strip().upper() in EXCEL_ERRORS:
            assert value in ERRORS


@pytest.mark.parametrize("function", UDFS, ids=[f.__name__ for f in UDFS])
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_arbitrary_excel_values_never_raise_and_never_give_nan(function, data):
    low, high = ARITY[function]
    n = data.draw(st.integers(low, high))
    args = [data.draw(excel_values) for _ in range(n)]
    with raising():
        result = function(*args)
    _check_result(result)


def test_an_unexpected_exception_becomes_value_and_is_logged(monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(intervals, "proportion_ci", broken)
    monkeypatch.delenv(udfs.RAISE_ENV, raising=False)
    assert udfs.UPTAKE_CI(62.0, 669.0) == "#VALUE!"
    assert "UPTAKE_CI failed" in caplog.text and "boom" in caplog.text
    monkeypatch.setenv(udfs.RAISE_ENV, "1")
    with pytest.raises(RuntimeError, match="boom"):
        udfs.UPTAKE_CI(62.0, 669.0)


# ------------------------------------------------------------------ the contract with Excel and xlwings

EXCEL_BUILTINS = set(
    [
        "ABS",
        "ACCRINT",
        "ACCRINTM",
        "ACOS",
        "ACOSH",
        "ACOT",
        "ACOTH",
        "ADDRESS",
        "AGGREGATE",
        "AMORDEGRC",
        "AMORLINC",
        "AND",
        "ARABIC",
        "AREAS",
        "ARRAYTOTEXT",
        "ASC",
        "ASIN",
        "ASINH",
        "ATAN",
        "ATAN2",
        "ATANH",
        "AVEDEV",
        "AVERAGE",
        "AVERAGEA",
        "AVERAGEIF",
        "AVERAGEIFS",
        "BAHTTEXT",
        "BASE",
        "BESSELI",
        "BESSELJ",
        "BESSELK",
        "BESSELY",
        "BETADIST",
        "BETAINV",
        "BIN2DEC",
        "BIN2HEX",
        "BIN2OCT",
        "BINOMDIST",
        "BITAND",
        "BITLSHIFT",
        "BITOR",
        "BITRSHIFT",
        "BITXOR",
        "BYCOL",
        "BYROW",
        "CALL",
        "CEILING",
        "CELL",
        "CHAR",
        "CHIDIST",
        "CHIINV",
        "CHITEST",
        "CHOOSE",
        "CHOOSECOLS",
        "CHOOSEROWS",
        "CLEAN",
        "CODE",
        "COLUMN",
        "COLUMNS",
        "COMBIN",
        "COMBINA",
        "COMPLEX",
        "CONCAT",
        "CONCATENATE",
        "CONFIDENCE",
        "CONVERT",
        "CORREL",
        "COS",
        "COSH",
        "COT",
        "COTH",
        "COUNT",
        "COUNTA",
        "COUNTBLANK",
        "COUNTIF",
        "COUNTIFS",
        "COUPDAYBS",
        "COUPDAYS",
        "COUPDAYSNC",
        "COUPNCD",
        "COUPNUM",
        "COUPPCD",
        "COVAR",
        "COVARIANCE",
        "CRITBINOM",
        "CSC",
        "CSCH",
        "CUBEKPIMEMBER",
        "CUBEMEMBER",
        "CUBEMEMBERPROPERTY",
        "CUBERANKEDMEMBER",
        "CUBESET",
        "CUBESETCOUNT",
        "CUBEVALUE",
        "CUMIPMT",
        "CUMPRINC",
        "DATE",
        "DATEDIF",
        "DATEVALUE",
        "DAVERAGE",
        "DAY",
        "DAYS",
        "DAYS360",
        "DB",
        "DBCS",
        "DCOUNT",
        "DCOUNTA",
        "DDB",
        "DEC2BIN",
        "DEC2HEX",
        "DEC2OCT",
        "DECIMAL",
        "DEGREES",
        "DELTA",
        "DEVSQ",
        "DGET",
        "DISC",
        "DMAX",
        "DMIN",
        "DOLLAR",
        "DOLLARDE",
        "DOLLARFR",
        "DPRODUCT",
        "DROP",
        "DSTDEV",
        "DSTDEVP",
        "DSUM",
        "DURATION",
        "DVAR",
        "DVARP",
        "EDATE",
        "EFFECT",
        "ENCODEURL",
        "EOMONTH",
        "ERF",
        "ERFC",
        "ERROR.TYPE",
        "EUROCONVERT",
        "EVEN",
        "EXACT",
        "EXP",
        "EXPAND",
        "EXPONDIST",
        "FACT",
        "FACTDOUBLE",
        "FALSE",
        "FDIST",
        "FILTER",
        "FILTERXML",
        "FIND",
        "FINDB",
        "FINV",
        "FISHER",
        "FISHERINV",
        "FIXED",
        "FLOOR",
        "FORECAST",
        "FORMULATEXT",
        "FREQUENCY",
        "FTEST",
        "FV",
        "FVSCHEDULE",
        "GAMMA",
        "GAMMADIST",
        "GAMMAINV",
        "GAMMALN",
        "GAUSS",
        "GCD",
        "GEOMEAN",
        "GESTEP",
        "GETPIVOTDATA",
        "GROUPBY",
        "GROWTH",
        "HARMEAN",
        "HEX2BIN",
        "HEX2DEC",
        "HEX2OCT",
        "HLOOKUP",
        "HOUR",
        "HSTACK",
        "HYPERLINK",
        "HYPGEOMDIST",
        "IF",
        "IFERROR",
        "IFNA",
        "IFS",
        "IMABS",
        "IMAGE",
        "IMAGINARY",
        "IMARGUMENT",
        "IMCONJUGATE",
        "IMCOS",
        "IMCOSH",
        "IMCOT",
        "IMCSC",
        "IMCSCH",
        "IMDIV",
        "IMEXP",
        "IMLN",
        "IMLOG10",
        "IMLOG2",
        "IMPOWER",
        "IMPRODUCT",
        "IMREAL",
        "IMSEC",
        "IMSECH",
        "IMSIN",
        "IMSINH",
        "IMSQRT",
        "IMSUB",
        "IMSUM",
        "IMTAN",
        "INDEX",
        "INDIRECT",
        "INFO",
        "INT",
        "INTERCEPT",
        "INTRATE",
        "IPMT",
        "IRR",
        "ISBLANK",
        "ISERR",
        "ISERROR",
        "ISEVEN",
        "ISFORMULA",
        "ISLOGICAL",
        "ISNA",
        "ISNONTEXT",
        "ISNUMBER",
        "ISODD",
        "ISOMITTED",
        "ISOWEEKNUM",
        "ISPMT",
        "ISREF",
        "ISTEXT",
        "JIS",
        "KURT",
        "LAMBDA",
        "LARGE",
        "LCM",
        "LEFT",
        "LEFTB",
        "LEN",
        "LENB",
        "LET",
        "LINEST",
        "LN",
        "LOG",
        "LOG10",
        "LOGEST",
        "LOGINV",
        "LOGNORMDIST",
        "LOOKUP",
        "LOWER",
        "MAKEARRAY",
        "MAP",
        "MATCH",
        "MAX",
        "MAXA",
        "MAXIFS",
        "MDETERM",
        "MDURATION",
        "MEDIAN",
        "MID",
        "MIDB",
        "MIN",
        "MINA",
        "MINIFS",
        "MINUTE",
        "MINVERSE",
        "MIRR",
        "MMULT",
        "MOD",
        "MODE",
        "MONTH",
        "MROUND",
        "MULTINOMIAL",
        "MUNIT",
        "N",
        "NA",
        "NEGBINOMDIST",
        "NETWORKDAYS",
        "NOMINAL",
        "NORMDIST",
        "NORMINV",
        "NORMSDIST",
        "NORMSINV",
        "NOT",
        "NOW",
        "NPER",
        "NPV",
        "NUMBERVALUE",
        "OCT2BIN",
        "OCT2DEC",
        "OCT2HEX",
        "ODD",
        "ODDFPRICE",
        "ODDFYIELD",
        "ODDLPRICE",
        "ODDLYIELD",
        "OR",
        "PDURATION",
        "PEARSON",
        "PERCENTILE",
        "PERCENTOF",
        "PERCENTRANK",
        "PERMUT",
        "PERMUTATIONA",
        "PHI",
        "PHONETIC",
        "PI",
        "PIVOTBY",
        "PMT",
        "POISSON",
        "POWER",
        "PPMT",
        "PRICE",
        "PRICEDISC",
        "PRICEMAT",
        "PROB",
        "PRODUCT",
        "PROPER",
        "PV",
        "QUARTILE",
        "QUOTIENT",
        "RADIANS",
        "RAND",
        "RANDARRAY",
        "RANDBETWEEN",
        "RANK",
        "RATE",
        "RECEIVED",
        "REDUCE",
        "REGEXEXTRACT",
        "REGEXREPLACE",
        "REGEXTEST",
        "REGISTER.ID",
        "REPLACE",
        "REPLACEB",
        "REPT",
        "RIGHT",
        "RIGHTB",
        "ROMAN",
        "ROUND",
        "ROUNDDOWN",
        "ROUNDUP",
        "ROW",
        "ROWS",
        "RRI",
        "RSQ",
        "RTD",
        "SCAN",
        "SEARCH",
        "SEARCHB",
        "SEC",
        "SECH",
        "SECOND",
        "SEQUENCE",
        "SERIESSUM",
        "SHEET",
        "SHEETS",
        "SIGN",
        "SIN",
        "SINH",
        "SKEW",
        "SLN",
        "SLOPE",
        "SMALL",
        "SORT",
        "SORTBY",
        "SQRT",
        "SQRTPI",
        "STANDARDIZE",
        "STDEV",
        "STDEVA",
        "STDEVP",
        "STDEVPA",
        "STEYX",
        "STOCKHISTORY",
        "SUBSTITUTE",
        "SUBTOTAL",
        "SUM",
        "SUMIF",
        "SUMIFS",
        "SUMPRODUCT",
        "SUMSQ",
        "SUMX2MY2",
        "SUMX2PY2",
        "SUMXMY2",
        "SWITCH",
        "SYD",
        "T",
        "TAKE",
        "TAN",
        "TANH",
        "TBILLEQ",
        "TBILLPRICE",
        "TBILLYIELD",
        "TDIST",
        "TEXT",
        "TEXTAFTER",
        "TEXTBEFORE",
        "TEXTJOIN",
        "TEXTSPLIT",
        "TIME",
        "TIMEVALUE",
        "TINV",
        "TOCOL",
        "TODAY",
        "TOROW",
        "TRANSLATE",
        "TRANSPOSE",
        "TREND",
        "TRIM",
        "TRIMMEAN",
        "TRIMRANGE",
        "TRUE",
        "TRUNC",
        "TTEST",
        "TYPE",
        "UNICHAR",
        "UNICODE",
        "UNIQUE",
        "UPPER",
        "USDOLLAR",
        "VALUE",
        "VALUETOTEXT",
        "VAR",
        "VARA",
        "VARP",
        "VARPA",
        "VDB",
        "VLOOKUP",
        "VSTACK",
        "WEBSERVICE",
        "WEEKDAY",
        "WEEKNUM",
        "WEIBULL",
        "WORKDAY",
        "WRAPCOLS",
        "WRAPROWS",
        "XIRR",
        "XLOOKUP",
        "XMATCH",
        "XNPV",
        "XOR",
        "YEAR",
        "YEARFRAC",
        "YIELD",
        "YIELDDISC",
        "YIELDMAT",
        "ZTEST",
        "BETA.DIST",
        "BETA.INV",
        "BINOM.DIST",
        "BINOM.DIST.RANGE",
        "BINOM.INV",
        "CEILING.MATH",
        "CEILING.PRECISE",
        "CHISQ.DIST",
        "CHISQ.DIST.RT",
        "CHISQ.INV",
        "CHISQ.INV.RT",
        "CHISQ.TEST",
        "CONFIDENCE.NORM",
        "CONFIDENCE.T",
        "COVARIANCE.P",
        "COVARIANCE.S",
        "ERF.PRECISE",
        "ERFC.PRECISE",
        "EXPON.DIST",
        "F.DIST",
        "F.DIST.RT",
        "F.INV",
        "F.INV.RT",
        "F.TEST",
        "FLOOR.MATH",
        "FLOOR.PRECISE",
        "FORECAST.ETS",
        "FORECAST.ETS.CONFINT",
        "FORECAST.ETS.SEASONALITY",
        "FORECAST.ETS.STAT",
        "FORECAST.LINEAR",
        "GAMMA.DIST",
        "GAMMA.INV",
        "GAMMALN.PRECISE",
        "HYPGEOM.DIST",
        "LOGNORM.DIST",
        "LOGNORM.INV",
        "MODE.MULT",
        "MODE.SNGL",
        "NEGBINOM.DIST",
        "NETWORKDAYS.INTL",
        "NORM.DIST",
        "NORM.INV",
        "NORM.S.DIST",
        "NORM.S.INV",
        "PERCENTILE.EXC",
        "PERCENTILE.INC",
        "PERCENTRANK.EXC",
        "PERCENTRANK.INC",
        "POISSON.DIST",
        "QUARTILE.EXC",
        "QUARTILE.INC",
        "RANK.AVG",
        "RANK.EQ",
        "STDEV.P",
        "STDEV.S",
        "T.DIST",
        "T.DIST.2T",
        "T.DIST.RT",
        "T.INV",
        "T.INV.2T",
        "T.TEST",
        "VAR.P",
        "VAR.S",
        "WEIBULL.DIST",
        "WORKDAY.INTL",
        "Z.TEST",
    ]
)

VBA_KEYWORDS = set(
    [
        "Access",
        "AddressOf",
        "Alias",
        "And",
        "Any",
        "Append",
        "As",
        "Attribute",
        "Base",
        "Binary",
        "Boolean",
        "ByRef",
        "Byte",
        "ByVal",
        "Call",
        "Case",
        "CBool",
        "CByte",
        "CCur",
        "CDate",
        "CDbl",
        "CDec",
        "CInt",
        "CLng",
        "CLngLng",
        "CLngPtr",
        "Close",
        "Compare",
        "Const",
        "CSng",
        "CStr",
        "Currency",
        "CVar",
        "CVErr",
        "Database",
        "Date",
        "Debug",
        "Decimal",
        "Declare",
        "DefBool",
        "DefByte",
        "DefCur",
        "DefDate",
        "DefDbl",
        "DefDec",
        "DefInt",
        "DefLng",
        "DefObj",
        "DefSng",
        "DefStr",
        "DefVar",
        "Dim",
        "Do",
        "Double",
        "Each",
        "Else",
        "ElseIf",
        "Empty",
        "End",
        "EndIf",
        "Enum",
        "Eqv",
        "Erase",
        "Error",
        "Event",
        "Exit",
        "Explicit",
        "False",
        "Fix",
        "For",
        "Friend",
        "Function",
        "Get",
        "Global",
        "GoSub",
        "GoTo",
        "If",
        "Imp",
        "Implements",
        "In",
        "Input",
        "Int",
        "Integer",
        "Is",
        "LBound",
        "Len",
        "LenB",
        "Let",
        "Lib",
        "Like",
        "Line",
        "Lock",
        "Long",
        "LongLong",
        "LongPtr",
        "Loop",
        "LSet",
        "Me",
        "Mid",
        "Mod",
        "Module",
        "Name",
        "New",
        "Next",
        "Not",
        "Nothing",
        "Null",
        "Object",
        "On",
        "Open",
        "Option",
        "Optional",
        "Or",
        "Output",
        "ParamArray",
        "Preserve",
        "Print",
        "Private",
        "Property",
        "PtrSafe",
        "Public",
        "Put",
        "RaiseEvent",
        "Random",
        "Read",
        "ReDim",
        "Rem",
        "Resume",
        "Return",
        "RSet",
        "Seek",
        "Select",
        "Set",
        "Shared",
        "Single",
        "Spc",
        "Static",
        "Step",
        "Stop",
        "String",
        "Sub",
        "Tab",
        "Text",
        "Then",
        "Time",
        "To",
        "True",
        "Type",
        "TypeOf",
        "UBound",
        "Unlock",
        "Until",
        "Variant",
        "Wend",
        "While",
        "With",
        "WithEvents",
        "Write",
        "Xor",
    ]
)
VBA_KEYWORDS_LOWER = {k.lower() for k in VBA_KEYWORDS}


def public_udfs():
    """Every function in the module that xlwings would register: UPPER_CASE callables defined there."""
    return [
        obj
        for name, obj in vars(udfs).items()
        if callable(obj) and name.isupper() and getattr(obj, "__module__", None) == udfs.__name__
    ]


def test_the_module_defines_exactly_the_listed_functions():
    assert sorted(f.__name__ for f in public_udfs()) == sorted(f.__name__ for f in UDFS)


@pytest.mark.parametrize("function", UDFS, ids=[f.__name__ for f in UDFS])
def test_udf_contract(function):
    name = function.__name__
    assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,254}", name), "a valid VBA identifier"
    assert name.upper() not in EXCEL_BUILTINS
    assert not re.fullmatch(r"[A-Za-z]{1,3}[0-9]+", name), "looks like an A1 cell reference"
    assert not re.fullmatch(r"[Rr][0-9]*[Cc][0-9]*", name), "looks like an R1C1 reference"
    assert name.upper() not in VBA_KEYWORDS_LOWER and name.lower() not in VBA_KEYWORDS_LOWER
    doc = function.__doc__
    assert doc and "\n" not in doc.strip() and len(doc) <= 255
    signature = inspect.signature(function)  # follows functools.wraps to the real parameters
    assert signature.parameters, "the guard must not hide the parameters"
    hints = typing.get_type_hints(function, include_extras=True)
    for parameter in signature.parameters.values():
        assert parameter.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD, "no keyword-only, *args or **kwargs"
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", parameter.name)
        assert parameter.name.lower() not in VBA_KEYWORDS_LOWER, parameter.name
        assert parameter.name.lower() != "caller"
        hint = hints[parameter.name]
        assert typing.get_origin(hint) is typing.Annotated
        meta = typing.get_args(hint)[1]
        assert isinstance(meta, dict) and meta.get("doc"), parameter.name
        assert len(meta["doc"]) <= 255 and "\n" not in meta["doc"]
    optional = [p for p in signature.parameters.values() if p.default is not inspect.Parameter.empty]
    required = [p for p in signature.parameters.values() if p.default is inspect.Parameter.empty]
    assert list(signature.parameters.values()) == required + optional


def test_optional_arguments_are_those_the_specification_names():
    def params(f):
        return [(p.name, p.default) for p in inspect.signature(f).parameters.values()]

    empty = inspect.Parameter.empty
    assert params(udfs.UPTAKE_RATE) == [("numerator", empty), ("denominator", empty)]
    assert params(udfs.UPTAKE_CI)[2:] == [("confidence", 0.95), ("method", "wilson")]
    assert params(udfs.UPTAKE_FUNNEL) == [("stages", empty), ("counts", empty), ("bases", None), ("units", None)]
    assert params(udfs.UPTAKE_CLAIM) == [("claim", empty), ("numerator", empty), ("denominator", empty)]
    assert params(udfs.UPTAKE_EXPLAIN)[3:] == [("bases", None), ("units", None)]
    assert params(udfs.UPTAKE_VERDICT)[3:] == [("bases", None), ("units", None), ("programme", None)]
    assert params(udfs.UPTAKE_BOUNDS)[2:] == [("confidence", 0.95), ("rounding", None)]
    assert params(udfs.UPTAKE_COMPARE)[4:] == [("confidence", 0.95)]
    assert params(udfs.UPTAKE_LIMITS)[2:] == [("confidence", 0.95), ("method", "normal")]


def test_udfs_module_imports_only_xlwings_decorators_the_core_and_stdlib():
    source = Path(udfs.__file__).read_text(encoding="utf-8")
    tree = ast.parse(source)
    stdlib = {"functools", "logging", "math", "os", "typing"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                assert alias.name in stdlib, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level or (node.module or "").startswith(("xlplugin.core", "xlplugin.excel")):
                continue  # the pure core and Excel's argument conventions
            if node.module == "xlplugin.articles.check":
                continue  # the article checker's pure finder and verdicts (its readers are not imported)
            if node.module == "xlwings":
                assert {a.name for a in node.names} <= {"func", "arg", "ret"}
            else:
                assert node.module in stdlib, node.module
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in {"open", "exec", "eval", "__import__"}
        elif isinstance(node, ast.keyword):
            assert node.arg not in {"namespace", "name", "expand", "caller"}, node.arg
    for banned in ("pywin32", "win32com", "openpyxl", "xlsxwriter", "pandas", "numpy"):
        assert banned not in source.lower().replace("no pywin32", "")


def classic_xlwings_registration():
    """xlwings' own classic (Windows) registration code, taken from the installed xlwings/udfs.py.

    That module imports pywin32 at the top, so only its pure registration functions are run here
    (xlfunc, xlarg and helpers, BSD-licensed): they read our signatures exactly as Excel's
    "Import Functions" will on Windows.
    """
    import importlib.util

    spec = importlib.util.find_spec("xlwings")
    source = (Path(spec.origin).parent / "udfs.py").read_text(encoding="utf-8")
    wanted = {
        "func_sig",
        "get_category",
        "get_async_mode",
        "check_bool",
        "extract_type_and_annotations",
        "xlfunc",
        "xlarg",
    }
    tree = ast.parse(source)
    defs = [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name in wanted]
    if {d.name for d in defs} != wanted:
        pytest.skip("this xlwings version organises its classic UDF registration differently")
    namespace = {
        "inspect": inspect,
        "dt": dt,
        "Any": typing.Any,
        "Callable": typing.Callable,
        "_F": typing.Any,
        "Annotated": typing.Annotated,
        "get_args": typing.get_args,
        "get_origin": typing.get_origin,
        "get_type_hints": typing.get_type_hints,
    }
    exec(compile(ast.Module(body=defs, type_ignores=[]), "xlwings/udfs.py", "exec"), namespace)  # noqa: S102
    return namespace["xlfunc"], namespace["xlarg"]


@pytest.mark.parametrize("function", UDFS, ids=[f.__name__ for f in UDFS])
def test_classic_xlwings_registers_our_parameters_and_docs(function):
    xlfunc, xlarg = classic_xlwings_registration()
    import functools

    copy = functools.wraps(function)(lambda *args: function(*args))  # leave the real function untouched
    signature = inspect.signature(function)
    for name in signature.parameters:
        if name in {"numerator", "denominator", "stages", "counts", "bases", "units"}:
            xlarg(name, ndim=2)(copy)  # the @arg lines in udfs.py, as classic xlwings runs them
    info = xlfunc(copy).__xlfunc__
    assert info["name"] == function.__name__
    assert info["ret"]["doc"] == function.__doc__ and len(info["ret"]["doc"]) <= 255
    assert [a["name"] for a in info["args"]] == list(signature.parameters)
    for arg, parameter in zip(info["args"], signature.parameters.values(), strict=False):
        assert not arg["doc"].startswith("Positional argument"), arg["name"]  # our description, not the default
        assert arg["options"]["convert"] is typing.Any  # xlwings' default value converter
        assert arg["options"]["err_to_str"] is True  # error cells arrive as "#N/A" text, not None
        if parameter.default is not inspect.Parameter.empty:
            assert arg["optional"] == parameter.default


@pytest.mark.parametrize(
    "spelling, method",
    [
        ("agresticoull", "agresti_coull"),
        ("Agresti-Coull", "agresti_coull"),
        ("wilsoncc", "wilson_cc"),
        ("Wilson CC", "wilson_cc"),
        ("clopperpearson", "exact"),
        ("clopper_pearson", "exact"),
    ],
)
def test_ci_accepts_every_alias_the_core_accepts(spelling, method):
    """Issue 9: the functions kept their own alias list and =UPTAKE_CI(62,669,0.95,"agresticoull") was #VALUE!."""
    want = [list(intervals.proportion_ci(62, 669, 0.95, method))]
    assert udfs.UPTAKE_CI(62.0, 669.0, 0.95, spelling) == want
    assert list(intervals.proportion_ci(62, 669, 0.95, spelling)) == want[0]
    assert intervals.method_key(spelling) == method


def test_every_registered_alias_reaches_its_method():
    """One registry: each alias the core lists works in the functions, and names the same interval."""
    for alias, method in intervals.ALIASES.items():
        assert udfs.UPTAKE_CI(62.0, 669.0, 0.95, alias) == udfs.UPTAKE_CI(62.0, 669.0, 0.95, method)
    assert set(intervals.ALIASES.values()) <= set(intervals.METHODS)
    assert udfs.UPTAKE_CI(62.0, 669.0, 0.95, "agresti") == "#VALUE!"
