"""Claims: exact intervals from published text, and which definitions reproduce them."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlplugin.core.claims import (
    KINDS,
    POSSIBLE,
    RATE,
    ClaimError,
    ClaimInterval,
    ClaimMatch,
    check_claim,
    claim_matches,
    explain_claim,
    parse_claim,
)
from xlplugin.core.funnel import StageRecord, build_funnel


def pct(text: str) -> Fraction:
    """'8.5' -> 0.085 exactly."""
    return Fraction(text) / 100


def named(k: int, m: int) -> tuple[Fraction, Fraction]:
    """A named fraction's bare interval: the exact fraction, half a percentage point either side."""
    v = Fraction(k, m)
    return v - Fraction(1, 200), v + Fraction(1, 200)


def one_in(n, k=1) -> tuple[Fraction, Fraction]:
    return Fraction(k) / (n + Fraction(1, 2)), min(Fraction(1), Fraction(k) / (n - Fraction(1, 2)))


# --------------------------------------------------------------------------------------------
# Parsing: a table of claim texts and the exact intervals they state.

#: (text, low, high, low_open, high_open)
CLAIMS = [
    # bare percentages: half a unit of the last stated digit either side, inclusive
    ("9%", pct("8.5"), pct("9.5"), False, False),
    ("9.3%", pct("9.25"), pct("9.35"), False, False),
    ("9.30%", pct("9.295"), pct("9.305"), False, False),
    ("0.5%", pct("0.45"), pct("0.55"), False, False),
    (".5%", pct("0.45"), pct("0.55"), False, False),
    ("12 per cent", pct("11.5"), pct("12.5"), False, False),
    ("12 percent", pct("11.5"), pct("12.5"), False, False),
    ("12pc", pct("11.5"), pct("12.5"), False, False),
    ("12 pct", pct("11.5"), pct("12.5"), False, False),
    ("12 %", pct("11.5"), pct("12.5"), False, False),
    ("12％", pct("11.5"), pct("12.5"), False, False),
    ("twelve per cent", pct("11.5"), pct("12.5"), False, False),
    ("0%", pct("0"), pct("0.5"), False, False),
    ("100%", pct("99.5"), pct("100"), False, False),
    ("66.67%", pct("66.665"), pct("66.675"), False, False),
    # synonyms of "bare"
    ("about 9%", pct("8.5"), pct("9.5"), False, False),
    ("around 9%", pct("8.5"), pct("9.5"), False, False),
    ("roughly 9%", pct("8.5"), pct("9.5"), False, False),
    ("approximately 9%", pct("8.5"), pct("9.5"), False, False),
    # just over / just under: the half-interval on that side of V
    ("just over 6%", pct("6"), pct("6.5"), True, False),
    ("slightly more than 6%", pct("6"), pct("6.5"), True, False),
    ("just over 6% of those identified", pct("6"), pct("6.5"), True, False),
    ("just under 10%", pct("9.5"), pct("10"), False, True),
    ("nearly 40%", pct("39.5"), pct("40"), False, True),
    ("almost 40%", pct("39.5"), pct("40"), False, True),
    ("nearly 9.3%", pct("9.25"), pct("9.3"), False, True),
    ("just under 0.5%", pct("0.45"), pct("0.5"), False, True),
    # open-ended
    ("over 6%", pct("6"), pct("100"), True, False),
    ("more than 6%", pct("6"), pct("100"), True, False),
    ("above 6%", pct("6"), pct("100"), True, False),
    ("under 6%", pct("0"), pct("6"), False, True),
    ("less than 6%", pct("0"), pct("6"), False, True),
    ("below 6%", pct("0"), pct("6"), False, True),
    ("fewer than 6%", pct("0"), pct("6"), False, True),
    ("at least 6%", pct("6"), pct("100"), False, False),
    ("at most 6%", pct("0"), pct("6"), False, False),
    ("well over 6%", pct("6"), pct("100"), True, False),
    ("~9%", pct("8.5"), pct("9.5"), False, False),
    ("c. 9%", pct("8.5"), pct("9.5"), False, False),
    ("up to 6%", pct("0"), pct("6"), False, False),
    ("at least 100%", pct("100"), pct("100"), False, False),
    ("at most 0%", pct("0"), pct("0"), False, False),
    # clipping at the ends
    ("just over 99.8%", pct("99.8"), pct("99.85"), True, False),
    ("just over 99.99%", pct("99.99"), pct("99.995"), True, False),
    ("about 100%", pct("99.5"), pct("100"), False, False),
    ("just under 0.1%", pct("0.05"), pct("0.1"), False, True),
    # one in N, K in M
    ("one in 16", *one_in(16), False, False),
    ("1 in 16", *one_in(16), False, False),
    ("one in sixteen", *one_in(16), False, False),
    ("One-in-16", *one_in(16), False, False),
    ("one in every 16", *one_in(16), False, False),
    ("one out of 16", *one_in(16), False, False),
    ("1 in 6", *one_in(6), False, False),
    ("one in twenty-five", *one_in(25), False, False),
    ("one in a thousand", *one_in(1000), False, False),
    ("1 in 1,000", *one_in(1000), False, False),
    ("one in five adults", *one_in(5), False, False),
    ("1 in 16 of those identified", *one_in(16), False, False),
    ("1 in 1", *one_in(1), False, False),
    ("2 in 5", *one_in(5, 2), False, False),
    ("two out of five", *one_in(5, 2), False, False),
    ("nearly one in five", Fraction(2, 11), Fraction(1, 5), False, True),
    ("just over one in ten", Fraction(1, 10), Fraction(2, 19), True, False),
    ("more than one in ten", Fraction(1, 10), Fraction(1), True, False),
    # named fractions: the exact fraction as V, half a percentage point either side (PRODUCT.md)
    ("half", *named(1, 2), False, False),
    ("a half", *named(1, 2), False, False),
    ("one half", *named(1, 2), False, False),
    ("a third", *named(1, 3), False, False),
    ("one third", *named(1, 3), False, False),
    ("two thirds", *named(2, 3), False, False),
    ("two-thirds", *named(2, 3), False, False),
    ("a quarter", *named(1, 4), False, False),
    ("one quarter", *named(1, 4), False, False),
    ("three quarters", *named(3, 4), False, False),
    ("a fifth", *named(1, 5), False, False),
    ("two fifths", *named(2, 5), False, False),
    ("a sixth", *named(1, 6), False, False),
    ("an eighth", *named(1, 8), False, False),
    ("a tenth", *named(1, 10), False, False),
    ("nine tenths", *named(9, 10), False, False),
    ("nearly half", pct("49.5"), pct("50"), False, True),
    ("over half", pct("50"), pct("100"), True, False),
    ("more than a third", Fraction(1, 3), pct("100"), True, False),
    ("over two thirds", Fraction(2, 3), pct("100"), True, False),
    ("under two thirds", pct("0"), Fraction(2, 3), False, True),
    ("under a third", pct("0"), Fraction(1, 3), False, True),
    ("over an eighth", Fraction(1, 8), pct("100"), True, False),
    ("less than a fifth", pct("0"), Fraction(1, 5), False, True),
    ("almost two thirds of them", Fraction(2, 3) - Fraction(1, 200), Fraction(2, 3), False, True),
    ("just under a quarter", pct("24.5"), pct("25"), False, True),
    ("at least half", pct("50"), pct("100"), False, False),
    # emphasis says nothing about precision: "just 6%" is "6%" (PRODUCT.md)
    ("just 6%", pct("5.5"), pct("6.5"), False, False),
    ("only 6%", pct("5.5"), pct("6.5"), False, False),
    ("a mere 6%", pct("5.5"), pct("6.5"), False, False),
    ("some 6%", pct("5.5"), pct("6.5"), False, False),
    ("almost exactly 6%", pct("5.5"), pct("6.5"), False, False),
    ("fully 6%", pct("5.5"), pct("6.5"), False, False),
    ("as many as 6%", pct("5.5"), pct("6.5"), False, False),
    ("as few as 6%", pct("5.5"), pct("6.5"), False, False),
    ("only just over 6%", pct("6"), pct("6.5"), True, False),
    ("just 6% of that number actually expressed any interest", pct("5.5"), pct("6.5"), False, False),
    # tolerance: case, spaces, quotes, curly apostrophes, punctuation, non-breaking spaces
    ("  JUST   OVER  6 %  ", pct("6"), pct("6.5"), True, False),
    ("“nearly 40%.”", pct("39.5"), pct("40"), False, True),
    ("‘9%’,", pct("8.5"), pct("9.5"), False, False),
    ("(about\u00a09%)", pct("8.5"), pct("9.5"), False, False),
    ("9% of those visited.", pct("8.5"), pct("9.5"), False, False),
    ("Over Half!", pct("50"), pct("100"), True, False),
]


