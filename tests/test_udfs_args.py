"""xlplugin.excel.args: the argument rules behind every UPTAKE_* function, one by one."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from xlplugin.excel import args as xa


def literal(fn, *args):
    with pytest.raises(xa.ExcelError) as info:
        fn(*args)
    return info.value.literal


@pytest.mark.parametrize(
    "value,expected",
    [
        (62.0, 62),
        (62, 62),
        (0, 0),
        ("62", 62),
        (" 1,000 ", 1000),
        ("669.0", 669),
        ("1e3", 1000),
        ("1\u00a0000", 1000),
        (10**15, 10**15),
    ],
)
def test_counts_excel_may_send(value, expected):
    assert xa.count(value) == expected and type(xa.count(value)) is int


@pytest.mark.parametrize(
    "value,expected",
    [
        (None, "#N/A"),
        ("", "#N/A"),
        ("   ", "#N/A"),
        (True, "#VALUE!"),
        (False, "#VALUE!"),
        (dt.datetime(2021, 6, 17), "#VALUE!"),
        (dt.date(2021, 6, 17), "#VALUE!"),
        (dt.time(9, 30), "#VALUE!"),
        ("sixty", "#VALUE!"),
        ("<5", "#VALUE!"),
        ([62.0], "#VALUE!"),
        (-1, "#NUM!"),
        (-1.0, "#NUM!"),
        ("-62", "#NUM!"),
        (6.5, "#NUM!"),
        ("6.5", "#NUM!"),
        (math.inf, "#NUM!"),
        (-math.inf, "#NUM!"),
        (math.nan, "#NUM!"),
        (10**15 + 1, "#NUM!"),
        (1e300, "#NUM!"),
        ("#N/A", "#N/A"),
        ("#div/0!", "#DIV/0!"),
        ("#REF!", "#VALUE!"),
        ("#NAME?", "#VALUE!"),
        ("#SPILL!", "#VALUE!"),
    ],
)
def test_bad_counts(value, expected):
    assert literal(xa.count, value) == expected


def test_published_counts_keep_markers_for_parse_count():
    assert xa.published_count_value("<5") == "<5"
    assert xa.published_count_value("[c]") == "[c]"
    assert xa.published_count_value("1,000") == 1000
    assert literal(xa.published_count_value, True) == "#VALUE!"
    assert literal(xa.published_count_value, "") == "#N/A"
    assert literal(xa.published_count_value, "#N/A") == "#N/A"


def test_confidence_levels():
    assert xa.confidence(None) == 0.95 and xa.confidence("") == 0.95
    assert xa.confidence(0) == 0.95 and xa.confidence(0.0) == 0.95  # an empty cell as Office.js may send it
    assert xa.confidence(0.99) == 0.99 and xa.confidence("99%") == 0.99 and xa.confidence("0.9") == 0.9
    for bad, expected in [
        (-0.5, "#NUM!"),
        (1, "#NUM!"),
        (95, "#NUM!"),
        (math.nan, "#NUM!"),
        (math.inf, "#NUM!"),
        ("high", "#VALUE!"),
        (True, "#VALUE!"),
        ("#N/A", "#N/A"),
    ]:
        assert literal(xa.confidence, bad) == expected, bad


def test_target_rates():
    assert xa.proportion(0.09) == 0.09 and xa.proportion("9%") == pytest.approx(0.09)
    assert xa.proportion(0) == 0.0 and xa.proportion(1) == 1.0
    assert literal(xa.proportion, None) == "#N/A"
    assert literal(xa.proportion, 1.5) == "#NUM!"
    assert literal(xa.proportion, "nine") == "#VALUE!"


def test_method_choices():
    methods = ("wilson", "wilson_cc", "exact")
    assert xa.choice(None, methods, "wilson") == "wilson"
    assert xa.choice(" Wilson CC ", methods, "wilson") == "wilson_cc"
    assert xa.choice("Clopper-Pearson", methods, "wilson", {"clopper_pearson": "exact"}) == "exact"
    assert literal(xa.choice, "bayes", methods, "wilson") == "#VALUE!"
    assert literal(xa.choice, 1.0, methods, "wilson") == "#VALUE!"


def test_ranges():
    assert xa.table(62.0) == [[62.0]]  # Office.js hands one cell over as a scalar
    assert xa.table([1.0, 2.0]) == [[1.0], [2.0]]  # a flat list is a column
    assert xa.table([[1.0], [None], [2.0], [None], [""]]) == [[1.0], [None], [2.0]]  # trailing blanks dropped
    assert literal(xa.table, [[1.0], [2.0, 3.0]]) == "#VALUE!"  # ragged
    assert literal(xa.table, [[None], [None]]) == "#N/A"
    assert literal(xa.table, []) == "#N/A"
    assert literal(xa.table, None) == "#N/A"
    assert literal(xa.table, [1.0, [2.0]]) == "#VALUE!"
    assert xa.column([["a", "b", None]]) == ["a", "b"]  # a single row is read across
    assert literal(xa.column, [["a", "b"], ["c", "d"]]) == "#VALUE!"
    assert xa.optional_column(None, 3) is None and xa.optional_column([[None], [None]], 3) is None
    assert xa.optional_column([["x"]], 3) == ["x", None, None]
    assert literal(xa.optional_column, [["x"], ["y"], ["z"]], 2) == "#VALUE!"
