"""The funnel model and published counts: parsing, nesting and validation."""

import pytest
from helpers import met_funnel
from hypothesis import given, settings
from hypothesis import strategies as st

from xlplugin.core.counts import Count, parse_count, parse_rounding, parse_suppressed_range, rounded_interval
from xlplugin.core.errors import InputError
from xlplugin.core.funnel import StageRecord as R
from xlplugin.core.funnel import build_funnel


def met():
    return met_funnel(source="met.csv")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("62", (62, 62, "exact")),
        ("1,000", (1000, 1000, "exact")),
        (" 1,234,567 ", (1234567, 1234567, "exact")),
        ("669.0", (669, 669, "exact")),
        (62.0, (62, 62, "exact")),
        (0, (0, 0, "exact")),
        ("<5", (0, 4, "suppressed")),
        ("< 10", (0, 9, "suppressed")),
        ("*", (0, 4, "suppressed")),
        ("[c]", (0, 4, "suppressed")),
        ("c", (0, 4, "suppressed")),
        ("~", (0, 4, "suppressed")),
        ("[x]", (0, None, "unavailable")),
    ],
)
def test_parse_count(text, expected):
    c = parse_count(text)
    assert (c.low, c.high, c.kind) == expected


def test_suppressed_range_is_configurable():
    assert (parse_count("*", suppressed=(1, 7)).low, parse_count("*", suppressed=(1, 7)).high) == (1, 7)
    assert parse_suppressed_range("1-7") == (1, 7)
    with pytest.raises(ValueError):
        parse_suppressed_range("7-1")


@pytest.mark.parametrize("bad", ["-3", "6.5", "abc", "", "1,00", "<0", "1e3", True, float("inf"), -1, 2.5])
def test_bad_counts(bad):
    with pytest.raises(ValueError):
        parse_count(bad)


def test_rounding():
    assert parse_rounding("nearest5") == 5
    assert parse_rounding("exact") is None and parse_rounding("") is None
    assert parse_rounding("10") == 10
    # every integer that rounds to 60 at the nearest 5, ties either way: 57.5..62.5
    assert rounded_interval(60, 5) == (58, 62)
    assert rounded_interval(60, 10) == (55, 65)
    assert rounded_interval(0, 10) == (0, 5)
    c = parse_count("60", rounding=10)
    assert (c.low, c.high, c.kind, c.exact) == (55, 65, "rounded", None)
    with pytest.raises(ValueError):
        parse_rounding("nearest")


def test_met_nesting_is_transitive():
    p = met().programmes[0]
    assert p.first.name == "Identified for a visit"
    assert p.ancestors("Interested in diversion") == ["Visited", "Identified for a visit"]
    assert p.is_subset("Interested in diversion", "Identified for a visit")
    assert not p.is_subset("Contacted police about diversion", "Visited")
    assert p.stage("Contacted police about diversion").outside
    assert p.stage("Follow-up engagements").unit == "contacts"
    assert p.stage("Visited").unit == "not stated"  # no unit column: never assumed to be people


def test_default_base_is_previous_stage_and_programmes_group():
    f = build_funnel(
        [
            R("a", "10", programme="2019", line=2),
            R("b", "5", programme="2019", line=3),
            R("a", "12", programme="2020", line=4),
            R("b", "6", programme="2020", line=5),
        ]
    )
    assert [p.name for p in f.programmes] == ["2019", "2020"]
    assert f.programmes[1].stage("b").base == "a"
    assert f.programmes[0].stage("a").base is None


def _problems(records):
    with pytest.raises(InputError) as e:
        build_funnel(records, source="f.csv")
    return e.value.problems


def test_every_problem_is_reported_with_line_and_column():
    probs = _problems(
        [
            R("A", "10", line=2),
            R("B", "-1", line=3),
            R("C", "2.5", line=4),
            R("D", "5", "Nope", line=5),
            R("a", "3", line=6),
            R("E", "11", "A", line=7),
        ]
    )
    got = {(p.line, p.column) for p in probs}
    assert got == {(3, "count"), (4, "count"), (5, "base"), (6, "stage"), (7, "count")}
    assert all(p.file == "f.csv" for p in probs)
    text = "\n".join(map(str, probs))
    assert "f.csv, line 3, column 'count': a count cannot be negative" in text
    assert "stage 'a' appears twice (first on line 2)" in text
    assert "larger than its base 'A'" in text


def test_circular_bases():
    probs = _problems([R("A", "10", "C", line=2), R("B", "5", "A", line=3), R("C", "3", "B", line=4)])
    assert len(probs) == 1 and probs[0].column == "base" and "circular" in probs[0].message


def test_self_base_and_hint_on_case():
    probs = _problems([R("Referred", "10", line=2), R("Adopted", "5", "referred", line=3)])
    assert "did you mean 'Referred'" in probs[0].message
    probs = _problems([R("A", "10", "A", line=2)])
    assert "its own base" in probs[0].message


def test_count_may_exceed_base_in_other_units_but_not_same():
    f = build_funnel([R("people", "10", line=2), R("visits", "25", unit="visits", line=3)])
    assert f.programmes[0].stage("visits").count.exact == 25
    probs = _problems([R("A", "10", line=2), R("B", "25", line=3)])
    assert probs[0].line == 3 and "larger than its base" in probs[0].message


def test_suppressed_below_base_is_accepted():
    f = build_funnel([R("A", "3", line=2), R("B", "<5", line=3)])
    assert f.programmes[0].stage("B").count == Count(0, 4, "suppressed", "<5")


def test_empty_is_an_error():
    with pytest.raises(InputError, match="no stages"):
        build_funnel([], source="x.csv")


@pytest.mark.parametrize(
    "text", ["to nearest 5", "nearest 5", "rounded to 5", "rounded to nearest 5", "to the nearest 5", "5"]
)
def test_rounding_wordings(text):
    """Issue 9: the pattern said 'toneareast', so "to nearest 5" was refused."""
    assert parse_rounding(text) == 5


@pytest.mark.parametrize("text", ["toneareast5", "nearest", "to nearest five", "nearest -5"])
def test_rounding_wordings_refused(text):
    with pytest.raises(ValueError, match="not understood"):
        parse_rounding(text)


@given(st.text(alphabet="0123456789,+-. \u00a0٣", max_size=14))
@settings(max_examples=400, deadline=None)
def test_the_plain_count_shortcut_reads_what_the_pattern_reads(text):
    """`_plain_whole` ("669", "1,000") spares the patterns: it accepts only what `_INT_RE` does, as the same digits."""
    from xlplugin.core.counts import _INT_RE, _plain_whole

    digits = _plain_whole(text)
    if digits is not None:
        assert _INT_RE.match(text) and digits == text.replace(",", "")
    elif text.isascii() and not text.startswith("+") and _INT_RE.match(text):
        raise AssertionError(f"{text!r} matches the pattern but not the shortcut")


@pytest.mark.parametrize(
    ("text", "n"),
    [("669", 669), ("1,000", 1000), ("007", 7), ("1,000,000", 1_000_000), ("+5", 5), ("12.0", 12), ("1 000", 1000)],
)
def test_whole_counts_read_the_same_by_either_path(text, n):
    assert parse_count(text) == Count(n, n, "exact", text)


@pytest.mark.parametrize("text", ["1,00", "10,00,000", ",100", "1,000,", "-5", "1.000", "2.5", "٣"])
def test_counts_the_shortcut_leaves_are_still_refused(text):
    with pytest.raises(ValueError):
        parse_count(text)