@pytest.mark.parametrize("text, low, high, low_open, high_open", CLAIMS, ids=[c[0] for c in CLAIMS])
def test_claim_texts_parse_to_exact_intervals(text, low, high, low_open, high_open):
    claim = parse_claim(text)
    assert claim == ClaimInterval(text, low, high, low_open, high_open)
    assert isinstance(claim.low, Fraction) and isinstance(claim.high, Fraction)


def test_the_table_is_big_enough():
    assert len(CLAIMS) >= 40


def test_bare_percentage_is_inclusive_at_both_ends():
    nine = parse_claim("9%")
    assert nine.contains(pct("8.5")) and nine.contains(pct("9.5"))
    assert not nine.contains(pct("8.5") - Fraction(1, 10**12))
    assert not nine.contains(pct("9.5") + Fraction(1, 10**12))
    assert nine.contains(Fraction(62, 669))
    assert Fraction(62, 669) in nine


def test_nearly_forty_percent_excludes_forty_point_three():
    nearly = parse_claim("nearly 40%")
    assert not nearly.contains(pct("40.3"))
    assert not nearly.contains(pct("40"))
    assert nearly.contains(pct("39.5"))
    assert nearly.contains(Fraction(62, 156))  # 39.74%


def test_just_over_six_percent_includes_six_point_two_not_six():
    just_over = parse_claim("just over 6%")
    assert just_over.contains(pct("6.2"))
    assert just_over.contains(Fraction(62, 1000))
    assert not just_over.contains(pct("6.0"))
    assert just_over.contains(pct("6.5"))
    assert not just_over.contains(pct("6.51"))


