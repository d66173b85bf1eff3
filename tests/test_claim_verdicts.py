"""Claims as people make them (issue 11): kinds, qualifiers, complements, inexact counts, and the
five verdicts, through the core, the command line and its JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlplugin.core.claims import (
    CHANGE,
    COUNT,
    NOT_CHECKABLE,
    NOT_REPRODUCED,
    POSSIBLE,
    RATE,
    RATIO,
    REPRODUCED,
    REPRODUCED_INVALID,
    ClaimError,
    check_claim,
    count_bounds,
    parse_claim,
    verdict_words,
)
from xlplugin.core.funnel import StageRecord, build_funnel
from xlplugin.inputs.spec import load_input

DATA = Path(__file__).parent / "data" / "claims"
MET = Path(__file__).parent / "data" / "examples" / "met-2020-visits.csv"
RESTART = DATA / "restart.csv"
STOP_SEARCH = DATA / "stop-search.csv"
RIGHT_TO_ASK = DATA / "right-to-ask.csv"
FELL = DATA / "fell.csv"
TWO_YEARS = DATA / "two-years.csv"
SUPPRESSED_PARENT = DATA / "suppressed-parent.csv"


def funnel(path: Path):
    return load_input(str(path))[0]


def claim_json(text: str, path: Path, *extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "XLPLUGIN_DEBUG"}
    r = subprocess.run(
        [sys.executable, "-m", "xlplugin.cli", "claim", text, str(path), "--json", *extra],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def definitions(doc: dict) -> list[tuple]:
    return [(tuple(m["numerator"]), m["denominator"], m["complement"], m["certain"]) for m in doc["matches"]]


# --------------------------------------------------------------------------------------------
# Rounded counts: DWP's Restart Scheme figures, rounded to the nearest 1,000


def test_less_than_a_fifth_holds_for_every_count_the_rounded_figures_allow():
    verdict = check_claim("less than a fifth of those who started achieved sustained employment", funnel(RESTART))
    assert verdict.verdict == REPRODUCED
    started = next(m for m in verdict.matches if m.numerator == ("Job outcome",) and m.denominator == "Started")
    # 83,500..84,500 of 449,500..450,500: 18.53% to 18.80%, every one under 20%
    assert (started.value_low, started.value_high) == (Fraction(83500, 450500), Fraction(84500, 449500))
    assert started.certain and started.subset and started.value == Fraction(84, 450)
    doc = claim_json("less than a fifth", RESTART)
    assert doc["verdict"] == "reproduced" and doc["kind"] == "rate"
    assert (("Job outcome",), "Started", False, True) in definitions(doc)
    assert doc["high"] == 0.2


def test_eighty_five_percent_started_is_reproduced_from_rounded_counts():
    doc = claim_json("85%", RESTART)
    assert doc["verdict"] == "reproduced"
    assert definitions(doc) == [(("Started",), "Referred", False, True)]
    (m,) = doc["matches"]
    assert m["value_low"] == pytest.approx(449500 / 530500) and m["value_high"] == pytest.approx(450500 / 529500)


def test_a_claim_only_some_rounded_counts_give_is_possible():
    verdict = check_claim("18.7%", funnel(RESTART))  # 18.53%..18.80%: some read as 18.7%, not all
    assert verdict.verdict == POSSIBLE
    (m,) = verdict.matches
    assert (m.numerator, m.denominator, m.certain) == (("Job outcome",), "Started", False)
    assert verdict_words(verdict, funnel(RESTART)).startswith("Possible")


def test_a_suppressed_parent_is_tightened_by_its_child():
    f = funnel(SUPPRESSED_PARENT)
    assert count_bounds(f.programmes[0]) == {"Referred": (3, 4), "Assessed": (3, 3)}
    # 3 of [c]: 3 of 3 or 3 of 4, so 75% to 100%; without the child's help it would be 3 of 0..4
    verdict = check_claim("at least 75%", f)
    assert verdict.verdict == REPRODUCED
    (m,) = [m for m in verdict.matches if m.valid and not m.complement]
    assert (m.numerator, m.denominator, m.value_low, m.value_high) == (("Assessed",), "Referred", Fraction(3, 4), 1)
    assert check_claim("100%", f).verdict == POSSIBLE


# --------------------------------------------------------------------------------------------
# Qualifiers and named fractions


def test_just_six_percent_is_six_percent():
    doc = claim_json("just 6%", MET)
    assert doc["verdict"] == "reproduced"
    assert definitions(doc) == [(("Interested in diversion",), "Identified for a visit", False, True)]
    assert (doc["low"], doc["high"]) == (0.055, 0.065)


@pytest.mark.parametrize(
    "claim, numerator, denominator, holds",
    [
        ("over two thirds", 669, 1000, True),  # 66.9% > 66.67%
        ("under two thirds", 669, 1000, False),
        ("under two thirds", 666, 1000, True),
        ("under a third", 332, 1000, True),  # 33.2% < 33.33%: FALSE when "a third" was rounded to 33%
        ("under a third", 334, 1000, False),
        ("over an eighth", 126, 1000, True),  # 12.6% > 12.5%
        ("over an eighth", 125, 1000, False),
    ],
)
def test_named_fractions_take_the_exact_fraction_before_the_qualifier(claim, numerator, denominator, holds):
    f = build_funnel([StageRecord("Referred", str(denominator)), StageRecord("Seen", str(numerator))])
    verdict = check_claim(claim, f)
    wanted = (("Seen",), "Referred", False)
    direct = [m for m in verdict.matches if (m.numerator, m.denominator, m.complement) == wanted]
    assert bool(direct) is holds
    assert parse_claim(claim).contains(Fraction(numerator, denominator)) is holds


# --------------------------------------------------------------------------------------------
# Complements


def test_ninety_six_percent_led_to_no_arrest_is_the_complement():
    doc = claim_json("96% of searches led to no arrest", STOP_SEARCH)
    assert doc["verdict"] == "reproduced"
    assert definitions(doc) == [(("Arrests",), "Stop and searches", True, True)]
    assert doc["matches"][0]["value"] == pytest.approx(1 - 10266 / 287898)
    verdict = check_claim("96% of searches led to no arrest", funnel(STOP_SEARCH))
    assert verdict.matches[0].words == "stop and searches without arrests"
    # the arrest rate itself (3.6%) is never read as "96% ... no arrest"
    assert check_claim("4% of searches led to no arrest", funnel(STOP_SEARCH)).verdict == NOT_REPRODUCED


# --------------------------------------------------------------------------------------------
# Changes


def test_increased_by_48_5_percent_from_2016_to_2017():
    doc = claim_json("right to ask applications increased by 48.5%", RIGHT_TO_ASK)
    assert doc["kind"] == "change" and doc["verdict"] == "reproduced"
    (m,) = doc["matches"]
    assert (m["from"], m["to"], m["stage"]) == ("2016", "2017", "Right to ask applications")
    assert m["value"] == pytest.approx(33 / 68)  # 68 -> 101


def test_a_rise_of_seven_percent_where_the_counts_fell_is_not_reproduced():
    verdict = check_claim("a rise of 7 per cent on the previous year", funnel(FELL))
    assert verdict.claim.kind == CHANGE and verdict.verdict == NOT_REPRODUCED
    (nearest,) = verdict.nearest
    assert nearest.value == Fraction(112 - 120, 120) and nearest.reads_as == "-7%"
    assert check_claim("fell by 7%", funnel(FELL)).verdict == REPRODUCED
    doc = claim_json("a rise of 7 per cent", FELL)
    assert doc["verdict"] == "not_reproduced" and doc["nearest"][0]["reads_as"] == "-7%"


def test_a_change_with_one_period_is_not_checkable():
    verdict = check_claim("increased by 48.5%", funnel(STOP_SEARCH))
    assert verdict.verdict == NOT_CHECKABLE and "one" in verdict.reason


def test_change_kinds_parse():
    assert parse_claim("up 5 percentage points").points
    assert parse_claim("halved").kind == CHANGE and parse_claim("halved").contains(Fraction(-1, 2))
    assert parse_claim("nearly tripled").contains(Fraction(19, 10)) and not parse_claim("nearly tripled").contains(2)
    assert parse_claim("has fallen each year").each
    assert parse_claim("twice as many").kind == RATIO
    assert parse_claim("three times as likely").of_rates


# --------------------------------------------------------------------------------------------
# Claims pinned to a year


def test_twenty_three_percent_the_year_before_is_pinned_to_its_year():
    f = funnel(TWO_YEARS)  # 2019: 250/1000 = 25%; 2020: 300/1300 = 23.1%
    unpinned = check_claim("23% the year before", f)
    assert unpinned.verdict == REPRODUCED and unpinned.holds_in == ("2020",)
    pinned = check_claim("23% the year before", f, "2019")
    assert pinned.verdict == NOT_REPRODUCED
    assert [(n.numerator, n.denominator, n.reads_as) for n in pinned.nearest][0] == (("Arrests",), "Searches", "25%")
    doc = claim_json("23% the year before", TWO_YEARS, "--programme", "2019")
    assert doc["programme"] == "2019" and doc["verdict"] == "not_reproduced" and doc["matches"] == []


def test_an_unknown_programme_is_an_input_error():
    r = subprocess.run(
        [sys.executable, "-m", "xlplugin.cli", "claim", "23%", str(TWO_YEARS), "--programme", "1999"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2 and "1999" in r.stderr and "Traceback" not in r.stderr


# --------------------------------------------------------------------------------------------
# The honest verdict


def test_the_met_twelve_percent_is_reproduced_only_by_an_invalid_definition():
    doc = claim_json("12%", MET)
    assert doc["verdict"] == "reproduced_invalid"
    assert definitions(doc) == [
        (("Interested in diversion", "Contacted police about diversion"), "Visited", False, True)
    ]
    verdict = check_claim("12%", funnel(MET))
    words = verdict_words(verdict, funnel(MET))
    assert words == "Reproduced only by an invalid definition: the 20 are not known to be among the 669"


def test_mixed_units_are_invalid_and_say_so():
    verdict = check_claim("nearly 40%", funnel(MET))  # 62 people / 156 contacts
    assert verdict.verdict == REPRODUCED_INVALID
    assert verdict_words(verdict, funnel(MET)).endswith("the 62 are people and the 156 are contacts")


def test_not_reproduced_names_the_nearest_and_what_it_reads_as():
    verdict = check_claim("39%", build_funnel([StageRecord("Asked", "1000"), StageRecord("Agreed", "379")]))
    assert verdict.verdict == NOT_REPRODUCED
    assert verdict.nearest[0].reads_as == "38%"
    words = verdict_words(verdict, build_funnel([StageRecord("Asked", "1000"), StageRecord("Agreed", "379")]))
    assert "379 of 1,000 asked is 37.9%, which reads as 38%" in words and words.endswith("not 39%")


# --------------------------------------------------------------------------------------------
# Counts


@pytest.mark.parametrize(
    "claim, verdict, stage",
    [
        ("just 62 individuals", REPRODUCED, "Interested in diversion"),
        ("around 670", REPRODUCED, "Visited"),  # 665..675
        ("more than 6,000 people", NOT_REPRODUCED, None),
        ("fewer than 25", REPRODUCED, "Contacted police about diversion"),
        ("1,000 of", REPRODUCED, "Identified for a visit"),
        ("156 people", REPRODUCED_INVALID, "Follow-up engagements"),  # contacts, not people
        ("20 arrests", NOT_CHECKABLE, None),
    ],
)
def test_count_claims(claim, verdict, stage):
    got = check_claim(claim, funnel(MET))
    assert got.claim.kind == COUNT
    assert got.verdict == verdict
    if stage:
        assert got.matches[0].numerator == (stage,)


def test_rate_claims_are_rates():
    assert parse_claim("just 6%").kind == RATE


def test_unknown_kind_of_text_is_still_a_claim_error():
    with pytest.raises(ClaimError):
        parse_claim("a lot")


# --------------------------------------------------------------------------------------------
# Property: exact funnels, claims made from a definition's own value


@st.composite
def exact_funnels(draw):
    n = draw(st.integers(2, 4))
    first = draw(st.integers(1, 5000))
    records = [StageRecord("S0", str(first))]
    counts = [first]
    for i in range(1, n):
        counts.append(draw(st.integers(0, counts[-1])))
        records.append(StageRecord(f"S{i}", str(counts[-1])))
    return build_funnel(records), counts


def _percent_claim(value: Fraction, decimals: int, qualifier: str) -> str:
    scaled = value * 100 * 10**decimals
    shown = Fraction(int(scaled + Fraction(1, 2)), 10**decimals)  # half up, as the claim's author
    text = f"{float(shown):.{decimals}f}%"
    if qualifier == "just over" and shown / 100 >= value:
        return text  # "just over" needs the value above the shown figure
    if qualifier == "nearly" and shown / 100 <= value:
        return text
    return f"{qualifier} {text}".strip()


@settings(max_examples=150, deadline=None)
@given(exact_funnels(), st.data())
def test_a_claim_made_from_a_definition_is_never_not_reproduced(made, data):
    f, counts = made
    i = data.draw(st.integers(1, len(counts) - 1))
    j = data.draw(st.integers(0, i - 1))
    if counts[j] == 0:
        return
    value = Fraction(counts[i], counts[j])
    decimals = data.draw(st.integers(0, 2))
    qualifier = data.draw(st.sampled_from(["", "just", "about", "only", "just over", "nearly"]))
    text = _percent_claim(value, decimals, qualifier)
    verdict = check_claim(text, f)
    assert verdict.verdict in (REPRODUCED, POSSIBLE, REPRODUCED_INVALID), (text, counts)
    assert verdict.verdict == REPRODUCED  # exact counts, S_i a subset of S_j: valid and certain


@settings(max_examples=150, deadline=None)
@given(exact_funnels(), st.integers(0, 10000))
def test_a_claim_outside_every_definition_is_never_reproduced(made, tenths_of_basis_points):
    f, counts = made
    claim = parse_claim(f"{tenths_of_basis_points / 100:.2f}%")
    values = [v for a in counts for b in counts if b for v in (Fraction(a, b), 1 - Fraction(a, b))]
    if any(claim.contains(v) for v in values):
        return
    assert check_claim(claim, f).verdict == NOT_REPRODUCED


# --------------------------------------------------------------------------------------------
# The report's claims table and the spec's programme/from/to


def _claims_rows(xlsx: Path) -> dict[str, tuple]:
    import openpyxl

    sheet = openpyxl.load_workbook(xlsx)["Claims"]
    rows = list(sheet.iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r[0] == "Claim")
    assert rows[header][5] == "Verdict"
    return {r[0]: r for r in rows[header + 1 :]}


def _report_claims(spec: Path, text: str) -> dict[str, tuple]:
    """The Claims table's rows of the report built from the spec `text` (written at `spec`)."""
    from xlplugin.report import build_report

    spec.write_text(text, encoding="utf-8")
    return _claims_rows(build_report(spec, spec.with_suffix(".xlsx")))


