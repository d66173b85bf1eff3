"""Changes between periods with Newcombe's interval, against statsmodels."""

from __future__ import annotations

from pathlib import Path

import pytest
from oracles import oracle

from xlplugin.core.changes import CLEAR_FALL, CLEAR_RISE, NO_CLEAR_CHANGE, change_words, period_changes
from xlplugin.core.funnel import StageRecord, build_funnel
from xlplugin.core.periods import period_programmes

sm_proportion = oracle("statsmodels.stats.proportion")

DATA = Path(__file__).parent / "data" / "comparison"


def _funnel(rows):
    return build_funnel(
        [StageRecord(stage=s, count=c, base=b, programme=p, line=i) for i, (p, s, c, b) in enumerate(rows, 2)]
    )


def _periods(counts: dict[str, dict[str, str]]):
    """A funnel of periods from {period: {stage: count}}, each stage's base the stage above it."""
    return _funnel([(period, stage, count, "") for period, stages in counts.items() for stage, count in stages.items()])


WYP = [
    ("2016", "Right-to-ask applications", "68", ""),
    ("2016", "Disclosures", "21", ""),
    ("2017", "Right-to-ask applications", "101", ""),
    ("2017", "Disclosures", "46", ""),
]


def test_west_yorkshire_change_matches_statsmodels_and_says_no_clear_change():
    progs = list(_funnel(WYP).programmes)
    (c,) = period_changes(progs)
    assert (c.stage, c.base, c.start, c.end) == ("Disclosures", "Right-to-ask applications", "2016", "2017")
    lo, hi = sm_proportion.confint_proportions_2indep(46, 101, 21, 68, method="newcomb", compare="diff")
    assert c.difference == pytest.approx(46 / 101 - 21 / 68, abs=1e-12)
    assert c.ci_lower == pytest.approx(lo, abs=1e-12)
    assert c.ci_upper == pytest.approx(hi, abs=1e-12)
    # as the story would print them
    assert (round(100 * c.difference, 1), round(100 * c.ci_lower, 1), round(100 * c.ci_upper, 1)) == (14.7, -0.4, 28.4)
    assert c.relative_change == pytest.approx(25 / 21)
    assert c.clear is False and c.words == NO_CLEAR_CHANGE


def test_previous_and_first_changes_for_three_periods():
    periods = {
        "2019": {"Referred": "1000", "Adopted": "100"},
        "2020": {"Referred": "1000", "Adopted": "150"},
        "2021": {"Referred": "1000", "Adopted": "90"},
    }
    changes = period_changes(list(_periods(periods).programmes))
    assert [(c.start, c.end, c.against) for c in changes] == [
        ("2019", "2020", "previous"),
        ("2020", "2021", "previous"),
        ("2019", "2021", "first"),
    ]
    for c in changes:
        lo, hi = sm_proportion.confint_proportions_2indep(
            c.x_to, c.n_to, c.x_from, c.n_from, method="newcomb", compare="diff"
        )
        assert (c.ci_lower, c.ci_upper) == pytest.approx((lo, hi), abs=1e-12)
    assert [c.words for c in changes] == [CLEAR_RISE, CLEAR_FALL, NO_CLEAR_CHANGE]


def test_change_words():
    assert change_words(0.01, 0.2) == CLEAR_RISE
    assert change_words(-0.2, -0.01) == CLEAR_FALL
    assert change_words(-0.01, 0.2) == NO_CLEAR_CHANGE


def test_no_change_for_suppressed_or_missing_stage():
    periods = {
        "2019": {"Referred": "1000", "Adopted": "<5"},
        "2020": {"Referred": "1000", "Adopted": "150", "Left": "20"},
    }
    assert period_changes(list(_periods(periods).programmes)) == []


def test_change_claims_take_periods_in_time_order():
    """A file listing 2017 before 2016: a claim's "previous year" is 2016, as in `period_changes`."""
    from xlplugin.core.claims import REPRODUCED, check_claim

    rows = [WYP[2], WYP[3], WYP[0], WYP[1]]
    funnel = _funnel(rows)
    verdict = check_claim("right-to-ask applications increased by 48.5%", funnel)
    assert verdict.verdict == REPRODUCED
    (m,) = [m for m in verdict.matches if m.stage == "Right-to-ask applications"]
    assert (m.from_programme, m.to_programme) == ("2016", "2017")
    (c,) = period_changes(period_programmes(funnel) or [])
    assert (c.start, c.end) == ("2016", "2017")