def test_contains_takes_ints_floats_and_fractions():
    claim = parse_claim("at least 100%")
    assert claim.contains(1) and not claim.contains(0)
    assert parse_claim("9%").contains(0.0927)
    assert not parse_claim("9%").contains(0.0951)
    assert not parse_claim("9%").contains(float("nan"))
    assert not parse_claim("over 6%").contains(float("inf"))
    with pytest.raises(TypeError):
        parse_claim("9%").contains("0.09")


def test_interval_prints_in_interval_notation():
    assert str(parse_claim("9%")) == "[8.5%, 9.5%]"
    assert str(parse_claim("just over 6%")) == "(6%, 6.5%]"
    assert str(parse_claim("nearly 40%")) == "[39.5%, 40%)"


BAD_CLAIMS = [
    ("", "empty"),
    ("   ", "empty"),
    ("12.5", "no unit"),
    ("9,3%", "point"),
    ("9-12%", "range"),
    ("-5%", "negative"),
    ("150%", "more than 100%"),
    ("100.5%", "more than 100%"),
    ("over 100%", "no proportion"),
    ("under 0%", "no proportion"),
    ("just under 0%", "no proportion"),
    ("just over", "no value"),
    ("overall 9%", "not a percentage"),
    ("5 percentage points", "percentage points"),
    ("a fifteenth", "not a percentage"),
    ("third", "say how many"),
    ("four quarters", "not less than the whole"),
    ("3 in 2", "more than all"),
    ("1 in 0", "at least 1"),
    ("0 in 5", "at least 1"),
    ("one in sixteen hundred", "not a whole number"),
    ("one in 16 nearly", "not a whole number"),
    ("one in sixteen half", "not a whole number"),
    ("1 in 1,000 per cent", "not a whole number"),
    ("1 in 16 (visited)", "not a whole number"),
    ("1 in 16.5", "not a percentage"),
    ("a lot", "not a percentage"),
    ("9% 9%", "not a percentage"),
    ("x" * 2000, "longer than"),
]


