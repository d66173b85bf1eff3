"""Rates of base, of the first stage, drop-off, flags, ranges and the denominators table.

Interval reference values are statsmodels' `proportion_confint(method="wilson")`, copied
from the shared oracle table (tests/data/oracles/binomial_ci.csv).
"""

import json
from pathlib import Path

import pytest
from helpers import met_funnel

from xlplugin.core.counts import Count
from xlplugin.core.funnel import StageRecord as R
from xlplugin.core.funnel import build_funnel
from xlplugin.core.intervals import proportion_ci
from xlplugin.core.rates import denominator_table, funnel_rates, rate_range

TOL = 1e-9


def met_programme():
    return met_funnel().programmes[0]


def by_stage():
    return {r.stage: r for r in funnel_rates(met_programme())}


def test_met_founding_case():
    rows = by_stage()
    first = rows["Identified for a visit"]
    assert first.flags == ("first_stage",) and first.rate is None and first.base is None
    visited = rows["Visited"]
    assert visited.rate == pytest.approx(0.669, abs=TOL)
    assert visited.drop_off == 331
    interested = rows["Interested in diversion"]
    assert interested.rate == pytest.approx(62 / 669, abs=TOL)
    assert round(100 * interested.rate, 2) == 9.27
    # statsmodels proportion_confint(62, 669, method="wilson")
    assert interested.ci_lower == pytest.approx(0.072967430951, abs=TOL)
    assert interested.ci_upper == pytest.approx(0.117034919744, abs=TOL)
    assert interested.rate_of_first == pytest.approx(0.062, abs=TOL)
    assert interested.drop_off == 669 - 62
    assert interested.rate_low == interested.rate_high == interested.rate


def test_met_flags_contacts_and_outside():
    rows = by_stage()
    follow = rows["Follow-up engagements"]
    assert follow.flags[0] == "mixed_units"
    assert follow.rate == pytest.approx(156 / 669, abs=TOL)  # a ratio: contacts per person
    assert follow.ci_lower is None and follow.rate_of_first is None and follow.drop_off is None
    outside = rows["Contacted police about diversion"]
    assert outside.flags == ("outside_funnel",)
    assert outside.base is None and outside.rate is None and outside.rate_of_first is None
    assert outside.as_json()["flags"] == ["outside_funnel"]


def test_json_keys_are_the_documented_interface():
    """A stage's JSON is the README's `rates --json` example: the same keys, in order, and figures."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    example = readme.split("`xlplugin rates --json`:", 1)[1].split("```json", 1)[1].split("```", 1)[0]
    documented = json.loads(example)["programmes"][0]["stages"][0]
    got = by_stage()["Visited"].as_json()
    assert list(got) == list(documented)
    assert (got["unit"], documented["unit"]) == ("not stated", "people")  # the README's CSV states units
    del got["unit"], documented["unit"]
    assert got == {k: pytest.approx(v, abs=5e-5) if isinstance(v, float) else v for k, v in documented.items()}


def test_suppressed_count_gives_range_and_envelope():
    p = build_funnel([R("Referred", "120", line=2), R("Adopted", "<5", line=3)]).programmes[0]
    row = funnel_rates(p)[1]
    assert row.rate is None and row.count is None and (row.count_low, row.count_high) == (0, 4)
    assert row.rate_low == 0 and row.rate_high == pytest.approx(4 / 120, abs=TOL)
    assert row.ci_lower == pytest.approx(proportion_ci(0, 120)[0], abs=TOL)
    assert row.ci_upper == pytest.approx(proportion_ci(4, 120)[1], abs=TOL)
    assert "suppressed" in row.flags and "small_count" in row.flags
    assert row.drop_off is None and row.rate_of_first is None


def test_envelope_covers_every_corner_for_rounded_counts():
    num, den = Count(55, 65, "rounded"), Count(995, 1005, "rounded")
    rr = rate_range(num, den)
    for x in range(55, 66):
        for n in range(995, 1006):
            lo, hi = proportion_ci(x, n)
            assert rr.ci_lower <= lo + 1e-15 and hi <= rr.ci_upper + 1e-15
            assert rr.rate_low <= x / n <= rr.rate_high


def test_unavailable_count_is_unbounded():
    rr = rate_range(Count(0, None, "unavailable", "[x]"), Count.of(100))
    assert (rr.rate, rr.rate_low, rr.rate_high, rr.ci_lower, rr.ci_upper) == (None, 0.0, 1.0, 0.0, 1.0)
    rr = rate_range(Count.of(10), Count(0, None, "unavailable", "[x]"))
    assert rr.rate_low == 0.0 and rr.ci_lower == 0.0 and rr.rate_high == 1.0


def test_zero_base_has_no_rate():
    p = build_funnel([R("A", "0", line=2), R("B", "0", line=3)]).programmes[0]
    row = funnel_rates(p)[1]
    assert row.rate is None and row.ci_lower is None


def test_denominators_table_puts_6_9_and_12_side_by_side():
    defs = denominator_table(met_programme())
    table = {(d.numerator, d.denominator): d for d in defs}
    i, v, c = "Interested in diversion", "Visited", "Contacted police about diversion"
    six = table[((i,), "Identified for a visit")]
    nine = table[((i,), v)]
    twelve = table[((i, c), v)]
    assert round(100 * six.rate_range.rate, 1) == 6.2 and six.subset
    assert round(100 * nine.rate_range.rate, 1) == 9.3 and nine.subset
    assert round(100 * twelve.rate_range.rate, 1) == 12.3 and not twelve.subset
    assert twelve.rate_range.ci_lower == pytest.approx(0.099852896140, abs=TOL)  # wilson 82/669
    assert nine.label == "62 of 669 visited"
    assert six.label == "62 of 1,000 identified for a visit"
    assert twelve.label == "82 of 669 visited"
    follow = table[(("Follow-up engagements",), v)]
    assert follow.mixed_units and not follow.subset and follow.rate_range.ci_lower is None
    # sums never mix units: contacts + people is not a count of anything
    assert (("Follow-up engagements", c), v) not in table
    assert len(defs) == 8