def test_the_report_claims_table_gives_rounded_and_pinned_claims_their_verdicts(tmp_path):
    for name in ("restart.csv", "two-years.csv"):
        (tmp_path / name).write_bytes((DATA / name).read_bytes())
    rows = _report_claims(
        tmp_path / "restart.toml",
        'title = "Restart"\ndata = "restart.csv"\n'
        '[[claims]]\ntext = "less than a fifth"\nby = "DWP"\nnumerator = "Job outcome"\ndenominator = "Started"\n'
        '[[claims]]\ntext = "85%"\nby = "DWP"\n',
    )
    assert rows["less than a fifth"][5] == "Reproduced"
    assert "84,000 of 450,000 started (18.5% to 18.8%)" in rows["less than a fifth"][3]
    assert rows["85%"][5] == "Reproduced"
    rows = _report_claims(
        tmp_path / "years.toml",
        'title = "Searches"\ndata = "two-years.csv"\n'
        '[[claims]]\ntext = "23% the year before"\nby = "Home Office"\nprogramme = "2019"\n'
        '[[claims]]\ntext = "23%"\nby = "Home Office"\n'
        '[[claims]]\ntext = "rose by 20%"\nby = "Home Office"\nfrom = "2019"\nto = "2020"\n',
    )
    assert rows["23% the year before"][5].startswith("Not reproduced: nearest, 250 of 1,000 searches is 25.0%")
    assert rows["23%"][5] == "Reproduced in 2020"
    assert rows["rose by 20%"][5] == "Reproduced from 2019 to 2020"  # arrests 250 -> 300