@pytest.mark.parametrize("text, why", BAD_CLAIMS, ids=[b[0][:20] or "empty" for b in BAD_CLAIMS])
def test_unreadable_claims_say_why_and_what_is_accepted(text, why):
    with pytest.raises(ClaimError) as caught:
        parse_claim(text)
    message = str(caught.value)
    assert why in message
    assert '"one in 16"' in message and '"9.3%"' in message and "just over" in message


@pytest.mark.parametrize("value", [None, 0.09, 9, ["9%"], b"9%"])
def test_non_text_claims_are_claim_errors(value):
    with pytest.raises(ClaimError, match="must be text"):
        parse_claim(value)


def test_claim_error_is_a_value_error():
    assert issubclass(ClaimError, ValueError)


def test_parse_accepts_an_interval_unchanged():
    claim = parse_claim("9%")
    assert parse_claim(claim) is claim


# --------------------------------------------------------------------------------------------
# claim_matches


def test_claim_matches_the_founding_case():
    assert claim_matches("just over 6%", 62, 1000)
    assert claim_matches("9%", 62, 669)
    assert claim_matches("12%", 82, 669)
    assert claim_matches("one in 16", 62, 1000)
    assert not claim_matches("9%", 62, 1000)
    assert not claim_matches("12%", 62, 669)
    assert claim_matches(parse_claim("9%"), 62.0, 669.0)  # Excel sends floats


def test_claim_matches_edges_are_exact():
    assert claim_matches("9%", 17, 200)  # 8.5% exactly: in
    assert claim_matches("9%", 19, 200)  # 9.5% exactly: in
    assert not claim_matches("just over 6%", 6, 100)  # 6% exactly: out
    assert claim_matches("just over 6%", 13, 200)  # 6.5% exactly: in
    assert not claim_matches("nearly 40%", 2, 5)  # 40% exactly: out
    assert not claim_matches("9%", 1000, 669)  # above 100%: no claim holds


def test_claim_matches_rejects_bad_counts():
    with pytest.raises(ZeroDivisionError):
        claim_matches("9%", 0, 0)
    with pytest.raises(ZeroDivisionError):
        claim_matches("9%", 5, 0)
    with pytest.raises(ValueError, match="negative"):
        claim_matches("9%", -1, 10)
    with pytest.raises(ValueError, match="negative"):
        claim_matches("9%", 1, -10)
    with pytest.raises(ValueError, match="whole number"):
        claim_matches("9%", 2.5, 10)
    with pytest.raises(ValueError, match="whole number"):
        claim_matches("9%", True, 10)
    with pytest.raises(ValueError, match="whole number"):
        claim_matches("9%", float("nan"), 10)
    with pytest.raises(ClaimError):
        claim_matches("nine", 1, 10)


# --------------------------------------------------------------------------------------------
# explain_claim on the founding case (rows of ../shared/examples/met-2020-visits.csv)

IDENTIFIED = "Identified for a visit"
VISITED = "Visited"
FOLLOW_UP = "Follow-up engagements"
INTERESTED = "Interested in diversion"
CONTACTED = "Contacted police about diversion"


