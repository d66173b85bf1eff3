"""The claim functions in Excel (issue 11): UPTAKE_CLAIM stays TRUE/FALSE, UPTAKE_EXPLAIN gains
units and a verdict column, UPTAKE_VERDICT gives one of the five verdicts."""

from __future__ import annotations

import pytest
from udf_helpers import BASES, COUNTS, STAGES, UNITS

from xlplugin import udfs


@pytest.mark.parametrize(
    "claim, numerator, denominator, expected",
    [
        ("just 6%", 62.0, 1000.0, True),
        ("over two thirds", 669.0, 1000.0, True),
        ("under two thirds", 669.0, 1000.0, False),
        ("under a third", 332.0, 1000.0, True),
        ("over an eighth", 126.0, 1000.0, True),
        ("over an eighth", 125.0, 1000.0, False),
        ("96% of searches led to no arrest", 10266.0, 287898.0, True),  # the complement
        ("under 1%", "<5", 1000.0, True),  # 0..4 of 1,000: every one under 1%
        ("0.3%", "<5", 1000.0, False),  # only 3 of the counts allowed gives 0.3%
        ("under 1%", "[c]", 1000.0, True),
    ],
)
def test_uptake_claim_is_true_only_when_every_count_allowed_reproduces_it(claim, numerator, denominator, expected):
    assert udfs.UPTAKE_CLAIM(claim, numerator, denominator) is expected


def test_uptake_claim_refuses_claims_that_are_not_rates():
    assert udfs.UPTAKE_CLAIM("62 people", 62.0, 669.0) == "#VALUE!"
    assert udfs.UPTAKE_CLAIM("rose by 48.5%", 68.0, 101.0) == "#VALUE!"


def test_explain_has_a_verdict_column_and_takes_units():
    table = udfs.UPTAKE_EXPLAIN("12%", STAGES, COUNTS, BASES, UNITS)
    assert table[0][-1] == "verdict"
    assert table[1][:2] == ["Interested in diversion + Contacted police about diversion", "Visited"]
    assert table[1][-1] == "reproduced_invalid"
    nine = udfs.UPTAKE_EXPLAIN("9%", STAGES, COUNTS, BASES, UNITS)
    assert nine[1][:4] == ["Interested in diversion", "Visited", 62 / 669, True] and nine[1][-1] == "reproduced"
    # 62 people / 156 contacts: the founding "contacts, not people" warning, now in Excel too
    forty = udfs.UPTAKE_EXPLAIN("nearly 40%", STAGES, COUNTS, BASES, UNITS)
    assert forty[1][:2] == ["Interested in diversion", "Follow-up engagements"]
    assert "mixed units (people per contacts)" in forty[1][4] and forty[1][-1] == "reproduced_invalid"
    # without units nothing says they differ, so the same definition is a proportion
    unstated = udfs.UPTAKE_EXPLAIN("nearly 40%", STAGES, COUNTS, BASES)
    assert all("mixed units" not in row[4] for row in unstated[1:])


def test_explain_lists_complements():
    table = udfs.UPTAKE_EXPLAIN("96%", [["Searches"], ["Arrests"]], [[287898.0], [10266.0]])
    assert table[1][:2] == ["Searches − Arrests", "Searches"]
    assert table[1][2] == pytest.approx(1 - 10266 / 287898)
    assert table[1][4] == "complement: searches without arrests" and table[1][-1] == "reproduced"


@pytest.mark.parametrize(
    "claim, expected",
    [
        ("9%", "reproduced"),
        ("12%", "reproduced_invalid"),
        ("39%", "not_reproduced"),
        ("just 62 individuals", "reproduced"),
        ("rose by 10%", "not_checkable"),  # one period only
    ],
)
def test_verdict_on_the_founding_case(claim, expected):
    assert udfs.UPTAKE_VERDICT(claim, STAGES, COUNTS, BASES, UNITS) == expected


def test_verdict_with_suppressed_counts_and_periods():
    assert udfs.UPTAKE_VERDICT("0.3%", [["Referred"], ["Seen"]], [[1000.0], ["<5"]]) == "possible"
    stages = [["Right to ask applications"], ["Right to ask applications"]]
    years = [[2016.0], [2017.0]]
    assert udfs.UPTAKE_VERDICT("increased by 48.5%", stages, [[68.0], [101.0]], None, None, years) == "reproduced"
    assert udfs.UPTAKE_VERDICT("a rise of 7 per cent", stages, [[68.0], [101.0]], None, None, years) == (
        "not_reproduced"
    )