def test_a_spec_naming_an_unknown_programme_is_an_input_error(tmp_path):
    from xlplugin.core.errors import InputError
    from xlplugin.report import build_report

    (tmp_path / "two-years.csv").write_bytes(TWO_YEARS.read_bytes())
    spec = tmp_path / "years.toml"
    spec.write_text(
        'title = "Searches"\ndata = "two-years.csv"\n[[claims]]\ntext = "23%"\nby = "Home Office"\n'
        'programme = "1999"\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        build_report(spec, tmp_path / "out.xlsx")
    assert "'1999'" in str(caught.value) and "years.toml" in str(caught.value)
    assert not (tmp_path / "out.xlsx").exists()


def _three_years():
    rows = [("2021", 310), ("2022", 380), ("2023", 450)]
    return build_funnel(
        [
            r
            for year, agreed in rows
            for r in (StageRecord("Asked", "1000", programme=year), StageRecord("Agreed", str(agreed), programme=year))
        ]
    )


def test_points_from_to_and_each_year():
    f = _three_years()  # 31%, 38%, 45%
    points = check_claim("up 7 percentage points", f)
    assert points.verdict == REPRODUCED
    assert [(m.numerator, m.denominator, m.from_programme, m.to_programme) for m in points.matches] == [
        (("Agreed",), "Asked", "2022", "2023")
    ]
    assert points.matches[0].value == Fraction(7, 100)
    # "from 31% to 45%" compares the last two unless told which
    assert check_claim("from 31% to 45%", f).verdict == NOT_REPRODUCED
    spanned = check_claim("from 31% to 45%", f, from_programme="2021", to_programme="2023")
    assert spanned.verdict == REPRODUCED and spanned.matches[0].from_programme == "2021"
    each = check_claim("rose each year", f)
    assert each.verdict == REPRODUCED and {m.from_programme for m in each.matches} == {"2021"}
    assert check_claim("has fallen each year", f).verdict == NOT_REPRODUCED


def test_ratio_of_rates_compared_with():
    f = build_funnel(
        [
            StageRecord("Stops", "400", programme="A"),
            StageRecord("Arrests", "100", programme="A"),
            StageRecord("Stops", "1000", programme="B"),
            StageRecord("Arrests", "100", programme="B"),
        ]
    )
    verdict = check_claim("one in four of them compared with one in ten", f)
    assert verdict.verdict == REPRODUCED
    assert [(m.programme, m.from_programme) for m in verdict.matches] == [("A", "B")]
    likely = check_claim("2.5 times as likely", f)  # 25% against 10%
    assert likely.verdict == REPRODUCED and likely.matches[0].value == Fraction(5, 2)
    four = check_claim("four times as many", f)  # 400 stops, 100 arrests in A
    assert four.verdict == REPRODUCED and (four.matches[0].numerator, four.matches[0].denominator) == (
        ("Stops",),
        "Arrests",
    )
    twice = check_claim("twice as many", f)  # 1,000 stops in B against 400 in A: 2.5, half a unit from 2
    assert [(m.numerator, m.programme, m.from_programme) for m in twice.matches] == [(("Stops",), "B", "A")]
    assert check_claim("five times as many", f).verdict == NOT_REPRODUCED