def met_funnel():
    return build_funnel(
        [
            StageRecord(IDENTIFIED, "1000", "", "people", line=2),
            StageRecord(VISITED, "669", IDENTIFIED, "people", line=3),
            StageRecord(FOLLOW_UP, "156", VISITED, "contacts", line=4),
            StageRecord(INTERESTED, "62", VISITED, "people", line=5),
            StageRecord(CONTACTED, "20", "none", "people", line=6),
        ],
        source="met-2020-visits.csv",
    )


MET_COUNTS = {IDENTIFIED: 1000, VISITED: 669, FOLLOW_UP: 156, INTERESTED: 62, CONTACTED: 20}
MET_UNITS = {FOLLOW_UP: "contacts"}


def met_definitions():
    """Every definition explain_claim may consider, listed by hand: 20 single-stage numerators
    and 9 sums (the contacts stage plus the people who contacted the police is not a sum)."""
    singles = [((n,), d) for n in MET_COUNTS for d in MET_COUNTS if d != n]
    sums = [
        ((n, CONTACTED), d) for n in (IDENTIFIED, VISITED, INTERESTED) for d in MET_COUNTS if d not in (n, CONTACTED)
    ]
    assert len(singles) == 20 and len(sums) == 9
    return singles + sums


@pytest.mark.parametrize(
    "claim, numerator, denominator, value",
    [
        ("12%", (INTERESTED, CONTACTED), VISITED, Fraction(82, 669)),
        ("just over 6%", (INTERESTED,), IDENTIFIED, Fraction(62, 1000)),
        ("9%", (INTERESTED,), VISITED, Fraction(62, 669)),
        ("one in 16", (INTERESTED,), IDENTIFIED, Fraction(62, 1000)),
    ],
)
def test_founding_claims_have_exactly_one_definition(claim, numerator, denominator, value):
    # by hand: every other definition fails the claim, so "only" is proven
    for num, den in met_definitions():
        got = claim_matches(claim, sum(MET_COUNTS[n] for n in num), MET_COUNTS[den])
        assert got == ((num, den) == (numerator, denominator)), (claim, num, den)
    # and explain_claim finds just that one
    matches = explain_claim(claim, met_funnel())
    assert len(matches) == 1
    match = matches[0]
    assert (match.programme, match.numerator, match.denominator) == (None, numerator, denominator)
    assert match.value == value
    assert match.mixed_units is False
    # 62 is a subset of both 669 and 1000; 62 + 20 is not a subset of 669
    assert match.subset is (len(numerator) == 1)


def test_twelve_percent_is_twelve_point_two_six_not_a_subset():
    (match,) = explain_claim("12%", met_funnel())
    assert match == ClaimMatch(None, (INTERESTED, CONTACTED), VISITED, Fraction(82, 669), False, False)
    assert f"{float(match.value):.2%}" == "12.26%"
    assert match.label == f"({INTERESTED} + {CONTACTED}) / {VISITED}"


def test_mixed_units_are_flagged_and_never_subsets():
    (match,) = explain_claim("nearly 40%", met_funnel())  # 62 people / 156 contacts = 39.7%
    assert (match.numerator, match.denominator) == ((INTERESTED,), FOLLOW_UP)
    assert match.mixed_units is True and match.subset is False


def test_sums_of_different_units_are_not_numerators():
    # (156 contacts + 20 people) / 669 = 26.3% and / 1000 = 17.6%: neither is offered
    assert claim_matches("26.3%", 176, 669) and claim_matches("17.6%", 176, 1000)
    assert explain_claim("26.3%", met_funnel()) == []
    assert explain_claim("17.6%", met_funnel()) == []


def test_simplest_definitions_come_first():
    matches = explain_claim("over half", met_funnel())
    assert [(m.numerator, m.denominator, m.subset, m.mixed_units, m.complement) for m in matches] == [
        ((VISITED,), IDENTIFIED, True, False, False),  # 66.9%
        ((INTERESTED,), IDENTIFIED, True, False, True),  # 1 - 6.2% = 93.8%: identified without interest
        ((INTERESTED,), VISITED, True, False, True),  # 1 - 9.3% = 90.7%
        ((VISITED, CONTACTED), IDENTIFIED, False, False, False),  # 68.9%
        ((INTERESTED, CONTACTED), FOLLOW_UP, False, True, False),  # 82 people / 156 contacts
    ]
    assert matches[1].words == "identified for a visit without interested in diversion"
    assert matches[1].value == Fraction(938, 1000)


def test_an_outside_stage_alone_is_a_numerator_but_not_a_subset():
    matches = explain_claim("3%", met_funnel())  # 20/669 = 2.99%
    assert [(m.numerator, m.denominator, m.subset) for m in matches] == [((CONTACTED,), VISITED, False)]


def test_inexact_counts_take_part_as_intervals():
    funnel = build_funnel(
        [
            StageRecord("Referred", "1000"),
            StageRecord("Assessed", "<5"),
            StageRecord("Seen", "100", "Referred"),
            StageRecord("Rounded", "60", "Referred", rounding="nearest10"),
            StageRecord("Walk-ins", "[x]", "none"),
        ]
    )
    found = {(m.numerator, m.denominator, m.complement): m for m in explain_claim("6%", funnel)}
    rounded = found[(("Rounded",), "Referred", False)]  # 55..65 of 1000: 5.5% to 6.5%, all "6%"
    assert (rounded.value, rounded.value_low, rounded.value_high, rounded.certain) == (
        Fraction(6, 100),
        Fraction(55, 1000),
        Fraction(65, 1000),
        True,
    )
    assessed = explain_claim("0.3%", funnel)  # 0..4 of 1000: only 3 reads as 0.3%
    (m,) = [m for m in assessed if m.numerator == ("Assessed",) and m.denominator == "Referred"]
    assert m.value is None and m.certain is False and m.subset
    assert (m.value_low, m.value_high) == (Fraction(0), Fraction(4, 1000))
    assert check_claim("0.3%", funnel).verdict == POSSIBLE


def test_zero_counts_are_never_denominators():
    funnel = build_funnel([StageRecord("Referred", "0"), StageRecord("Seen", "0")])
    assert explain_claim("0%", funnel) == []
    funnel = build_funnel([StageRecord("Referred", "10"), StageRecord("Seen", "0")])
    assert explain_claim("0%", funnel) == [ClaimMatch(None, ("Seen",), "Referred", Fraction(0), True, False)]


def test_programmes_are_searched_in_order_and_singles_precede_sums():
    rows = [
        ("A", "Referred", "100", ""),
        ("A", "Seen", "30", ""),
        ("A", "Walk-ins", "10", "none"),
        ("B", "Referred", "200", ""),
        ("B", "Seen", "80", ""),
    ]
    funnel = build_funnel([StageRecord(s, c, b, programme=p) for p, s, c, b in rows])
    matches = explain_claim("40%", funnel)  # A: (30+10)/100; B: 80/200
    assert [(m.programme, m.numerator, m.denominator, m.value) for m in matches] == [
        ("B", ("Seen",), "Referred", Fraction(2, 5)),
        ("A", ("Seen", "Walk-ins"), "Referred", Fraction(2, 5)),
    ]


def test_prevent_channel_adoption_rates_in_programme_order():
    rows = [
        ("Year ending March 2019", 5737, 1328, 556),
        ("Year ending March 2020", 6287, 1424, 697),
        ("Year ending March 2021", 4915, 1333, 688),
        ("Year ending March 2024", 6922, 893, 512),
    ]
    records = []
    for year, referred, discussed, adopted in rows:
        records += [
            StageRecord("Referred to Prevent", str(referred), "", programme=year),
            StageRecord("Discussed", str(discussed), "Referred to Prevent", programme=year),
            StageRecord("Adopted", str(adopted), "Discussed", programme=year),
        ]
    matches = [m for m in explain_claim("over 40%", build_funnel(records)) if not m.complement]
    assert [(m.programme, m.numerator, m.denominator, m.subset) for m in matches] == [
        (year, ("Adopted",), "Discussed", True) for year, *_ in rows
    ]
    assert [m.value for m in matches] == [Fraction(a, d) for _, _, d, a in rows]


def test_explain_rejects_unreadable_claims():
    with pytest.raises(ClaimError):
        explain_claim("lots", met_funnel())


# --------------------------------------------------------------------------------------------
# Properties


def round_half(x: Fraction, decimals: int, up: bool) -> int:
    """x rounded to `decimals` places, as an integer count of the last place; ties up or down."""
    scaled = x * 10**decimals
    return math.floor(scaled + Fraction(1, 2)) if up else math.ceil(scaled - Fraction(1, 2))


def printed(units: int, decimals: int) -> str:
    if decimals == 0:
        return str(units)
    return f"{units // 10**decimals}.{units % 10**decimals:0{decimals}d}"


percent_claims = st.integers(0, 4).flatmap(lambda d: st.tuples(st.just(d), st.integers(0, 100 * 10**d)))
unit_fractions = st.fractions(min_value=0, max_value=1).filter(lambda f: 0 < f < 1)


@given(percent_claims, unit_fractions)
def test_values_inside_a_bare_percentage_print_as_the_claim(claim, t):
    decimals, units = claim
    text = printed(units, decimals)
    interval = parse_claim(text + "%")
    value = interval.low + (interval.high - interval.low) * t  # strictly inside
    percent = value * 100
    assert printed(round_half(percent, decimals, up=True), decimals) == text
    assert printed(round_half(percent, decimals, up=False), decimals) == text


@given(percent_claims, st.fractions(min_value=0, max_value=1))
def test_a_bare_percentage_is_exactly_what_rounds_to_it(claim, value):
    decimals, units = claim
    interval = parse_claim(printed(units, decimals) + " per cent")
    percent = value * 100
    rounds_to_it = units in (
        round_half(percent, decimals, up=True),
        round_half(percent, decimals, up=False),
    )
    assert interval.contains(value) == rounds_to_it


@given(st.integers(1, 10**6), st.fractions(min_value=0, max_value=1))
def test_one_in_n_is_exactly_the_rates_whose_inverse_rounds_to_n(n, value):
    interval = parse_claim(f"1 in {n}")
    assert (interval.low, interval.high) == one_in(n)
    if value > 0:
        inverse = 1 / value
        assert interval.contains(value) == (n - Fraction(1, 2) <= inverse <= n + Fraction(1, 2))
    else:
        assert not interval.contains(value)


QUALIFIED = ["", "about ", "just over ", "just under ", "over ", "under ", "at least ", "at most "]


@given(percent_claims, st.fractions(min_value=0, max_value=1))
def test_qualifiers_split_the_bare_interval_and_the_unit_range(claim, value):
    decimals, units = claim
    number = printed(units, decimals) + "%"
    v = Fraction(units, 10**decimals) / 100
    got = {}
    for q in QUALIFIED:
        try:
            got[q] = parse_claim(q + number).contains(value)
        except ClaimError:  # e.g. "over 100%", "under 0%": nothing satisfies them
            got[q] = False
    is_v = value == v
    assert got[""] == got["about "]
    assert got[""] == (got["just over "] or got["just under "] or is_v)
    assert not (got["just over "] and got["just under "])
    assert got["over "] != got["under "] or is_v
    assert got["at least "] == (got["over "] or is_v)
    assert got["at most "] == (got["under "] or is_v)


NAMED = {
    "half": Fraction(1, 2),
    "a third": Fraction(1, 3),
    "two thirds": Fraction(2, 3),
    "a quarter": Fraction(1, 4),
    "three quarters": Fraction(3, 4),
    "a fifth": Fraction(1, 5),
    "three fifths": Fraction(3, 5),
    "a sixth": Fraction(1, 6),
    "five sixths": Fraction(5, 6),
    "a seventh": Fraction(1, 7),
    "three eighths": Fraction(3, 8),
    "a ninth": Fraction(1, 9),
    "seven tenths": Fraction(7, 10),
}


@pytest.mark.parametrize("text, fraction", NAMED.items())
def test_named_fractions_are_the_exact_fraction_give_or_take_half_a_point(text, fraction):
    interval = parse_claim(text)
    assert interval.value == fraction
    assert (interval.low, interval.high) == (fraction - pct("0.5"), fraction + pct("0.5"))
    over, under = parse_claim(f"over {text}"), parse_claim(f"under {text}")
    assert (over.low, over.low_open, under.high, under.high_open) == (fraction, True, fraction, True)


def vary(text: str, data) -> str:
    """The same claim as a person might type it: any case, extra spaces, quotes, a full stop."""
    chars = [c.upper() if data.draw(st.booleans()) else c for c in text]
    spaced = "".join(c + (" " * data.draw(st.integers(0, 2)) if c == " " else "") for c in chars)
    wrappers = [("", ""), ('"', '".'), ("\u201c", "\u201d"), ("(", ")")]
    before, after = data.draw(st.sampled_from(wrappers))
    return before + "  " + spaced + " " + after


@given(st.sampled_from([c[0] for c in CLAIMS]), st.data())
def test_case_spacing_and_quotes_do_not_change_a_claim(text, data):
    varied = vary(text, data)
    a, b = parse_claim(text), parse_claim(varied)
    assert (a.low, a.high, a.low_open, a.high_open) == (b.low, b.high, b.low_open, b.high_open)


TOKENS = [
    "just",
    "over",
    "under",
    "nearly",
    "about",
    "at",
    "least",
    "most",
    "up",
    "to",
    "one",
    "two",
    "a",
    "an",
    "half",
    "third",
    "thirds",
    "quarter",
    "in",
    "every",
    "out",
    "of",
    "16",
    "1,000",
    "9",
    "9.3",
    ".5",
    "0",
    "100",
    "150",
    "%",
    "per",
    "cent",
    "pc",
    "-",
    ",",
    ".",
    "(",
    ")",
    "“",
    "”",
    "’",
    "sixteen",
    "twenty",
    "hundred",
    "people",
    "~",
    "c.",
    "\u00a0",
    "",
]


@settings(max_examples=500)
@given(st.lists(st.sampled_from(TOKENS), max_size=8), st.sampled_from([" ", "", "-"]))
def test_claim_like_text_parses_or_raises_claim_error(tokens, joiner):
    try:
        claim = parse_claim(joiner.join(tokens))
    except ClaimError:
        return
    assert claim.kind in KINDS
    if claim.kind == RATE:
        assert 0 <= claim.low <= claim.high <= 1
        assert not (claim.low == claim.high and (claim.low_open or claim.high_open))


@settings(max_examples=500)
@given(st.text(max_size=60))
def test_arbitrary_text_parses_or_raises_claim_error(text):
    try:
        claim = parse_claim(text)
    except ClaimError as exc:
        assert str(exc)
        return
    assert claim.kind in KINDS
    assert claim.kind != RATE or 0 <= claim.low <= claim.high <= 1


@given(st.integers(0, 2000), st.integers(1, 2000), st.sampled_from([c[0] for c in CLAIMS]))
def test_claim_matches_is_contains_of_the_exact_ratio(numerator, denominator, text):
    assert claim_matches(text, numerator, denominator) == parse_claim(text).contains(Fraction(numerator, denominator))
